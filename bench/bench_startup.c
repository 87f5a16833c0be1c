/* bench_startup.c -- a serve node's start-up load, each in a process of
 * its own so that its peak memory is its own (issue 12: "a node's start-up
 * load of 10M hashes from PostgreSQL: under 10 s with peak memory under
 * 1.5x the index").
 *
 *   bench_startup STORE [CACHE]        the matcher's load from the store
 *                                      (COMPACT, as `serve --index
 *                                      compact`); with CACHE, then saved
 *                                      there (bw_matcher_save), timed
 *   bench_startup STORE --from CACHE   the matcher started from CACHE
 *                                      (`serve --index-cache`)
 *
 * Prints seconds, the process's peak RSS (getrusage: everything, the
 * libraries included), the index's own bytes (bw_matcher_index_bytes) and
 * peak / index: the anchor of the memory figure is the index itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <bulwark/match.h>
#include <bulwark/store.h>
#include "bench_util.h"

static double maxrss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (argc == 4 && strcmp(argv[2], "--from") != 0) || argc > 4) {
        fprintf(stderr, "usage: bench_startup STORE [CACHE] | STORE --from CACHE\n");
        return 2;
    }
    const char *cache = argc == 4 ? argv[3] : NULL, *save = argc == 3 ? argv[2] : NULL;
    bw_index_opts opts = {.layout = BW_INDEX_COMPACT};
    bw_store *s;
    bw_matcher *m;
    bw_error err, why;
    int cached = 0;
    double t0 = bench_now();
    bw_status st = bw_store_open(&s, argv[1], BW_STORE_MUST_EXIST, &err);
    if (st == BW_OK)
        st = cache ? bw_matcher_open_cached(&m, s, NULL, 0, &opts, cache, &cached, &why, &err)
                   : bw_matcher_open_store(&m, s, NULL, 0, &opts, &err);
    if (st != BW_OK) {
        fprintf(stderr, "bench_startup: %s\n", bw_error_message(&err));
        return 1;
    }
    if (cache && !cached) {
        fprintf(stderr, "bench_startup: the cache was not used: %s\n", bw_error_message(&why));
        return 1;
    }
    double t = bench_now() - t0, peak = maxrss_mb();
    double ix = (double)bw_matcher_index_bytes(m) / 1048576.0;
    size_t n = bw_matcher_index_count(m, BW_HASH_PDQ, NULL);
    printf("start-up load, %-10s %6.2f s  %zu PDQ hashes, %llu rows read, peak RSS %.0f MB, "
           "index %.0f MB: peak %.2fx the index\n", cache ? "from cache" : "from store", t, n,
           (unsigned long long)bw_matcher_rows_read(m), peak, ix, ix > 0 ? peak / ix : 0);
    if (save) {
        t0 = bench_now();
        if (bw_matcher_save(m, save, &err) != BW_OK) {
            fprintf(stderr, "bench_startup: %s\n", bw_error_message(&err));
            return 1;
        }
        printf("index cache written    %6.2f s\n", bench_now() - t0);
    }
    bw_matcher_close(m);
    return 0;
}
