/* hits.c -- the packed byte form of a PDQ hash and the caller-owned
 * result array of the index (index.h). */
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "index/index_internal.h"

/* Byte 0 holds bits 255..248, i.e. the top byte of w[3]. */
void bw_pdq_pack(const bw_pdq *hash, uint8_t out[32])
{
    for (int i = 0; i < 4; i++) {
        uint64_t w = hash->w[3 - i];
        for (int b = 0; b < 8; b++)
            out[i * 8 + b] = (uint8_t)(w >> (56 - 8 * b));
    }
}

void bw_pdq_unpack(const uint8_t in[32], bw_pdq *hash)
{
    for (int i = 0; i < 4; i++) {
        uint64_t w = 0;
        for (int b = 0; b < 8; b++)
            w = (w << 8) | in[i * 8 + b];
        hash->w[3 - i] = w;
    }
}

void bw_index_hits_free(bw_index_hits *hits)
{
    if (!hits)
        return;
    free(hits->v);
    hits->v = NULL;
    hits->n = hits->cap = 0;
}

bw_status bw__hits_reserve(bw_index_hits *hits, size_t more, bw_error *err)
{
    if (hits->cap - hits->n >= more)
        return BW_OK;
    size_t cap = hits->cap ? hits->cap : 16;
    while (cap - hits->n < more) {
        if (cap > SIZE_MAX / 2 / sizeof *hits->v)
            return bw__fail(err, BW_ERR_NOMEM, "too many index hits");
        cap *= 2;
    }
    bw_index_hit *v = bw__realloc(hits->v, cap * sizeof *v);
    if (!v)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory for index hits");
    hits->v = v;
    hits->cap = cap;
    return BW_OK;
}
