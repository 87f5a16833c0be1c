/* sniff.c -- which archive format the first bytes of an input announce
 * (bulwark/archive.h). Magic numbers only; the name is never consulted. A
 * tar without the ustar magic (v7) is recognised by its header checksum. */
#include <string.h>
#include "core/internal.h"
#include "bulwark/archive.h"

static const char *const names[BW_ARCHIVE_FORMAT_COUNT] = {
    [BW_ARCHIVE_NONE] = "none", [BW_ARCHIVE_TAR] = "tar",   [BW_ARCHIVE_ZIP] = "zip",
    [BW_ARCHIVE_7Z] = "7z",     [BW_ARCHIVE_GZIP] = "gz",   [BW_ARCHIVE_BZIP2] = "bz2",
    [BW_ARCHIVE_XZ] = "xz",     [BW_ARCHIVE_ZSTD] = "zst",  [BW_ARCHIVE_LZ4] = "lz4",
};

const char *bw_archive_format_name(bw_archive_format format)
{
    if ((unsigned)format >= BW_ARCHIVE_FORMAT_COUNT)
        return "none";
    return names[format];
}

/* The octal number in a tar header field (spaces and NULs end it); -1 if
 * the field holds anything else. */
static long long tar_octal(const unsigned char *p, size_t n)
{
    long long v = 0;
    size_t i = 0;
    int digits = 0;
    while (i < n && p[i] == ' ')
        i++;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++, digits++)
        v = v * 8 + (p[i] - '0');
    for (; i < n; i++)
        if (p[i] != ' ' && p[i] != '\0')
            return -1;
    return digits ? v : -1;
}

/* A 512-byte block whose checksum field matches its bytes (the field
 * itself counted as spaces), and that is not all zeros. */
static int tar_checksum_ok(const unsigned char *b)
{
    long long want = tar_octal(b + 148, 8);
    long long sum = 0;
    if (want <= 0)
        return 0;
    for (size_t i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : b[i];
    return sum == want && b[0] != '\0';
}

bw_archive_format bw_archive_sniff(const void *data, size_t len)
{
    const unsigned char *b = data;
    if (!b)
        return BW_ARCHIVE_NONE;
    if (len >= 4 && b[0] == 'P' && b[1] == 'K' &&
        ((b[2] == 3 && b[3] == 4) || (b[2] == 5 && b[3] == 6) || (b[2] == 7 && b[3] == 8)))
        return BW_ARCHIVE_ZIP;
    if (len >= 6 && memcmp(b, "7z\xbc\xaf\x27\x1c", 6) == 0)
        return BW_ARCHIVE_7Z;
    if (len >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8)
        return BW_ARCHIVE_GZIP;
    if (len >= 4 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h' && b[3] >= '1' && b[3] <= '9')
        return BW_ARCHIVE_BZIP2;
    if (len >= 6 && memcmp(b, "\xfd" "7zXZ\0", 6) == 0)
        return BW_ARCHIVE_XZ;
    if (len >= 4 && memcmp(b, "\x28\xb5\x2f\xfd", 4) == 0)
        return BW_ARCHIVE_ZSTD;
    if (len >= 4 && memcmp(b, "\x04\x22\x4d\x18", 4) == 0)
        return BW_ARCHIVE_LZ4;
    if (len >= 512 && (memcmp(b + 257, "ustar", 5) == 0 || tar_checksum_ok(b)))
        return BW_ARCHIVE_TAR;
    return BW_ARCHIVE_NONE;
}
