/* watermark_dwt.c -- the signal maths of the invisible-watermark decoder
 * (imwatermark's `dwtDct` method), bit-exact with the Python reference:
 *
 *   1. U of OpenCV's cvtColor(BGR2YUV) on uint8, in OpenCV's fixed point
 *      (14-bit coefficients, round half up, saturate), through tables;
 *   2. one level of PyWavelets' 2-D Haar DWT, approximation band only,
 *      in double precision and in PyWavelets' order of operations (row
 *      pairs first, then column pairs; no FMA: the build uses
 *      -ffp-contract=off);
 *   3. per 4x4 block of that band, the coefficient of largest magnitude
 *      among positions 1..15 (ties: the first), voting 1 when its magnitude
 *      mod 36 exceeds 18 (the reference's scale for U is 36).
 *
 * Despite the method's name no DCT is involved: imwatermark's dwtDct
 * decoder reads the Haar band directly (only dwtDctSvd uses cv2.dct).
 * Each 4x4 block of the band comes from an 8x8 block of pixels, so the
 * decoder walks the image in strips of 8 pixel rows: U of the strip (both
 * channel orders, 16 bytes per pixel column), then the strip's blocks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "provenance/watermark/watermark_internal.h"
#include "core/internal.h"

/* OpenCV's BT.601 fixed-point constants (imgproc color.hpp,
 * color_yuv.simd.hpp): Y = R2Y*R + G2Y*G + B2Y*B, U = B2UI*(B - Y) + 128,
 * all scaled by 2^14. */
enum { YUV_SHIFT = 14, R2Y = 4899, G2Y = 9617, B2Y = 1868, B2UI = 8061 };

#define HAAR_H 0.7071067811865476 /* PyWavelets' haar filter tap */
#define WM_SCALE 36.0             /* imwatermark scales=[0,36,36], U is index 1 */
#define WM_BLOCK 4

/* OpenCV's arithmetic as tables: the three products of Y (the rounding
 * half of CV_DESCALE folded into the blue one), and U for every B - Y. */
typedef struct yuv_tables {
    int b[256], g[256], r[256];
    uint8_t u[511]; /* index B - Y + 255 */
} yuv_tables;

static void yuv_tables_init(yuv_tables *t)
{
    const int half = 1 << (YUV_SHIFT - 1), delta = 128 << YUV_SHIFT;
    for (int v = 0; v < 256; v++) {
        t->b[v] = v * B2Y + half;
        t->g[v] = v * G2Y;
        t->r[v] = v * R2Y;
    }
    for (int d = -255; d <= 255; d++) {
        int u = (d * B2UI + delta + half) >> YUV_SHIFT; /* d*B2UI + delta > 0: no sign issue */
        t->u[d + 255] = (uint8_t)(u < 0 ? 0 : u > 255 ? 255 : u);
    }
}

/* U of one row of n RGB pixels, in both channel orders. */
static void u_row(const yuv_tables *t, const uint8_t *restrict px, size_t n,
                  uint8_t *restrict u_bgr, uint8_t *restrict u_swapped)
{
    for (size_t x = 0; x < n; x++) {
        int r = px[3 * x], g = px[3 * x + 1], b = px[3 * x + 2];
        int y0 = (t->b[b] + t->g[g] + t->r[r]) >> YUV_SHIFT;
        int y1 = (t->b[r] + t->g[g] + t->r[b]) >> YUV_SHIFT; /* red read as blue */
        u_bgr[x] = t->u[b - y0 + 255];
        u_swapped[x] = t->u[r - y1 + 255];
    }
}

size_t bw__wm_block_count(uint32_t width, uint32_t height)
{
    size_t bw = (size_t)(width / 4 * 4 / 2) / WM_BLOCK;
    size_t bh = (size_t)(height / 4 * 4 / 2) / WM_BLOCK;
    return bw * bh;
}

/* The vote of one 4x4 block of the approximation band (row-major). */
static uint8_t block_vote(const double *ca)
{
    int best = 1;
    double bestv = fabs(ca[1]);
    for (int k = 2; k < WM_BLOCK * WM_BLOCK; k++) {
        double v = fabs(ca[k]);
        if (v > bestv) {
            bestv = v;
            best = k;
        }
    }
    return fmod(fabs(ca[best]), WM_SCALE) > 0.5 * WM_SCALE;
}

/* The votes of one row of blocks from the U of its 8 pixel rows. */
static void block_row(const uint8_t *const u[8], size_t bcols, const double *hu, uint8_t *votes)
{
    for (size_t bx = 0; bx < bcols; bx++) {
        double ca[WM_BLOCK * WM_BLOCK];
        for (int i = 0; i < WM_BLOCK; i++) {
            const uint8_t *r0 = u[2 * i] + bx * 8, *r1 = u[2 * i + 1] + bx * 8;
            for (int j = 0; j < WM_BLOCK; j++) {
                /* PyWavelets: along rows first (pixel rows 2i, 2i+1) ... */
                double t0 = hu[r1[2 * j]] + hu[r0[2 * j]];
                double t1 = hu[r1[2 * j + 1]] + hu[r0[2 * j + 1]];
                /* ... then along columns */
                ca[i * WM_BLOCK + j] = HAAR_H * t1 + HAAR_H * t0;
            }
        }
        votes[bx] = block_vote(ca);
    }
}

bw_status bw__wm_votes(const bw_image *img, uint8_t *votes_bgr, uint8_t *votes_swapped)
{
    size_t bcols = (size_t)(img->width / 4 * 4 / 2) / WM_BLOCK;
    size_t brows = (size_t)(img->height / 4 * 4 / 2) / WM_BLOCK;
    size_t n = bcols * 8; /* pixels of a row that blocks use */
    double hu[256];
    yuv_tables yt;
    uint8_t *buf;
    const uint8_t *ub[8], *us[8];

    if (bcols == 0 || brows == 0)
        return BW_OK;
    if (!(buf = bw__malloc(16 * n)))
        return BW_ERR_NOMEM;
    yuv_tables_init(&yt);
    for (int v = 0; v < 256; v++)
        hu[v] = HAAR_H * (double)v; /* the first products, as PyWavelets forms them */
    for (int r = 0; r < 8; r++) {
        ub[r] = buf + (size_t)r * n;
        us[r] = buf + (size_t)(8 + r) * n;
    }
    for (size_t by = 0; by < brows; by++) {
        for (int r = 0; r < 8; r++)
            u_row(&yt, img->pixels + (by * 8 + (size_t)r) * img->stride, n, (uint8_t *)ub[r],
                  (uint8_t *)us[r]);
        block_row(ub, bcols, hu, votes_bgr + by * bcols);
        block_row(us, bcols, hu, votes_swapped + by * bcols);
    }
    free(buf);
    return BW_OK;
}

void bw__wm_average(const uint8_t *votes, size_t nblocks, unsigned nbits, double *avg,
                    unsigned *count)
{
    unsigned sum[BW__WM_MAX_BITS], n[BW__WM_MAX_BITS];
    unsigned b = 0;
    memset(sum, 0, sizeof sum);
    memset(n, 0, sizeof n);
    if (nbits == 0 || nbits > BW__WM_MAX_BITS)
        return;
    for (size_t k = 0; k < nblocks; k++) {
        sum[b] += votes[k];
        n[b]++;
        if (++b == nbits)
            b = 0;
    }
    for (unsigned i = 0; i < nbits; i++) {
        /* numpy: the sum of 0/1 votes is exact; mean = sum / n */
        avg[i] = n[i] ? (double)sum[i] / (double)n[i] : NAN;
        if (count)
            count[i] = n[i];
    }
}

int bw__wm_bit(double avg, unsigned count)
{
    if (count == 0 || isnan(avg))
        return 0;
    return avg * 255.0 > 127.0;
}
