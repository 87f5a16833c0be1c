/* cluster_internal.h -- the all-pairs self-join shared by cluster.c and
 * pairs.c. Not installed. */
#ifndef BW_CLUSTER_INTERNAL_H
#define BW_CLUSTER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "bulwark/pdq.h"

/* Largest distance the self-join serves (3 bits per 16-bit substring would
 * probe 697 buckets each: the index does better there). */
#define BW__PAIRS_MAX_DISTANCE 47

typedef struct bw__pair {
    uint32_t a, b;
} bw__pair;

typedef struct bw__pairs {
    bw__pair *v;
    size_t n, cap;
} bw__pairs;

typedef void (*bw__pair_fn)(void *ctx, uint32_t a, uint32_t b);

/* Call fn(ctx, i, j) once for every pair i != j of h[0..n) within d
 * (0..BW__PAIRS_MAX_DISTANCE), on `threads` threads; fn runs on the
 * caller's thread after the search. */
bw_status bw__pdq_pairs(const bw_pdq *h, size_t n, int d, unsigned threads, bw__pair_fn fn,
                        void *ctx, bw_error *err);

#endif
