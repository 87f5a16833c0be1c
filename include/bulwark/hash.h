/* bulwark/hash.h -- hash one input: file digests and, for an image, PDQ;
 * for a video, vPDQ when the hasher was asked for it (bw_hasher_set_video).
 *
 * A bw_hasher holds what is worth reusing between inputs (digest state,
 * decoder handles); use one per thread. The input's bytes are read once:
 * the digests are computed from the same chunks that load the bytes for
 * the decoder. */
#ifndef BULWARK_HASH_H
#define BULWARK_HASH_H

#include <stdint.h>
#include "status.h"
#include "limits.h"
#include "reader.h"
#include "digest.h"
#include "image.h"
#include "pdq.h"
#include "vpdq.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bw_hash_opts {
    int exact;                 /* decode at full resolution (bw_decode_opts.exact) */
    int dihedral;              /* also the 8 dihedral PDQ hashes */
    const bw_limits *limits;   /* NULL: defaults */
} bw_hash_opts;

typedef enum bw_kind {
    BW_KIND_FILE = 0,          /* not an image we decode: digests only */
    BW_KIND_IMAGE,
    BW_KIND_VIDEO              /* a video, hashed with vPDQ (bw_hasher_set_video) */
} bw_kind;

typedef struct bw_hash_result {
    bw_kind kind;
    uint64_t size;             /* bytes read */
    bw_digests digests;
    /* images only: */
    bw_format format;
    uint32_t width, height;    /* the image's full size */
    bw_pdq pdq;
    int quality;
    int has_dihedral;
    bw_pdq dihedral[BW_PDQ_DIHEDRAL_COUNT];
    /* videos only (width/height above are the video's): one PDQ per
     * sampled frame; owned by the result, release with bw_hash_result_free */
    bw_vpdq video;
    /* digests and size cover every byte of the input: set whenever the
     * bytes could be read to their end, also when the call failed
     * afterwards (a decode error, the input over max_file_bytes: the
     * digests stream, only holding and decoding the bytes is limited) */
    int has_digests;
} bw_hash_result;

typedef struct bw_hasher bw_hasher;

bw_status bw_hasher_new(bw_hasher **out, const bw_hash_opts *opts, bw_error *err);
void bw_hasher_free(bw_hasher *h);

/* Hash videos too: an input whose magic bytes name a video container
 * (bw_vpdq_sniff) becomes a BW_KIND_VIDEO with its vPDQ, decoded from the
 * same bytes the digests were computed from. opts->limits is ignored (the
 * hasher's limits apply). Without this call videos are BW_KIND_FILE. */
bw_status bw_hasher_set_video(bw_hasher *h, const bw_vpdq_opts *opts, bw_error *err);

/* Release what a result owns (a video's frame hashes); safe on any result
 * a bw_hasher_hash_* call filled, failed ones included. */
void bw_hash_result_free(bw_hash_result *r);

/* Read r to its end and hash it. *out is zeroed first (so free a result
 * before reusing it). An input whose magic bytes name an image
 * format but which does not decode fails (BW_ERR_CORRUPT, _TRUNCATED,
 * _LIMIT ...); one in no image format is a BW_KIND_FILE with digests, a
 * zero-byte input too (size 0). An input over max_file_bytes fails with
 * BW_ERR_LIMIT after its digests were streamed. Whenever the bytes were
 * read to the end, out->has_digests is set, failure or not: the exact
 * hashes of a file never depend on its decoding. */
bw_status bw_hasher_hash_reader(bw_hasher *h, bw_reader *r, bw_hash_result *out, bw_error *err);

/* The same, and the bytes are kept for the caller (*data, *len; free()
 * it; NULL when they could not be held). */
bw_status bw_hasher_hash_reader_keep(bw_hasher *h, bw_reader *r, bw_hash_result *out,
                                     void **data, size_t *len, bw_error *err);

/* The same over bytes already in memory. */
bw_status bw_hasher_hash_memory(bw_hasher *h, const void *data, size_t len,
                                bw_hash_result *out, bw_error *err);

/* Append the record of one hashed input to j as a JSON object, in the
 * interface's field order: path, kind, format, width, height, md5, sha1,
 * sha256, pdq, quality[, pdq_dihedral]; for a video: path, kind, format,
 * width, height, frames, duration, md5, sha1, sha256, vpdq:[{frame,
 * timestamp, pdq, quality}]. path may be NULL (omitted). The
 * object is left open when leave_open is set, for callers that add fields
 * (matches, provenance) before closing it with bw_json_object_end. */
struct bw_json;
void bw_hash_result_json(struct bw_json *j, const char *path, const bw_hash_result *r,
                         int leave_open);

/* "size", "md5", "sha1", "sha256" of r into an open object. */
void bw_hash_digests_json(struct bw_json *j, const bw_hash_result *r);

/* The record of an input that failed: {"path", "error"}, then, when r
 * (may be NULL) has its digests, "size", "md5", "sha1", "sha256". Left
 * open as above. */
void bw_hash_error_json(struct bw_json *j, const char *path, const char *error,
                        const bw_hash_result *r, int leave_open);

/* ---------------- the `hash` verb as one operation ---------------- */

/* What to hash: paths (files; directories are walked; "-" is stdin_fd),
 * how, and on how many threads. */
typedef struct bw_hash_request {
    const char *const *paths;
    size_t npaths;
    int stdin_fd;              /* read for the path "-" (0 normally) */
    bw_hash_opts hash;         /* exact, dihedral, limits */
    bw_vpdq_opts video;        /* frames of videos */
    unsigned jobs;             /* worker threads; 0 or 1: the caller's thread */
    int follow_symlinks;       /* walk: follow links (the tool does) */
} bw_hash_request;

/* Hash every input of req and hand each record to sink, in input order:
 * result is the bw_hash_result (NULL for a walk error), json the record
 * of `hash --json`. *failed (may be NULL) counts the inputs that failed.
 * Fails itself only when it cannot start (a bad option: BW_ERR_ARG; out of
 * memory). */
struct bw_sink;
bw_status bw_hash_run(const bw_hash_request *req, const struct bw_sink *sink, uint64_t *failed,
                      bw_error *err);

#ifdef __cplusplus
}
#endif
#endif
