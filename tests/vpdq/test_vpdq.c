/* test_vpdq.c -- vPDQ (bulwark/vpdq.h) against Meta's vectors (a few
 * videos; all of them in test_vectors.c), its frame sampling, its
 * in-memory input, hostile input and its limits.
 *
 * Expected values are third-party: refdata/vpdq/derived/ holds the output
 * of the upstream reference (ThreatExchange vpdq/cpp) built against this
 * Debian 12 FFmpeg 5.1, every frame, native and 128x128; sample-hashes/
 * are upstream's own files (another FFmpeg build), compared within the
 * upstream tolerance. The sampling rule is written out by hand from
 * refdata/vpdq/README.md. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"
#include "vectors.h"
#include "bulwark/vpdq.h"
#include "bulwark/hash.h"
#include <libavformat/avformat.h>
#include <libavutil/log.h>

/* The 30 fps sample videos hashed every frame, native and 128x128, equal
 * the reference's lines (derived/, this FFmpeg) exactly and upstream's
 * (sample-hashes/) within the match distance: three short ones here, so
 * that the ASan build runs them too; test_vectors.c does all 14. */
static void test_vectors_few(void **state)
{
    static const char *const names[] = {"doorknob-hd-no-bar", "test-padded-dimensions",
                                        "pattern-sd-grey-bar"};
    (void)state;
    for (size_t i = 0; i < 3; i++)
        for (int s = 0; s < 2; s++) {
            cmp c, u;
            int has_u;
            hash_and_compare(names[i], s ? 128 : 0, &c, &u, &has_u);
            assert_int_equal(c.identical, c.lines);
            assert_int_equal(has_u, !(i == 1 && s == 1));
            assert_true(u.max_dist_q50 < BW_PDQ_DEFAULT_MAX_DISTANCE);
        }
}

/* seconds_per_hash: frame n is kept when n % max(1, (int)(S * fps)) == 0;
 * the sample videos are 30 fps (README), so the expected frame numbers are
 * written out from that rule and the video's frame count (120 frames). */
static void test_sampling(void **state)
{
    static const struct {
        double s;
        unsigned step;
    } cases[] = {{1.0, 30}, {0.5, 15}, {0.1, 3}, {2.5, 75}, {0.01, 1}, {0, 1}, {1000, 1000}};
    (void)state;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        bw_vpdq_opts o = {cases[k].s, 32, NULL};
        bw_vpdq v;
        bw_error err;
        size_t want = 0;
        assert_int_equal(bw_vpdq_hash_file(video("doorknob-hd-no-bar"), &o, &v, &err), BW_OK);
        assert_int_equal(v.decoded, 120);
        for (unsigned f = 0; f < 120; f += cases[k].step) {
            assert_true(want < v.count);
            assert_int_equal(v.frames[want].frame, f);
            assert_true(fabs(v.frames[want].timestamp - f / 30.0) < 1e-4);
            want++;
        }
        assert_int_equal(v.count, want);
        assert_int_equal(v.width, 1280);
        assert_int_equal(v.height, 720);
        assert_string_equal(v.format, "mp4");
        assert_true(fabs(v.duration - 4.0) < 0.05);
        bw_vpdq_free(&v);
    }
}

/* The in-memory entry point gives what the file one gives. */
static void test_memory(void **state)
{
    size_t len;
    unsigned char *data = bw_test_read_file(video("test-padded-dimensions"), &len);
    bw_vpdq_opts o = {0, 0, NULL};
    bw_vpdq a, b;
    (void)state;
    assert_non_null(data);
    assert_int_equal(bw_vpdq_hash_memory(data, len, &o, &a, NULL), BW_OK);
    assert_int_equal(bw_vpdq_hash_file(video("test-padded-dimensions"), &o, &b, NULL), BW_OK);
    assert_int_equal(a.count, 150);
    assert_int_equal(a.count, b.count);
    for (size_t i = 0; i < a.count; i++) {
        assert_int_equal(a.frames[i].frame, b.frames[i].frame);
        assert_int_equal(a.frames[i].quality, b.frames[i].quality);
        assert_memory_equal(&a.frames[i].pdq, &b.frames[i].pdq, sizeof a.frames[i].pdq);
        assert_true(a.frames[i].timestamp == b.frames[i].timestamp);
    }
    bw_vpdq_free(&a);
    bw_vpdq_free(&b);
    free(data);
}

static bw_status hash_bytes(const void *d, size_t n, bw_error *err)
{
    bw_vpdq v;
    bw_vpdq_opts o = {1, 0, NULL};
    bw_status st = bw_vpdq_hash_memory(d, n, &o, &v, err);
    assert_int_equal(v.count, 0); /* a failed call leaves no frames */
    bw_vpdq_free(&v);
    return st;
}

/* Copy the video stream of in_path into a new container (no re-encoding):
 * the same coded frames in another container must give the reference's
 * lines. 0 on success. */
static int remux(const char *in_path, const char *out_path, const char *format)
{
    AVFormatContext *in = NULL, *out = NULL;
    AVPacket *p = av_packet_alloc();
    AVStream *os;
    int vs = -1, rc = -1;
    if (!p || avformat_open_input(&in, in_path, NULL, NULL) < 0 ||
        avformat_find_stream_info(in, NULL) < 0)
        goto done;
    for (unsigned i = 0; i < in->nb_streams; i++)
        if (in->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
            vs = (int)i;
            break;
        }
    if (vs < 0 || avformat_alloc_output_context2(&out, NULL, format, out_path) < 0 ||
        !(os = avformat_new_stream(out, NULL)) ||
        avcodec_parameters_copy(os->codecpar, in->streams[vs]->codecpar) < 0)
        goto done;
    os->codecpar->codec_tag = 0;
    os->time_base = in->streams[vs]->time_base;
    os->avg_frame_rate = in->streams[vs]->avg_frame_rate;
    if (avio_open(&out->pb, out_path, AVIO_FLAG_WRITE) < 0 || avformat_write_header(out, NULL) < 0)
        goto done;
    while (av_read_frame(in, p) == 0) {
        if (p->stream_index == vs) {
            p->stream_index = 0;
            av_packet_rescale_ts(p, in->streams[vs]->time_base, os->time_base);
            if (av_interleaved_write_frame(out, p) < 0)
                goto done;
        }
        av_packet_unref(p);
    }
    rc = av_write_trailer(out) < 0 ? -1 : 0;
done:
    av_packet_free(&p);
    if (out && out->pb)
        avio_closep(&out->pb);
    avformat_free_context(out);
    avformat_close_input(&in);
    return rc;
}

/* The doorknob clip remuxed into Matroska, MPEG-TS, MOV and FLV, hashed
 * from memory at 128x128: the container sniffed, and every frame's
 * number, quality and PDQ equal to the reference's line (derived/). */
static void test_containers(void **state)
{
    static const struct {
        const char *muxer, *ext, *sniffed;
    } cs[] = {{"matroska", "mkv", "matroska"}, {"mpegts", "ts", "mpegts"},
              {"mov", "mov", "mov"},           {"flv", "flv", "flv"}};
    ref_line *ref;
    size_t nref = load_ref(bw_test_refdata("vpdq/derived/debian12-ffmpeg5.1-128x128/"
                                           "doorknob-hd-no-bar-128x128.txt"), &ref);
    (void)state;
    av_log_set_level(AV_LOG_QUIET);
    assert_int_equal(nref, 120);
    for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++) {
        char path[4096];
        size_t len;
        unsigned char *data;
        bw_vpdq_opts o = {0, 128, NULL};
        bw_vpdq v;
        bw_error err;
        snprintf(path, sizeof path, "%s/doorknob.%s", bw_test_tmpdir("vpdq"), cs[k].ext);
        assert_int_equal(remux(video("doorknob-hd-no-bar"), path, cs[k].muxer), 0);
        data = bw_test_read_file(path, &len);
        assert_non_null(data);
        assert_string_equal(bw_vpdq_sniff(data, len), cs[k].sniffed);
        if (bw_vpdq_hash_memory(data, len, &o, &v, &err) != BW_OK)
            fail_msg("%s: %s", cs[k].muxer, bw_error_message(&err));
        assert_string_equal(v.format, cs[k].sniffed);
        assert_int_equal(v.count, nref);
        for (size_t i = 0; i < nref; i++) {
            assert_int_equal(v.frames[i].frame, ref[i].frame);
            assert_int_equal(v.frames[i].quality, ref[i].quality);
            if (bw_pdq_distance(&v.frames[i].pdq, &ref[i].pdq) != 0)
                fail_msg("%s frame %zu: PDQ differs from the reference", cs[k].muxer, i);
        }
        bw_vpdq_free(&v);
        free(data);
    }
    free(ref);
}

/* Truncated, garbage after a real header, empty, and non-videos with a
 * video's magic: each a clear error, never a crash (ASan build). */
static void test_hostile(void **state)
{
    size_t len;
    unsigned char *data = bw_test_read_file(video("doorknob-hd-no-bar"), &len);
    unsigned char *junk;
    bw_error err;
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    (void)state;
    assert_non_null(data);

    /* head -c N at many points: the top-level box walk names the box cut */
    for (size_t cut = 1; cut < len; cut = cut * 3 + 7) {
        bw_status st = hash_bytes(data, cut, &err);
        assert_int_not_equal(st, BW_OK);
        if (cut >= 16)
            assert_int_equal(st, BW_ERR_TRUNCATED);
    }
    assert_int_equal(hash_bytes(data, len - 1, &err), BW_ERR_TRUNCATED);
    assert_non_null(strstr(err.msg, "truncated MP4"));

    /* the ftyp box followed by random bytes */
    junk = malloc(65536);
    assert_non_null(junk);
    for (int round = 0; round < 20; round++) {
        size_t hdr = (size_t)data[3]; /* ftyp box size (< 256 here) */
        memcpy(junk, data, hdr);
        for (size_t i = hdr; i < 65536; i++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            junk[i] = (unsigned char)rng;
        }
        assert_int_not_equal(hash_bytes(junk, 65536, &err), BW_OK);
    }

    /* empty */
    assert_int_equal(hash_bytes("", 0, &err), BW_ERR_EMPTY);
    /* not a video container at all */
    assert_int_equal(hash_bytes("hello, world\n", 13, &err), BW_ERR_FORMAT);
    /* magic bytes of each container, then text */
    {
        static const char *const fakes[] = {
            "\x00\x00\x00\x18" "ftypisom\x00\x00\x02\x00isomiso2" "this is not a video at all",
            "\x1a\x45\xdf\xa3" "this is not a matroska file, just words after the magic",
            "RIFF\x20\x00\x00\x00" "AVI LIST" "no chunks that make sense follow here",
            "FLV\x01\x05\x00\x00\x00\x09" "not really flash video data at all",
        };
        static const size_t lens[] = {24 + 26, 4 + 52, 16 + 37, 9 + 34};
        for (size_t i = 0; i < 4; i++) {
            bw_status st = hash_bytes(fakes[i], lens[i], &err);
            assert_int_not_equal(st, BW_OK);
            assert_true(err.msg[0] != '\0');
        }
    }
    /* MPEG-TS sync bytes and nothing else */
    memset(junk, 0, 188 * 8);
    for (int i = 0; i < 8; i++)
        junk[188 * i] = 0x47;
    assert_int_not_equal(hash_bytes(junk, 188 * 8, &err), BW_OK);
    /* a HEIF image is not a video */
    assert_null(bw_vpdq_sniff("\x00\x00\x00\x18" "ftypheic\x00\x00\x00\x00mif1heic", 24));
    assert_string_equal(bw_vpdq_sniff("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", 16),
                        "webm");
    free(junk);
    free(data);
}

/* max_video_frames, max_pixels (per frame), max_file_bytes. */
static void test_limits(void **state)
{
    bw_limits lim;
    bw_vpdq_opts o = {0, 0, &lim};
    bw_vpdq v;
    bw_error err;
    (void)state;

    bw_limits_default(&lim);
    assert_int_equal(bw_limits_set(&lim, "max_video_frames", 10), BW_OK);
    assert_int_equal(bw_vpdq_hash_file(video("doorknob-hd-no-bar"), &o, &v, &err), BW_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "max_video_frames"));
    o.seconds_per_hash = 0.5; /* 8 frames hashed: within the limit */
    assert_int_equal(bw_vpdq_hash_file(video("doorknob-hd-no-bar"), &o, &v, &err), BW_OK);
    assert_int_equal(v.count, 8);
    bw_vpdq_free(&v);

    bw_limits_default(&lim);
    lim.max_pixels = 1280 * 720 - 1;
    assert_int_equal(bw_vpdq_hash_file(video("doorknob-hd-no-bar"), &o, &v, &err), BW_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "1280x720"));
    o.size = 128; /* the decoded frame is still too large */
    assert_int_equal(bw_vpdq_hash_file(video("doorknob-hd-no-bar"), &o, &v, &err), BW_ERR_LIMIT);

    bw_limits_default(&lim);
    lim.max_file_bytes = 1000;
    assert_int_equal(bw_vpdq_hash_file(video("doorknob-hd-no-bar"), &o, &v, &err), BW_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "max_file_bytes"));

    /* bad options */
    o.seconds_per_hash = -1;
    assert_int_equal(bw_vpdq_hash_file(video("doorknob-hd-no-bar"), &o, &v, &err), BW_ERR_ARG);
    o.seconds_per_hash = 0;
    o.size = 3;
    bw_limits_default(&lim);
    assert_int_equal(bw_vpdq_hash_file(video("doorknob-hd-no-bar"), &o, &v, &err),
                     BW_ERR_UNSUPPORTED);
    assert_int_equal(bw_vpdq_hash_file("/nonexistent/video.mp4", &o, &v, &err), BW_ERR_NOT_FOUND);
}

/* Through the hasher: one read gives the digests and the vPDQ. */
static void test_hasher(void **state)
{
    size_t len;
    unsigned char *data = bw_test_read_file(video("doorknob-hd-no-bar"), &len);
    bw_hasher *h;
    bw_hash_result r;
    bw_vpdq_opts vo = {1, 0, NULL};
    char hex[33];
    (void)state;
    assert_non_null(data);
    assert_int_equal(bw_hasher_new(&h, NULL, NULL), BW_OK);
    /* without set_video a video is a plain file */
    assert_int_equal(bw_hasher_hash_memory(h, data, len, &r, NULL), BW_OK);
    assert_int_equal(r.kind, BW_KIND_FILE);
    bw_hash_result_free(&r);
    assert_int_equal(bw_hasher_set_video(h, &vo, NULL), BW_OK);
    assert_int_equal(bw_hasher_hash_memory(h, data, len, &r, NULL), BW_OK);
    assert_int_equal(r.kind, BW_KIND_VIDEO);
    assert_int_equal(r.video.count, 4);
    assert_int_equal(r.width, 1280);
    bw_hex_encode(r.digests.md5, 16, hex);
    assert_string_equal(hex, "9108849f0d0bb6d3c40844f4eb72767b"); /* refdata README */
    bw_hash_result_free(&r);
    assert_int_equal(bw_hasher_hash_memory(h, data, len / 2, &r, NULL), BW_ERR_TRUNCATED);
    bw_hash_result_free(&r);
    bw_hasher_free(h);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sampling), cmocka_unit_test(test_memory),
        cmocka_unit_test(test_containers),
        cmocka_unit_test(test_hostile),  cmocka_unit_test(test_limits),
        cmocka_unit_test(test_hasher),   cmocka_unit_test(test_vectors_few),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
