/* decode.c -- bw_image_probe and bw_image_decode (bulwark/image.h): sniff
 * the format from the magic bytes, resolve the options, and hand the bytes
 * to that format's decoder (one file each: jpeg.c, png.c, webp.c, gif.c,
 * bmp.c, tiff.c, heif.c). Also the helpers the decoders share: the size
 * check every decoder runs on the header before allocating, the output
 * allocation, and the grey collapse that mirrors what the reference's
 * decoder (ImageMagick writing PNM) did. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "image/image_internal.h"
#include "core/internal.h"

typedef struct decoder {
    const char *name; /* for messages */
    bw_status (*probe)(const uint8_t *, size_t, uint32_t *, uint32_t *, bw_error *);
    bw_status (*decode)(const uint8_t *, size_t, const bw__dopts *, bw_image *, bw_error *);
} decoder;

static const decoder decoders[BW_FORMAT_COUNT] = {
    [BW_FORMAT_JPEG] = {"JPEG", bw__jpeg_probe, bw__jpeg_decode},
    [BW_FORMAT_PNG] = {"PNG", bw__png_probe, bw__png_decode},
    [BW_FORMAT_WEBP] = {"WebP", bw__webp_probe, bw__webp_decode},
    [BW_FORMAT_GIF] = {"GIF", bw__gif_probe, bw__gif_decode},
    [BW_FORMAT_BMP] = {"BMP", bw__bmp_probe, bw__bmp_decode},
    [BW_FORMAT_TIFF] = {"TIFF", bw__tiff_probe, bw__tiff_decode},
    [BW_FORMAT_HEIF] = {"HEIF", bw__heif_probe, bw__heif_decode},
    [BW_FORMAT_AVIF] = {"AVIF", bw__heif_probe, bw__heif_decode},
};

bw_status bw__image_check_size(const char *fmt, uint64_t w, uint64_t h, const bw_limits *lim,
                               bw_error *err)
{
    if (w == 0 || h == 0)
        return bw__fail(err, BW_ERR_CORRUPT, "corrupt %s: image size %llux%llu", fmt,
                        (unsigned long long)w, (unsigned long long)h);
    if (w > lim->max_dimension || h > lim->max_dimension)
        return bw__fail(err, BW_ERR_LIMIT,
                        "image too large: %llux%llu (limit max_dimension=%u pixels a side)",
                        (unsigned long long)w, (unsigned long long)h, lim->max_dimension);
    /* w and h are at most 2^32 here, so the product fits. */
    if (w * h > lim->max_pixels)
        return bw__fail(err, BW_ERR_LIMIT, "image too large: %llux%llu (limit max_pixels=%llu)",
                        (unsigned long long)w, (unsigned long long)h,
                        (unsigned long long)lim->max_pixels);
    return BW_OK;
}

bw_status bw__image_reserve(bw_image *img, const char *fmt, uint64_t w, uint64_t h,
                            uint64_t bytes, const bw_limits *lim, bw_error *err)
{
    char what[80];
    bw_status st;
    if (img->reserved)
        return BW_OK;
    snprintf(what, sizeof what, "%s image %llux%llu", fmt, (unsigned long long)w,
             (unsigned long long)h);
    if ((st = bw__budget_reserve(lim, bytes, what, err)) == BW_OK)
        img->reserved = bytes;
    return st;
}

bw_status bw__image_alloc(bw_image *img, uint32_t w, uint32_t h, uint32_t channels,
                          const bw_limits *lim, bw_error *err)
{
    int ovf = 0;
    size_t stride = bw__mul(w, channels, &ovf);
    size_t n = bw__mul(stride, h, &ovf);
    bw_status st;
    if (ovf || n == 0)
        return bw__fail(err, BW_ERR_LIMIT, "image too large: %ux%u", w, h);
    if (!img->reserved &&
        (st = bw__image_reserve(img, bw_format_name(img->format), w, h,
                                bw__image_need(w, h, channels), lim, err)) != BW_OK)
        return st;
    img->pixels = bw__malloc(n);
    if (!img->pixels)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory for a %ux%u image", w, h);
    img->width = img->full_width = w;
    img->height = img->full_height = h;
    img->channels = channels;
    img->stride = (uint32_t)stride;
    return BW_OK;
}

void bw__image_collapse_grey(bw_image *img)
{
    if (img->channels != 3 || !img->pixels)
        return;
    for (uint32_t y = 0; y < img->height; y++) {
        const uint8_t *p = img->pixels + (size_t)y * img->stride;
        for (uint32_t x = 0; x < img->width; x++, p += 3)
            if (p[0] != p[1] || p[0] != p[2])
                return;
    }
    /* Every pixel is grey: keep one sample per pixel, rows packed. */
    for (uint32_t y = 0; y < img->height; y++) {
        const uint8_t *p = img->pixels + (size_t)y * img->stride;
        uint8_t *o = img->pixels + (size_t)y * img->width;
        for (uint32_t x = 0; x < img->width; x++)
            o[x] = p[3 * x];
    }
    img->channels = 1;
    img->stride = img->width;
}

static const decoder *lookup(const void *data, size_t len, bw_format *format, bw_error *err)
{
    *format = bw_format_sniff(data, len);
    if (len == 0) {
        bw__fail(err, BW_ERR_EMPTY, "empty file");
        return NULL;
    }
    if (*format == BW_FORMAT_UNKNOWN || !decoders[*format].decode) {
        bw__fail(err, BW_ERR_FORMAT, "not an image format bulwark decodes");
        return NULL;
    }
    return &decoders[*format];
}

bw_status bw_image_probe(const void *data, size_t len, bw_format *format, uint32_t *width,
                         uint32_t *height, bw_error *err)
{
    bw_format f;
    const decoder *d = lookup(data, len, &f, err);
    uint32_t w = 0, h = 0;
    bw_status st;
    if (format)
        *format = f;
    if (!d)
        return err ? err->status : BW_ERR_FORMAT;
    st = d->probe(data, len, &w, &h, err);
    if (width)
        *width = st == BW_OK ? w : 0;
    if (height)
        *height = st == BW_OK ? h : 0;
    return st;
}

bw_status bw_image_decode(const void *data, size_t len, const bw_decode_opts *opts,
                          bw_image *img, bw_error *err)
{
    bw__dopts o;
    bw_format f;
    const decoder *d;
    bw_status st;

    memset(img, 0, sizeof *img);
    d = lookup(data, len, &f, err);
    img->format = f;
    if (!d)
        return err ? err->status : BW_ERR_FORMAT;
    o.exact = opts ? opts->exact : 0;
    o.min_side = opts && opts->fast_min_side ? opts->fast_min_side : BW_DECODE_FAST_MIN_SIDE;
    o.lim = bw__limits(opts ? opts->limits : NULL);
    img->format = f;
    st = d->decode(data, len, &o, img, err);
    if (st != BW_OK) {
        bw_image_free(img);
        img->format = f;
        return st;
    }
    img->format = f;
    return BW_OK;
}

void bw_image_free(bw_image *img)
{
    if (img) {
        free(img->pixels);
        bw__budget_release(img->reserved);
        memset(img, 0, sizeof *img);
    }
}
