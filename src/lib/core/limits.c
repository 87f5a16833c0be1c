/* limits.c -- the defaults of every input limit (bulwark/limits.h). */
#include "core/internal.h"
#include "bulwark/version.h"

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
};

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
