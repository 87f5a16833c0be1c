/* fuzz_vpdq.c -- libFuzzer target for video decoding and vPDQ: the bytes
 * go through bw_vpdq_hash_memory (the in-memory AVIOContext, the container
 * sniff, the MP4 box walk, FFmpeg's demuxers and decoders, swscale, PDQ)
 * at native size and at 16x16, and through bw_vpdq_sniff. Limits are tight
 * (8 hashed frames, 65,536 pixels per frame, 4 MB of input) so that the
 * fuzzer explores parsers rather than long decodes (a 1080x1080 frame costs
 * ~60 ms of instrumented PDQ: 5 inputs/s); larger frames take the limit's
 * error path. The limits themselves are tested in tests/vpdq. The seed
 * corpus is fuzz/corpus/vpdq/: three frames of a benign sample video
 * remuxed into MP4, Matroska and MPEG-TS (1080x1080, now over the limit),
 * broken files, and 4-frame 48x48 (or smaller) gradients encoded with
 * libavcodec in every codec/container pair that ships (H.264, HEVC, MPEG-4,
 * MPEG-2, MJPEG, VP8, VP9, FLV1, FFV1, PNG; MP4, MOV, Matroska, WebM, TS,
 * AVI, FLV), a few KB each. fuzz/dict/vpdq.dict has the box and element
 * names. */
#include <stddef.h>
#include <stdint.h>
#include "bulwark/vpdq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bw_limits lim;
    static int ready;
    bw_vpdq v;

    if (!ready) {
        bw_limits_default(&lim);
        lim.max_video_frames = 8;
        lim.max_pixels = 1u << 16;
        lim.max_file_bytes = 4u << 20;
        ready = 1;
    }
    (void)bw_vpdq_sniff(data, size);
    for (int k = 0; k < 2; k++) {
        bw_vpdq_opts o = {0, k ? 16 : 0, &lim};
        (void)bw_vpdq_hash_memory(data, size, &o, &v, NULL);
        bw_vpdq_free(&v);
    }
    return 0;
}
