/* meta_png.c -- generator metadata in a PNG: walks the chunk headers
 * (skipping pixel data by length, never inflating it) and reads
 *
 *   tEXt / zTXt / iTXt  the keywords generators use (parameters, prompt,
 *                       workflow, invokeai_metadata, Software, Comment, ...;
 *                       meta_gen.c says what they mean) and the XMP packet
 *                       (keyword XML:com.adobe.xmp, meta_xmp.c);
 *   eXIf                EXIF (meta_exif.c);
 *
 * then, for 8-bit images with an alpha channel, NovelAI's stealth metadata
 * (meta_stealth.c). Text chunks with a bad CRC are ignored; at most
 * max_text_chunks text chunks are examined, and only the first chunk of
 * each keyword we read is inflated (at most max_meta_bytes). */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "provenance/meta/meta_internal.h"

static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

/* A text chunk's keyword and text (zero-length text when absent). */
static void png_text_chunk(bw__meta *m, bw__meta_texts *t, const uint8_t type[4],
                           const uint8_t *d, size_t n)
{
    const uint8_t *nul = memchr(d, 0, n < 80 ? n : 80);
    const uint8_t *s;
    char keyword[80];
    size_t klen, rest;
    int key, xmp, compressed = 0;
    uint8_t *raw = NULL;
    size_t rawlen = 0;
    char *text = NULL;

    if (!nul || nul == d)
        return;
    klen = (size_t)(nul - d);
    memcpy(keyword, d, klen);
    keyword[klen] = 0;
    key = bw__meta_png_key(keyword);
    xmp = strcmp(keyword, "XML:com.adobe.xmp") == 0;
    if (key < 0 && !xmp)
        return;
    if (key >= 0 && t->v[key])
        return; /* the first one counts */
    s = nul + 1;
    rest = n - klen - 1;

    if (memcmp(type, "zTXt", 4) == 0) {
        if (rest < 1 || s[0] != 0)
            return;
        compressed = 1;
        s++, rest--;
    } else if (memcmp(type, "iTXt", 4) == 0) {
        const uint8_t *e;
        if (rest < 2 || (s[0] && s[1] != 0))
            return;
        compressed = s[0];
        s += 2, rest -= 2;
        for (int field = 0; field < 2; field++) { /* language tag, translated keyword */
            if (!(e = memchr(s, 0, rest)))
                return;
            rest -= (size_t)(e - s) + 1;
            s = e + 1;
        }
    }
    if (compressed) {
        if (!(raw = bw__meta_inflate(m, s, rest, 0, &rawlen)))
            return;
        s = raw;
        rest = rawlen;
    }
    if (xmp) {
        bw__meta_xmp(m, s, rest, "PNG iTXt XML:com.adobe.xmp");
    } else {
        /* tEXt and zTXt are Latin-1, iTXt is UTF-8 */
        text = bw__meta_utf8(m, memcmp(type, "iTXt", 4) == 0 ? "UTF-8" : "ISO-8859-1", s, rest);
        if (text)
            bw__meta_texts_set(t, (bw__meta_key)key, text);
    }
    free(raw);
}

void bw__meta_png(bw__meta *m, const uint8_t *d, size_t n)
{
    bw__meta_texts t;
    size_t pos = 8;
    int has_alpha = 0;

    memset(&t, 0, sizeof t);
    t.where = "PNG text";
    t.type = BW_SIGNAL_PNG_TEXT;
    if (n < 8 || memcmp(d, png_sig, 8) != 0)
        return;
    while (m->st == BW_OK && n - pos >= 12) {
        uint32_t len = bw__be32(d + pos);
        const uint8_t *type = d + pos + 4, *body = d + pos + 8;
        if (len > 0x7fffffffu || len > n - pos - 12)
            break; /* truncated or nonsense: stop reading */
        if (memcmp(type, "IHDR", 4) == 0 && len >= 13) {
            /* 8-bit greyscale+alpha (4) or RGBA (6) */
            has_alpha = body[8] == 8 && (body[9] == 4 || body[9] == 6);
        } else if (memcmp(type, "tEXt", 4) == 0 || memcmp(type, "zTXt", 4) == 0 ||
                   memcmp(type, "iTXt", 4) == 0) {
            if (++m->text_chunks > m->lim->max_text_chunks)
                break;
            if (crc32(crc32(0L, Z_NULL, 0), type, len + 4) == bw__be32(body + len))
                png_text_chunk(m, &t, type, body, len);
        } else if (memcmp(type, "eXIf", 4) == 0) {
            if (crc32(crc32(0L, Z_NULL, 0), type, len + 4) == bw__be32(body + len))
                bw__meta_exif(m, body, len, "PNG eXIf");
        } else if (memcmp(type, "IEND", 4) == 0) {
            break;
        }
        pos += (size_t)len + 12;
    }
    if (m->st == BW_OK)
        bw__meta_generators(m, &t);
    bw__meta_texts_free(&t);
    if (m->st == BW_OK && has_alpha)
        bw__meta_stealth(m, d, n);
}
