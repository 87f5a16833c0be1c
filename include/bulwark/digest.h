/* bulwark/digest.h -- MD5, SHA-1 and SHA-256 of a byte stream, all three
 * fed from one pass (OpenSSL EVP). */
#ifndef BULWARK_DIGEST_H
#define BULWARK_DIGEST_H

#include <signal.h>
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
/* Bytes fed since new or reset. */
uint64_t bw_digester_bytes(const bw_digester *d);

/* The digests of an input too large to hold: d has seen what was read
 * so far (bw_reader_slurp gave BW_ERR_LIMIT); the rest of r is read
 * through it up to max_total bytes in all (limit max_stream_bytes: more is
 * BW_ERR_LIMIT naming it), polling stop (may be NULL: BW_ERR_INTERRUPTED).
 * On BW_OK, *out and *total (the input's size) are set. */
struct bw_reader;
bw_status bw_digester_drain(bw_digester *d, struct bw_reader *r, uint64_t max_total,
                            const volatile sig_atomic_t *stop, bw_digests *out, uint64_t *total,
                            bw_error *err);

/* Lowercase hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void bw_hex_encode(const uint8_t *bytes, size_t n, char *out);
/* Parse exactly 2n hex digits (either case) into bytes; BW_ERR_ARG otherwise. */
bw_status bw_hex_decode(const char *hex, size_t hexlen, uint8_t *bytes, size_t n);

#ifdef __cplusplus
}
#endif
#endif
