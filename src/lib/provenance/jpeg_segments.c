/* jpeg_segments.c -- walk a JPEG's marker segments up to the image data
 * (jpeg_segments.h). Never reads past n; every length is checked. */
#include "provenance/jpeg_segments.h"

int bw__jpeg_iter_init(bw__jpeg_iter *it, const uint8_t *d, size_t n)
{
    it->d = d;
    it->n = n;
    it->pos = 2;
    it->damage = 0;
    return n >= 4 && d[0] == 0xFF && d[1] == 0xD8;
}

int bw__jpeg_next(bw__jpeg_iter *it, bw__jpeg_seg *seg)
{
    const uint8_t *d = it->d;
    while (it->pos + 4 <= it->n) {
        size_t pos = it->pos, seglen;
        uint8_t m;
        if (d[pos] != 0xFF) {
            it->damage = "JPEG marker expected";
            return 0;
        }
        m = d[pos + 1];
        if (m == 0xFF) { /* fill byte */
            it->pos++;
            continue;
        }
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { /* no payload */
            it->pos += 2;
            continue;
        }
        if (m == 0xD9 || m == 0xDA) /* EOI, SOS: the metadata is over */
            return 0;
        seglen = (size_t)d[pos + 2] << 8 | d[pos + 3];
        if (seglen < 2 || seglen > it->n - pos - 2) {
            it->damage = "truncated JPEG segment";
            return 0;
        }
        seg->marker = m;
        seg->data = d + pos + 4;
        seg->len = seglen - 2;
        seg->offset = pos;
        it->pos = pos + 2 + seglen;
        return 1;
    }
    return 0;
}
