/* pdq_scaled.c -- PDQ of an image the fast path decoded at reduced scale,
 * filtered the way the full-resolution image would have been.
 *
 * Running the PDQ pipeline on the small image as if it were the whole
 * picture changes the hash far more than the pixels differ: PDQ's box
 * window is ceil(side/128) of whatever it is given, and a 1/8 decode
 * already carries an 8-pixel box, so the blur before the 64x64 sampling is
 * no longer the reference's. Bits near the median flip (16 bits and more
 * on ordinary photos).
 *
 * Instead this file computes the 64x64 buffer the full-resolution pipeline
 * would have sampled. Along one axis of n pixels, PDQ's two box passes
 * (window w = ceil(n/128), shrinking at the edges) followed by taking
 * sample s_j = floor((j + 0.5) * n / 64) are one linear kernel K_j over the
 * full-resolution pixels. Each pixel of the scaled image stands for a known
 * footprint of full_width/width by full_height/height full-resolution
 * pixels (bulwark/image.h), so K_j is
 * integrated over each footprint to give the weight of that scaled pixel.
 * The kernels are separable, so the 64x64 buffer is Wy * L * Wx^T, where L
 * is the scaled image's luma. What is lost is only the variation inside a
 * footprint; the 64x64 buffer then goes through the ordinary quality, DCT
 * and threshold steps (bw_pdq_hash_luma on a 64x64 input). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "pdq/pdq_internal.h"

/* Weights of the scaled pixels for each of the 64 samples along one axis:
 * sample j reads pixels first[j] .. first[j] + count[j] - 1 with weights
 * w[j * stride + k]. */
typedef struct axis {
    uint32_t first[64], count[64];
    uint32_t stride;
    double *w;
} axis;

static bw_status axis_build(axis *a, uint32_t n, uint32_t nout, double pitch, bw_error *err)
{
    /* The reference's box: output o averages inputs [o - lo, o + hi]. */
    uint32_t win = (n + 127) / 128;
    int64_t half = (win + 2) / 2, lo = (int64_t)win - half, hi = half - 1;
    int64_t span = 2 * (lo + hi) + 1; /* support of one kernel, in pixels */
    double *k;
    memset(a, 0, sizeof *a);
    a->stride = (uint32_t)(span / pitch) + 3;
    a->w = bw__calloc((size_t)64 * a->stride, sizeof(double));
    k = bw__calloc((size_t)span + 2, sizeof(double));
    if (!a->w || !k) {
        free(a->w);
        free(k);
        a->w = NULL;
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    for (int j = 0; j < 64; j++) {
        int64_t s = (int64_t)(((j + 0.5) * n) / 64);
        int64_t t0 = s - lo < 0 ? 0 : s - lo, t1 = s + hi > (int64_t)n - 1 ? (int64_t)n - 1 : s + hi;
        int64_t x0 = t0 - lo < 0 ? 0 : t0 - lo, x1 = t1 + hi > (int64_t)n - 1 ? (int64_t)n - 1 : t1 + hi;
        double cs = (double)(t1 - t0 + 1), acc = 0.0;
        uint32_t first;

        /* K over [x0, x1] as a difference array: each t in the first box
         * spreads 1/(cs*ct) over its own box. */
        memset(k, 0, sizeof(double) * ((size_t)(x1 - x0) + 2));
        for (int64_t t = t0; t <= t1; t++) {
            int64_t a0 = t - lo < 0 ? 0 : t - lo, a1 = t + hi > (int64_t)n - 1 ? (int64_t)n - 1 : t + hi;
            double v = 1.0 / (cs * (double)(a1 - a0 + 1));
            k[a0 - x0] += v;
            k[a1 - x0 + 1] -= v;
        }
        first = (uint32_t)floor((double)x0 / pitch);
        if (first >= nout)
            first = nout - 1;
        a->first[j] = first;
        for (int64_t x = x0; x <= x1; x++) {
            double kx;
            acc += k[x - x0];
            kx = acc;
            /* Pixel [x, x+1) lies in footprint X = floor(x/pitch) and
             * perhaps the next one. */
            for (uint32_t X = (uint32_t)floor((double)x / pitch);; X++) {
                double f0 = X * pitch, f1 = (X + 1) * pitch;
                double ov = (f1 < x + 1.0 ? f1 : x + 1.0) - (f0 > (double)x ? f0 : (double)x);
                uint32_t col = X < nout ? X : nout - 1;
                if (ov > 0 && col - first < a->stride)
                    a->w[(size_t)j * a->stride + (col - first)] += kx * ov;
                if (f1 >= x + 1.0 || X >= nout - 1)
                    break;
            }
        }
        a->count[j] = (uint32_t)floor((double)x1 / pitch) + 1 - first;
        if (first + a->count[j] > nout)
            a->count[j] = nout - first;
        if (a->count[j] > a->stride)
            a->count[j] = a->stride;
    }
    free(k);
    return BW_OK;
}

bw_status bw__pdq_hash_scaled(const bw_image *img, bw_pdq *hash, int *quality,
                              bw_pdq dihedral[BW_PDQ_DIHEDRAL_COUNT], bw_error *err)
{
    uint32_t w = img->width, h = img->height;
    uint32_t fw = img->full_width > w ? img->full_width : w;
    uint32_t fh = img->full_height > h ? img->full_height : h;
    double px = (double)fw / w, py = (double)fh / h;
    axis ax, ay;
    double *t = NULL;
    float *luma = NULL, a[64 * 64];
    bw_status st;

    if ((st = axis_build(&ax, fw, w, px, err)) != BW_OK)
        return st;
    if ((st = axis_build(&ay, fh, h, py, err)) != BW_OK) {
        free(ax.w);
        return st;
    }
    t = bw__calloc((size_t)64 * w, sizeof(double));
    luma = bw__malloc((size_t)w * sizeof(float));
    if (!t || !luma) {
        st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* T = Wy * L, one image row at a time. */
    for (uint32_t y = 0; y < h; y++) {
        const uint8_t *p = img->pixels + (size_t)y * img->stride;
        int have = 0;
        for (int i = 0; i < 64; i++) {
            double wy;
            double *ti = t + (size_t)i * w;
            if (y < ay.first[i] || y - ay.first[i] >= ay.count[i])
                continue;
            wy = ay.w[(size_t)i * ay.stride + (y - ay.first[i])];
            if (wy == 0.0)
                continue;
            if (!have) {
                for (uint32_t x = 0; x < w; x++)
                    luma[x] = img->channels == 1 ? (float)p[x]
                                                 : 0.299f * (float)p[3 * x] +
                                                       0.587f * (float)p[3 * x + 1] +
                                                       0.114f * (float)p[3 * x + 2];
                have = 1;
            }
            for (uint32_t x = 0; x < w; x++)
                ti[x] += wy * luma[x];
        }
    }
    /* A = T * Wx^T. */
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++) {
            const double *ti = t + (size_t)i * w + ax.first[j];
            const double *wx = ax.w + (size_t)j * ax.stride;
            double s = 0.0;
            for (uint32_t k = 0; k < ax.count[j]; k++)
                s += ti[k] * wx[k];
            a[i * 64 + j] = (float)s;
        }
    st = bw_pdq_hash_luma(a, 64, 64, hash, quality, dihedral, err);
out:
    free(t);
    free(luma);
    free(ax.w);
    free(ay.w);
    return st;
}
