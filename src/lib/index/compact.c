/* compact.c -- the COMPACT layout of the PDQ part of an index: no copy of
 * the hashes, and no ids in the tables.
 *
 * Every table groups the hashes by a key -- its part p and the top g bits
 * of part p - 1 -- and an entry holds the hash's next part (as in the FAST
 * layout, for the check of query.c) and a link: the rank of the same hash
 * within its group of table p + 1. From an entry of table p the key of the
 * same hash in table p + 1 is known (its part p + 1 is the entry's next
 * part; the top bits of part p are the group's), so the link leads to that
 * entry, whose next part is part p + 2, and so on: 15 hops read the whole
 * hash back. Table 15 is ordered by its key and then by id, so the ids of
 * hashes added in that order (a store's hashes, sorted by their bytes) are
 * their positions in table 15; otherwise `perm` and `where` map the two.
 *
 * g (0-3) is chosen per index to make groups small enough for short links:
 * a link needs as many bits as the largest group, and a finer key costs a
 * larger directory. At 10 million random hashes: g = 1, 7-bit links,
 * 16 x (2 bytes + 7 bits) + directories = about 47 bytes per hash.
 *
 * An entry that passes the next-part check is followed hop by hop, all
 * such entries of a lookup together (one memory read each per round, all
 * in flight at once). After each hop the walk knows one more part, and it
 * stops as soon as
 *   - the distance so far exceeds D;
 *   - its start s fails the cycle lemma's third prefix,
 *     d_s + d_s+1 + d_s+2 <= t_s + t_s+1 + t_s+2 + 2 (a random entry that
 *     passed the check nearly always fails here, after one hop);
 *   - some later start j > s meets the same three conditions: the hash is
 *     then reported by the walk from the largest such start, so each hash
 *     is reported once.
 * A start meeting all prefixes exists for every hash within D (query.c),
 * and that start meets the three conditions, so nothing is missed.
 *
 * Building: the hashes are first turned into 16 columns of their parts,
 * the rows' pages given back as they are copied, and a column is freed as
 * soon as the three tables that read it (p - 1, p, p + 1) are built, so
 * that the hashes (32 bytes each) and the tables (about 46) are never all
 * in memory at once: the peak is about 1.3x the finished index, not 1.9x. */
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "index/index_internal.h"

static int bits_for(uint64_t v)
{
    int b = 1;
    while (b < 32 && (v >> b))
        b++;
    return b;
}

bw_status bw__compact_plan(bw_index *ix, bw_error *err)
{
    size_t n = ix->n, K3 = (size_t)1 << 19;
    uint32_t *h = bw__malloc(K3 * sizeof *h);
    uint64_t maxg[4] = {0, 0, 0, 0};
    if (!h)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory building the index");
    for (int p = 0; p < BW__PARTS; p++) {
        memset(h, 0, K3 * sizeof *h);
        for (size_t i = 0; i < n; i++)
            h[bw__key(&ix->pdq[i], p, 3)]++;
        /* the largest group at g = 3, then merge neighbours for g = 2, 1, 0 */
        for (int g = 3; g >= 0; g--) {
            size_t K = (size_t)1 << (16 + g);
            for (size_t k = 0; k < K; k++)
                if (h[k] > maxg[g])
                    maxg[g] = h[k];
            if (g)
                for (size_t k = 0; k < K / 2; k++)
                    h[k] = h[2 * k] + h[2 * k + 1];
        }
    }
    free(h);
    double best = 0;
    for (int g = 0; g <= 3; g++) {
        int lb = bits_for(maxg[g] ? maxg[g] - 1 : 0);
        double bytes = (double)BW__PARTS * ((double)n * lb / 8 + 2.0 * (double)((size_t)1 << (16 + g)));
        if (g == 0 || bytes < best) {
            best = bytes;
            ix->g = g;
            ix->link_bits = lb;
        }
    }
    return BW_OK;
}

static inline void id_put(uint8_t *a, size_t i, uint32_t v, int idbytes)
{
    memcpy(a + i * (size_t)idbytes, &v, (size_t)idbytes); /* little-endian bytes */
}

bw_status bw__compact_ids(bw_index *ix, size_t *memory, bw_error *err)
{
    size_t n = ix->n, K = (size_t)1 << (16 + ix->g);
    const bw__part_table *tb = &ix->t[BW__PARTS - 1];
    int sorted = 1;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = bw__key_col(ix->col, i - 1, BW__PARTS - 1, ix->g) <=
                 bw__key_col(ix->col, i, BW__PARTS - 1, ix->g);
    if (sorted)
        return BW_OK; /* id = position in table 15 */
    size_t bytes = n * (size_t)ix->idbytes + 8;
    uint32_t *cur = bw__malloc(K * sizeof *cur);
    ix->perm = bw__index_alloc(bytes);
    ix->where = bw__index_alloc(bytes);
    if (!cur || !ix->perm || !ix->where) {
        free(cur);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory building the index (%zu hashes)", n);
    }
    *memory += 2 * bytes;
    memset(ix->perm + bytes - 8, 0, 8);
    memset(ix->where + bytes - 8, 0, 8);
    for (size_t k = 0; k < K; k++)
        cur[k] = bw__dir(tb, (uint32_t)k);
    for (size_t i = 0; i < n; i++) {
        uint32_t e = cur[bw__key_col(ix->col, i, BW__PARTS - 1, ix->g)]++;
        id_put(ix->perm, e, (uint32_t)i, ix->idbytes);
        id_put(ix->where, i, e, ix->idbytes);
    }
    free(cur);
    return BW_OK;
}

/* Position in table tb+1 of the hash at entry e of table tb whose parts p
 * and p + 1 are known. */
static inline uint32_t hop(const bw_index *ix, int p, uint32_t e, unsigned part_p, unsigned part_pn)
{
    const bw__part_table *tn = &ix->t[(p + 1) % BW__PARTS];
    uint32_t key = (part_pn << ix->g) | (ix->g ? part_p >> (16 - ix->g) : 0);
    return bw__dir(tn, key) + bw__bits_get(ix->t[p].link, (uint64_t)e * (uint64_t)ix->link_bits,
                                           ix->link_bits);
}

bw_status bw__compact_get(const bw_index *ix, uint32_t id, bw_pdq *out)
{
    const int last = BW__PARTS - 1;
    const bw__part_table *tb = &ix->t[last];
    uint32_t pos = ix->where ? bw__read_id(ix->where, id, ix->idbytes) : id;
    uint32_t lo = 0, hi = (uint32_t)1 << (16 + ix->g); /* the group holding pos */
    unsigned part[BW__PARTS];
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (bw__dir(tb, mid) <= pos)
            lo = mid;
        else
            hi = mid;
    }
    part[last] = lo >> ix->g;
    uint32_t e = pos;
    for (int p = last, k = 0; k < BW__PARTS - 1; k++) {
        int pn = (p + 1) % BW__PARTS;
        part[pn] = ix->t[p].next[e];
        if (k < BW__PARTS - 2)
            e = hop(ix, p, e, part[p], part[pn]);
        p = pn;
    }
    memset(out, 0, sizeof *out);
    for (int p = 0; p < BW__PARTS; p++)
        out->w[p >> 2] |= (uint64_t)part[p] << ((p & 3) * 16);
    return BW_OK;
}

/* Every hash, in table 15's order: a batch of positions walked 15 hops
 * in lockstep (each hop's reads prefetched for the whole batch), the
 * group of each position found by stepping through the directory. */
#define EACH_BATCH 4096
bw_status bw__compact_each(const bw_index *ix, bw_index_pdq_fn fn, void *ctx, bw_error *err)
{
    const int last = BW__PARTS - 1;
    const bw__part_table *tb = &ix->t[last];
    const uint32_t nkeys = (uint32_t)1 << (16 + ix->g);
    uint16_t(*part)[BW__PARTS] = bw__malloc(EACH_BATCH * sizeof *part);
    uint32_t *e = bw__malloc(EACH_BATCH * sizeof *e);
    bw_pdq *out = bw__malloc(EACH_BATCH * sizeof *out);
    bw_status st = BW_OK;
    uint32_t key = 0;
    if (!part || !e || !out) {
        st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t start = 0; start < ix->n && st == BW_OK; start += EACH_BATCH) {
        size_t m = ix->n - start < EACH_BATCH ? ix->n - start : EACH_BATCH;
        for (size_t i = 0; i < m; i++) {
            uint32_t pos = (uint32_t)(start + i);
            while (key + 1 < nkeys && bw__dir(tb, key + 1) <= pos)
                key++;
            e[i] = pos;
            part[i][last] = (uint16_t)(key >> ix->g);
        }
        for (int p = last, k = 0; k < BW__PARTS - 1; k++) {
            int pn = (p + 1) % BW__PARTS;
            for (size_t i = 0; i < m; i++)
                part[i][pn] = ix->t[p].next[e[i]];
            if (k < BW__PARTS - 2) {
                const bw__part_table *tn = &ix->t[pn];
                for (size_t i = 0; i < m; i++) {
                    e[i] = hop(ix, p, e[i], part[i][p], part[i][pn]);
                    __builtin_prefetch(&tn->next[e[i]]);
                    __builtin_prefetch(tn->link + (((uint64_t)e[i] * (uint64_t)ix->link_bits) >> 3));
                }
            }
            p = pn;
        }
        for (size_t i = 0; i < m; i++) {
            memset(&out[i], 0, sizeof out[i]);
            for (int p = 0; p < BW__PARTS; p++)
                out[i].w[p >> 2] |= (uint64_t)part[i][p] << ((p & 3) * 16);
        }
        if (fn(ctx, out, m))
            st = BW_ERR_INTERRUPTED;
    }
done:
    free(part);
    free(e);
    free(out);
    return st;
}

/* ---------------- following the entries that passed ---------------- */

typedef struct walk {
    uint32_t pos;     /* entry in table p (after phase B) */
    uint32_t key;     /* between the phases: key of the group in table p */
    uint32_t pos15;   /* position in table 15, once passed */
    uint16_t part[BW__PARTS];
    int8_t d[BW__PARTS];
    int16_t dsum;
    uint8_t p, s, known;
} walk;

/* The cycle lemma's first three prefixes from start j (parts j..j+2 known). */
static inline __attribute__((always_inline)) int cond3(const int8_t *d, const int *t, int j)
{
    int j1 = (j + 1) % BW__PARTS, j2 = (j + 2) % BW__PARTS;
    return d[j] <= t[j] && d[j] + d[j1] <= t[j] + t[j1] + 1 &&
           d[j] + d[j1] + d[j2] <= t[j] + t[j1] + t[j2] + 2;
}

static inline __attribute__((always_inline)) bw_status
verify(const bw_index *ix, int d, const int *t, const unsigned *qp, size_t n, const uint8_t *ps,
       const uint32_t *pe, const uint16_t *pv, bw_index_hits *hits, bw_error *err)
{
    walk *w = bw__malloc(n * sizeof *w);
    uint32_t *act = bw__malloc(n * sizeof *act);
    size_t na = 0;
    bw_status st = BW_OK;
    if (!w || !act) {
        free(w);
        free(act);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory for a lookup");
    }
    for (size_t i = 0; i < n; i++) {
        walk *x = &w[i];
        int s = ps[i];
        x->p = x->s = (uint8_t)s;
        x->pos = pe[i];
        x->part[s] = pv[i];
        x->d[s] = (int8_t)__builtin_popcount(pv[i] ^ qp[s]);
        x->dsum = x->d[s];
        x->known = 1;
        __builtin_prefetch(&ix->t[s].next[x->pos]);
        act[na++] = (uint32_t)i;
    }
    while (na && st == BW_OK) {
        size_t nb = 0;
        /* phase A: read the entry, learn the next part, check, and find
         * the key of the same hash's group in the next table */
        for (size_t a = 0; a < na; a++) {
            walk *x = &w[act[a]];
            int p = x->p, pn = (p + 1) % BW__PARTS, s = x->s;
            unsigned nx = ix->t[p].next[x->pos];
            if (p == BW__PARTS - 1)
                x->pos15 = x->pos;
            x->part[pn] = (uint16_t)nx;
            x->d[pn] = (int8_t)__builtin_popcount(nx ^ qp[pn]);
            x->dsum = (int16_t)(x->dsum + x->d[pn]);
            x->known++;
            if (x->dsum > d)
                continue;
            if (x->known == 3 && !cond3(x->d, t, s))
                continue;
            if (x->known >= 4) {
                int j = (pn + BW__PARTS - 2) % BW__PARTS; /* parts j..j+2 now known */
                if (j > s && cond3(x->d, t, j))
                    continue;
            }
            if (x->known == BW__PARTS) {
                int j1 = (s + 14) % BW__PARTS, j2 = (s + 15) % BW__PARTS;
                if ((j1 > s && cond3(x->d, t, j1)) || (j2 > s && cond3(x->d, t, j2)))
                    continue;
                if (s == 0) /* table 15 not visited: its position is one hop on */
                    x->pos15 = hop(ix, p, x->pos, x->part[p], nx);
                if ((st = bw__hits_reserve(hits, 1, err)) != BW_OK)
                    break;
                bw_index_hit *h = &hits->v[hits->n++];
                h->id = ix->perm ? bw__read_id(ix->perm, x->pos15, ix->idbytes) : x->pos15;
                h->distance = (uint16_t)x->dsum;
                h->orientation = 0;
                h->kind = BW_HASH_PDQ;
                continue;
            }
            x->key = ((uint32_t)nx << ix->g) | (ix->g ? x->part[p] >> (16 - ix->g) : 0);
            x->pos = bw__bits_get(ix->t[p].link, (uint64_t)x->pos * (uint64_t)ix->link_bits,
                                  ix->link_bits);
            x->p = (uint8_t)pn;
            __builtin_prefetch(&ix->t[pn].drel[x->key]);
            act[nb++] = act[a];
        }
        na = nb;
        /* phase B: the group's start, then prefetch the entry */
        for (size_t a = 0; a < na; a++) {
            walk *x = &w[act[a]];
            const bw__part_table *tb = &ix->t[x->p];
            x->pos += bw__dir(tb, x->key);
            __builtin_prefetch(&tb->next[x->pos]);
            __builtin_prefetch(tb->link + (((uint64_t)x->pos * (uint64_t)ix->link_bits) >> 3));
        }
    }
    free(w);
    free(act);
    return st;
}

/* The same compiled with the POPCNT instruction and without, picked at
 * run time. */
#if defined(__x86_64__)
__attribute__((target("popcnt"))) static bw_status
verify_popcnt(const bw_index *ix, int d, const int *t, const unsigned *qp, size_t n,
              const uint8_t *ps, const uint32_t *pe, const uint16_t *pv, bw_index_hits *hits,
              bw_error *err)
{
    return verify(ix, d, t, qp, n, ps, pe, pv, hits, err);
}
#endif

bw_status bw__compact_verify(const bw_index *ix, int d, const int *t, const unsigned *qp,
                             size_t n, const uint8_t *ps, const uint32_t *pe, const uint16_t *pv,
                             bw_index_hits *hits, bw_error *err)
{
#if defined(__x86_64__)
    if (__builtin_cpu_supports("popcnt"))
        return verify_popcnt(ix, d, t, qp, n, ps, pe, pv, hits, err);
#endif
    return verify(ix, d, t, qp, n, ps, pe, pv, hits, err);
}
