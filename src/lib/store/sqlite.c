/* sqlite.c -- the SQLite backend of the store (the table of
 * store_internal.h): every sqlite3_* call of libbulwark is in this file.
 * A store is one database file: WAL, foreign keys on, the schema version
 * in PRAGMA user_version with forward migrations, one connection per
 * bw_store (SQLITE_OPEN_FULLMUTEX, used from one thread at a time).
 *
 * Schema (version 4; version 1 lacked pdq_blocks, and migrating fills it;
 * version 2 lacked deltas, banks and content; version 3 lacked meta):
 *   meta(key, value)  'store_id': the store's random identity (store.h)
 *   lists(id, name, source, imported_at, entries, duplicates, skipped,
 *         n_pdq, n_md5, n_sha1, n_sha256, live, delta)
 *     a list version; exactly one live version per name (partial unique
 *     index) with delta 0, older versions are deleted when a new one goes
 *     live; and the list's deltas (delta 1: content added by the /c
 *     routes, store.h), live beside it until the next version.
 *   banks(name, enabled_ratio, id_key): a list's ratio when it is not 1,
 *     and the key of its content ids when it is not its name (a rename).
 *   content(id, list, kind, hash, disable_until, note): the state of one
 *     piece of content by its id (store.h), kept across re-imports.
 *   entries(list_id -> lists ON DELETE CASCADE, kind, hash, label,
 *           category, added_at) WITHOUT ROWID, primary key (list_id, kind,
 *           hash): a list's hashes of one kind are one contiguous, sorted
 *           run, and a hash lookup is one B-tree probe per list.
 *   pdq_blocks(list_id -> lists ON DELETE CASCADE, seq, n, data): the
 *           list's PDQ hashes again, sorted, packed 4096 to a blob of
 *           32-byte hashes, written in the same transaction as the entries:
 *           loading 10 million hashes at start-up reads 2,500 rows.
 *
 * Writing a version (writer.c drives it): entries stream into the scratch
 * table temp.bw_import (a plain append, so 10 million lines cost little
 * memory and no random B-tree work); writer_store copies them into
 * `entries` in (kind, hash) order, which makes the B-tree inserts
 * sequential and puts repeats side by side so that INSERT OR IGNORE keeps
 * the first of each (the rows it stored are the count); writer_publish
 * deletes the previous live version (its entries go by ON DELETE CASCADE)
 * and makes the new one live. Until the COMMIT nothing is visible; a crash
 * or kill -9 before it rolls back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "core/internal.h"
#include "store/store_internal.h"

/* PDQ hashes per pdq_blocks row. */
#define PDQ_BLOCK 4096

typedef struct sq_store {
    bw_store base;          /* first: what the neutral code holds */
    sqlite3 *db;
    sqlite3_stmt *find;     /* find's statement, prepared once */
    sqlite3_stmt *ins;      /* the open writer's insert into temp.bw_import */
} sq_store;

static sq_store *sq(bw_store *s)
{
    return (sq_store *)s;
}

/* BW_ERR_DB with "what: <sqlite message>". */
static bw_status sq_fail(sq_store *q, bw_error *err, const char *what)
{
    return bw__fail(err, BW_ERR_DB, "%s: %s", what, q && q->db ? sqlite3_errmsg(q->db) : "no store");
}

static bw_status sq_exec(sq_store *q, const char *sql, bw_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(q->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        bw_status st = bw__fail(err, BW_ERR_DB, "store: %s", msg ? msg : sqlite3_errmsg(q->db));
        sqlite3_free(msg);
        return st;
    }
    return BW_OK;
}

/* Prepare sql; a statement with parameters gets id bound to ?1. */
static bw_status sq_prepare(sq_store *q, const char *sql, int64_t id, sqlite3_stmt **st,
                            bw_error *err)
{
    if (sqlite3_prepare_v2(q->db, sql, -1, st, NULL) != SQLITE_OK) {
        *st = NULL;
        return sq_fail(q, err, "store");
    }
    if (sqlite3_bind_parameter_count(*st) > 0)
        sqlite3_bind_int64(*st, 1, id);
    return BW_OK;
}

/* Run sql (?1 = id) to its end. */
static bw_status step_id(sq_store *q, const char *sql, int64_t id, const char *what,
                         bw_error *err)
{
    sqlite3_stmt *st;
    bw_status r = sq_prepare(q, sql, id, &st, err);
    if (r != BW_OK)
        return r;
    if (sqlite3_step(st) != SQLITE_DONE)
        r = sq_fail(q, err, what);
    sqlite3_finalize(st);
    return r;
}

/* The one integer a single-row query (?1 = id) returns. */
static bw_status query_int64(sq_store *q, const char *sql, int64_t id, const char *what,
                             int64_t *out, bw_error *err)
{
    sqlite3_stmt *st;
    bw_status r = sq_prepare(q, sql, id, &st, err);
    if (r != BW_OK)
        return r;
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        r = sq_fail(q, err, what);
    sqlite3_finalize(st);
    return r;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *t)
{
    if (t)
        sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* ---------------- packing PDQ hashes into blocks ---------------- */

/* Write a block of n hashes at buf as row seq of list id. */
static bw_status put_block(sq_store *q, sqlite3_stmt *wr, int64_t id, int64_t seq,
                           const uint8_t *buf, size_t n, bw_error *err)
{
    sqlite3_bind_int64(wr, 1, id);
    sqlite3_bind_int64(wr, 2, seq);
    sqlite3_bind_int64(wr, 3, (sqlite3_int64)n);
    sqlite3_bind_blob(wr, 4, buf, (int)(n * 32), SQLITE_STATIC);
    int rc = sqlite3_step(wr);
    sqlite3_reset(wr);
    return rc == SQLITE_DONE ? BW_OK : sq_fail(q, err, "store: packing PDQ hashes");
}

/* (Re)write the pdq_blocks rows of list id from its entries. */
static bw_status pack_pdq(sq_store *q, int64_t id, bw_error *err)
{
    sqlite3_stmt *rd = NULL, *wr = NULL;
    uint8_t *buf = bw__malloc((size_t)PDQ_BLOCK * 32);
    size_t n = 0;
    int64_t seq = 0;
    int rc;
    bw_status r = BW_OK;
    if (!buf)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if ((r = step_id(q, "DELETE FROM pdq_blocks WHERE list_id = ?1", id, "store: packing", err)) !=
            BW_OK ||
        (r = sq_prepare(q, "SELECT hash FROM entries WHERE list_id = ?1 AND kind = 0 ORDER BY hash",
                        id, &rd, err)) != BW_OK ||
        (r = sq_prepare(q, "INSERT INTO pdq_blocks(list_id, seq, n, data) VALUES (?1, ?2, ?3, ?4)",
                        id, &wr, err)) != BW_OK)
        goto done;
    do {
        rc = sqlite3_step(rd);
        if (rc == SQLITE_ROW && sqlite3_column_bytes(rd, 0) == 32) {
            memcpy(buf + n * 32, sqlite3_column_blob(rd, 0), 32);
            n++;
        } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            r = sq_fail(q, err, "store: packing PDQ hashes");
            break;
        }
        if (n == PDQ_BLOCK || (rc == SQLITE_DONE && n > 0)) {
            if ((r = put_block(q, wr, id, seq++, buf, n, err)) != BW_OK)
                break;
            n = 0;
        }
    } while (rc != SQLITE_DONE);
done:
    sqlite3_finalize(rd);
    sqlite3_finalize(wr);
    free(buf);
    return r;
}

/* ---------------- opening: schema version and migrations ---------------- */

/* Each step takes the schema from version i to i + 1. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE lists("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  source TEXT,"
    "  imported_at INTEGER NOT NULL,"
    "  entries INTEGER NOT NULL DEFAULT 0,"
    "  duplicates INTEGER NOT NULL DEFAULT 0,"
    "  skipped INTEGER NOT NULL DEFAULT 0,"
    "  n_pdq INTEGER NOT NULL DEFAULT 0,"
    "  n_md5 INTEGER NOT NULL DEFAULT 0,"
    "  n_sha1 INTEGER NOT NULL DEFAULT 0,"
    "  n_sha256 INTEGER NOT NULL DEFAULT 0,"
    "  live INTEGER NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX lists_live_name ON lists(name) WHERE live = 1;"
    "CREATE TABLE entries("
    "  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
    "  kind INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 3),"
    "  hash BLOB NOT NULL,"
    "  label TEXT,"
    "  category TEXT,"
    "  added_at INTEGER,"
    "  PRIMARY KEY (list_id, kind, hash)) WITHOUT ROWID;",
    /* 1 -> 2 (then pack_pdq for every list) */
    "CREATE TABLE pdq_blocks("
    "  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  data BLOB NOT NULL,"
    "  PRIMARY KEY (list_id, seq)) WITHOUT ROWID;",
    /* 2 -> 3 */
    "ALTER TABLE lists ADD COLUMN delta INTEGER NOT NULL DEFAULT 0;"
    "DROP INDEX lists_live_name;"
    "CREATE UNIQUE INDEX lists_live_name ON lists(name) WHERE live = 1 AND delta = 0;"
    "CREATE TABLE banks("
    "  name TEXT PRIMARY KEY,"
    "  enabled_ratio REAL NOT NULL DEFAULT 1,"
    "  id_key TEXT UNIQUE) WITHOUT ROWID;"
    "CREATE TABLE content("
    "  id INTEGER PRIMARY KEY,"
    "  list TEXT NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  hash BLOB NOT NULL,"
    "  disable_until INTEGER NOT NULL DEFAULT 1,"
    "  note TEXT,"
    "  UNIQUE (list, kind, hash));",
    /* 3 -> 4 */
    ("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
     "INSERT INTO meta VALUES ('store_id', lower(hex(randomblob(16))));"),
    /* 4 -> 5: nothing (PostgreSQL's entries became partitioned by version) */
    "",
};

/* Migration steps that need code after their SQL. */
static bw_status migrate_code(sq_store *q, int to, bw_error *err)
{
    if (to != 2)
        return BW_OK;
    sqlite3_stmt *st;
    bw_status rc = sq_prepare(q, "SELECT id FROM lists", 0, &st, err);
    while (rc == BW_OK && sqlite3_step(st) == SQLITE_ROW)
        rc = pack_pdq(q, sqlite3_column_int64(st, 0), err);
    sqlite3_finalize(st);
    return rc;
}

static bw_status migrate(sq_store *q, int readonly, bw_error *err)
{
    int64_t version = -1;
    bw_status rc = query_int64(q, "PRAGMA user_version", 0, "store: reading the schema version",
                               &version, err);
    if (rc != BW_OK)
        return rc;
    if (version < 0)
        return sq_fail(q, err, "store: reading the schema version");
    int need = 0;
    if ((rc = bw__store_version_check(version, readonly, &need, err)) != BW_OK || !need)
        return rc;
    if ((rc = sq_exec(q, "BEGIN IMMEDIATE", err)) != BW_OK)
        return rc;
    for (int v = (int)version; v < BW_STORE_SCHEMA_VERSION; v++) {
        char sql[64];
        if ((rc = sq_exec(q, migrations[v], err)) != BW_OK)
            goto fail;
        if ((rc = migrate_code(q, v + 1, err)) != BW_OK)
            goto fail;
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if ((rc = sq_exec(q, sql, err)) != BW_OK)
            goto fail;
    }
    return sq_exec(q, "COMMIT", err);
fail:
    sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static void sq_close(bw_store *s)
{
    sq_store *q = sq(s);
    if (!q)
        return;
    sqlite3_finalize(q->find);
    sqlite3_finalize(q->ins);
    if (q->db)
        sqlite3_close_v2(q->db);
    free(q);
}

static bw_status sq_open(bw_store **out, const char *path, int flags, bw_error *err)
{
    int readonly = (flags & BW_STORE_READONLY) != 0;
    bw_status rc;
    *out = NULL;
    if ((flags & (BW_STORE_READONLY | BW_STORE_MUST_EXIST)) && access(path, F_OK) != 0)
        return bw__fail(err, BW_ERR_NOT_FOUND, "no store at %s", path);
    sq_store *q = bw__calloc(1, sizeof *q);
    if (!q)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    int oflags = SQLITE_OPEN_FULLMUTEX |
                 (readonly ? SQLITE_OPEN_READONLY
                           : SQLITE_OPEN_READWRITE |
                                 (flags & BW_STORE_MUST_EXIST ? 0 : SQLITE_OPEN_CREATE));
    if (sqlite3_open_v2(path, &q->db, oflags, NULL) != SQLITE_OK) {
        rc = bw__fail(err, readonly ? BW_ERR_NOT_FOUND : BW_ERR_DB, "cannot open store %s: %s",
                      path, q->db ? sqlite3_errmsg(q->db) : "out of memory");
        sq_close(&q->base);
        return rc;
    }
    sqlite3_extended_result_codes(q->db, 1);
    sqlite3_busy_timeout(q->db, 10000);
    if (!readonly && (rc = sq_exec(q, "PRAGMA journal_mode=WAL", err)) != BW_OK)
        goto fail;
    char pragmas[128];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"
             "PRAGMA cache_size=%d; PRAGMA temp_store=FILE",
             flags & BW_STORE_LOOKUPS ? -4096 : -65536); /* KiB */
    if ((rc = sq_exec(q, pragmas, err)) != BW_OK)
        goto fail;
    /* a file that is not SQLite shows up here */
    if ((rc = migrate(q, readonly, err)) != BW_OK)
        goto fail;
    *out = &q->base;
    return BW_OK;
fail:
    if (err && err->status == BW_ERR_DB && strstr(err->msg, "not a database"))
        rc = bw__fail(err, BW_ERR_FORMAT, "%s is not a bulwark store (not an SQLite database)", path);
    sq_close(&q->base);
    return rc;
}

/* ---------------- transactions, change detection ---------------- */

static bw_status sq_begin(bw_store *s, int mode, bw_error *err)
{
    return sq_exec(sq(s), mode == BW__STORE_WRITE ? "BEGIN IMMEDIATE" : "BEGIN", err);
}

static bw_status sq_commit(bw_store *s, bw_error *err)
{
    return sq_exec(sq(s), "COMMIT", err);
}

static void sq_rollback(bw_store *s)
{
    if (!sqlite3_get_autocommit(sq(s)->db))
        sqlite3_exec(sq(s)->db, "ROLLBACK", NULL, NULL, NULL);
}

/* PRAGMA data_version: a read of the connection's own counter, no I/O. */
static bw_status sq_data_version(bw_store *s, int64_t *version, bw_error *err)
{
    return query_int64(sq(s), "PRAGMA data_version", 0, "store: reading the data version", version,
                       err);
}

/* ---------------- list metadata ---------------- */

static bw_status sq_lists(bw_store *s, const char *name, bw__store_list_fn fn, void *ctx,
                          bw_error *err)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT l.id, l.name, l.source, l.imported_at, l.entries, l.duplicates, l.skipped, "
             "l.n_pdq, l.n_md5, l.n_sha1, l.n_sha256, coalesce(b.enabled_ratio, 1.0) "
             "FROM lists l LEFT JOIN banks b ON b.name = l.name WHERE l.live = 1 %s "
             "ORDER BY l.name, l.delta, l.id",
             name ? "AND l.name = ?1" : "");
    bw_status r = sq_prepare(q, sql, 0, &st, err);
    if (r != BW_OK)
        return r;
    if (name)
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_list_info li;
        memset(&li, 0, sizeof li);
        li.name = (char *)sqlite3_column_text(st, 1);
        li.source = (char *)sqlite3_column_text(st, 2);
        li.imported_at = sqlite3_column_int64(st, 3);
        li.entries = (uint64_t)sqlite3_column_int64(st, 4);
        li.duplicates = (uint64_t)sqlite3_column_int64(st, 5);
        li.skipped = (uint64_t)sqlite3_column_int64(st, 6);
        for (int k = 0; k < BW_HASH_KIND_COUNT; k++)
            li.kinds[k] = (uint64_t)sqlite3_column_int64(st, 7 + k);
        li.enabled_ratio = sqlite3_column_double(st, 11);
        if (fn(ctx, sqlite3_column_int64(st, 0), &li)) {
            sqlite3_finalize(st);
            return BW_ERR_INTERRUPTED;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? BW_OK
                             : sq_fail(q, err, name ? "store: reading list" : "store: listing lists");
}

static bw_status sq_count(bw_store *s, uint64_t *n, bw_error *err)
{
    int64_t v = 0;
    bw_status r = query_int64(sq(s), "SELECT count(*) FROM lists WHERE live = 1 AND delta = 0", 0,
                              "store: counting lists", &v, err);
    *n = (uint64_t)v;
    return r;
}

static bw_status sq_list_id(bw_store *s, const char *name, const char *what, int64_t *id,
                            bw_error *err)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st;
    bw_status r = BW_OK;
    *id = -1;
    if (sqlite3_prepare_v2(q->db, "SELECT id FROM lists WHERE live = 1 AND name = ?1 ORDER BY delta, id LIMIT 1", -1, &st,
                           NULL) != SQLITE_OK)
        return sq_fail(q, err, what);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        r = sq_fail(q, err, what);
    sqlite3_finalize(st);
    return r;
}

/* A removed version leaves its row behind, not live and empty (a
 * tombstone), until a newer version exists: SQLite gives a new row the
 * largest id plus one, and a version number must never come back, for a
 * matcher tells the versions it holds from the new ones by number
 * (store.h, bw_store_build_index_versions). Older tombstones go here and when a version is
 * published. */
static bw_status sq_remove(bw_store *s, int64_t id, bw_error *err)
{
    static const char *const steps[] = {
        "DELETE FROM entries WHERE list_id = ?1",
        "DELETE FROM pdq_blocks WHERE list_id = ?1",
        ("UPDATE lists SET live = 0, entries = 0, duplicates = 0, skipped = 0, n_pdq = 0, "
         "n_md5 = 0, n_sha1 = 0, n_sha256 = 0 WHERE id = ?1"),
        "DELETE FROM lists WHERE live = 0 AND id < ?1",
    };
    bw_status r = BW_OK;
    for (size_t i = 0; i < sizeof steps / sizeof *steps && r == BW_OK; i++)
        r = step_id(sq(s), steps[i], id, "store: removing list", err);
    return r;
}

/* ---------------- entries ---------------- */

static void read_entry(sqlite3_stmt *st, int col, bw_entry *e)
{
    /* columns: kind, hash, label, category, added_at */
    memset(e, 0, sizeof *e);
    e->kind = (bw_hash_kind)sqlite3_column_int(st, col);
    const void *b = sqlite3_column_blob(st, col + 1);
    size_t n = (size_t)sqlite3_column_bytes(st, col + 1);
    if (n > sizeof e->hash)
        n = sizeof e->hash;
    if (b)
        memcpy(e->hash, b, n);
    e->label = (const char *)sqlite3_column_text(st, col + 2);
    e->category = (const char *)sqlite3_column_text(st, col + 3);
    e->added_at = sqlite3_column_int64(st, col + 4);
}

static bw_status sq_entries(bw_store *s, int64_t id, bw_entry_fn fn, void *ctx, bw_error *err)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st;
    bw_status r = sq_prepare(q,
                             "SELECT kind, hash, label, category, added_at FROM entries "
                             "WHERE list_id = ?1 ORDER BY kind, hash",
                             id, &st, err);
    if (r != BW_OK)
        return r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_entry e;
        read_entry(st, 0, &e);
        if (fn(ctx, &e)) {
            sqlite3_finalize(st);
            return BW_ERR_INTERRUPTED;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? BW_OK : sq_fail(q, err, "store: reading entries");
}

/* A hit is the entry unless ?3 (now) is not negative and its content is
 * disabled then (store.h: 0 for good, a time after now) or its list's
 * ratio is 0. CROSS JOIN keeps SQLite's planner to its order: the few
 * live versions, then one primary-key probe of entries each; left to
 * itself, without statistics, it scans entries (10M rows: a second). */
static bw_status sq_find(bw_store *s, bw_hash_kind kind, const uint8_t *bytes, size_t nb,
                         int64_t now, bw_store_hit_fn fn, void *ctx, bw_error *err)
{
    sq_store *q = sq(s);
    bw_status r;
    if (!q->find) {
        r = sq_prepare(q,
                       "SELECT l.name, e.kind, e.hash, e.label, e.category, e.added_at, "
                       "coalesce(b.id_key, l.name) "
                       "FROM lists l CROSS JOIN entries e ON e.list_id = l.id AND e.kind = ?1 "
                       "AND e.hash = ?2 LEFT JOIN banks b ON b.name = l.name "
                       "LEFT JOIN content c ON c.list = l.name AND c.kind = e.kind "
                       "AND c.hash = e.hash WHERE l.live = 1 AND (?3 < 0 OR "
                       "(coalesce(b.enabled_ratio, 1) > 0 AND (c.disable_until IS NULL OR "
                       "c.disable_until = 1 OR (c.disable_until <> 0 AND c.disable_until <= ?3)))) "
                       "ORDER BY l.name, l.delta, l.id",
                       0, &q->find, err);
        if (r != BW_OK)
            return r;
    }
    sqlite3_stmt *st = q->find;
    sqlite3_bind_int(st, 1, (int)kind);
    sqlite3_bind_blob(st, 2, bytes, (int)nb, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_entry e;
        read_entry(st, 1, &e);
        e.content_id = bw_store_content_id((const char *)sqlite3_column_text(st, 6), e.kind, e.hash);
        if (fn(ctx, (const char *)sqlite3_column_text(st, 0), &e)) {
            sqlite3_reset(st);
            return BW_ERR_INTERRUPTED;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? BW_OK : sq_fail(q, err, "store: looking up a hash");
}

/* PRAGMA integrity_check, then foreign_key_check. */
static bw_status sq_check(bw_store *s, bw_error *err)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st;
    bw_status r = sq_prepare(q, "PRAGMA integrity_check", 0, &st, err);
    if (r != BW_OK)
        return r;
    int rc = sqlite3_step(st);
    const unsigned char *t = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    if (t && strcmp((const char *)t, "ok") == 0)
        r = BW_OK;
    else
        r = bw__fail(err, BW_ERR_CORRUPT, "store integrity check: %s", t ? (const char *)t : "failed");
    sqlite3_finalize(st);
    if (r == BW_OK) {
        r = sq_prepare(q, "PRAGMA foreign_key_check", 0, &st, err);
        if (r != BW_OK)
            return r;
        if (sqlite3_step(st) == SQLITE_ROW)
            r = bw__fail(err, BW_ERR_CORRUPT, "store integrity check: entries without a list");
        sqlite3_finalize(st);
    }
    return r;
}

/* ---------------- cursors for the index ---------------- */

/* Both cursors read rows (n, blob): a run of hashes of one kind (n = 1)
 * or the PDQ blocks. */
static bw_status open_cursor(bw_store *s, const char *sql, int64_t id, int kind, const char *what,
                             bw__store_cursor *c, bw_error *err)
{
    sqlite3_stmt *st;
    c->s = s;
    c->impl = NULL;
    c->what = what;
    bw_status r = sq_prepare(sq(s), sql, id, &st, err);
    if (r != BW_OK)
        return r;
    if (kind >= 0)
        sqlite3_bind_int(st, 2, kind);
    c->impl = st;
    return BW_OK;
}

static bw_status sq_hashes(bw_store *s, int64_t id, bw_hash_kind kind, bw__store_cursor *c,
                           bw_error *err)
{
    return open_cursor(s, "SELECT 1, hash FROM entries WHERE list_id = ?1 AND kind = ?2 ORDER BY hash",
                       id, (int)kind, "store: reading hashes", c, err);
}

static bw_status sq_pdq_blocks(bw_store *s, int64_t id, bw__store_cursor *c, bw_error *err)
{
    return open_cursor(s, "SELECT n, data FROM pdq_blocks WHERE list_id = ?1 ORDER BY seq", id, -1,
                       "store: reading PDQ blocks", c, err);
}

static bw_status sq_pdq_count(bw_store *s, int64_t id, uint64_t *n, bw_error *err)
{
    int64_t v = 0;
    bw_status r = query_int64(sq(s), "SELECT coalesce(sum(n), 0) FROM pdq_blocks WHERE list_id = ?1",
                              id, "store: counting PDQ blocks", &v, err);
    *n = (uint64_t)v;
    return r;
}

static bw_status sq_next(bw__store_cursor *c, bw__store_row *row, int *more, bw_error *err)
{
    sqlite3_stmt *st = c->impl;
    int rc = sqlite3_step(st);
    *more = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        row->n = (uint64_t)sqlite3_column_int64(st, 0);
        row->data = sqlite3_column_blob(st, 1);
        row->len = (size_t)sqlite3_column_bytes(st, 1);
        return BW_OK;
    }
    return rc == SQLITE_DONE ? BW_OK : sq_fail(sq(c->s), err, c->what);
}

static void sq_cursor_close(bw__store_cursor *c)
{
    sqlite3_finalize(c->impl);
    c->impl = NULL;
}

/* ---------------- the list writer ---------------- */

static bw_status sq_writer_begin(bw_store *s, const char *name, const char *source,
                                 int64_t imported_at, int delta, int64_t *id, bw_error *err)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st;
    bw_status r = sq_exec(q,
                          "CREATE TEMP TABLE IF NOT EXISTS bw_import("
                          "  kind INTEGER, hash BLOB, label TEXT, category TEXT, added_at INTEGER);"
                          "DELETE FROM temp.bw_import;",
                          err);
    if (r != BW_OK || (r = sq_prepare(q,
                                      "INSERT INTO lists(name, source, imported_at, live, delta) "
                                      "VALUES (?1, ?2, ?3, 0, ?4)",
                                      0, &st, err)) != BW_OK)
        return r;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    bind_text_or_null(st, 2, source);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)imported_at);
    sqlite3_bind_int(st, 4, delta != 0);
    if (sqlite3_step(st) != SQLITE_DONE)
        r = sq_fail(q, err, "store: creating list");
    sqlite3_finalize(st);
    if (r != BW_OK)
        return r;
    *id = sqlite3_last_insert_rowid(q->db);
    return sq_prepare(q, "INSERT INTO temp.bw_import VALUES (?1, ?2, ?3, ?4, ?5)", 0, &q->ins, err);
}

static bw_status sq_writer_add(bw_store *s, const bw_entry *e, bw_error *err)
{
    sqlite3_stmt *st = sq(s)->ins;
    sqlite3_bind_int(st, 1, (int)e->kind);
    sqlite3_bind_blob(st, 2, e->hash, (int)bw_hash_kind_bytes(e->kind), SQLITE_STATIC);
    bind_text_or_null(st, 3, e->label);
    bind_text_or_null(st, 4, e->category);
    if (e->added_at)
        sqlite3_bind_int64(st, 5, e->added_at);
    else
        sqlite3_bind_null(st, 5);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? BW_OK : sq_fail(sq(s), err, "store: adding an entry");
}

static void sq_writer_end(bw_store *s)
{
    sqlite3_finalize(sq(s)->ins);
    sq(s)->ins = NULL;
}

static bw_status sq_writer_store(bw_store *s, int64_t id, uint64_t *stored,
                                 uint64_t kinds[BW_HASH_KIND_COUNT], bw_error *err)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st;
    sq_writer_end(s);
    bw_status r = step_id(q,
                          "INSERT OR IGNORE INTO entries(list_id, kind, hash, label, category, added_at) "
                          "SELECT ?1, kind, hash, label, category, added_at FROM temp.bw_import "
                          "ORDER BY kind, hash, rowid",
                          id, "store: writing entries", err);
    if (r != BW_OK)
        return r;
    *stored = (uint64_t)sqlite3_changes64(q->db);
    if ((r = pack_pdq(q, id, err)) != BW_OK ||
        (r = sq_prepare(q, "SELECT kind, count(*) FROM entries WHERE list_id = ?1 GROUP BY kind", id,
                        &st, err)) != BW_OK)
        return r;
    memset(kinds, 0, BW_HASH_KIND_COUNT * sizeof *kinds);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int k = sqlite3_column_int(st, 0);
        if (k >= 0 && k < BW_HASH_KIND_COUNT)
            kinds[k] = (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return sq_exec(q, "DELETE FROM temp.bw_import", err);
}

static bw_status sq_writer_publish(bw_store *s, int64_t id, const bw_list_info *info,
                                   bw_error *err)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st;
    bw_status r = step_id(q,
                          "DELETE FROM lists WHERE live = 1 AND name = "
                          "(SELECT name FROM lists WHERE id = ?1 AND delta = 0)",
                          id, "store: replacing the previous version", err);
    if (r == BW_OK) /* tombstones (sq_remove): this version is newer */
        r = step_id(q, "DELETE FROM lists WHERE live = 0 AND id < ?1", id,
                    "store: replacing the previous version", err);
    if (r != BW_OK ||
        (r = sq_prepare(q,
                        "UPDATE lists SET live = 1, entries = ?2, duplicates = ?3, skipped = ?4,"
                        " n_pdq = ?5, n_md5 = ?6, n_sha1 = ?7, n_sha256 = ?8 WHERE id = ?1",
                        id, &st, err)) != BW_OK)
        return r;
    sqlite3_bind_int64(st, 2, (sqlite3_int64)info->entries);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)info->duplicates);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)info->skipped);
    for (int k = 0; k < BW_HASH_KIND_COUNT; k++)
        sqlite3_bind_int64(st, 5 + k, (sqlite3_int64)info->kinds[k]);
    if (sqlite3_step(st) != SQLITE_DONE)
        r = sq_fail(q, err, "store: publishing the list");
    sqlite3_finalize(st);
    return r;
}

/* ---------------- content state, ratios ---------------- */

static bw_status sq_content_state(bw_store *s, int64_t id, bw_content *out, int *found,
                                  bw_error *err)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st;
    *found = 0;
    bw_status r = sq_prepare(q, "SELECT list, kind, hash, disable_until, note FROM content "
                                "WHERE id = ?1", id, &st, err);
    if (r != BW_OK)
        return r;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *list = (const char *)sqlite3_column_text(st, 0);
        const char *note = (const char *)sqlite3_column_text(st, 4);
        const void *h = sqlite3_column_blob(st, 2);
        size_t n = (size_t)sqlite3_column_bytes(st, 2);
        memset(out, 0, sizeof *out);
        out->id = id;
        out->kind = (bw_hash_kind)sqlite3_column_int(st, 1);
        if (h && n <= sizeof out->hash)
            memcpy(out->hash, h, n);
        out->disable_until = sqlite3_column_int64(st, 3);
        out->list = list ? bw__strdup(list) : NULL;
        out->note = note ? bw__strdup(note) : NULL;
        if (!out->list || (note && !out->note)) {
            bw_content_free(out);
            r = bw__fail(err, BW_ERR_NOMEM, "out of memory");
        } else
            *found = 1;
    } else if (rc != SQLITE_DONE)
        r = sq_fail(q, err, "store: reading content");
    sqlite3_finalize(st);
    return r;
}

static bw_status sq_content_put(bw_store *s, const bw_content *c, bw_error *err)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st;
    bw_status r = sq_prepare(q,
                             "INSERT INTO content(id, list, kind, hash, disable_until, note) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO UPDATE SET "
                             "disable_until = excluded.disable_until, note = excluded.note",
                             c->id, &st, err);
    if (r != BW_OK)
        return r;
    sqlite3_bind_text(st, 2, c->list, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, (int)c->kind);
    sqlite3_bind_blob(st, 4, c->hash, (int)bw_hash_kind_bytes(c->kind), SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)c->disable_until);
    bind_text_or_null(st, 6, c->note);
    if (sqlite3_step(st) != SQLITE_DONE)
        r = sq_fail(q, err, "store: keeping content state");
    sqlite3_finalize(st);
    return r;
}

static bw_status sq_content_drop(bw_store *s, const char *list, int64_t id, bw_hash_kind kind,
                                 const uint8_t *hash, uint64_t *deleted, bw_error *err)
{
    static const char *const col[BW_HASH_KIND_COUNT] = {"n_pdq", "n_md5", "n_sha1", "n_sha256"};
    sq_store *q = sq(s);
    sqlite3_stmt *st;
    char sql[256];
    *deleted = 0;
    if ((unsigned)kind >= BW_HASH_KIND_COUNT)
        return bw__fail(err, BW_ERR_ARG, "invalid hash kind");
    /* the counts first, while the rows are there (PDQ blocks keep the
     * hash: an index built from them finds a candidate the entries no
     * longer hold, which resolves to nothing) */
    snprintf(sql, sizeof sql,
             "UPDATE lists SET entries = entries - 1, %s = %s - 1 WHERE live = 1 AND name = ?2 "
             "AND EXISTS (SELECT 1 FROM entries e WHERE e.list_id = lists.id AND e.kind = ?3 "
             "AND e.hash = ?4)",
             col[kind], col[kind]);
    for (int step = 0; step < 2; step++) {
        bw_status r = sq_prepare(q, step ? "DELETE FROM entries WHERE kind = ?3 AND hash = ?4 AND "
                                           "list_id IN (SELECT id FROM lists WHERE live = 1 AND "
                                           "name = ?2)"
                                         : sql,
                                 0, &st, err);
        if (r != BW_OK)
            return r;
        sqlite3_bind_text(st, 2, list, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, (int)kind);
        sqlite3_bind_blob(st, 4, hash, (int)bw_hash_kind_bytes(kind), SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return sq_fail(q, err, "store: deleting content");
        if (step)
            *deleted = (uint64_t)sqlite3_changes64(q->db);
    }
    return step_id(q, "DELETE FROM content WHERE id = ?1", id, "store: deleting content", err);
}

static bw_status sq_ratio_put(bw_store *s, const char *list, double ratio, bw_error *err)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st;
    bw_status r = sq_prepare(q, "INSERT INTO banks(name, enabled_ratio) VALUES (?2, ?3) "
                                "ON CONFLICT(name) DO UPDATE SET enabled_ratio = excluded.enabled_ratio",
                             0, &st, err);
    if (r != BW_OK)
        return r;
    sqlite3_bind_text(st, 2, list, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 3, ratio);
    if (sqlite3_step(st) != SQLITE_DONE)
        r = sq_fail(q, err, "store: setting the list's ratio");
    sqlite3_finalize(st);
    return r;
}

static bw_status sq_forget(bw_store *s, const char *list, bw_error *err)
{
    sq_store *q = sq(s);
    for (int step = 0; step < 2; step++) {
        sqlite3_stmt *st;
        bw_status r = sq_prepare(q, step ? "DELETE FROM banks WHERE name = ?2"
                                         : "DELETE FROM content WHERE list = ?2",
                                 0, &st, err);
        if (r != BW_OK)
            return r;
        sqlite3_bind_text(st, 2, list, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return sq_fail(q, err, "store: removing list");
    }
    return BW_OK;
}

/* Run sql with ?2 = a and ?3 = b (text) to its end. */
static bw_status step_texts(sq_store *q, const char *sql, const char *a, const char *b,
                            const char *what, bw_error *err)
{
    sqlite3_stmt *st;
    bw_status r = sq_prepare(q, sql, 0, &st, err);
    if (r != BW_OK)
        return r;
    sqlite3_bind_text(st, 2, a, -1, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(st, 3, b, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        r = sq_fail(q, err, what);
    sqlite3_finalize(st);
    return r;
}

static bw_status sq_id_key(bw_store *s, const char *list, char *out, size_t n, bw_error *err)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st;
    bw_status r = sq_prepare(q, "SELECT id_key FROM banks WHERE name = ?2 AND id_key IS NOT NULL",
                             0, &st, err);
    if (r != BW_OK)
        return r;
    sqlite3_bind_text(st, 2, list, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    snprintf(out, n, "%s", rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : list);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? BW_OK : sq_fail(q, err, "store: reading a key");
}

static bw_status sq_identity(bw_store *s, char out[BW_STORE_ID_SIZE], bw_error *err)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st;
    bw_status r = sq_prepare(q, "SELECT value FROM meta WHERE key = 'store_id'", 0, &st, err);
    if (r != BW_OK)
        return r;
    int rc = sqlite3_step(st);
    const unsigned char *v = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    snprintf(out, BW_STORE_ID_SIZE, "%s", v ? (const char *)v : "");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? BW_OK : sq_fail(q, err, "store: reading its identity");
}

static bw_status sq_rename(bw_store *s, const char *from, const char *to, bw_error *err)
{
    static const char *const steps[] = {
        ("INSERT INTO banks(name, enabled_ratio, id_key) VALUES (?2, 1, ?2) "
         "ON CONFLICT(name) DO UPDATE SET id_key = coalesce(id_key, ?2)"),
        "UPDATE banks SET name = ?3 WHERE name = ?2",
        "UPDATE lists SET name = ?3 WHERE name = ?2",
        "UPDATE content SET list = ?3 WHERE list = ?2",
    };
    bw_status r = BW_OK;
    for (size_t i = 0; i < sizeof steps / sizeof *steps && r == BW_OK; i++)
        r = step_texts(sq(s), steps[i], from, to, "store: renaming list", err);
    return r;
}

static bw_status sq_claim_key(bw_store *s, const char *name, int64_t vid, bw_error *err)
{
    char key[256];
    snprintf(key, sizeof key, "%s#%lld", name, (long long)vid);
    return step_texts(sq(s),
                      "INSERT INTO banks(name, enabled_ratio, id_key) SELECT ?2, 1, ?3 "
                      "WHERE EXISTS (SELECT 1 FROM banks WHERE id_key = ?2 AND name <> ?2) "
                      "ON CONFLICT(name) DO UPDATE SET id_key = excluded.id_key",
                      name, key, "store: keeping a key", err);
}

const bw__store_backend bw__store_sqlite = {
    .name = "SQLite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .data_version = sq_data_version,
    .lists = sq_lists,
    .count = sq_count,
    .list_id = sq_list_id,
    .remove = sq_remove,
    .entries = sq_entries,
    .find = sq_find,
    .check = sq_check,
    .hashes = sq_hashes,
    .pdq_blocks = sq_pdq_blocks,
    .pdq_count = sq_pdq_count,
    .next = sq_next,
    .cursor_close = sq_cursor_close,
    .writer_begin = sq_writer_begin,
    .writer_add = sq_writer_add,
    .writer_store = sq_writer_store,
    .writer_publish = sq_writer_publish,
    .writer_end = sq_writer_end,
    .content_state = sq_content_state,
    .content_put = sq_content_put,
    .content_drop = sq_content_drop,
    .ratio_put = sq_ratio_put,
    .forget = sq_forget,
    .id_key = sq_id_key,
    .rename = sq_rename,
    .claim_key = sq_claim_key,
    .identity = sq_identity,
};
