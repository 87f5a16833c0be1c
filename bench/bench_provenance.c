/* bench_provenance.c -- what reading provenance costs, against decoding
 * the same file's pixels in the same run (the anchor).
 *
 * 1. A JPEG with a C2PA manifest (c2pa-rs/C.jpg, PS256): finding,
 *    parsing and validating the manifest store (hashes, signature, chain)
 *    -- alone and as bw_provenance_examine without the watermark decoder
 *    -- against bw_image_decode(exact) of the file. The goal: below 1.
 * 2. Files with no markers (a PNG, a WebP, a JPEG without metadata):
 *    bw_provenance_examine without the watermark, in microseconds, beside
 *    the cost of reading the file from disk. The goal: under 50 us plus
 *    the read.
 * Reference files come from $BW_REFDATA (default ../shared/refdata);
 * BW_BENCH_QUICK=1 shortens every measurement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bulwark/bulwark.h>
#include "provenance/prov_internal.h"
#include "bench_util.h"

static double min_seconds = 0.5;


static unsigned char *load(const char *rel, size_t *len)
{
    char path[4096];
    const char *base = getenv("BW_REFDATA");
    bw_reader *r;
    void *data = NULL;
    snprintf(path, sizeof path, "%s/%s", base ? base : "../shared/refdata", rel);
    if (bw_reader_open_file(&r, path, NULL) != BW_OK) {
        fprintf(stderr, "bench_provenance: cannot open %s (set BW_REFDATA)\n", path);
        exit(1);
    }
    if (bw_reader_slurp(r, 1ull << 30, NULL, NULL, &data, len, NULL) != BW_OK)
        exit(1);
    bw_reader_close(r);
    return data;
}

typedef int (*op_fn)(const unsigned char *d, size_t n, void *ctx);

/* Seconds per call of op, repeated for at least min_seconds. */
static double per_call(op_fn op, const unsigned char *d, size_t n, void *ctx)
{
    double t0 = bench_now(), t;
    long k = 0;
    do {
        if (op(d, n, ctx) != 0)
            return -1;
        k++;
        t = bench_now() - t0;
    } while (t < min_seconds);
    return t / (double)k;
}

static int op_decode(const unsigned char *d, size_t n, void *ctx)
{
    bw_decode_opts o = {1, 0, NULL};
    bw_image img;
    (void)ctx;
    if (bw_image_decode(d, n, &o, &img, NULL) != BW_OK)
        return -1;
    bw_image_free(&img);
    return 0;
}

static int op_c2pa(const unsigned char *d, size_t n, void *ctx)
{
    bw_provenance p;
    memset(&p, 0, sizeof p);
    if (bw__prov_c2pa(d, n, bw_format_sniff(d, n), ctx, &p) != BW_OK)
        return -1;
    bw_provenance_free(&p);
    return 0;
}

static int op_examine(const unsigned char *d, size_t n, void *ctx)
{
    bw_provenance p;
    if (bw_provenance_examine(d, n, ctx, &p, NULL) != BW_OK)
        return -1;
    bw_provenance_free(&p);
    return 0;
}

/* Reading the file from the page cache: the "cost of reading it". */
static int op_read(const unsigned char *d, size_t n, void *ctx)
{
    size_t len;
    unsigned char *x = load(ctx, &len);
    (void)d;
    (void)n;
    free(x);
    return 0;
}

int main(void)
{
    static const char *const clear[] = {"c2pa/c2pa-rs/libpng-test.png", "c2pa/c2pa-rs/test.webp",
                                        "pdq/data/bridge-mods/aaa-orig.jpg"};
    bw_provenance_opts opts = {0};
    size_t len;
    unsigned char *jpg;
    double dec, c2pa, ex;

    if (getenv("BW_BENCH_QUICK"))
        min_seconds = 0.1;
    opts.no_watermark = 1;

    jpg = load("c2pa/c2pa-rs/C.jpg", &len);
    dec = per_call(op_decode, jpg, len, NULL);
    c2pa = per_call(op_c2pa, jpg, len, &opts);
    ex = per_call(op_examine, jpg, len, &opts);
    printf("C2PA JPEG (c2pa-rs/C.jpg, %zu bytes, PS256 signature, one manifest)\n", len);
    if (dec > 0)
        printf("  anchor: bw_image_decode exact      %9.1f us\n", dec * 1e6);
    else
        printf("  anchor: bw_image_decode exact      unavailable (no JPEG decoder in this build)\n");
    printf("  C2PA read + validate               %9.1f us", c2pa * 1e6);
    if (dec > 0)
        printf("   ratio %.3f (goal < 1)", c2pa / dec);
    printf("\n  examine (no watermark)             %9.1f us", ex * 1e6);
    if (dec > 0)
        printf("   ratio %.3f", ex / dec);
    printf("\n");
    free(jpg);

    printf("Files with no provenance markers (examine without the watermark)\n");
    for (size_t i = 0; i < sizeof clear / sizeof *clear; i++) {
        unsigned char *d = load(clear[i], &len);
        double rd = per_call(op_read, d, len, (void *)clear[i]);
        double e = per_call(op_examine, d, len, &opts);
        printf("  %-34s %7zu bytes  read %7.1f us  examine %6.2f us  (goal < 50 us)\n", clear[i],
               len, rd * 1e6, e * 1e6);
        free(d);
    }
    return 0;
}
