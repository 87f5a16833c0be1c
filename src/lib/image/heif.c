/* heif.c -- HEIC/HEIF and AVIF decoding with libheif, from memory.
 *
 * The primary image is decoded to interleaved 8-bit RGB (alpha dropped,
 * images of more than 8 bits converted by libheif). Transformations (irot,
 * imir, clap) are not applied, just as EXIF orientation is not for the
 * other formats: a HEIC and the JPEG a phone writes of the same shot then
 * give the same pixels. libheif's maximum image size is set from
 * max_dimension, and its tile decoding runs on the calling thread (bulwark
 * has its own worker pool). Both paths decode at full resolution: libheif
 * has no scaled decode. AV1 (AVIF) is decoded with libaom. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <libheif/heif.h>
#include "image/image_internal.h"

static bw_status heif_fail(struct heif_error e, const char *what, bw_error *err)
{
    switch (e.code) {
    case heif_error_Memory_allocation_error:
        return bw__fail(err, BW_ERR_NOMEM, "out of memory decoding %s", what);
    case heif_error_Unsupported_filetype:
    case heif_error_Unsupported_feature:
        return bw__fail(err, BW_ERR_UNSUPPORTED, "unsupported %s: %s", what, e.message);
    default:
        break;
    }
    if (e.subcode == heif_suberror_End_of_data)
        return bw__fail(err, BW_ERR_TRUNCATED, "truncated %s", what);
    if (e.subcode == heif_suberror_Security_limit_exceeded)
        return bw__fail(err, BW_ERR_LIMIT, "%s exceeds a decoder limit: %s", what, e.message);
    return bw__fail(err, BW_ERR_CORRUPT, "corrupt %s: %s", what, e.message);
}

/* AV1 goes to libaom rather than dav1d when libheif has both: libheif's
 * dav1d plugin leaves dav1d's logger on stderr (a hostile file prints
 * "Unknown OBU type ...") and leaks on some broken files (found by
 * fuzz_decode). */
static pthread_once_t av1_once = PTHREAD_ONCE_INIT;
static const char *av1_decoder;

static void find_av1_decoder(void)
{
    const struct heif_decoder_descriptor *d[16];
    int n = heif_get_decoder_descriptors(heif_compression_AV1, d, 16);
    for (int i = 0; i < n; i++)
        if (!strcmp(heif_decoder_descriptor_get_id_name(d[i]), "aom"))
            av1_decoder = "aom";
}

static const char *what_of(const uint8_t *data, size_t len)
{
    return bw_format_sniff(data, len) == BW_FORMAT_AVIF ? "AVIF" : "HEIF";
}

/* A context over the bytes, and its primary image. */
static bw_status open_primary(const uint8_t *data, size_t len, const bw_limits *lim,
                              struct heif_context **ctx, struct heif_image_handle **h,
                              bw_error *err)
{
    struct heif_error e;
    *h = NULL;
    if (!(*ctx = heif_context_alloc()))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    heif_context_set_maximum_image_size_limit(
        *ctx, lim->max_dimension > 0x7fffffffu ? 0x7fffffff : (int)lim->max_dimension);
    heif_context_set_max_decoding_threads(*ctx, 0);
    e = heif_context_read_from_memory_without_copy(*ctx, data, len, NULL);
    if (e.code == heif_error_Ok)
        e = heif_context_get_primary_image_handle(*ctx, h);
    if (e.code != heif_error_Ok) {
        /* e.message belongs to the context: use it before freeing that */
        bw_status st = heif_fail(e, what_of(data, len), err);
        heif_context_free(*ctx);
        *ctx = NULL;
        return st;
    }
    return BW_OK;
}

bw_status bw__heif_probe(const uint8_t *data, size_t len, uint32_t *w, uint32_t *h,
                         bw_error *err)
{
    struct heif_context *ctx;
    struct heif_image_handle *hd;
    bw_limits lim = *bw_limits_defaults();
    bw_status st;
    lim.max_dimension = 0x7fffffff;
    if ((st = open_primary(data, len, &lim, &ctx, &hd, err)) != BW_OK)
        return st;
    *w = (uint32_t)heif_image_handle_get_width(hd);
    *h = (uint32_t)heif_image_handle_get_height(hd);
    heif_image_handle_release(hd);
    heif_context_free(ctx);
    return BW_OK;
}

bw_status bw__heif_decode(const uint8_t *data, size_t len, const bw__dopts *o, bw_image *img,
                          bw_error *err)
{
    const char *what = what_of(data, len);
    struct heif_context *ctx;
    struct heif_image_handle *hd;
    struct heif_image *him = NULL;
    struct heif_decoding_options *dopt;
    struct heif_error e;
    const uint8_t *plane;
    int stride = 0, iw, ih;
    bw_status st;

    if ((st = open_primary(data, len, o->lim, &ctx, &hd, err)) != BW_OK)
        return st;
    st = bw__image_check_size(what, (uint32_t)heif_image_handle_get_width(hd),
                              (uint32_t)heif_image_handle_get_height(hd), o->lim, err);
    if (st != BW_OK)
        goto out;
    /* libheif's planes while it decodes: YCbCr and interleaved RGB, up to
     * 16 bits a sample (about 9 bytes a pixel) */
    {
        uint64_t hw = (uint32_t)heif_image_handle_get_width(hd),
                 hh = (uint32_t)heif_image_handle_get_height(hd);
        if ((st = bw__image_reserve(img, what, hw, hh, bw__image_need(hw, hh, 3) + hw * hh * 9,
                                    o->lim, err)) != BW_OK)
            goto out;
    }
    if (!(dopt = heif_decoding_options_alloc())) {
        st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
        goto out;
    }
    dopt->ignore_transformations = 1;
    dopt->convert_hdr_to_8bit = 1;
    pthread_once(&av1_once, find_av1_decoder);
    if (av1_decoder && dopt->version >= 4)
        dopt->decoder_id = av1_decoder; /* used for AV1 only */
    e = heif_decode_image(hd, &him, heif_colorspace_RGB, heif_chroma_interleaved_RGB, dopt);
    heif_decoding_options_free(dopt);
    if (e.code != heif_error_Ok) {
        st = heif_fail(e, what, err);
        goto out;
    }
    iw = heif_image_get_width(him, heif_channel_interleaved);
    ih = heif_image_get_height(him, heif_channel_interleaved);
    plane = heif_image_get_plane_readonly(him, heif_channel_interleaved, &stride);
    if (!plane || iw <= 0 || ih <= 0 || stride < 3 * iw ||
        heif_image_get_bits_per_pixel_range(him, heif_channel_interleaved) != 8) {
        st = bw__fail(err, BW_ERR_UNSUPPORTED, "unsupported %s: no 8-bit RGB output", what);
        goto out;
    }
    if ((st = bw__image_check_size(what, (uint32_t)iw, (uint32_t)ih, o->lim, err)) != BW_OK ||
        (st = bw__image_alloc(img, (uint32_t)iw, (uint32_t)ih, 3, o->lim, err)) != BW_OK)
        goto out;
    for (int y = 0; y < ih; y++)
        memcpy(img->pixels + (size_t)y * img->stride, plane + (size_t)y * (size_t)stride,
               (size_t)iw * 3);
    bw__image_collapse_grey(img);
out:
    heif_image_release(him);
    heif_image_handle_release(hd);
    heif_context_free(ctx);
    return st;
}
