/* hasher.c -- hash one input (bulwark/hash.h): the file digests from the
 * same single read that loads the bytes, then, for an image, decode and
 * PDQ, and for a video (when asked), vPDQ over those same bytes. */
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "bulwark/hash.h"

struct bw_hasher {
    bw_hash_opts opts;
    bw_limits limits;
    bw_digester *dg;
    int video;                 /* bw_hasher_set_video was called */
    bw_vpdq_opts vopts;
};

bw_status bw_hasher_new(bw_hasher **out, const bw_hash_opts *opts, bw_error *err)
{
    bw_hasher *h = bw__calloc(1, sizeof *h);
    bw_status st;
    *out = NULL;
    if (!h)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if (opts)
        h->opts = *opts;
    h->limits = *bw__limits(opts ? opts->limits : NULL);
    h->opts.limits = &h->limits;
    st = bw_digester_new(&h->dg, err);
    if (st != BW_OK) {
        free(h);
        return st;
    }
    *out = h;
    return BW_OK;
}

void bw_hasher_free(bw_hasher *h)
{
    if (h) {
        bw_digester_free(h->dg);
        free(h);
    }
}

bw_status bw_hasher_set_video(bw_hasher *h, const bw_vpdq_opts *opts, bw_error *err)
{
    if (!h || !opts)
        return bw__fail(err, BW_ERR_ARG, "a hasher and vPDQ options are required");
    if (!(opts->seconds_per_hash >= 0))
        return bw__fail(err, BW_ERR_ARG, "seconds_per_hash must not be negative");
    h->vopts = *opts;
    h->vopts.limits = &h->limits;
    h->video = 1;
    return BW_OK;
}

void bw_hash_result_free(bw_hash_result *r)
{
    if (r)
        bw_vpdq_free(&r->video);
}

/* Everything after the digests: sniff, decode, PDQ (or vPDQ). */
static bw_status hash_content(bw_hasher *h, const void *data, size_t len, bw_hash_result *out,
                              bw_error *err)
{
    bw_decode_opts dopts = {h->opts.exact, 0, &h->limits};
    bw_image img;
    bw_status st;

    out->size = len;
    if (len == 0) {
        out->kind = BW_KIND_FILE; /* zero bytes: a file with well-known digests */
        return BW_OK;
    }
    out->format = bw_format_sniff(data, len);
    if (out->format == BW_FORMAT_UNKNOWN && h->video && bw_vpdq_sniff(data, len)) {
        out->kind = BW_KIND_VIDEO;
        st = bw_vpdq_hash_memory(data, len, &h->vopts, &out->video, err);
        out->width = out->video.width;
        out->height = out->video.height;
        return st;
    }
    if (out->format == BW_FORMAT_UNKNOWN) {
        out->kind = BW_KIND_FILE;
        return BW_OK;
    }
    out->kind = BW_KIND_IMAGE;
    st = bw_image_decode(data, len, &dopts, &img, err);
    if (st != BW_OK)
        return st;
    out->width = img.full_width;
    out->height = img.full_height;
    st = bw_pdq_hash_image(&img, &out->pdq, &out->quality,
                           h->opts.dihedral ? out->dihedral : NULL, err);
    out->has_dihedral = h->opts.dihedral && st == BW_OK;
    bw_image_free(&img);
    return st;
}

bw_status bw_hasher_hash_reader_keep(bw_hasher *h, bw_reader *r, bw_hash_result *out,
                                     void **data, size_t *len, bw_error *err)
{
    bw_status st;

    memset(out, 0, sizeof *out);
    *data = NULL;
    *len = 0;
    if ((st = bw_digester_reset(h->dg, err)) != BW_OK)
        return st;
    st = bw_reader_slurp(r, h->limits.max_file_bytes, bw_digester_chunk, h->dg, data, len, err);
    if (st == BW_ERR_LIMIT) {
        /* Too large to hold and decode: the digests still stream. The
         * digester has seen every byte read so far; read the rest. */
        bw_error e2;
        if (bw_digester_drain(h->dg, r, h->limits.max_stream_bytes, NULL, &out->digests,
                              &out->size, &e2) == BW_OK) {
            out->kind = BW_KIND_FILE;
            out->has_digests = 1;
        }
        return st;
    }
    if (st != BW_OK)
        return st;
    st = bw_digester_final(h->dg, &out->digests, err);
    if (st != BW_OK)
        return st;
    out->has_digests = 1;
    return hash_content(h, *data, *len, out, err);
}

bw_status bw_hasher_hash_reader(bw_hasher *h, bw_reader *r, bw_hash_result *out, bw_error *err)
{
    void *data;
    size_t len;
    bw_status st = bw_hasher_hash_reader_keep(h, r, out, &data, &len, err);
    free(data);
    return st;
}

bw_status bw_hasher_hash_memory(bw_hasher *h, const void *data, size_t len,
                                bw_hash_result *out, bw_error *err)
{
    bw_status st;
    memset(out, 0, sizeof *out);
    if ((st = bw_digester_reset(h->dg, err)) != BW_OK)
        return st;
    bw_digester_update(h->dg, data, len);
    if ((st = bw_digester_final(h->dg, &out->digests, err)) != BW_OK)
        return st;
    out->has_digests = 1;
    return hash_content(h, data, len, out, err);
}
