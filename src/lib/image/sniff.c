/* sniff.c -- which image format the first bytes announce. The file name is
 * never consulted. */
#include <string.h>
#include "core/internal.h"
#include "bulwark/image.h"

static const char *const names[BW_FORMAT_COUNT] = {
    [BW_FORMAT_UNKNOWN] = "unknown", [BW_FORMAT_JPEG] = "jpeg", [BW_FORMAT_PNG] = "png",
    [BW_FORMAT_WEBP] = "webp",       [BW_FORMAT_GIF] = "gif",   [BW_FORMAT_BMP] = "bmp",
    [BW_FORMAT_TIFF] = "tiff",       [BW_FORMAT_HEIF] = "heif", [BW_FORMAT_AVIF] = "avif",
};

const char *bw_format_name(bw_format format)
{
    if ((unsigned)format >= BW_FORMAT_COUNT)
        return "unknown";
    return names[format];
}

/* ISO-BMFF 'ftyp' brands: AVIF or one of the HEIF family. */
static bw_format sniff_ftyp(const unsigned char *b, size_t len)
{
    size_t box = (size_t)b[0] << 24 | (size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3];
    if (box < 16 || box > len)
        box = len < 64 ? len : 64;
    for (size_t off = 8; off + 4 <= box; off += 4) {
        const unsigned char *brand = b + off;
        if (off == 12)
            continue; /* minor version, not a brand */
        if (!memcmp(brand, "avif", 4) || !memcmp(brand, "avis", 4))
            return BW_FORMAT_AVIF;
    }
    for (size_t off = 8; off + 4 <= box; off += 4) {
        static const char *const heif[] = {"heic", "heix", "hevc", "hevx", "heim", "heis",
                                           "mif1", "msf1", "mif2"};
        if (off == 12)
            continue;
        for (size_t i = 0; i < sizeof heif / sizeof heif[0]; i++)
            if (!memcmp(b + off, heif[i], 4))
                return BW_FORMAT_HEIF;
    }
    return BW_FORMAT_UNKNOWN;
}

bw_format bw_format_sniff(const void *data, size_t len)
{
    const unsigned char *b = data;
    if (len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return BW_FORMAT_JPEG;
    if (len >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8))
        return BW_FORMAT_PNG;
    if (len >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4))
        return BW_FORMAT_WEBP;
    if (len >= 6 && (!memcmp(b, "GIF87a", 6) || !memcmp(b, "GIF89a", 6)))
        return BW_FORMAT_GIF;
    if (len >= 14 && b[0] == 'B' && b[1] == 'M')
        return BW_FORMAT_BMP;
    if (len >= 4 && (!memcmp(b, "II*\0", 4) || !memcmp(b, "MM\0*", 4) ||
                     !memcmp(b, "II+\0", 4) || !memcmp(b, "MM\0+", 4)))
        return BW_FORMAT_TIFF;
    if (len >= 12 && !memcmp(b + 4, "ftyp", 4))
        return sniff_ftyp(b, len);
    return BW_FORMAT_UNKNOWN;
}
