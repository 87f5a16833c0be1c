/* store.c -- the SQLite store of hash lists (bulwark/store.h): opening
 * (WAL, foreign keys, schema version and forward migrations), list
 * metadata, removal, reading entries back, and finding which lists hold a
 * hash.
 *
 * Schema (version 2; version 1 lacked pdq_blocks, and migrating fills it):
 *   lists(id, name, source, imported_at, entries, duplicates, skipped,
 *         n_pdq, n_md5, n_sha1, n_sha256, live)
 *     a list version; exactly one live version per name (partial unique
 *     index), older versions are deleted when a new one goes live.
 *   entries(list_id -> lists ON DELETE CASCADE, kind, hash, label,
 *           category, added_at) WITHOUT ROWID, primary key (list_id, kind,
 *           hash): a list's hashes of one kind are one contiguous, sorted
 *           run, and a hash lookup is one B-tree probe per list.
 *   pdq_blocks(list_id -> lists ON DELETE CASCADE, seq, n, data): the
 *           list's PDQ hashes again, sorted, packed 4096 to a blob of
 *           32-byte hashes, written in the same transaction as the entries:
 *           loading 10 million hashes at start-up reads 2,500 rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "core/internal.h"
#include "store/store_internal.h"

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
    /* 1 -> 2 (then bw__store_pack_pdq for every list) */
    "CREATE TABLE pdq_blocks("
    "  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  data BLOB NOT NULL,"
    "  PRIMARY KEY (list_id, seq)) WITHOUT ROWID;",
};

/* Migration steps that need code after their SQL. */
static bw_status migrate_code(bw_store *s, int to, bw_error *err)
{
    if (to != 2)
        return BW_OK;
    sqlite3_stmt *st;
    bw_status rc = bw__store_prepare(s, "SELECT id FROM lists", &st, err);
    while (rc == BW_OK && sqlite3_step(st) == SQLITE_ROW)
        rc = bw__store_pack_pdq(s, sqlite3_column_int64(st, 0), err);
    sqlite3_finalize(st);
    return rc;
}

bw_status bw__store_fail(bw_store *s, bw_error *err, const char *what)
{
    return bw__fail(err, BW_ERR_DB, "%s: %s", what, s && s->db ? sqlite3_errmsg(s->db) : "no store");
}

bw_status bw__store_exec(bw_store *s, const char *sql, bw_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        bw_status st = bw__fail(err, BW_ERR_DB, "store: %s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return st;
    }
    return BW_OK;
}

bw_status bw__store_prepare(bw_store *s, const char *sql, sqlite3_stmt **st, bw_error *err)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
        *st = NULL;
        return bw__store_fail(s, err, "store");
    }
    return BW_OK;
}

static bw_status migrate(bw_store *s, bw_error *err)
{
    sqlite3_stmt *st;
    int version;
    bw_status rc = bw__store_prepare(s, "PRAGMA user_version", &st, err);
    if (rc != BW_OK)
        return rc;
    version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (version < 0)
        return bw__store_fail(s, err, "store: reading the schema version");
    if (version > BW_STORE_SCHEMA_VERSION)
        return bw__fail(err, BW_ERR_UNSUPPORTED,
                        "store schema version %d is newer than this build knows (%d)", version,
                        BW_STORE_SCHEMA_VERSION);
    if (version == BW_STORE_SCHEMA_VERSION)
        return BW_OK;
    if (s->readonly)
        return bw__fail(err, BW_ERR_UNSUPPORTED, "store schema version %d needs migrating", version);
    if ((rc = bw__store_exec(s, "BEGIN IMMEDIATE", err)) != BW_OK)
        return rc;
    for (int v = version; v < BW_STORE_SCHEMA_VERSION; v++) {
        char sql[64];
        if ((rc = bw__store_exec(s, migrations[v], err)) != BW_OK)
            goto fail;
        if ((rc = migrate_code(s, v + 1, err)) != BW_OK)
            goto fail;
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if ((rc = bw__store_exec(s, sql, err)) != BW_OK)
            goto fail;
    }
    return bw__store_exec(s, "COMMIT", err);
fail:
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

bw_status bw_store_open(bw_store **out, const char *path, int flags, bw_error *err)
{
    bw_store *s;
    bw_status rc;
    *out = NULL;
    if (!path || !*path)
        return bw__fail(err, BW_ERR_ARG, "no store path");
    s = bw__calloc(1, sizeof *s);
    if (!s)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    s->readonly = (flags & BW_STORE_READONLY) != 0;
    if ((flags & (BW_STORE_READONLY | BW_STORE_MUST_EXIST)) && access(path, F_OK) != 0) {
        free(s);
        return bw__fail(err, BW_ERR_NOT_FOUND, "no store at %s", path);
    }
    int oflags = SQLITE_OPEN_FULLMUTEX |
                 (s->readonly ? SQLITE_OPEN_READONLY
                              : SQLITE_OPEN_READWRITE |
                                    (flags & BW_STORE_MUST_EXIST ? 0 : SQLITE_OPEN_CREATE));
    if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
        rc = bw__fail(err, s->readonly ? BW_ERR_NOT_FOUND : BW_ERR_DB, "cannot open store %s: %s",
                      path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        bw_store_close(s);
        return rc;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 10000);
    if (!s->readonly && (rc = bw__store_exec(s, "PRAGMA journal_mode=WAL", err)) != BW_OK)
        goto fail;
    if ((rc = bw__store_exec(s, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"
                                "PRAGMA cache_size=-65536; PRAGMA temp_store=FILE",
                             err)) != BW_OK)
        goto fail;
    /* a file that is not SQLite shows up here */
    if ((rc = migrate(s, err)) != BW_OK)
        goto fail;
    *out = s;
    return BW_OK;
fail:
    if (err && err->status == BW_ERR_DB && strstr(err->msg, "not a database"))
        rc = bw__fail(err, BW_ERR_FORMAT, "%s is not a bulwark store (not an SQLite database)", path);
    bw_store_close(s);
    return rc;
}

void bw_store_close(bw_store *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->find);
    if (s->db)
        sqlite3_close_v2(s->db);
    free(s);
}

/* ---------------- list metadata ---------------- */

static const char list_columns[] =
    "SELECT name, source, imported_at, entries, duplicates, skipped, n_pdq, n_md5, n_sha1, "
    "n_sha256 FROM lists WHERE live = 1";

static char *dup_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? bw__strdup((const char *)t) : NULL;
}

static void read_info(sqlite3_stmt *st, bw_list_info *li)
{
    memset(li, 0, sizeof *li);
    li->name = dup_text(st, 0);
    li->source = dup_text(st, 1);
    li->imported_at = sqlite3_column_int64(st, 2);
    li->entries = (uint64_t)sqlite3_column_int64(st, 3);
    li->duplicates = (uint64_t)sqlite3_column_int64(st, 4);
    li->skipped = (uint64_t)sqlite3_column_int64(st, 5);
    for (int k = 0; k < BW_HASH_KIND_COUNT; k++)
        li->kinds[k] = (uint64_t)sqlite3_column_int64(st, 6 + k);
}

void bw_list_infos_free(bw_list_info *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].source);
    }
    free(v);
}

bw_status bw_store_lists(bw_store *s, bw_list_info **out, size_t *n, bw_error *err)
{
    sqlite3_stmt *st;
    char sql[512];
    size_t cap = 0, len = 0;
    bw_list_info *v = NULL;
    int rc;
    *out = NULL;
    *n = 0;
    snprintf(sql, sizeof sql, "%s ORDER BY name", list_columns);
    bw_status r = bw__store_prepare(s, sql, &st, err);
    if (r != BW_OK)
        return r;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? cap * 2 : 8;
            bw_list_info *nv = bw__realloc(v, cap * sizeof *v);
            if (!nv) {
                sqlite3_finalize(st);
                bw_list_infos_free(v, len);
                return bw__fail(err, BW_ERR_NOMEM, "out of memory");
            }
            v = nv;
        }
        read_info(st, &v[len++]);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        bw_list_infos_free(v, len);
        return bw__store_fail(s, err, "store: listing lists");
    }
    *out = v;
    *n = len;
    return BW_OK;
}

/* The one integer a single-row query returns. */
static bw_status query_int64(bw_store *s, const char *sql, const char *what, int64_t *out,
                             bw_error *err)
{
    sqlite3_stmt *st;
    bw_status r = bw__store_prepare(s, sql, &st, err);
    if (r != BW_OK)
        return r;
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        r = bw__store_fail(s, err, what);
    sqlite3_finalize(st);
    return r;
}

bw_status bw_store_data_version(bw_store *s, int64_t *version, bw_error *err)
{
    return query_int64(s, "PRAGMA data_version", "store: reading the data version", version, err);
}

bw_status bw_store_list_count(bw_store *s, uint64_t *n, bw_error *err)
{
    int64_t v = 0;
    bw_status r = query_int64(s, "SELECT count(*) FROM lists WHERE live = 1",
                              "store: counting lists", &v, err);
    *n = (uint64_t)v;
    return r;
}

bw_status bw_store_list_get(bw_store *s, const char *name, bw_list_info **out, bw_error *err)
{
    sqlite3_stmt *st;
    char sql[512];
    *out = NULL;
    snprintf(sql, sizeof sql, "%s AND name = ?1", list_columns);
    bw_status r = bw__store_prepare(s, sql, &st, err);
    if (r != BW_OK)
        return r;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        bw_list_info *li = bw__malloc(sizeof *li);
        if (!li) {
            sqlite3_finalize(st);
            return bw__fail(err, BW_ERR_NOMEM, "out of memory");
        }
        read_info(st, li);
        *out = li;
        r = BW_OK;
    } else if (rc == SQLITE_DONE) {
        r = bw__fail(err, BW_ERR_NOT_FOUND, "no list named '%s'", name);
    } else {
        r = bw__store_fail(s, err, "store: reading list");
    }
    sqlite3_finalize(st);
    return r;
}

int64_t bw__store_list_id(bw_store *s, const char *name)
{
    sqlite3_stmt *st;
    int64_t id = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM lists WHERE live = 1 AND name = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return -2;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        id = -2;
    sqlite3_finalize(st);
    return id;
}

bw_status bw_store_list_remove(bw_store *s, const char *name, bw_error *err)
{
    bw_status r;
    if (s->readonly)
        return bw__fail(err, BW_ERR_ARG, "store opened read-only");
    if ((r = bw__store_exec(s, "BEGIN IMMEDIATE", err)) != BW_OK)
        return r;
    int64_t id = bw__store_list_id(s, name);
    if (id == -1) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return bw__fail(err, BW_ERR_NOT_FOUND, "no list named '%s'", name);
    }
    sqlite3_stmt *st;
    if (id < 0 || (r = bw__store_prepare(s, "DELETE FROM lists WHERE id = ?1", &st, err)) != BW_OK) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return id < 0 ? bw__store_fail(s, err, "store: removing list") : r;
    }
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        r = bw__store_fail(s, err, "store: removing list");
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return r;
    }
    return bw__store_exec(s, "COMMIT", err);
}

/* ---------------- reading entries ---------------- */

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

bw_status bw_store_list_entries(bw_store *s, const char *name, bw_entry_fn fn, void *ctx,
                                bw_error *err)
{
    int64_t id = bw__store_list_id(s, name);
    if (id == -1)
        return bw__fail(err, BW_ERR_NOT_FOUND, "no list named '%s'", name);
    if (id < 0)
        return bw__store_fail(s, err, "store: reading list");
    sqlite3_stmt *st;
    bw_status r = bw__store_prepare(s,
                                    "SELECT kind, hash, label, category, added_at FROM entries "
                                    "WHERE list_id = ?1 ORDER BY kind, hash",
                                    &st, err);
    if (r != BW_OK)
        return r;
    sqlite3_bind_int64(st, 1, id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_entry e;
        read_entry(st, 0, &e);
        if (fn(ctx, &e)) {
            sqlite3_finalize(st);
            return bw__fail(err, BW_ERR_INTERRUPTED, "stopped");
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? BW_OK : bw__store_fail(s, err, "store: reading entries");
}

bw_status bw_store_find(bw_store *s, bw_hash_kind kind, const uint8_t *bytes, bw_store_hit_fn fn,
                        void *ctx, bw_error *err)
{
    sqlite3_stmt *st;
    bw_status r;
    size_t nb = bw_hash_kind_bytes(kind);
    if (!nb || !bytes)
        return bw__fail(err, BW_ERR_ARG, "invalid hash kind");
    if (!s->find) {
        r = bw__store_prepare(s,
                              "SELECT l.name, e.kind, e.hash, e.label, e.category, e.added_at "
                              "FROM lists l JOIN entries e ON e.list_id = l.id AND e.kind = ?1 "
                              "AND e.hash = ?2 WHERE l.live = 1 ORDER BY l.name",
                              &s->find, err);
        if (r != BW_OK)
            return r;
    }
    st = s->find;
    sqlite3_bind_int(st, 1, (int)kind);
    sqlite3_bind_blob(st, 2, bytes, (int)nb, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_entry e;
        read_entry(st, 1, &e);
        if (fn(ctx, (const char *)sqlite3_column_text(st, 0), &e)) {
            sqlite3_reset(st);
            return bw__fail(err, BW_ERR_INTERRUPTED, "stopped");
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? BW_OK : bw__store_fail(s, err, "store: looking up a hash");
}

bw_status bw_store_check(bw_store *s, bw_error *err)
{
    sqlite3_stmt *st;
    bw_status r = bw__store_prepare(s, "PRAGMA integrity_check", &st, err);
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
        r = bw__store_prepare(s, "PRAGMA foreign_key_check", &st, err);
        if (r != BW_OK)
            return r;
        if (sqlite3_step(st) == SQLITE_ROW)
            r = bw__fail(err, BW_ERR_CORRUPT, "store integrity check: entries without a list");
        sqlite3_finalize(st);
    }
    return r;
}
