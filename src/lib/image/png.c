/* png.c -- PNG decoding with libspng.
 *
 * Every colour type and bit depth, palettes, interlacing. As the reference
 * decoded (ImageMagick): transparency is ignored (tRNS not applied, the
 * alpha channel dropped), no gamma correction, 16-bit samples rounded to 8
 * bits as ImageMagick's Q16 quantum is, and an image whose pixels are all
 * grey comes back as 1 channel. PNG has no cheaper scaled decode, so both
 * paths decode at full resolution.
 *
 * libspng reads the file through a filter that passes it the critical
 * chunks only (IHDR, PLTE, IDAT, IEND and any unknown critical one, which
 * it rejects as it should): with no tRNS, gamma or sBIT applied, no
 * ancillary chunk changes a pixel, so text chunks, ICC profiles, sPLT and
 * private chunks are never stored or inflated, however many or large --
 * they cannot make an image unhashable or cost memory (provenance reads
 * them on its own, within max_text_chunks and max_meta_bytes). libspng's
 * own limits are set from bw_limits: image size (max_dimension), chunk size
 * and chunk cache (max_decode_bytes). Our size check runs on the IHDR, and
 * the image's memory is reserved from the budget, before anything is
 * decoded; rows are decoded one at a time (16-bit ones through a one-row
 * scratch) and the CPU time is checked as they go (max_decode_seconds). */
#include <stdlib.h>
#include <string.h>
#include <spng.h>
#include "core/bytes.h"
#include "image/image_internal.h"
#include "core/internal.h"

/* ---------------- The critical-chunks filter ---------------- */

typedef struct pngsrc {
    const uint8_t *data;
    size_t len, pos;   /* next byte of data not yet looked at */
    size_t left;       /* bytes of the current kept piece still to hand out */
} pngsrc;

/* libspng's read callback: hand out the signature and the critical chunks,
 * skipping ancillary ones (bit 5 of the first type byte). A chunk cut short
 * by the end of the file is handed out as far as it goes, so libspng sees
 * the truncation as before. */
static int filtered_read(spng_ctx *ctx, void *user, void *dst, size_t n)
{
    pngsrc *s = user;
    uint8_t *out = dst;
    (void)ctx;
    while (n > 0) {
        if (s->left == 0) {
            size_t rest = s->len - s->pos;
            if (rest == 0)
                return SPNG_IO_EOF;
            if (s->pos == 0) {
                s->left = rest < 8 ? rest : 8; /* the signature */
            } else if (rest < 8) {
                s->left = rest;
            } else {
                uint64_t total = 12ull + bw__be32(s->data + s->pos);
                if (s->data[s->pos + 4] & 0x20) { /* ancillary: skip it */
                    s->pos += total < rest ? (size_t)total : rest;
                    continue;
                }
                s->left = total < rest ? (size_t)total : rest;
            }
        }
        size_t k = n < s->left ? n : s->left;
        memcpy(out, s->data + s->pos, k);
        out += k;
        n -= k;
        s->pos += k;
        s->left -= k;
    }
    return 0;
}

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
        return bw__fail(err, BW_ERR_LIMIT,
                        "PNG chunk exceeds the decoder memory limit (limit max_decode_bytes=%llu)",
                        (unsigned long long)lim->max_decode_bytes);
    return bw__fail(err, BW_ERR_CORRUPT, "corrupt PNG: %s", spng_strerror(ret));
}

/* A context over the filtered bytes with our limits applied. */
static spng_ctx *open_ctx(pngsrc *src, const uint8_t *data, size_t len, const bw_limits *lim)
{
    spng_ctx *ctx = spng_ctx_new(0);
    /* libspng takes at most 2^31-1, the largest chunk PNG allows. */
    size_t mem = lim->max_decode_bytes > 0x7fffffffu ? 0x7fffffffu : (size_t)lim->max_decode_bytes;
    if (!ctx)
        return NULL;
    memset(src, 0, sizeof *src);
    src->data = data;
    src->len = len;
    if (spng_set_png_stream(ctx, filtered_read, src) ||
        spng_set_image_limits(ctx, lim->max_dimension, lim->max_dimension) ||
        spng_set_chunk_limits(ctx, mem, mem)) {
        spng_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

bw_status bw__png_probe(const uint8_t *data, size_t len, uint32_t *w, uint32_t *h, bw_error *err)
{
    bw_limits lim = *bw_limits_defaults();
    pngsrc src;
    spng_ctx *ctx;
    struct spng_ihdr ihdr;
    int ret;
    lim.max_dimension = 0x7fffffff; /* probing reports any size */
    if (!(ctx = open_ctx(&src, data, len, &lim)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    ret = spng_get_ihdr(ctx, &ihdr);
    spng_ctx_free(ctx);
    if (ret)
        return spng_fail(ret, data, len, &lim, err);
    *w = ihdr.width;
    *h = ihdr.height;
    return BW_OK;
}

/* Adam7: the first column and the column step of each pass. */
static const uint8_t adam7_x0[7] = {0, 4, 0, 2, 0, 1, 0};
static const uint8_t adam7_dx[7] = {8, 8, 4, 4, 2, 2, 1};

/* Decode row by row. fmt is G8, RGB8 (straight into the image's rows) or
 * RGBA16 (through the one-row scratch, rounded to 8-bit RGB). libspng
 * writes an interlaced pass's pixels at their final columns of the row it
 * names, so each row is complete once its last pass is in. */
static bw_status decode_rows(spng_ctx *ctx, int fmt, int interlaced, const uint8_t *data,
                             size_t len, const bw_limits *lim, bw_image *img, bw_error *err)
{
    uint16_t *scratch = NULL;
    size_t rowlen = fmt == SPNG_FMT_RGBA16 ? (size_t)img->width * 8 : img->stride;
    uint64_t t0 = bw__cpu_ns();
    bw_status st = BW_OK;
    int ret;

    if (fmt == SPNG_FMT_RGBA16 && !(scratch = bw__malloc(rowlen)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory decoding PNG");
    if ((ret = spng_decode_image(ctx, NULL, 0, fmt, SPNG_DECODE_PROGRESSIVE))) {
        free(scratch);
        return spng_fail(ret, data, len, lim, err);
    }
    for (unsigned long n = 0;; n++) {
        struct spng_row_info ri;
        uint8_t *row;
        if ((ret = spng_get_row_info(ctx, &ri)))
            break;
        if (ri.row_num >= img->height) {
            ret = SPNG_EINTERNAL;
            break;
        }
        row = img->pixels + (size_t)ri.row_num * img->stride;
        ret = spng_decode_row(ctx, scratch ? (void *)scratch : (void *)row, rowlen);
        if (ret && ret != SPNG_EOI)
            break;
        if (scratch) {
            uint32_t x0 = interlaced ? adam7_x0[ri.pass] : 0, dx = interlaced ? adam7_dx[ri.pass] : 1;
            for (uint32_t x = x0; x < img->width; x += dx) {
                const uint16_t *p = scratch + (size_t)x * 4;
                row[3 * x] = bw__q16_to_8(p[0]);
                row[3 * x + 1] = bw__q16_to_8(p[1]);
                row[3 * x + 2] = bw__q16_to_8(p[2]);
            }
        }
        if (ret == SPNG_EOI)
            break;
        if ((n & 63) == 63 && bw__over_time(t0, lim)) {
            st = bw__fail(err, BW_ERR_LIMIT,
                          "PNG decode took more than %u s of CPU (limit max_decode_seconds)",
                          lim->max_decode_seconds);
            break;
        }
    }
    free(scratch);
    if (st == BW_OK && ret != SPNG_EOI)
        st = spng_fail(ret, data, len, lim, err);
    return st;
}

bw_status bw__png_decode(const uint8_t *data, size_t len, const bw__dopts *o, bw_image *img,
                         bw_error *err)
{
    pngsrc src;
    spng_ctx *ctx = open_ctx(&src, data, len, o->lim);
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
     * 1/2/4-bit grey to 0..255); 16 bits through RGBA16; everything else to
     * RGB. */
    channels = ihdr.bit_depth <= 8 && ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE ? 1 : 3;
    fmt = ihdr.bit_depth == 16 ? SPNG_FMT_RGBA16 : channels == 1 ? SPNG_FMT_G8 : SPNG_FMT_RGB8;
    if ((st = bw__image_alloc(img, ihdr.width, ihdr.height, (uint32_t)channels, o->lim, err)) !=
        BW_OK)
        goto out;
    st = decode_rows(ctx, fmt, ihdr.interlace_method != 0, data, len, o->lim, img, err);
    if (st == BW_OK)
        bw__image_collapse_grey(img);
out:
    spng_ctx_free(ctx);
    return st;
}
