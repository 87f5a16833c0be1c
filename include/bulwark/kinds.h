/* bulwark/kinds.h -- the kinds of hash a list entry or a lookup holds
 * (PDQ, MD5, SHA-1, SHA-256): one type shared by the index, the store, the
 * lists and the matcher, so that none of them depends on another for it. */
#ifndef BULWARK_KINDS_H
#define BULWARK_KINDS_H

#include <stddef.h>
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kinds of hash a list entry or a lookup can hold. */
typedef enum bw_hash_kind {
    BW_HASH_PDQ = 0,
    BW_HASH_MD5,
    BW_HASH_SHA1,
    BW_HASH_SHA256,
    BW_HASH_KIND_COUNT
} bw_hash_kind;

#define BW_HASH_MAX_BYTES 32

/* "pdq", "md5", "sha1", "sha256" (NULL for an invalid kind). */
const char *bw_hash_kind_name(bw_hash_kind kind);
/* Bytes of a hash of this kind: 32, 16, 20, 32 (0 for an invalid kind). */
size_t bw_hash_kind_bytes(bw_hash_kind kind);
/* Parse a kind name (case-insensitive); BW_ERR_ARG if unknown. */
bw_status bw_hash_kind_parse(const char *name, bw_hash_kind *kind);

#ifdef __cplusplus
}
#endif
#endif
