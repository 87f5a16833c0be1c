/* bulwark/queue.h -- a scan's work queue in PostgreSQL (issue 12): any
 * number of workers, on any machines, scan one input together.
 *
 * A queue has a name and lives in a database (a libpq URI,
 * postgresql://...), in two tables created on first use:
 *   bw_queue_units(unit_id, queue, path, state, lease_until, worker,
 *     attempts)   one row per file to scan (an archive is one unit), in the
 *     walk order of the first fill; state todo, leased or done
 *   bw_queue_results(unit_id, seq, queue, record)   the unit's records,
 *     the same JSON as `scan --json`, in the order the scan wrote them
 *
 * bw_queue_run fills the queue from its paths (the files a scan of them
 * would visit; a path already in the queue is not added again, so workers
 * started with the same arguments fill it once), then works: it claims a
 * batch of units (todo, or leased by a worker whose lease has expired)
 * with FOR UPDATE SKIP LOCKED, scans each, and in one transaction writes
 * its records and marks it done -- only while it still holds the lease, so
 * a unit can never get two sets of results. A worker that dies mid-unit
 * (SIGKILL, a lost machine) leaves its units leased; they are claimed again
 * once the lease runs out. A worker returns when no unit is left to do or
 * leased by anyone. See docs/scan.md. */
#ifndef BULWARK_QUEUE_H
#define BULWARK_QUEUE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "json.h"
#include "scan.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bw_sink;

/* Whether location names a PostgreSQL database (postgresql:// or
 * postgres://), i.e. can hold a queue. */
int bw_queue_location(const char *location);

typedef struct bw_queue_request {
    const char *location;       /* the database: a libpq URI */
    const char *name;           /* the queue's name */
    const char *const *paths;   /* to fill the queue from (may be none) */
    size_t npaths;
    bw_scan_opts scan;          /* the scanner's options (jobs, limits, matcher...);
                                   its shard and skip fields are not used */
    unsigned lease_seconds;     /* a claim lasts this long (0: 60) */
    unsigned batch;             /* units claimed at once (0: 4 per job) */
    const char *worker;         /* this worker's name (NULL: HOSTNAME:PID) */
} bw_queue_request;

typedef struct bw_queue_state {
    uint64_t added;             /* units this worker added to the queue */
    uint64_t claimed;           /* units it claimed */
    uint64_t reclaimed;         /* ... of which had been claimed before (a dead worker's) */
    uint64_t done;              /* units it finished (their records written) */
    uint64_t lost;              /* units whose lease it lost before finishing */
    uint64_t records;           /* records it wrote */
    bw_scan_totals totals;      /* of those records */
    double seconds;
    int interrupted;            /* scan.stop was set */
} bw_queue_state;

/* Fill, then work (above). Each record written is also sent to sink (may
 * be NULL), after its unit is committed. Returns BW_OK when the queue has
 * nothing left; BW_ERR_DB when the database failed (what was committed
 * stays); BW_ERR_INTERRUPTED when stop was set (the units in hand are
 * finished first). *out (may be NULL) gets the counters. */
bw_status bw_queue_run(const bw_queue_request *req, const struct bw_sink *sink,
                       bw_queue_state *out, bw_error *err);

typedef struct bw_queue_status {
    uint64_t units, todo, leased, expired, done;  /* expired: leased, lease run out */
    uint64_t results;           /* records written */
    uint64_t reclaimed;         /* units claimed more than once */
    uint64_t workers;           /* distinct workers holding a lease now */
} bw_queue_status;

/* The queue's progress (a queue never filled has all zeros). */
bw_status bw_queue_status_get(const char *location, const char *name, bw_queue_status *out,
                              bw_error *err);
/* {"queue", "units", "todo", "leased", "expired", "done", "results",
 *  "reclaimed", "workers"} */
void bw_queue_status_json(bw_json *j, const char *name, const bw_queue_status *s);

/* Every record of the queue to sink, units in unit order, each unit's in
 * the order they were written: the same JSON Lines as `scan --json` over
 * the same paths. *n (may be NULL) gets the count. */
bw_status bw_queue_export(const char *location, const char *name, const struct bw_sink *sink,
                          uint64_t *n, bw_error *err);

#ifdef __cplusplus
}
#endif
#endif
