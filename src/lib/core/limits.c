/* limits.c -- the defaults of every input limit (bulwark/limits.h), and
 * setting one by name (the command line's --limit NAME=VALUE); the
 * defaults of the PDQ match thresholds. */
#include <stddef.h>
#include <string.h>
#include "core/internal.h"
#include "bulwark/pdq.h"
#include "bulwark/version.h"

void bw__pdq_thresholds(int *max_distance, int *min_quality)
{
    if (*max_distance < 0)
        *max_distance = BW_PDQ_DEFAULT_MAX_DISTANCE;
    if (*max_distance > 256)
        *max_distance = 256;
    if (*min_quality < 0)
        *min_quality = BW_PDQ_DEFAULT_MIN_QUALITY;
}

static const bw_limits defaults = {
    .max_pixels = BW_DEFAULT_MAX_PIXELS,
    .max_dimension = BW_DEFAULT_MAX_DIMENSION,
    .max_file_bytes = BW_DEFAULT_MAX_FILE_BYTES,
    .max_decode_bytes = BW_DEFAULT_MAX_DECODE_BYTES,
    .archive_max_depth = BW_DEFAULT_ARCHIVE_MAX_DEPTH,
    .archive_max_members = BW_DEFAULT_ARCHIVE_MAX_MEMBERS,
    .archive_max_bytes = BW_DEFAULT_ARCHIVE_MAX_BYTES,
    .archive_max_ratio = BW_DEFAULT_ARCHIVE_MAX_RATIO,
    .max_line_bytes = BW_DEFAULT_MAX_LINE_BYTES,
    .max_json_depth = BW_DEFAULT_MAX_JSON_DEPTH,
    .max_cbor_depth = BW_DEFAULT_MAX_CBOR_DEPTH,
    .max_box_bytes = BW_DEFAULT_MAX_BOX_BYTES,
    .max_text_chunks = BW_DEFAULT_MAX_TEXT_CHUNKS,
    .max_jpeg_scans = BW_DEFAULT_MAX_JPEG_SCANS,
    .max_meta_bytes = BW_DEFAULT_MAX_META_BYTES,
    .max_jumbf_depth = BW_DEFAULT_MAX_JUMBF_DEPTH,
    .max_video_frames = BW_DEFAULT_MAX_VIDEO_FRAMES,
    .max_memory_bytes = BW_DEFAULT_MAX_MEMORY_BYTES,
    .max_decode_seconds = BW_DEFAULT_MAX_DECODE_SECONDS,
    .max_stream_bytes = BW_DEFAULT_MAX_STREAM_BYTES,
};

/* Every field by name: its offset and width (4 or 8 bytes). */
#define LIMIT(f) {#f, offsetof(bw_limits, f), sizeof(((bw_limits *)0)->f)}
static const struct {
    const char *name;
    size_t offset, size;
} fields[] = {
    LIMIT(max_pixels),        LIMIT(max_dimension),       LIMIT(max_file_bytes),
    LIMIT(max_decode_bytes),  LIMIT(archive_max_depth),   LIMIT(archive_max_members),
    LIMIT(archive_max_bytes), LIMIT(archive_max_ratio),   LIMIT(max_line_bytes),
    LIMIT(max_json_depth),    LIMIT(max_cbor_depth),      LIMIT(max_box_bytes),
    LIMIT(max_text_chunks),   LIMIT(max_jpeg_scans),      LIMIT(max_meta_bytes),
    LIMIT(max_jumbf_depth),   LIMIT(max_video_frames),    LIMIT(max_memory_bytes),
    LIMIT(max_decode_seconds), LIMIT(max_stream_bytes),
};
#define NFIELDS (sizeof fields / sizeof fields[0])

bw_status bw_limits_set(bw_limits *limits, const char *name, uint64_t value)
{
    for (size_t i = 0; i < NFIELDS; i++) {
        char *p;
        if (strcmp(fields[i].name, name) != 0)
            continue;
        if (value == 0)
            return BW_ERR_ARG;
        p = (char *)limits + fields[i].offset;
        if (fields[i].size == sizeof(uint32_t)) {
            uint32_t v32 = (uint32_t)value;
            if (value > UINT32_MAX)
                return BW_ERR_ARG;
            memcpy(p, &v32, sizeof v32);
        } else {
            memcpy(p, &value, sizeof value);
        }
        return BW_OK;
    }
    return BW_ERR_NOT_FOUND;
}

const char *bw_limits_get(const bw_limits *limits, size_t i, uint64_t *value)
{
    const char *p;
    if (i >= NFIELDS)
        return NULL;
    p = (const char *)limits + fields[i].offset;
    if (fields[i].size == sizeof(uint32_t)) {
        uint32_t v32;
        memcpy(&v32, p, sizeof v32);
        *value = v32;
    } else {
        memcpy(value, p, sizeof *value);
    }
    return fields[i].name;
}

void bw_limits_default(bw_limits *limits)
{
    *limits = defaults;
}

const bw_limits *bw_limits_defaults(void)
{
    return &defaults;
}

const char *bw_version(void)
{
    return BW_VERSION_STRING;
}
