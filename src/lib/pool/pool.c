/* pool.c -- the ordered worker pool (bulwark/pool.h).
 *
 * A ring of `depth` slots indexed by sequence number. Three counters move
 * forward: `head` (next sequence to submit), `next_work` (next a worker
 * takes) and `tail` (next to deliver). Workers mark slots done; the
 * caller's thread delivers done slots from `tail` in order, calling done()
 * without holding the lock. */
#include <pthread.h>
#include <stdlib.h>
#include "core/internal.h"
#include "bulwark/pool.h"

typedef struct slot {
    void *item;
    int done;
} slot;

struct bw_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    slot *ring;
    size_t depth;
    unsigned long long head, next_work, tail;
    int stop;
    unsigned nthreads;
    pthread_t *threads;
    void **worker_ctxs;
    bw_pool_work_fn work;
    bw_pool_done_fn done;
    void *ctx;
};

typedef struct worker_arg {
    bw_pool *p;
    void *wctx;
} worker_arg;

static void *worker_main(void *arg)
{
    worker_arg *wa = arg;
    bw_pool *p = wa->p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        unsigned long long seq;
        void *item;
        while (!p->stop && p->next_work == p->head)
            pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->next_work == p->head)
            break; /* stopping and nothing left */
        seq = p->next_work++;
        item = p->ring[seq % p->depth].item;
        pthread_mutex_unlock(&p->mu);
        p->work(wa->wctx, item);
        pthread_mutex_lock(&p->mu);
        p->ring[seq % p->depth].done = 1;
        pthread_cond_broadcast(&p->cv_done);
    }
    pthread_mutex_unlock(&p->mu);
    free(wa);
    return NULL;
}

bw_status bw_pool_new(bw_pool **out, unsigned nthreads, size_t depth, bw_pool_work_fn work,
                      void **worker_ctxs, bw_pool_done_fn done, void *ctx, bw_error *err)
{
    bw_pool *p = bw__calloc(1, sizeof *p);
    *out = NULL;
    if (!p)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    p->depth = depth ? depth : (nthreads ? 4 * (size_t)nthreads : 1);
    p->ring = bw__calloc(p->depth, sizeof *p->ring);
    p->threads = nthreads ? bw__calloc(nthreads, sizeof *p->threads) : NULL;
    p->work = work;
    p->done = done;
    p->ctx = ctx;
    p->worker_ctxs = worker_ctxs;
    if (!p->ring || (nthreads && !p->threads)) {
        free(p->ring);
        free(p->threads);
        free(p);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_work, NULL);
    pthread_cond_init(&p->cv_done, NULL);
    for (unsigned i = 0; i < nthreads; i++) {
        worker_arg *wa = bw__malloc(sizeof *wa);
        if (!wa || (wa->p = p, wa->wctx = worker_ctxs ? worker_ctxs[i] : NULL,
                    pthread_create(&p->threads[i], NULL, worker_main, wa) != 0)) {
            free(wa);
            p->nthreads = i;
            bw_pool_free(p);
            return bw__fail(err, BW_ERR_NOMEM, "cannot start worker thread");
        }
        p->nthreads = i + 1;
    }
    *out = p;
    return BW_OK;
}

/* Deliver done items from tail, in order. Called and returns with mu held. */
static void deliver_ready(bw_pool *p)
{
    while (p->tail < p->head && p->ring[p->tail % p->depth].done) {
        slot *s = &p->ring[p->tail % p->depth];
        void *item = s->item;
        s->done = 0;
        s->item = NULL;
        p->tail++;
        pthread_mutex_unlock(&p->mu);
        p->done(p->ctx, item);
        pthread_mutex_lock(&p->mu);
    }
}

bw_status bw_pool_submit(bw_pool *p, void *item)
{
    if (p->nthreads == 0) {
        p->work(p->worker_ctxs ? p->worker_ctxs[0] : NULL, item);
        p->done(p->ctx, item);
        return BW_OK;
    }
    pthread_mutex_lock(&p->mu);
    deliver_ready(p);
    while (p->head - p->tail == p->depth) {
        pthread_cond_wait(&p->cv_done, &p->mu);
        deliver_ready(p);
    }
    p->ring[p->head % p->depth].item = item;
    p->ring[p->head % p->depth].done = 0;
    p->head++;
    pthread_cond_signal(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    return BW_OK;
}

void bw_pool_finish(bw_pool *p)
{
    if (p->nthreads == 0)
        return;
    pthread_mutex_lock(&p->mu);
    deliver_ready(p);
    while (p->tail < p->head) {
        pthread_cond_wait(&p->cv_done, &p->mu);
        deliver_ready(p);
    }
    pthread_mutex_unlock(&p->mu);
}

void bw_pool_free(bw_pool *p)
{
    if (!p)
        return;
    bw_pool_finish(p);
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_work);
    pthread_cond_destroy(&p->cv_done);
    free(p->threads);
    free(p->ring);
    free(p);
}
