/* meta_iptc.c -- IPTC IIM in Photoshop image resources (JPEG APP13
 * "Photoshop 3.0"): walks the 8BIM resource blocks (signature, id,
 * even-padded Pascal name, size, even-padded data) to resource 0x0404,
 * then its IIM datasets (0x1C, record, dataset, 16-bit size), and reports
 * 2:65 Originating Program when it names a known generator. (IIM has no
 * digital-source-type dataset: that field lives in XMP, meta_xmp.c.)
 * Extended-length datasets end the walk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "provenance/meta/meta_internal.h"

static void iim(bw__meta *m, const uint8_t *d, size_t n, const char *where)
{
    size_t pos = 0;
    while (m->st == BW_OK && n - pos >= 5 && d[pos] == 0x1C) {
        uint8_t rec = d[pos + 1], set = d[pos + 2];
        size_t len = bw__be16(d + pos + 3);
        if (len & 0x8000 || len > n - pos - 5)
            return;
        if (rec == 2 && set == 65 && len > 0) {
            char *v = bw__meta_utf8(m, "UTF-8", d + pos + 5, len);
            int ai = 0;
            const char *gen = v ? bw__meta_known_generator(v, &ai) : NULL;
            if (gen) {
                char detail[256];
                snprintf(detail, sizeof detail, "IPTC IIM 2:65 Originating Program = \"%.120s\" (%s)",
                         v, where);
                bw__meta_signal(m, BW_SIGNAL_IPTC, gen, detail, ai, NULL);
            }
            free(v);
        }
        pos += 5 + len;
    }
}

void bw__meta_iptc_irb(bw__meta *m, const uint8_t *d, size_t n, const char *where)
{
    size_t pos = 0;
    while (m->st == BW_OK && n - pos >= 12 && memcmp(d + pos, "8BIM", 4) == 0) {
        uint16_t id = bw__be16(d + pos + 4);
        size_t name = 1 + (size_t)d[pos + 6], len;
        name += name & 1;
        if (n - pos - 6 < name + 4)
            return;
        len = bw__be32(d + pos + 6 + name);
        pos += 6 + name + 4;
        if (len > n - pos)
            return;
        if (id == 0x0404)
            iim(m, d + pos, len, where);
        pos += len + (len & 1);
        if (pos > n)
            return;
    }
}
