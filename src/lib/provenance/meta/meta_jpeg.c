/* meta_jpeg.c -- generator metadata in a JPEG: walks the marker segments up
 * to the first scan (SOS), reading only their headers, and hands on
 *
 *   APP1 "Exif\0\0"                         EXIF (meta_exif.c)
 *   APP1 "http://ns.adobe.com/xap/1.0/\0"   the XMP packet (meta_xmp.c)
 *   APP1 "http://ns.adobe.com/xmp/extension/\0"
 *        extended XMP: chunks of one GUID reassembled by their offsets
 *        into the declared full length (at most max_meta_bytes), parsed
 *        once complete
 *   APP13 "Photoshop 3.0\0"                 8BIM resources, IPTC IIM
 *                                            (meta_iptc.c)
 *
 * Entropy-coded data is never read: the walk stops at SOS. */
#include <stdlib.h>
#include <string.h>
#include "provenance/jpeg_segments.h"
#include "provenance/meta/meta_internal.h"
#include "core/internal.h"

static const char exif_id[] = "Exif\0";             /* + one more NUL */
static const char xmp_id[] = "http://ns.adobe.com/xap/1.0/";
static const char ext_id[] = "http://ns.adobe.com/xmp/extension/";
static const char ps_id[] = "Photoshop 3.0";

/* Extended XMP being reassembled. */
typedef struct ext_xmp {
    uint8_t guid[32];
    uint8_t *buf;
    uint32_t full;
    uint64_t got;        /* bytes copied (overlaps count twice: a hint only) */
    int state;           /* 0: none seen, 1: collecting, -1: given up */
} ext_xmp;

static void ext_chunk(bw__meta *m, ext_xmp *x, const uint8_t *s, size_t n)
{
    uint32_t full, off;
    if (n < 40 || x->state < 0)
        return;
    full = bw__be32(s + 32);
    off = bw__be32(s + 36);
    s += 40, n -= 40;
    if (x->state == 0) {
        if (full == 0 || full > m->lim->max_meta_bytes) {
            x->state = -1;
            return;
        }
        if (!(x->buf = bw__calloc(1, (size_t)full + 1))) {
            m->st = BW_ERR_NOMEM;
            return;
        }
        memcpy(x->guid, s - 40, 32);
        x->full = full;
        x->state = 1;
    }
    if (memcmp(x->guid, s - 40, 32) != 0 || full != x->full)
        return; /* another GUID: only the first is read */
    if (off > full || n > full - off)
        return;
    memcpy(x->buf + off, s, n);
    x->got += n;
}

void bw__meta_jpeg(bw__meta *m, const uint8_t *d, size_t n)
{
    ext_xmp x;
    bw__jpeg_iter it;
    bw__jpeg_seg sg;

    memset(&x, 0, sizeof x);
    if (!bw__jpeg_iter_init(&it, d, n))
        return;
    while (m->st == BW_OK && bw__jpeg_next(&it, &sg)) {
        const uint8_t *s = sg.data;
        size_t seglen = sg.len;
        if (sg.marker == 0xE1) {
            if (seglen >= 6 && memcmp(s, exif_id, 6) == 0)
                bw__meta_exif(m, s + 6, seglen - 6, "JPEG APP1 EXIF");
            else if (seglen >= sizeof xmp_id && memcmp(s, xmp_id, sizeof xmp_id) == 0)
                bw__meta_xmp(m, s + sizeof xmp_id, seglen - sizeof xmp_id, "JPEG APP1 XMP");
            else if (seglen >= sizeof ext_id && memcmp(s, ext_id, sizeof ext_id) == 0)
                ext_chunk(m, &x, s + sizeof ext_id, seglen - sizeof ext_id);
        } else if (sg.marker == 0xED) {
            if (seglen >= sizeof ps_id && memcmp(s, ps_id, sizeof ps_id) == 0)
                bw__meta_iptc_irb(m, s + sizeof ps_id, seglen - sizeof ps_id, "JPEG APP13");
        }
    }
    if (m->st == BW_OK && x.state == 1 && x.got >= x.full)
        bw__meta_xmp(m, x.buf, x.full, "JPEG APP1 extended XMP");
    free(x.buf);
}
