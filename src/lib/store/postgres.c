/* postgres.c -- the PostgreSQL backend of the store (the table of
 * store_internal.h), on libpq: every PQ* call of libbulwark is in this
 * file. A location is a libpq connection URI (postgresql://...); the store
 * is a set of bw_* tables in the database's search path, with the schema
 * version in bw_meta and forward migrations, as the SQLite backend keeps
 * it in PRAGMA user_version.
 *
 * Schema (version 5, the same concepts as sqlite.c):
 *   bw_meta(version, changes, store_id)  one row; store_id is the store's
 *     random identity (4 added it); `changes` is bumped by every commit
 *     that changes a list, and is the data version other connections watch;
 *     the same transaction announces the new value on the channel
 *     bw_changes (NOTIFY, delivered at commit), which wait_change LISTENs to
 *   bw_lists(id, name, source, imported_at, entries, duplicates, skipped,
 *     n_pdq, n_md5, n_sha1, n_sha256, live, delta), one live version per
 *     name (not delta) and the list's live deltas
 *   bw_banks(name, enabled_ratio), bw_content(id, list, kind, hash,
 *     disable_until, note): a list's ratio, a piece of content's state
 *   bw_entries(list_id, kind, hash bytea, label, category, added_at),
 *     primary key (list_id, kind, hash), partitioned by range of list_id
 *     (5 made it so): a list's version has a partition of its own,
 *     bw_entries_ID, filled before its primary key is built and attached
 *     as the import's last step (building the key in one sort after the
 *     rows are in costs a quarter of keeping it up row by row); deltas,
 *     whose ids come from bw_delta_ids (2^62 up), share bw_entries_deltas;
 *     rows from before 5 stay in bw_entries_v4. Dropping a version with a
 *     partition leaves its rows there, unseen (every reader goes through a
 *     live version's id), and after the commit sweep() drops the partitions
 *     of versions that are gone, each waiting at most 50 ms for its lock
 *     (the drop locks the parent: lookups wait while it runs, and a sweep
 *     that cannot have the lock at once is left to the next commit).
 *   bw_pdq_blocks(list_id, seq, n, data bytea): 4096 PDQ hashes a row
 *   A version's rows are deleted with it by drop_version (no foreign key:
 *   its check per inserted row cost most of an import's time).
 *
 * Results are read in binary (int8 in network order, bytea as bytes).
 * Streams (the index's runs, export) are server-side cursors fetched 4096
 * rows at a time inside the transaction, so that memory stays bounded and
 * several runs can be open at once. An import streams into a temporary
 * table with COPY ... FROM STDIN (FORMAT binary), each row with its place
 * in the input (seq, counted by the client: no sequence call per row) and
 * an int8 sort key in (kind, hash) order (sort_key()); then one INSERT ...
 * SELECT DISTINCT ON (sort_key, hash) ... ORDER BY sort_key, hash, seq
 * keeps the first of each hash. That INSERT runs inside COPY (...
 * RETURNING kind, hash) TO STDOUT: the rows kept come back in the order
 * inserted, one pass, and the client counts them per kind and packs the
 * PDQ hashes into bw_pdq_blocks (full blocks wait in a tmpfile(3) until
 * the COPY ends, then go in with one COPY FROM STDIN); were they ever not
 * in hash order, pack_pdq reads them back from bw_entries instead. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>
#include "core/internal.h"
#include "core/pq.h"
#include "store/store_internal.h"

#define PDQ_BLOCK 4096
#define FETCH_ROWS 4096
#define COPY_FLUSH (256 * 1024)

typedef struct pg_store {
    bw_store base;          /* first: what the neutral code holds */
    PGconn *db;
    char where[256];        /* the location without its password, for messages */
    int in_txn;
    int copying;            /* a COPY into bw_import is open */
    int listening;          /* LISTEN bw_changes was sent on this connection */
    unsigned cursors;       /* cursor names are c1, c2, ... */
    uint8_t *copy;          /* the COPY data not yet sent */
    size_t copy_len, copy_cap;
    int64_t copy_rows;      /* rows sent into bw_import: the next one's seq */
    int64_t part;           /* the version being written goes straight into bw_entries_<part> */
    uint64_t sent[BW_HASH_KIND_COUNT]; /* rows sent there, per kind */
    int sweep;              /* a version with a partition was dropped: sweep after commit */
} pg_store;

typedef struct pg_cursor {
    char name[24];
    PGresult *res;          /* the rows fetched */
    int row, rows;
    int done;               /* the last FETCH returned fewer than asked */
} pg_cursor;

static pg_store *pq(bw_store *s)
{
    return (pg_store *)s;
}

/* "what: <the server's message>", without its trailing newline. */
static bw_status pg_fail(pg_store *q, bw_error *err, const char *what, const PGresult *res)
{
    int n = 8;
    const char *m = q && q->db ? bw__pq_message(q->db, res, &n) : "no store";
    return bw__fail(err, BW_ERR_DB, "%s: %.*s", what, n, m);
}

/* ---------------- parameters and results ---------------- */

typedef bw__pq_params params;

/* Run sql with p (may be NULL), results in binary; *res (may be NULL:
 * dropped) gets the result. Fails unless the command succeeds. */
static bw_status run(pg_store *q, const char *sql, const params *p, const char *what,
                     PGresult **res, bw_error *err)
{
    PGresult *r = bw__pq_query(q->db, sql, p);
    if (bw__pq_failed(r)) {
        bw_status st = r || PQstatus(q->db) != CONNECTION_OK
                           ? pg_fail(q, err, what, r) /* no result: the connection is lost */
                           : bw__fail(err, BW_ERR_NOMEM, "out of memory");
        PQclear(r);
        return st;
    }
    if (res)
        *res = r;
    else
        PQclear(r);
    return BW_OK;
}

/* Statements without parameters or results, several at once. */
static bw_status exec(pg_store *q, const char *sql, const char *what, bw_error *err)
{
    PGresult *r = PQexec(q->db, sql);
    bw_status st = BW_OK;
    if (bw__pq_failed(r))
        st = r || PQstatus(q->db) != CONNECTION_OK ? pg_fail(q, err, what, r)
                                                    : bw__fail(err, BW_ERR_NOMEM, "out of memory");
    PQclear(r);
    return st;
}

static const char *get_text(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

/* The one int8 a single-row query returns. */
static bw_status query_i64(pg_store *q, const char *sql, const params *p, const char *what,
                           int64_t *out, bw_error *err)
{
    PGresult *r;
    bw_status st = run(q, sql, p, what, &r, err);
    if (st != BW_OK)
        return st;
    if (PQntuples(r) == 1)
        *out = bw__pq_i64(r, 0, 0);
    else
        st = bw__fail(err, BW_ERR_DB, "%s: no result", what);
    PQclear(r);
    return st;
}

/* ---------------- opening: schema version and migrations ---------------- */

static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE bw_meta(version int8 NOT NULL, changes int8 NOT NULL);"
    "INSERT INTO bw_meta VALUES (0, 0);"
    "CREATE TABLE bw_lists("
    "  id bigserial PRIMARY KEY, name text NOT NULL, source text,"
    "  imported_at int8 NOT NULL, entries int8 NOT NULL DEFAULT 0,"
    "  duplicates int8 NOT NULL DEFAULT 0, skipped int8 NOT NULL DEFAULT 0,"
    "  n_pdq int8 NOT NULL DEFAULT 0, n_md5 int8 NOT NULL DEFAULT 0,"
    "  n_sha1 int8 NOT NULL DEFAULT 0, n_sha256 int8 NOT NULL DEFAULT 0,"
    "  live boolean NOT NULL DEFAULT false);"
    "CREATE UNIQUE INDEX bw_lists_live_name ON bw_lists(name) WHERE live;"
    "CREATE TABLE bw_entries("
    "  list_id int8 NOT NULL,"
    "  kind int8 NOT NULL CHECK (kind BETWEEN 0 AND 3), hash bytea NOT NULL,"
    "  label text, category text, added_at int8,"
    "  PRIMARY KEY (list_id, kind, hash));",
    /* 1 -> 2 */
    "CREATE TABLE bw_pdq_blocks("
    "  list_id int8 NOT NULL,"
    "  seq int8 NOT NULL, n int8 NOT NULL, data bytea NOT NULL,"
    "  PRIMARY KEY (list_id, seq));",
    /* 2 -> 3 */
    "ALTER TABLE bw_lists ADD COLUMN delta boolean NOT NULL DEFAULT false;"
    "DROP INDEX bw_lists_live_name;"
    "CREATE UNIQUE INDEX bw_lists_live_name ON bw_lists(name) WHERE live AND NOT delta;"
    "CREATE TABLE bw_banks(name text PRIMARY KEY, enabled_ratio float8 NOT NULL DEFAULT 1,"
    "  id_key text UNIQUE);"
    "CREATE TABLE bw_content("
    "  id int8 PRIMARY KEY, list text NOT NULL, kind int8 NOT NULL, hash bytea NOT NULL,"
    "  disable_until int8 NOT NULL DEFAULT 1, note text, UNIQUE (list, kind, hash));",
    /* 3 -> 4 */
    "ALTER TABLE bw_meta ADD COLUMN store_id text;"
    "UPDATE bw_meta SET store_id = md5(random()::text || clock_timestamp()::text || "
    "  pg_backend_pid()::text);",
    /* 4 -> 5: bw_entries partitioned by version (the comment at the top) */
    "ALTER TABLE bw_entries RENAME TO bw_entries_v4;"
    "ALTER INDEX bw_entries_pkey RENAME TO bw_entries_v4_pkey;"
    "ALTER TABLE bw_entries_v4 RENAME CONSTRAINT bw_entries_kind_check TO bw_entries_kind;"
    "CREATE TABLE bw_entries("
    "  list_id int8 NOT NULL,"
    "  kind int8 NOT NULL CONSTRAINT bw_entries_kind CHECK (kind BETWEEN 0 AND 3),"
    "  hash bytea NOT NULL,"
    "  label text, category text, added_at int8,"
    "  PRIMARY KEY (list_id, kind, hash)) PARTITION BY RANGE (list_id);"
    "CREATE SEQUENCE bw_delta_ids START 4611686018427387904;"
    "CREATE TABLE bw_entries_deltas PARTITION OF bw_entries "
    "  FOR VALUES FROM (4611686018427387904) TO (MAXVALUE);"
    "DO $$ BEGIN EXECUTE format('ALTER TABLE bw_entries ATTACH PARTITION bw_entries_v4 "
    "  FOR VALUES FROM (MINVALUE) TO (%s)', nextval(pg_get_serial_sequence('bw_lists', 'id')));"
    "END $$;",
};

static bw_status migrate(pg_store *q, int readonly, int must_exist, bw_error *err)
{
    int64_t version = 0, exists = 0;
    bw_status st = query_i64(q, "SELECT count(*) FROM pg_catalog.pg_tables WHERE "
                                "tablename = 'bw_meta' AND schemaname = ANY(current_schemas(false))",
                             NULL, "store: reading the schema version", &exists, err);
    if (st != BW_OK)
        return st;
    if (!exists && (readonly || must_exist))
        return bw__fail(err, BW_ERR_NOT_FOUND, "no store at %s", q->where);
    if (exists && (st = query_i64(q, "SELECT version FROM bw_meta", NULL,
                                  "store: reading the schema version", &version, err)) != BW_OK)
        return st;
    int need = 0;
    if ((st = bw__store_version_check(version, readonly, &need, err)) != BW_OK || !need)
        return st;
    /* one migrator at a time: a transaction-wide advisory lock */
    if ((st = exec(q, "BEGIN; SELECT pg_advisory_xact_lock(7234001)", "store: migrating", err)) !=
        BW_OK)
        return st;
    /* another process may have migrated while this one waited */
    if ((st = query_i64(q, "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'bw_meta' "
                           "AND schemaname = ANY(current_schemas(false))",
                        NULL, "store: migrating", &exists, err)) == BW_OK && exists)
        st = query_i64(q, "SELECT version FROM bw_meta", NULL, "store: migrating", &version, err);
    for (int v = (int)version; v < BW_STORE_SCHEMA_VERSION && st == BW_OK; v++) {
        char sql[64];
        st = exec(q, migrations[v], "store: migrating", err);
        snprintf(sql, sizeof sql, "UPDATE bw_meta SET version = %d", v + 1);
        if (st == BW_OK)
            st = exec(q, sql, "store: migrating", err);
    }
    if (st == BW_OK)
        return exec(q, "COMMIT", "store: migrating", err);
    PQclear(PQexec(q->db, "ROLLBACK"));
    return st;
}

static void pg_close(bw_store *s)
{
    pg_store *q = pq(s);
    if (!q)
        return;
    if (q->db)
        PQfinish(q->db);
    free(q->copy);
    free(q);
}

static bw_status pg_open(bw_store **out, const char *location, int flags, bw_error *err)
{
    bw_status st;
    *out = NULL;
    pg_store *q = bw__calloc(1, sizeof *q);
    if (!q)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    bw_store_location_safe(location, q->where, sizeof q->where);
    q->db = PQconnectdb(location);
    if (!q->db || PQstatus(q->db) != CONNECTION_OK) {
        const char *m = q->db ? PQerrorMessage(q->db) : "out of memory";
        st = bw__fail(err, BW_ERR_DB, "cannot open store %s: %.*s", q->where,
                      (int)strcspn(m, "\n"), m);
        pg_close(&q->base);
        return st;
    }
    PQsetNoticeProcessor(q->db, bw__pq_quiet, NULL); /* the library never prints */
    PQclear(PQexec(q->db, "SET client_min_messages = warning"));
    if ((st = migrate(q, (flags & BW_STORE_READONLY) != 0, (flags & BW_STORE_MUST_EXIST) != 0,
                      err)) != BW_OK) {
        pg_close(&q->base);
        return st;
    }
    *out = &q->base;
    return BW_OK;
}

/* ---------------- transactions, change detection ---------------- */

/* A connection the server or the network dropped is made again at the
 * next transaction or data-version check (never inside a transaction):
 * a long-running matcher outlives a database restart. */
static void reconnect_if_lost(pg_store *q)
{
    if (!q->in_txn && PQstatus(q->db) == CONNECTION_BAD) {
        PQreset(q->db);
        q->copying = 0;
        q->listening = 0; /* a new session listens to nothing */
    }
}

static bw_status pg_begin(bw_store *s, int mode, bw_error *err)
{
    pg_store *q = pq(s);
    reconnect_if_lost(q);
    /* writers take one lock, as SQLite's BEGIN IMMEDIATE does */
    bw_status st = exec(q, mode == BW__STORE_WRITE
                               ? "BEGIN; SELECT pg_advisory_xact_lock(7234002)"
                               : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                        "store", err);
    q->in_txn = st == BW_OK;
    return st;
}

/* Drop the partitions of bw_entries whose version is gone, each in a
 * transaction of its own that waits at most 50 ms for the parent's lock
 * (a lookup in flight holds it); what is not dropped now is tried again
 * after the next commit that drops a version. Best effort: no error. */
static void sweep(pg_store *q)
{
    PGresult *r = PQexec(q->db, "SELECT c.relname FROM pg_catalog.pg_inherits i "
                                "JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid "
                                "WHERE i.inhparent = 'bw_entries'::regclass "
                                "AND c.relname ~ '^bw_entries_[0-9]+$' AND NOT EXISTS "
                                "(SELECT 1 FROM bw_lists l WHERE l.id = substr(c.relname, 12)::int8)");
    q->sweep = 0;
    for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++) {
        char sql[160];
        const char *name = PQgetvalue(r, i, 0);
        if (strspn(name + 11, "0123456789") != strlen(name + 11) || strlen(name) > 40)
            continue; /* the pattern said so; checked again before it goes into SQL */
        snprintf(sql, sizeof sql, "BEGIN; SET LOCAL lock_timeout = '50ms'; DROP TABLE %s; COMMIT",
                 name);
        PGresult *d = PQexec(q->db, sql);
        if (PQresultStatus(d) != PGRES_COMMAND_OK) {
            q->sweep = 1;
            PQclear(PQexec(q->db, "ROLLBACK"));
        }
        PQclear(d);
    }
    PQclear(r);
}

static bw_status pg_commit(bw_store *s, bw_error *err)
{
    pg_store *q = pq(s);
    q->in_txn = 0;
    bw_status st = exec(q, "COMMIT", "store", err);
    if (st == BW_OK && q->sweep)
        sweep(q);
    return st;
}

static void pg_rollback(bw_store *s)
{
    pg_store *q = pq(s);
    if (q->in_txn)
        PQclear(PQexec(q->db, "ROLLBACK"));
    q->in_txn = 0;
    q->part = 0;
}

static bw_status pg_data_version(bw_store *s, int64_t *version, bw_error *err)
{
    pg_store *q = pq(s);
    static const char sql[] = "SELECT changes FROM bw_meta";
    reconnect_if_lost(q);
    bw_status st = query_i64(q, sql, NULL, "store: reading the data version", version, err);
    if (st != BW_OK && !q->in_txn) { /* a connection that failed only now: once more */
        PQreset(q->db);
        q->listening = 0;
        st = query_i64(q, sql, NULL, "store: reading the data version", version, err);
    }
    return st;
}

/* A commit that changes lists moves the data version, and announces the
 * new one to every connection that LISTENs (delivered at the commit, not
 * at all on a rollback). */
static bw_status bump(pg_store *q, bw_error *err)
{
    return run(q, "WITH c AS (UPDATE bw_meta SET changes = changes + 1 RETURNING changes) "
                  "SELECT pg_notify('bw_changes', changes::text) FROM c",
               NULL, "store", NULL, err);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait up to timeout_ms for a commit's announcement on bw_changes
 * (LISTEN is sent on first use, and again on a connection made anew):
 * poll(2) on the connection's socket, then libpq's notifications.
 * *version: the highest data version announced, 0 when none came. A lost
 * connection is an error now and is made again at the next call. */
static bw_status pg_wait_change(bw_store *s, int timeout_ms, int64_t *version, bw_error *err)
{
    pg_store *q = pq(s);
    int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    *version = 0;
    if (q->in_txn)
        return bw__fail(err, BW_ERR_ARG, "store: waiting for a change inside a transaction");
    reconnect_if_lost(q);
    if (!q->listening) {
        bw_status st = exec(q, "LISTEN bw_changes", "store: listening for changes", err);
        if (st != BW_OK)
            return st;
        q->listening = 1;
    }
    for (;;) {
        PGnotify *n;
        if (!PQconsumeInput(q->db))
            return pg_fail(q, err, "store: waiting for a change", NULL);
        while ((n = PQnotifies(q->db)) != NULL) {
            int64_t v = n->extra ? strtoll(n->extra, NULL, 10) : 0;
            *version = v > *version ? v : *version > 0 ? *version : 1;
            PQfreemem(n);
        }
        int64_t left = deadline - mono_ms();
        if (*version || left <= 0)
            return BW_OK;
        struct pollfd pfd = {PQsocket(q->db), POLLIN, 0};
        if (pfd.fd < 0)
            return pg_fail(q, err, "store: waiting for a change", NULL);
        int rc = poll(&pfd, 1, (int)left);
        if (rc < 0 && errno != EINTR)
            return bw__fail(err, BW_ERR_DB, "store: waiting for a change: %s", strerror(errno));
    }
}

/* ---------------- list metadata ---------------- */

static bw_status pg_lists(bw_store *s, const char *name, bw__store_list_fn fn, void *ctx,
                          bw_error *err)
{
    pg_store *q = pq(s);
    params p = {0};
    PGresult *r;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT l.id, l.name, l.source, l.imported_at, l.entries, l.duplicates, l.skipped, "
             "l.n_pdq, l.n_md5, l.n_sha1, l.n_sha256, coalesce(b.enabled_ratio, 1.0) "
             "FROM bw_lists l LEFT JOIN bw_banks b ON b.name = l.name WHERE l.live %s "
             "ORDER BY l.name COLLATE \"C\", l.delta, l.id",
             name ? "AND l.name = $1" : "");
    if (name)
        bw__pq_text(&p, name);
    bw_status st = run(q, sql, &p, name ? "store: reading list" : "store: listing lists", &r, err);
    if (st != BW_OK)
        return st;
    for (int i = 0; i < PQntuples(r) && st == BW_OK; i++) {
        bw_list_info li;
        memset(&li, 0, sizeof li);
        li.name = (char *)get_text(r, i, 1);
        li.source = (char *)get_text(r, i, 2);
        li.imported_at = bw__pq_i64(r, i, 3);
        li.entries = (uint64_t)bw__pq_i64(r, i, 4);
        li.duplicates = (uint64_t)bw__pq_i64(r, i, 5);
        li.skipped = (uint64_t)bw__pq_i64(r, i, 6);
        for (int k = 0; k < BW_HASH_KIND_COUNT; k++)
            li.kinds[k] = (uint64_t)bw__pq_i64(r, i, 7 + k);
        uint64_t bits = (uint64_t)bw__pq_i64(r, i, 11); /* float8, IEEE 754 in network order */
        memcpy(&li.enabled_ratio, &bits, sizeof bits);
        if (fn(ctx, bw__pq_i64(r, i, 0), &li))
            st = BW_ERR_INTERRUPTED;
    }
    PQclear(r);
    return st;
}

static bw_status pg_count(bw_store *s, uint64_t *n, bw_error *err)
{
    int64_t v = 0;
    bw_status st = query_i64(pq(s), "SELECT count(*) FROM bw_lists WHERE live AND NOT delta", NULL,
                             "store: counting lists", &v, err);
    *n = (uint64_t)v;
    return st;
}

static bw_status pg_list_id(bw_store *s, const char *name, const char *what, int64_t *id,
                            bw_error *err)
{
    params p = {0};
    PGresult *r;
    bw__pq_text(&p, name);
    *id = -1;
    bw_status st = run(pq(s), "SELECT id FROM bw_lists WHERE live AND name = $1 ORDER BY delta, id LIMIT 1",
                       &p, what, &r, err);
    if (st == BW_OK && PQntuples(r) == 1)
        *id = bw__pq_i64(r, 0, 0);
    if (st == BW_OK)
        PQclear(r);
    return st;
}

/* A version and all its rows (what ON DELETE CASCADE does in SQLite).
 * $1 is the version's id. */
static bw_status drop_version(pg_store *q, const params *p, const char *what, bw_error *err)
{
    int64_t own = 0; /* a partition of its own: left to sweep() */
    bw_status st = query_i64(q, "SELECT count(*) FROM pg_catalog.pg_inherits i "
                                "JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid "
                                "WHERE i.inhparent = 'bw_entries'::regclass "
                                "AND c.relname = 'bw_entries_' || $1::int8",
                             p, what, &own, err);
    if (st == BW_OK && own)
        q->sweep = 1;
    else if (st == BW_OK)
        st = run(q, "DELETE FROM bw_entries WHERE list_id = $1", p, what, NULL, err);
    if (st == BW_OK)
        st = run(q, "DELETE FROM bw_pdq_blocks WHERE list_id = $1", p, what, NULL, err);
    if (st == BW_OK)
        st = run(q, "DELETE FROM bw_lists WHERE id = $1", p, what, NULL, err);
    return st;
}

static bw_status pg_remove(bw_store *s, int64_t id, bw_error *err)
{
    params p = {0};
    bw__pq_int(&p, id);
    bw_status st = drop_version(pq(s), &p, "store: removing list", err);
    return st == BW_OK ? bump(pq(s), err) : st;
}

/* ---------------- cursors ---------------- */

/* DECLARE a cursor over sql (with p) inside the open transaction. */
static bw_status cursor_open(bw_store *s, const char *sql, const params *p, const char *what,
                             bw__store_cursor *c, bw_error *err)
{
    pg_store *q = pq(s);
    char decl[768];
    c->s = s;
    c->impl = NULL;
    c->what = what;
    pg_cursor *k = bw__calloc(1, sizeof *k);
    if (!k)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    snprintf(k->name, sizeof k->name, "bw_c%u", ++q->cursors);
    snprintf(decl, sizeof decl, "DECLARE %s BINARY NO SCROLL CURSOR FOR %s", k->name, sql);
    bw_status st = run(q, decl, p, what, NULL, err);
    if (st != BW_OK) {
        free(k);
        return st;
    }
    c->impl = k;
    return BW_OK;
}

/* The next row of c into k->res/k->row; *more 0 at the end. */
static bw_status cursor_step(bw__store_cursor *c, int *more, bw_error *err)
{
    pg_cursor *k = c->impl;
    if (++k->row < k->rows) {
        *more = 1;
        return BW_OK;
    }
    PQclear(k->res);
    k->res = NULL;
    k->row = k->rows = 0;
    if (k->done) {
        *more = 0;
        return BW_OK;
    }
    char sql[64];
    snprintf(sql, sizeof sql, "FETCH %d FROM %s", FETCH_ROWS, k->name);
    bw_status st = run(pq(c->s), sql, NULL, c->what, &k->res, err);
    if (st != BW_OK)
        return st;
    k->rows = PQntuples(k->res);
    k->done = k->rows < FETCH_ROWS;
    *more = k->rows > 0;
    return BW_OK;
}

static void pg_cursor_close(bw__store_cursor *c)
{
    pg_cursor *k = c->impl;
    if (!k)
        return;
    PQclear(k->res);
    if (c->s) {
        char sql[64];
        snprintf(sql, sizeof sql, "CLOSE %s", k->name);
        PQclear(PQexec(pq(c->s)->db, sql));
    }
    free(k);
    c->impl = NULL;
}

static bw_status pg_next(bw__store_cursor *c, bw__store_row *row, int *more, bw_error *err)
{
    bw_status st = cursor_step(c, more, err);
    pg_cursor *k = c->impl;
    if (st != BW_OK || !*more)
        return st;
    row->n = (uint64_t)bw__pq_i64(k->res, k->row, 0);
    row->data = (const uint8_t *)PQgetvalue(k->res, k->row, 1);
    row->len = (size_t)PQgetlength(k->res, k->row, 1);
    return BW_OK;
}

static bw_status pg_hashes(bw_store *s, int64_t id, bw_hash_kind kind, bw__store_cursor *c,
                           bw_error *err)
{
    params p = {0};
    bw__pq_int(&p, id);
    bw__pq_int(&p, (int64_t)kind);
    return cursor_open(s, "SELECT 1::int8, hash FROM bw_entries WHERE list_id = $1 AND kind = $2 "
                          "ORDER BY hash", &p, "store: reading hashes", c, err);
}

static bw_status pg_pdq_blocks(bw_store *s, int64_t id, bw__store_cursor *c, bw_error *err)
{
    params p = {0};
    bw__pq_int(&p, id);
    return cursor_open(s, "SELECT n, data FROM bw_pdq_blocks WHERE list_id = $1 ORDER BY seq", &p,
                       "store: reading PDQ blocks", c, err);
}

static bw_status pg_pdq_count(bw_store *s, int64_t id, uint64_t *n, bw_error *err)
{
    params p = {0};
    int64_t v = 0;
    bw__pq_int(&p, id);
    bw_status st = query_i64(pq(s), "SELECT coalesce(sum(n), 0)::int8 FROM bw_pdq_blocks "
                                    "WHERE list_id = $1", &p, "store: counting PDQ blocks", &v, err);
    *n = (uint64_t)v;
    return st;
}

/* ---------------- entries ---------------- */

static void read_entry(const PGresult *r, int row, int col, bw_entry *e)
{
    /* columns: kind, hash, label, category, added_at */
    memset(e, 0, sizeof *e);
    e->kind = (bw_hash_kind)bw__pq_i64(r, row, col);
    size_t n = (size_t)PQgetlength(r, row, col + 1);
    memcpy(e->hash, PQgetvalue(r, row, col + 1), n < sizeof e->hash ? n : sizeof e->hash);
    e->label = get_text(r, row, col + 2);
    e->category = get_text(r, row, col + 3);
    e->added_at = bw__pq_i64(r, row, col + 4);
}

static bw_status pg_entries(bw_store *s, int64_t id, bw_entry_fn fn, void *ctx, bw_error *err)
{
    pg_store *q = pq(s);
    params p = {0};
    bw__store_cursor c = {0};
    int more = 1, own = !q->in_txn;
    bw_status st = own ? pg_begin(s, BW__STORE_READ, err) : BW_OK;
    bw__pq_int(&p, id);
    if (st == BW_OK)
        st = cursor_open(s, "SELECT kind, hash, label, category, added_at FROM bw_entries "
                            "WHERE list_id = $1 ORDER BY kind, hash", &p, "store: reading entries",
                         &c, err);
    while (st == BW_OK && (st = cursor_step(&c, &more, err)) == BW_OK && more) {
        bw_entry e;
        pg_cursor *k = c.impl;
        read_entry(k->res, k->row, 0, &e);
        if (fn(ctx, &e))
            st = BW_ERR_INTERRUPTED;
    }
    pg_cursor_close(&c);
    if (own && st == BW_OK)
        return pg_commit(s, err);
    if (own)
        pg_rollback(s);
    return st;
}

static bw_status pg_find(bw_store *s, bw_hash_kind kind, const uint8_t *bytes, size_t nb,
                         int64_t now, bw_store_hit_fn fn, void *ctx, bw_error *err)
{
    params p = {0};
    PGresult *r = NULL;
    reconnect_if_lost(pq(s));
    bw__pq_int(&p, (int64_t)kind);
    bw__pq_bin(&p, bytes, nb, 17);
    bw__pq_int(&p, now);
    bw_status st = run(pq(s),
                       "SELECT l.name, e.kind, e.hash, e.label, e.category, e.added_at, "
                       "coalesce(b.id_key, l.name) "
                       "FROM bw_lists l JOIN bw_entries e ON e.list_id = l.id AND e.kind = $1 "
                       "AND e.hash = $2 LEFT JOIN bw_banks b ON b.name = l.name "
                       "LEFT JOIN bw_content c ON c.list = l.name AND c.kind = e.kind "
                       "AND c.hash = e.hash WHERE l.live AND ($3 < 0 OR "
                       "(coalesce(b.enabled_ratio, 1) > 0 AND (c.disable_until IS NULL OR "
                       "c.disable_until = 1 OR (c.disable_until <> 0 AND c.disable_until <= $3)))) "
                       "ORDER BY l.name COLLATE \"C\", l.delta, l.id",
                       &p, "store: looking up a hash", &r, err);
    for (int i = 0; st == BW_OK && i < PQntuples(r); i++) {
        bw_entry e;
        read_entry(r, i, 1, &e);
        e.content_id = bw_store_content_id(get_text(r, i, 6), e.kind, e.hash);
        if (fn(ctx, get_text(r, i, 0), &e))
            st = BW_ERR_INTERRUPTED;
    }
    PQclear(r);
    return st;
}

static bw_status pg_check(bw_store *s, bw_error *err)
{
    int64_t orphans = 0;
    bw_status st = query_i64(pq(s), "SELECT count(*) FROM (SELECT name FROM bw_lists WHERE live "
                                    "AND NOT delta GROUP BY name HAVING count(*) > 1) d",
                             NULL, "store integrity check", &orphans, err);
    if (st == BW_OK && orphans)
        st = bw__fail(err, BW_ERR_CORRUPT, "store integrity check: two live versions of a list");
    if (st == BW_OK)
        /* (a version's own partition outlives it until sweep() drops it) */
        st = query_i64(pq(s), "SELECT count(*) FROM (SELECT list_id FROM bw_entries "
                              "WHERE tableoid::regclass::text !~ '^bw_entries_[0-9]+$' UNION "
                              "SELECT list_id FROM bw_pdq_blocks) r WHERE NOT EXISTS "
                              "(SELECT 1 FROM bw_lists l WHERE l.id = r.list_id)",
                       NULL, "store integrity check", &orphans, err);
    if (st == BW_OK && orphans) /* what SQLite's foreign_key_check finds */
        st = bw__fail(err, BW_ERR_CORRUPT, "store integrity check: entries without a list");
    return st;
}

/* ---------------- the list writer ---------------- */

static void copy_put(pg_store *q, const void *b, size_t n)
{
    if (q->copy_len + n > q->copy_cap) {
        size_t cap = q->copy_cap ? q->copy_cap * 2 : COPY_FLUSH * 2;
        while (cap < q->copy_len + n)
            cap *= 2;
        uint8_t *nb = bw__realloc(q->copy, cap);
        if (!nb) {
            q->copy_cap = (size_t)-1; /* remembered: writer_add fails */
            return;
        }
        q->copy = nb;
        q->copy_cap = cap;
    }
    memcpy(q->copy + q->copy_len, b, n);
    q->copy_len += n;
}

static void copy_i16(pg_store *q, uint16_t v)
{
    uint16_t b = htons(v);
    copy_put(q, &b, 2);
}

static void copy_i32(pg_store *q, int32_t v)
{
    uint32_t b = htonl((uint32_t)v);
    copy_put(q, &b, 4);
}

/* One field: its length (-1: NULL) and bytes. */
static void copy_field(pg_store *q, const void *b, size_t n)
{
    copy_i32(q, b ? (int32_t)n : -1);
    if (b)
        copy_put(q, b, n);
}

static bw_status copy_flush(pg_store *q, bw_error *err)
{
    if (q->copy_cap == (size_t)-1)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if (q->copy_len && PQputCopyData(q->db, (const char *)q->copy, (int)q->copy_len) != 1)
        return pg_fail(q, err, "store: adding entries", NULL);
    q->copy_len = 0;
    return BW_OK;
}

static bw_status pg_writer_begin(bw_store *s, const char *name, const char *source,
                                 int64_t imported_at, int delta, int64_t *id, bw_error *err)
{
    pg_store *q = pq(s);
    params p = {0};
    static const char header[] = "PGCOPY\n\377\r\n";
    bw__pq_text(&p, name);
    bw__pq_text(&p, source);
    bw__pq_int(&p, imported_at);
    bw__pq_int(&p, delta != 0);
    bw_status st = delta ? run(q,
                               "CREATE TEMP TABLE IF NOT EXISTS bw_import(seq int8, sort_key int8, "
                               "kind int8, hash bytea, label text, category text, added_at int8) "
                               "ON COMMIT DELETE ROWS",
                               NULL, "store: creating list", NULL, err)
                         : BW_OK;
    if (st == BW_OK && delta)
        st = query_i64(q, "INSERT INTO bw_lists(id, name, source, imported_at, live, delta) "
                          "VALUES (nextval('bw_delta_ids'), $1, $2, $3, false, $4 <> 0) RETURNING id",
                       &p, "store: creating list", id, err);
    else if (st == BW_OK)
        st = query_i64(q, "INSERT INTO bw_lists(name, source, imported_at, live, delta) "
                          "VALUES ($1, $2, $3, false, $4 <> 0) RETURNING id", &p,
                       "store: creating list", id, err);
    char sql[256] = "COPY bw_import FROM STDIN (FORMAT binary)";
    q->part = 0;
    memset(q->sent, 0, sizeof q->sent);
    if (st == BW_OK && !delta) { /* its partition, keyed and attached by writer_store */
        snprintf(sql, sizeof sql,
                 "CREATE TABLE bw_entries_%" PRId64 " (LIKE bw_entries INCLUDING CONSTRAINTS, "
                 "CHECK (list_id >= %" PRId64 " AND list_id < %" PRId64 "))",
                 *id, *id, *id + 1);
        st = run(q, sql, NULL, "store: creating list", NULL, err);
        q->part = *id;
        /* FREEZE (the table is this transaction's): the rows need no
         * vacuum's freezing later, and the pages are all-visible at once,
         * so that pack_pdq reads the hashes from the key alone */
        snprintf(sql, sizeof sql,
                 "COPY bw_entries_%" PRId64 "(list_id, kind, hash, label, category, added_at) "
                 "FROM STDIN (FORMAT binary, FREEZE)", *id);
    }
    if (st != BW_OK)
        return st;
    PGresult *r = PQexec(q->db, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        st = pg_fail(q, err, "store: adding entries", r);
        PQclear(r);
        return st;
    }
    PQclear(r);
    q->copying = 1;
    q->copy_len = 0;
    q->copy_rows = 0;
    copy_put(q, header, 11);
    copy_i32(q, 0); /* flags */
    copy_i32(q, 0); /* header extension */
    return BW_OK;
}

static void put_be64(uint8_t b[8], uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* The int8 whose order is that of (kind, hash) on its first 62 bits: the
 * kind in the top 2 bits, then the hash's first bytes, the sign bit
 * flipped so that the signed order is the unsigned one. Sorting on it
 * first (then hash, for the rare ties) compares int8s held in the sort's
 * own slots; sorting on (kind, hash) compared every pair through bytea,
 * the kind being nearly always the same. */
static uint64_t sort_key(const bw_entry *e)
{
    uint64_t h = 0;
    size_t n = bw_hash_kind_bytes(e->kind);
    for (size_t i = 0; i < 8; i++)
        h = h << 8 | (i < n ? e->hash[i] : 0);
    return ((uint64_t)e->kind << 62 | h >> 2) ^ (UINT64_C(1) << 63);
}

static bw_status pg_writer_add(bw_store *s, const bw_entry *e, bw_error *err)
{
    pg_store *q = pq(s);
    uint8_t n8[8], s8[8], k8[8], a8[8];
    put_be64(k8, (uint64_t)e->kind);
    put_be64(a8, (uint64_t)e->added_at);
    if (q->part) { /* straight into the version's partition: its list_id first */
        put_be64(n8, (uint64_t)q->part);
        q->sent[e->kind]++;
        copy_i16(q, 6);
        copy_field(q, n8, 8);
    } else { /* into bw_import: its seq and sort key first */
        put_be64(n8, (uint64_t)q->copy_rows++);
        put_be64(s8, sort_key(e));
        copy_i16(q, 7);
        copy_field(q, n8, 8);
        copy_field(q, s8, 8);
    }
    copy_field(q, k8, 8);
    copy_field(q, e->hash, bw_hash_kind_bytes(e->kind));
    copy_field(q, e->label, e->label ? strlen(e->label) : 0);
    copy_field(q, e->category, e->category ? strlen(e->category) : 0);
    copy_field(q, e->added_at ? a8 : NULL, 8);
    return q->copy_len >= COPY_FLUSH || q->copy_cap == (size_t)-1 ? copy_flush(q, err) : BW_OK;
}

/* End the COPY: sent whole (ok) or cancelled. */
static bw_status copy_end(pg_store *q, int ok, bw_error *err)
{
    bw_status st = BW_OK;
    if (!q->copying)
        return BW_OK;
    q->copying = 0;
    if (ok) {
        copy_i16(q, (uint16_t)-1); /* the trailer */
        st = copy_flush(q, err);
    }
    if (PQputCopyEnd(q->db, ok && st == BW_OK ? NULL : "aborted") != 1 && st == BW_OK)
        st = pg_fail(q, err, "store: adding entries", NULL);
    PGresult *r;
    while ((r = PQgetResult(q->db)) != NULL) {
        if (ok && st == BW_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
            st = pg_fail(q, err, "store: adding entries", r);
        PQclear(r);
    }
    q->copy_len = 0;
    return st;
}

static void pg_writer_end(bw_store *s)
{
    copy_end(pq(s), 0, NULL);
}

/* Pack the list's PDQ hashes into blocks of PDQ_BLOCK, reading them
 * back from bw_entries (when the kept rows did not come in hash order). */
static bw_status pack_pdq(pg_store *q, int64_t id, bw_error *err)
{
    params p = {0};
    bw__store_cursor c = {0};
    uint8_t *buf = bw__malloc((size_t)PDQ_BLOCK * 32);
    size_t n = 0;
    int64_t seq = 0;
    int more = 1;
    bw_status st;
    if (!buf)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    bw__pq_int(&p, id);
    st = cursor_open(&q->base, "SELECT 1::int8, hash FROM bw_entries WHERE list_id = $1 AND "
                               "kind = 0 ORDER BY hash", &p, "store: packing PDQ hashes", &c, err);
    while (st == BW_OK && more) {
        bw__store_row row;
        if ((st = pg_next(&c, &row, &more, err)) != BW_OK)
            break;
        if (more && row.len == 32)
            memcpy(buf + 32 * n++, row.data, 32);
        if (n == PDQ_BLOCK || (!more && n)) {
            params b = {0};
            bw__pq_int(&b, id);
            bw__pq_int(&b, seq++);
            bw__pq_int(&b, (int64_t)n);
            bw__pq_bin(&b, buf, n * 32, 17);
            st = run(q, "INSERT INTO bw_pdq_blocks(list_id, seq, n, data) VALUES ($1, $2, $3, $4)",
                     &b, "store: packing PDQ hashes", NULL, err);
            n = 0;
        }
    }
    pg_cursor_close(&c);
    free(buf);
    return st;
}

/* The rows writer_store kept, as the server sends them back (COPY
 * (INSERT ... RETURNING kind, hash) TO STDOUT, binary): counted per kind,
 * and the PDQ hashes packed into blocks as they come, while they come in
 * hash order. Full blocks wait in a temporary file (the connection is
 * busy until the COPY ends), the last in buf: the client's memory stays
 * bounded. */
typedef struct kept {
    uint64_t rows, kinds[BW_HASH_KIND_COUNT];
    uint8_t *buf;           /* PDQ_BLOCK hashes of 32 */
    size_t n;               /* in buf */
    int64_t blocks;         /* full blocks in f */
    FILE *f;
    uint8_t last[32];       /* the PDQ hash before */
    int sorted;             /* every PDQ hash came after the one before */
    int header, trailer;    /* the COPY's header and trailer were read */
    uint8_t *pend;          /* the start of a row that the message cut */
    size_t pend_len, pend_cap;
} kept;

static uint32_t get_be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static bw_status kept_pdq(kept *k, const uint8_t *h, bw_error *err)
{
    if (k->kinds[BW_HASH_PDQ] > 1 && memcmp(h, k->last, 32) <= 0)
        k->sorted = 0;
    if (!k->sorted)
        return BW_OK;
    memcpy(k->last, h, 32);
    memcpy(k->buf + 32 * k->n++, h, 32);
    if (k->n < PDQ_BLOCK)
        return BW_OK;
    if ((!k->f && !(k->f = tmpfile())) || fwrite(k->buf, 32, PDQ_BLOCK, k->f) != PDQ_BLOCK)
        return bw__fail(err, BW_ERR_IO, "store: packing PDQ hashes: %s", strerror(errno));
    k->blocks++;
    k->n = 0;
    return BW_OK;
}

/* Take the rows of b (n bytes); *used: the bytes of whole rows (and
 * header, trailer) among them. */
static bw_status kept_rows(kept *k, const uint8_t *b, size_t n, size_t *used, bw_error *err)
{
    static const char sig[] = "PGCOPY\n\377\r\n";
    size_t at = 0;
    *used = 0;
    if (!k->header) {
        if (n < 19)
            return BW_OK;
        size_t ext = get_be32(b + 15);
        if (memcmp(b, sig, 11) != 0 || ext > 1024)
            return bw__fail(err, BW_ERR_DB, "store: writing entries: not a binary COPY");
        if (n < 19 + ext)
            return BW_OK;
        at = 19 + ext;
        k->header = 1;
    }
    while (at + 2 <= n && !k->trailer) {
        int16_t fields = (int16_t)(b[at] << 8 | b[at + 1]);
        if (fields == -1) {
            k->trailer = 1;
            at += 2;
            break;
        }
        /* kind int8, hash bytea */
        if (fields != 2)
            return bw__fail(err, BW_ERR_DB, "store: writing entries: %d columns back", fields);
        if (at + 2 + 4 + 8 + 4 > n)
            break;
        uint32_t kl = get_be32(b + at + 2), hl = get_be32(b + at + 14);
        if (kl != 8 || hl > 64)
            return bw__fail(err, BW_ERR_DB, "store: writing entries: a row not (kind, hash)");
        if (at + 18 + hl > n)
            break;
        uint64_t kind = 0;
        for (int i = 0; i < 8; i++)
            kind = kind << 8 | b[at + 6 + i];
        k->rows++;
        if (kind < BW_HASH_KIND_COUNT)
            k->kinds[kind]++;
        bw_status st = kind == BW_HASH_PDQ && hl == 32 ? kept_pdq(k, b + at + 18, err) : BW_OK;
        if (st != BW_OK)
            return st;
        at += 18 + hl;
    }
    *used = at;
    return BW_OK;
}

/* One message of the COPY: its rows, a row it cuts kept for the next. */
static bw_status kept_take(kept *k, const uint8_t *m, size_t n, bw_error *err)
{
    size_t used;
    bw_status st;
    if (k->pend_len) { /* never seen from a server, which sends a row a message */
        if (k->pend_len + n > k->pend_cap) {
            size_t cap = (k->pend_len + n) * 2;
            uint8_t *p = bw__realloc(k->pend, cap);
            if (!p)
                return bw__fail(err, BW_ERR_NOMEM, "out of memory");
            k->pend = p;
            k->pend_cap = cap;
        }
        memcpy(k->pend + k->pend_len, m, n);
        k->pend_len += n;
        if ((st = kept_rows(k, k->pend, k->pend_len, &used, err)) != BW_OK)
            return st;
        memmove(k->pend, k->pend + used, k->pend_len - used);
        k->pend_len -= used;
        return BW_OK;
    }
    if ((st = kept_rows(k, m, n, &used, err)) != BW_OK || used == n)
        return st;
    if (n - used > k->pend_cap) {
        uint8_t *p = bw__realloc(k->pend, (n - used) * 2);
        if (!p)
            return bw__fail(err, BW_ERR_NOMEM, "out of memory");
        k->pend = p;
        k->pend_cap = (n - used) * 2;
    }
    memcpy(k->pend, m + used, n - used);
    k->pend_len = n - used;
    return BW_OK;
}

/* One row of bw_pdq_blocks into the COPY buffer. */
static void copy_block(pg_store *q, int64_t id, int64_t seq, const uint8_t *data, size_t n)
{
    uint8_t i8[8], s8[8], n8[8];
    put_be64(i8, (uint64_t)id);
    put_be64(s8, (uint64_t)seq);
    put_be64(n8, (uint64_t)n);
    copy_i16(q, 4);
    copy_field(q, i8, 8);
    copy_field(q, s8, 8);
    copy_field(q, n8, 8);
    copy_field(q, data, n * 32);
}

/* The blocks k packed, in one COPY. */
static bw_status kept_store(pg_store *q, int64_t id, kept *k, bw_error *err)
{
    static const char header[] = "PGCOPY\n\377\r\n";
    bw_status st = BW_OK;
    uint8_t *blk = NULL;
    if (!k->blocks && !k->n)
        return BW_OK;
    if (k->blocks && (!(blk = bw__malloc((size_t)PDQ_BLOCK * 32)) || fflush(k->f) != 0 ||
                      fseek(k->f, 0, SEEK_SET) != 0)) {
        free(blk);
        return blk ? bw__fail(err, BW_ERR_IO, "store: packing PDQ hashes: %s", strerror(errno))
                   : bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    PGresult *r = PQexec(q->db, "COPY bw_pdq_blocks(list_id, seq, n, data) FROM STDIN "
                                "(FORMAT binary)");
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        st = pg_fail(q, err, "store: packing PDQ hashes", r);
        PQclear(r);
        free(blk);
        return st;
    }
    PQclear(r);
    q->copying = 1;
    q->copy_len = 0;
    copy_put(q, header, 11);
    copy_i32(q, 0);
    copy_i32(q, 0);
    for (int64_t i = 0; i < k->blocks && st == BW_OK; i++) {
        if (fread(blk, 32, PDQ_BLOCK, k->f) != PDQ_BLOCK)
            st = bw__fail(err, BW_ERR_IO, "store: packing PDQ hashes: %s",
                          ferror(k->f) ? strerror(errno) : "short read");
        else
            copy_block(q, id, i, blk, PDQ_BLOCK);
        if (st == BW_OK && (q->copy_len >= COPY_FLUSH || q->copy_cap == (size_t)-1))
            st = copy_flush(q, err);
    }
    if (st == BW_OK && k->n)
        copy_block(q, id, k->blocks, k->buf, k->n);
    free(blk);
    bw_status end = copy_end(q, st == BW_OK, err);
    return st == BW_OK ? end : st;
}

/* Move bw_import into the version: the first of each (kind, hash), in
 * (kind, hash) order. The server sends back the (kind, hash) of every row
 * it kept, in the order it inserted them, one pass: counted, and the PDQ
 * hashes packed into blocks on the way. The order is checked: were the
 * PDQ hashes ever not ascending, pack_pdq reads them back instead. */
/* A version's own partition, its rows in (input order) since writer_begin:
 * the primary key built in one sort; when that finds a hash twice, all
 * but the first of each (the lowest ctid: COPY into a new table appends)
 * go, and the key is built again. Then the partition joins bw_entries
 * (its CHECK is the range: no scan) and the PDQ hashes are packed, read
 * back in hash order from the key. */
static bw_status store_own(pg_store *q, int64_t id, uint64_t *stored,
                           uint64_t kinds[BW_HASH_KIND_COUNT], bw_error *err)
{
    char sql[512];
    bw_status st = exec(q, "SAVEPOINT bw_key", "store: writing entries", err);
    snprintf(sql, sizeof sql, "ALTER TABLE bw_entries_%" PRId64 " ADD PRIMARY KEY (list_id, kind, hash)",
             id);
    PGresult *r = st == BW_OK ? PQexec(q->db, sql) : NULL;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    int dup = r && PQresultStatus(r) != PGRES_COMMAND_OK && state && !strcmp(state, "23505");
    if (r && PQresultStatus(r) != PGRES_COMMAND_OK && !dup)
        st = pg_fail(q, err, "store: writing entries", r);
    PQclear(r);
    memcpy(kinds, q->sent, BW_HASH_KIND_COUNT * sizeof *kinds);
    if (st == BW_OK && dup) {
        snprintf(sql, sizeof sql,
                 "ROLLBACK TO SAVEPOINT bw_key; "
                 "DELETE FROM bw_entries_%" PRId64 " WHERE ctid IN (SELECT ctid FROM "
                 "(SELECT ctid, row_number() OVER (PARTITION BY kind, hash ORDER BY ctid) AS n "
                 "FROM bw_entries_%" PRId64 ") d WHERE n > 1); "
                 "ALTER TABLE bw_entries_%" PRId64 " ADD PRIMARY KEY (list_id, kind, hash)",
                 id, id, id);
        st = exec(q, sql, "store: writing entries", err);
        snprintf(sql, sizeof sql, "SELECT kind, count(*) FROM bw_entries_%" PRId64 " GROUP BY kind",
                 id);
        PGresult *c = NULL;
        if (st == BW_OK)
            st = run(q, sql, NULL, "store: writing entries", &c, err);
        if (st == BW_OK) {
            memset(kinds, 0, BW_HASH_KIND_COUNT * sizeof *kinds);
            for (int i = 0; i < PQntuples(c); i++) {
                int64_t kind = bw__pq_i64(c, i, 0);
                if (kind >= 0 && kind < BW_HASH_KIND_COUNT)
                    kinds[kind] = (uint64_t)bw__pq_i64(c, i, 1);
            }
            PQclear(c);
        }
    }
    snprintf(sql, sizeof sql,
             "RELEASE SAVEPOINT bw_key; "
             "ALTER TABLE bw_entries ATTACH PARTITION bw_entries_%" PRId64 " FOR VALUES FROM (%" PRId64
             ") TO (%" PRId64 ")",
             id, id, id + 1);
    if (st == BW_OK)
        st = exec(q, sql, "store: writing entries", err);
    q->part = 0;
    if (st == BW_OK)
        st = pack_pdq(q, id, err);
    *stored = 0;
    for (int k = 0; k < BW_HASH_KIND_COUNT; k++)
        *stored += kinds[k];
    return st;
}

static bw_status pg_writer_store(bw_store *s, int64_t id, uint64_t *stored,
                                 uint64_t kinds[BW_HASH_KIND_COUNT], bw_error *err)
{
    pg_store *q = pq(s);
    kept k = {.sorted = 1};
    char sql[512];
    bw_status st = copy_end(q, 1, err);
    if (st != BW_OK)
        return st;
    if (q->part && q->part == id)
        return store_own(q, id, stored, kinds, err);
    if (!(k.buf = bw__malloc((size_t)PDQ_BLOCK * 32)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    snprintf(sql, sizeof sql,
             "COPY (INSERT INTO bw_entries(list_id, kind, hash, label, category, added_at) "
             "SELECT DISTINCT ON (sort_key, hash) %" PRId64 ", kind, hash, label, category, "
             "added_at FROM bw_import ORDER BY sort_key, hash, seq RETURNING kind, hash) "
             "TO STDOUT (FORMAT binary)", id);
    PGresult *r = PQexec(q->db, sql);
    int out = PQresultStatus(r) == PGRES_COPY_OUT;
    if (!out)
        st = pg_fail(q, err, "store: writing entries", r);
    PQclear(r);
    while (out) { /* to its end, even after a failure here (the rest unread) */
        char *m = NULL;
        int got = PQgetCopyData(q->db, &m, 0);
        if (got < 0) {
            if (got == -2 && st == BW_OK)
                st = pg_fail(q, err, "store: writing entries", NULL);
            break;
        }
        if (st == BW_OK)
            st = kept_take(&k, (const uint8_t *)m, (size_t)got, err);
        PQfreemem(m);
    }
    while ((r = PQgetResult(q->db)) != NULL) {
        if (st == BW_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
            st = pg_fail(q, err, "store: writing entries", r);
        PQclear(r);
    }
    if (st == BW_OK && (!k.header || !k.trailer || k.pend_len))
        st = bw__fail(err, BW_ERR_DB, "store: writing entries: the COPY ended early");
    if (st == BW_OK)
        st = k.sorted ? kept_store(q, id, &k, err) : pack_pdq(q, id, err);
    if (k.f)
        fclose(k.f);
    free(k.buf);
    free(k.pend);
    if (st != BW_OK)
        return st;
    *stored = k.rows;
    memcpy(kinds, k.kinds, BW_HASH_KIND_COUNT * sizeof *kinds);
    return run(q, "TRUNCATE bw_import", NULL, "store: writing entries", NULL, err);
}

static bw_status pg_writer_publish(bw_store *s, int64_t id, const bw_list_info *info,
                                   bw_error *err)
{
    pg_store *q = pq(s);
    params p = {0};
    PGresult *r = NULL;
    bw__pq_int(&p, id);
    /* a version replaces the live version and deltas of its name; a delta
     * replaces nothing */
    bw_status st = run(q, "SELECT id FROM bw_lists WHERE live AND name = "
                          "(SELECT name FROM bw_lists WHERE id = $1 AND NOT delta)",
                       &p, "store: replacing the previous version", &r, err);
    for (int i = 0; st == BW_OK && i < PQntuples(r); i++) {
        params old = {0};
        bw__pq_int(&old, bw__pq_i64(r, i, 0));
        st = drop_version(q, &old, "store: replacing the previous version", err);
    }
    PQclear(r);
    if (st != BW_OK)
        return st;
    bw__pq_int(&p, (int64_t)info->entries);
    bw__pq_int(&p, (int64_t)info->duplicates);
    bw__pq_int(&p, (int64_t)info->skipped);
    for (int k = 0; k < BW_HASH_KIND_COUNT; k++)
        bw__pq_int(&p, (int64_t)info->kinds[k]);
    st = run(q, "UPDATE bw_lists SET live = true, entries = $2, duplicates = $3, skipped = $4, "
                "n_pdq = $5, n_md5 = $6, n_sha1 = $7, n_sha256 = $8 WHERE id = $1",
             &p, "store: publishing the list", NULL, err);
    return st == BW_OK ? bump(q, err) : st;
}

/* ---------------- content state, ratios ---------------- */

static bw_status pg_content_state(bw_store *s, int64_t id, bw_content *out, int *found,
                                  bw_error *err)
{
    params p = {0};
    PGresult *r = NULL;
    *found = 0;
    bw__pq_int(&p, id);
    bw_status st = run(pq(s), "SELECT list, kind, hash, disable_until, note FROM bw_content "
                              "WHERE id = $1", &p, "store: reading content", &r, err);
    if (st == BW_OK && PQntuples(r) == 1) {
        const char *list = get_text(r, 0, 0), *note = get_text(r, 0, 4);
        size_t n = (size_t)PQgetlength(r, 0, 2);
        memset(out, 0, sizeof *out);
        out->id = id;
        out->kind = (bw_hash_kind)bw__pq_i64(r, 0, 1);
        if (n <= sizeof out->hash)
            memcpy(out->hash, PQgetvalue(r, 0, 2), n);
        out->disable_until = bw__pq_i64(r, 0, 3);
        out->list = list ? bw__strdup(list) : NULL;
        out->note = note ? bw__strdup(note) : NULL;
        if (!out->list || (note && !out->note)) {
            bw_content_free(out);
            st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
        } else
            *found = 1;
    }
    PQclear(r);
    return st;
}

static bw_status pg_content_put(bw_store *s, const bw_content *c, bw_error *err)
{
    params p = {0};
    bw__pq_int(&p, c->id);
    bw__pq_text(&p, c->list);
    bw__pq_int(&p, (int64_t)c->kind);
    bw__pq_bin(&p, c->hash, bw_hash_kind_bytes(c->kind), 17);
    bw__pq_int(&p, c->disable_until);
    bw__pq_text(&p, c->note);
    bw_status st = run(pq(s),
                       "INSERT INTO bw_content(id, list, kind, hash, disable_until, note) "
                       "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET "
                       "disable_until = excluded.disable_until, note = excluded.note",
                       &p, "store: keeping content state", NULL, err);
    return st == BW_OK ? bump(pq(s), err) : st;
}

static bw_status pg_content_drop(bw_store *s, const char *list, int64_t id, bw_hash_kind kind,
                                 const uint8_t *hash, uint64_t *deleted, bw_error *err)
{
    static const char *const col[BW_HASH_KIND_COUNT] = {"n_pdq", "n_md5", "n_sha1", "n_sha256"};
    pg_store *q = pq(s);
    params p = {0}, c = {0};
    PGresult *r = NULL;
    char sql[320];
    *deleted = 0;
    if ((unsigned)kind >= BW_HASH_KIND_COUNT)
        return bw__fail(err, BW_ERR_ARG, "invalid hash kind");
    bw__pq_text(&p, list);
    bw__pq_int(&p, (int64_t)kind);
    bw__pq_bin(&p, hash, bw_hash_kind_bytes(kind), 17);
    /* the counts first, while the rows are there (sqlite.c says why the
     * PDQ blocks keep the hash) */
    snprintf(sql, sizeof sql,
             "UPDATE bw_lists l SET entries = entries - 1, %s = %s - 1 WHERE live AND name = $1 "
             "AND EXISTS (SELECT 1 FROM bw_entries e WHERE e.list_id = l.id AND e.kind = $2 "
             "AND e.hash = $3)",
             col[kind], col[kind]);
    bw_status st = run(q, sql, &p, "store: deleting content", NULL, err);
    if (st == BW_OK)
        st = run(q, "DELETE FROM bw_entries WHERE kind = $2 AND hash = $3 AND list_id IN "
                    "(SELECT id FROM bw_lists WHERE live AND name = $1)",
                 &p, "store: deleting content", &r, err);
    if (st == BW_OK)
        *deleted = strtoull(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    bw__pq_int(&c, id);
    if (st == BW_OK)
        st = run(q, "DELETE FROM bw_content WHERE id = $1", &c, "store: deleting content", NULL,
                 err);
    return st == BW_OK ? bump(q, err) : st;
}

static bw_status pg_ratio_put(bw_store *s, const char *list, double ratio, bw_error *err)
{
    params p = {0};
    char text[32];
    snprintf(text, sizeof text, "%.17g", ratio);
    bw__pq_text(&p, list);
    bw__pq_text(&p, text);
    bw_status st = run(pq(s),
                       "INSERT INTO bw_banks(name, enabled_ratio) VALUES ($1, $2::float8) "
                       "ON CONFLICT (name) DO UPDATE SET enabled_ratio = excluded.enabled_ratio",
                       &p, "store: setting the list's ratio", NULL, err);
    return st == BW_OK ? bump(pq(s), err) : st;
}

static bw_status pg_forget(bw_store *s, const char *list, bw_error *err)
{
    params p = {0};
    bw__pq_text(&p, list);
    bw_status st = run(pq(s), "DELETE FROM bw_content WHERE list = $1", &p,
                       "store: removing list", NULL, err);
    if (st == BW_OK)
        st = run(pq(s), "DELETE FROM bw_banks WHERE name = $1", &p, "store: removing list", NULL,
                 err);
    return st;
}

static bw_status pg_id_key(bw_store *s, const char *list, char *out, size_t n, bw_error *err)
{
    params p = {0};
    PGresult *r = NULL;
    bw__pq_text(&p, list);
    bw_status st = run(pq(s), "SELECT id_key FROM bw_banks WHERE name = $1 AND id_key IS NOT NULL",
                       &p, "store: reading a key", &r, err);
    if (st == BW_OK)
        snprintf(out, n, "%s", PQntuples(r) == 1 ? get_text(r, 0, 0) : list);
    PQclear(r);
    return st;
}

static bw_status pg_identity(bw_store *s, char out[BW_STORE_ID_SIZE], bw_error *err)
{
    PGresult *r = NULL;
    bw_status st = run(pq(s), "SELECT store_id FROM bw_meta", NULL, "store: reading its identity",
                       &r, err);
    if (st == BW_OK) {
        const char *v = PQntuples(r) == 1 ? get_text(r, 0, 0) : NULL;
        snprintf(out, BW_STORE_ID_SIZE, "%s", v ? v : "");
    }
    PQclear(r);
    return st;
}

static bw_status pg_rename(bw_store *s, const char *from, const char *to, bw_error *err)
{
    static const char *const steps[] = {
        ("INSERT INTO bw_banks(name, enabled_ratio, id_key) VALUES ($1, 1, $1) "
         "ON CONFLICT (name) DO UPDATE SET id_key = coalesce(bw_banks.id_key, $1)"),
        "UPDATE bw_banks SET name = $2 WHERE name = $1",
        "UPDATE bw_lists SET name = $2 WHERE name = $1",
        "UPDATE bw_content SET list = $2 WHERE list = $1",
    };
    params p = {0};
    bw__pq_text(&p, from);
    bw__pq_text(&p, to);
    bw_status st = BW_OK;
    for (size_t i = 0; i < sizeof steps / sizeof *steps && st == BW_OK; i++)
        st = run(pq(s), steps[i], &p, "store: renaming list", NULL, err);
    return st == BW_OK ? bump(pq(s), err) : st;
}

static bw_status pg_claim_key(bw_store *s, const char *name, int64_t vid, bw_error *err)
{
    char key[256];
    params p = {0};
    snprintf(key, sizeof key, "%s#%lld", name, (long long)vid);
    bw__pq_text(&p, name);
    bw__pq_text(&p, key);
    return run(pq(s),
               "INSERT INTO bw_banks(name, enabled_ratio, id_key) SELECT $1, 1, $2 "
               "WHERE EXISTS (SELECT 1 FROM bw_banks WHERE id_key = $1 AND name <> $1) "
               "ON CONFLICT (name) DO UPDATE SET id_key = excluded.id_key",
               &p, "store: keeping a key", NULL, err);
}

const bw__store_backend bw__store_postgres = {
    .name = "PostgreSQL",
    .open = pg_open,
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .data_version = pg_data_version,
    .wait_change = pg_wait_change,
    .lists = pg_lists,
    .count = pg_count,
    .list_id = pg_list_id,
    .remove = pg_remove,
    .entries = pg_entries,
    .find = pg_find,
    .check = pg_check,
    .hashes = pg_hashes,
    .pdq_blocks = pg_pdq_blocks,
    .pdq_count = pg_pdq_count,
    .next = pg_next,
    .cursor_close = pg_cursor_close,
    .writer_begin = pg_writer_begin,
    .writer_add = pg_writer_add,
    .writer_store = pg_writer_store,
    .writer_publish = pg_writer_publish,
    .writer_end = pg_writer_end,
    .content_state = pg_content_state,
    .content_put = pg_content_put,
    .content_drop = pg_content_drop,
    .ratio_put = pg_ratio_put,
    .forget = pg_forget,
    .id_key = pg_id_key,
    .rename = pg_rename,
    .claim_key = pg_claim_key,
    .identity = pg_identity,
};
