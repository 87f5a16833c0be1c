/* query.c -- answering lookups on a built bw_index: the multi-index probe,
 * the choice between probing and scanning per query, dihedral lookups, and
 * the small accessors.
 *
 * Why the tables find every hash within d, and why they read so little.
 * Cut the 256 bits into 16 parts of 16 bits; let d_p be the distance of
 * part p of a hash to the query's, and give each probed part a threshold
 * t_p (unprobed parts t_p = -1) with sum(t_p + 1) >= d + 1
 * (bw__thresholds). Write e_p = t_p + 1 - d_p: for a hash within d,
 * sum(e_p) >= 1. By the cycle lemma, some starting part s has every
 * cyclic prefix sum e_s + e_s+1 + ... positive, so in particular
 *
 *     d_s <= t_s   and   d_s + d_s+1 <= t_s + t_s+1 + 1.
 *
 * The first says the hash is in one of the groups of table s whose value
 * is within t_s of the query's part (pigeonhole: at d = 31, t = 1 for all
 * 16 parts, 17 groups per table, 272 groups in all). The second is checked
 * on the entry itself, which carries its hash's part s+1: a random entry
 * passes with probability under 1% (16 bits within 2 or 3), so nearly no
 * hash is fetched that is not a match. A hash that passes is fetched and
 * compared whole, and is reported only by the first part s for which both
 * conditions hold, so each hash is reported once.
 *
 * The work is staged so that many memory reads are in flight at once: the
 * directory entries of a chunk of groups are prefetched, then the groups'
 * runs are read with prefetch a few runs ahead, then the ids of the
 * entries that passed, then their hashes. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "index/index_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define RUN_CHUNK 256     /* groups whose directory entries are read together */
#define PASS_CHUNK 1024   /* entries that passed, verified together */
#define AHEAD_RUNS 8      /* runs prefetched ahead */
#define AHEAD_IDS 32      /* ids prefetched ahead */
#define RUN_PREFETCH_LINES 8

#define BW__INLINE static inline __attribute__((always_inline))

/* All 16-bit masks, by number of bits set: the values within r of a part
 * are its XOR with the first ball(16, r) of them. */
static uint16_t g_masks[BW__PART_KEYS];
static uint32_t g_upto[18]; /* g_upto[w]: masks with fewer than w bits */
static pthread_once_t g_masks_once = PTHREAD_ONCE_INIT;

static void masks_init(void)
{
    uint32_t at[18] = {0};
    for (uint32_t m = 0; m < BW__PART_KEYS; m++)
        at[__builtin_popcount(m) + 1]++;
    for (int w = 1; w < 18; w++)
        at[w] += at[w - 1];
    memcpy(g_upto, at, sizeof g_upto);
    for (uint32_t m = 0; m < BW__PART_KEYS; m++)
        g_masks[at[__builtin_popcount(m)]++] = (uint16_t)m;
}

/* A group to read: table (part), value, and how far the next part of an
 * entry may be from the query's (16 = any). */
typedef struct run {
    uint32_t lo, hi;
    uint16_t v;       /* the value of part p */
    uint8_t p, bound;
} run;

typedef struct lookup {
    const bw_index *ix;
    const bw_pdq *q;
    int d;
    int t[BW__PARTS];
    unsigned qp[BW__PARTS];
    run runs[RUN_CHUNK];
    size_t nr;
    uint32_t pe[PASS_CHUNK];  /* entries that passed */
    uint8_t pp[PASS_CHUNK];   /* ... their table */
    uint16_t pv[PASS_CHUNK];  /* ... and its part's value */
    uint32_t pid[PASS_CHUNK];
    size_t np;
    bw_index_hits *hits;
} lookup;

BW__INLINE int dist256(const bw_pdq *a, const bw_pdq *b)
{
    return __builtin_popcountll(a->w[0] ^ b->w[0]) + __builtin_popcountll(a->w[1] ^ b->w[1]) +
           __builtin_popcountll(a->w[2] ^ b->w[2]) + __builtin_popcountll(a->w[3] ^ b->w[3]);
}

/* Is part s the first for which h meets both conditions? */
BW__INLINE int first_part(const lookup *L, const bw_pdq *h, int s)
{
    int dnext = __builtin_popcount(bw__part(h, 0) ^ L->qp[0]);
    for (int j = 0; j < s; j++) {
        int dj = dnext;
        dnext = __builtin_popcount(bw__part(h, j + 1) ^ L->qp[j + 1]);
        if (dj <= L->t[j] && dj + dnext <= L->t[j] + L->t[j + 1] + 1)
            return 0;
    }
    return 1;
}

/* Fetch the ids, then the hashes, of the entries that passed; report the
 * matches. */
BW__INLINE bw_status flush_passed(lookup *L, bw_error *err)
{
    const bw_index *ix = L->ix;
    size_t np = L->np, ib = (size_t)ix->idbytes;
    if (ix->layout == BW_INDEX_COMPACT) {
        L->np = 0;
        return bw__compact_verify(ix, L->d, L->t, L->qp, np, L->pp, L->pe, L->pv, L->hits, err);
    }
    for (size_t i = 0; i < np && i < AHEAD_IDS; i++)
        __builtin_prefetch(ix->t[L->pp[i]].ids + L->pe[i] * ib);
    for (size_t i = 0; i < np; i++) {
        if (i + AHEAD_IDS < np)
            __builtin_prefetch(ix->t[L->pp[i + AHEAD_IDS]].ids + L->pe[i + AHEAD_IDS] * ib);
        L->pid[i] = bw__entry_id(ix, &ix->t[L->pp[i]], L->pe[i]);
        __builtin_prefetch(&ix->pdq[L->pid[i]]);
    }
    for (size_t i = 0; i < np; i++) {
        const bw_pdq *h = &ix->pdq[L->pid[i]];
        int dist = dist256(h, L->q);
        if (dist > L->d || !first_part(L, h, L->pp[i]))
            continue;
        bw_status st = bw__hits_reserve(L->hits, 1, err);
        if (st != BW_OK)
            return st;
        bw_index_hit *hit = &L->hits->v[L->hits->n++];
        hit->id = L->pid[i];
        hit->distance = (uint16_t)dist;
        hit->orientation = 0;
        hit->kind = BW_HASH_PDQ;
    }
    L->np = 0;
    return BW_OK;
}

BW__INLINE bw_status pass(lookup *L, uint32_t e, const run *r, bw_error *err)
{
    L->pe[L->np] = e;
    L->pp[L->np] = r->p;
    L->pv[L->np] = r->v;
    if (++L->np == PASS_CHUNK)
        return flush_passed(L, err);
    return BW_OK;
}

/* Check the entries of one run: next part within the bound. */
BW__INLINE bw_status check_run(lookup *L, const run *r, bw_error *err)
{
    const uint16_t *next = L->ix->t[r->p].next;
    unsigned qn = L->qp[(r->p + 1) % BW__PARTS];
    bw_status st;
    for (uint32_t e = r->lo; e < r->hi; e++)
        if (__builtin_popcount(next[e] ^ qn) <= r->bound && (st = pass(L, e, r, err)) != BW_OK)
            return st;
    return BW_OK;
}

#if defined(__x86_64__)
/* The same, 32 entries per step. */
__attribute__((target("avx512f,avx512bw,avx512bitalg,popcnt"))) static inline bw_status
check_run_avx512(lookup *L, const run *r, bw_error *err)
{
    const uint16_t *next = L->ix->t[r->p].next;
    const __m512i qv = _mm512_set1_epi16((short)L->qp[(r->p + 1) % BW__PARTS]);
    const __m512i bv = _mm512_set1_epi16((short)r->bound);
    bw_status st;
    for (uint32_t e = r->lo; e < r->hi; e += 32) {
        uint32_t left = r->hi - e;
        __mmask32 lanes = left >= 32 ? 0xffffffffu : ((1u << left) - 1);
        __m512i v = _mm512_maskz_loadu_epi16(lanes, next + e);
        __m512i pc = _mm512_popcnt_epi16(_mm512_xor_si512(v, qv));
        __mmask32 m = _mm512_mask_cmple_epu16_mask(lanes, pc, bv);
        while (m) {
            if ((st = pass(L, e + (uint32_t)__builtin_ctz(m), r, err)) != BW_OK)
                return st;
            m &= m - 1;
        }
    }
    return BW_OK;
}
#define CHECK_RUN(simd, L, r, err) ((simd) ? check_run_avx512(L, r, err) : check_run(L, r, err))
#else
#define CHECK_RUN(simd, L, r, err) check_run(L, r, err)
#endif

/* Read the directory entries of the gathered groups (prefetched when they
 * were gathered), then the runs, each prefetched AHEAD_RUNS runs earlier. */
BW__INLINE bw_status read_runs(lookup *L, int simd, bw_error *err)
{
    const bw_index *ix = L->ix;
    size_t nr = L->nr;
    for (size_t i = 0; i < nr; i++) {
        const bw__part_table *tb = &ix->t[L->runs[i].p];
        uint32_t k = (uint32_t)L->runs[i].v << ix->g;
        L->runs[i].lo = bw__dir(tb, k);
        L->runs[i].hi = bw__dir(tb, k + (1u << ix->g));
    }
    for (size_t i = 0; i < nr + AHEAD_RUNS; i++) {
        if (i + AHEAD_RUNS < nr) {
            const run *a = &L->runs[i + AHEAD_RUNS];
            const char *b = (const char *)(ix->t[a->p].next + a->lo);
            const char *e = (const char *)(ix->t[a->p].next + a->hi);
            for (int k = 0; b < e && k < RUN_PREFETCH_LINES; b += 64, k++)
                __builtin_prefetch(b);
        }
        if (i >= nr)
            break;
        bw_status st = CHECK_RUN(simd, L, &L->runs[i], err);
        if (st != BW_OK)
            return st;
    }
    L->nr = 0;
    return BW_OK;
}

BW__INLINE bw_status mih_find(const bw_index *ix, const bw_pdq *q, int d, bw_index_hits *hits,
                              int simd, bw_error *err)
{
    lookup L;
    bw_status st;
    pthread_once(&g_masks_once, masks_init);
    L.ix = ix;
    L.q = q;
    L.d = d;
    L.nr = 0;
    L.np = 0;
    L.hits = hits;
    bw__thresholds(ix, d, L.t);
    for (int p = 0; p < BW__PARTS; p++)
        L.qp[p] = bw__part(q, p);
    for (int p = 0; p < BW__PARTS; p++) {
        if (L.t[p] < 0)
            continue;
        const bw__part_table *tb = &ix->t[p];
        int r = L.t[p] < 16 ? L.t[p] : 16, chain = L.t[p] + L.t[(p + 1) % BW__PARTS] + 1;
        for (int w = 0; w <= r; w++) {
            int bound = chain - w > 16 ? 16 : chain - w;
            for (uint32_t i = g_upto[w]; i < g_upto[w + 1]; i++) {
                run *ru = &L.runs[L.nr];
                ru->v = (uint16_t)(L.qp[p] ^ g_masks[i]);
                ru->p = (uint8_t)p;
                ru->bound = (uint8_t)bound;
                __builtin_prefetch(&tb->drel[(uint32_t)ru->v << ix->g]);
                if (++L.nr == RUN_CHUNK && (st = read_runs(&L, simd, err)) != BW_OK)
                    return st;
            }
        }
    }
    if (L.nr && (st = read_runs(&L, simd, err)) != BW_OK)
        return st;
    return L.np ? flush_passed(&L, err) : BW_OK;
}

/* The same code compiled for AVX-512 (BW + BITALG), for POPCNT, and
 * portable, picked at run time. */
#if defined(__x86_64__)
__attribute__((target("popcnt"))) static bw_status mih_find_popcnt(const bw_index *ix,
                                                                    const bw_pdq *q, int d,
                                                                    bw_index_hits *hits,
                                                                    bw_error *err)
{
    return mih_find(ix, q, d, hits, 0, err);
}

__attribute__((target("avx512f,avx512bw,avx512bitalg,popcnt"))) static bw_status
mih_find_avx512(const bw_index *ix, const bw_pdq *q, int d, bw_index_hits *hits, bw_error *err)
{
    return mih_find(ix, q, d, hits, 1, err);
}
#endif

static bw_status mih_find_generic(const bw_index *ix, const bw_pdq *q, int d,
                                  bw_index_hits *hits, bw_error *err)
{
    return mih_find(ix, q, d, hits, 0, err);
}

bw_status bw__mih_find(const bw_index *ix, const bw_pdq *q, int d, bw_index_hits *hits,
                       bw_error *err)
{
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512bitalg"))
        return mih_find_avx512(ix, q, d, hits, err);
    if (__builtin_cpu_supports("popcnt"))
        return mih_find_popcnt(ix, q, d, hits, err);
#endif
    return mih_find_generic(ix, q, d, hits, err);
}

/* ---------------- choosing and sorting ---------------- */

static int use_scan(const bw_index *ix, int d)
{
    return ix->scan_at[d];
}

static int cmp_hit(const void *a, const void *b)
{
    const bw_index_hit *x = a, *y = b;
    if (x->distance != y->distance)
        return x->distance < y->distance ? -1 : 1;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (int)x->orientation - (int)y->orientation;
}

static int cmp_hit_id(const void *a, const void *b)
{
    const bw_index_hit *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    if (x->distance != y->distance)
        return x->distance < y->distance ? -1 : 1;
    return (int)x->orientation - (int)y->orientation;
}

static bw_status find_unsorted(const bw_index *ix, const bw_pdq *q, int d, bw_index_hits *hits,
                               bw_error *err)
{
    return use_scan(ix, d) ? bw__scan(ix, q, d, hits, err) : bw__mih_find(ix, q, d, hits, err);
}

bw_status bw_index_find_pdq(const bw_index *ix, const bw_pdq *q, int max_distance,
                            bw_index_hits *hits, bw_error *err)
{
    if (!ix || !q || !hits)
        return bw__fail(err, BW_ERR_ARG, "invalid arguments to bw_index_find_pdq");
    if (max_distance < 0 || max_distance > 256)
        return bw__fail(err, BW_ERR_ARG, "distance out of range (0..256): %d", max_distance);
    size_t first = hits->n;
    bw_status st = find_unsorted(ix, q, max_distance, hits, err);
    if (st == BW_OK && hits->n - first > 1)
        qsort(hits->v + first, hits->n - first, sizeof *hits->v, cmp_hit);
    return st;
}

bw_status bw_index_find_pdq_dihedral(const bw_index *ix, const bw_pdq q[BW_PDQ_DIHEDRAL_COUNT],
                                     int max_distance, bw_index_hits *hits, bw_error *err)
{
    if (!ix || !q || !hits)
        return bw__fail(err, BW_ERR_ARG, "invalid arguments to bw_index_find_pdq_dihedral");
    if (max_distance < 0 || max_distance > 256)
        return bw__fail(err, BW_ERR_ARG, "distance out of range (0..256): %d", max_distance);
    size_t first = hits->n;
    bw_status st = BW_OK;
    for (int o = 0; o < BW_PDQ_DIHEDRAL_COUNT && st == BW_OK; o++) {
        size_t before = hits->n;
        st = find_unsorted(ix, &q[o], max_distance, hits, err);
        for (size_t i = before; i < hits->n; i++)
            hits->v[i].orientation = (uint8_t)o;
    }
    if (st != BW_OK)
        return st;
    /* one hit per id: the nearest (then the lowest orientation) */
    size_t n = hits->n - first, w = 0;
    if (n == 0)
        return BW_OK;
    bw_index_hit *v = hits->v + first;
    qsort(v, n, sizeof *v, cmp_hit_id);
    for (size_t i = 0; i < n; i++)
        if (w == 0 || v[w - 1].id != v[i].id)
            v[w++] = v[i];
    hits->n = first + w;
    qsort(v, w, sizeof *v, cmp_hit);
    return BW_OK;
}

bw_status bw_index_find_exact(const bw_index *ix, bw_hash_kind kind, const uint8_t *bytes,
                              bw_index_hits *hits, bw_error *err)
{
    if (!ix || !bytes || !hits || (unsigned)kind >= BW_HASH_KIND_COUNT)
        return bw__fail(err, BW_ERR_ARG, "invalid arguments to bw_index_find_exact");
    if (kind == BW_HASH_PDQ) {
        bw_pdq q;
        bw_pdq_unpack(bytes, &q);
        return bw_index_find_pdq(ix, &q, 0, hits, err);
    }
    return bw__exact_find(&ix->ex[kind], bytes, kind, hits, err);
}

/* ---------------- accessors ---------------- */

const bw_pdq *bw_index_pdq(const bw_index *ix, uint32_t id)
{
    return ix && ix->pdq && id < ix->n ? &ix->pdq[id] : NULL;
}

bw_status bw_index_pdq_each(const bw_index *ix, bw_index_pdq_fn fn, void *ctx, bw_error *err)
{
    if (!ix || !fn)
        return bw__fail(err, BW_ERR_ARG, "no index or no function");
    if (ix->layout == BW_INDEX_COMPACT && !ix->pdq)
        return bw__compact_each(ix, fn, ctx, err);
    for (size_t i = 0; i < ix->n; i += 4096)
        if (fn(ctx, ix->pdq + i, ix->n - i < 4096 ? ix->n - i : 4096))
            return BW_ERR_INTERRUPTED;
    return BW_OK;
}

bw_status bw_index_pdq_get(const bw_index *ix, uint32_t id, bw_pdq *out)
{
    if (!ix || !out || id >= ix->n)
        return BW_ERR_ARG;
    if (ix->layout == BW_INDEX_COMPACT)
        return bw__compact_get(ix, id, out);
    *out = ix->pdq[id];
    return BW_OK;
}

const uint8_t *bw_index_digest(const bw_index *ix, bw_hash_kind kind, uint32_t id)
{
    if (!ix || (unsigned)kind >= BW_HASH_KIND_COUNT)
        return NULL;
    if (kind == BW_HASH_PDQ)
        return NULL;
    const bw__exact_table *t = &ix->ex[kind];
    return id < t->n ? t->keys + (size_t)id * t->key_bytes : NULL;
}

size_t bw_index_count(const bw_index *ix, bw_hash_kind kind)
{
    if (!ix || (unsigned)kind >= BW_HASH_KIND_COUNT)
        return 0;
    return kind == BW_HASH_PDQ ? ix->n : ix->ex[kind].n;
}

size_t bw_index_memory_bytes(const bw_index *ix)
{
    return ix ? ix->memory : 0;
}

void bw_index_plan(const bw_index *ix, int max_distance, bw_index_plan_info *info)
{
    int t[BW__PARTS];
    memset(info, 0, sizeof *info);
    if (!ix)
        return;
    info->tables = ix->ntables;
    if (ix->ntables) {
        info->substring_bits = 16;
        info->directory_bits = 16;
    }
    info->method = use_scan(ix, max_distance) ? BW_INDEX_SCAN : BW_INDEX_MIH;
    bw__thresholds(ix, max_distance, t);
    for (int p = 0; p < BW__PARTS; p++) {
        if (t[p] >= 0)
            info->tables_probed++;
        if (t[p] > info->max_radius)
            info->max_radius = t[p];
    }
    info->cost_vs_scan = ix->ntables ? bw__mih_cost(ix, t) / bw__scan_cost(ix->n) : 1.0;
    info->layout = ix->layout;
    info->link_bits = ix->layout == BW_INDEX_COMPACT ? ix->link_bits : 0;
}
