/* fuzz_archive.c -- libFuzzer target for the archive walker: any bytes as
 * an archive (zip, tar, 7z, compressed tar, archives nested inside), and
 * the search for an archive hidden inside other bytes (after an image, a zip
 * by its end record; embedded.c), with the limits lowered so that one input
 * stays fast. Members are sniffed and
 * freed; the walker must never crash, leak or loop. */
#include <stdint.h>
#include <stdlib.h>
#include "bulwark/archive.h"

static int on_member(void *ctx, const char *path, uint32_t depth, void *data, size_t len)
{
    (void)ctx;
    (void)path;
    (void)depth;
    (void)bw_archive_sniff(data, len);
    free(data);
    return 0;
}

static int on_problem(void *ctx, const char *path, const bw_error *err)
{
    (void)ctx;
    (void)path;
    (void)bw_error_message(err);
    return 0;
}

static int on_too_large(void *ctx, const char *path, uint32_t depth, uint64_t size,
                        const bw_digests *d, const bw_error *err)
{
    (void)ctx;
    (void)path;
    (void)depth;
    (void)size;
    (void)d;
    (void)bw_error_message(err);
    return 0;
}

static int on_nested(void *ctx, const char *path, const char *format, uint64_t members)
{
    (void)ctx;
    (void)path;
    (void)format;
    (void)members;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bw_archive_cb cb = {NULL, on_member, on_problem, on_nested, on_too_large};
    bw_limits lim;
    bw_archive_walk_info info;
    bw_error err;
    bw_limits_default(&lim);
    lim.max_file_bytes = 4u << 20;
    lim.archive_max_bytes = 64u << 20;
    lim.archive_max_members = 10000;
    uint64_t off;
    lim.max_file_bytes = 64u << 10;
    if (bw_archive_find_embedded_memory(data, size, &off) != BW_ARCHIVE_NONE && off < size)
        (void)bw_archive_walk_memory(data + off, size - (size_t)off, "fuzz", &lim, &cb, NULL,
                                     &info, &err);
    lim.max_file_bytes = 4u << 20;
    (void)bw_archive_walk_memory(data, size, "fuzz", &lim, &cb, NULL, &info, &err);
    return 0;
}
