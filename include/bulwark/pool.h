/* bulwark/pool.h -- an ordered worker pool: items are processed on N
 * threads and handed back in the order they were submitted.
 *
 * The stages of a batch (read, decode, hash, look up) run in work(); the
 * caller's thread gets each finished item, in order, in done() -- from
 * inside bw_pool_submit() or bw_pool_finish() -- so output needs no lock
 * and no reordering by the caller. At most `depth` items are in flight:
 * submit blocks when the pool is full (back-pressure), so memory stays
 * bounded however long the input. With nthreads == 0 everything runs
 * inline on the caller's thread. */
#ifndef BULWARK_POOL_H
#define BULWARK_POOL_H

#include <stddef.h>
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bw_pool bw_pool;

/* worker_ctx is the per-thread context given to bw_pool_new (index i of
 * worker_ctxs, or worker_ctxs[0] for the inline pool). */
typedef void (*bw_pool_work_fn)(void *worker_ctx, void *item);
typedef void (*bw_pool_done_fn)(void *ctx, void *item);

/* worker_ctxs has max(nthreads, 1) entries (may be NULL). depth 0: 4 * nthreads. */
bw_status bw_pool_new(bw_pool **out, unsigned nthreads, size_t depth, bw_pool_work_fn work,
                      void **worker_ctxs, bw_pool_done_fn done, void *ctx, bw_error *err);

/* Queue one item; may first deliver finished items through done(). */
bw_status bw_pool_submit(bw_pool *p, void *item);

/* Wait for every item and deliver the rest through done(). */
void bw_pool_finish(bw_pool *p);

/* finish, then stop the threads and free the pool. */
void bw_pool_free(bw_pool *p);

#ifdef __cplusplus
}
#endif
#endif
