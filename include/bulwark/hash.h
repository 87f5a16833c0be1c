/* bulwark/hash.h -- hash one input: file digests and, for an image, PDQ.
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
    BW_KIND_IMAGE
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
} bw_hash_result;

typedef struct bw_hasher bw_hasher;

bw_status bw_hasher_new(bw_hasher **out, const bw_hash_opts *opts, bw_error *err);
void bw_hasher_free(bw_hasher *h);

/* Read r to its end and hash it. An input whose magic bytes name an image
 * format but which does not decode fails (BW_ERR_CORRUPT, _TRUNCATED,
 * _LIMIT ...); one in no image format is a BW_KIND_FILE with digests.
 * A zero-byte input is BW_ERR_EMPTY. */
bw_status bw_hasher_hash_reader(bw_hasher *h, bw_reader *r, bw_hash_result *out, bw_error *err);

/* The same over bytes already in memory. */
bw_status bw_hasher_hash_memory(bw_hasher *h, const void *data, size_t len,
                                bw_hash_result *out, bw_error *err);

/* Append the record of one hashed input to j as a JSON object, in the
 * interface's field order: path, kind, format, width, height, md5, sha1,
 * sha256, pdq, quality[, pdq_dihedral]. path may be NULL (omitted). The
 * object is left open when leave_open is set, for callers that add fields
 * (matches, provenance) before closing it with bw_json_object_end. */
struct bw_json;
void bw_hash_result_json(struct bw_json *j, const char *path, const bw_hash_result *r,
                         int leave_open);

#ifdef __cplusplus
}
#endif
#endif
