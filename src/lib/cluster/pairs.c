/* pairs.c -- every pair of PDQ hashes within a distance D <= 47, found by a
 * self-join over 16-bit substrings (an adapter beside the index: index.h
 * answers one query at a time, which for a million hashes against
 * themselves costs a million separate probe sequences).
 *
 * Pigeonhole: split 256 bits into 16 substrings of 16 bits; two hashes
 * within D differ in at most r = D / 16 bits of some substring. For each
 * substring t, the hashes are sorted by its value (counting sort into
 * 65,536 buckets, a copy of the hashes in that order so buckets are read
 * sequentially); every bucket is joined with itself and with the buckets
 * whose value is within r bits and larger. A pair is reported only from
 * the first substring where it is within r, so each pair comes out once.
 * The 16 substrings are shared among the threads. Exact: the same pairs as
 * comparing all n^2/2, which is what is done for a few hashes (FEW). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "cluster/cluster_internal.h"

#define NSUB 16
/* Up to this many hashes, comparing all n^2/2 pairs (130,000) costs less
 * than the join's fixed 16 passes over 65,536 buckets (about 5 ms here,
 * whatever n: it made clustering two hashes take that long). */
#define FEW 512

typedef struct job {
    const bw_pdq *h;
    size_t n;
    int d, r;
    int next_sub;             /* shared: next substring to take */
    pthread_mutex_t mu;
} job;

typedef struct worker {
    job *jb;
    bw__pairs out;
    int failed;
} worker;

static inline unsigned sub16(const bw_pdq *p, int t)
{
    return (unsigned)(p->w[t / 4] >> (16 * (t % 4))) & 0xffffu;
}

static int push(bw__pairs *o, uint32_t a, uint32_t b)
{
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 4096;
        bw__pair *nv = bw__realloc(o->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        o->v = nv;
        o->cap = nc;
    }
    o->v[o->n].a = a;
    o->v[o->n].b = b;
    o->n++;
    return 0;
}

/* Within d overall, and substring t is the first within r. */
#define PAIR_OK(x, y, t, d, r, POP)                                                     \
    ({                                                                                   \
        uint64_t x0 = (x)->w[0] ^ (y)->w[0], x1 = (x)->w[1] ^ (y)->w[1];                 \
        uint64_t x2 = (x)->w[2] ^ (y)->w[2], x3 = (x)->w[3] ^ (y)->w[3];                 \
        int ok_ = POP(x0) + POP(x1) + POP(x2) + POP(x3) <= (d);                          \
        if (ok_ && (t) > 0) {                                                            \
            uint64_t xs_[4] = {x0, x1, x2, x3};                                          \
            for (int s_ = 0; s_ < (t); s_++)                                             \
                if (POP((xs_[s_ / 4] >> (16 * (s_ % 4))) & 0xffffu) <= (r)) {            \
                    ok_ = 0;                                                             \
                    break;                                                               \
                }                                                                        \
        }                                                                                \
        ok_;                                                                             \
    })

/* The join of one substring; POP is the popcount to use. */
#define DEFINE_JOIN(NAME, ATTR, POP)                                                     \
    ATTR static int NAME(const bw_pdq *sorted, const uint32_t *id, const uint32_t *start, \
                         int t, int d, int r, const uint16_t *masks, int nmasks,          \
                         bw__pairs *out)                                                 \
    {                                                                                    \
        for (unsigned v = 0; v < 65536; v++) {                                           \
            uint32_t a0 = start[v], a1 = start[v + 1];                                   \
            if (a0 == a1)                                                                \
                continue;                                                                \
            for (uint32_t i = a0; i < a1; i++)                                           \
                for (uint32_t j = i + 1; j < a1; j++)                                    \
                    if (PAIR_OK(&sorted[i], &sorted[j], t, d, r, POP) &&                 \
                        push(out, id[i], id[j]) != 0)                                    \
                        return -1;                                                       \
            for (int k = 0; k < nmasks; k++) {                                           \
                unsigned w = v ^ masks[k];                                               \
                if (w <= v)                                                              \
                    continue;                                                            \
                for (uint32_t i = a0; i < a1; i++)                                       \
                    for (uint32_t j = start[w]; j < start[w + 1]; j++)                   \
                        if (PAIR_OK(&sorted[i], &sorted[j], t, d, r, POP) &&             \
                            push(out, id[i], id[j]) != 0)                                \
                            return -1;                                                   \
            }                                                                            \
        }                                                                                \
        return 0;                                                                        \
    }

#define POP_PLAIN(x) __builtin_popcountll(x)
DEFINE_JOIN(join_plain, , POP_PLAIN)
#if defined(__x86_64__)
DEFINE_JOIN(join_popcnt, __attribute__((target("popcnt"))), POP_PLAIN)
#endif

static int join_sub(job *jb, int t, bw_pdq *sorted, uint32_t *id, uint32_t *start,
                    const uint16_t *masks, int nmasks, bw__pairs *out)
{
    memset(start, 0, 65537 * sizeof *start);
    for (size_t i = 0; i < jb->n; i++)
        start[sub16(&jb->h[i], t) + 1]++;
    for (unsigned v = 1; v <= 65536; v++)
        start[v] += start[v - 1];
    {
        uint32_t *fill = bw__malloc(65536 * sizeof *fill);
        if (!fill)
            return -1;
        memcpy(fill, start, 65536 * sizeof *fill);
        for (size_t i = 0; i < jb->n; i++) {
            uint32_t at = fill[sub16(&jb->h[i], t)]++;
            sorted[at] = jb->h[i];
            id[at] = (uint32_t)i;
        }
        free(fill);
    }
#if defined(__x86_64__)
    if (__builtin_cpu_supports("popcnt"))
        return join_popcnt(sorted, id, start, t, jb->d, jb->r, masks, nmasks, out);
#endif
    return join_plain(sorted, id, start, t, jb->d, jb->r, masks, nmasks, out);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    job *jb = w->jb;
    bw_pdq *sorted = bw__malloc((jb->n ? jb->n : 1) * sizeof *sorted);
    uint32_t *id = bw__malloc((jb->n ? jb->n : 1) * sizeof *id);
    uint32_t *start = bw__malloc(65537 * sizeof *start);
    uint16_t masks[1 + 16 + 120];
    int nmasks = 0;

    for (unsigned m = 1; m < 65536; m++)
        if (__builtin_popcount(m) <= jb->r)
            masks[nmasks++] = (uint16_t)m;
    if (!sorted || !id || !start) {
        w->failed = 1;
    } else {
        for (;;) {
            int t;
            pthread_mutex_lock(&jb->mu);
            t = jb->next_sub < NSUB ? jb->next_sub++ : -1;
            pthread_mutex_unlock(&jb->mu);
            if (t < 0)
                break;
            if (join_sub(jb, t, sorted, id, start, masks, nmasks, &w->out) != 0) {
                w->failed = 1;
                break;
            }
        }
    }
    free(sorted);
    free(id);
    free(start);
    return NULL;
}

bw_status bw__pdq_pairs(const bw_pdq *h, size_t n, int d, unsigned threads, bw__pair_fn fn,
                        void *ctx, bw_error *err)
{
    job jb = {h, n, d, d / NSUB, 0, PTHREAD_MUTEX_INITIALIZER};
    worker *ws;
    pthread_t *th;
    char *started;
    bw_status st = BW_OK;

    if (d < 0 || d > BW__PAIRS_MAX_DISTANCE)
        return bw__fail(err, BW_ERR_ARG, "self-join distance %d out of range", d);
    if (n <= FEW) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (bw_pdq_distance(&h[i], &h[j]) <= d)
                    fn(ctx, (uint32_t)i, (uint32_t)j);
        return BW_OK;
    }
    if (threads < 1)
        threads = 1;
    ws = bw__calloc(threads, sizeof *ws);
    th = bw__calloc(threads, sizeof *th);
    started = bw__calloc(threads, 1);
    if (!ws || !th || !started) {
        free(ws);
        free(th);
        free(started);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    for (unsigned i = 0; i < threads; i++)
        ws[i].jb = &jb;
    for (unsigned i = 1; i < threads; i++)
        started[i] = pthread_create(&th[i], NULL, worker_main, &ws[i]) == 0;
    worker_main(&ws[0]);
    for (unsigned i = 1; i < threads; i++)
        if (started[i])
            pthread_join(th[i], NULL);
    for (unsigned i = 0; i < threads; i++) {
        if (ws[i].failed && st == BW_OK)
            st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
        for (size_t k = 0; st == BW_OK && k < ws[i].out.n; k++)
            fn(ctx, ws[i].out.v[k].a, ws[i].out.v[k].b);
        free(ws[i].out.v);
    }
    pthread_mutex_destroy(&jb.mu);
    free(ws);
    free(th);
    free(started);
    return st;
}
