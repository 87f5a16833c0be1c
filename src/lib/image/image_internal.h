/* image_internal.h -- what the per-format decoders (jpeg.c, png.c, webp.c,
 * gif.c, bmp.c, tiff.c, heif.c) share with the dispatcher (decode.c).
 *
 * Every decoder has the same two entry points:
 *
 *   probe:  read the header only, report the full size;
 *   decode: fill a zeroed bw_image with 8-bit grey or RGB pixels.
 *
 * The dispatcher resolves the options first (limits never NULL, the fast
 * path's minimum side filled in), so decoders can rely on them. Decoders
 * check the header's size with bw__image_check_size() before any large
 * allocation, and allocate the output with bw__image_alloc(). */
#ifndef BW_IMAGE_INTERNAL_H
#define BW_IMAGE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "core/internal.h"
#include "bulwark/image.h"

/* Options after resolution by decode.c. */
typedef struct bw__dopts {
    int exact;                 /* full resolution, accurate settings */
    uint32_t min_side;         /* fast path: keep the smaller side >= this */
    const bw_limits *lim;      /* never NULL */
} bw__dopts;

/* BW_ERR_LIMIT "image too large: WxH" when the size breaks max_dimension or
 * max_pixels; BW_ERR_CORRUPT when either side is 0. fmt names the format
 * in the message ("JPEG"). */
bw_status bw__image_check_size(const char *fmt, uint64_t w, uint64_t h, const bw_limits *lim,
                               bw_error *err);

/* Reserve bytes from the memory budget (core/budget.c) for this image, to
 * be held until bw_image_free: the decoder's whole need at once, before it
 * allocates any of it -- pixels, its own large scratch, and PDQ's float copy
 * of the pixels (bw__image_need). At most once per image; fmt names the
 * format in the message. */
bw_status bw__image_reserve(bw_image *img, const char *fmt, uint64_t w, uint64_t h,
                            uint64_t bytes, const bw_limits *lim, bw_error *err);

/* What a w x h x channels image costs to hold and hash: the 8-bit pixels
 * and PDQ's float copy of their luma. */
static inline uint64_t bw__image_need(uint64_t w, uint64_t h, uint64_t channels)
{
    return w * h * channels + w * h * sizeof(float);
}

/* Allocate img->pixels for w x h x channels (1 or 3), set the geometry
 * (full size = w x h unless the caller changes it afterwards). Reserves
 * bw__image_need() from the budget first unless bw__image_reserve was
 * called. */
bw_status bw__image_alloc(bw_image *img, uint32_t w, uint32_t h, uint32_t channels,
                          const bw_limits *lim, bw_error *err);

/* An RGB image whose every pixel has R == G == B becomes a 1-channel one,
 * in place. This is what ImageMagick's PNM writer does (P5 for grey
 * images), and the reference hashed what it wrote: a grey PNM is hashed
 * as grey, not through the luma weights. */
void bw__image_collapse_grey(bw_image *img);

/* A 16-bit sample to 8 bits, rounding as ImageMagick Q16 does
 * (ScaleQuantumToChar). */
static inline uint8_t bw__q16_to_8(uint32_t v)
{
    return (uint8_t)(((v + 128u) - ((v + 128u) >> 8)) >> 8);
}

/* Per-format entry points. data/len is the whole file. */
#define BW__DECODER(name)                                                                  \
    bw_status bw__##name##_probe(const uint8_t *data, size_t len, uint32_t *w, uint32_t *h, \
                                 bw_error *err);                                           \
    bw_status bw__##name##_decode(const uint8_t *data, size_t len, const bw__dopts *o,       \
                                  bw_image *img, bw_error *err)
BW__DECODER(jpeg);
BW__DECODER(png);
BW__DECODER(webp);
BW__DECODER(gif);
BW__DECODER(bmp);
BW__DECODER(tiff);
BW__DECODER(heif);
#undef BW__DECODER

#endif
