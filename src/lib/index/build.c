/* build.c -- building a bw_index: the builder that collects hashes, the
 * choice of the multi-index layout (how many tables, how long a substring,
 * how many directory bits) from the hash count and a cost model, and the
 * construction of each table by one counting sort. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "core/internal.h"
#include "index/index_internal.h"

struct bw_index_builder {
    bw_index_opts opts;
    bw_pdq *pdq;
    size_t n, cap;
    bw__exact_table ex[BW_HASH_KIND_COUNT];
};

/* ---------------- the cost model ---------------- */

/* Relative costs, in units of one random memory access. Measured on the
 * benchmark machine (bench/bench_index.c prints the plan it used). */
#define COST_PROBE 1.0     /* one bucket (a cache line) */
#define COST_ENTRY 0.02    /* checking one entry of it */
#define COST_CAND 1.0      /* fetching a candidate hash */
#define COST_SCAN 0.09     /* one hash of a linear scan */

double bw__ball(int n, int r)
{
    double sum = 0, c = 1;
    if (r < 0)
        return 0;
    if (r > n)
        r = n;
    for (int e = 0; e <= r; e++) {
        sum += c;
        c = c * (n - e) / (e + 1);
    }
    return sum;
}

double bw__scan_cost(size_t n)
{
    return COST_SCAN * (double)n + 4;
}

double bw__mih_cost(const bw_index *ix, const int *radius)
{
    double cost = 0, n = (double)ix->n;
    for (int t = 0; t < ix->ntables; t++) {
        const bw__mih_table *tb = &ix->t[t];
        int r = radius[t];
        if (r < 0)
            continue;
        double probes = bw__ball(tb->pbits, r);
        double per_bucket = n / (double)(1ull << tb->pbits);
        double cands = bw__ball(tb->bits, r) * n / (double)(1ull << tb->bits);
        if (cands > n)
            cands = n;
        cost += COST_PROBE * probes + COST_ENTRY * probes * per_bucket + COST_CAND * cands;
    }
    return cost + 4;
}

void bw__mih_radii(const bw_index *ix, int d, int *radius)
{
    int T = ix->ntables, s = d + 1;
    for (int t = 0; t < BW__MIH_MAX_TABLES; t++)
        radius[t] = -1;
    if (T == 0)
        return;
    /* Each table t may be probed within radius r_t; exactness needs
     * sum(r_t + 1) >= d + 1. Longer substrings get the extra radius. */
    int base = s / T, extra = s % T;
    for (int t = 0; t < T; t++)
        radius[t] = base - 1;
    for (int k = 0; k < extra; k++) {
        int best = -1;
        for (int t = 0; t < T; t++)
            if (radius[t] == base - 1 && (best < 0 || ix->t[t].bits > ix->t[best].bits))
                best = t;
        radius[best]++;
    }
}

static int bits_for(size_t v)
{
    int b = 1;
    while (b < 32 && (v >> b))
        b++;
    return b;
}

static int log2_round(size_t n)
{
    int b = 0;
    while (b < 40 && ((size_t)1 << (b + 1)) <= n + n / 2)
        b++;
    return b;
}

/* Lay out T tables over the 256 bits for n hashes; 0 if no valid layout. */
static int layout(bw_index *ix, size_t n, int T)
{
    int posbits = bits_for(n ? n - 1 : 0);
    int maxr = 32 - posbits < 8 ? 32 - posbits : 8;
    int lg = log2_round(n);
    int pmax = lg > 10 ? lg : 10;
    int L = 256 / T, extra = 256 % T;
    if (L >= BW__MIH_MAX_BITS) {
        L = BW__MIH_MAX_BITS;
        extra = 0;
    }
    if (pmax > 28)
        pmax = 28;
    ix->posbits = posbits;
    ix->ntables = T;
    int start = 0;
    for (int t = 0; t < T; t++) {
        int bits = L + (t < extra ? 1 : 0);
        if (bits > BW__MIH_MAX_BITS)
            bits = BW__MIH_MAX_BITS;
        int p = lg - 3; /* about 8 entries per bucket */
        if (p < bits - maxr)
            p = bits - maxr;
        if (p > bits)
            p = bits;
        if (p < 1)
            p = bits < 1 ? bits : 1;
        if (p > pmax)
            return 0;
        ix->t[t].start = (uint16_t)start;
        ix->t[t].bits = (uint8_t)bits;
        ix->t[t].pbits = (uint8_t)p;
        ix->t[t].rbits = (uint8_t)(bits - p);
        start += bits;
    }
    return start <= 256;
}

/* Pick the table count with the lowest estimated cost at the design
 * distance; 0 tables when a scan is cheaper anyway. */
static void choose_layout(bw_index *ix, size_t n)
{
    int d = ix->opts.design_distance > 0 ? ix->opts.design_distance : BW_PDQ_DEFAULT_MAX_DISTANCE;
    int radius[BW__MIH_MAX_TABLES];
    int bestT = 0;
    double best = 0;
    if (ix->opts.tables > 0) {
        bestT = ix->opts.tables > BW__MIH_MAX_TABLES ? BW__MIH_MAX_TABLES : ix->opts.tables;
        while (bestT > 1 && !layout(ix, n, bestT))
            bestT--;
    } else {
        for (int T = 1; T <= BW__MIH_MAX_TABLES; T++) {
            if (!layout(ix, n, T))
                continue;
            bw__mih_radii(ix, d, radius);
            double c = bw__mih_cost(ix, radius);
            if (bestT == 0 || c < best) {
                best = c;
                bestT = T;
            }
        }
        if (ix->opts.method == BW_INDEX_AUTO && (bestT == 0 || best >= bw__scan_cost(n)))
            bestT = 0;
        if (ix->opts.method == BW_INDEX_MIH && bestT == 0)
            bestT = 1;
    }
    if (ix->opts.method == BW_INDEX_SCAN)
        bestT = 0;
    if (bestT == 0 || !layout(ix, n, bestT)) {
        ix->ntables = 0;
        return;
    }
}

/* ---------------- building tables ---------------- */

void *bw__index_alloc(size_t bytes)
{
    void *p = NULL;
    size_t align = bytes >= ((size_t)4 << 20) ? ((size_t)2 << 20) : 64;
    if (bytes == 0)
        bytes = 64;
    if (posix_memalign(&p, align, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    if (align > 64)
        madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

/* Make room for one more overflow note (frees and returns NULL on failure). */
static uint64_t *grow_ovf(uint64_t *ovf, size_t n, size_t *cap)
{
    if (n < *cap)
        return ovf;
    size_t nc = *cap ? *cap * 2 : 4096;
    uint64_t *nv = realloc(ovf, nc * sizeof *nv);
    if (!nv) {
        free(ovf);
        return NULL;
    }
    *cap = nc;
    return nv;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* One pass over the hashes in id order: each entry goes into its bucket
 * while there is room. A bucket that overflows keeps 14 entries inline and
 * in its last slot the start of its run in the overflow array; the rest
 * are noted as (bucket, id) and laid out, sorted, afterwards. */
static bw_status build_table(const bw_index *ix, bw__mih_table *tb, size_t *memory, bw_error *err)
{
    size_t n = ix->n, buckets = (size_t)1 << tb->pbits;
    unsigned rb = tb->rbits;
    uint32_t rmask = rb ? (uint32_t)((1ull << rb) - 1) : 0;
    uint32_t posmask = ix->posbits >= 32 ? 0xffffffffu : (uint32_t)((1ull << ix->posbits) - 1);
    uint64_t *ovf = NULL;
    size_t novf = 0, cap = 0;
    tb->bk = bw__index_alloc(buckets * sizeof *tb->bk);
    if (!tb->bk)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory building the index (%zu hashes)", n);
    memset(tb->bk, 0, buckets * sizeof *tb->bk);
    *memory += buckets * sizeof *tb->bk;
    for (size_t i = 0; i < n; i++) {
        if (i + 32 < n) /* the bucket of a later hash, so that its line is there in time */
            __builtin_prefetch(&tb->bk[bw__sub(&ix->pdq[i + 32], tb->start, tb->bits) >> rb], 1);
        uint32_t k = bw__sub(&ix->pdq[i], tb->start, tb->bits);
        bw__bucket *bk = &tb->bk[k >> rb];
        if (bk->count < BW__BUCKET_SLOTS) {
            bk->e[bk->count++] = (uint32_t)(((uint64_t)(k & rmask) << ix->posbits) | i);
            continue;
        }
        if (bk->count == BW__BUCKET_SLOTS) {
            /* the bucket overflows: its last slot will point at the
             * overflow run, so the entry there moves to the run too */
            if ((ovf = grow_ovf(ovf, novf, &cap)) == NULL)
                return bw__fail(err, BW_ERR_NOMEM, "out of memory building the index");
            ovf[novf++] = ((uint64_t)(k >> rb) << 32) | (bk->e[BW__BUCKET_SLOTS - 1] & posmask);
        }
        bk->count++;
        if ((ovf = grow_ovf(ovf, novf, &cap)) == NULL)
            return bw__fail(err, BW_ERR_NOMEM, "out of memory building the index");
        ovf[novf++] = ((uint64_t)(k >> rb) << 32) | i;
    }
    if (novf == 0)
        return BW_OK;
    qsort(ovf, novf, sizeof *ovf, cmp_u64); /* by bucket, then id */
    tb->novf = novf;
    tb->ovf_e = malloc(novf * sizeof *tb->ovf_e);
    if (!tb->ovf_e) {
        free(ovf);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory building the index");
    }
    *memory += novf * 4;
    for (size_t j = 0; j < novf; j++) {
        uint32_t b = (uint32_t)(ovf[j] >> 32), id = (uint32_t)ovf[j];
        if (j == 0 || (ovf[j - 1] >> 32) != b)
            tb->bk[b].e[BW__BUCKET_SLOTS - 1] = (uint32_t)j;
        uint32_t key = bw__sub(&ix->pdq[id], tb->start, tb->bits);
        tb->ovf_e[j] = (uint32_t)(((uint64_t)(key & rmask) << ix->posbits) | id);
    }
    free(ovf);
    return BW_OK;
}

/* Tables are independent: big indexes build them on several threads
 * (one per core, at most 8). */
typedef struct builder_share {
    bw_index *ix;
    atomic_int next;
} builder_share;

typedef struct builder_worker {
    builder_share *sh;
    size_t memory;
    bw_status st;
    bw_error err;
} builder_worker;

static void *build_worker(void *arg)
{
    builder_worker *w = arg;
    bw_index *ix = w->sh->ix;
    for (;;) {
        int t = atomic_fetch_add(&w->sh->next, 1);
        if (t >= ix->ntables)
            break;
        w->st = build_table(ix, &ix->t[t], &w->memory, &w->err);
        if (w->st != BW_OK)
            break;
    }
    return NULL;
}

static bw_status index_build_pdq_part(bw_index *ix, bw_error *err)
{
    builder_share sh;
    builder_worker w[8];
    pthread_t th[8];
    int started[8] = {0};
    choose_layout(ix, ix->n);
    if (ix->ntables == 0)
        return BW_OK;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int nt = ix->n < 200000 ? 1 : (int)(cores < 1 ? 1 : cores > 8 ? 8 : cores);
    if (nt > ix->ntables)
        nt = ix->ntables;
    sh.ix = ix;
    atomic_init(&sh.next, 0);
    memset(w, 0, sizeof w);
    for (int i = 0; i < nt; i++) {
        w[i].sh = &sh;
        if (i > 0)
            started[i] = pthread_create(&th[i], NULL, build_worker, &w[i]) == 0;
    }
    build_worker(&w[0]); /* this thread works too; it also finishes what failed to start */
    bw_status st = BW_OK;
    for (int i = 0; i < nt; i++) {
        if (i > 0 && started[i])
            pthread_join(th[i], NULL);
        ix->memory += w[i].memory;
        if (st == BW_OK && w[i].st != BW_OK) {
            st = w[i].st;
            if (err)
                *err = w[i].err;
        }
    }
    return st;
}

void bw__index_free(bw_index *ix)
{
    if (!ix)
        return;
    free(ix->pdq);
    for (int t = 0; t < BW__MIH_MAX_TABLES; t++) {
        free(ix->t[t].bk);
        free(ix->t[t].ovf_e);
    }
    for (int k = 0; k < BW_HASH_KIND_COUNT; k++)
        bw__exact_free(&ix->ex[k]);
    free(ix);
}

/* ---------------- the builder ---------------- */

bw_status bw_index_builder_new(bw_index_builder **out, const bw_index_opts *opts, bw_error *err)
{
    bw_index_builder *b = calloc(1, sizeof *b);
    *out = NULL;
    if (!b)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if (opts)
        b->opts = *opts;
    for (int k = 1; k < BW_HASH_KIND_COUNT; k++)
        b->ex[k].key_bytes = bw_hash_kind_bytes((bw_hash_kind)k);
    *out = b;
    return BW_OK;
}

static bw_status pdq_reserve(bw_index_builder *b, size_t more, bw_error *err)
{
    if (b->cap - b->n >= more)
        return BW_OK;
    /* grow by doubling, but to exactly what was asked for when that is
     * more (a reserve of the final count then wastes nothing) */
    if (more > ((size_t)1 << 32) - b->n)
        return bw__fail(err, BW_ERR_LIMIT, "too many PDQ hashes for one index (max 2^32)");
    size_t need = b->n + more, cap = b->cap ? b->cap * 2 : 1024;
    if (cap < need)
        cap = need;
    if (cap > ((size_t)1 << 32))
        cap = (size_t)1 << 32;
    void *p = bw__index_alloc(cap * sizeof(bw_pdq));
    if (!p)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory for %zu PDQ hashes", cap);
    if (b->n)
        memcpy(p, b->pdq, b->n * sizeof(bw_pdq));
    free(b->pdq);
    b->pdq = p;
    b->cap = cap;
    return BW_OK;
}

bw_status bw_index_builder_reserve(bw_index_builder *b, bw_hash_kind kind, size_t n, bw_error *err)
{
    if (!b || (unsigned)kind >= BW_HASH_KIND_COUNT)
        return bw__fail(err, BW_ERR_ARG, "invalid arguments to bw_index_builder_reserve");
    if (kind == BW_HASH_PDQ)
        return pdq_reserve(b, n, err);
    return BW_OK;
}

bw_status bw_index_builder_add_pdq(bw_index_builder *b, const bw_pdq *hash, bw_error *err)
{
    bw_status st = pdq_reserve(b, 1, err);
    if (st != BW_OK)
        return st;
    b->pdq[b->n++] = *hash;
    return BW_OK;
}

bw_status bw_index_builder_add(bw_index_builder *b, bw_hash_kind kind, const uint8_t *bytes,
                               bw_error *err)
{
    if (!b || !bytes || (unsigned)kind >= BW_HASH_KIND_COUNT)
        return bw__fail(err, BW_ERR_ARG, "invalid arguments to bw_index_builder_add");
    if (kind == BW_HASH_PDQ) {
        bw_pdq h;
        bw_pdq_unpack(bytes, &h);
        return bw_index_builder_add_pdq(b, &h, err);
    }
    return bw__exact_add(&b->ex[kind], bytes, err);
}

void bw_index_builder_free(bw_index_builder *b)
{
    if (!b)
        return;
    free(b->pdq);
    for (int k = 0; k < BW_HASH_KIND_COUNT; k++)
        bw__exact_free(&b->ex[k]);
    free(b);
}

bw_status bw_index_build(bw_index_builder *b, bw_index **out, bw_error *err)
{
    bw_status st;
    *out = NULL;
    if (!b)
        return bw__fail(err, BW_ERR_ARG, "no index builder");
    bw_index *ix = calloc(1, sizeof *ix);
    if (!ix) {
        bw_index_builder_free(b);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    atomic_init(&ix->refs, 1);
    ix->opts = b->opts;
    ix->n = b->n;
    ix->pdq = b->pdq;
    b->pdq = NULL;
    ix->memory = sizeof *ix + b->cap * sizeof(bw_pdq);
    for (int k = 0; k < BW_HASH_KIND_COUNT; k++) {
        ix->ex[k] = b->ex[k];
        memset(&b->ex[k], 0, sizeof b->ex[k]);
    }
    bw_index_builder_free(b);
    st = index_build_pdq_part(ix, err);
    for (int k = 1; k < BW_HASH_KIND_COUNT && st == BW_OK; k++) {
        st = bw__exact_build(&ix->ex[k], err);
        ix->memory += ix->ex[k].cap * ix->ex[k].key_bytes + (ix->ex[k].mask + 1) * sizeof(uint32_t);
    }
    if (st != BW_OK) {
        bw__index_free(ix);
        return st;
    }
    *out = ix;
    return BW_OK;
}

bw_status bw_index_build_pdq(const bw_pdq *hashes, size_t n, const bw_index_opts *opts,
                             bw_index **out, bw_error *err)
{
    bw_index_builder *b;
    bw_status st;
    *out = NULL;
    if (!hashes && n)
        return bw__fail(err, BW_ERR_ARG, "no hashes");
    st = bw_index_builder_new(&b, opts, err);
    if (st != BW_OK)
        return st;
    st = pdq_reserve(b, n, err);
    if (st != BW_OK) {
        bw_index_builder_free(b);
        return st;
    }
    if (n)
        memcpy(b->pdq, hashes, n * sizeof *hashes);
    b->n = n;
    return bw_index_build(b, out, err);
}
