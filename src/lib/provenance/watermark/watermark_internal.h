/* watermark_internal.h -- the invisible-watermark decoder's pieces, shared
 * by watermark_dwt.c (the signal maths), watermark.c (messages, decision,
 * signal) and the tests, which check every step against the reference
 * decoder's figures in ../shared/refdata/watermark/manifest.json. */
#ifndef BW_WATERMARK_INTERNAL_H
#define BW_WATERMARK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "bulwark/image.h"
#include "bulwark/status.h"

/* Channel orders tried. BW__WM_BGR: the encoder saw the true channels (the
 * SD scripts convert RGB to BGR first; the file is read back the same way).
 * BW__WM_RB_SWAPPED: the encoder was handed an RGB array as if it were BGR
 * (the diffusers SDXL pipelines), so its "blue" is our red. */
enum { BW__WM_BGR = 0, BW__WM_RB_SWAPPED = 1, BW__WM_ORDERS = 2 };

/* The reference refuses images with fewer pixels than this. */
#define BW__WM_MIN_PIXELS (256u * 256u)
#define BW__WM_MAX_BITS 136u

/* Number of 4x4 blocks of the Haar approximation band of a w x h image:
 * (h/4*4/2/4) * (w/4*4/2/4). */
size_t bw__wm_block_count(uint32_t width, uint32_t height);

/* The per-block votes (0 or 1) of the dwtDct decoder, in raster order of
 * the blocks, for both channel orders: U of OpenCV's uint8 BGR->YUV, one
 * level of PyWavelets' Haar DWT (approximation band only), then in each
 * 4x4 block the coefficient of largest magnitude among positions 1..15,
 * voting 1 when its magnitude mod 36 exceeds 18. votes[o] holds
 * bw__wm_block_count() bytes. img must be 8-bit RGB. BW_ERR_NOMEM is the
 * only error (a strip buffer of 16 bytes per pixel column). */
bw_status bw__wm_votes(const bw_image *img, uint8_t *votes_bgr, uint8_t *votes_swapped);

/* The reference's per-bit average of the votes for a message of nbits
 * bits (block k votes for bit k % nbits): avg[b] and, if count is not
 * NULL, the number of blocks voting, per bit. */
void bw__wm_average(const uint8_t *votes, size_t nblocks, unsigned nbits, double *avg,
                    unsigned *count);

/* The reference's bit decision on an average: avg * 255 > 127. A bit no
 * block voted for is 0 (numpy's mean of nothing is NaN). */
int bw__wm_bit(double avg, unsigned count);

/* The messages the decoder looks for. */
typedef struct bw__wm_message {
    const char *name;        /* "sdv1", "sdv2", "sdxl", "svd46" */
    const char *generator;   /* for the signal */
    const char *label;       /* for the detail: what the bits are */
    const uint8_t *bytes;    /* the bits, most significant first ... */
    unsigned skip;           /* ... after skipping this many leading bits */
    unsigned nbits;
    unsigned min_match;      /* detection threshold: bits that must agree */
} bw__wm_message;

/* Bit i of a message. */
static inline int bw__wm_message_bit(const bw__wm_message *m, unsigned i)
{
    i += m->skip;
    return (m->bytes[i / 8] >> (7 - i % 8)) & 1;
}

enum { BW__WM_SDV1 = 0, BW__WM_SDV2, BW__WM_SDXL, BW__WM_SVD46, BW__WM_NMSG };

/* The table of messages (BW__WM_NMSG entries, in the order above). */
const bw__wm_message *bw__wm_messages(void);

/* Everything the decoder concluded about one image. */
typedef struct bw__wm_result {
    int decoded;                                  /* 0: too small, grey or scaled */
    size_t nblocks;
    uint8_t bits[BW__WM_NMSG][BW__WM_ORDERS][BW__WM_MAX_BITS];
    unsigned match[BW__WM_NMSG][BW__WM_ORDERS];   /* bits agreeing with the message */
    int constant[BW__WM_NMSG][BW__WM_ORDERS];     /* every decoded bit the same */
    int found;                                    /* a message at or above threshold */
    int best_msg, best_order;                     /* the strongest one (when found) */
    double best_chance;                           /* P(>= match bits agree by chance) */
} bw__wm_result;

/* Decode img for every message in both channel orders and decide. */
bw_status bw__wm_decode(const bw_image *img, bw__wm_result *r);

/* P(X >= k) for X ~ Binomial(n, 1/2). */
double bw__wm_chance(unsigned n, unsigned k);

#endif
