/* bench_index.c -- speed of PDQ lookups in the index, against a plain
 * popcount scan measured in the same run (the anchor).
 *
 * One thread, D = 31, 10,000 queries: half are indexed hashes with up to
 * 20 bits flipped, half random. For each size (default 1M and 10M random
 * hashes, then the same with clustered data: groups of hashes a few bits
 * apart) it prints index build time, bytes per hash (the index's own
 * accounting, and the growth of the process's RSS while building it),
 * queries/s of single lookups and of the scan, and the ratio; then, on a
 * line of its own, queries/s of the same 10,000 queries answered by one
 * bw_index_find_pdq_batch call (and whether its hits equal the single
 * lookups'). Each size and kind of data is run with the FAST layout and
 * with the COMPACT one (same hashes, same queries; COMPACT gets them
 * sorted by their bytes, as a store hands them over).
 * Sizes can be given as arguments (e.g. `bench_index 100000 1000000`);
 * BW_BENCH_QUICK=1 runs 100k only; BW_BENCH_LAYOUT=fast|compact runs one
 * layout; BW_BENCH_D sets the distance; BW_BENCH_TABLES builds fewer
 * tables (FAST). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bulwark/index.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}


static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Resident set size of this process, from /proc/self/statm (0 if unknown). */
static double rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &size, &res) != 2)
        res = 0;
    fclose(f);
    return (double)res * (double)sysconf(_SC_PAGESIZE);
}

static void flip(bw_pdq *h, int k)
{
    for (int i = 0; i < k; i++) {
        unsigned b = (unsigned)(rnd() % 256);
        h->w[b / 64] ^= 1ull << (b % 64);
    }
}

static int cmp_packed(const void *a, const void *b)
{
    uint8_t x[32], y[32];
    bw_pdq_pack(a, x);
    bw_pdq_pack(b, y);
    return memcmp(x, y, 32);
}

/* The anchor: what anyone would write first. */
static size_t plain_scan(const bw_pdq *v, size_t n, const bw_pdq *q, int d)
{
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) {
        int x = __builtin_popcountll(v[i].w[0] ^ q->w[0]) + __builtin_popcountll(v[i].w[1] ^ q->w[1]) +
                __builtin_popcountll(v[i].w[2] ^ q->w[2]) + __builtin_popcountll(v[i].w[3] ^ q->w[3]);
        hits += x <= d;
    }
    return hits;
}

__attribute__((target("popcnt"))) static size_t plain_scan_popcnt(const bw_pdq *v, size_t n,
                                                                   const bw_pdq *q, int d)
{
    return plain_scan(v, n, q, d);
}

static void run(size_t n, int clustered, bw_index_layout layout)
{
    const int D = getenv("BW_BENCH_D") ? atoi(getenv("BW_BENCH_D")) : 31, NQ = 10000;
    bw_pdq *v = malloc(n * sizeof *v), *q = malloc(NQ * sizeof *q);
    /* the same hashes and queries for both layouts */
    rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)n * 2 + (uint64_t)clustered);
    if (!v || !q) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        if (clustered && i % 64 != 0) {
            v[i] = v[i - i % 64];           /* groups of 64 around a centre */
            flip(&v[i], 1 + (int)(rnd() % 6));
        } else {
            for (int w = 0; w < 4; w++)
                v[i].w[w] = rnd();
        }
    }
    for (int i = 0; i < NQ; i++) {
        if (i % 2 == 0) {
            q[i] = v[rnd() % n];
            flip(&q[i], (int)(rnd() % 21));
        } else {
            for (int w = 0; w < 4; w++)
                q[i].w[w] = rnd();
        }
    }
    bw_index *ix;
    bw_error err;
    bw_index_opts o = {0};
    if (getenv("BW_BENCH_TABLES"))
        o.tables = atoi(getenv("BW_BENCH_TABLES"));
    if (layout == BW_INDEX_COMPACT) {
        /* as a store hands them over: sorted by their bytes */
        o.layout = BW_INDEX_COMPACT;
        qsort(v, n, sizeof *v, cmp_packed);
    }
    double rss0 = rss_bytes();
    double t0 = now();
    if (bw_index_build_pdq(v, n, &o, &ix, &err) != BW_OK) {
        fprintf(stderr, "build: %s\n", bw_error_message(&err));
        exit(1);
    }
    double build = now() - t0;
    double rss_index = rss_bytes() - rss0; /* what building the index added to the process */
    bw_index_plan_info plan;
    bw_index_plan(ix, D, &plan);

    bw_index_hits hits = {0};
    size_t total = 0;
    t0 = now();
    double c0 = cpu();
    for (int i = 0; i < NQ; i++) {
        hits.n = 0;
        bw_index_find_pdq(ix, &q[i], D, &hits, NULL);
        total += hits.n;
    }
    double tix = now() - t0, cix = cpu() - c0;

    /* the same queries as one batch (bw_index_find_pdq_batch): its own
     * figure, never mixed with the single-query one above */
    size_t *first = malloc((NQ + 1) * sizeof *first);
    hits.n = 0;
    t0 = now();
    c0 = cpu();
    if (bw_index_find_pdq_batch(ix, q, NQ, D, &hits, first, &err) != BW_OK) {
        fprintf(stderr, "batch: %s\n", bw_error_message(&err));
        exit(1);
    }
    double tbatch = now() - t0, cbatch = cpu() - c0;
    size_t btotal = hits.n;
    free(first);

    /* the scan: enough queries for a stable figure, not all 10,000 */
    int nscan = n >= 5000000 ? 20 : n >= 500000 ? 100 : 1000;
    size_t stotal = 0;
    t0 = now();
    c0 = cpu();
    for (int i = 0; i < nscan; i++)
        stotal += plain_scan_popcnt(v, n, &q[i], D);
    double tscan = now() - t0, cscan = cpu() - c0;
    double qix = NQ / tix, qscan = nscan / tscan;
    const char *lay = layout == BW_INDEX_COMPACT ? "compact" : "fast";
    printf("%-9s %-7s n=%-9zu build %.2f s  %.1f B/hash (RSS growth %.1f B/hash)  tables %d x %d bits"
           " (dir %d, probed %d, r<=%d)"
           "  index %.0f q/s  scan %.1f q/s  ratio %.0fx  (on-CPU: index %.0f q/s, scan %.1f q/s)"
           "  (hits %zu)\n",
           clustered ? "clustered" : "random", lay, n, build, (double)bw_index_memory_bytes(ix) / (double)n,
           rss_index / (double)n,
           plan.tables, plan.substring_bits, plan.directory_bits, plan.tables_probed, plan.max_radius,
           qix, qscan, qix / qscan, NQ / cix, nscan / cscan, total);
    printf("%-9s %-7s n=%-9zu batched (all %d queries in one bw_index_find_pdq_batch call)  %.0f q/s"
           "  ratio %.0fx vs scan  (on-CPU %.0f q/s)  (hits %zu%s)\n",
           clustered ? "clustered" : "random", lay, n, NQ, NQ / tbatch, NQ / tbatch / qscan, NQ / cbatch,
           btotal, btotal == total ? ", same as single" : ", DIFFERENT from single");
    if (stotal == (size_t)-1)
        printf("?\n");
    fflush(stdout);
    bw_index_hits_free(&hits);
    bw_index_unref(ix);
    free(v);
    free(q);
}

int main(int argc, char **argv)
{
    size_t sizes[8] = {1000000, 10000000};
    int ns = 2;
    const char *quick = getenv("BW_BENCH_QUICK"), *lo = getenv("BW_BENCH_LAYOUT");
    int layout_only = lo && !strcmp(lo, "fast") ? 1 : lo && !strcmp(lo, "compact") ? 2 : 0;
    if (quick && *quick == '1') {
        sizes[0] = 100000;
        ns = 1;
    }
    if (argc > 1) {
        ns = 0;
        for (int i = 1; i < argc && ns < 8; i++)
            sizes[ns++] = (size_t)strtoull(argv[i], NULL, 10);
    }
    printf("bench_index: one thread, D=%s, 10000 queries (half near-duplicates <=20 bits, half random);"
           " anchor = plain popcount scan in the same run\n", getenv("BW_BENCH_D") ? getenv("BW_BENCH_D") : "31");
    for (int c = 0; c < 2; c++)
        for (int i = 0; i < ns; i++)
            for (int l = 0; l < 2; l++)
                if (!layout_only || layout_only - 1 == l)
                    run(sizes[i], c, l ? BW_INDEX_COMPACT : BW_INDEX_FAST);
    return 0;
}
