/* bench_import.c -- importing a big hex list into the store, and loading
 * the index back at start-up.
 *
 * Writes an N-line hex file of random PDQ hashes with labels (default 10
 * million; BW_BENCH_QUICK=1: 1 million; or N as the argument) into
 * $TMPDIR, then times: reading the file's bytes (the anchor), parsing it
 * without storing, `bw_list_import` into a fresh store (one transaction),
 * and `bw_store_build_index` (what `match` and `scan` do at start-up), in
 * the FAST and the COMPACT layout.
 * Prints seconds and the ratio to the anchor; peak memory is in the
 * `maxrss` line (the import streams, so it must not grow with N).
 * BW_BENCH_STORE names the store to use instead of a fresh SQLite file
 * (bench/pg_import.sh: a PostgreSQL server of its own). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <bulwark/lists.h>
#include "bench_util.h"


static int count_entry(void *ctx, const bw_entry *e)
{
    (void)e;
    (*(size_t *)ctx)++;
    return 0;
}

static long maxrss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

int main(int argc, char **argv)
{
    size_t n = 10000000;
    const char *quick = getenv("BW_BENCH_QUICK"), *tmp = getenv("TMPDIR");
    if (quick && *quick == '1')
        n = 1000000;
    if (argc > 1)
        n = (size_t)strtoull(argv[1], NULL, 10);
    char file[4096], db[4096], side[4200];
    snprintf(file, sizeof file, "%s/bw_bench_import_%d.txt", tmp ? tmp : "/tmp", (int)getpid());
    snprintf(db, sizeof db, "%s/bw_bench_import_%d.db", tmp ? tmp : "/tmp", (int)getpid());
    const char *store = getenv("BW_BENCH_STORE");
    if (store)
        snprintf(db, sizeof db, "%s", store);
    FILE *f = fopen(file, "w");
    if (!f) {
        perror(file);
        return 1;
    }
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++) {
        uint64_t w[4];
        for (int k = 0; k < 4; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            w[k] = x;
        }
        fprintf(f, "%016llx%016llx%016llx%016llx\titem %zu\n", (unsigned long long)w[0],
                (unsigned long long)w[1], (unsigned long long)w[2], (unsigned long long)w[3], i);
    }
    fclose(f);
    printf("bench_import: %zu-line hex file of random PDQ hashes with labels, store %s\n", n,
           store ? "PostgreSQL (BW_BENCH_STORE)" : "SQLite");

    /* anchor: read the bytes */
    double t0 = bench_now();
    f = fopen(file, "r");
    static char buf[1 << 20];
    size_t bytes = 0, got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        bytes += got;
    fclose(f);
    double t_read = bench_now() - t0;

    bw_reader *r;
    bw_error err;
    size_t entries = 0;
    t0 = bench_now();
    bw_reader_open_file(&r, file, &err);
    if (bw_list_parse(r, NULL, count_entry, &entries, NULL, &err) != BW_OK) {
        fprintf(stderr, "parse: %s\n", bw_error_message(&err));
        return 1;
    }
    bw_reader_close(r);
    double t_parse = bench_now() - t0;

    bw_store *s;
    bw_import_stats st;
    t0 = bench_now();
    if (bw_store_open(&s, db, 0, &err) != BW_OK || bw_reader_open_file(&r, file, &err) != BW_OK ||
        bw_list_import(s, "bench", "bench", r, NULL, &st, NULL, &err) != BW_OK) {
        fprintf(stderr, "import: %s\n", bw_error_message(&err));
        return 1;
    }
    bw_reader_close(r);
    double t_import = bench_now() - t0;
    long rss_import = maxrss_mb();
    bw_store_close(s);

    bw_index *ix;
    t0 = bench_now();
    if (bw_store_open(&s, db, BW_STORE_READONLY, &err) != BW_OK ||
        bw_store_build_index(s, NULL, 0, NULL, &ix, &err) != BW_OK) {
        fprintf(stderr, "load: %s\n", bw_error_message(&err));
        return 1;
    }
    double t_load = bench_now() - t0;
    size_t loaded = bw_index_count(ix, BW_HASH_PDQ);
    bw_index_unref(ix);
    long rss_fast = maxrss_mb();
    /* the same with the COMPACT layout (what `match` and `scan` use) */
    bw_index_opts co = {.layout = BW_INDEX_COMPACT};
    t0 = bench_now();
    if (bw_store_build_index(s, NULL, 0, &co, &ix, &err) != BW_OK) {
        fprintf(stderr, "load: %s\n", bw_error_message(&err));
        return 1;
    }
    double t_load_c = bench_now() - t0;
    double bph = (double)bw_index_memory_bytes(ix) / (double)(loaded ? loaded : 1);
    bw_index_plan_info plan;
    bw_index_plan(ix, 31, &plan);
    bw_index_unref(ix);
    bw_store_close(s);

    printf("read file (anchor)     %6.2f s  (%zu MB)\n", t_read, bytes >> 20);
    printf("parse only             %6.2f s  %5.1fx anchor  (%zu entries)\n", t_parse,
           t_parse / t_read, entries);
    printf("import into store      %6.2f s  %5.1fx anchor  (%llu entries, maxrss %ld MB)\n", t_import,
           t_import / t_read, (unsigned long long)st.entries, rss_import);
    printf("load index at start-up %6.2f s  %5.1fx anchor  (%zu PDQ hashes, FAST layout, maxrss %ld MB)\n",
           t_load, t_load / t_read, loaded, rss_fast);
    printf("load index at start-up %6.2f s  %5.1fx anchor  (%zu PDQ hashes, %s layout, %.1f B/hash)\n",
           t_load_c, t_load_c / t_read, loaded,
           plan.layout == BW_INDEX_COMPACT ? "COMPACT" : "FAST (too small for COMPACT)", bph);
    remove(file);
    if (!store)
        remove(db);
    snprintf(side, sizeof side, "%s-wal", db);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", db);
    remove(side);
    return 0;
}
