/* query.c -- answering lookups on a built bw_index: the multi-index probe
 * (staged so that many memory accesses are in flight at once: directory
 * reads, then entry runs, then candidate hashes, each batch prefetched
 * before it is used), the choice between probing and scanning per query,
 * dihedral lookups, and the small accessors. */
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "index/index_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define SLOT_CHUNK 512   /* buckets gathered before they are read */
#define CAND_CHUNK 1024   /* candidates gathered before they are verified */
#define AHEAD 48          /* prefetch distance, in buckets or hashes */

#define BW__INLINE static inline __attribute__((always_inline))

/* A bucket to read: which table, which bucket, how far the rest of the
 * key may still be from the query's. */
typedef struct slot {
    uint32_t bucket;
    uint8_t t;
    uint8_t left;
} slot;

typedef struct probe {
    const bw_index *ix;
    const bw_pdq *q;
    int d;
    int radius[BW__MIH_MAX_TABLES];
    uint32_t qk[BW__MIH_MAX_TABLES];
    uint32_t qr[BW__MIH_MAX_TABLES];
    uint32_t posmask;
    unsigned posbits;
    slot slots[SLOT_CHUNK];
    size_t ns;
    uint32_t cand[CAND_CHUNK];
    uint8_t cand_t[CAND_CHUNK];
    size_t nc;
    bw_index_hits *hits;
} probe;

BW__INLINE int dist256(const bw_pdq *a, const bw_pdq *b)
{
    return __builtin_popcountll(a->w[0] ^ b->w[0]) + __builtin_popcountll(a->w[1] ^ b->w[1]) +
           __builtin_popcountll(a->w[2] ^ b->w[2]) + __builtin_popcountll(a->w[3] ^ b->w[3]);
}

/* Verify the candidates gathered so far: full distance, and report a hash
 * only from the first table that would find it (no duplicates). Hashes
 * are prefetched AHEAD candidates before they are compared. */
BW__INLINE bw_status flush_candidates(probe *p, bw_error *err)
{
    const bw_index *ix = p->ix;
    size_t nc = p->nc;
    for (size_t i = 0; i < nc && i < AHEAD; i++)
        __builtin_prefetch(&ix->pdq[p->cand[i]]);
    for (size_t i = 0; i < nc; i++) {
        if (i + AHEAD < nc)
            __builtin_prefetch(&ix->pdq[p->cand[i + AHEAD]]);
        const bw_pdq *h = &ix->pdq[p->cand[i]];
        int dist = dist256(h, p->q);
        if (dist > p->d)
            continue;
        int seen = 0;
        for (int t = 0; t < p->cand_t[i] && !seen; t++) {
            const bw__mih_table *tb = &ix->t[t];
            if (p->radius[t] >= 0 &&
                __builtin_popcount(bw__sub(h, tb->start, tb->bits) ^ p->qk[t]) <= p->radius[t])
                seen = 1;
        }
        if (seen)
            continue;
        bw_status st = bw__hits_reserve(p->hits, 1, err);
        if (st != BW_OK)
            return st;
        bw_index_hit *hit = &p->hits->v[p->hits->n++];
        hit->id = p->cand[i];
        hit->distance = (uint16_t)dist;
        hit->orientation = 0;
        hit->kind = BW_HASH_PDQ;
    }
    p->nc = 0;
    return BW_OK;
}

BW__INLINE bw_status check_entries(probe *p, const uint32_t *e, uint32_t n, int t, int left,
                                   bw_error *err)
{
    const bw__mih_table *tb = &p->ix->t[t];
    uint32_t qr = p->qr[t];
    for (uint32_t j = 0; j < n; j++) {
        if (tb->rbits && __builtin_popcount((uint32_t)(e[j] >> p->posbits) ^ qr) > left)
            continue;
        p->cand[p->nc] = e[j] & p->posmask;
        p->cand_t[p->nc] = (uint8_t)t;
        if (++p->nc == CAND_CHUNK) {
            bw_status st = flush_candidates(p, err);
            if (st != BW_OK)
                return st;
        }
    }
    return BW_OK;
}

#if defined(__x86_64__)
/* check_entries with AVX-512: 16 entries per step, no branch per entry. */
__attribute__((target("avx512f,avx512vpopcntdq,popcnt"))) static inline bw_status
check_entries_avx512(probe *p, const uint32_t *e, uint32_t n, int t, int left, bw_error *err)
{
    const bw__mih_table *tb = &p->ix->t[t];
    const __m128i sh = _mm_cvtsi32_si128((int)p->posbits);
    const __m512i qv = _mm512_set1_epi32((int)p->qr[t]), lv = _mm512_set1_epi32(left);
    const __m512i pm = _mm512_set1_epi32((int)p->posmask);
    const __m128i tv = _mm_set1_epi8((char)t);
    for (uint32_t j = 0; j < n; j += 16) {
        uint32_t c = n - j < 16 ? n - j : 16;
        __mmask16 lanes = (__mmask16)((1u << c) - 1), m = lanes;
        __m512i v = _mm512_maskz_loadu_epi32(lanes, e + j);
        if (tb->rbits) {
            __m512i pc = _mm512_popcnt_epi32(_mm512_xor_si512(_mm512_srl_epi32(v, sh), qv));
            m = _mm512_mask_cmple_epu32_mask(lanes, pc, lv);
        }
        /* no branch on the (just loaded) entries: the matching ids are
         * packed to the front of a register and all 16 lanes stored; the
         * count moves by the number of matches */
        if (p->nc > CAND_CHUNK - 16) {
            bw_status st = flush_candidates(p, err);
            if (st != BW_OK)
                return st;
        }
        _mm512_storeu_si512((void *)(p->cand + p->nc),
                            _mm512_maskz_compress_epi32(m, _mm512_and_si512(v, pm)));
        _mm_storeu_si128((__m128i *)(void *)(p->cand_t + p->nc), tv);
        p->nc += (size_t)__builtin_popcount(m);
    }
    return BW_OK;
}
#define CHECK_ENTRIES(simd, ...) \
    ((simd) ? check_entries_avx512(__VA_ARGS__) : check_entries(__VA_ARGS__))
#else
#define CHECK_ENTRIES(simd, ...) check_entries(__VA_ARGS__)
#endif

/* Read the gathered buckets, each prefetched AHEAD buckets earlier. */
BW__INLINE bw_status read_slots(probe *p, int simd, bw_error *err)
{
    const bw_index *ix = p->ix;
    size_t ns = p->ns;
    bw_status st;
    for (size_t i = 0; i < ns && i < AHEAD; i++)
        __builtin_prefetch(&ix->t[p->slots[i].t].bk[p->slots[i].bucket]);
    for (size_t i = 0; i < ns; i++) {
        if (i + AHEAD < ns)
            __builtin_prefetch(&ix->t[p->slots[i + AHEAD].t].bk[p->slots[i + AHEAD].bucket]);
        if (i + AHEAD / 2 < ns) {
            /* an overfull bucket (clustered lists) continues in the overflow
             * array: fetch that too, once the bucket line has had time to come */
            const slot *s2 = &p->slots[i + AHEAD / 2];
            const bw__mih_table *t2 = &ix->t[s2->t];
            const bw__bucket *b2 = &t2->bk[s2->bucket];
            if (__builtin_expect(b2->count > BW__BUCKET_SLOTS, 0)) {
                const uint32_t *run = t2->ovf_e + b2->e[BW__BUCKET_SLOTS - 1];
                uint32_t len = b2->count - (BW__BUCKET_SLOTS - 1);
                for (uint32_t k = 0; k < len && k < 64; k += 16)
                    __builtin_prefetch(run + k);
            }
        }
        const slot *sl = &p->slots[i];
        const bw__mih_table *tb = &ix->t[sl->t];
        const bw__bucket *bk = &tb->bk[sl->bucket];
        uint32_t c = bk->count;
        if (c <= BW__BUCKET_SLOTS) {
            st = CHECK_ENTRIES(simd, p, bk->e, c, sl->t, sl->left, err);
        } else {
            st = CHECK_ENTRIES(simd, p, bk->e, BW__BUCKET_SLOTS - 1, sl->t, sl->left, err);
            if (st == BW_OK)
                st = CHECK_ENTRIES(simd, p, tb->ovf_e + bk->e[BW__BUCKET_SLOTS - 1],
                                   c - (BW__BUCKET_SLOTS - 1), sl->t, sl->left, err);
        }
        if (st != BW_OK)
            return st;
    }
    p->ns = 0;
    return BW_OK;
}

BW__INLINE bw_status mih_find(const bw_index *ix, const bw_pdq *q, int d, bw_index_hits *hits,
                              int simd, bw_error *err)
{
    probe p;
    bw_status st;
    p.ix = ix;
    p.q = q;
    p.d = d;
    p.nc = 0;
    p.ns = 0;
    p.hits = hits;
    p.posbits = (unsigned)ix->posbits;
    p.posmask = p.posbits >= 32 ? 0xffffffffu : (uint32_t)((1ull << p.posbits) - 1);
    bw__mih_radii(ix, d, p.radius);
    for (int t = 0; t < ix->ntables; t++) {
        const bw__mih_table *tb = &ix->t[t];
        p.qk[t] = bw__sub(q, tb->start, tb->bits);
        p.qr[t] = tb->rbits ? (p.qk[t] & (uint32_t)((1ull << tb->rbits) - 1)) : 0;
    }
    for (int t = 0; t < ix->ntables; t++) {
        const bw__mih_table *tb = &ix->t[t];
        int r = p.radius[t];
        if (r < 0)
            continue;
        uint32_t qp = p.qk[t] >> tb->rbits;
        uint64_t limit = 1ull << tb->pbits;
        int emax = r < tb->pbits ? r : tb->pbits;
        for (int e = 0; e <= emax; e++) {
            /* every mask of weight e over pbits bits (Gosper's hack) */
            uint64_t m = e ? (1ull << e) - 1 : 0;
            while (m < limit) {
                slot *sl = &p.slots[p.ns];
                sl->bucket = qp ^ (uint32_t)m;
                __builtin_prefetch(&tb->bk[sl->bucket]);
                sl->t = (uint8_t)t;
                sl->left = (uint8_t)(r - e > 255 ? 255 : r - e);
                if (++p.ns == SLOT_CHUNK && (st = read_slots(&p, simd, err)) != BW_OK)
                    return st;
                if (m == 0)
                    break;
                uint64_t s = m + (m & (~m + 1));
                m = (((s ^ m) >> 2) >> __builtin_ctzll(m)) | s;
            }
        }
    }
    if (p.ns && (st = read_slots(&p, simd, err)) != BW_OK)
        return st;
    return flush_candidates(&p, err);
}

/* The same code twice: with the POPCNT instruction (nearly every x86-64
 * since 2008) and without, picked at run time. */
#if defined(__x86_64__)
__attribute__((target("popcnt"))) static bw_status mih_find_popcnt(const bw_index *ix,
                                                                    const bw_pdq *q, int d,
                                                                    bw_index_hits *hits,
                                                                    bw_error *err)
{
    return mih_find(ix, q, d, hits, 0, err);
}

__attribute__((target("avx512f,avx512vpopcntdq,popcnt"))) static bw_status
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
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq"))
        return mih_find_avx512(ix, q, d, hits, err);
    if (__builtin_cpu_supports("popcnt"))
        return mih_find_popcnt(ix, q, d, hits, err);
#endif
    return mih_find_generic(ix, q, d, hits, err);
}

/* ---------------- choosing and sorting ---------------- */

static int use_scan(const bw_index *ix, int d)
{
    int radius[BW__MIH_MAX_TABLES];
    if (ix->ntables == 0 || ix->opts.method == BW_INDEX_SCAN)
        return 1;
    if (ix->opts.method == BW_INDEX_MIH)
        return 0;
    bw__mih_radii(ix, d, radius);
    return bw__mih_cost(ix, radius) >= bw__scan_cost(ix->n);
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
    return ix && id < ix->n ? &ix->pdq[id] : NULL;
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
    int radius[BW__MIH_MAX_TABLES];
    memset(info, 0, sizeof *info);
    if (!ix)
        return;
    info->tables = ix->ntables;
    if (ix->ntables) {
        info->substring_bits = ix->t[0].bits;
        info->directory_bits = ix->t[0].pbits;
    }
    info->method = use_scan(ix, max_distance) ? BW_INDEX_SCAN : BW_INDEX_MIH;
    bw__mih_radii(ix, max_distance, radius);
    for (int t = 0; t < ix->ntables; t++) {
        if (radius[t] >= 0)
            info->tables_probed++;
        if (radius[t] > info->max_radius)
            info->max_radius = radius[t];
    }
    info->cost_vs_scan = ix->ntables ? bw__mih_cost(ix, radius) / bw__scan_cost(ix->n) : 1.0;
}
