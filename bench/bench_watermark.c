/* bench_watermark.c -- cost of the provenance metadata scan and of the
 * invisible-watermark decoder, against the anchor of decoding the same
 * image's pixels (bw_image_decode, exact path) measured in the same run.
 *
 * For each file (default: three refdata watermark vectors, PNG and JPEG;
 * or the paths given as arguments) it prints, per call: reading the file,
 * decoding its pixels (the anchor), the watermark decoder on those pixels
 * (both channel orders, all four messages) and its ratio to the anchor,
 * and the metadata scan of the file's bytes (bw__prov_metadata: these
 * files carry no metadata markers, so this is the "cleared" cost). Reads
 * BW_REFDATA (default ../shared/refdata); BW_BENCH_QUICK=1 runs fewer
 * iterations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bulwark/image.h"
#include "bulwark/provenance.h"
#include "provenance/prov_internal.h"
#include "bench_util.h"



static int bench_file(const char *path, int iters)
{
    bw_decode_opts dopts = {1, 0, NULL};
    bw_provenance_opts popts = {0};
    bw_image img;
    size_t len = 0, signals = 0, meta_signals = 0;
    unsigned char *data;
    double t0, t_read, t_dec, t_wm, t_meta;

    t0 = bench_now();
    for (int i = 0; i < iters; i++) {
        data = bench_read_file(path, &len);
        if (!data) {
            fprintf(stderr, "bench_watermark: cannot read %s\n", path);
            return 1;
        }
        if (i + 1 < iters)
            free(data);
    }
    t_read = (bench_now() - t0) / iters;

    t0 = bench_now();
    for (int i = 0; i < iters; i++) {
        if (bw_image_decode(data, len, &dopts, &img, NULL) != BW_OK) {
            fprintf(stderr, "bench_watermark: cannot decode %s\n", path);
            free(data);
            return 1;
        }
        if (i + 1 < iters)
            bw_image_free(&img);
    }
    t_dec = (bench_now() - t0) / iters;

    t0 = bench_now();
    for (int i = 0; i < iters; i++) {
        bw_provenance p;
        memset(&p, 0, sizeof p);
        bw__prov_watermark(&img, &popts, &p);
        signals = p.n_signals;
        bw_provenance_free(&p);
    }
    t_wm = (bench_now() - t0) / iters;

    t0 = bench_now();
    for (int i = 0; i < iters * 100; i++) {
        bw_provenance p;
        memset(&p, 0, sizeof p);
        bw__prov_metadata(data, len, bw_format_sniff(data, len), &popts, &p);
        meta_signals = p.n_signals;
        bw_provenance_free(&p);
    }
    t_meta = (bench_now() - t0) / (iters * 100);

    printf("%-32s %4ux%-4u %7zu B  read %7.1f us  decode %8.1f us  watermark %8.1f us "
           "(%.2fx decode, %zu signal)  metadata scan %6.2f us (%zu signals)\n",
           strrchr(path, '/') ? strrchr(path, '/') + 1 : path, img.width, img.height, len,
           t_read * 1e6, t_dec * 1e6, t_wm * 1e6, t_wm / t_dec, signals, t_meta * 1e6,
           meta_signals);
    bw_image_free(&img);
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const defaults[] = {"watermark/astronaut_sdxl.png",
                                           "watermark/coffee_sdv1.png",
                                           "watermark/astronaut_sdv1_q90_444.jpg"};
    const char *refdata = getenv("BW_REFDATA");
    int iters = getenv("BW_BENCH_QUICK") ? 5 : 50, rc = 0;
    char path[4096];
    if (!refdata)
        refdata = "../shared/refdata";
    printf("bench_watermark: %d iterations per figure (metadata scan: %d)\n", iters, iters * 100);
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            rc |= bench_file(argv[i], iters);
        return rc;
    }
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", refdata, defaults[i]);
        rc |= bench_file(path, iters);
    }
    return rc;
}
