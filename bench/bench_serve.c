/* bench_serve.c -- the anchor of bench/serve_lookup.sh: the lookups
 * `GET /m/raw_lookup` answers, made in process, on the same store, the
 * same queries and the same number of threads as the server gets.
 *
 *   bench_serve STORE QUERIES THREADS SECONDS [compact|fast]
 *
 * STORE is a store location (a path or postgresql://...); QUERIES a file
 * of PDQ hashes in hex, one per line. Each thread opens nothing of its
 * own: all share one bw_matcher, as the server's pool does, and each
 * walks the queries from its own offset, calling bw_matcher_pdq at HMA's
 * distance (31) as the route does, for SECONDS. The index layout is the
 * server's default (compact) unless named. Prints one line:
 *   in-process: Q lookups/s on T threads (M matched of N), index B bytes
 * No HTTP, no JSON: what is left of a request once the wire is gone. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bulwark/bulwark.h>
#include "bench_util.h"

typedef struct job {
    bw_matcher *m;
    const bw_pdq *q;
    size_t nq, start;
    double until;
    unsigned long long done, matched;
} job;

static void *run(void *arg)
{
    job *j = arg;
    bw_error err;
    size_t i = j->start;
    while (bench_now() < j->until) {
        for (int k = 0; k < 256; k++) {
            bw_matches ms = {0};
            if (bw_matcher_pdq(j->m, &j->q[i], NULL, BW_PDQ_DEFAULT_MAX_DISTANCE, &ms, &err) !=
                BW_OK) {
                fprintf(stderr, "bench_serve: %s\n", bw_error_message(&err));
                exit(1);
            }
            j->matched += ms.n > 0;
            bw_matches_free(&ms);
            j->done++;
            i = (i + 1) % j->nq;
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: bench_serve STORE QUERIES THREADS SECONDS [compact|fast]\n");
        return 2;
    }
    int threads = atoi(argv[3]);
    double seconds = atof(argv[4]);
    size_t len = 0, nq = 0;
    unsigned char *text = bench_read_file(argv[2], &len);
    if (!text || threads < 1 || threads > 256 || seconds <= 0) {
        fprintf(stderr, "bench_serve: bad arguments\n");
        return 2;
    }
    bw_pdq *q = malloc((len / 64 + 1) * sizeof *q);
    for (char *line = strtok((char *)text, "\n"); line && q; line = strtok(NULL, "\n"))
        if (bw_pdq_from_hex(line, strlen(line), &q[nq]) == BW_OK)
            nq++;
    if (!nq) {
        fprintf(stderr, "bench_serve: no PDQ hash in %s\n", argv[2]);
        return 2;
    }
    bw_matcher *m;
    bw_error err;
    bw_index_opts io = {0};
    io.layout = argc == 6 && !strcmp(argv[5], "fast") ? BW_INDEX_FAST : BW_INDEX_COMPACT;
    if (bw_matcher_open_with(&m, argv[1], NULL, 0, &io, &err) != BW_OK) {
        fprintf(stderr, "bench_serve: %s\n", bw_error_message(&err));
        return 1;
    }
    bw_matcher_set_refresh(m, -1); /* as the server: lookups never refresh */
    job *jobs = calloc((size_t)threads, sizeof *jobs);
    pthread_t *th = calloc((size_t)threads, sizeof *th);
    double t0 = bench_now();
    for (int t = 0; t < threads; t++) {
        jobs[t] = (job){m, q, nq, nq * (size_t)t / (size_t)threads, t0 + seconds, 0, 0};
        pthread_create(&th[t], NULL, run, &jobs[t]);
    }
    unsigned long long done = 0, matched = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(th[t], NULL);
        done += jobs[t].done;
        matched += jobs[t].matched;
    }
    double el = bench_now() - t0;
    printf("in-process: %.0f lookups/s on %d threads (%llu matched of %llu), index %zu bytes\n",
           done / el, threads, matched, done, bw_matcher_index_bytes(m));
    bw_matcher_close(m);
    free(jobs);
    free(th);
    free(q);
    free(text);
    return 0;
}
