/* pdq.c -- PDQ hashing (bulwark/pdq.h), bit for bit as Meta's reference
 * (ThreatExchange pdq/cpp) computes it; see ../shared/refdata/pdq/README.md.
 *
 *   luma (float32) -> Jarosz tent filter (two passes of a box filter along
 *   rows then columns, window ceil(dim/128)) -> 64x64 decimation -> quality
 *   -> 16x16 of the 64x64 DCT -> threshold at the median.
 *
 * Exactness matters more than elegance here: the box filter keeps a float
 * running sum updated in exactly the reference's order (adds and subtracts
 * do not cancel exactly in float), the DCT sums in the same k order, and
 * this file is built with floating-point contraction off (no FMA), so that
 * the result does not depend on the compiler's choices. Loops are arranged
 * so the compiler can vectorise across independent rows or columns, which
 * keeps every element's own sequence of operations intact. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "bulwark/pdq.h"
#include "pdq/pdq_internal.h"

/* Built with -ffp-contract=off (CMakeLists.txt): no fused multiply-add. */

#define MIN_HASHABLE_DIM 5

/* ---------------- Box filter ---------------- */

/* The reference's window: ceil(dim / 128). */
static uint32_t jarosz_window(uint32_t dim)
{
    return (dim + 2 * 64 - 1) / (2 * 64);
}

/* One box pass along a vector of n samples, for `lanes` independent
 * vectors at once: sample t of lane l is in[t * tstride + l]. The four
 * phases and the order of every add, subtract and divide are the
 * reference's box1DFloat. sum[] and cnt are scratch per lane. */
static void box_pass(const float *in, float *out, uint32_t n, size_t tstride, size_t lanes,
                     uint32_t window, float *sum)
{
    uint32_t half = (window + 2) / 2;
    int64_t p1 = (int64_t)half - 1, p2 = (int64_t)window - half + 1;
    int64_t p3 = (int64_t)n - window, p4 = (int64_t)half - 1;
    size_t ri = 0, li = 0, oi = 0;
    float cur = 0.0f; /* current window size, as the reference keeps it */

    for (size_t l = 0; l < lanes; l++)
        sum[l] = 0.0f;
    for (int64_t i = 0; i < p1; i++, ri++) {
        const float *a = in + ri * tstride;
        for (size_t l = 0; l < lanes; l++)
            sum[l] += a[l];
        cur += 1.0f;
    }
    for (int64_t i = 0; i < p2; i++, ri++, oi++) {
        const float *a = in + ri * tstride;
        float *o = out + oi * tstride;
        cur += 1.0f;
        for (size_t l = 0; l < lanes; l++) {
            sum[l] += a[l];
            o[l] = sum[l] / cur;
        }
    }
    for (int64_t i = 0; i < p3; i++, ri++, li++, oi++) {
        const float *a = in + ri * tstride, *s = in + li * tstride;
        float *o = out + oi * tstride;
        for (size_t l = 0; l < lanes; l++) {
            sum[l] += a[l];
            sum[l] -= s[l];
            o[l] = sum[l] / cur;
        }
    }
    for (int64_t i = 0; i < p4; i++, li++, oi++) {
        const float *s = in + li * tstride;
        float *o = out + oi * tstride;
        cur -= 1.0f;
        for (size_t l = 0; l < lanes; l++) {
            sum[l] -= s[l];
            o[l] = sum[l] / cur;
        }
    }
}

/* Box filter along every row (each row is a vector of `cols` samples).
 * Rows are processed in groups through a small transposed tile so the
 * inner loop runs across rows. */
#define ROW_TILE 16
static void box_along_rows(const float *in, float *out, uint32_t rows, uint32_t cols,
                           uint32_t window, float *tile_in, float *tile_out, float *sum)
{
    for (uint32_t r0 = 0; r0 < rows; r0 += ROW_TILE) {
        uint32_t nr = rows - r0 < ROW_TILE ? rows - r0 : ROW_TILE;
        for (uint32_t r = 0; r < nr; r++)
            for (uint32_t c = 0; c < cols; c++)
                tile_in[(size_t)c * ROW_TILE + r] = in[(size_t)(r0 + r) * cols + c];
        box_pass(tile_in, tile_out, cols, ROW_TILE, nr, window, sum);
        for (uint32_t r = 0; r < nr; r++)
            for (uint32_t c = 0; c < cols; c++)
                out[(size_t)(r0 + r) * cols + c] = tile_out[(size_t)c * ROW_TILE + r];
    }
}

/* Box filter along every column, in place: all columns advance together,
 * row by row, with exactly box_pass's operations. Each row is copied into
 * a ring of window + 1 rows just before it is overwritten, because the
 * window's trailing edge subtracts it again later (at most window rows
 * behind); the rows it adds are always at or ahead of the row written.
 * This keeps the full-resolution filter to one image-sized buffer. */
static void box_along_cols(float *buf, uint32_t n, size_t cols, uint32_t window, float *sum,
                           float *ring)
{
    uint32_t half = (window + 2) / 2;
    int64_t p1 = (int64_t)half - 1, p2 = (int64_t)window - half + 1;
    int64_t p3 = (int64_t)n - window, p4 = (int64_t)half - 1;
    size_t ri = 0, li = 0, oi = 0, nring = (size_t)window + 1;
    float cur = 0.0f;

    for (size_t l = 0; l < cols; l++)
        sum[l] = 0.0f;
    for (int64_t i = 0; i < p1; i++, ri++) {
        const float *a = buf + ri * cols;
        for (size_t l = 0; l < cols; l++)
            sum[l] += a[l];
        cur += 1.0f;
    }
    for (int64_t i = 0; i < p2; i++, ri++, oi++) {
        const float *a = buf + ri * cols;
        float *o = buf + oi * cols;
        memcpy(ring + (oi % nring) * cols, o, cols * sizeof(float));
        cur += 1.0f;
        for (size_t l = 0; l < cols; l++) {
            sum[l] += a[l];
            o[l] = sum[l] / cur;
        }
    }
    for (int64_t i = 0; i < p3; i++, ri++, li++, oi++) {
        const float *a = buf + ri * cols, *s = ring + (li % nring) * cols;
        float *o = buf + oi * cols;
        memcpy(ring + (oi % nring) * cols, o, cols * sizeof(float));
        for (size_t l = 0; l < cols; l++) {
            sum[l] += a[l];
            sum[l] -= s[l];
            o[l] = sum[l] / cur;
        }
    }
    for (int64_t i = 0; i < p4; i++, li++, oi++) {
        const float *s = ring + (li % nring) * cols;
        float *o = buf + oi * cols;
        memcpy(ring + (oi % nring) * cols, o, cols * sizeof(float));
        cur -= 1.0f;
        for (size_t l = 0; l < cols; l++) {
            sum[l] -= s[l];
            o[l] = sum[l] / cur;
        }
    }
}

/* ---------------- DCT and bits ---------------- */

static float dct_matrix[16][64];
static int dct_ready;

static void dct_init(void)
{
    /* As the reference does: its scale factor is a float, each entry is
     * computed in double from it and rounded to float. (A double scale
     * moved 2 of the 11,744 vPDQ reference frames by up to 2 bits: their
     * two middle DCT values were 1.2e-5 apart.) Idempotent: a race between
     * threads writes identical values. */
    if (__atomic_load_n(&dct_ready, __ATOMIC_ACQUIRE))
        return;
    const float scale = (float)sqrt(2.0 / 64.0);
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 64; j++)
            dct_matrix[i][j] = (float)(scale * cos((M_PI / 2 / 64.0) * (i + 1) * (2 * j + 1)));
    __atomic_store_n(&dct_ready, 1, __ATOMIC_RELEASE);
}

/* B = D A D^T with float accumulation in k order. */
static void dct64_to_16(const float a[64][64], float b[16][16])
{
    float t[16][64];
    for (int i = 0; i < 16; i++) {
        float acc[64] = {0};
        for (int k = 0; k < 64; k++) {
            float d = dct_matrix[i][k];
            for (int j = 0; j < 64; j++)
                acc[j] += d * a[k][j];
        }
        memcpy(t[i], acc, sizeof acc);
    }
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            float s = 0.0f;
            for (int k = 0; k < 64; k++)
                s += t[i][k] * dct_matrix[j][k];
            b[i][j] = s;
        }
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Bits from a 16x16 block: 1 where the value exceeds the lower median (the
 * 128th smallest value, which is what the reference's Torben median
 * returns for 256 values). */
static void bits_from_dct(const float b[16][16], bw_pdq *hash)
{
    float sorted[256];
    float median;
    memcpy(sorted, b, sizeof sorted);
    qsort(sorted, 256, sizeof(float), cmp_float);
    median = sorted[127];
    memset(hash, 0, sizeof *hash);
    for (int k = 0; k < 256; k++)
        if (b[k / 16][k % 16] > median)
            hash->w[k / 64] |= (uint64_t)1 << (k % 64);
}

/* The 8 dihedral transforms, acting on the DCT directly: a flip of one
 * axis negates the coefficients of odd-numbered frequency along it
 * (frequency = index + 1, so even indices), a transpose swaps the axes. */
static void dct_dihedral(const float a[16][16], int which, float out[16][16])
{
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            float v = a[i][j];
            int neg_i = !(i & 1), neg_j = !(j & 1); /* flips along rows / columns */
            switch (which) {
            case BW_PDQ_ORIG: out[i][j] = v; break;
            case BW_PDQ_ROT90: out[j][i] = neg_j ? -v : v; break;
            case BW_PDQ_ROT180: out[i][j] = (neg_i ^ neg_j) ? -v : v; break;
            case BW_PDQ_ROT270: out[j][i] = neg_i ? -v : v; break;
            case BW_PDQ_FLIPX: out[i][j] = neg_i ? -v : v; break;
            case BW_PDQ_FLIPY: out[i][j] = neg_j ? -v : v; break;
            case BW_PDQ_TRANSPOSE: out[j][i] = v; break;
            case BW_PDQ_TRANSVERSE: out[j][i] = (neg_i ^ neg_j) ? -v : v; break;
            default: break;
            }
        }
}

/* ---------------- Quality ---------------- */

static int quality_metric(const float a[64][64])
{
    int sum = 0, q;
    for (int i = 0; i < 63; i++)
        for (int j = 0; j < 64; j++) {
            int d = (int)(((a[i][j] - a[i + 1][j]) * 100) / 255);
            sum += abs(d);
        }
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 63; j++) {
            int d = (int)(((a[i][j] - a[i][j + 1]) * 100) / 255);
            sum += abs(d);
        }
    q = sum / 90;
    return q > 100 ? 100 : q;
}

/* ---------------- Hashing ---------------- */

/* What the reference gives an image too small to hash: zero, quality 0. */
static bw_status zero_hash(bw_pdq *hash, int *quality, bw_pdq dihedral[BW_PDQ_DIHEDRAL_COUNT])
{
    memset(hash, 0, sizeof *hash);
    if (quality)
        *quality = 0;
    if (dihedral)
        memset(dihedral, 0, sizeof(bw_pdq) * BW_PDQ_DIHEDRAL_COUNT);
    return BW_OK;
}

/* buf1 holds the luma (w*h) and is filtered in place. */
static bw_status hash_buffers(float *buf1, uint32_t w, uint32_t h, bw_pdq *hash,
                              int *quality, bw_pdq dihedral[BW_PDQ_DIHEDRAL_COUNT], bw_error *err)
{
    float a[64][64], b[16][16];
    int q;

    if (w < MIN_HASHABLE_DIM || h < MIN_HASHABLE_DIM) {
        return zero_hash(hash, quality, dihedral);
    }
    dct_init();
    if (w == 64 && h == 64) {
        memcpy(a, buf1, sizeof a);
    } else {
        uint32_t wr = jarosz_window(w), wc = jarosz_window(h);
        size_t lanes = w > ROW_TILE ? w : ROW_TILE;
        float *sum = bw__malloc(lanes * sizeof(float));
        float *tile = bw__malloc(2 * (size_t)w * ROW_TILE * sizeof(float));
        float *ring = bw__malloc(((size_t)wc + 1) * w * sizeof(float));
        if (!sum || !tile || !ring) {
            free(sum);
            free(tile);
            free(ring);
            return bw__fail(err, BW_ERR_NOMEM, "out of memory");
        }
        for (int pass = 0; pass < 2; pass++) {
            /* rows: each group of rows goes through a tile, so in place is safe */
            box_along_rows(buf1, buf1, h, w, wr, tile, tile + (size_t)w * ROW_TILE, sum);
            box_along_cols(buf1, h, w, wc, sum, ring);
        }
        free(sum);
        free(tile);
        free(ring);
        for (int i = 0; i < 64; i++) {
            size_t ini = (size_t)(((i + 0.5) * h) / 64);
            for (int j = 0; j < 64; j++) {
                size_t inj = (size_t)(((j + 0.5) * w) / 64);
                a[i][j] = buf1[ini * w + inj];
            }
        }
    }
    q = quality_metric(a);
    dct64_to_16(a, b);
    bits_from_dct(b, hash);
    if (quality)
        *quality = q;
    if (dihedral) {
        dihedral[0] = *hash;
        for (int d = 1; d < BW_PDQ_DIHEDRAL_COUNT; d++) {
            float t[16][16];
            dct_dihedral(b, d, t);
            bits_from_dct(t, &dihedral[d]);
        }
    }
    return BW_OK;
}

bw_status bw_pdq_hash_luma(const float *luma, uint32_t w, uint32_t h, bw_pdq *hash,
                           int *quality, bw_pdq dihedral[BW_PDQ_DIHEDRAL_COUNT], bw_error *err)
{
    int ovf = 0;
    size_t n = bw__mul(w, h, &ovf);
    float *b1;
    bw_status st;
    if (ovf || bw__mul(n, sizeof(float), &ovf) == 0 || ovf)
        return bw__fail(err, BW_ERR_LIMIT, "image too large: %ux%u", w, h);
    b1 = bw__malloc(n * sizeof(float));
    if (!b1)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory for %ux%u", w, h);
    memcpy(b1, luma, n * sizeof(float));
    st = hash_buffers(b1, w, h, hash, quality, dihedral, err);
    free(b1);
    return st;
}

bw_status bw_pdq_hash_image(const bw_image *img, bw_pdq *hash, int *quality,
                            bw_pdq dihedral[BW_PDQ_DIHEDRAL_COUNT], bw_error *err)
{
    uint32_t w = img->width, h = img->height;
    int ovf = 0;
    size_t n = bw__mul(w, h, &ovf);
    float *b1;
    bw_status st;
    if (img->channels != 1 && img->channels != 3)
        return bw__fail(err, BW_ERR_ARG, "PDQ needs 1 or 3 channels, not %u", img->channels);
    if (img->full_width > w || img->full_height > h) /* a fast-path scaled decode */
        return bw__pdq_hash_scaled(img, hash, quality, dihedral, err);
    if (ovf || bw__mul(n, sizeof(float), &ovf) == 0 || ovf)
        return bw__fail(err, BW_ERR_LIMIT, "image too large: %ux%u", w, h);
    if (n == 0) {
        return zero_hash(hash, quality, dihedral);
    }
    b1 = bw__malloc(n * sizeof(float));
    if (!b1)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory for %ux%u", w, h);
    for (uint32_t y = 0; y < h; y++) {
        const uint8_t *p = img->pixels + (size_t)y * img->stride;
        float *o = b1 + (size_t)y * w;
        if (img->channels == 1) {
            for (uint32_t x = 0; x < w; x++)
                o[x] = (float)p[x];
        } else {
            for (uint32_t x = 0; x < w; x++)
                o[x] = 0.299f * (float)p[3 * x] + 0.587f * (float)p[3 * x + 1] +
                       0.114f * (float)p[3 * x + 2];
        }
    }
    st = hash_buffers(b1, w, h, hash, quality, dihedral, err);
    free(b1);
    return st;
}

int bw_pdq_distance(const bw_pdq *a, const bw_pdq *b)
{
    return __builtin_popcountll(a->w[0] ^ b->w[0]) + __builtin_popcountll(a->w[1] ^ b->w[1]) +
           __builtin_popcountll(a->w[2] ^ b->w[2]) + __builtin_popcountll(a->w[3] ^ b->w[3]);
}

void bw_pdq_to_hex(const bw_pdq *hash, char out[BW_PDQ_HEX_LEN + 1])
{
    static const char hexd[] = "0123456789abcdef";
    for (int i = 0; i < 64; i++) {
        int nib = 63 - i; /* nibble index from the least significant end */
        out[i] = hexd[(hash->w[nib / 16] >> (4 * (nib % 16))) & 15];
    }
    out[64] = '\0';
}

bw_status bw_pdq_from_hex(const char *hex, size_t len, bw_pdq *hash)
{
    if (len != BW_PDQ_HEX_LEN)
        return BW_ERR_ARG;
    memset(hash, 0, sizeof *hash);
    for (int i = 0; i < 64; i++) {
        char c = hex[i];
        int v = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        int nib = 63 - i;
        if (v < 0)
            return BW_ERR_ARG;
        hash->w[nib / 16] |= (uint64_t)v << (4 * (nib % 16));
    }
    return BW_OK;
}
