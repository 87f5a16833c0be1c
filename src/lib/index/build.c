/* build.c -- building a bw_index: the builder that collects hashes, the
 * choice of tables (which 16-bit parts get one) from the hash count and a
 * cost model, and the construction of each table by one counting sort. */
#include <pthread.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
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

/* Nanoseconds, measured on the benchmark machine (a 2-core EPYC VM;
 * bench/bench_index.c prints the plan it used): a probe reads a directory
 * entry and the first line of a run at a random place; an entry costs a
 * fraction of a vector instruction; an entry that passes costs two
 * dependent random reads (its id, then its hash); a scan reads 32 bytes
 * per hash at memory bandwidth. */
#define COST_PROBE 20.0
#define COST_ENTRY 0.15
#define COST_SURVIVOR 25.0
#define COST_SCAN 1.45

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
    return COST_SCAN * (double)n + 50;
}

/* Probability that a random 16-bit value is within b of another. */
static double within16(int b)
{
    return b >= 16 ? 1.0 : b < 0 ? 0.0 : bw__ball(16, b) / 65536.0;
}

double bw__mih_cost(const bw_index *ix, const int t[BW__PARTS])
{
    double cost = 50, per_key = (double)ix->n / BW__PART_KEYS;
    if (ix->ntables == 0)
        return 1e300;
    for (int p = 0; p < BW__PARTS; p++) {
        if (t[p] < 0)
            continue;
        int r = t[p] < 16 ? t[p] : 16, tn = t[(p + 1) % BW__PARTS];
        double c = 1;   /* C(16, j) */
        for (int j = 0; j <= r; j++) {
            cost += c * (COST_PROBE + per_key * (COST_ENTRY + COST_SURVIVOR * within16(t[p] + tn + 1 - j)));
            c = c * (16 - j) / (j + 1);
        }
    }
    return cost;
}

void bw__thresholds(const bw_index *ix, int d, int t[BW__PARTS])
{
    int T = ix->ntables, k = 0;
    for (int p = 0; p < BW__PARTS; p++)
        t[p] = -1;
    if (T == 0)
        return;
    /* sum(t + 1) >= d + 1, spread as evenly as it goes */
    int base = (d + 1) / T, extra = (d + 1) % T;
    for (int p = 0; p < BW__PARTS; p++)
        if (ix->active & (1u << p))
            t[p] = base - 1 + (k++ < extra ? 1 : 0);
}

/* Which parts get a table: all 16 unless opts.tables asks for fewer
 * (spread evenly: less memory, slower lookups); none when a scan would be
 * cheaper at the design distance, or when scanning is asked for. */
static void choose_layout(bw_index *ix, size_t n)
{
    int T = ix->opts.tables > 0 && ix->opts.tables < BW__PARTS ? ix->opts.tables : BW__PARTS;
    int d = ix->opts.design_distance > 0 ? ix->opts.design_distance : BW_PDQ_DEFAULT_MAX_DISTANCE;
    int t[BW__PARTS];
    ix->idbytes = n <= ((size_t)1 << 24) ? 3 : 4;
    ix->layout = BW_INDEX_FAST;
    ix->g = 0;
    if (ix->opts.layout == BW_INDEX_COMPACT && n > 0 &&
        (ix->opts.method == BW_INDEX_MIH ||
         (ix->opts.method == BW_INDEX_AUTO && n >= BW_INDEX_COMPACT_MIN &&
          d <= BW_INDEX_COMPACT_MAX_DISTANCE))) {
        ix->layout = BW_INDEX_COMPACT; /* links need every table */
        T = BW__PARTS;
    }
    ix->ntables = T;
    ix->active = 0;
    for (int i = 0; i < T; i++)
        ix->active |= 1u << (i * BW__PARTS / T);
    if (ix->layout == BW_INDEX_COMPACT)
        return;
    if (ix->opts.method == BW_INDEX_SCAN || n == 0) {
        ix->ntables = 0;
        ix->active = 0;
        return;
    }
    if (ix->opts.method == BW_INDEX_AUTO && ix->opts.tables == 0) {
        bw__thresholds(ix, d, t);
        if (bw__mih_cost(ix, t) >= bw__scan_cost(n)) {
            ix->ntables = 0;
            ix->active = 0;
        }
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

bw_status bw__dir_build(bw__part_table *tb, uint32_t *count, size_t nkeys, size_t *memory,
                        bw_error *err)
{
    /* group starts, then the coarsest base spacing (2^8 keys down to 1)
     * at which every start fits 16 bits above its base */
    uint32_t sum = 0;
    for (size_t k = 0; k < nkeys; k++) {
        uint32_t c = count[k];
        count[k] = sum;
        sum += c;
    }
    int sh = 8;
    for (; sh > 0; sh--) {
        size_t step = (size_t)1 << sh;
        int fits = 1;
        for (size_t k = 0; k < nkeys && fits; k += step) {
            size_t end = k + step < nkeys ? k + step : nkeys;
            uint32_t top = end < nkeys ? count[end - 1] : sum;
            fits = top - count[k] <= 0xffff;
        }
        if (fits)
            break;
    }
    size_t nb = (nkeys >> sh) + 1;
    tb->dshift = sh;
    tb->dbase = bw__index_alloc(nb * sizeof *tb->dbase);
    tb->drel = bw__index_alloc((nkeys + 1) * sizeof *tb->drel);
    if (!tb->dbase || !tb->drel)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory building the index");
    *memory += nb * sizeof *tb->dbase + (nkeys + 1) * sizeof *tb->drel;
    for (size_t k = 0; k <= nkeys; k++) {
        uint32_t at = k < nkeys ? count[k] : sum;
        if ((k & (((size_t)1 << sh) - 1)) == 0)
            tb->dbase[k >> sh] = at;
        tb->drel[k] = (uint16_t)(at - tb->dbase[k >> sh]);
    }
    return BW_OK;
}

/* One counting sort of the hashes by their key in table p (bw__key: the
 * part, and in COMPACT the top g bits of the part before): count, group
 * starts, then each hash in id order goes to the next free entry of its
 * group (so ids rise within a group). Each entry gets the hash's next part
 * and, in FAST, its id; in COMPACT, its link: the hash's rank within its
 * group of table p + 1, which is laid out in id order too. */
static inline __attribute__((always_inline)) bw_status
build_table_as(bw_index *ix, int p, const int compact, size_t *memory, bw_error *err)
{
    bw__part_table *tb = &ix->t[p];
    const int g = compact ? ix->g : 0, pn = (p + 1) % BW__PARTS;
    const size_t n = ix->n, K = (size_t)1 << (16 + g), ib = (size_t)ix->idbytes;
    const size_t lb = (size_t)ix->link_bits, ebytes = compact ? (n * lb + 7) / 8 + 8 : n * ib + 64;
    uint32_t *cnt = bw__calloc(K, sizeof *cnt), *rank = NULL, *cnt2 = NULL;
    uint8_t *ent;
    bw_status st = BW_OK;
    tb->next = bw__index_alloc(n * sizeof *tb->next + 64);
    ent = bw__index_alloc(ebytes);
    if (compact) {
        tb->link = ent;
        cnt2 = bw__calloc(K, sizeof *cnt2);
        rank = bw__malloc((n ? n : 1) * sizeof *rank);
    } else {
        tb->ids = ent;
    }
    if (!cnt || !tb->next || !ent || (compact && (!cnt2 || !rank))) {
        st = bw__fail(err, BW_ERR_NOMEM, "out of memory building the index (%zu hashes)", n);
        goto out;
    }
    memset(compact ? ent : ent + n * ib, 0, compact ? ebytes : 64);
    *memory += n * sizeof *tb->next + 64 + ebytes;
    for (size_t i = 0; i < n; i++) {
        if (compact) {
            cnt[bw__key_col(ix->col, i, p, g)]++;
            rank[i] = cnt2[bw__key_col(ix->col, i, pn, g)]++;
        } else {
            cnt[bw__key(&ix->pdq[i], p, g)]++;
        }
    }
    if ((st = bw__dir_build(tb, cnt, K, memory, err)) != BW_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (compact) {
            uint32_t e = cnt[bw__key_col(ix->col, i, p, g)]++;
            tb->next[e] = ix->col[pn][i];
            bw__bits_put(ent, (uint64_t)e * lb, rank[i]);
        } else {
            const bw_pdq *h = &ix->pdq[i];
            uint32_t e = cnt[bw__key(h, p, g)]++, id = (uint32_t)i;
            tb->next[e] = (uint16_t)bw__part(h, pn);
            memcpy(ent + (size_t)e * ib, &id, ib); /* little-endian bytes */
        }
    }
out:
    free(cnt);
    free(cnt2);
    free(rank);
    return st;
}

/* The same compiled for each layout, so that the loops do not test it. */
static bw_status build_table(bw_index *ix, int p, size_t *memory, bw_error *err)
{
    return ix->layout == BW_INDEX_COMPACT ? build_table_as(ix, p, 1, memory, err)
                                          : build_table_as(ix, p, 0, memory, err);
}

/* Tables are independent: big indexes build them on several threads
 * (one per core, at most 8). */
typedef struct builder_share {
    bw_index *ix;
    int parts[BW__PARTS];
    atomic_int next;
    pthread_mutex_t lock; /* COMPACT: guards need and the columns' freeing */
    int need[BW__PARTS];  /* COMPACT: tables (and the ids) still to read column p */
} builder_share;

/* Column c read once more is done with: freed when nothing needs it. */
static void col_done(builder_share *sh, int c)
{
    if (--sh->need[c] == 0) {
        free(sh->ix->col[c]);
        sh->ix->col[c] = NULL;
    }
}

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
        int k = atomic_fetch_add(&w->sh->next, 1);
        if (k >= ix->ntables)
            break;
        int p = w->sh->parts[k];
        w->st = build_table(ix, p, &w->memory, &w->err);
        if (w->st != BW_OK)
            break;
        if (ix->layout == BW_INDEX_COMPACT) { /* table p read columns p - 1, p, p + 1 */
            pthread_mutex_lock(&w->sh->lock);
            for (int d = -1; d <= 1; d++)
                col_done(w->sh, (p + BW__PARTS + d) % BW__PARTS);
            pthread_mutex_unlock(&w->sh->lock);
        }
    }
    return NULL;
}

/* For every distance, whether a lookup scans rather than probes: the cost
 * model decides once here, not on every lookup. COMPACT holds no copy of
 * the hashes to scan; forced methods are obeyed. */
static void plan_distances(bw_index *ix)
{
    int t[BW__PARTS];
    for (int d = 0; d <= 256; d++) {
        int scan;
        if (ix->layout == BW_INDEX_COMPACT)
            scan = 0;
        else if (ix->ntables == 0 || ix->opts.method == BW_INDEX_SCAN)
            scan = 1;
        else if (ix->opts.method == BW_INDEX_MIH)
            scan = 0;
        else {
            bw__thresholds(ix, d, t);
            scan = bw__mih_cost(ix, t) >= bw__scan_cost(ix->n);
        }
        ix->scan_at[d] = (uint8_t)scan;
    }
}

/* COMPACT: the hashes as 16 columns of their parts, the rows given back
 * to the system as they are copied (from the end, a chunk at a time), so
 * that the two are never both whole in memory. */
static bw_status to_columns(bw_index *ix, bw_error *err)
{
    const size_t n = ix->n, chunk = 65536;
    long pg = sysconf(_SC_PAGESIZE);
    size_t page = pg > 0 ? (size_t)pg : 4096;
    for (int p = 0; p < BW__PARTS; p++)
        if (!(ix->col[p] = bw__index_alloc(n * sizeof(uint16_t))))
            return bw__fail(err, BW_ERR_NOMEM, "out of memory building the index (%zu hashes)",
                            n);
    for (size_t end = n; end > 0;) {
        size_t start = end > chunk ? end - chunk : 0;
        for (size_t i = start; i < end; i++)
            for (int p = 0; p < BW__PARTS; p++)
                ix->col[p][i] = (uint16_t)bw__part(&ix->pdq[i], p);
        uintptr_t from = ((uintptr_t)(ix->pdq + start) + page - 1) & ~(uintptr_t)(page - 1);
        uintptr_t to = (uintptr_t)(ix->pdq + n) & ~(uintptr_t)(page - 1);
#ifdef MADV_DONTNEED
        if (to > from) /* the rows copied: their pages back (read no more) */
            madvise((void *)from, to - from, MADV_DONTNEED);
#endif
        end = start;
    }
    free(ix->pdq);
    ix->pdq = NULL;
    ix->memory -= ix->pdq_bytes;
    ix->pdq_bytes = 0;
    return BW_OK;
}

static bw_status index_build_pdq_part(bw_index *ix, bw_error *err)
{
    builder_share sh;
    builder_worker w[8];
    pthread_t th[8];
    int started[8] = {0};
    choose_layout(ix, ix->n);
    plan_distances(ix);
    if (ix->ntables == 0)
        return BW_OK;
    if (ix->layout == BW_INDEX_COMPACT) {
        bw_status st = bw__compact_plan(ix, err);
        if (st == BW_OK)
            st = to_columns(ix, err);
        if (st != BW_OK)
            return st;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int nt = ix->n < 200000 ? 1 : (int)(cores < 1 ? 1 : cores > 8 ? 8 : cores);
    if (nt > ix->ntables)
        nt = ix->ntables;
    sh.ix = ix;
    for (int p = 0, k = 0; p < BW__PARTS; p++)
        if (ix->active & (1u << p))
            sh.parts[k++] = p;
    atomic_init(&sh.next, 0);
    pthread_mutex_init(&sh.lock, NULL);
    for (int p = 0; p < BW__PARTS; p++) /* three tables each; 14 and 15 the ids too */
        sh.need[p] = 3 + (p >= BW__PARTS - 2);
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
    if (st == BW_OK && ix->layout == BW_INDEX_COMPACT) {
        /* the tables hold the hashes now: no copy is kept */
        size_t mem = 0;
        st = bw__compact_ids(ix, &mem, err);
        ix->memory += mem;
    }
    pthread_mutex_destroy(&sh.lock);
    for (int p = 0; p < BW__PARTS; p++) { /* 14 and 15, and any left by a failure */
        free(ix->col[p]);
        ix->col[p] = NULL;
    }
    return st;
}

/* Give the heap's free pages back to the system after a build or the
 * free of a large index. A build frees about as much as it keeps (the
 * hashes' columns, the builder's rows), and glibc keeps most of that in
 * its arenas: a server that loaded 10M hashes held 690 MB, 555 MB after
 * malloc_trim (its index is 436 MB). */
static void give_back(size_t bytes)
{
#ifdef __GLIBC__
    if (bytes >= ((size_t)16 << 20))
        malloc_trim(0);
#else
    (void)bytes;
#endif
}

void bw__index_free(bw_index *ix)
{
    if (!ix)
        return;
    size_t bytes = ix->memory;
    free(ix->pdq);
    for (int p = 0; p < BW__PARTS; p++) {
        free(ix->col[p]);
        free(ix->t[p].dbase);
        free(ix->t[p].drel);
        free(ix->t[p].next);
        free(ix->t[p].ids);
        free(ix->t[p].link);
    }
    free(ix->perm);
    free(ix->where);
    for (int k = 0; k < BW_HASH_KIND_COUNT; k++)
        bw__exact_free(&ix->ex[k]);
    free(ix);
    give_back(bytes);
}

/* ---------------- the builder ---------------- */

bw_status bw_index_builder_new(bw_index_builder **out, const bw_index_opts *opts, bw_error *err)
{
    bw_index_builder *b = bw__calloc(1, sizeof *b);
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
    bw_index *ix = bw__calloc(1, sizeof *ix);
    if (!ix) {
        bw_index_builder_free(b);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    atomic_init(&ix->refs, 1);
    ix->opts = b->opts;
    ix->n = b->n;
    ix->pdq = b->pdq;
    b->pdq = NULL;
    ix->pdq_bytes = b->cap * sizeof(bw_pdq);
    ix->memory = sizeof *ix + ix->pdq_bytes;
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
    give_back(ix->memory);
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
