/* webp.c -- WebP decoding with libwebp (and libwebpdemux for animations).
 *
 * Lossy, lossless, with alpha (dropped, not composited) and animated (the
 * first frame, decoded on its own at its own size, as ImageMagick reads
 * frames). Decoding writes straight into the bw_image buffer as RGB, with
 * libwebp's default (fancy) chroma upsampling. The fast path lets libwebp
 * scale while it outputs rows, when the image is at least twice the
 * minimum side. */
#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>
#include "image/image_internal.h"

static bw_status vp8_fail(VP8StatusCode code, bw_error *err)
{
    switch (code) {
    case VP8_STATUS_NOT_ENOUGH_DATA:
        return bw__fail(err, BW_ERR_TRUNCATED, "truncated WebP");
    case VP8_STATUS_OUT_OF_MEMORY:
        return bw__fail(err, BW_ERR_NOMEM, "out of memory decoding WebP");
    case VP8_STATUS_UNSUPPORTED_FEATURE:
        return bw__fail(err, BW_ERR_UNSUPPORTED, "unsupported WebP feature");
    default:
        return bw__fail(err, BW_ERR_CORRUPT, "corrupt WebP: bitstream error");
    }
}

bw_status bw__webp_probe(const uint8_t *data, size_t len, uint32_t *w, uint32_t *h,
                         bw_error *err)
{
    WebPBitstreamFeatures f;
    VP8StatusCode code = WebPGetFeatures(data, len, &f);
    if (code != VP8_STATUS_OK)
        return vp8_fail(code, err);
    *w = (uint32_t)f.width;
    *h = (uint32_t)f.height;
    return BW_OK;
}

/* Decode one still bitstream (a whole file, or an animation frame). */
static bw_status decode_still(const uint8_t *data, size_t len, const bw__dopts *o,
                              bw_image *img, bw_error *err)
{
    WebPDecoderConfig cfg;
    VP8StatusCode code;
    bw_status st;
    uint32_t w, h, ow, oh, small;

    if (!WebPInitDecoderConfig(&cfg))
        return bw__fail(err, BW_ERR_INTERNAL, "libwebp version mismatch");
    if ((code = WebPGetFeatures(data, len, &cfg.input)) != VP8_STATUS_OK)
        return vp8_fail(code, err);
    w = (uint32_t)cfg.input.width;
    h = (uint32_t)cfg.input.height;
    if ((st = bw__image_check_size("WebP", w, h, o->lim, err)) != BW_OK)
        return st;
    ow = w;
    oh = h;
    small = w < h ? w : h;
    if (!o->exact && small >= 2 * o->min_side) {
        /* Scale so that the smaller side is min_side, keeping the aspect. */
        ow = (uint32_t)(((uint64_t)w * o->min_side + small / 2) / small);
        oh = (uint32_t)(((uint64_t)h * o->min_side + small / 2) / small);
        cfg.options.use_scaling = 1;
        cfg.options.scaled_width = (int)ow;
        cfg.options.scaled_height = (int)oh;
    }
    /* libwebp holds the full-size picture (lossless: w*h ARGB) while it
     * decodes, even when scaling */
    if ((st = bw__image_reserve(img, "WebP", w, h,
                                bw__image_need(ow, oh, 3) + (uint64_t)w * h * 4, o->lim, err)) !=
            BW_OK ||
        (st = bw__image_alloc(img, ow, oh, 3, o->lim, err)) != BW_OK)
        return st;
    cfg.output.colorspace = MODE_RGB;
    cfg.output.is_external_memory = 1;
    cfg.output.u.RGBA.rgba = img->pixels;
    cfg.output.u.RGBA.stride = (int)img->stride;
    cfg.output.u.RGBA.size = (size_t)img->stride * img->height;
    code = WebPDecode(data, len, &cfg);
    WebPFreeDecBuffer(&cfg.output);
    if (code != VP8_STATUS_OK)
        return vp8_fail(code, err);
    img->full_width = w;
    img->full_height = h;
    return BW_OK;
}

/* An animation: find frame 1 with the demuxer and decode its bitstream. */
static bw_status decode_first_frame(const uint8_t *data, size_t len, const bw__dopts *o,
                                    bw_image *img, bw_error *err)
{
    WebPData wd = {data, len};
    WebPDemuxState state;
    WebPDemuxer *dmx = WebPDemuxPartial(&wd, &state);
    WebPIterator it;
    bw_status st;

    if (!dmx || state == WEBP_DEMUX_PARSE_ERROR) {
        WebPDemuxDelete(dmx);
        return bw__fail(err, BW_ERR_CORRUPT, "corrupt WebP: bad animation structure");
    }
    if (!WebPDemuxGetFrame(dmx, 1, &it) || !it.complete) {
        int partial = state != WEBP_DEMUX_DONE;
        WebPDemuxDelete(dmx);
        return partial ? bw__fail(err, BW_ERR_TRUNCATED, "truncated WebP")
                       : bw__fail(err, BW_ERR_CORRUPT, "corrupt WebP: no first frame");
    }
    st = decode_still(it.fragment.bytes, it.fragment.size, o, img, err);
    WebPDemuxReleaseIterator(&it);
    WebPDemuxDelete(dmx);
    return st;
}

bw_status bw__webp_decode(const uint8_t *data, size_t len, const bw__dopts *o, bw_image *img,
                          bw_error *err)
{
    WebPBitstreamFeatures f;
    VP8StatusCode code = WebPGetFeatures(data, len, &f);
    bw_status st;
    if (code != VP8_STATUS_OK)
        return vp8_fail(code, err);
    if ((st = bw__image_check_size("WebP", (uint32_t)f.width, (uint32_t)f.height, o->lim, err)) !=
        BW_OK)
        return st;
    st = f.has_animation ? decode_first_frame(data, len, o, img, err)
                         : decode_still(data, len, o, img, err);
    if (st == BW_OK)
        bw__image_collapse_grey(img);
    return st;
}
