/* make_vpdq_seeds.c -- writes the small benign seed videos of fuzz/corpus/vpdq/
 * (a moving colour gradient, 2 frames, 48x48 or smaller, one file per codec and
 * container pair) with libavformat/libavcodec. Not built by CMake: run
 *   cc fuzz/tools/make_vpdq_seeds.c -lavformat -lavcodec -lavutil -o /tmp/mk && /tmp/mk fuzz/corpus/vpdq
 */
#include <stdio.h>
#include <string.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>

static int make(const char *path, const char *fmt, const char *codec, int pixfmt, int w, int h, int nf)
{
    AVFormatContext *oc = NULL;
    const AVCodec *c = avcodec_find_encoder_by_name(codec);
    AVCodecContext *cc;
    AVStream *st;
    AVFrame *fr;
    AVPacket *pkt;
    if (!c || avformat_alloc_output_context2(&oc, NULL, fmt, path) < 0) return 1;
    st = avformat_new_stream(oc, NULL);
    cc = avcodec_alloc_context3(c);
    cc->width = w; cc->height = h; cc->pix_fmt = pixfmt;
    cc->time_base = (AVRational){1, 10}; cc->framerate = (AVRational){10, 1};
    cc->gop_size = 2; cc->max_b_frames = 0; cc->bit_rate = 50000;
    if (oc->oformat->flags & AVFMT_GLOBALHEADER) cc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if (!strcmp(codec, "libx264")) { av_opt_set(cc->priv_data, "preset", "ultrafast", 0); }
    if (!strcmp(codec, "libx265")) { av_opt_set(cc->priv_data, "preset", "ultrafast", 0); av_opt_set(cc->priv_data, "x265-params", "log-level=none", 0); }
    if (!strcmp(codec, "libvpx-vp9")) { av_opt_set(cc->priv_data, "deadline", "realtime", 0); }
    if (avcodec_open2(cc, c, NULL) < 0) { fprintf(stderr, "open %s failed\n", codec); return 1; }
    avcodec_parameters_from_context(st->codecpar, cc);
    st->time_base = cc->time_base;
    if (!(oc->oformat->flags & AVFMT_NOFILE) && avio_open(&oc->pb, path, AVIO_FLAG_WRITE) < 0) return 1;
    if (avformat_write_header(oc, NULL) < 0) return 1;
    fr = av_frame_alloc(); fr->format = pixfmt; fr->width = w; fr->height = h;
    av_frame_get_buffer(fr, 0);
    pkt = av_packet_alloc();
    for (int i = 0; i <= nf; i++) {
        AVFrame *in = NULL;
        if (i < nf) {
            av_frame_make_writable(fr);
            const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(pixfmt);
            if (d->flags & AV_PIX_FMT_FLAG_RGB || d->nb_components == 1 || !(d->flags & AV_PIX_FMT_FLAG_PLANAR)) {
                int bpp = av_get_bits_per_pixel(d) / 8;
                for (int y = 0; y < h; y++) for (int x = 0; x < w * bpp; x++)
                    fr->data[0][y * fr->linesize[0] + x] = (uint8_t)(x * 5 + y * 3 + i * 20);
            } else {
                for (int p = 0; p < 3; p++) {
                    int pw = p ? AV_CEIL_RSHIFT(w, d->log2_chroma_w) : w, ph = p ? AV_CEIL_RSHIFT(h, d->log2_chroma_h) : h;
                    for (int y = 0; y < ph; y++) for (int x = 0; x < pw; x++)
                        fr->data[p][y * fr->linesize[p] + x] = p ? (uint8_t)(128 + (x - y) * 2) : (uint8_t)(x * 4 + y * 2 + i * 16);
                }
            }
            fr->pts = i; in = fr;
        }
        avcodec_send_frame(cc, in);
        while (avcodec_receive_packet(cc, pkt) == 0) {
            if (!pkt->duration) pkt->duration = 1;
            av_packet_rescale_ts(pkt, cc->time_base, st->time_base);
            pkt->stream_index = 0;
            av_interleaved_write_frame(oc, pkt);
        }
    }
    av_write_trailer(oc);
    if (!(oc->oformat->flags & AVFMT_NOFILE)) avio_closep(&oc->pb);
    avformat_free_context(oc); avcodec_free_context(&cc); av_frame_free(&fr); av_packet_free(&pkt);
    return 0;
}

int main(int argc, char **argv)
{
    const char *d = argc > 1 ? argv[1] : ".";
    char p[512];
    struct { const char *name, *fmt, *codec; int pix, w, h; } v[] = {
        {"h264-48.mp4", "mp4", "libx264", AV_PIX_FMT_YUV420P, 48, 48},
        {"h264-48.mov", "mov", "libx264", AV_PIX_FMT_YUV420P, 48, 48},
        {"hevc-48.mp4", "mp4", "libx265", AV_PIX_FMT_YUV420P, 48, 48},
        {"mpeg4-48.mkv", "matroska", "mpeg4", AV_PIX_FMT_YUV420P, 48, 48},
        {"mpeg2-48.ts", "mpegts", "mpeg2video", AV_PIX_FMT_YUV420P, 48, 48},
        {"mpeg1-48.mpg", "mpeg", "mpeg1video", AV_PIX_FMT_YUV420P, 48, 48},
        {"mjpeg-48.avi", "avi", "mjpeg", AV_PIX_FMT_YUVJ420P, 48, 48},
        {"vp8-48.webm", "webm", "libvpx", AV_PIX_FMT_YUV420P, 48, 48},
        {"vp9-48.webm", "webm", "libvpx-vp9", AV_PIX_FMT_YUV420P, 48, 48},
        {"flv1-48.flv", "flv", "flv", AV_PIX_FMT_YUV420P, 48, 48},
        {"ffv1-48.mkv", "matroska", "ffv1", AV_PIX_FMT_YUV420P, 48, 48},
        {"png-32.mov", "mov", "png", AV_PIX_FMT_RGB24, 32, 32},
        {"h264-odd-37x21.mkv", "matroska", "libx264", AV_PIX_FMT_YUV420P, 38, 22},
        {"gray-ffv1-40x24.avi", "avi", "ffv1", AV_PIX_FMT_GRAY8, 40, 24},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", d, v[i].name);
        if (make(p, v[i].fmt, v[i].codec, v[i].pix, v[i].w, v[i].h, 2)) fprintf(stderr, "failed: %s\n", v[i].name);
    }
    return 0;
}
