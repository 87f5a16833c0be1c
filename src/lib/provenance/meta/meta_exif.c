/* meta_exif.c -- generator metadata in EXIF (a TIFF structure, from JPEG
 * APP1, PNG eXIf, WebP EXIF, or a TIFF file itself). Reads IFD0 and the Exif IFD for
 *
 *   0x0131 Software          a generator's name (Fooocus "Fooocus v2...")
 *   0x010E ImageDescription  a prompt, for some generators
 *   0x9286 UserComment       generation parameters (A1111/Forge JPEG and
 *                            WebP, Fooocus), with the 8-byte character-code
 *                            prefix of the EXIF standard ("ASCII\0\0\0",
 *                            "UNICODE\0", "JIS\0\0\0\0\0", undefined) or,
 *                            as Pillow writes it, none
 *   0x927C MakerNote         Fooocus's metadata scheme name
 *   700    XMLPacket         XMP (TIFF files), to meta_xmp.c
 *
 * Tags are looked up in both IFDs because Pillow writes whatever it is
 * given into IFD0. Every offset and count is checked against the payload;
 * the Exif IFD pointer is followed once. meta_gen.c interprets the texts. */
#include <string.h>
#include "provenance/meta/meta_internal.h"

typedef struct tiff {
    const uint8_t *d;
    size_t n;
    int le;
} tiff;

static uint16_t rd16(const tiff *t, size_t off)
{
    const uint8_t *p = t->d + off;
    return t->le ? (uint16_t)(p[0] | p[1] << 8) : bw__be16(p);
}

static uint32_t rd32(const tiff *t, size_t off)
{
    return t->le ? bw__le32(t->d + off) : bw__be32(t->d + off);
}

/* Bytes of a TIFF field type, 0 for unknown types. */
static size_t type_size(uint16_t type)
{
    static const uint8_t sizes[13] = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8};
    return type < 13 ? sizes[type] : 0;
}

/* The value of IFD entry e (offset of the 12-byte entry): its bytes. */
static const uint8_t *entry_value(const tiff *t, size_t e, size_t *len)
{
    uint16_t type = rd16(t, e + 2);
    uint32_t count = rd32(t, e + 4);
    size_t sz = type_size(type), off;
    if (!sz || count > t->n / sz)
        return NULL;
    *len = sz * count;
    if (*len <= 4)
        return t->d + e + 8;
    off = rd32(t, e + 8);
    if (off > t->n || *len > t->n - off)
        return NULL;
    return t->d + off;
}

/* An ASCII field without its trailing NULs / spaces, as UTF-8. */
static char *ascii_text(bw__meta *m, const uint8_t *v, size_t len)
{
    while (len && (v[len - 1] == 0 || v[len - 1] == ' '))
        len--;
    if (!len)
        return NULL;
    return bw__meta_utf8(m, "UTF-8", v, len);
}

/* UserComment: the character code names the encoding. */
static char *user_comment(bw__meta *m, const uint8_t *v, size_t len)
{
    if (len >= 8 && memcmp(v, "UNICODE\0", 8) == 0) {
        /* UTF-16 in the writer's byte order, which the prefix does not
         * give: piexif (A1111) writes big-endian, Windows little-endian.
         * For text that is mostly ASCII the zero bytes tell. */
        size_t even = 0, odd = 0;
        v += 8, len -= 8;
        len &= ~(size_t)1;
        for (size_t i = 0; i < len && i < 512; i++)
            if (!v[i])
                *(i & 1 ? &odd : &even) += 1;
        return len ? bw__meta_utf8(m, odd > even ? "UTF-16LE" : "UTF-16BE", v, len) : NULL;
    }
    if (len >= 8 && memcmp(v, "JIS\0\0\0\0\0", 8) == 0)
        return len > 8 ? bw__meta_utf8(m, "Shift_JIS", v + 8, len - 8) : NULL;
    if (len >= 8 && (memcmp(v, "ASCII\0\0\0", 8) == 0 || memcmp(v, "\0\0\0\0\0\0\0\0", 8) == 0))
        return ascii_text(m, v + 8, len - 8);
    return ascii_text(m, v, len);
}

/* Read the tags of one IFD into t; returns the Exif IFD offset seen, or 0. */
static uint32_t read_ifd(bw__meta *m, const tiff *t, uint32_t ifd, bw__meta_texts *out)
{
    uint16_t count;
    uint32_t exif_ifd = 0;
    if (ifd < 8 || ifd > t->n || t->n - ifd < 2)
        return 0;
    count = rd16(t, ifd);
    if ((size_t)count * 12 > t->n - ifd - 2)
        count = (uint16_t)((t->n - ifd - 2) / 12);
    for (uint16_t i = 0; i < count && m->st == BW_OK; i++) {
        size_t e = ifd + 2 + (size_t)i * 12, len = 0;
        uint16_t tag = rd16(t, e);
        const uint8_t *v;
        if (tag == 0x8769) {
            if (rd16(t, e + 2) == 4 || rd16(t, e + 2) == 13)
                exif_ifd = rd32(t, e + 8);
            continue;
        }
        if (tag != 0x0131 && tag != 0x010E && tag != 0x9286 && tag != 0x927C && tag != 700)
            continue;
        if (!(v = entry_value(t, e, &len)))
            continue;
        switch (tag) {
        case 700: /* XMLPacket: XMP in a TIFF */
            bw__meta_xmp(m, v, len, out->where);
            break;
        case 0x0131:
            bw__meta_texts_set(out, BW__K_SOFTWARE, ascii_text(m, v, len));
            break;
        case 0x010E:
            bw__meta_texts_set(out, BW__K_DESCRIPTION, ascii_text(m, v, len));
            break;
        case 0x9286:
            bw__meta_texts_set(out, BW__K_PARAMETERS, user_comment(m, v, len));
            break;
        case 0x927C:
            /* only a short plain name (Fooocus's scheme), not a vendor blob */
            if (len < 16 && memchr(v, 0, len) == NULL)
                bw__meta_texts_set(out, BW__K_SCHEME, ascii_text(m, v, len));
            break;
        }
    }
    return exif_ifd;
}

void bw__meta_exif(bw__meta *m, const uint8_t *d, size_t n, const char *where)
{
    bw__meta_texts out;
    tiff t = {d, n, 0};
    uint32_t ifd0, exif_ifd;

    if (n < 8)
        return;
    if (memcmp(d, "II*\0", 4) == 0)
        t.le = 1;
    else if (memcmp(d, "MM\0*", 4) != 0)
        return;
    memset(&out, 0, sizeof out);
    out.where = where;
    out.type = BW_SIGNAL_EXIF;
    ifd0 = rd32(&t, 4);
    exif_ifd = read_ifd(m, &t, ifd0, &out);
    if (exif_ifd && exif_ifd != ifd0 && m->st == BW_OK)
        read_ifd(m, &t, exif_ifd, &out);
    if (m->st == BW_OK)
        bw__meta_generators(m, &out);
    bw__meta_texts_free(&out);
}
