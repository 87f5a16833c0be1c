/* png.c -- PNG decoding with libspng.
 *
 * Every colour type and bit depth, palettes, interlacing. As the reference
 * decoded (ImageMagick): transparency is ignored (tRNS not applied, the
 * alpha channel dropped), no gamma correction, 16-bit samples rounded to 8
 * bits as ImageMagick's Q16 quantum is, and an image whose pixels are all
 * grey comes back as 1 channel. PNG has no cheaper scaled decode, so both
 * paths decode at full resolution.
 *
 * libspng's own limits are set from bw_limits: image size (max_dimension),
 * chunk size and chunk cache (max_decode_bytes). Our size check runs on the
 * IHDR before anything is decoded. */
#include <stdlib.h>
#include <string.h>
#include <spng.h>
#include "core/bytes.h"
#include "image/image_internal.h"

static bw_status spng_fail(int ret, const uint8_t *data, size_t len, const bw_limits *lim,
                           bw_error *err)
{
    if (ret == SPNG_IO_EOF)
        return bw__fail(err, BW_ERR_TRUNCATED, "truncated PNG");
    if ((ret == SPNG_EUSER_WIDTH || ret == SPNG_EUSER_HEIGHT) && len >= 24)
        return bw__image_check_size("PNG", bw__be32(data + 16), bw__be32(data + 20), lim, err);
    if (ret == SPNG_EMEM)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory decoding PNG");
    if (ret == SPNG_ECHUNK_LIMITS)
        return bw__fail(err, BW_ERR_LIMIT, "PNG chunk exceeds the decoder memory limit");
    return bw__fail(err, BW_ERR_CORRUPT, "corrupt PNG: %s", spng_strerror(ret));
}

/* A context over the bytes with our limits applied. */
static spng_ctx *open_ctx(const uint8_t *data, size_t len, const bw_limits *lim)
{
    spng_ctx *ctx = spng_ctx_new(0);
    /* libspng takes at most 2^31-1, the largest chunk PNG allows. */
    size_t mem = lim->max_decode_bytes > 0x7fffffffu ? 0x7fffffffu : (size_t)lim->max_decode_bytes;
    if (!ctx)
        return NULL;
    if (spng_set_png_buffer(ctx, data, len) || spng_set_image_limits(ctx, lim->max_dimension,
                                                                     lim->max_dimension) ||
        spng_set_chunk_limits(ctx, mem, mem)) {
        spng_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

bw_status bw__png_probe(const uint8_t *data, size_t len, uint32_t *w, uint32_t *h, bw_error *err)
{
    bw_limits lim = *bw_limits_defaults();
    spng_ctx *ctx;
    struct spng_ihdr ihdr;
    int ret;
    lim.max_dimension = 0x7fffffff; /* probing reports any size */
    if (!(ctx = open_ctx(data, len, &lim)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    ret = spng_get_ihdr(ctx, &ihdr);
    spng_ctx_free(ctx);
    if (ret)
        return spng_fail(ret, data, len, &lim, err);
    *w = ihdr.width;
    *h = ihdr.height;
    return BW_OK;
}

/* 16-bit: decode to RGBA16 in a scratch buffer, round to 8-bit RGB. */
static bw_status decode16(spng_ctx *ctx, const uint8_t *data, size_t len, const bw_limits *lim,
                          bw_image *img, bw_error *err)
{
    size_t n;
    uint16_t *buf;
    int ret;
    if ((ret = spng_decoded_image_size(ctx, SPNG_FMT_RGBA16, &n)))
        return bw__fail(err, BW_ERR_CORRUPT, "corrupt PNG: %s", spng_strerror(ret));
    if (n > lim->max_decode_bytes)
        return bw__fail(err, BW_ERR_LIMIT, "PNG needs %zu bytes to decode (limit %llu)", n,
                        (unsigned long long)lim->max_decode_bytes);
    if (!(buf = malloc(n)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory decoding PNG");
    if ((ret = spng_decode_image(ctx, buf, n, SPNG_FMT_RGBA16, 0))) {
        free(buf);
        return spng_fail(ret, data, len, lim, err);
    }
    for (uint32_t y = 0; y < img->height; y++) {
        const uint16_t *p = buf + (size_t)y * img->width * 4;
        uint8_t *o = img->pixels + (size_t)y * img->stride;
        for (uint32_t x = 0; x < img->width; x++, p += 4, o += 3) {
            o[0] = bw__q16_to_8(p[0]);
            o[1] = bw__q16_to_8(p[1]);
            o[2] = bw__q16_to_8(p[2]);
        }
    }
    free(buf);
    return BW_OK;
}

bw_status bw__png_decode(const uint8_t *data, size_t len, const bw__dopts *o, bw_image *img,
                         bw_error *err)
{
    spng_ctx *ctx = open_ctx(data, len, o->lim);
    struct spng_ihdr ihdr;
    bw_status st;
    int ret, fmt, channels;

    if (!ctx)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if ((ret = spng_get_ihdr(ctx, &ihdr))) {
        st = spng_fail(ret, data, len, o->lim, err);
        goto out;
    }
    if ((st = bw__image_check_size("PNG", ihdr.width, ihdr.height, o->lim, err)) != BW_OK)
        goto out;
    /* Grey of 8 bits or fewer decodes straight to 1 channel (libspng scales
     * 1/2/4-bit grey to 0..255); everything else to RGB. */
    channels = ihdr.bit_depth <= 8 && ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE ? 1 : 3;
    fmt = channels == 1 ? SPNG_FMT_G8 : SPNG_FMT_RGB8;
    if ((st = bw__image_alloc(img, ihdr.width, ihdr.height, (uint32_t)channels, err)) != BW_OK)
        goto out;
    if (ihdr.bit_depth == 16)
        st = decode16(ctx, data, len, o->lim, img, err);
    else if ((ret = spng_decode_image(ctx, img->pixels, (size_t)img->stride * img->height, fmt,
                                        0))) {
        st = spng_fail(ret, data, len, o->lim, err);
    }
    if (st == BW_OK)
        bw__image_collapse_grey(img);
out:
    spng_ctx_free(ctx);
    return st;
}
