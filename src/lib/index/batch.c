/* batch.c -- many PDQ lookups at once (bw_index_find_pdq_batch): the same
 * hits as one bw_index_find_pdq per query, laid out query after query. A
 * lookup already keeps many memory reads in flight (query.c), so the
 * batch answers its queries one after another. */
#include "core/internal.h"
#include "index/index_internal.h"

bw_status bw_index_find_pdq_batch(const bw_index *ix, const bw_pdq *q, size_t nq, int max_distance,
                                  bw_index_hits *hits, size_t *first, bw_error *err)
{
    if (!ix || (!q && nq) || !hits || !first)
        return bw__fail(err, BW_ERR_ARG, "invalid arguments to bw_index_find_pdq_batch");
    if (max_distance < 0 || max_distance > 256)
        return bw__fail(err, BW_ERR_ARG, "distance out of range (0..256): %d", max_distance);
    bw_status st = BW_OK;
    for (size_t i = 0; i < nq && st == BW_OK; i++) {
        first[i] = hits->n;
        st = bw_index_find_pdq(ix, &q[i], max_distance, hits, err);
    }
    first[nq] = hits->n;
    return st;
}
