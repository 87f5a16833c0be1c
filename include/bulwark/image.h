/* bulwark/image.h -- sniffing and decoding images into 8-bit pixels.
 *
 * The format comes from the magic bytes, never from a file name. Decoding
 * follows the PDQ reference's conventions: alpha is dropped (not
 * composited), EXIF orientation is not applied, the first frame of an
 * animation is used, 16-bit samples are scaled to 8 bits.
 *
 * Two paths: exact (full resolution, the decoders' accurate settings --
 * what Meta's reference and HMA hash) and fast (the decoder may scale down
 * while decoding, e.g. libjpeg-turbo DCT scaling or the DC-only first scan
 * of a progressive JPEG, but never an embedded thumbnail). */
#ifndef BULWARK_IMAGE_H
#define BULWARK_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "limits.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bw_format {
    BW_FORMAT_UNKNOWN = 0,
    BW_FORMAT_JPEG,
    BW_FORMAT_PNG,
    BW_FORMAT_WEBP,
    BW_FORMAT_GIF,
    BW_FORMAT_BMP,
    BW_FORMAT_TIFF,
    BW_FORMAT_HEIF,
    BW_FORMAT_AVIF,
    BW_FORMAT_COUNT
} bw_format;

/* The format the first bytes announce (len may be short: then UNKNOWN). */
bw_format bw_format_sniff(const void *data, size_t len);

/* "jpeg", "png", "webp", "gif", "bmp", "tiff", "heif", "avif", "unknown". */
const char *bw_format_name(bw_format format);

/* An 8-bit image: channels is 1 (grey) or 3 (RGB), rows are stride bytes
 * apart. width/height are the pixel buffer's; full_width/full_height are
 * the image's own size, larger when the fast path decoded it scaled: then
 * pixel (x, y) stands for the full-resolution pixels in columns
 * [x*full_width/width, (x+1)*full_width/width), and likewise rows. PDQ
 * uses that to filter a scaled image as it would have filtered the full
 * one. (0 means the same as width/height.) */
typedef struct bw_image {
    uint8_t *pixels;
    uint32_t width, height, stride, channels;
    uint32_t full_width, full_height;
    bw_format format;
    uint64_t reserved;  /* bytes of the memory budget (max_memory_bytes) this image holds
                         * until bw_image_free; 0 for an image the caller made */
} bw_image;

/* The fast path's default for bw_decode_opts.fast_min_side: a decoder that
 * can scale while decoding picks the smallest scale that keeps the image's
 * smaller side at least this long. */
#define BW_DECODE_FAST_MIN_SIDE 256u

/* exact = 1: full resolution, with the settings ImageMagick's convert used
 * for the reference (JPEG: ISLOW IDCT, fancy upsampling; an RGB image whose
 * pixels are all grey comes back as 1 channel, as convert wrote a PGM).
 * exact = 0 (the fast path, meant for hashing): the decoder may scale down
 * while decoding (never below fast_min_side on the smaller side, and never
 * from an embedded thumbnail); a scaled image says so in full_width/height.
 * Formats that cannot scale while decoding decode as in the exact path. */
typedef struct bw_decode_opts {
    int exact;                 /* 1: full resolution, accurate settings */
    uint32_t fast_min_side;    /* fast path: scale no smaller than this (0: default) */
    const bw_limits *limits;   /* NULL: defaults */
} bw_decode_opts;

/* Read only the header: format and full size. BW_ERR_FORMAT when no
 * decoder recognises the bytes. */
bw_status bw_image_probe(const void *data, size_t len, bw_format *format,
                         uint32_t *width, uint32_t *height, bw_error *err);

/* Decode data into *img (zeroed first; release with bw_image_free). The
 * limits are checked from the header, before any large allocation. The
 * memory the decode and a PDQ hash of the result need is reserved first from
 * the budget all threads share (limits->max_memory_bytes): a decode waits
 * while other threads hold too much of it, and fails (BW_ERR_LIMIT, naming
 * the limit) when the image alone needs more than the whole budget. */
bw_status bw_image_decode(const void *data, size_t len, const bw_decode_opts *opts,
                          bw_image *img, bw_error *err);

void bw_image_free(bw_image *img);

#ifdef __cplusplus
}
#endif
#endif
