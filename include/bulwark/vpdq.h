/* bulwark/vpdq.h -- vPDQ, Meta's video hash: one PDQ per sampled frame,
 * computed as the reference (ThreatExchange vpdq/cpp) computes it.
 *
 * The video is decoded with FFmpeg; frame n (counting decoded frames from
 * 0) is hashed when n % max(1, (int)(seconds_per_hash * fps)) == 0, after
 * libswscale has converted it to RGB24 at the target size with SWS_AREA;
 * its PDQ is the image PDQ of that buffer (no 512x512 pre-resize) and its
 * timestamp is n / fps. docs/vpdq.md has the details and how the result was
 * checked against the reference's vectors.
 *
 * Input is untrusted: only the containers bw_vpdq_sniff() names are opened,
 * FFmpeg never opens another file or protocol, it never prints, and the
 * limits (max_video_frames, max_pixels, max_dimension, max_file_bytes)
 * bound the work and memory. */
#ifndef BULWARK_VPDQ_H
#define BULWARK_VPDQ_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "limits.h"
#include "pdq.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bw_vpdq_opts {
    double seconds_per_hash;   /* one hash per this many seconds; 0: every frame */
    uint32_t size;             /* frames scaled to size x size first; 0: native size */
    const bw_limits *limits;   /* NULL: defaults */
} bw_vpdq_opts;

/* One hashed frame: the reference's "frame,quality,pdq,timestamp" line. */
typedef struct bw_vpdq_frame {
    uint64_t frame;            /* decoded frame number, from 0 */
    double timestamp;          /* frame / fps, in seconds (the reference's float) */
    bw_pdq pdq;
    int quality;               /* 0..100 */
} bw_vpdq_frame;

typedef struct bw_vpdq {
    const char *format;        /* container, as bw_vpdq_sniff names it */
    uint32_t width, height;    /* the video stream's size */
    double fps;                /* the frame rate the sampling used */
    double duration;           /* seconds (container's, else frames / fps) */
    uint64_t decoded;          /* frames decoded */
    size_t count;              /* frames hashed */
    bw_vpdq_frame *frames;     /* count entries, in frame order */
} bw_vpdq;

/* The container the first bytes announce -- "mp4", "mov", "webm",
 * "matroska", "avi", "mpegts", "flv" -- or NULL when they are not a video
 * container we open. ISO-BMFF files whose brands say HEIF/AVIF (images)
 * are not videos. */
const char *bw_vpdq_sniff(const void *data, size_t len);

/* Hash the video in memory (no copy is made; data must stay valid during
 * the call). *out is zeroed first; release with bw_vpdq_free. Errors:
 * BW_ERR_EMPTY, BW_ERR_FORMAT (not a video container, no video stream),
 * BW_ERR_TRUNCATED, BW_ERR_CORRUPT, BW_ERR_UNSUPPORTED (no decoder),
 * BW_ERR_LIMIT (max_video_frames, max_pixels, max_dimension). */
bw_status bw_vpdq_hash_memory(const void *data, size_t len, const bw_vpdq_opts *opts,
                              bw_vpdq *out, bw_error *err);

/* The same from a file, read as it is decoded (not loaded whole). */
bw_status bw_vpdq_hash_file(const char *path, const bw_vpdq_opts *opts, bw_vpdq *out,
                            bw_error *err);

void bw_vpdq_free(bw_vpdq *v);

#ifdef __cplusplus
}
#endif
#endif
