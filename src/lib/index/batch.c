/* batch.c -- many PDQ lookups at once (bw_index_find_pdq_batch). A single
 * lookup reads its buckets and candidate hashes at random, one cache miss
 * each; a batch instead generates the probes of a whole chunk of queries
 * for one table, sorts them by bucket (LSD radix sort) and reads the table
 * in address order, then sorts the candidates by hash id and reads the
 * hashes in address order. The results are the same as one
 * bw_index_find_pdq per query (same pigeonhole radii, same "first table
 * that finds it reports it" rule), and tests compare both with brute force. */
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "index/index_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define BATCH_CHUNK 4096          /* queries per chunk at most */
#define BATCH_RECORDS (4u << 20)  /* scratch records aimed at (8 bytes each, x2) */
#define DIGIT 11                  /* radix digit */
#define AHEAD 40                  /* prefetch distance in the sorted sweeps */

#define BW__INLINE static inline __attribute__((always_inline))

typedef struct vec64 {
    uint64_t *v, *tmp;
    size_t n, cap;
} vec64;

static bw_status vec_reserve(vec64 *a, size_t more, bw_error *err)
{
    if (a->cap - a->n >= more)
        return BW_OK;
    size_t cap = a->cap ? a->cap * 2 : 4096;
    if (cap - a->n < more)
        cap = a->n + more;
    uint64_t *v = realloc(a->v, cap * sizeof *v);
    if (!v)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory for a batch lookup");
    a->v = v;
    free(a->tmp);
    a->tmp = malloc(cap * sizeof *a->tmp);
    if (!a->tmp) {
        a->cap = 0; /* v stays owned by a (freed by vec_free) */
        return bw__fail(err, BW_ERR_NOMEM, "out of memory for a batch lookup");
    }
    a->cap = cap;
    return BW_OK;
}

static inline bw_status vec_room(vec64 *a, size_t more, bw_error *err)
{
    return a->cap - a->n >= more ? BW_OK : vec_reserve(a, more, err);
}

static void vec_free(vec64 *a)
{
    free(a->v);
    free(a->tmp);
    memset(a, 0, sizeof *a);
}

/* Stable LSD radix sort of a->v[0..n) by bits [lo, lo + nbits). */
static void radix_sort(vec64 *a, int lo, int nbits)
{
    size_t cnt[1u << DIGIT];
    for (int s = lo; s < lo + nbits; s += DIGIT) {
        int w = lo + nbits - s < DIGIT ? lo + nbits - s : DIGIT;
        size_t nb = (size_t)1 << w, sum = 0;
        uint64_t mask = nb - 1, *src = a->v, *dst = a->tmp;
        memset(cnt, 0, nb * sizeof *cnt);
        for (size_t i = 0; i < a->n; i++)
            cnt[(src[i] >> s) & mask]++;
        for (size_t b = 0; b < nb; b++) {
            size_t c = cnt[b];
            cnt[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < a->n; i++)
            dst[cnt[(src[i] >> s) & mask]++] = src[i];
        a->v = dst;
        a->tmp = src;
    }
}

typedef struct batch {
    const bw_index *ix;
    const bw_pdq *q;   /* this chunk's queries */
    size_t nq;
    int d;
    int radius[BW__MIH_MAX_TABLES];
    uint32_t *qk;      /* nq x ntables substrings of the queries */
    vec64 probes;      /* bucket << 32 | query << 8 | radius left */
    vec64 cands;       /* id << 32 | query << 8 | table */
    vec64 found;       /* query << 41 | distance << 32 | id */
} batch;

/* Number of masks of weight <= r over p bits. */
static size_t ball_count(int p, int r)
{
    size_t sum = 0, c = 1;
    if (r > p)
        r = p;
    for (int e = 0; e <= r; e++) {
        sum += c;
        c = c * (size_t)(p - e) / (size_t)(e + 1);
    }
    return sum;
}

BW__INLINE int dist256(const bw_pdq *a, const bw_pdq *b)
{
    return __builtin_popcountll(a->w[0] ^ b->w[0]) + __builtin_popcountll(a->w[1] ^ b->w[1]) +
           __builtin_popcountll(a->w[2] ^ b->w[2]) + __builtin_popcountll(a->w[3] ^ b->w[3]);
}

/* Verify the candidates gathered so far in id order. */
BW__INLINE bw_status verify(batch *b, bw_error *err)
{
    const bw_index *ix = b->ix;
    /* one radix pass on the top bits of the id: the hashes are read in
     * address order, a block of 2^(posbits - DIGIT) at a time (at 10
     * million hashes 8192 of them, 256 KB, which stays in the cache while
     * its candidates are checked); a full sort costs more than it saves */
    int T = ix->ntables, lo = 32 + (ix->posbits > DIGIT ? ix->posbits - DIGIT : 0);
    radix_sort(&b->cands, lo, 32 + ix->posbits - lo);
    const uint64_t *c = b->cands.v;
    size_t nc = b->cands.n;
    for (size_t i = 0; i < nc; i++) {
        if (i + AHEAD < nc)
            __builtin_prefetch(&ix->pdq[c[i + AHEAD] >> 32]);
        uint32_t id = (uint32_t)(c[i] >> 32), qi = (uint32_t)(c[i] >> 8) & 0xffffffu;
        int t = (int)(c[i] & 0xff);
        const bw_pdq *h = &ix->pdq[id];
        int dist = dist256(h, &b->q[qi]);
        if (dist > b->d)
            continue;
        const uint32_t *qk = &b->qk[(size_t)qi * (size_t)T];
        int seen = 0;
        for (int u = 0; u < t && !seen; u++) {
            const bw__mih_table *tb = &ix->t[u];
            if (b->radius[u] >= 0 &&
                __builtin_popcount(bw__sub(h, tb->start, tb->bits) ^ qk[u]) <= b->radius[u])
                seen = 1;
        }
        if (seen)
            continue;
        bw_status st = vec_room(&b->found, 1, err);
        if (st != BW_OK)
            return st;
        b->found.v[b->found.n++] = (uint64_t)qi << 41 | (uint64_t)dist << 32 | id;
    }
    b->cands.n = 0;
    return BW_OK;
}

BW__INLINE bw_status check_entries(batch *b, const uint32_t *e, uint32_t n, int t, uint32_t qi,
                                   int left, uint32_t qr, bw_error *err)
{
    const bw_index *ix = b->ix;
    unsigned posbits = (unsigned)ix->posbits;
    uint32_t posmask = posbits >= 32 ? 0xffffffffu : (uint32_t)((1ull << posbits) - 1);
    int rbits = ix->t[t].rbits;
    bw_status st = vec_room(&b->cands, n, err);
    if (st != BW_OK)
        return st;
    uint64_t *out = b->cands.v + b->cands.n, tag = (uint64_t)qi << 8 | (uint64_t)t;
    size_t k = 0;
    for (uint32_t j = 0; j < n; j++) {
        if (rbits && __builtin_popcount((uint32_t)(e[j] >> posbits) ^ qr) > left)
            continue;
        out[k++] = (uint64_t)(e[j] & posmask) << 32 | tag;
    }
    b->cands.n += k;
    return BW_OK;
}

#if defined(__x86_64__)
/* check_entries with AVX-512: 16 entries per step, no branch per entry. */
__attribute__((target("avx512f,avx512vpopcntdq,popcnt"))) static inline bw_status
check_entries_avx512(batch *b, const uint32_t *e, uint32_t n, int t, uint32_t qi, int left,
                     uint32_t qr, bw_error *err)
{
    const bw_index *ix = b->ix;
    unsigned posbits = (unsigned)ix->posbits;
    uint32_t posmask = posbits >= 32 ? 0xffffffffu : (uint32_t)((1ull << posbits) - 1);
    int rbits = ix->t[t].rbits;
    bw_status st = vec_room(&b->cands, n + 16, err);
    if (st != BW_OK)
        return st;
    uint64_t *out = b->cands.v + b->cands.n, tag = (uint64_t)qi << 8 | (uint64_t)t;
    size_t k = 0;
    const __m128i sh = _mm_cvtsi32_si128((int)posbits);
    const __m512i qv = _mm512_set1_epi32((int)qr), lv = _mm512_set1_epi32(left);
    const __m512i pm = _mm512_set1_epi32((int)posmask), tg = _mm512_set1_epi64((long long)tag);
    for (uint32_t j = 0; j < n; j += 16) {
        uint32_t c = n - j < 16 ? n - j : 16;
        __mmask16 lanes = (__mmask16)((1u << c) - 1), m = lanes;
        __m512i v = _mm512_maskz_loadu_epi32(lanes, e + j);
        if (rbits) {
            __m512i pc = _mm512_popcnt_epi32(_mm512_xor_si512(_mm512_srl_epi32(v, sh), qv));
            m = _mm512_mask_cmple_epu32_mask(lanes, pc, lv);
        }
        /* branch-free: matching ids packed to the front, widened to
         * records, all 16 stored (room was reserved), k moves by the count */
        __m512i ids = _mm512_maskz_compress_epi32(m, _mm512_and_si512(v, pm));
        __m512i lo = _mm512_cvtepu32_epi64(_mm512_castsi512_si256(ids));
        __m512i hi = _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(ids, 1));
        _mm512_storeu_si512((void *)(out + k), _mm512_or_si512(_mm512_slli_epi64(lo, 32), tg));
        _mm512_storeu_si512((void *)(out + k + 8), _mm512_or_si512(_mm512_slli_epi64(hi, 32), tg));
        k += (size_t)__builtin_popcount(m);
    }
    b->cands.n += k;
    return BW_OK;
}
#define CHECK_ENTRIES(simd, ...) \
    ((simd) ? check_entries_avx512(__VA_ARGS__) : check_entries(__VA_ARGS__))
#else
#define CHECK_ENTRIES(simd, ...) check_entries(__VA_ARGS__)
#endif

/* Probe table t for every query of the chunk, in bucket order. */
BW__INLINE bw_status sweep_table(batch *b, int t, int simd, bw_error *err)
{
    const bw_index *ix = b->ix;
    const bw__mih_table *tb = &ix->t[t];
    int r = b->radius[t], T = ix->ntables;
    uint64_t limit = 1ull << tb->pbits;
    int emax = r < tb->pbits ? r : tb->pbits;
    uint32_t rmask = tb->rbits ? (uint32_t)((1ull << tb->rbits) - 1) : 0;
    size_t per = ball_count(tb->pbits, r);
    bw_status st = vec_reserve(&b->probes, per * b->nq, err);
    if (st != BW_OK)
        return st;
    uint64_t *pv = b->probes.v;
    size_t np = 0;
    for (size_t qi = 0; qi < b->nq; qi++) {
        uint32_t qp = b->qk[qi * (size_t)T + (size_t)t] >> tb->rbits;
        for (int e = 0; e <= emax; e++) {
            uint64_t m = e ? (1ull << e) - 1 : 0, tag = (uint64_t)qi << 8 | (uint64_t)(r - e > 255 ? 255 : r - e);
            while (m < limit) {
                pv[np++] = (uint64_t)(qp ^ (uint32_t)m) << 32 | tag;
                if (m == 0)
                    break;
                uint64_t s = m + (m & (~m + 1));
                m = (((s ^ m) >> 2) >> __builtin_ctzll(m)) | s;
            }
        }
    }
    b->probes.n = np;
    /* one radix pass on the top bits of the bucket number: the table is
     * read in address order, a block of 2^(pbits - DIGIT) buckets at a
     * time (at 10 million hashes 512 buckets, 32 KB), the block from the
     * cache once it has been touched (a second pass costs more than it
     * saves) */
    {
        int lo = tb->pbits > DIGIT ? tb->pbits - DIGIT : 0;
        radix_sort(&b->probes, 32 + lo, tb->pbits - lo);
    }
    pv = b->probes.v;
    for (size_t i = 0; i < np; i++) {
        if (i + AHEAD < np)
            __builtin_prefetch(&tb->bk[pv[i + AHEAD] >> 32]);
        if (i + AHEAD / 2 < np) { /* an overfull bucket's run, as in query.c */
            const bw__bucket *b2 = &tb->bk[pv[i + AHEAD / 2] >> 32];
            if (__builtin_expect(b2->count > BW__BUCKET_SLOTS, 0)) {
                const uint32_t *run = tb->ovf_e + b2->e[BW__BUCKET_SLOTS - 1];
                uint32_t len = b2->count - (BW__BUCKET_SLOTS - 1);
                for (uint32_t k = 0; k < len && k < 64; k += 16)
                    __builtin_prefetch(run + k);
            }
        }
        const bw__bucket *bk = &tb->bk[pv[i] >> 32];
        uint32_t qi = (uint32_t)(pv[i] >> 8) & 0xffffffu, c = bk->count;
        int left = (int)(pv[i] & 0xff);
        uint32_t qr = b->qk[qi * (size_t)T + (size_t)t] & rmask;
        if (c <= BW__BUCKET_SLOTS) {
            st = CHECK_ENTRIES(simd, b, bk->e, c, t, qi, left, qr, err);
        } else {
            st = CHECK_ENTRIES(simd, b, bk->e, BW__BUCKET_SLOTS - 1, t, qi, left, qr, err);
            if (st == BW_OK)
                st = CHECK_ENTRIES(simd, b, tb->ovf_e + bk->e[BW__BUCKET_SLOTS - 1],
                                   c - (BW__BUCKET_SLOTS - 1), t, qi, left, qr, err);
        }
        if (st != BW_OK)
            return st;
    }
    b->probes.n = 0;
    return BW_OK;
}

BW__INLINE bw_status chunk_mih(batch *b, int simd, bw_error *err)
{
    bw_status st;
    for (int t = 0; t < b->ix->ntables; t++) {
        if (b->radius[t] < 0)
            continue;
        if ((st = sweep_table(b, t, simd, err)) != BW_OK)
            return st;
        if (b->cands.n >= BATCH_RECORDS && (st = verify(b, err)) != BW_OK)
            return st;
    }
    return b->cands.n ? verify(b, err) : BW_OK;
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512vpopcntdq,popcnt"))) static bw_status
chunk_mih_avx512(batch *b, bw_error *err)
{
    return chunk_mih(b, 1, err);
}

__attribute__((target("popcnt"))) static bw_status chunk_mih_popcnt(batch *b, bw_error *err)
{
    return chunk_mih(b, 0, err);
}
#endif

static bw_status chunk_mih_generic(batch *b, bw_error *err)
{
    return chunk_mih(b, 0, err);
}

/* Queries per chunk: as many as keep the scratch near BATCH_RECORDS. */
static size_t chunk_size(const bw_index *ix, const int *radius)
{
    double per = 1;
    for (int t = 0; t < ix->ntables; t++) {
        if (radius[t] < 0)
            continue;
        double probes = bw__ball(ix->t[t].pbits, radius[t]);
        double cands = bw__ball(ix->t[t].bits, radius[t]) * (double)ix->n /
                       (double)(1ull << ix->t[t].bits);
        if (probes > per)
            per = probes;
        if (cands > per)
            per = cands;
    }
    double c = (double)BATCH_RECORDS / per;
    return c >= BATCH_CHUNK ? BATCH_CHUNK : c < 1 ? 1 : (size_t)c;
}

/* Answer the batch one query at a time: when the model says scan, and
 * (unless multi-index hashing is forced) when the index is small enough
 * to live mostly in the caches, where sorting probes costs more than it
 * saves (measured: at 300k hashes, 39 MB, single lookups 89k q/s, the
 * batch 67k; at 500k, 66 MB, 49k and 47k; at 1M, 124 MB, 30k and 40k). */
#define BATCH_MIN_BYTES ((size_t)96 << 20)

static int batch_one_by_one(const bw_index *ix, int d)
{
    bw_index_plan_info info;
    bw_index_plan(ix, d, &info);
    if (info.method == BW_INDEX_SCAN)
        return 1;
    return ix->opts.method != BW_INDEX_MIH && ix->memory < BATCH_MIN_BYTES;
}

bw_status bw_index_find_pdq_batch(const bw_index *ix, const bw_pdq *q, size_t nq, int max_distance,
                                  bw_index_hits *hits, size_t *first, bw_error *err)
{
    if (!ix || (!q && nq) || !hits || !first)
        return bw__fail(err, BW_ERR_ARG, "invalid arguments to bw_index_find_pdq_batch");
    if (max_distance < 0 || max_distance > 256)
        return bw__fail(err, BW_ERR_ARG, "distance out of range (0..256): %d", max_distance);
    bw_status st = BW_OK;
    if (nq == 0 || batch_one_by_one(ix, max_distance)) {
        for (size_t i = 0; i < nq && st == BW_OK; i++) {
            first[i] = hits->n;
            st = bw_index_find_pdq(ix, &q[i], max_distance, hits, err);
        }
        first[nq] = hits->n;
        return st;
    }
    batch b;
    memset(&b, 0, sizeof b);
    b.ix = ix;
    b.d = max_distance;
    bw__mih_radii(ix, max_distance, b.radius);
    int T = ix->ntables;
    size_t chunk = chunk_size(ix, b.radius);
    b.qk = malloc(chunk * (size_t)T * sizeof *b.qk);
    if (!b.qk)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory for a batch lookup");
    /* scratch sized once from the model (growing it by doubling costs
     * copies and fresh pages): the probes of one table, and the candidates
     * of the tables swept before a verification */
    {
        size_t nch = nq < chunk ? nq : chunk, probes = 0;
        double cands = 0;
        for (int t = 0; t < T; t++) {
            if (b.radius[t] < 0)
                continue;
            size_t p = ball_count(ix->t[t].pbits, b.radius[t]) * nch;
            double c = bw__ball(ix->t[t].bits, b.radius[t]) * (double)ix->n /
                       (double)(1ull << ix->t[t].bits) * (double)nch;
            if (p > probes)
                probes = p;
            if (c > cands)
                cands = c;
        }
        cands = cands * 1.25 + BATCH_RECORDS;
        if (cands > 2.0 * BATCH_RECORDS)
            cands = 2.0 * BATCH_RECORDS;
        if ((st = vec_reserve(&b.probes, probes, err)) != BW_OK ||
            (st = vec_reserve(&b.cands, (size_t)cands, err)) != BW_OK) {
            free(b.qk);
            vec_free(&b.probes);
            vec_free(&b.cands);
            return st;
        }
    }
#if defined(__x86_64__)
    int popcnt = __builtin_cpu_supports("popcnt");
    int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq");
#endif
    for (size_t base = 0; base < nq && st == BW_OK; base += chunk) {
        b.q = q + base;
        b.nq = nq - base < chunk ? nq - base : chunk;
        for (size_t i = 0; i < b.nq; i++)
            for (int t = 0; t < T; t++)
                b.qk[i * (size_t)T + (size_t)t] = bw__sub(&b.q[i], ix->t[t].start, ix->t[t].bits);
        b.found.n = 0;
#if defined(__x86_64__)
        st = avx512   ? chunk_mih_avx512(&b, err)
             : popcnt ? chunk_mih_popcnt(&b, err)
                      : chunk_mih_generic(&b, err);
#else
        st = chunk_mih_generic(&b, err);
#endif
        if (st != BW_OK)
            break;
        /* query, then distance, then id: the order of the key */
        if (b.found.n > 1) {
            int qbits = 1;
            while (((size_t)1 << qbits) < b.nq)
                qbits++;
            radix_sort(&b.found, 0, ix->posbits);
            radix_sort(&b.found, 32, 9);
            radix_sort(&b.found, 41, qbits);
        }
        if ((st = bw__hits_reserve(hits, b.found.n, err)) != BW_OK)
            break;
        size_t k = 0;
        for (size_t i = 0; i < b.nq; i++) {
            first[base + i] = hits->n;
            for (; k < b.found.n && (b.found.v[k] >> 41) == i; k++) {
                bw_index_hit *h = &hits->v[hits->n++];
                h->id = (uint32_t)b.found.v[k];
                h->distance = (uint16_t)((b.found.v[k] >> 32) & 0x1ff);
                h->orientation = 0;
                h->kind = BW_HASH_PDQ;
            }
        }
    }
    first[nq] = hits->n;
    free(b.qk);
    vec_free(&b.probes);
    vec_free(&b.cands);
    vec_free(&b.found);
    return st;
}
