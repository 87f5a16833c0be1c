/* writer.c -- writing one version of a list atomically (store.h).
 *
 * bw_store_list_begin() opens one write transaction. Entries stream into a
 * scratch table (a plain append, so 10 million lines cost little memory
 * and no random B-tree work); at commit they are copied into `entries` in
 * (kind, hash) order, which makes the B-tree inserts sequential and puts
 * repeats side by side so that INSERT OR IGNORE keeps the first of each and
 * the difference in counts is the number of duplicates. Then the previous
 * live version of the name is deleted (its entries go by ON DELETE
 * CASCADE), the new one goes live, and the transaction commits. Until that
 * COMMIT nothing is visible; a crash or kill -9 before it rolls back. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bulwark/text.h"
#include "core/internal.h"
#include "store/store_internal.h"

struct bw_list_writer {
    bw_store *s;
    int64_t id;
    uint64_t added, skipped;
    sqlite3_stmt *ins;
};

bw_status bw_store_list_begin(bw_store *s, const char *name, const char *source,
                              bw_list_writer **out, bw_error *err)
{
    bw_status r;
    sqlite3_stmt *st = NULL;
    *out = NULL;
    if (!s || !name || !*name)
        return bw__fail(err, BW_ERR_ARG, "a list needs a name");
    if (strlen(name) > 200)
        return bw__fail(err, BW_ERR_ARG, "list name too long (max 200 bytes)");
    if (!bw_text_printable(name, strlen(name)))
        return bw__fail(err, BW_ERR_ARG,
                        "a list name is printable UTF-8 without control characters");
    if (s->readonly)
        return bw__fail(err, BW_ERR_ARG, "store opened read-only");
    bw_list_writer *w = bw__calloc(1, sizeof *w);
    if (!w)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    w->s = s;
    if ((r = bw__store_exec(s, "BEGIN IMMEDIATE", err)) != BW_OK) {
        free(w);
        return r;
    }
    r = bw__store_exec(s,
                       "CREATE TEMP TABLE IF NOT EXISTS bw_import("
                       "  kind INTEGER, hash BLOB, label TEXT, category TEXT, added_at INTEGER);"
                       "DELETE FROM temp.bw_import;",
                       err);
    if (r != BW_OK)
        goto fail;
    if ((r = bw__store_prepare(s, "INSERT INTO lists(name, source, imported_at, live) "
                                  "VALUES (?1, ?2, ?3, 0)",
                               &st, err)) != BW_OK)
        goto fail;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (source)
        sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
    if (sqlite3_step(st) != SQLITE_DONE) {
        r = bw__store_fail(s, err, "store: creating list");
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    w->id = sqlite3_last_insert_rowid(s->db);
    if ((r = bw__store_prepare(s, "INSERT INTO temp.bw_import VALUES (?1, ?2, ?3, ?4, ?5)", &w->ins,
                               err)) != BW_OK)
        goto fail;
    *out = w;
    return BW_OK;
fail:
    sqlite3_finalize(st);
    bw_list_writer_abort(w);
    return r;
}

bw_status bw_list_writer_add(bw_list_writer *w, const bw_entry *e, bw_error *err)
{
    size_t nb = bw_hash_kind_bytes(e->kind);
    if (!nb)
        return bw__fail(err, BW_ERR_ARG, "invalid hash kind");
    sqlite3_stmt *st = w->ins;
    sqlite3_bind_int(st, 1, (int)e->kind);
    sqlite3_bind_blob(st, 2, e->hash, (int)nb, SQLITE_STATIC);
    if (e->label)
        sqlite3_bind_text(st, 3, e->label, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    if (e->category)
        sqlite3_bind_text(st, 4, e->category, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 4);
    if (e->added_at)
        sqlite3_bind_int64(st, 5, e->added_at);
    else
        sqlite3_bind_null(st, 5);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return bw__store_fail(w->s, err, "store: adding an entry");
    w->added++;
    return BW_OK;
}

void bw_list_writer_set_skipped(bw_list_writer *w, uint64_t skipped)
{
    if (w)
        w->skipped = skipped;
}

static bw_status step_id(bw_store *s, const char *sql, int64_t id, const char *what,
                         bw_error *err)
{
    sqlite3_stmt *st;
    bw_status r = bw__store_prepare(s, sql, &st, err);
    if (r != BW_OK)
        return r;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? BW_OK : bw__store_fail(s, err, what);
}

bw_status bw_list_writer_commit(bw_list_writer *w, bw_list_info *info, bw_error *err)
{
    bw_store *s = w->s;
    bw_status r;
    sqlite3_stmt *st = NULL;
    sqlite3_finalize(w->ins);
    w->ins = NULL;
    r = step_id(s,
                "INSERT OR IGNORE INTO entries(list_id, kind, hash, label, category, added_at) "
                "SELECT ?1, kind, hash, label, category, added_at FROM temp.bw_import "
                "ORDER BY kind, hash, rowid",
                w->id, "store: writing entries", err);
    if (r != BW_OK)
        goto fail;
    uint64_t stored = (uint64_t)sqlite3_changes64(s->db);
    if ((r = bw__store_pack_pdq(s, w->id, err)) != BW_OK)
        goto fail;
    /* per-kind counts of the new version */
    uint64_t kinds[BW_HASH_KIND_COUNT] = {0};
    if ((r = bw__store_prepare(s, "SELECT kind, count(*) FROM entries WHERE list_id = ?1 GROUP BY kind",
                               &st, err)) != BW_OK)
        goto fail;
    sqlite3_bind_int64(st, 1, w->id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int k = sqlite3_column_int(st, 0);
        if (k >= 0 && k < BW_HASH_KIND_COUNT)
            kinds[k] = (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    st = NULL;
    /* drop the previous live version, then make this one live */
    if ((r = step_id(s,
                     "DELETE FROM lists WHERE live = 1 AND name = (SELECT name FROM lists WHERE id = ?1)",
                     w->id, "store: replacing the previous version", err)) != BW_OK)
        goto fail;
    if ((r = bw__store_prepare(s,
                               "UPDATE lists SET live = 1, entries = ?2, duplicates = ?3, skipped = ?4,"
                               " n_pdq = ?5, n_md5 = ?6, n_sha1 = ?7, n_sha256 = ?8 WHERE id = ?1",
                               &st, err)) != BW_OK)
        goto fail;
    sqlite3_bind_int64(st, 1, w->id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)stored);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)(w->added - stored));
    sqlite3_bind_int64(st, 4, (sqlite3_int64)w->skipped);
    for (int k = 0; k < BW_HASH_KIND_COUNT; k++)
        sqlite3_bind_int64(st, 5 + k, (sqlite3_int64)kinds[k]);
    if (sqlite3_step(st) != SQLITE_DONE) {
        r = bw__store_fail(s, err, "store: publishing the list");
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    if ((r = bw__store_exec(s, "DELETE FROM temp.bw_import", err)) != BW_OK)
        goto fail;
    if ((r = bw__store_exec(s, "COMMIT", err)) != BW_OK)
        goto fail;
    if (info) {
        memset(info, 0, sizeof *info);
        info->entries = stored;
        info->duplicates = w->added - stored;
        info->skipped = w->skipped;
        memcpy(info->kinds, kinds, sizeof kinds);
    }
    free(w);
    return BW_OK;
fail:
    sqlite3_finalize(st);
    bw_list_writer_abort(w);
    return r;
}

bw_status bw__store_pack_pdq(bw_store *s, int64_t id, bw_error *err)
{
    sqlite3_stmt *rd = NULL, *wr = NULL;
    uint8_t *buf = bw__malloc((size_t)BW__PDQ_BLOCK * 32);
    size_t n = 0;
    int64_t seq = 0;
    int rc;
    bw_status r = BW_OK;
    if (!buf)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if ((r = step_id(s, "DELETE FROM pdq_blocks WHERE list_id = ?1", id, "store: packing", err)) !=
            BW_OK ||
        (r = bw__store_prepare(s, "SELECT hash FROM entries WHERE list_id = ?1 AND kind = 0 ORDER BY hash",
                               &rd, err)) != BW_OK ||
        (r = bw__store_prepare(s, "INSERT INTO pdq_blocks(list_id, seq, n, data) VALUES (?1, ?2, ?3, ?4)",
                               &wr, err)) != BW_OK)
        goto done;
    sqlite3_bind_int64(rd, 1, id);
    for (;;) {
        rc = sqlite3_step(rd);
        if (rc == SQLITE_ROW && sqlite3_column_bytes(rd, 0) == 32) {
            memcpy(buf + n * 32, sqlite3_column_blob(rd, 0), 32);
            n++;
        } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            r = bw__store_fail(s, err, "store: packing PDQ hashes");
            goto done;
        }
        if (n == BW__PDQ_BLOCK || (rc == SQLITE_DONE && n > 0)) {
            sqlite3_bind_int64(wr, 1, id);
            sqlite3_bind_int64(wr, 2, seq++);
            sqlite3_bind_int64(wr, 3, (sqlite3_int64)n);
            sqlite3_bind_blob(wr, 4, buf, (int)(n * 32), SQLITE_STATIC);
            int wrc = sqlite3_step(wr);
            sqlite3_reset(wr);
            if (wrc != SQLITE_DONE) {
                r = bw__store_fail(s, err, "store: packing PDQ hashes");
                goto done;
            }
            n = 0;
        }
        if (rc == SQLITE_DONE)
            break;
    }
done:
    sqlite3_finalize(rd);
    sqlite3_finalize(wr);
    free(buf);
    return r;
}

void bw_list_writer_abort(bw_list_writer *w)
{
    if (!w)
        return;
    sqlite3_finalize(w->ins);
    if (!sqlite3_get_autocommit(w->s->db))
        sqlite3_exec(w->s->db, "ROLLBACK", NULL, NULL, NULL);
    free(w);
}
