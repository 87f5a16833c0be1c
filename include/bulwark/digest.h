/* bulwark/digest.h -- MD5, SHA-1 and SHA-256 of a byte stream, all three
 * fed from one pass (OpenSSL EVP). */
#ifndef BULWARK_DIGEST_H
#define BULWARK_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bw_digests {
    uint8_t md5[16];
    uint8_t sha1[20];
    uint8_t sha256[32];
} bw_digests;

typedef struct bw_digester bw_digester;

bw_status bw_digester_new(bw_digester **out, bw_error *err);
/* Start again (after new, or to reuse one digester for the next file). */
bw_status bw_digester_reset(bw_digester *d, bw_error *err);
void bw_digester_update(bw_digester *d, const void *data, size_t len);
bw_status bw_digester_final(bw_digester *d, bw_digests *out, bw_error *err);
void bw_digester_free(bw_digester *d);

/* A bw_chunk_fn (reader.h) that feeds a bw_digester passed as ctx. */
void bw_digester_chunk(void *digester, const void *data, size_t len);

/* Lowercase hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void bw_hex_encode(const uint8_t *bytes, size_t n, char *out);
/* Parse exactly 2n hex digits (either case) into bytes; BW_ERR_ARG otherwise. */
bw_status bw_hex_decode(const char *hex, size_t hexlen, uint8_t *bytes, size_t n);

#ifdef __cplusplus
}
#endif
#endif
