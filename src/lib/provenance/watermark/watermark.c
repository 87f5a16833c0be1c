/* watermark.c -- the invisible-watermark source of provenance: decodes the
 * `dwtDct` watermark of the open invisible-watermark package (imwatermark)
 * that Stable Diffusion's reference scripts, SDXL (sgm and diffusers) and
 * Stable Video Diffusion embed, and reports it as a BW_SIGNAL_WATERMARK.
 *
 * The maths (YUV, Haar band, block votes) is in watermark_dwt.c. Here: the
 * known messages, reading each one's bits from the votes in both channel
 * orders, and the decision. A message is found when at least min_match of
 * its bits agree. The thresholds follow Stability AI's detect.py for the
 * 48-bit SDXL message ("likely watermarked" from 36 of 48, which Stability
 * puts at 0.02% false positives on real images); the other lengths use the
 * bit count with the same or smaller chance of arising from random bits
 * (P(Binomial(n,1/2) >= k) <= P(>= 36 of 48) = 3.6e-4): 89 of 136, 26 of
 * 32, 35 of 46. A decoded word whose bits are all equal (flat or vector
 * artwork gives all ones) carries no information and is never a match. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "provenance/prov_internal.h"
#include "provenance/watermark/watermark_internal.h"

/* ---------------------------------------------------------------- messages */

/* SDXL: WATERMARK_MESSAGE = 0xB3EC907BB19E, 48 bits. SVD/SV3D: the 48-bit
 * literal 0b0010...1110 written out with bin(), which drops the two
 * leading zeros: 46 bits. */
static const uint8_t sdxl_bytes[6] = {0xB3, 0xEC, 0x90, 0x7B, 0xB1, 0x9E};
static const uint8_t svd_bytes[6] = {0x2A, 0xFE, 0x87, 0x9C, 0xF5, 0x2E};

static const bw__wm_message messages[BW__WM_NMSG] = {
    [BW__WM_SDV1] = {"sdv1", "Stable Diffusion 1.x", "bytes \"StableDiffusionV1\"",
                     (const uint8_t *)"StableDiffusionV1", 0, 136, 89},
    [BW__WM_SDV2] = {"sdv2", "Stable Diffusion 2.x", "bytes \"SDV2\"",
                     (const uint8_t *)"SDV2", 0, 32, 26},
    [BW__WM_SDXL] = {"sdxl", "Stable Diffusion XL", "48-bit 0xB3EC907BB19E", sdxl_bytes, 0, 48, 36},
    [BW__WM_SVD46] = {"svd46", "Stable Video Diffusion", "46-bit 0x2AFE879CF52E", svd_bytes, 2, 46,
                      35},
};

const bw__wm_message *bw__wm_messages(void)
{
    return messages;
}

/* ---------------------------------------------------------------- decision */

double bw__wm_chance(unsigned n, unsigned k)
{
    /* sum_{i>=k} C(n,i) / 2^n, with C(n,i) in double (n <= 136 fits) */
    double c = 1.0, sum = 0.0;
    if (k > n)
        return 0.0;
    for (unsigned i = 0; i <= n; i++) {
        if (i >= k)
            sum += c;
        c = c * (double)(n - i) / (double)(i + 1);
    }
    return ldexp(sum, -(int)n);
}

bw_status bw__wm_decode(const bw_image *img, bw__wm_result *r)
{
    const bw__wm_message *msgs = bw__wm_messages();
    uint8_t *votes[BW__WM_ORDERS];
    size_t n;

    memset(r, 0, sizeof *r);
    r->best_msg = r->best_order = -1;
    r->best_chance = 1.0;
    if (!img || !img->pixels || img->channels != 3 || img->stride < (size_t)img->width * 3)
        return BW_OK;
    /* a scaled-down decode has lost the block grid */
    if ((img->full_width && img->full_width != img->width) ||
        (img->full_height && img->full_height != img->height))
        return BW_OK;
    if ((uint64_t)img->width * img->height < BW__WM_MIN_PIXELS)
        return BW_OK;
    n = bw__wm_block_count(img->width, img->height);
    if (n < BW__WM_MAX_BITS)
        return BW_OK;

    votes[0] = bw__malloc(2 * n);
    if (!votes[0])
        return BW_ERR_NOMEM;
    votes[1] = votes[0] + n;
    if (bw__wm_votes(img, votes[0], votes[1]) != BW_OK) {
        free(votes[0]);
        return BW_ERR_NOMEM;
    }
    r->decoded = 1;
    r->nblocks = n;

    for (int m = 0; m < BW__WM_NMSG; m++) {
        for (int o = 0; o < BW__WM_ORDERS; o++) {
            double avg[BW__WM_MAX_BITS];
            unsigned count[BW__WM_MAX_BITS], ones = 0, match = 0;
            bw__wm_average(votes[o], n, msgs[m].nbits, avg, count);
            for (unsigned b = 0; b < msgs[m].nbits; b++) {
                r->bits[m][o][b] = (uint8_t)bw__wm_bit(avg[b], count[b]);
                ones += r->bits[m][o][b];
                match += r->bits[m][o][b] == bw__wm_message_bit(&msgs[m], b);
            }
            r->match[m][o] = match;
            r->constant[m][o] = ones == 0 || ones == msgs[m].nbits;
            if (match >= msgs[m].min_match && !r->constant[m][o]) {
                double chance = bw__wm_chance(msgs[m].nbits, match);
                if (!r->found || chance < r->best_chance) {
                    r->found = 1;
                    r->best_msg = m;
                    r->best_order = o;
                    r->best_chance = chance;
                }
            }
        }
    }
    free(votes[0]);
    return BW_OK;
}

/* ---------------------------------------------------------------- source */

bw_status bw__prov_watermark(const bw_image *img, const bw_provenance_opts *opts,
                             bw_provenance *p)
{
    bw__wm_result r;
    const bw__wm_message *m;
    char detail[320], gen[96];
    bw_status st;

    if (opts && opts->no_watermark)
        return BW_OK;
    if ((st = bw__wm_decode(img, &r)) != BW_OK)
        return st;
    if (!r.found)
        return BW_OK;
    m = &bw__wm_messages()[r.best_msg];
    snprintf(gen, sizeof gen, "%s%s", m->generator,
             r.best_order == BW__WM_RB_SWAPPED && r.best_msg == BW__WM_SDXL ? " (diffusers)" : "");
    snprintf(detail, sizeof detail,
             "invisible-watermark dwtDct, %s message (%s): %u/%u bits agree "
             "(threshold %u; chance %.1e), %s channel order",
             m->name, m->label, r.match[r.best_msg][r.best_order], m->nbits, m->min_match,
             r.best_chance, r.best_order == BW__WM_BGR ? "BGR" : "R/B-swapped");
    return bw__prov_add_signal(p, BW_SIGNAL_WATERMARK, gen, detail, 1, 1, NULL);
}
