/* bulwark/limits.h -- every limit libbulwark applies to untrusted input.
 *
 * In the manner of sqlite3_limit: each limit has a compile-time default
 * (the BW_DEFAULT_* macros), a run-time value in struct bw_limits, and a
 * command-line option that sets it (named beside each field). docs/limits.md
 * lists them all; every limit has a test that hits it.
 *
 * Callers fill a bw_limits with bw_limits_default() and change what they
 * need; functions that take a `const bw_limits *` accept NULL for the
 * defaults. */
#ifndef BULWARK_LIMITS_H
#define BULWARK_LIMITS_H

#include <stdint.h>
#include <stddef.h>
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BW_DEFAULT_MAX_PIXELS          (128ull * 1000 * 1000)   /* --max-pixels */
#define BW_DEFAULT_MAX_DIMENSION       65535u                    /* (fixed by formats) */
#define BW_DEFAULT_MAX_FILE_BYTES      (1ull << 30)              /* --max-file-size: 1 GiB */
#define BW_DEFAULT_MAX_DECODE_BYTES    (2ull << 30)              /* decoder working memory */
#define BW_DEFAULT_ARCHIVE_MAX_DEPTH   4u                        /* --max-depth */
#define BW_DEFAULT_ARCHIVE_MAX_MEMBERS 1000000ull                /* --max-members */
#define BW_DEFAULT_ARCHIVE_MAX_BYTES   (64ull << 30)             /* --max-archive-bytes */
#define BW_DEFAULT_ARCHIVE_MAX_RATIO   200u                      /* --max-ratio */
#define BW_DEFAULT_MAX_LINE_BYTES      (1u << 20)                /* --max-line: list and prompt lines */
#define BW_DEFAULT_MAX_JSON_DEPTH      64u                       /* --max-json-depth */
#define BW_DEFAULT_MAX_CBOR_DEPTH      64u                       /* (provenance) */
#define BW_DEFAULT_MAX_BOX_BYTES       (256ull << 20)            /* JUMBF/BMFF box payload */
#define BW_DEFAULT_MAX_TEXT_CHUNKS     1024u                     /* PNG text chunks examined */
#define BW_DEFAULT_MAX_JPEG_SCANS      500u                      /* (image) scans of one progressive JPEG */
#define BW_DEFAULT_MAX_META_BYTES      (4u << 20)                /* one metadata text, inflated (provenance) */
#define BW_DEFAULT_MAX_JUMBF_DEPTH     16u                       /* (provenance) JUMBF superbox nesting */
#define BW_DEFAULT_MAX_VIDEO_FRAMES    1000000ull                /* (vpdq) frames hashed in one video */
#define BW_DEFAULT_MAX_MEMORY_BYTES    (4ull << 30)              /* (image) decoding memory of the whole process */
#define BW_DEFAULT_MAX_DECODE_SECONDS  10u                       /* (image) CPU seconds decoding one image */
#define BW_DEFAULT_MAX_STREAM_BYTES    (64ull << 30)             /* bytes of one input digested without holding it */

typedef struct bw_limits {
    uint64_t max_pixels;          /* width*height of any decoded image */
    uint32_t max_dimension;       /* width or height */
    uint64_t max_file_bytes;      /* a file read into memory (stdin, members) */
    uint64_t max_decode_bytes;    /* memory a decoder may ask for (libheif, libtiff) */
    uint32_t archive_max_depth;   /* archives inside archives */
    uint64_t archive_max_members; /* members in one archive, nested ones included */
    uint64_t archive_max_bytes;   /* total uncompressed bytes of one archive */
    uint32_t archive_max_ratio;   /* uncompressed:compressed ratio of one archive */
    uint32_t max_line_bytes;      /* one line of a list file or of stdin prompts */
    uint32_t max_json_depth;      /* nesting of JSON documents */
    uint32_t max_cbor_depth;      /* nesting of CBOR items */
    uint64_t max_box_bytes;       /* one JUMBF / ISO-BMFF box */
    uint32_t max_text_chunks;     /* PNG tEXt/iTXt/zTXt chunks examined */
    uint32_t max_jpeg_scans;      /* scans in one progressive JPEG (as TurboJPEG's TJFLAG_LIMITSCANS) */
    uint32_t max_meta_bytes;      /* one PNG text / XMP packet / EXIF comment, inflated */
    uint32_t max_jumbf_depth;     /* nesting of JUMBF superboxes (C2PA) */
    uint64_t max_video_frames;    /* frames hashed in one video (vPDQ) */
    uint64_t max_memory_bytes;    /* the budget every thread's decodes share: images, decoder
                                   * buffers and PDQ's copy of them, held at once */
    uint32_t max_decode_seconds;  /* CPU time one image's decode may take (JPEG, PNG) */
    uint64_t max_stream_bytes;    /* an input too large to hold (over max_file_bytes) is still
                                   * read to its end for its digests, up to this many bytes */
} bw_limits;

/* Fill *limits with the compile-time defaults above. */
void bw_limits_default(bw_limits *limits);

/* The defaults, for functions handed a NULL limits pointer. */
const bw_limits *bw_limits_defaults(void);

/* Set a limit by its field name ("max_pixels", "archive_max_ratio", ...),
 * as sqlite3_limit does by code: the command line's `--limit NAME=VALUE`.
 * BW_ERR_NOT_FOUND for an unknown name, BW_ERR_ARG for 0 or a value too
 * large for the field. */
bw_status bw_limits_set(bw_limits *limits, const char *name, uint64_t value);

/* The i-th limit's name and current value (for listing them all);
 * returns NULL past the last. */
const char *bw_limits_get(const bw_limits *limits, size_t i, uint64_t *value);

#ifdef __cplusplus
}
#endif
#endif
