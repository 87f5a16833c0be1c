/* bench_hash.c -- speed and memory of `bulwark hash` on a set of JPEG files
 * (bench/run.sh gives it the 55 Debian photos of the reference corpus),
 * against an anchor measured in the same run: libjpeg-turbo's TurboJPEG
 * decoding the same files at 1/8 scale, from memory, one thread.
 *
 *   bench_hash [--cli PATH_TO_BULWARK] [--reps N] FILE...
 *
 * Prints, best of N runs (default 3) each:
 *   anchor   tjDecompress2 at 1/8 scale to RGB
 *   fast     bw_hasher on the bytes in memory, default path (MD5, SHA-1,
 *            SHA-256, decode, PDQ): ratio to the anchor (goal <= 1.15)
 *   exact    the same with --exact
 * and with --cli, the tool itself reading the files (one process per run,
 * its peak RSS from wait4): `bulwark hash -j 1`, `-j 2` (speed-up over
 * -j 1, goal >= 1.8 on two free cores), and `--exact -j 1`. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <turbojpeg.h>
#include <bulwark/hash.h>
#include "bench_util.h"

typedef struct file {
    const char *path;
    unsigned char *data;
    size_t len;
} file;



/* The anchor: TurboJPEG, 1/8 scale, RGB. */
static double run_anchor(const file *fs, int n)
{
    tjscalingfactor eighth = {1, 8};
    tjhandle tj = tjInitDecompress();
    double t0 = bench_now();
    for (int i = 0; i < n; i++) {
        int w, h, ss, cs, sw, sh;
        unsigned char *out;
        if (tjDecompressHeader3(tj, fs[i].data, fs[i].len, &w, &h, &ss, &cs))
            continue;
        sw = TJSCALED(w, eighth);
        sh = TJSCALED(h, eighth);
        out = malloc((size_t)sw * sh * 3);
        if (out && tjDecompress2(tj, fs[i].data, fs[i].len, out, sw, 0, sh, TJPF_RGB, 0))
            fprintf(stderr, "anchor: %s: %s\n", fs[i].path, tjGetErrorStr2(tj));
        free(out);
    }
    t0 = bench_now() - t0;
    tjDestroy(tj);
    return t0;
}

/* bw_hasher over the bytes in memory; -1 if anything failed. */
static double run_hasher(const file *fs, int n, int exact)
{
    bw_hash_opts o = {exact, 0, NULL};
    bw_hasher *h;
    bw_error err;
    double t0;
    int failed = 0;
    if (bw_hasher_new(&h, &o, &err) != BW_OK)
        return -1;
    t0 = bench_now();
    for (int i = 0; i < n; i++) {
        bw_hash_result r;
        if (bw_hasher_hash_memory(h, fs[i].data, fs[i].len, &r, &err) != BW_OK) {
            fprintf(stderr, "hash: %s: %s\n", fs[i].path, bw_error_message(&err));
            failed = 1;
        }
    }
    t0 = bench_now() - t0;
    bw_hasher_free(h);
    return failed ? -1 : t0;
}

/* The tool as a child process: wall time, and its peak RSS in kB. */
static double run_cli(const char *cli, char **files, int n, const char *jobs, int exact,
                      long *rss_kb)
{
    char **argv = calloc((size_t)n + 8, sizeof *argv);
    int k = 0, status;
    struct rusage ru;
    double t0;
    pid_t pid;
    argv[k++] = (char *)cli;
    argv[k++] = "hash";
    argv[k++] = "-j";
    argv[k++] = (char *)jobs;
    if (exact)
        argv[k++] = "--exact";
    for (int i = 0; i < n; i++)
        argv[k++] = files[i];
    t0 = bench_now();
    pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        execv(cli, argv);
        _exit(127);
    }
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        free(argv);
        return -1;
    }
    t0 = bench_now() - t0;
    *rss_kb = ru.ru_maxrss;
    free(argv);
    return t0;
}

static double best(double a, double b)
{
    return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

int main(int argc, char **argv)
{
    const char *cli = NULL;
    int reps = 3, n = 0;
    file *fs = calloc((size_t)argc, sizeof *fs);
    char **paths = calloc((size_t)argc, sizeof *paths);
    double total = 0, anchor = -1, fast = -1, exact = -1, c1 = -1, c2 = -1, ce = -1;
    long rss1 = 0, rss2 = 0, rsse = 0, r;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--cli") && i + 1 < argc) {
            cli = argv[++i];
        } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else {
            fs[n].path = paths[n] = argv[i];
            if (!(fs[n].data = bench_read_file(argv[i], &fs[n].len))) {
                fprintf(stderr, "bench_hash: cannot read %s\n", argv[i]);
                return 2;
            }
            total += (double)fs[n].len;
            n++;
        }
    }
    if (!n) {
        fprintf(stderr, "usage: bench_hash [--cli BULWARK] [--reps N] FILE...\n"
                        "(bench/run.sh passes the Debian photo corpus)\n");
        return 2;
    }
    if (reps < 1)
        reps = 1;
    for (int k = 0; k < reps; k++) {
        anchor = best(anchor, run_anchor(fs, n));
        fast = best(fast, run_hasher(fs, n, 0));
        exact = best(exact, run_hasher(fs, n, 1));
        if (cli) {
            double t = run_cli(cli, paths, n, "1", 0, &r);
            if (t >= 0 && r > rss1)
                rss1 = r;
            c1 = best(c1, t);
            t = run_cli(cli, paths, n, "2", 0, &r);
            if (t >= 0 && r > rss2)
                rss2 = r;
            c2 = best(c2, t);
            t = run_cli(cli, paths, n, "1", 1, &r);
            if (t >= 0 && r > rsse)
                rsse = r;
            ce = best(ce, t);
        }
    }
    printf("bench_hash: %d files, %.1f MB, best of %d\n", n, total / 1e6, reps);
    printf("  anchor  TurboJPEG 1/8-scale decode, 1 thread      %7.3f s\n", anchor);
    if (fast < 0 || exact < 0) {
        printf("  FAILED: some files did not hash\n");
        return 1;
    }
    printf("  fast    bw_hasher, default path, 1 thread        %7.3f s  %.2fx anchor (goal <= 1.15)\n",
           fast, fast / anchor);
    printf("  exact   bw_hasher, --exact, 1 thread             %7.3f s  %.2fx anchor\n", exact,
           exact / anchor);
    if (cli) {
        if (c1 < 0 || c2 < 0 || ce < 0) {
            printf("  FAILED: %s hash did not exit 0\n", cli);
            return 1;
        }
        printf("  cli     bulwark hash -j 1                        %7.3f s  %.2fx anchor, peak RSS %ld MB\n",
               c1, c1 / anchor, rss1 / 1024);
        printf("  cli     bulwark hash -j 2                        %7.3f s  %.2fx faster than -j 1 (goal >= 1.8),"
               " peak RSS %ld MB\n", c2, c1 / c2, rss2 / 1024);
        printf("  cli     bulwark hash --exact -j 1                %7.3f s  %.2fx anchor, peak RSS %ld MB\n",
               ce, ce / anchor, rsse / 1024);
    }
    for (int i = 0; i < n; i++)
        free(fs[i].data);
    free(fs);
    free(paths);
    return 0;
}
