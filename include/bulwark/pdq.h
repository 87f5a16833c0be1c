/* bulwark/pdq.h -- PDQ, Meta's open perceptual image hash, computed bit for
 * bit as the reference (ThreatExchange pdq/cpp) computes it.
 *
 * A hash is 256 bits: bit k is w[k / 64] bit (k % 64). Its text form is 64
 * lowercase hex digits, most significant first (the first digit holds bits
 * 255..252), identical to the reference's toString(). */
#ifndef BULWARK_PDQ_H
#define BULWARK_PDQ_H

#include <stdint.h>
#include <stddef.h>
#include "status.h"
#include "image.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bw_pdq {
    uint64_t w[4];
} bw_pdq;

#define BW_PDQ_HEX_LEN 64
#define BW_PDQ_DEFAULT_MAX_DISTANCE 31
#define BW_PDQ_DEFAULT_MIN_QUALITY 50

/* The 8 dihedral orientations, in the order of the interface and the
 * reference's --pdqdih-across output. */
enum {
    BW_PDQ_ORIG = 0, BW_PDQ_ROT90, BW_PDQ_ROT180, BW_PDQ_ROT270,
    BW_PDQ_FLIPX, BW_PDQ_FLIPY, BW_PDQ_TRANSPOSE, BW_PDQ_TRANSVERSE,
    BW_PDQ_DIHEDRAL_COUNT
};

/* Hash an 8-bit image (1 or 3 channels) as the reference does:
 * luma, Jarosz tent filter, 64x64 decimation, 16x16 DCT, median
 * threshold. quality is 0..100. With dihedral non-NULL, also fills the 8
 * dihedral hashes (dihedral[0] equals *hash) from the same DCT. Images
 * smaller than 5 pixels either way hash to zero with quality 0. */
bw_status bw_pdq_hash_image(const bw_image *img, bw_pdq *hash, int *quality,
                            bw_pdq dihedral[BW_PDQ_DIHEDRAL_COUNT], bw_error *err);

/* The same from a float luma buffer (w*h, row-major). */
bw_status bw_pdq_hash_luma(const float *luma, uint32_t w, uint32_t h, bw_pdq *hash,
                           int *quality, bw_pdq dihedral[BW_PDQ_DIHEDRAL_COUNT], bw_error *err);

/* Hamming distance, 0..256. */
int bw_pdq_distance(const bw_pdq *a, const bw_pdq *b);

/* 64 hex digits plus NUL into out[65]. */
void bw_pdq_to_hex(const bw_pdq *hash, char out[BW_PDQ_HEX_LEN + 1]);

/* Parse exactly 64 hex digits (either case); BW_ERR_ARG otherwise. */
bw_status bw_pdq_from_hex(const char *hex, size_t len, bw_pdq *hash);

#ifdef __cplusplus
}
#endif
#endif
