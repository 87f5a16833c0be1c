/* sniff.c -- which video container the first bytes announce
 * (bw_vpdq_sniff), the FFmpeg demuxer that may read it, and a walk of an
 * MP4/MOV file's top-level boxes that tells a truncated file from a
 * corrupt one before FFmpeg sees it (FFmpeg only says "moov not found"). */
#include <string.h>
#include "core/bytes.h"
#include "core/internal.h"
#include "bulwark/image.h"
#include "bulwark/vpdq.h"
#include "vpdq/vpdq_internal.h"

const char *bw_vpdq_sniff(const void *data, size_t len)
{
    const unsigned char *b = data;
    if (len >= 12 && !memcmp(b + 4, "ftyp", 4)) {
        /* HEIF and AVIF images are ISO-BMFF too: their brands say so */
        if (bw_format_sniff(data, len) != BW_FORMAT_UNKNOWN)
            return NULL;
        return !memcmp(b + 8, "qt  ", 4) ? "mov" : "mp4";
    }
    if (len >= 4 && b[0] == 0x1A && b[1] == 0x45 && b[2] == 0xDF && b[3] == 0xA3) {
        /* the DocType element (0x4282) comes early in the EBML header */
        size_t n = len < 64 ? len : 64;
        for (size_t i = 4; i + 7 <= n; i++)
            if (b[i] == 0x42 && b[i + 1] == 0x82 && !memcmp(b + i + 3, "webm", 4))
                return "webm";
        return "matroska";
    }
    if (len >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "AVI ", 4))
        return "avi";
    if (len > 188 && b[0] == 0x47 && b[188] == 0x47)
        return "mpegts";
    if (len >= 9 && !memcmp(b, "FLV", 3) && b[3] == 1)
        return "flv";
    return NULL;
}

const char *bw__vpdq_demuxer(const char *container)
{
    if (!strcmp(container, "mp4") || !strcmp(container, "mov"))
        return "mov";
    if (!strcmp(container, "webm") || !strcmp(container, "matroska"))
        return "matroska";
    return container; /* avi, mpegts, flv: FFmpeg's own names */
}

bw_status bw__vpdq_check_boxes(bw__vpdq_read_at_fn read_at, void *ctx, uint64_t size,
                               const char *container, bw_error *err)
{
    uint64_t off = 0;
    unsigned boxes = 0;
    while (off < size) {
        unsigned char h[16];
        uint64_t box, hdr = 8;
        char type[5];
        if (size - off < 8)
            return bw__fail(err, BW_ERR_TRUNCATED, "truncated %s: %llu stray bytes at the end",
                            container, (unsigned long long)(size - off));
        if (read_at(ctx, off, h, size - off >= 16 ? 16 : 8) != 0)
            return bw__fail(err, BW_ERR_IO, "cannot read the %s", container);
        box = bw__be32(h);
        memcpy(type, h + 4, 4);
        for (int i = 0; i < 4; i++)
            if (type[i] < 0x20 || type[i] > 0x7e)
                type[i] = '?';
        type[4] = '\0';
        if (box == 1) {
            if (size - off < 16)
                return bw__fail(err, BW_ERR_TRUNCATED, "truncated %s: box '%s' header",
                                container, type);
            box = bw__be64(h + 8);
            hdr = 16;
        } else if (box == 0) {
            box = size - off; /* to the end of the file */
        }
        if (box < hdr)
            return bw__fail(err, BW_ERR_CORRUPT, "corrupt %s: box '%s' at offset %llu has size %llu",
                            container, type, (unsigned long long)off, (unsigned long long)box);
        if (box > size - off)
            return bw__fail(err, BW_ERR_TRUNCATED,
                            "truncated %s: box '%s' at offset %llu needs %llu bytes, %llu left",
                            container, type, (unsigned long long)off, (unsigned long long)box,
                            (unsigned long long)(size - off));
        off += box;
        if (++boxes > 100000)
            return bw__fail(err, BW_ERR_CORRUPT, "corrupt %s: too many top-level boxes", container);
    }
    return BW_OK;
}
