/* bench_vpdq.c -- speed of vPDQ (bw_vpdq_hash_file) on the sample videos
 * of ../shared/refdata/vpdq, against an anchor measured in the same run:
 * FFmpeg alone demuxing and decoding every frame of the same file (one
 * decoder thread, as the hasher uses), with no conversion and no hashing.
 *
 *   bench_vpdq [--reps N] [VIDEO...]     (default: all sample videos)
 *
 * Prints per video, best of N runs (default 3; BW_BENCH_QUICK=1: 1):
 *   decode   the anchor: ms, and frames per second
 *   every    vPDQ of every frame at native size (vpdq-hash-video -r 0 -s 0):
 *            ms and its ratio to the anchor
 *   128      every frame scaled to 128x128 first (-s 128): ms and ratio
 *   1/s      the default sampling, one frame a second: ms and ratio
 * The ratios say what converting and hashing cost on top of decoding,
 * which no implementation of vPDQ can avoid. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
#include <bulwark/vpdq.h>
#include "bench_util.h"

/* The anchor: demux and decode every video frame; returns frames or -1. */
static long decode_only(const char *path)
{
    AVFormatContext *fmt = NULL;
    AVCodecContext *dec = NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    const AVCodec *codec;
    long frames = -1;
    int vs = -1;

    if (!pkt || !fr || avformat_open_input(&fmt, path, NULL, NULL) < 0)
        goto out;
    if (avformat_find_stream_info(fmt, NULL) < 0)
        goto out;
    for (unsigned i = 0; i < fmt->nb_streams; i++)
        if (fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
            vs = (int)i;
            break;
        }
    if (vs < 0 || !(codec = avcodec_find_decoder(fmt->streams[vs]->codecpar->codec_id)))
        goto out;
    if (!(dec = avcodec_alloc_context3(codec)) ||
        avcodec_parameters_to_context(dec, fmt->streams[vs]->codecpar) < 0)
        goto out;
    dec->thread_count = 1;
    if (avcodec_open2(dec, codec, NULL) < 0)
        goto out;
    frames = 0;
    for (int flushing = 0; !flushing;) {
        if (av_read_frame(fmt, pkt) < 0) {
            flushing = 1;
            avcodec_send_packet(dec, NULL);
        } else if (pkt->stream_index == vs) {
            avcodec_send_packet(dec, pkt);
        }
        av_packet_unref(pkt);
        while (avcodec_receive_frame(dec, fr) == 0) {
            frames++;
            av_frame_unref(fr);
        }
    }
out:
    av_frame_free(&fr);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    return frames;
}

/* Best time of reps vPDQ runs; *count gets the frames hashed, -1 on error. */
static double time_vpdq(const char *path, double sph, uint32_t size, int reps, long *count)
{
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        bw_vpdq_opts o = {sph, size, NULL};
        bw_vpdq v;
        bw_error err;
        double t0 = bench_now(), t;
        if (bw_vpdq_hash_file(path, &o, &v, &err) != BW_OK) {
            fprintf(stderr, "bench_vpdq: %s: %s\n", path, bw_error_message(&err));
            *count = -1;
            return 0;
        }
        t = bench_now() - t0;
        *count = (long)v.count;
        bw_vpdq_free(&v);
        if (t < best)
            best = t;
    }
    return best;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    int reps = getenv("BW_BENCH_QUICK") && !strcmp(getenv("BW_BENCH_QUICK"), "1") ? 1 : 3;
    char *paths[64];
    int n = 0, status = 0;
    double sum_anchor = 0, sum_every = 0, sum_128 = 0, sum_1s = 0;

    av_log_set_level(AV_LOG_QUIET);
    for (int i = 1; i < argc && n < 64; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]) > 0 ? atoi(argv[i]) : 1;
        else
            paths[n++] = strdup(argv[i]);
    }
    if (n == 0) {
        const char *ref = getenv("BW_REFDATA");
        char dir[4096];
        DIR *d;
        struct dirent *e;
        snprintf(dir, sizeof dir, "%s/vpdq/sample-videos", ref ? ref : "../shared/refdata");
        if (!(d = opendir(dir))) {
            fprintf(stderr, "bench_vpdq: no %s (set BW_REFDATA)\n", dir);
            return 1;
        }
        while ((e = readdir(d)) && n < 64) {
            size_t l = strlen(e->d_name);
            char p[4096 + 256];
            if (l > 4 && !strcmp(e->d_name + l - 4, ".mp4")) {
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                paths[n++] = strdup(p);
            }
        }
        closedir(d);
        qsort(paths, (size_t)n, sizeof *paths, by_name);
    }
    printf("best of %d; ratio = time / decode-only time of the same file\n", reps);
    printf("%-34s %6s %9s %9s %6s %9s %6s %9s %6s\n", "video", "frames", "decode", "every",
           "ratio", "128", "ratio", "1/s", "ratio");
    for (int i = 0; i < n; i++) {
        double anchor = 1e30, every, t128, t1s;
        long frames = -1, c_every, c_128, c_1s;
        const char *name = strrchr(paths[i], '/') ? strrchr(paths[i], '/') + 1 : paths[i];
        for (int r = 0; r < reps; r++) {
            double t0 = bench_now(), t;
            frames = decode_only(paths[i]);
            t = bench_now() - t0;
            if (t < anchor)
                anchor = t;
        }
        every = time_vpdq(paths[i], 0, 0, reps, &c_every);
        t128 = time_vpdq(paths[i], 0, 128, reps, &c_128);
        t1s = time_vpdq(paths[i], 1, 0, reps, &c_1s);
        if (frames < 0 || c_every < 0 || c_128 < 0 || c_1s < 0) {
            status = 1;
            continue;
        }
        sum_anchor += anchor, sum_every += every, sum_128 += t128, sum_1s += t1s;
        printf("%-34s %6ld %7.0fms %7.0fms %5.2fx %7.0fms %5.2fx %7.0fms %5.2fx\n", name, frames,
               anchor * 1e3, every * 1e3, every / anchor, t128 * 1e3, t128 / anchor, t1s * 1e3,
               t1s / anchor);
    }
    if (sum_anchor > 0)
        printf("%-34s %6s %7.0fms %7.0fms %5.2fx %7.0fms %5.2fx %7.0fms %5.2fx\n", "total", "",
               sum_anchor * 1e3, sum_every * 1e3, sum_every / sum_anchor, sum_128 * 1e3,
               sum_128 / sum_anchor, sum_1s * 1e3, sum_1s / sum_anchor);
    for (int i = 0; i < n; i++)
        free(paths[i]);
    return status;
}
