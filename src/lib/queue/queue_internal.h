/* queue_internal.h -- what the sources of src/lib/queue share: the
 * queue's database (pg.c, every libpq call of the area) as a handful of
 * operations that queue.c's fill, worker loop, status and export use. Not
 * installed. */
#ifndef BW_QUEUE_INTERNAL_H
#define BW_QUEUE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "bulwark/queue.h"

typedef struct bw__qdb bw__qdb;

/* One claimed unit. */
typedef struct bw__qunit {
    int64_t id;
    char *path;
    int64_t attempts;           /* claims so far, this one included */
} bw__qunit;

/* Connect, and create the tables if they are not there (under an advisory
 * lock, so that workers starting together create them once). */
bw_status bw__qdb_open(bw__qdb **out, const char *location, bw_error *err);
void bw__qdb_close(bw__qdb *d);

/* Filling: one transaction under the queue's advisory lock; add inserts
 * the n paths in their order, but those the queue has (*added grows by
 * the number that were new). */
bw_status bw__qdb_fill_begin(bw__qdb *d, const char *queue, bw_error *err);
bw_status bw__qdb_fill_add(bw__qdb *d, const char *queue, const char *const *paths, size_t n,
                           uint64_t *added, bw_error *err);
bw_status bw__qdb_fill_end(bw__qdb *d, int commit, bw_error *err);

/* Claim up to limit units for worker for lease seconds, in unit order;
 * *units (free with bw__qdb_units_free) and *n get them. */
bw_status bw__qdb_claim(bw__qdb *d, const char *queue, const char *worker, unsigned lease,
                        size_t limit, bw__qunit **units, size_t *n, bw_error *err);
void bw__qdb_units_free(bw__qunit *units, size_t n);

/* In one transaction: mark the unit done if worker still holds it, and
 * insert its n records (rec[i], len[i] bytes). *held 0: the lease was
 * lost, nothing was written. */
bw_status bw__qdb_complete(bw__qdb *d, const char *queue, const char *worker, int64_t unit,
                           const char *const *rec, const size_t *len, size_t n, int *held,
                           bw_error *err);
/* Renew every lease worker holds in queue, to lease seconds from now. */
bw_status bw__qdb_renew(bw__qdb *d, const char *queue, const char *worker, unsigned lease,
                        bw_error *err);

/* Units not done (todo or leased), and the seconds until the first lease
 * of the leased ones runs out (0 if one has). */
bw_status bw__qdb_pending(bw__qdb *d, const char *queue, uint64_t *left, double *wait,
                          bw_error *err);
bw_status bw__qdb_status(bw__qdb *d, const char *queue, bw_queue_status *out, bw_error *err);

/* Each record in unit order to fn (path: the unit's). */
bw_status bw__qdb_export(bw__qdb *d, const char *queue,
                         void (*fn)(void *ctx, const char *path, const char *rec, size_t len),
                         void *ctx, uint64_t *n, bw_error *err);

#endif
