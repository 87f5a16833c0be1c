/* watermark_dwt.c -- the signal maths of the invisible-watermark decoder
 * (imwatermark's `dwtDct` method), bit-exact with the Python reference:
 *
 *   1. U of OpenCV's cvtColor(BGR2YUV) on uint8, in OpenCV's fixed point
 *      (14-bit coefficients, round half up, saturate);
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
 * decoder walks the image in 8x8 pixel blocks and needs no buffer. */
#include <math.h>
#include <string.h>
#include "provenance/watermark_internal.h"

/* OpenCV's BT.601 fixed-point constants (imgproc color.hpp,
 * color_yuv.simd.hpp): Y = R2Y*R + G2Y*G + B2Y*B, U = B2UI*(B - Y) + 128,
 * all scaled by 2^14. */
enum { YUV_SHIFT = 14, R2Y = 4899, G2Y = 9617, B2Y = 1868, B2UI = 8061 };

#define HAAR_H 0.7071067811865476 /* PyWavelets' haar filter tap */
#define WM_SCALE 36.0             /* imwatermark scales=[0,36,36], U is index 1 */
#define WM_BLOCK 4

/* OpenCV's CV_DESCALE: round half up, then shift. */
static inline int descale(int x)
{
    return (x + (1 << (YUV_SHIFT - 1))) >> YUV_SHIFT;
}

/* U of a pixel whose blue/green/red are b, g, r, as OpenCV computes it. */
static inline int yuv_u(int b, int g, int r)
{
    int y = descale(b * B2Y + g * G2Y + r * R2Y);
    int u = descale((b - y) * B2UI + (128 << YUV_SHIFT));
    return u < 0 ? 0 : u > 255 ? 255 : u;
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

void bw__wm_votes(const bw_image *img, uint8_t *votes_bgr, uint8_t *votes_swapped)
{
    size_t bcols = (size_t)(img->width / 4 * 4 / 2) / WM_BLOCK;
    size_t brows = (size_t)(img->height / 4 * 4 / 2) / WM_BLOCK;
    size_t num = 0;

    for (size_t by = 0; by < brows; by++) {
        for (size_t bx = 0; bx < bcols; bx++, num++) {
            double ca[BW__WM_ORDERS][WM_BLOCK * WM_BLOCK];
            for (int i = 0; i < WM_BLOCK; i++) {
                /* the two pixel rows behind approximation row i */
                const uint8_t *r0 = img->pixels + (by * 8 + 2 * (size_t)i) * img->stride + bx * 8 * 3;
                const uint8_t *r1 = r0 + img->stride;
                for (int j = 0; j < WM_BLOCK; j++) {
                    const uint8_t *p00 = r0 + 6 * j, *p01 = p00 + 3;
                    const uint8_t *p10 = r1 + 6 * j, *p11 = p10 + 3;
                    for (int o = 0; o < BW__WM_ORDERS; o++) {
                        /* pixels are RGB; order 0 reads blue as blue */
                        int bi = o == BW__WM_BGR ? 2 : 0, ri = 2 - bi;
                        double u00 = yuv_u(p00[bi], p00[1], p00[ri]);
                        double u01 = yuv_u(p01[bi], p01[1], p01[ri]);
                        double u10 = yuv_u(p10[bi], p10[1], p10[ri]);
                        double u11 = yuv_u(p11[bi], p11[1], p11[ri]);
                        /* PyWavelets: along rows first (pixel rows 2i, 2i+1) ... */
                        double t0 = HAAR_H * u10 + HAAR_H * u00;
                        double t1 = HAAR_H * u11 + HAAR_H * u01;
                        /* ... then along columns */
                        ca[o][i * WM_BLOCK + j] = HAAR_H * t1 + HAAR_H * t0;
                    }
                }
            }
            votes_bgr[num] = block_vote(ca[BW__WM_BGR]);
            votes_swapped[num] = block_vote(ca[BW__WM_RB_SWAPPED]);
        }
    }
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
