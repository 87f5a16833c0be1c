/* queue.c -- the work queue (queue.h): filling it from the walk of the
 * paths, the worker loop (claim a batch, scan it, complete each unit in
 * one transaction while the lease is held), its status and the export of
 * its records. The database is pg.c's (queue_internal.h).
 *
 * A batch's units are added to one scanner in unit order and the scanner
 * delivers their records in that order; a unit's records end with its one
 * record of depth 0 (a file's, an archive's after its members, or a
 * failure's), at which point the unit is completed, while the scanner's
 * workers go on with the next units. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bulwark/queue.h"
#include "bulwark/sink.h"
#include "bulwark/walk.h"
#include "core/internal.h"
#include "queue/queue_internal.h"

int bw_queue_location(const char *location)
{
    return location && (strncmp(location, "postgresql://", 13) == 0 ||
                        strncmp(location, "postgres://", 11) == 0);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---------------- one unit's records ---------------- */

typedef struct unit_recs {
    char *buf;                  /* the records' JSON, one after another */
    size_t len, cap;
    size_t *off, *lens;
    size_t n, capn;
    bw_scan_totals totals;
} unit_recs;

static int recs_add(unit_recs *u, const char *json, size_t len)
{
    if (u->len + len > u->cap) {
        size_t cap = (u->cap ? u->cap * 2 : 4096) + len;
        char *b = bw__realloc(u->buf, cap);
        if (!b)
            return -1;
        u->buf = b;
        u->cap = cap;
    }
    if (u->n == u->capn) {
        size_t capn = u->capn ? u->capn * 2 : 4;
        size_t *o = bw__realloc(u->off, capn * sizeof *o);
        if (o)
            u->off = o;
        size_t *l = o ? bw__realloc(u->lens, capn * sizeof *l) : NULL;
        if (!l)
            return -1;
        u->lens = l;
        u->capn = capn;
    }
    memcpy(u->buf + u->len, json, len);
    u->off[u->n] = u->len;
    u->lens[u->n++] = len;
    u->len += len;
    return 0;
}

static void recs_free(unit_recs *u)
{
    free(u->buf);
    free(u->off);
    free(u->lens);
}

/* ---------------- the worker ---------------- */

typedef struct worker {
    const bw_queue_request *req;
    const bw_sink *sink;
    bw__qdb *db;
    bw_scanner *scanner;
    bw_json json;
    char name[320];
    unsigned lease;
    double renewed;             /* when the leases in hand were last claimed or renewed */
    bw__qunit *units;           /* the batch in hand */
    unit_recs *recs;
    size_t nunits, cur;         /* cur: the unit whose records are coming */
    volatile sig_atomic_t halt; /* the scanner's stop: the database failed */
    bw_status fatal;
    bw_error ferr;
    bw_queue_state st;
} worker;

/* Write unit i's records and mark it done, then hand them to the sink. */
static void complete(worker *w, size_t i)
{
    unit_recs *u = &w->recs[i];
    const char **rec = NULL;
    int held = 0;
    bw_status st;

    if (w->fatal)
        return;
    if (u->n && !(rec = bw__calloc(u->n, sizeof *rec))) {
        w->fatal = bw__fail(&w->ferr, BW_ERR_NOMEM, "out of memory");
        w->halt = 1;
        return;
    }
    for (size_t k = 0; k < u->n; k++)
        rec[k] = u->buf + u->off[k];
    st = bw__qdb_complete(w->db, w->req->name, w->name, w->units[i].id, rec, u->lens, u->n,
                          &held, &w->ferr);
    free(rec);
    if (st == BW_OK && now() - w->renewed > w->lease / 3.0) {
        /* the rest of the batch keeps its leases while this one is slow */
        st = bw__qdb_renew(w->db, w->req->name, w->name, w->lease, &w->ferr);
        w->renewed = now();
    }
    if (st != BW_OK) {
        w->fatal = st;
        w->halt = 1;
        return;
    }
    if (!held) {
        w->st.lost++;
        return;
    }
    w->st.done++;
    w->st.records += u->n;
    w->st.totals.files += u->totals.files;
    w->st.totals.images += u->totals.images;
    w->st.totals.archives += u->totals.archives;
    w->st.totals.matched += u->totals.matched;
    w->st.totals.errors += u->totals.errors;
    for (size_t k = 0; w->sink && k < u->n; k++) {
        bw_sink_record out = {w->units[i].path, BW_OK, NULL, NULL, u->buf + u->off[k],
                              u->lens[k], NULL};
        w->sink->record(w->sink->ctx, &out);
    }
}

static void on_record(void *ctx, const bw_scan_record *rec)
{
    worker *w = ctx;
    unit_recs *u;
    if (w->fatal || w->cur >= w->nunits)
        return;
    u = &w->recs[w->cur];
    bw_json_reset(&w->json);
    bw_scan_record_json(&w->json, rec);
    if (bw_json_status(&w->json) != BW_OK || recs_add(u, w->json.buf, w->json.len) != 0) {
        w->fatal = bw__fail(&w->ferr, BW_ERR_NOMEM, "%s: out of memory", rec->path);
        w->halt = 1;
        return;
    }
    bw_scan_totals_add(&u->totals, rec);
    if (rec->depth == 0)
        complete(w, w->cur++);
}

/* Scan the batch in hand: every unit is completed, or left to its lease. */
static void work_batch(worker *w)
{
    bw_error e;
    for (size_t i = 0; i < w->nunits && !w->fatal; i++) {
        w->st.claimed++;
        if (w->units[i].attempts > 1)
            w->st.reclaimed++;
        bw_status st = bw_scanner_add(w->scanner, w->units[i].path, &e);
        if (st != BW_OK && !w->fatal) {
            w->fatal = bw__fail(&w->ferr, st, "%s: %s", w->units[i].path, bw_error_message(&e));
            w->halt = 1;
        }
    }
    bw_scanner_finish(w->scanner);
    while (w->cur < w->nunits && !w->fatal) /* no record of depth 0 came: what there is */
        complete(w, w->cur++);
    for (size_t i = 0; i < w->nunits; i++)
        recs_free(&w->recs[i]);
    free(w->recs);
    bw__qdb_units_free(w->units, w->nunits);
    w->recs = NULL;
    w->units = NULL;
    w->nunits = w->cur = 0;
}

static void nap(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Claim and scan until nothing is left to do or leased by anyone: when
 * nothing can be claimed but units are leased, wait for their leases (a
 * dead worker's run out and are claimed here). */
static bw_status work(worker *w, unsigned batch, bw_error *err)
{
    const volatile sig_atomic_t *stop = w->req->scan.stop;
    for (;;) {
        bw_status st;
        uint64_t left;
        double wait;
        if (stop && *stop) {
            w->st.interrupted = 1;
            return bw__fail(err, BW_ERR_INTERRUPTED, "interrupted");
        }
        st = bw__qdb_claim(w->db, w->req->name, w->name, w->lease, batch, &w->units, &w->nunits,
                           err);
        if (st != BW_OK)
            return st;
        w->renewed = now();
        if (w->nunits) {
            if (!(w->recs = bw__calloc(w->nunits, sizeof *w->recs))) {
                bw__qdb_units_free(w->units, w->nunits);
                w->units = NULL;
                w->nunits = 0;
                return bw__fail(err, BW_ERR_NOMEM, "out of memory");
            }
            work_batch(w);
            if (w->fatal) {
                if (err)
                    *err = w->ferr;
                return w->fatal;
            }
            continue;
        }
        if ((st = bw__qdb_pending(w->db, w->req->name, &left, &wait, err)) != BW_OK)
            return st;
        if (left == 0)
            return BW_OK;
        nap(wait < 0.05 ? 0.05 : wait > 1 ? 1 : wait + 0.01);
    }
}

/* ---------------- filling ---------------- */

#define FILL_ROWS 512

typedef struct filler {
    bw__qdb *db;
    const char *queue;
    char *paths[FILL_ROWS];     /* not yet sent */
    size_t n;
    uint64_t added;
    bw_status st;
    bw_error *err;
} filler;

static void fill_flush(filler *f)
{
    if (f->st == BW_OK)
        f->st = bw__qdb_fill_add(f->db, f->queue, (const char *const *)f->paths, f->n,
                                 &f->added, f->err);
    for (size_t i = 0; i < f->n; i++)
        free(f->paths[i]);
    f->n = 0;
}

static int fill_entry(void *ctx, const bw_walk_entry *e)
{
    filler *f = ctx;
    if (e->error) /* a walk problem is not a unit: a scan of the path reports it */
        return 0;
    if (!(f->paths[f->n] = bw__strdup(e->path))) {
        f->st = bw__fail(f->err, BW_ERR_NOMEM, "out of memory");
        return 1;
    }
    if (++f->n == FILL_ROWS)
        fill_flush(f);
    return f->st != BW_OK;
}

/* Every file the scan of the paths would visit, in walk order, once. */
static bw_status fill(worker *w, bw_error *err)
{
    const bw_queue_request *req = w->req;
    bw_walk_opts wo = {req->scan.follow_symlinks, 0};
    filler f;
    bw_status st;
    if (!req->npaths)
        return BW_OK;
    memset(&f, 0, sizeof f);
    f.db = w->db;
    f.queue = req->name;
    f.err = err;
    if ((st = bw__qdb_fill_begin(w->db, req->name, err)) != BW_OK)
        return st;
    for (size_t i = 0; i < req->npaths && f.st == BW_OK; i++) {
        st = bw_walk(req->paths[i], &wo, fill_entry, &f);
        if (f.st == BW_OK && st != BW_OK)
            f.st = bw__fail(err, st, "%s: %s", req->paths[i], bw_strerror(st));
    }
    fill_flush(&f);
    if (f.st != BW_OK) {
        bw__qdb_fill_end(w->db, 0, NULL);
        return f.st;
    }
    w->st.added = f.added;
    return bw__qdb_fill_end(w->db, 1, err);
}

bw_status bw_queue_run(const bw_queue_request *req, const bw_sink *sink, bw_queue_state *out,
                       bw_error *err)
{
    worker w;
    bw_scan_opts so;
    bw_status st;
    char host[256];
    double start = now();

    memset(&w, 0, sizeof w);
    if (out)
        memset(out, 0, sizeof *out);
    if (!req || !req->name || !*req->name || !bw_queue_location(req->location) ||
        (req->npaths && !req->paths))
        return bw__fail(err, BW_ERR_ARG, "bw_queue_run: no queue (postgresql://... and a name)");
    w.req = req;
    w.sink = sink;
    w.lease = req->lease_seconds ? req->lease_seconds : 60;
    if (req->worker)
        snprintf(w.name, sizeof w.name, "%s", req->worker);
    else {
        if (gethostname(host, sizeof host) != 0)
            snprintf(host, sizeof host, "localhost");
        host[sizeof host - 1] = '\0';
        snprintf(w.name, sizeof w.name, "%s:%ld", host, (long)getpid());
    }
    so = req->scan;
    so.stop = &w.halt;
    so.skip = NULL;
    so.shard_count = 0;
    bw_json_init(&w.json);
    if ((st = bw__qdb_open(&w.db, req->location, err)) == BW_OK &&
        (st = fill(&w, err)) == BW_OK &&
        (st = bw_scanner_new(&w.scanner, &so, on_record, &w, err)) == BW_OK) {
        unsigned jobs = so.jobs > 1 ? so.jobs : 1;
        st = work(&w, req->batch ? req->batch : 4 * jobs, err);
    }
    bw_scanner_free(w.scanner);
    bw__qdb_close(w.db);
    bw_json_free(&w.json);
    w.st.seconds = now() - start;
    if (out)
        *out = w.st;
    return st;
}

/* ---------------- status and export ---------------- */

bw_status bw_queue_status_get(const char *location, const char *name, bw_queue_status *out,
                              bw_error *err)
{
    bw__qdb *db;
    bw_status st;
    memset(out, 0, sizeof *out);
    if (!bw_queue_location(location) || !name)
        return bw__fail(err, BW_ERR_ARG, "no queue (postgresql://... and a name)");
    if ((st = bw__qdb_open(&db, location, err)) != BW_OK)
        return st;
    st = bw__qdb_status(db, name, out, err);
    bw__qdb_close(db);
    return st;
}

void bw_queue_status_json(bw_json *j, const char *name, const bw_queue_status *s)
{
    static const char *const keys[] = {"units",   "todo",      "leased",  "expired",
                                       "done",    "results",   "reclaimed", "workers"};
    const uint64_t v[] = {s->units, s->todo,    s->leased,    s->expired,
                          s->done,  s->results, s->reclaimed, s->workers};
    bw_json_object_begin(j);
    bw_json_key(j, "queue");
    bw_json_string(j, name);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        bw_json_key(j, keys[i]);
        bw_json_uint(j, v[i]);
    }
    bw_json_object_end(j);
}

typedef struct exporter {
    const bw_sink *sink;
} exporter;

static void export_one(void *ctx, const char *path, const char *rec, size_t len)
{
    exporter *x = ctx;
    bw_sink_record out = {path, BW_OK, NULL, NULL, rec, len, NULL};
    x->sink->record(x->sink->ctx, &out);
}

bw_status bw_queue_export(const char *location, const char *name, const bw_sink *sink,
                          uint64_t *n, bw_error *err)
{
    bw__qdb *db;
    bw_status st;
    uint64_t count = 0;
    exporter x = {sink};
    if (n)
        *n = 0;
    if (!bw_queue_location(location) || !name || !sink || !sink->record)
        return bw__fail(err, BW_ERR_ARG, "no queue (postgresql://... and a name) or sink");
    if ((st = bw__qdb_open(&db, location, err)) != BW_OK)
        return st;
    st = bw__qdb_export(db, name, export_one, &x, &count, err);
    bw__qdb_close(db);
    if (n)
        *n = count;
    return st;
}
