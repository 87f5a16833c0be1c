/* vpdq.c -- vPDQ hashing (bulwark/vpdq.h): decode a video with FFmpeg,
 * keep the frames the reference keeps, convert each to RGB24 at the target
 * size with libswscale's SWS_AREA (as ThreatExchange vpdq/cpp does), and
 * hash it with the project's PDQ (bw_pdq_hash_image: the reference's luma,
 * Jarosz filter, DCT and median).
 *
 * The bytes reach FFmpeg through a custom AVIOContext over one of two
 * sources, memory or a FILE, so FFmpeg itself opens nothing: the demuxer
 * is forced to the one the magic bytes name, the protocol whitelist is
 * empty for any nested open (playlists, references), and FFmpeg's logging
 * is switched off once for the process: the library never prints. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#include "core/internal.h"
#include "bulwark/vpdq.h"
#include "vpdq/vpdq_internal.h"

#define AVIO_BUFFER 32768

/* ---------------- Sources: memory and FILE ---------------- */

typedef struct source {
    const unsigned char *mem; /* memory source, or NULL */
    FILE *fp;                 /* file source */
    uint64_t size, pos;
    int io_error;             /* a read of the file failed (not its end) */
} source;

/* AVIOContext read callback. */
static int source_read(void *opaque, uint8_t *buf, int n)
{
    source *s = opaque;
    size_t got;
    if (n <= 0 || s->pos >= s->size)
        return AVERROR_EOF;
    if ((uint64_t)n > s->size - s->pos)
        n = (int)(s->size - s->pos);
    if (s->mem) {
        memcpy(buf, s->mem + s->pos, (size_t)n);
        got = (size_t)n;
    } else {
        if (fseeko(s->fp, (off_t)s->pos, SEEK_SET) != 0) {
            s->io_error = 1;
            return AVERROR(EIO);
        }
        got = fread(buf, 1, (size_t)n, s->fp);
        if (got == 0) {
            s->io_error = ferror(s->fp) != 0;
            return s->io_error ? AVERROR(EIO) : AVERROR_EOF;
        }
    }
    s->pos += got;
    return (int)got;
}

/* AVIOContext seek callback; AVSEEK_SIZE asks for the size. */
static int64_t source_seek(void *opaque, int64_t off, int whence)
{
    source *s = opaque;
    int64_t base;
    if (whence & AVSEEK_SIZE)
        return (int64_t)s->size;
    switch (whence & ~AVSEEK_FORCE) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)s->pos; break;
    case SEEK_END: base = (int64_t)s->size; break;
    default: return AVERROR(EINVAL);
    }
    if (off > INT64_MAX - base || base + off < 0)
        return AVERROR(EINVAL);
    s->pos = (uint64_t)(base + off); /* past the end: reads give EOF */
    return (int64_t)s->pos;
}

/* bw__vpdq_read_at_fn over a source. */
static int source_read_at(void *ctx, uint64_t off, void *buf, size_t n)
{
    source *s = ctx;
    if (off > s->size || n > s->size - off)
        return -1;
    if (s->mem) {
        memcpy(buf, s->mem + off, n);
        return 0;
    }
    if (fseeko(s->fp, (off_t)off, SEEK_SET) != 0 || fread(buf, 1, n, s->fp) != n)
        return -1;
    return 0;
}

/* ---------------- Decoding and hashing ---------------- */

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;
static void quiet(void)
{
    av_log_set_level(AV_LOG_QUIET);
}

/* Everything one hashing run holds, released by state_free. */
typedef struct state {
    const bw_vpdq_opts *opts;
    const bw_limits *lim;
    const char *container;
    AVIOContext *avio;
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVFrame *frame, *rgb;
    AVPacket *pkt;
    struct SwsContext *sws;
    int stream;
    uint32_t tw, th;          /* target size */
    int frame_mod;
    uint64_t cap;             /* frames allocated in out->frames */
    bw_vpdq *out;
} state;

static void state_free(state *s)
{
    sws_freeContext(s->sws);
    av_packet_free(&s->pkt);
    av_frame_free(&s->frame);
    av_frame_free(&s->rgb);
    avcodec_free_context(&s->dec);
    avformat_close_input(&s->fmt);
    if (s->avio) {
        av_freep(&s->avio->buffer);
        avio_context_free(&s->avio);
    }
}

static const char *averr(int e, char *buf, size_t n)
{
    if (av_strerror(e, buf, n) < 0)
        snprintf(buf, n, "error %d", e);
    return buf;
}

/* width x height within max_dimension and max_pixels. */
static bw_status check_size(const state *s, int w, int h, bw_error *err)
{
    if (w <= 0 || h <= 0)
        return bw__fail(err, BW_ERR_CORRUPT, "corrupt %s: frame size %dx%d", s->container, w, h);
    if ((uint32_t)w > s->lim->max_dimension || (uint32_t)h > s->lim->max_dimension ||
        (uint64_t)w * (uint64_t)h > s->lim->max_pixels)
        return bw__fail(err, BW_ERR_LIMIT, "video frame too large: %dx%d (max_pixels %llu)", w, h,
                        (unsigned long long)s->lim->max_pixels);
    return BW_OK;
}

/* Container, stream, decoder, frame rate, target size. */
static bw_status open_video(state *s, source *src, bw_error *err)
{
    const AVInputFormat *ifmt = av_find_input_format(bw__vpdq_demuxer(s->container));
    AVDictionary *o = NULL;
    const AVCodec *codec;
    AVCodecParameters *par;
    AVRational fr;
    unsigned char *buf;
    char eb[128];
    double mod;
    int e;
    bw_status st;

    if (!ifmt)
        return bw__fail(err, BW_ERR_UNSUPPORTED, "no demuxer for %s in this FFmpeg", s->container);
    if (!(buf = av_malloc(AVIO_BUFFER)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    s->avio = avio_alloc_context(buf, AVIO_BUFFER, 0, src, source_read, NULL, source_seek);
    if (!s->avio) {
        av_free(buf);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    if (!(s->fmt = avformat_alloc_context()))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    s->fmt->pb = s->avio;
    s->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    /* Nothing but the bytes given: no nested file, URL or other demuxer. */
    av_dict_set(&o, "protocol_whitelist", "none", 0);
    av_dict_set(&o, "format_whitelist", ifmt->name, 0);
    e = avformat_open_input(&s->fmt, NULL, ifmt, &o);
    av_dict_free(&o);
    /* A demuxer that failed after reading to the end wanted more bytes. */
    if (e < 0 && avio_feof(s->avio)) /* s->fmt is freed and NULL */
        return bw__fail(err, BW_ERR_TRUNCATED, "truncated %s: its header runs past the end (%s)",
                        s->container, averr(e, eb, sizeof eb));
    if (e < 0)
        return bw__fail(err, e == AVERROR(ENOMEM) ? BW_ERR_NOMEM : BW_ERR_CORRUPT,
                        "not a readable %s: %s", s->container, averr(e, eb, sizeof eb));
    if ((e = avformat_find_stream_info(s->fmt, NULL)) < 0)
        return bw__fail(err, avio_feof(s->avio) ? BW_ERR_TRUNCATED : BW_ERR_CORRUPT,
                        "%s %s: %s", avio_feof(s->avio) ? "truncated" : "corrupt", s->container,
                        averr(e, eb, sizeof eb));
    s->stream = -1;
    for (unsigned i = 0; i < s->fmt->nb_streams; i++)
        if (s->fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
            s->stream = (int)i;
            break;
        }
    if (s->stream < 0)
        return bw__fail(err, BW_ERR_FORMAT, "%s without a video stream", s->container);
    par = s->fmt->streams[s->stream]->codecpar;
    if ((st = check_size(s, par->width, par->height, err)) != BW_OK)
        return st;
    s->out->width = (uint32_t)par->width;
    s->out->height = (uint32_t)par->height;
    if (!(codec = avcodec_find_decoder(par->codec_id)))
        return bw__fail(err, BW_ERR_UNSUPPORTED, "no decoder for the %s video codec '%s'",
                        s->container, avcodec_get_name(par->codec_id));
    if (!(s->dec = avcodec_alloc_context3(codec)) ||
        avcodec_parameters_to_context(s->dec, par) < 0)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    s->dec->thread_count = 1; /* callers run one hasher per thread */
    s->dec->max_pixels = (int64_t)s->lim->max_pixels;
    if ((e = avcodec_open2(s->dec, codec, NULL)) < 0)
        return bw__fail(err, BW_ERR_CORRUPT, "cannot open the %s decoder: %s", codec->name,
                        averr(e, eb, sizeof eb));

    /* The reference's frame rate: avg_frame_rate, else r_frame_rate. */
    fr = s->fmt->streams[s->stream]->avg_frame_rate;
    if (fr.num == 0 || fr.den == 0)
        fr = s->fmt->streams[s->stream]->r_frame_rate;
    if (fr.num <= 0 || fr.den <= 0)
        return bw__fail(err, BW_ERR_CORRUPT, "corrupt %s: no frame rate", s->container);
    s->out->fps = (double)fr.num / (double)fr.den;
    mod = s->opts->seconds_per_hash * s->out->fps;
    s->frame_mod = mod >= (double)INT_MAX ? INT_MAX : (int)mod;
    if (s->frame_mod < 1)
        s->frame_mod = 1;

    s->tw = s->opts->size ? s->opts->size : (uint32_t)par->width;
    s->th = s->opts->size ? s->opts->size : (uint32_t)par->height;
    if ((st = check_size(s, (int)s->tw, (int)s->th, err)) != BW_OK)
        return st;
    if (s->tw < 5 || s->th < 5) /* the reference refuses to hash them */
        return bw__fail(err, BW_ERR_UNSUPPORTED, "video too small to hash: %ux%u", s->tw, s->th);
    if (!(s->frame = av_frame_alloc()) || !(s->rgb = av_frame_alloc()) ||
        !(s->pkt = av_packet_alloc()))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    s->rgb->format = AV_PIX_FMT_RGB24;
    s->rgb->width = (int)s->tw;
    s->rgb->height = (int)s->th;
    if (av_frame_get_buffer(s->rgb, 0) < 0)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory for a %ux%u frame", s->tw, s->th);
    return BW_OK;
}

/* Convert the decoded frame n to RGB24 at the target size and hash it. */
static bw_status hash_frame(state *s, uint64_t n, bw_error *err)
{
    AVFrame *f = s->frame;
    bw_vpdq_frame *vf;
    bw_image img;
    bw_status st;

    if ((st = check_size(s, f->width, f->height, err)) != BW_OK)
        return st;
    if (s->out->count >= s->lim->max_video_frames)
        return bw__fail(err, BW_ERR_LIMIT, "video has more than %llu frames to hash "
                        "(max_video_frames)", (unsigned long long)s->lim->max_video_frames);
    /* made (again) when the decoder's output changes size or format */
    s->sws = sws_getCachedContext(s->sws, f->width, f->height, (enum AVPixelFormat)f->format,
                                  (int)s->tw, (int)s->th, AV_PIX_FMT_RGB24, SWS_AREA, NULL,
                                  NULL, NULL);
    if (!s->sws) {
        const char *pf = av_get_pix_fmt_name((enum AVPixelFormat)f->format);
        return bw__fail(err, BW_ERR_UNSUPPORTED, "cannot convert %s frames of %dx%d to RGB",
                        pf ? pf : "unknown", f->width, f->height);
    }
    if (av_frame_make_writable(s->rgb) < 0)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    sws_scale(s->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, s->rgb->data,
              s->rgb->linesize);
    if (s->out->count == s->cap) {
        uint64_t cap = s->cap ? 2 * s->cap : 64;
        void *p;
        if (cap > s->lim->max_video_frames)
            cap = s->lim->max_video_frames;
        if (cap > SIZE_MAX / sizeof *vf || !(p = bw__realloc(s->out->frames, cap * sizeof *vf)))
            return bw__fail(err, BW_ERR_NOMEM, "out of memory for %llu frame hashes",
                            (unsigned long long)cap);
        s->out->frames = p;
        s->cap = cap;
    }
    vf = &s->out->frames[s->out->count];
    memset(&img, 0, sizeof img);
    img.pixels = s->rgb->data[0];
    img.width = s->tw;
    img.height = s->th;
    img.stride = (uint32_t)s->rgb->linesize[0];
    img.channels = 3;
    if ((st = bw_pdq_hash_image(&img, &vf->pdq, &vf->quality, NULL, err)) != BW_OK)
        return st;
    vf->frame = n;
    /* the reference divides in float */
    vf->timestamp = (double)((float)n / (float)s->out->fps);
    s->out->count++;
    return BW_OK;
}

/* Send one packet (NULL: flush) and hash every frame that comes out. */
static bw_status decode(state *s, const AVPacket *pkt, bw_error *err)
{
    char eb[128];
    int e = avcodec_send_packet(s->dec, pkt);
    if (e < 0 && e != AVERROR_EOF)
        return bw__fail(err, e == AVERROR(ENOMEM) ? BW_ERR_NOMEM : BW_ERR_CORRUPT,
                        "corrupt %s: frame %llu: %s", s->container,
                        (unsigned long long)s->out->decoded, averr(e, eb, sizeof eb));
    for (;;) {
        bw_status st = BW_OK;
        uint64_t n;
        e = avcodec_receive_frame(s->dec, s->frame);
        if (e == AVERROR(EAGAIN) || e == AVERROR_EOF)
            return BW_OK;
        if (e < 0)
            return bw__fail(err, e == AVERROR(ENOMEM) ? BW_ERR_NOMEM : BW_ERR_CORRUPT,
                            "corrupt %s: frame %llu: %s", s->container,
                            (unsigned long long)s->out->decoded, averr(e, eb, sizeof eb));
        n = s->out->decoded++;
        if (n % (uint64_t)s->frame_mod == 0)
            st = hash_frame(s, n, err);
        av_frame_unref(s->frame);
        if (st != BW_OK)
            return st;
    }
}

static bw_status run(source *src, const bw_vpdq_opts *opts, bw_vpdq *out, bw_error *err)
{
    state s;
    bw_status st;
    bw_vpdq_opts dflt = {0};
    unsigned char head[256];
    size_t nhead = src->size < sizeof head ? (size_t)src->size : sizeof head;

    pthread_once(&quiet_once, quiet);
    memset(out, 0, sizeof *out);
    memset(&s, 0, sizeof s);
    s.opts = opts ? opts : &dflt;
    s.lim = bw__limits(s.opts->limits);
    s.out = out;
    if (!(s.opts->seconds_per_hash >= 0) || s.opts->seconds_per_hash > 1e9)
        return bw__fail(err, BW_ERR_ARG, "seconds_per_hash must be from 0 to 1e9");
    if (s.opts->size > 65535)
        return bw__fail(err, BW_ERR_ARG, "vPDQ frame size %u is too large", s.opts->size);
    if (src->size == 0)
        return bw__fail(err, BW_ERR_EMPTY, "empty file");
    if (src->size > s.lim->max_file_bytes)
        return bw__fail(err, BW_ERR_LIMIT, "video too large: %llu bytes (max_file_bytes %llu)",
                        (unsigned long long)src->size,
                        (unsigned long long)s.lim->max_file_bytes);
    if (source_read_at(src, 0, head, nhead) != 0)
        return bw__fail(err, BW_ERR_IO, "cannot read the video");
    if (!(s.container = bw_vpdq_sniff(head, nhead)))
        return bw__fail(err, BW_ERR_FORMAT, "not a video container we read");
    out->format = s.container;
    if (!strcmp(s.container, "mp4") || !strcmp(s.container, "mov")) {
        st = bw__vpdq_check_boxes(source_read_at, src, src->size,
                                  !strcmp(s.container, "mp4") ? "MP4" : "MOV", err);
        if (st != BW_OK)
            return st;
    }
    st = open_video(&s, src, err);
    while (st == BW_OK) {
        int e = av_read_frame(s.fmt, s.pkt);
        if (src->io_error) { /* the file could not be read: not the video's fault */
            st = bw__fail(err, BW_ERR_IO, "cannot read the %s", s.container);
            break;
        }
        if (e < 0) /* end of input, or undemuxable past here: as the reference, stop */
            break;
        if (s.pkt->stream_index == s.stream)
            st = decode(&s, s.pkt, err);
        av_packet_unref(s.pkt);
    }
    if (st == BW_OK)
        st = decode(&s, NULL, err);
    if (st == BW_OK && out->decoded == 0)
        st = bw__fail(err, BW_ERR_CORRUPT, "%s %s: no frame could be decoded",
                      avio_feof(s.avio) ? "truncated or corrupt" : "corrupt", s.container);
    if (st == BW_OK) {
        /* the video stream's own duration, else the container's, else counted */
        const AVStream *vs = s.fmt->streams[s.stream];
        if (vs->duration > 0 && vs->time_base.num > 0 && vs->time_base.den > 0)
            out->duration = (double)vs->duration * vs->time_base.num / vs->time_base.den;
        else if (s.fmt->duration > 0)
            out->duration = (double)s.fmt->duration / AV_TIME_BASE;
        else
            out->duration = (double)out->decoded / out->fps;
    }
    state_free(&s);
    if (st != BW_OK) {
        const char *fmt = out->format;
        bw_vpdq_free(out);
        out->format = fmt;
    }
    return st;
}

bw_status bw_vpdq_hash_memory(const void *data, size_t len, const bw_vpdq_opts *opts,
                              bw_vpdq *out, bw_error *err)
{
    source src = {data, NULL, len, 0, 0};
    if (!data && len)
        return bw__fail(err, BW_ERR_ARG, "no data");
    return run(&src, opts, out, err);
}

bw_status bw_vpdq_hash_file(const char *path, const bw_vpdq_opts *opts, bw_vpdq *out,
                            bw_error *err)
{
    source src = {NULL, NULL, 0, 0, 0};
    bw_status st;
    off_t end;
    memset(out, 0, sizeof *out);
    if (!(src.fp = fopen(path, "rb")))
        return bw__fail(err, errno == ENOENT ? BW_ERR_NOT_FOUND : BW_ERR_IO, "%s: %s", path,
                        strerror(errno));
    if (fseeko(src.fp, 0, SEEK_END) != 0 || (end = ftello(src.fp)) < 0) {
        fclose(src.fp);
        return bw__fail(err, BW_ERR_IO, "%s: cannot seek", path);
    }
    src.size = (uint64_t)end;
    st = run(&src, opts, out, err);
    fclose(src.fp);
    return st;
}

void bw_vpdq_free(bw_vpdq *v)
{
    if (v) {
        free(v->frames);
        memset(v, 0, sizeof *v);
    }
}
