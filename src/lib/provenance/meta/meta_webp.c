/* meta_webp.c -- generator metadata in a WebP: walks the RIFF chunk headers
 * and hands the "EXIF" chunk to meta_exif.c (with or without the
 * "Exif\0\0" prefix some writers add) and the "XMP " chunk to meta_xmp.c.
 * Image data chunks are skipped by length. */
#include <string.h>
#include "provenance/meta/meta_internal.h"

void bw__meta_webp(bw__meta *m, const uint8_t *d, size_t n)
{
    size_t pos = 12, end;
    if (n < 12 || memcmp(d, "RIFF", 4) != 0 || memcmp(d + 8, "WEBP", 4) != 0)
        return;
    /* the RIFF size bounds the walk when it is smaller than the file */
    end = (size_t)bw__le32(d + 4) + 8;
    if (end > n || end < 12)
        end = n;
    while (m->st == BW_OK && end - pos >= 8) {
        const uint8_t *s = d + pos + 8;
        size_t len = bw__le32(d + pos + 4);
        if (len > end - pos - 8)
            break;
        if (memcmp(d + pos, "EXIF", 4) == 0) {
            if (len >= 6 && memcmp(s, "Exif\0\0", 6) == 0)
                bw__meta_exif(m, s + 6, len - 6, "WebP EXIF");
            else
                bw__meta_exif(m, s, len, "WebP EXIF");
        } else if (memcmp(d + pos, "XMP ", 4) == 0) {
            bw__meta_xmp(m, s, len, "WebP XMP");
        }
        pos += 8 + len + (len & 1);
        if (pos > end)
            break;
    }
}
