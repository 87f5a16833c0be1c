/* linear.c -- the linear scan: compare the query with every PDQ hash of the
 * index. Used when probing the tables would cost more (small indexes,
 * large distances) and as the brute-force truth in tests. Three
 * implementations, chosen at run time from the CPU: AVX-512 VPOPCNTDQ (two
 * hashes per instruction), POPCNT, and portable C. */
#include <stdlib.h>
#include "core/internal.h"
#include "index/index_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static inline bw_status add_hit(bw_index_hits *hits, size_t id, int dist, bw_error *err)
{
    bw_status st = bw__hits_reserve(hits, 1, err);
    if (st != BW_OK)
        return st;
    bw_index_hit *h = &hits->v[hits->n++];
    h->id = (uint32_t)id;
    h->distance = (uint16_t)dist;
    h->orientation = 0;
    h->kind = BW_HASH_PDQ;
    return BW_OK;
}

#define SCAN_BODY                                                                          \
    for (; i < n; i++) {                                                                    \
        const bw_pdq *h = &ix->pdq[i];                                                      \
        int dist = __builtin_popcountll(h->w[0] ^ q->w[0]) +                                \
                   __builtin_popcountll(h->w[1] ^ q->w[1]) +                                \
                   __builtin_popcountll(h->w[2] ^ q->w[2]) +                                \
                   __builtin_popcountll(h->w[3] ^ q->w[3]);                                 \
        if (dist <= d) {                                                                    \
            bw_status st = add_hit(hits, i, dist, err);                                     \
            if (st != BW_OK)                                                                \
                return st;                                                                  \
        }                                                                                   \
    }                                                                                       \
    return BW_OK;

static bw_status scan_generic(const bw_index *ix, const bw_pdq *q, int d, bw_index_hits *hits,
                              bw_error *err)
{
    size_t i = 0, n = ix->n;
    SCAN_BODY
}

#if defined(__x86_64__)
__attribute__((target("popcnt"))) static bw_status scan_popcnt(const bw_index *ix,
                                                                const bw_pdq *q, int d,
                                                                bw_index_hits *hits,
                                                                bw_error *err)
{
    size_t i = 0, n = ix->n;
    SCAN_BODY
}

/* Two hashes per 512-bit register: XOR, VPOPCNTQ, then fold each group
 * of four 64-bit counts into its first lane. */
__attribute__((target("avx512f,avx512vpopcntdq,popcnt"))) static bw_status
scan_avx512(const bw_index *ix, const bw_pdq *q, int d, bw_index_hits *hits, bw_error *err)
{
    size_t i = 0, n = ix->n;
    const __m512i qq = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)q->w));
    const __m512i dv = _mm512_set1_epi64(d);
    for (; i + 4 <= n; i += 4) {
        __m512i a = _mm512_xor_si512(_mm512_loadu_si512((const void *)&ix->pdq[i]), qq);
        __m512i b = _mm512_xor_si512(_mm512_loadu_si512((const void *)&ix->pdq[i + 2]), qq);
        a = _mm512_popcnt_epi64(a);
        b = _mm512_popcnt_epi64(b);
        a = _mm512_add_epi64(a, _mm512_shuffle_epi32(a, _MM_PERM_BADC));
        b = _mm512_add_epi64(b, _mm512_shuffle_epi32(b, _MM_PERM_BADC));
        a = _mm512_add_epi64(a, _mm512_permutex_epi64(a, 0x4E));
        b = _mm512_add_epi64(b, _mm512_permutex_epi64(b, 0x4E));
        unsigned ma = _mm512_cmple_epu64_mask(a, dv) & 0x11;
        unsigned mb = _mm512_cmple_epu64_mask(b, dv) & 0x11;
        if (__builtin_expect(ma | mb, 0)) {
            uint64_t ca[8], cb[8];
            _mm512_storeu_si512((void *)ca, a);
            _mm512_storeu_si512((void *)cb, b);
            bw_status st = BW_OK;
            if (ma & 0x01) st = add_hit(hits, i, (int)ca[0], err);
            if (st == BW_OK && (ma & 0x10)) st = add_hit(hits, i + 1, (int)ca[4], err);
            if (st == BW_OK && (mb & 0x01)) st = add_hit(hits, i + 2, (int)cb[0], err);
            if (st == BW_OK && (mb & 0x10)) st = add_hit(hits, i + 3, (int)cb[4], err);
            if (st != BW_OK)
                return st;
        }
    }
    SCAN_BODY
}
#endif

bw_status bw__scan(const bw_index *ix, const bw_pdq *q, int d, bw_index_hits *hits, bw_error *err)
{
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512vpopcntdq") && __builtin_cpu_supports("avx512f"))
        return scan_avx512(ix, q, d, hits, err);
    if (__builtin_cpu_supports("popcnt"))
        return scan_popcnt(ix, q, d, hits, err);
#endif
    return scan_generic(ix, q, d, hits, err);
}
