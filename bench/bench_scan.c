/* bench_scan.c -- speed of the scan pipeline and of cluster, each against
 * an anchor measured in the same run.
 *
 * 1. Throughput: the Debian photo corpus (the 55 JPEGs listed in
 *    $BW_REFDATA/pdq/debian-corpus-sha256.txt, from mate-backgrounds and
 *    plasma-workspace-wallpapers) plus the same files inside a tar and a
 *    zip. Anchor: one thread hashing each file with a bw_hasher, as
 *    `bulwark hash -j 1` does. Then bw_scanner with 2 workers over the
 *    files, the tar and the zip (walk, archive streaming, hashing, JSON
 *    records). Prints MB/s of both and the ratio (target >= 1.8).
 * 2. Per-file overhead on tiny images: N copies of a 34x42 JPEG. Anchor:
 *    open + read + hash each file on one thread. Then the scanner inline
 *    (jobs 0) over the same directory, records turned into JSON: the
 *    difference per file is the pipeline's overhead (walk, sniff, queue,
 *    record, JSON; target < 50 us).
 * 3. Cluster: 1,000,000 PDQ hashes (100,000 families of near-duplicates,
 *    up to 12 bits apart, plus 500,000 unrelated) grouped at distance 31 on
 *    2 threads. Anchor: brute-force all pairs (popcount of XOR) over a
 *    20,000-hash sample, extrapolated to 1M by n^2. Target < 30 s.
 *
 * Usage: bench_scan [quick]   (BW_BENCH_QUICK=1 or "quick": smaller sizes)
 * Needs BW_REFDATA (default ../shared/refdata) and the corpus packages
 * (scripts/deps.sh --corpus). Scratch files go to $BW_BENCH_TMP or /tmp. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bulwark/bulwark.h>
#include "bench_util.h"


static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double last_cpu; /* CPU seconds of the last scan_paths() */

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* ---------------- the anchor: one thread, one hasher ---------------- */

static double hash_files(char **paths, size_t n, uint64_t *bytes)
{
    bw_hasher *h;
    bw_error err;
    double t0;
    *bytes = 0;
    if (bw_hasher_new(&h, NULL, &err) != BW_OK)
        return -1;
    t0 = bench_now();
    for (size_t i = 0; i < n; i++) {
        bw_reader *r;
        bw_hash_result res;
        if (bw_reader_open_file(&r, paths[i], &err) != BW_OK)
            continue;
        if (bw_hasher_hash_reader(h, r, &res, &err) == BW_OK)
            *bytes += res.size;
        bw_reader_close(r);
    }
    t0 = bench_now() - t0;
    bw_hasher_free(h);
    return t0;
}

/* ---------------- the scanner ---------------- */

typedef struct sink {
    bw_json j;
    uint64_t records, bytes, errors;
    size_t out_bytes;
} sink;

static void on_record(void *ctx, const bw_scan_record *rec)
{
    sink *s = ctx;
    bw_json_reset(&s->j);
    bw_scan_record_json(&s->j, rec);
    s->out_bytes += s->j.len;
    s->records++;
    if (rec->kind == BW_SCAN_FILE)
        s->bytes += rec->hash->size;
    if (rec->kind == BW_SCAN_ERROR)
        s->errors++;
}

static double scan_paths(char **paths, size_t n, unsigned jobs, sink *s)
{
    bw_scan_opts o;
    bw_scanner *sc;
    bw_error err;
    double t0;
    memset(&o, 0, sizeof o);
    memset(s, 0, sizeof *s);
    o.jobs = jobs;
    o.max_distance = -1;
    o.min_quality = -1;
    bw_json_init(&s->j);
    last_cpu = cpu_now();
    t0 = bench_now();
    if (bw_scanner_new(&sc, &o, on_record, s, &err) != BW_OK)
        return -1;
    for (size_t i = 0; i < n; i++)
        bw_scanner_add(sc, paths[i], &err);
    bw_scanner_free(sc);
    t0 = bench_now() - t0;
    last_cpu = cpu_now() - last_cpu;
    bw_json_free(&s->j);
    return t0;
}

static int run_cmd(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "bench_scan: failed: %s\n", cmd);
    return rc;
}

/* ---------------- 1. throughput on the photo corpus ---------------- */

static int bench_corpus(const char *refdata, const char *tmp)
{
    char list[4096], line[4096], cmd[16384];
    char **paths = NULL, *scan_in[3];
    size_t n = 0;
    uint64_t hb;
    double th, ts;
    sink s;
    FILE *f;

    snprintf(list, sizeof list, "%s/pdq/debian-corpus-sha256.txt", refdata);
    if (!(f = fopen(list, "r"))) {
        fprintf(stderr, "bench_scan: cannot read %s\n", list);
        return 1;
    }
    while (fgets(line, sizeof line, f)) {
        char *p = strstr(line, "  ");
        if (!p)
            continue;
        p[strcspn(p, "\n")] = '\0';
        paths = realloc(paths, (n + 1) * sizeof *paths);
        paths[n] = malloc(strlen(p + 2) + 2);
        sprintf(paths[n], "/%s", p + 2);
        if (access(paths[n], R_OK) != 0) {
            fprintf(stderr, "bench_scan: %s missing: run scripts/deps.sh --corpus\n", paths[n]);
            fclose(f);
            return 1;
        }
        n++;
    }
    fclose(f);
    /* the same files in a directory, a tar and a zip */
    snprintf(cmd, sizeof cmd, "rm -rf %s/corpus && mkdir -p %s/corpus/dir", tmp, tmp);
    if (run_cmd(cmd))
        return 1;
    for (size_t i = 0; i < n; i++) {
        snprintf(cmd, sizeof cmd, "cp %s %s/corpus/dir/%03zu.jpg", paths[i], tmp, i);
        if (run_cmd(cmd))
            return 1;
    }
    snprintf(cmd, sizeof cmd,
             "cd %s/corpus/dir && tar cf ../photos.tar *.jpg && zip -q -0 ../photos.zip *.jpg",
             tmp);
    if (run_cmd(cmd))
        return 1;

    /* Anchor: single-thread hash of every file, 3 times (dir + as if tar + zip). */
    th = 0;
    uint64_t anchor_bytes = 0;
    for (int k = 0; k < 3; k++) {
        th += hash_files(paths, n, &hb);
        anchor_bytes += hb;
    }
    char a[2048], b[2048], c[2048];
    snprintf(a, sizeof a, "%s/corpus/dir", tmp);
    snprintf(b, sizeof b, "%s/corpus/photos.tar", tmp);
    snprintf(c, sizeof c, "%s/corpus/photos.zip", tmp);
    scan_in[0] = a;
    scan_in[1] = b;
    scan_in[2] = c;
    ts = scan_paths(scan_in, 3, 2, &s);
    printf("scan throughput: %zu photos x3 (dir, tar, zip), %.1f MB\n", n,
           (double)anchor_bytes / 1e6);
    printf("  anchor  hash -j 1   : %6.2f s  %7.1f MB/s  %6.1f files/s\n", th,
           (double)anchor_bytes / th / 1e6, 3.0 * (double)n / th);
    printf("  scan -j 2           : %6.2f s  %7.1f MB/s  %6.1f files/s  (%llu records, %llu errors)\n",
           ts, (double)s.bytes / ts / 1e6, (double)(s.records - 2) / ts,
           (unsigned long long)s.records, (unsigned long long)s.errors);
    printf("  ratio scan -j 2 / hash -j 1: %.2fx  (target >= 1.8)\n", th / ts);
    printf("  cores the scan got: %.2f (CPU s / wall s; < 2 means the machine was busy)\n",
           last_cpu / ts);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return 0;
}

/* ---------------- 2. per-file overhead on tiny images ---------------- */

static int bench_tiny(const char *refdata, const char *tmp, size_t n)
{
    char cmd[16384], dir[2048];
    char **paths = calloc(n, sizeof *paths);
    uint64_t hb;
    double th, ts1, ts2;
    sink s;
    char *in[1];

    snprintf(dir, sizeof dir, "%s/tiny", tmp);
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
    if (run_cmd(cmd))
        return 1;
    for (size_t i = 0; i < n; i++) {
        char src[4096];
        size_t len;
        unsigned char *data;
        FILE *f;
        snprintf(src, sizeof src, "%s/pdq/data/misc-images/wee.jpg", refdata);
        paths[i] = malloc(strlen(dir) + 32);
        sprintf(paths[i], "%s/t%05zu.jpg", dir, i);
        if (!(f = fopen(src, "rb")))
            return 1;
        data = malloc(1 << 16);
        len = fread(data, 1, 1 << 16, f);
        fclose(f);
        f = fopen(paths[i], "wb");
        fwrite(data, 1, len, f);
        fclose(f);
        free(data);
    }
    /* warm the page cache and the decoders */
    hash_files(paths, n, &hb);
    th = hash_files(paths, n, &hb);
    in[0] = dir;
    ts1 = scan_paths(in, 1, 0, &s);
    ts2 = scan_paths(in, 1, 2, &s);
    printf("per-file overhead: %zu tiny JPEGs (34x42)\n", n);
    printf("  anchor  open+read+hash, 1 thread: %7.1f us/file\n", th / (double)n * 1e6);
    printf("  scan inline (walk+sniff+queue+record+JSON): %7.1f us/file\n",
           ts1 / (double)n * 1e6);
    printf("  scan -j 2: %7.1f us/file\n", ts2 / (double)n * 1e6);
    printf("  overhead of the pipeline: %.1f us/file (target < 50); ratio scan/anchor %.2fx\n",
           (ts1 - th) / (double)n * 1e6, ts1 / th);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return 0;
}

/* ---------------- 3. cluster of 1M hashes ---------------- */

static int cluster_count(void *ctx, uint64_t id, const char *const *m, size_t n, const char *r)
{
    (void)id;
    (void)m;
    (void)r;
    ((uint64_t *)ctx)[0]++;
    ((uint64_t *)ctx)[1] += n;
    return 0;
}

static int bench_cluster(size_t n)
{
    bw_pdq *h = malloc(n * sizeof *h);
    bw_clusterer *c;
    bw_cluster_opts o = {31, 50, 2};
    bw_error err;
    size_t fam = n / 10, sample = n < 20000 ? n : 20000;
    uint64_t counts[2] = {0, 0}, pairs = 0;
    double t0, tc, tb;
    char name[32];

    /* families: 100k bases with 5 variants each (<= 12 bits away); the rest random */
    for (size_t i = 0; i < n; i++) {
        if (i < fam * 5 && i % 5) {
            h[i] = h[i - i % 5];
            for (int k = (int)(rnd() % 13); k > 0; k--) {
                unsigned b = (unsigned)(rnd() % 256);
                h[i].w[b / 64] ^= 1ull << (b % 64);
            }
        } else {
            for (int w = 0; w < 4; w++)
                h[i].w[w] = rnd();
        }
    }
    /* anchor: brute force over a sample, scaled by n^2 */
    t0 = bench_now();
    for (size_t i = 0; i < sample; i++)
        for (size_t j = i + 1; j < sample; j++)
            pairs += bw_pdq_distance(&h[i], &h[j]) <= 31;
    tb = (bench_now() - t0) * ((double)n / (double)sample) * ((double)n / (double)sample);

    t0 = bench_now();
    if (bw_clusterer_new(&c, &o, &err) != BW_OK)
        return 1;
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "h%zu", i);
        if (bw_clusterer_add(c, name, NULL, &h[i], 100, &err) != BW_OK)
            return 1;
    }
    double tadd = bench_now() - t0;
    if (bw_clusterer_run(c, cluster_count, counts, &err) != BW_OK) {
        fprintf(stderr, "cluster: %s\n", bw_error_message(&err));
        return 1;
    }
    tc = bench_now() - t0;
    bw_clusterer_free(c);
    printf("cluster: %zu PDQ hashes (%zu families of 5 + %zu random), distance 31, 2 threads\n",
           n, fam, n - fam * 5);
    printf("  anchor  brute force all pairs (from a %zu sample, x n^2): %8.1f s\n", sample, tb);
    printf("  cluster: %.2f s (adding %.2f s), %llu groups, %llu members (expected %zu groups)\n",
           tc, tadd, (unsigned long long)counts[0], (unsigned long long)counts[1], fam);
    printf("  ratio brute force / cluster: %.1fx; target < 30 s\n", tb / tc);
    (void)pairs;
    free(h);
    return 0;
}

int main(int argc, char **argv)
{
    const char *refdata = getenv("BW_REFDATA");
    const char *tmp = getenv("BW_BENCH_TMP");
    const char *q = getenv("BW_BENCH_QUICK");
    int quick = (q && *q == '1') || (argc > 1 && strcmp(argv[1], "quick") == 0);
    char tdir[1024];
    int rc = 0;
    if (!refdata)
        refdata = "../shared/refdata";
    snprintf(tdir, sizeof tdir, "%s/bulwark-bench-scan", tmp ? tmp : "/tmp");
    {
        FILE *la = fopen("/proc/loadavg", "r");
        char buf[128];
        if (la && fgets(buf, sizeof buf, la))
            printf("load average at start: %s", buf);
        if (la)
            fclose(la);
    }
    mkdir(tdir, 0755);
    rc |= bench_corpus(refdata, tdir);
    rc |= bench_tiny(refdata, tdir, quick ? 500 : 3000);
    rc |= bench_cluster(quick ? 100000 : 1000000);
    snprintf(tdir + strlen(tdir), sizeof tdir - strlen(tdir), "%s", "");
    {
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "rm -rf %s", tdir);
        run_cmd(cmd);
    }
    return rc;
}
