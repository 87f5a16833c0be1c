/* pg.c -- the work queue's database (queue_internal.h): every libpq call
 * of src/lib/queue. Two tables, created on first use under an advisory
 * lock (CREATE TABLE IF NOT EXISTS is not safe against itself run twice at
 * once):
 *   bw_queue_units(unit_id bigserial, queue, path bytea, state, lease_until,
 *     worker, attempts), unique (queue, path): unit ids follow the walk
 *     order of the first fill
 *   bw_queue_results(unit_id, seq, queue, record), primary key (unit_id,
 *     seq): a unit's records, written by the statement that marks it done
 * Many values go as one binary array parameter (unnest ... WITH
 * ORDINALITY): a fill's paths, 512 a statement, and a unit's records.
 * Paths are bytea (a file name need not be UTF-8); records are JSON text.
 * Parameters and results travel in binary (int8 in network order). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>
#include "bulwark/store.h"
#include "core/internal.h"
#include "core/pq.h"
#include "queue/queue_internal.h"

#define FETCH_ROWS 4096

struct bw__qdb {
    PGconn *db;
    char where[256];        /* the location without its password, for messages */
};

static const char schema[] =
    "BEGIN;"
    "SELECT pg_advisory_xact_lock(7310411);" /* 'bwq': any constant of our own */
    "CREATE TABLE IF NOT EXISTS bw_queue_units("
    "  unit_id bigserial PRIMARY KEY, queue text NOT NULL, path bytea NOT NULL,"
    "  state text NOT NULL DEFAULT 'todo' CHECK (state IN ('todo', 'leased', 'done')),"
    "  lease_until timestamptz, worker text, attempts int8 NOT NULL DEFAULT 0,"
    "  UNIQUE (queue, path));"
    "CREATE INDEX IF NOT EXISTS bw_queue_units_claim ON bw_queue_units(queue, state, unit_id);"
    "CREATE TABLE IF NOT EXISTS bw_queue_results("
    "  unit_id int8 NOT NULL, seq int8 NOT NULL, queue text NOT NULL, record text NOT NULL,"
    "  PRIMARY KEY (unit_id, seq));"
    "CREATE INDEX IF NOT EXISTS bw_queue_results_queue ON bw_queue_results(queue);"
    "COMMIT;";

/* "what: <the server's message>", without its trailing newline. */
static bw_status fail(bw__qdb *d, bw_error *err, const char *what, const PGresult *res)
{
    int n;
    const char *m = bw__pq_message(d->db, res, &n);
    return bw__fail(err, BW_ERR_DB, "queue %s: %s: %.*s", d->where, what, n, m);
}

/* ---------------- parameters and results ---------------- */

typedef bw__pq_params params;

/* A one-dimensional array of n values of type elem (text 25, bytea 17)
 * in the binary array format: ndim, has-nulls, element type, length,
 * lower bound, then each value's length and bytes. Free with free(). */
static unsigned char *array_build(Oid elem, const char *const *v, const size_t *len, size_t n,
                                  size_t *out_len)
{
    size_t total = 20;
    unsigned char *b, *w;
    for (size_t i = 0; i < n; i++)
        total += 4 + len[i];
    if (total > 0x7fffffff || !(b = bw__malloc(total)))
        return NULL;
    uint32_t head[5] = {1, 0, elem, (uint32_t)n, 1};
    w = b;
    for (int i = 0; i < 5; i++, w += 4)
        w[0] = (unsigned char)(head[i] >> 24), w[1] = (unsigned char)(head[i] >> 16),
        w[2] = (unsigned char)(head[i] >> 8), w[3] = (unsigned char)head[i];
    for (size_t i = 0; i < n; i++) {
        uint32_t l = (uint32_t)len[i];
        w[0] = (unsigned char)(l >> 24), w[1] = (unsigned char)(l >> 16);
        w[2] = (unsigned char)(l >> 8), w[3] = (unsigned char)l;
        memcpy(w + 4, v[i], len[i]);
        w += 4 + len[i];
    }
    *out_len = total;
    return b;
}

/* Run sql with p; *res (NULL: dropped) gets the result. */
static bw_status run(bw__qdb *d, const char *sql, const params *p, const char *what,
                     PGresult **res, bw_error *err)
{
    PGresult *r = bw__pq_query(d->db, sql, p);
    if (bw__pq_failed(r)) {
        bw_status st = r ? fail(d, err, what, r) : bw__fail(err, BW_ERR_NOMEM, "out of memory");
        PQclear(r);
        return st;
    }
    if (res)
        *res = r;
    else
        PQclear(r);
    return BW_OK;
}

static bw_status exec(bw__qdb *d, const char *sql, const char *what, bw_error *err)
{
    PGresult *r = PQexec(d->db, sql);
    bw_status st = BW_OK;
    if (bw__pq_failed(r))
        st = r ? fail(d, err, what, r) : bw__fail(err, BW_ERR_NOMEM, "out of memory");
    PQclear(r);
    return st;
}

/* ---------------- opening ---------------- */

bw_status bw__qdb_open(bw__qdb **out, const char *location, bw_error *err)
{
    bw_status st;
    bw__qdb *d = bw__calloc(1, sizeof *d);
    *out = NULL;
    if (!d)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    bw_store_location_safe(location, d->where, sizeof d->where);
    d->db = PQconnectdb(location);
    if (!d->db || PQstatus(d->db) != CONNECTION_OK) {
        const char *m = d->db ? PQerrorMessage(d->db) : "out of memory";
        st = bw__fail(err, BW_ERR_DB, "cannot open queue database %s: %.*s", d->where,
                      (int)strcspn(m, "\n"), m);
        bw__qdb_close(d);
        return st;
    }
    PQsetNoticeProcessor(d->db, bw__pq_quiet, NULL); /* the library never prints */
    PQclear(PQexec(d->db, "SET client_min_messages = warning"));
    if ((st = exec(d, schema, "creating the tables", err)) != BW_OK) {
        bw__qdb_close(d);
        return st;
    }
    *out = d;
    return BW_OK;
}

void bw__qdb_close(bw__qdb *d)
{
    if (!d)
        return;
    if (d->db)
        PQfinish(d->db);
    free(d);
}

/* ---------------- filling ---------------- */

bw_status bw__qdb_fill_begin(bw__qdb *d, const char *queue, bw_error *err)
{
    params p = {0};
    bw_status st = exec(d, "BEGIN", "filling", err);
    if (st != BW_OK)
        return st;
    bw__pq_bin(&p, queue, strlen(queue), 25);
    st = run(d, "SELECT pg_advisory_xact_lock(7310412, hashtext($1))", &p, "filling", NULL, err);
    if (st != BW_OK)
        exec(d, "ROLLBACK", "filling", NULL);
    return st;
}

bw_status bw__qdb_fill_add(bw__qdb *d, const char *queue, const char *const *paths, size_t n,
                           uint64_t *added, bw_error *err)
{
    params p = {0};
    PGresult *r;
    bw_status st;
    size_t *len, alen;
    unsigned char *arr;
    if (n == 0)
        return BW_OK;
    if (!(len = bw__calloc(n, sizeof *len)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        len[i] = strlen(paths[i]);
    arr = array_build(17, paths, len, n, &alen);
    free(len);
    if (!arr)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    bw__pq_bin(&p, queue, strlen(queue), 25);
    bw__pq_bin(&p, arr, alen, 1001);
    st = run(d, "INSERT INTO bw_queue_units(queue, path) "
                "SELECT $1, t.p FROM unnest($2::bytea[]) WITH ORDINALITY AS t(p, o) ORDER BY t.o "
                "ON CONFLICT (queue, path) DO NOTHING", &p, "adding units", &r, err);
    free(arr);
    if (st != BW_OK)
        return st;
    *added += (uint64_t)strtoull(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return BW_OK;
}

bw_status bw__qdb_fill_end(bw__qdb *d, int commit, bw_error *err)
{
    return exec(d, commit ? "COMMIT" : "ROLLBACK", "filling", err);
}

/* ---------------- claiming and completing ---------------- */

static int unit_cmp(const void *a, const void *b)
{
    const bw__qunit *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* One claim statement: units of the state `which` selects, in unit order. */
static bw_status claim_some(bw__qdb *d, const char *which, const char *queue,
                            const char *worker, unsigned lease, size_t limit, PGresult **r,
                            bw_error *err)
{
    char sql[768];
    params p = {0};
    bw__pq_bin(&p, queue, strlen(queue), 25);
    bw__pq_int(&p, (int64_t)limit);
    bw__pq_int(&p, (int64_t)lease);
    bw__pq_bin(&p, worker, strlen(worker), 25);
    snprintf(sql, sizeof sql,
             "UPDATE bw_queue_units SET state = 'leased', worker = $4,"
             "  lease_until = now() + $3::float8 * interval '1 second', attempts = attempts + 1 "
             "WHERE unit_id IN (SELECT unit_id FROM bw_queue_units WHERE queue = $1 AND %s"
             "  ORDER BY unit_id LIMIT $2 FOR UPDATE SKIP LOCKED) "
             "RETURNING unit_id, path, attempts", which);
    return run(d, sql, &p, "claiming units", r, err);
}

/* Copy the claimed rows of r after the n units already in *units. */
static bw_status take_rows(const PGresult *r, bw__qunit **units, size_t *n, bw_error *err)
{
    int rows = PQntuples(r);
    bw__qunit *u;
    if (rows == 0)
        return BW_OK;
    if (!(u = bw__realloc(*units, (*n + (size_t)rows) * sizeof *u)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    *units = u;
    for (int i = 0; i < rows; i++) {
        size_t len = (size_t)PQgetlength(r, i, 1);
        bw__qunit *x = &u[*n];
        x->id = bw__pq_i64(r, i, 0);
        x->attempts = bw__pq_i64(r, i, 2);
        if (!(x->path = bw__malloc(len + 1)))
            return bw__fail(err, BW_ERR_NOMEM, "out of memory");
        memcpy(x->path, PQgetvalue(r, i, 1), len);
        x->path[len] = '\0';
        (*n)++;
    }
    return BW_OK;
}

/* Units whose lease has run out first (a dead worker's), then units to
 * do: two statements rather than one with an OR, so that each is an
 * ordered scan of the (queue, state, unit_id) index however many units
 * are done. */
bw_status bw__qdb_claim(bw__qdb *d, const char *queue, const char *worker, unsigned lease,
                        size_t limit, bw__qunit **units, size_t *n, bw_error *err)
{
    static const char *const which[] = {"state = 'leased' AND lease_until < now()",
                                        "state = 'todo'"};
    bw_status st = BW_OK;
    *units = NULL;
    *n = 0;
    for (int k = 0; k < 2 && st == BW_OK && *n < limit; k++) {
        PGresult *r;
        if ((st = claim_some(d, which[k], queue, worker, lease, limit - *n, &r, err)) != BW_OK)
            break;
        st = take_rows(r, units, n, err);
        PQclear(r);
    }
    if (st != BW_OK) {
        /* the units claimed run out of lease and are claimed again */
        bw__qdb_units_free(*units, *n);
        *units = NULL;
        *n = 0;
        return st;
    }
    if (*n > 1)
        qsort(*units, *n, sizeof **units, unit_cmp);
    return BW_OK;
}

void bw__qdb_units_free(bw__qunit *units, size_t n)
{
    for (size_t i = 0; units && i < n; i++)
        free(units[i].path);
    free(units);
}

/* One statement, so one transaction: the UPDATE marks the unit done only
 * while worker holds it, and the records go in only with it. */
bw_status bw__qdb_complete(bw__qdb *d, const char *queue, const char *worker, int64_t unit,
                           const char *const *rec, const size_t *len, size_t n, int *held,
                           bw_error *err)
{
    params p = {0};
    PGresult *r;
    bw_status st;
    size_t alen = 0;
    unsigned char *arr = NULL;
    *held = 0;
    if (n && !(arr = array_build(25, rec, len, n, &alen)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    bw__pq_int(&p, unit);
    bw__pq_bin(&p, worker, strlen(worker), 25);
    if (n) {
        bw__pq_bin(&p, queue, strlen(queue), 25);
        bw__pq_bin(&p, arr, alen, 1009);
    }
    st = run(d, n ? "WITH done AS (UPDATE bw_queue_units SET state = 'done', lease_until = NULL"
                    "  WHERE unit_id = $1 AND worker = $2 AND state = 'leased' RETURNING unit_id) "
                    "INSERT INTO bw_queue_results(unit_id, seq, queue, record) "
                    "SELECT done.unit_id, t.o - 1, $3, t.rec "
                    "FROM done, unnest($4::text[]) WITH ORDINALITY AS t(rec, o)"
                  : "UPDATE bw_queue_units SET state = 'done', lease_until = NULL "
                    "WHERE unit_id = $1 AND worker = $2 AND state = 'leased'",
             &p, "completing a unit", &r, err);
    free(arr);
    if (st != BW_OK)
        return st;
    *held = strtoull(PQcmdTuples(r), NULL, 10) == (n ? n : 1);
    PQclear(r);
    return BW_OK;
}

bw_status bw__qdb_renew(bw__qdb *d, const char *queue, const char *worker, unsigned lease,
                        bw_error *err)
{
    params p = {0};
    bw__pq_bin(&p, queue, strlen(queue), 25);
    bw__pq_bin(&p, worker, strlen(worker), 25);
    bw__pq_int(&p, (int64_t)lease);
    return run(d, "UPDATE bw_queue_units SET lease_until = now() + $3::float8 * interval "
                  "'1 second' WHERE queue = $1 AND worker = $2 AND state = 'leased'",
               &p, "renewing the leases", NULL, err);
}

/* ---------------- progress and export ---------------- */

bw_status bw__qdb_pending(bw__qdb *d, const char *queue, uint64_t *left, double *wait,
                          bw_error *err)
{
    params p = {0};
    PGresult *r;
    bw_status st;
    bw__pq_bin(&p, queue, strlen(queue), 25);
    st = run(d, "SELECT count(*), coalesce(1000 * extract(epoch FROM"
                "  min(lease_until) FILTER (WHERE state = 'leased') - now()), 0)::int8 "
                "FROM bw_queue_units WHERE queue = $1 AND state IN ('todo', 'leased')",
             &p, "reading the queue", &r, err);
    if (st != BW_OK)
        return st;
    *left = (uint64_t)bw__pq_i64(r, 0, 0);
    *wait = bw__pq_i64(r, 0, 1) > 0 ? (double)bw__pq_i64(r, 0, 1) / 1000.0 : 0;
    PQclear(r);
    return BW_OK;
}

bw_status bw__qdb_status(bw__qdb *d, const char *queue, bw_queue_status *out, bw_error *err)
{
    params p = {0};
    PGresult *r;
    bw_status st;
    bw__pq_bin(&p, queue, strlen(queue), 25);
    st = run(d,
             "SELECT count(*), count(*) FILTER (WHERE state = 'todo'),"
             "  count(*) FILTER (WHERE state = 'leased'),"
             "  count(*) FILTER (WHERE state = 'leased' AND lease_until < now()),"
             "  count(*) FILTER (WHERE state = 'done'),"
             "  (SELECT count(*) FROM bw_queue_results WHERE queue = $1),"
             "  count(*) FILTER (WHERE attempts > 1),"
             "  count(DISTINCT worker) FILTER (WHERE state = 'leased' AND lease_until >= now()) "
             "FROM bw_queue_units WHERE queue = $1",
             &p, "reading the queue", &r, err);
    if (st != BW_OK)
        return st;
    out->units = (uint64_t)bw__pq_i64(r, 0, 0);
    out->todo = (uint64_t)bw__pq_i64(r, 0, 1);
    out->leased = (uint64_t)bw__pq_i64(r, 0, 2);
    out->expired = (uint64_t)bw__pq_i64(r, 0, 3);
    out->done = (uint64_t)bw__pq_i64(r, 0, 4);
    out->results = (uint64_t)bw__pq_i64(r, 0, 5);
    out->reclaimed = (uint64_t)bw__pq_i64(r, 0, 6);
    out->workers = (uint64_t)bw__pq_i64(r, 0, 7);
    PQclear(r);
    return BW_OK;
}

/* The rows of an open cursor, FETCH_ROWS at a time. */
static bw_status export_rows(bw__qdb *d, void (*fn)(void *, const char *, const char *, size_t),
                             void *ctx, uint64_t *n, bw_error *err)
{
    for (;;) {
        PGresult *r;
        bw_status st = run(d, "FETCH 4096 FROM bw_export", NULL, "exporting", &r, err);
        int rows;
        if (st != BW_OK)
            return st;
        rows = PQntuples(r);
        for (int i = 0; i < rows; i++) {
            fn(ctx, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), (size_t)PQgetlength(r, i, 1));
            (*n)++;
        }
        PQclear(r);
        if (rows < FETCH_ROWS)
            return BW_OK;
    }
}

bw_status bw__qdb_export(bw__qdb *d, const char *queue,
                         void (*fn)(void *ctx, const char *path, const char *rec, size_t len),
                         void *ctx, uint64_t *n, bw_error *err)
{
    params p = {0};
    bw_status st = exec(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "exporting", err);
    *n = 0;
    if (st != BW_OK)
        return st;
    bw__pq_bin(&p, queue, strlen(queue), 25);
    st = run(d, "DECLARE bw_export BINARY NO SCROLL CURSOR FOR "
                "SELECT u.path, r.record FROM bw_queue_results r"
                "  JOIN bw_queue_units u ON u.unit_id = r.unit_id "
                "WHERE r.queue = $1 AND u.queue = $1 ORDER BY r.unit_id, r.seq",
             &p, "exporting", NULL, err);
    if (st == BW_OK)
        st = export_rows(d, fn, ctx, n, err);
    exec(d, "COMMIT", "exporting", NULL);
    return st;
}
