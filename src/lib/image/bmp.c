/* bmp.c -- a small, careful BMP reader, written here because none of the
 * libraries bulwark links reads BMP (libtiff, libheif, libspng, libwebp,
 * giflib and libjpeg do not; FFmpeg's would mean a codec context per still
 * image).
 *
 * Handles what Windows and OS/2 write: the 12-byte core header and the
 * 40/52/56/108/124-byte info headers (and the 16/64-byte OS/2 2.x one, as
 * far as it matches); 1, 4 and 8-bit palettes, 16 and 32-bit with default
 * or BI_BITFIELDS masks, 24-bit; BI_RGB, RLE8 and RLE4; bottom-up and
 * top-down rows. Alpha is dropped. Embedded JPEG/PNG and OS/2 Huffman or
 * RLE24 are refused as unsupported.
 *
 * Every read is bounds-checked against the buffer: a short file is
 * "truncated BMP", a header that does not add up is "corrupt BMP: ...".
 * Palette indices past the palette get entry 0 (as ImageMagick does); RLE
 * pixels a file never sets stay at index 0. */
#include <stdlib.h>
#include <string.h>
#include "core/bytes.h"
#include "image/image_internal.h"
#include "core/internal.h"

enum { BI_RGB = 0, BI_RLE8 = 1, BI_RLE4 = 2, BI_BITFIELDS = 3, BI_JPEG = 4, BI_PNG = 5,
       BI_ALPHABITFIELDS = 6 };

typedef struct bmp {
    const uint8_t *d;
    size_t len;
    uint32_t off_bits, hdr_size;
    int32_t width, height;         /* height < 0: top-down */
    uint32_t w, h;
    int top_down;
    unsigned bpp, compression;
    uint32_t mask[3];              /* R, G, B */
    uint8_t pal[256][3];           /* R, G, B */
    unsigned pal_count;
} bmp;

/* ---------------- Header ---------------- */

static bw_status parse_header(bmp *b, const uint8_t *d, size_t len, bw_error *err)
{
    size_t pal_off, pal_entry, pal_room;
    uint32_t used = 0;

    memset(b, 0, sizeof *b);
    b->d = d;
    b->len = len;
    if (len < 14 + 4)
        return bw__fail(err, BW_ERR_TRUNCATED, "truncated BMP");
    b->off_bits = bw__le32(d + 10);
    b->hdr_size = bw__le32(d + 14);
    if (b->hdr_size < 12 || b->hdr_size > 4096)
        return bw__fail(err, BW_ERR_CORRUPT, "corrupt BMP: header size %u", b->hdr_size);
    if (len < 14 + (size_t)b->hdr_size)
        return bw__fail(err, BW_ERR_TRUNCATED, "truncated BMP");
    if (b->hdr_size == 12) {
        b->width = (int32_t)bw__le16(d + 18);
        b->height = (int32_t)bw__le16(d + 20);
        b->bpp = bw__le16(d + 24);
        b->compression = BI_RGB;
        pal_entry = 3;
    } else {
        if (b->hdr_size < 16)
            return bw__fail(err, BW_ERR_CORRUPT, "corrupt BMP: header size %u", b->hdr_size);
        b->width = (int32_t)bw__le32(d + 18);
        b->height = (int32_t)bw__le32(d + 22);
        b->bpp = bw__le16(d + 28);
        b->compression = b->hdr_size >= 20 ? bw__le32(d + 30) : BI_RGB;
        if (b->hdr_size >= 36)
            used = bw__le32(d + 46);
        pal_entry = 4;
        if ((b->hdr_size == 16 || b->hdr_size == 64) && b->compression >= BI_BITFIELDS)
            return bw__fail(err, BW_ERR_UNSUPPORTED, "unsupported BMP: OS/2 compression %u",
                            b->compression);
    }
    if (b->width <= 0 || b->height == 0 || b->height == INT32_MIN)
        return bw__fail(err, BW_ERR_CORRUPT, "corrupt BMP: image size %dx%d", b->width,
                        b->height);
    b->top_down = b->height < 0;
    b->w = (uint32_t)b->width;
    b->h = b->top_down ? (uint32_t)-b->height : (uint32_t)b->height;

    switch (b->compression) {
    case BI_RGB:
        if (b->bpp != 1 && b->bpp != 4 && b->bpp != 8 && b->bpp != 16 && b->bpp != 24 &&
            b->bpp != 32)
            return bw__fail(err, BW_ERR_CORRUPT, "corrupt BMP: %u bits per pixel", b->bpp);
        break;
    case BI_RLE8:
    case BI_RLE4:
        if (b->bpp != (b->compression == BI_RLE8 ? 8u : 4u))
            return bw__fail(err, BW_ERR_CORRUPT, "corrupt BMP: RLE with %u bits per pixel",
                            b->bpp);
        break;
    case BI_BITFIELDS:
    case BI_ALPHABITFIELDS:
        if (b->bpp != 16 && b->bpp != 32)
            return bw__fail(err, BW_ERR_CORRUPT, "corrupt BMP: bit fields with %u bits per pixel",
                            b->bpp);
        break;
    case BI_JPEG:
    case BI_PNG:
        return bw__fail(err, BW_ERR_UNSUPPORTED, "unsupported BMP: embedded %s",
                        b->compression == BI_JPEG ? "JPEG" : "PNG");
    default:
        return bw__fail(err, BW_ERR_UNSUPPORTED, "unsupported BMP compression %u",
                        b->compression);
    }
    if (b->top_down && (b->compression == BI_RLE8 || b->compression == BI_RLE4))
        return bw__fail(err, BW_ERR_CORRUPT, "corrupt BMP: top-down RLE");

    /* Channel masks: after the 40-byte header, inside the larger ones. */
    pal_off = 14 + (size_t)b->hdr_size;
    if (b->compression == BI_BITFIELDS || b->compression == BI_ALPHABITFIELDS) {
        size_t moff = 14 + 40;
        if (b->hdr_size < 52) {
            pal_off += b->compression == BI_ALPHABITFIELDS ? 16 : 12;
            if (len < moff + 12)
                return bw__fail(err, BW_ERR_TRUNCATED, "truncated BMP");
        }
        for (int c = 0; c < 3; c++)
            b->mask[c] = bw__le32(d + moff + 4 * c);
    } else if (b->bpp == 16) {
        b->mask[0] = 0x7C00;
        b->mask[1] = 0x03E0;
        b->mask[2] = 0x001F;
    } else if (b->bpp == 32) {
        b->mask[0] = 0xFF0000;
        b->mask[1] = 0x00FF00;
        b->mask[2] = 0x0000FF;
    }

    /* Palette: as many entries as the header says (or 2^bpp), no more than
     * fit before the pixel data. */
    if (b->bpp <= 8) {
        unsigned want = used && used < (1u << b->bpp) ? used : 1u << b->bpp;
        size_t end = b->off_bits > pal_off && b->off_bits <= len ? b->off_bits : len;
        pal_room = end > pal_off ? (end - pal_off) / pal_entry : 0;
        b->pal_count = want < pal_room ? want : (unsigned)pal_room;
        for (unsigned i = 0; i < b->pal_count; i++) {
            const uint8_t *p = d + pal_off + i * pal_entry;
            b->pal[i][0] = p[2];
            b->pal[i][1] = p[1];
            b->pal[i][2] = p[0];
        }
        if (b->pal_count == 0)
            return bw__fail(err, BW_ERR_CORRUPT, "corrupt BMP: no palette");
    }
    if (b->off_bits < 14 + (size_t)b->hdr_size || b->off_bits > len)
        return bw__fail(err, b->off_bits > len ? BW_ERR_TRUNCATED : BW_ERR_CORRUPT,
                        b->off_bits > len ? "truncated BMP" : "corrupt BMP: pixel data offset %u",
                        b->off_bits);
    return BW_OK;
}

bw_status bw__bmp_probe(const uint8_t *data, size_t len, uint32_t *w, uint32_t *h, bw_error *err)
{
    bmp *b = bw__malloc(sizeof *b);
    bw_status st;
    if (!b)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    st = parse_header(b, data, len, err);
    if (st == BW_OK) {
        *w = b->w;
        *h = b->h;
    }
    free(b);
    return st;
}

/* ---------------- Pixels ---------------- */

/* A mask's shift and maximum value, for scaling a field to 0..255. */
typedef struct field {
    unsigned shift;
    uint32_t max;
} field;

static field mask_field(uint32_t mask)
{
    field f = {0, 0};
    if (mask) {
        f.shift = (unsigned)__builtin_ctz(mask);
        f.max = mask >> f.shift;
    }
    return f;
}

static uint8_t field_value(uint32_t px, uint32_t mask, field f)
{
    if (!f.max)
        return 0;
    return (uint8_t)((((uint64_t)((px & mask) >> f.shift)) * 255 + f.max / 2) / f.max);
}

static void put_index(const bmp *b, uint8_t *o, unsigned i)
{
    if (i >= b->pal_count)
        i = 0;
    o[0] = b->pal[i][0];
    o[1] = b->pal[i][1];
    o[2] = b->pal[i][2];
}

/* Uncompressed rows (BI_RGB, BI_BITFIELDS). */
static bw_status read_plain(const bmp *b, bw_image *img, bw_error *err)
{
    uint64_t row_bytes = (((uint64_t)b->w * b->bpp + 31) / 32) * 4;
    const uint8_t *base = b->d + b->off_bits;
    size_t avail = b->len - b->off_bits;
    field f[3];
    for (int c = 0; c < 3; c++)
        f[c] = mask_field(b->mask[c]);

    if (row_bytes * b->h > avail)
        return bw__fail(err, BW_ERR_TRUNCATED, "truncated BMP");
    for (uint32_t y = 0; y < b->h; y++) {
        const uint8_t *p = base + (size_t)row_bytes * (b->top_down ? y : b->h - 1 - y);
        uint8_t *o = img->pixels + (size_t)y * img->stride;
        for (uint32_t x = 0; x < b->w; x++, o += 3) {
            uint32_t px;
            switch (b->bpp) {
            case 1: put_index(b, o, (p[x >> 3] >> (7 - (x & 7))) & 1); break;
            case 4: put_index(b, o, (p[x >> 1] >> ((x & 1) ? 0 : 4)) & 15); break;
            case 8: put_index(b, o, p[x]); break;
            case 24:
                o[0] = p[3 * x + 2];
                o[1] = p[3 * x + 1];
                o[2] = p[3 * x];
                break;
            default:
                px = b->bpp == 16 ? bw__le16(p + 2 * (size_t)x) : bw__le32(p + 4 * (size_t)x);
                for (int c = 0; c < 3; c++)
                    o[c] = field_value(px, b->mask[c], f[c]);
                break;
            }
        }
    }
    return BW_OK;
}

/* RLE8 / RLE4 into a canvas of palette indices (bottom-up rows). */
static bw_status read_rle(const bmp *b, bw_image *img, bw_error *err)
{
    const uint8_t *p = b->d + b->off_bits, *end = b->d + b->len;
    int rle4 = b->compression == BI_RLE4;
    uint8_t *idx = bw__calloc(b->w, b->h);
    uint32_t x = 0, y = 0; /* y counts from the bottom row */
    int finished = 0;

    if (!idx)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory for a %ux%u BMP", b->w, b->h);
#define PUT(v)                                                                      \
    do {                                                                            \
        if (x < b->w && y < b->h)                                                   \
            idx[(size_t)(b->h - 1 - y) * b->w + x] = (uint8_t)(v);                  \
        x++;                                                                        \
    } while (0)
    while (!finished && y < b->h) {
        unsigned n, v;
        if (end - p < 2)
            break;
        n = p[0];
        v = p[1];
        p += 2;
        if (n > 0) { /* a run of n pixels */
            for (unsigned i = 0; i < n; i++)
                PUT(rle4 ? ((i & 1) ? v & 15 : v >> 4) : v);
        } else if (v == 0) { /* end of line */
            x = 0;
            y++;
        } else if (v == 1) { /* end of bitmap */
            finished = 1;
        } else if (v == 2) { /* delta */
            if (end - p < 2)
                break;
            x += p[0];
            y += p[1];
            p += 2;
        } else { /* v literal pixels, padded to 16 bits */
            size_t bytes = rle4 ? (v + 1) / 2 : v;
            if ((size_t)(end - p) < bytes)
                break;
            for (unsigned i = 0; i < v; i++)
                PUT(rle4 ? ((i & 1) ? p[i / 2] & 15 : p[i / 2] >> 4) : p[i]);
            p += bytes + (bytes & 1);
            if (p > end)
                p = end;
        }
    }
#undef PUT
    if (!finished && y < b->h) {
        free(idx);
        return bw__fail(err, BW_ERR_TRUNCATED, "truncated BMP");
    }
    for (uint32_t r = 0; r < b->h; r++) {
        uint8_t *o = img->pixels + (size_t)r * img->stride;
        const uint8_t *s = idx + (size_t)r * b->w;
        for (uint32_t c = 0; c < b->w; c++, o += 3)
            put_index(b, o, s[c]);
    }
    free(idx);
    return BW_OK;
}

bw_status bw__bmp_decode(const uint8_t *data, size_t len, const bw__dopts *o, bw_image *img,
                         bw_error *err)
{
    bmp *b = bw__malloc(sizeof *b);
    bw_status st;
    if (!b)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    st = parse_header(b, data, len, err);
    if (st == BW_OK)
        st = bw__image_check_size("BMP", b->w, b->h, o->lim, err);
    /* RLE decodes into a canvas of palette indices first: reserve it too */
    if (st == BW_OK)
        st = bw__image_reserve(img, "BMP", b->w, b->h,
                               bw__image_need(b->w, b->h, 3) +
                                   (b->compression == BI_RLE8 || b->compression == BI_RLE4
                                        ? (uint64_t)b->w * b->h
                                        : 0),
                               o->lim, err);
    if (st == BW_OK)
        st = bw__image_alloc(img, b->w, b->h, 3, o->lim, err);
    if (st == BW_OK)
        st = b->compression == BI_RLE8 || b->compression == BI_RLE4 ? read_rle(b, img, err)
                                                                    : read_plain(b, img, err);
    if (st == BW_OK)
        bw__image_collapse_grey(img);
    free(b);
    return st;
}
