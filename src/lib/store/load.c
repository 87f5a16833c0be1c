/* load.c -- building the in-memory index from the store (store.h), the
 * same for every backend: each list gives sorted runs -- its PDQ hashes
 * in packed blocks when the backend keeps them (one read of 32-byte
 * hashes), else one run per kind of its entries -- and the runs of all the
 * chosen lists are merged, giving one id per distinct hash. All reads
 * happen in one read transaction: the index is a consistent snapshot even
 * while an import commits. */
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "store/store_internal.h"

/* One list's run: its cursor and the hash it is at (cur NULL: ended).
 * A block of n hashes is walked i = 0..n-1 before the next row. */
typedef struct run {
    bw__store_cursor c;
    const uint8_t *cur;
    bw__store_row row;
    uint64_t i;
} run;

/* Step r to its next hash of nb bytes; blocks: nb is 32 and a row holds
 * row.n of them, entries: a row is one hash. */
static bw_status advance(bw_store *s, run *r, int blocks, size_t nb, bw_error *err)
{
    if (r->cur && blocks && ++r->i < r->row.n) {
        r->cur = r->row.data + r->i * nb;
        return BW_OK;
    }
    for (;;) {
        int more = 0;
        bw_status st = s->be->next(&r->c, &r->row, &more, err);
        r->cur = NULL;
        if (st != BW_OK || !more)
            return st;
        s->rows_read += blocks ? r->row.n : 1;
        if (!blocks && r->row.len != nb)
            return bw__fail(err, BW_ERR_CORRUPT, "store: a stored hash has the wrong length");
        if (blocks && r->row.len != r->row.n * nb)
            return bw__fail(err, BW_ERR_CORRUPT, "store: a PDQ block has the wrong size");
        r->i = 0;
        if (!blocks || r->row.n) {
            r->cur = r->row.data;
            return BW_OK;
        }
    }
}

/* Merge the sorted runs of one kind from every list into the builder:
 * from the PDQ blocks when blocks is set, else from the entries. */
static bw_status merge(bw_store *s, const int64_t *ids, size_t nids, bw_hash_kind kind, int blocks,
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
        r = blocks ? s->be->pdq_blocks(s, ids[i], &runs[i].c, err)
                   : s->be->hashes(s, ids[i], kind, &runs[i].c, err);
        if (r == BW_OK)
            r = advance(s, &runs[i], blocks, nb, err);
    }
    while (r == BW_OK) {
        size_t best = nids;
        for (size_t i = 0; i < nids; i++)
            if (runs[i].cur && (best == nids || memcmp(runs[i].cur, runs[best].cur, nb) < 0))
                best = i;
        if (best == nids)
            break;
        if (!have_last || memcmp(last, runs[best].cur, nb) != 0) {
            memcpy(last, runs[best].cur, nb);
            have_last = 1;
            if ((r = bw_index_builder_add(b, kind, last, err)) != BW_OK)
                break;
        }
        r = advance(s, &runs[best], blocks, nb, err);
    }
    for (size_t i = 0; i < nids; i++)
        s->be->cursor_close(&runs[i].c);
    free(runs);
    return r;
}

/* Do the blocks of every list hold (at least) its PDQ entries? */
static int blocks_complete(bw_store *s, const int64_t *ids, const uint64_t *npdq, size_t nids)
{
    if (!s->be->pdq_blocks || !s->be->pdq_count)
        return 0;
    for (size_t i = 0; i < nids; i++) {
        uint64_t n = 0;
        /* blocks may hold more than the entries: a deleted entry's hash
         * stays in them (content.c), a candidate that resolves to nothing */
        if (s->be->pdq_count(s, ids[i], &n, NULL) != BW_OK || n < npdq[i])
            return 0;
    }
    return 1;
}

/* The lists the index is built from. */
typedef struct chosen {
    const char *const *lists;
    size_t nlists;
    const int64_t *known;           /* versions to leave out (sorted) */
    size_t nknown;
    unsigned char *found;           /* found[i]: lists[i] is in the store */
    int64_t *ids;
    uint64_t *npdq;
    size_t n, cap;
    uint64_t total[BW_HASH_KIND_COUNT];
} chosen;

/* Keep a list the caller named (all when it named none); a
 * bw__store_list_fn. */
static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int choose(void *ctx, int64_t id, const bw_list_info *li)
{
    chosen *c = ctx;
    int want = c->nlists == 0;
    for (size_t i = 0; i < c->nlists; i++)
        if (li->name && strcmp(c->lists[i], li->name) == 0)
            want = c->found[i] = 1;
    if (want && c->nknown && bsearch(&id, c->known, c->nknown, sizeof id, cmp_id))
        want = 0;
    if (!want)
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        int64_t *n = bw__realloc(c->ids, cap * sizeof *n);
        uint64_t *np = n ? bw__realloc(c->npdq, cap * sizeof *np) : NULL;
        if (n)
            c->ids = n;
        if (np)
            c->npdq = np;
        if (!n || !np)
            return 1;
        c->cap = cap;
    }
    c->npdq[c->n] = li->kinds[BW_HASH_PDQ];
    c->ids[c->n++] = id;
    for (int k = 0; k < BW_HASH_KIND_COUNT; k++)
        c->total[k] += li->kinds[k];
    return 0;
}

/* Every named list exists? */
static bw_status all_found(const chosen *c, bw_error *err)
{
    for (size_t i = 0; i < c->nlists; i++)
        if (!c->found[i])
            return bw__fail(err, BW_ERR_NOT_FOUND, "no list named '%s'", c->lists[i]);
    return BW_OK;
}

bw_status bw_store_build_index_versions(bw_store *s, const char *const *lists, size_t nlists,
                                        const int64_t *known, size_t nknown, int strict,
                                        const bw_index_opts *opts, bw_index **out, int64_t **ids,
                                        size_t *nids, bw_error *err)
{
    bw_status r;
    chosen c;
    bw_index_builder *b = NULL;
    *out = NULL;
    if (ids)
        *ids = NULL, *nids = 0;
    if (!s)
        return bw__fail(err, BW_ERR_ARG, "no store");
    memset(&c, 0, sizeof c);
    c.lists = lists;
    c.nlists = nlists;
    c.known = known;
    c.nknown = nknown;
    if (!(c.found = bw__calloc(nlists ? nlists : 1, 1)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if ((r = s->be->begin(s, BW__STORE_READ, err)) != BW_OK) {
        free(c.found);
        return r;
    }
    r = s->be->lists(s, NULL, choose, &c, err);
    if (r == BW_ERR_INTERRUPTED)
        r = bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if (r == BW_OK && strict)
        r = all_found(&c, err);
    if (r == BW_OK)
        r = bw_index_builder_new(&b, opts, err);
    for (int k = 0; k < BW_HASH_KIND_COUNT && r == BW_OK; k++) {
        if (k == BW_HASH_PDQ && c.total[k])
            r = bw_index_builder_reserve(b, BW_HASH_PDQ, (size_t)c.total[k], err);
        if (r == BW_OK && c.total[k])
            r = merge(s, c.ids, c.n, (bw_hash_kind)k,
                      k == BW_HASH_PDQ && blocks_complete(s, c.ids, c.npdq, c.n), b, err);
    }
    if (r == BW_OK) {
        r = bw_index_build(b, out, err);
        b = NULL;
    }
    bw_index_builder_free(b);
    free(c.found);
    if (r == BW_OK && ids) {
        if (c.n)
            qsort(c.ids, c.n, sizeof *c.ids, cmp_id);
        *ids = c.ids;
        *nids = c.n;
        c.ids = NULL;
    }
    free(c.ids);
    free(c.npdq);
    s->be->commit(s, NULL); /* ends the read transaction */
    return r;
}

bw_status bw_store_live_versions(bw_store *s, const char *const *lists, size_t nlists,
                                 int64_t **ids, size_t *n, bw_error *err)
{
    chosen c;
    bw_status r;
    *ids = NULL;
    *n = 0;
    memset(&c, 0, sizeof c);
    c.lists = lists;
    c.nlists = nlists;
    if (!(c.found = bw__calloc(nlists ? nlists : 1, 1)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if ((r = s->be->begin(s, BW__STORE_READ, err)) == BW_OK) {
        r = s->be->lists(s, NULL, choose, &c, err);
        if (r == BW_ERR_INTERRUPTED)
            r = bw__fail(err, BW_ERR_NOMEM, "out of memory");
        s->be->commit(s, NULL);
    }
    free(c.found);
    free(c.npdq);
    if (r != BW_OK) {
        free(c.ids);
        return r;
    }
    if (c.n)
        qsort(c.ids, c.n, sizeof *c.ids, cmp_id);
    *ids = c.ids;
    *n = c.n;
    return BW_OK;
}

bw_status bw_store_build_index(bw_store *s, const char *const *lists, size_t nlists,
                               const bw_index_opts *opts, bw_index **out, bw_error *err)
{
    return bw_store_build_index_versions(s, lists, nlists, NULL, 0, 1, opts, out, NULL, NULL, err);
}
