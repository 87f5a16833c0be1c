/* load.c -- building the in-memory index from the store (store.h): PDQ
 * hashes come from pdq_blocks (sorted, 4096 packed per row: one read of
 * 32-byte hashes), the other kinds from the entries primary key (also
 * sorted, one contiguous run per list and kind); the lists' sorted runs
 * are merged, giving one id per distinct hash. All reads happen in one read transaction: the index
 * is a consistent snapshot even while an import commits. */
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "store/store_internal.h"

typedef struct run {
    sqlite3_stmt *st;
    int live;
    uint8_t cur[BW_HASH_MAX_BYTES];
} run;

static bw_status advance(bw_store *s, run *r, size_t nb, bw_error *err)
{
    int rc = sqlite3_step(r->st);
    if (rc == SQLITE_ROW) {
        if ((size_t)sqlite3_column_bytes(r->st, 0) != nb)
            return bw__fail(err, BW_ERR_CORRUPT, "store: a stored hash has the wrong length");
        memcpy(r->cur, sqlite3_column_blob(r->st, 0), nb);
        r->live = 1;
        return BW_OK;
    }
    r->live = 0;
    return rc == SQLITE_DONE ? BW_OK : bw__store_fail(s, err, "store: reading hashes");
}

/* Merge the sorted runs of one kind from every list into the builder. */
static bw_status load_kind(bw_store *s, const int64_t *ids, size_t nids, bw_hash_kind kind,
                           bw_index_builder *b, bw_error *err)
{
    size_t nb = bw_hash_kind_bytes(kind);
    run *runs = bw__calloc(nids ? nids : 1, sizeof *runs);
    uint8_t last[BW_HASH_MAX_BYTES];
    int have_last = 0;
    bw_status r = BW_OK;
    if (!runs)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < nids && r == BW_OK; i++) {
        r = bw__store_prepare(s, "SELECT hash FROM entries WHERE list_id = ?1 AND kind = ?2 ORDER BY hash",
                              &runs[i].st, err);
        if (r != BW_OK)
            break;
        sqlite3_bind_int64(runs[i].st, 1, ids[i]);
        sqlite3_bind_int(runs[i].st, 2, (int)kind);
        r = advance(s, &runs[i], nb, err);
    }
    while (r == BW_OK) {
        size_t best = nids;
        for (size_t i = 0; i < nids; i++)
            if (runs[i].live && (best == nids || memcmp(runs[i].cur, runs[best].cur, nb) < 0))
                best = i;
        if (best == nids)
            break;
        if (!have_last || memcmp(last, runs[best].cur, nb) != 0) {
            memcpy(last, runs[best].cur, nb);
            have_last = 1;
            r = bw_index_builder_add(b, kind, last, err);
            if (r != BW_OK)
                break;
        }
        r = advance(s, &runs[best], nb, err);
    }
    for (size_t i = 0; i < nids; i++)
        sqlite3_finalize(runs[i].st);
    free(runs);
    return r;
}

/* A list's pdq_blocks, read block by block. */
typedef struct brun {
    sqlite3_stmt *st;
    const uint8_t *data;
    size_t n, i;
} brun;

static bw_status bnext(bw_store *s, brun *r, bw_error *err)
{
    if (++r->i < r->n)
        return BW_OK;
    for (;;) {
        int rc = sqlite3_step(r->st);
        if (rc == SQLITE_DONE) {
            r->data = NULL;
            return BW_OK;
        }
        if (rc != SQLITE_ROW)
            return bw__store_fail(s, err, "store: reading PDQ blocks");
        r->n = (size_t)sqlite3_column_int64(r->st, 0);
        r->i = 0;
        r->data = sqlite3_column_blob(r->st, 1);
        if ((size_t)sqlite3_column_bytes(r->st, 1) != r->n * 32)
            return bw__fail(err, BW_ERR_CORRUPT, "store: a PDQ block has the wrong size");
        if (r->n)
            return BW_OK;
    }
}

static bw_status load_pdq_blocks(bw_store *s, const int64_t *ids, size_t nids, bw_index_builder *b,
                                 bw_error *err)
{
    brun *runs = bw__calloc(nids ? nids : 1, sizeof *runs);
    uint8_t last[32];
    int have_last = 0;
    bw_status r = BW_OK;
    if (!runs)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < nids && r == BW_OK; i++) {
        r = bw__store_prepare(s, "SELECT n, data FROM pdq_blocks WHERE list_id = ?1 ORDER BY seq",
                              &runs[i].st, err);
        if (r != BW_OK)
            break;
        sqlite3_bind_int64(runs[i].st, 1, ids[i]);
        runs[i].i = 0;
        runs[i].n = 0;
        r = bnext(s, &runs[i], err);
    }
    while (r == BW_OK) {
        size_t best = nids;
        for (size_t i = 0; i < nids; i++)
            if (runs[i].data && (best == nids || memcmp(runs[i].data + runs[i].i * 32,
                                                        runs[best].data + runs[best].i * 32, 32) < 0))
                best = i;
        if (best == nids)
            break;
        const uint8_t *h = runs[best].data + runs[best].i * 32;
        if (!have_last || memcmp(last, h, 32) != 0) {
            memcpy(last, h, 32);
            have_last = 1;
            bw_pdq p;
            bw_pdq_unpack(h, &p);
            if ((r = bw_index_builder_add_pdq(b, &p, err)) != BW_OK)
                break;
        }
        r = bnext(s, &runs[best], err);
    }
    for (size_t i = 0; i < nids; i++)
        sqlite3_finalize(runs[i].st);
    free(runs);
    return r;
}

/* Do the blocks of every list hold exactly its PDQ entries? */
static int blocks_complete(bw_store *s, const int64_t *ids, const uint64_t *npdq, size_t nids)
{
    sqlite3_stmt *st;
    int ok = 1;
    if (sqlite3_prepare_v2(s->db, "SELECT coalesce(sum(n), 0) FROM pdq_blocks WHERE list_id = ?1", -1,
                           &st, NULL) != SQLITE_OK)
        return 0;
    for (size_t i = 0; i < nids && ok; i++) {
        sqlite3_bind_int64(st, 1, ids[i]);
        ok = sqlite3_step(st) == SQLITE_ROW && (uint64_t)sqlite3_column_int64(st, 0) == npdq[i];
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return ok;
}

bw_status bw_store_build_index(bw_store *s, const char *const *lists, size_t nlists,
                               const bw_index_opts *opts, bw_index **out, bw_error *err)
{
    bw_status r;
    int64_t *ids = NULL;
    uint64_t *npdq = NULL;
    size_t nids = 0;
    sqlite3_stmt *st = NULL;
    bw_index_builder *b = NULL;
    uint64_t total[BW_HASH_KIND_COUNT] = {0};
    *out = NULL;
    if (!s)
        return bw__fail(err, BW_ERR_ARG, "no store");
    if ((r = bw__store_exec(s, "BEGIN", err)) != BW_OK)
        return r;
    if ((r = bw__store_prepare(s, "SELECT id, name, n_pdq, n_md5, n_sha1, n_sha256 FROM lists "
                                  "WHERE live = 1 ORDER BY name",
                               &st, err)) != BW_OK)
        goto done;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 1);
        int want = nlists == 0;
        for (size_t i = 0; i < nlists && !want; i++)
            want = name && strcmp(lists[i], name) == 0;
        if (!want)
            continue;
        if (nids == cap) {
            cap = cap ? cap * 2 : 8;
            int64_t *n = bw__realloc(ids, cap * sizeof *ids);
            uint64_t *np = n ? bw__realloc(npdq, cap * sizeof *npdq) : NULL;
            if (n)
                ids = n;
            if (np)
                npdq = np;
            if (!n || !np) {
                r = bw__fail(err, BW_ERR_NOMEM, "out of memory");
                goto done;
            }
        }
        npdq[nids] = (uint64_t)sqlite3_column_int64(st, 2);
        ids[nids++] = sqlite3_column_int64(st, 0);
        for (int k = 0; k < BW_HASH_KIND_COUNT; k++)
            total[k] += (uint64_t)sqlite3_column_int64(st, 2 + k);
    }
    if (rc != SQLITE_DONE) {
        r = bw__store_fail(s, err, "store: listing lists");
        goto done;
    }
    /* every named list must exist */
    for (size_t i = 0; i < nlists; i++) {
        if (bw__store_list_id(s, lists[i]) == -1) {
            r = bw__fail(err, BW_ERR_NOT_FOUND, "no list named '%s'", lists[i]);
            goto done;
        }
    }
    if ((r = bw_index_builder_new(&b, opts, err)) != BW_OK)
        goto done;
    for (int k = 0; k < BW_HASH_KIND_COUNT && r == BW_OK; k++) {
        if (k == BW_HASH_PDQ && total[k])
            r = bw_index_builder_reserve(b, BW_HASH_PDQ, (size_t)total[k], err);
        if (r == BW_OK && total[k]) {
            if (k == BW_HASH_PDQ && blocks_complete(s, ids, npdq, nids))
                r = load_pdq_blocks(s, ids, nids, b, err);
            else
                r = load_kind(s, ids, nids, (bw_hash_kind)k, b, err);
        }
    }
    if (r == BW_OK) {
        r = bw_index_build(b, out, err);
        b = NULL;
    }
done:
    sqlite3_finalize(st);
    bw_index_builder_free(b);
    free(ids);
    free(npdq);
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    return r;
}
