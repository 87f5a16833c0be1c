/* test_decode.c -- the image decoders (bulwark/image.h).
 *
 * Expected values never come from bulwark: either from the reference's own
 * pixel buffers (refdata/pdq/pixels: what ImageMagick decoded for Meta's
 * reference, compared byte for byte with the exact path), or from images
 * this test draws itself and encodes with the format's own library (PNG
 * with libspng, GIF with giflib, TIFF with libtiff, WebP with libwebp,
 * JPEG with libjpeg, HEIF/AVIF with libheif) or writes by hand (BMP, and
 * the hostile headers). Lossless formats must come back pixel for pixel;
 * lossy ones within a small mean error of the drawing.
 *
 * Also: the fast path (DCT scaling, the progressive DC-only stop, libwebp
 * scaling) keeps the full size; every limit the decoders
 * apply is hit; and broken files fail with the status and message that
 * name the problem, never a crash. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jpeglib.h>
#include <spng.h>
#include <gif_lib.h>
#include <tiffio.h>
#include <webp/encode.h>
#include <libheif/heif.h>
#include "testutil.h"
#include <bulwark/image.h>
#include <bulwark/pdq.h>

/* ---------------- Helpers ---------------- */

/* Some third-party encoders this test uses to make its files leak a little
 * (giflib's EGifPutImageDesc keeps a copy of a local colour map; x265 keeps
 * some state): those allocations are theirs, not bulwark's, so the leak
 * checker is told to look away while they run. */
void __lsan_disable(void) __attribute__((weak));
void __lsan_enable(void) __attribute__((weak));

static void third_party_begin(void)
{
    if (__lsan_disable)
        __lsan_disable();
}

static void third_party_end(void)
{
    if (__lsan_enable)
        __lsan_enable();
}

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void buf_put(buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void put_le16(buf *b, unsigned v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    buf_put(b, x, 2);
}

static void put_le32(buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    buf_put(b, x, 4);
}

/* The drawing: an 8-bit value per pixel and channel, with edges and
 * gradients, not grey. */
static uint8_t pat(uint32_t x, uint32_t y, int c)
{
    return (uint8_t)((x * 5 + y * 11 + (uint32_t)c * 85 + (x * y) % 7) & 255);
}

/* A smooth drawing for lossy codecs. */
static uint8_t smooth(uint32_t x, uint32_t y, int c)
{
    double v = 128 + 90 * sin(x / 9.0 + c) * cos(y / 13.0 - c);
    return (uint8_t)lrint(v);
}

static bw_status decode(const void *d, size_t n, int exact, bw_image *img, bw_error *err)
{
    bw_decode_opts o = {exact, 0, NULL};
    bw_error_clear(err);
    return bw_image_decode(d, n, &o, img, err);
}

/* img must equal exp (w x h x ch, packed). */
static void assert_pixels(const bw_image *img, const uint8_t *exp, uint32_t w, uint32_t h,
                          uint32_t ch, const char *what)
{
    if (img->width != w || img->height != h || img->channels != ch) {
        fprintf(stderr, "%s: got %ux%u x%u, want %ux%u x%u\n", what, img->width, img->height,
                img->channels, w, h, ch);
        fail();
    }
    for (uint32_t y = 0; y < h; y++)
        if (memcmp(img->pixels + (size_t)y * img->stride, exp + (size_t)y * w * ch,
                   (size_t)w * ch)) {
            fprintf(stderr, "%s: row %u differs\n", what, y);
            fail();
        }
}

/* Mean absolute difference between img (RGB) and a drawing. */
static double mean_err(const bw_image *img, uint8_t (*f)(uint32_t, uint32_t, int))
{
    double s = 0;
    for (uint32_t y = 0; y < img->height; y++)
        for (uint32_t x = 0; x < img->width; x++)
            for (int c = 0; c < 3; c++) {
                const uint8_t *p = img->pixels + (size_t)y * img->stride + x * img->channels;
                s += fabs((double)p[img->channels == 1 ? 0 : c] - f(x, y, c));
            }
    return s / ((double)img->width * img->height * 3);
}

static void expect_fail(const void *d, size_t n, int exact, bw_status want, const char *substr,
                        const char *what)
{
    bw_image img;
    bw_error err;
    bw_status st = decode(d, n, exact, &img, &err);
    if (st != want || !strstr(bw_error_message(&err), substr)) {
        fprintf(stderr, "%s: got status %d \"%s\", want %d \"%s\"\n", what, st,
                bw_error_message(&err), want, substr);
        fail();
    }
    assert_null(img.pixels);
}

/* ---------------- The reference's own pixels ---------------- */

/* Binary PNM (P5/P6, maxval 255): pixels and geometry. */
static uint8_t *load_pnm(const char *path, uint32_t *w, uint32_t *h, uint32_t *ch)
{
    size_t len, pos = 2;
    unsigned v[3];
    uint8_t *b = bw_test_read_file(path, &len), *out;
    assert_non_null(b);
    *ch = b[1] == '6' ? 3 : 1;
    for (int k = 0; k < 3; k++) {
        while (pos < len && (b[pos] == ' ' || b[pos] == '\n'))
            pos++;
        v[k] = 0;
        while (pos < len && b[pos] >= '0' && b[pos] <= '9')
            v[k] = v[k] * 10 + (unsigned)(b[pos++] - '0');
    }
    pos++;
    *w = v[0];
    *h = v[1];
    assert_true(len - pos >= (size_t)*w * *h * *ch);
    out = malloc((size_t)*w * *h * *ch);
    memcpy(out, b + pos, (size_t)*w * *h * *ch);
    free(b);
    return out;
}

/* Where the reference hashed a full-resolution buffer (no pre-resize),
 * the exact path must give exactly those bytes. */
static void test_reference_pixels(void **state)
{
    bw_tsv tsv;
    int checked = 0;
    (void)state;
    assert_int_equal(bw_test_tsv_load(bw_test_refdata("pdq/pixels/pixels-index.tsv"), &tsv), 0);
    for (size_t r = 1; r < tsv.nrows; r++) {
        char **f = tsv.rows[r];
        char src[512], pnm[512];
        uint32_t w, h, ch;
        uint8_t *exp, *data;
        size_t n;
        bw_image img;
        bw_error err;
        if (strcmp(f[1], f[5]) || strcmp(f[2], f[6]))
            continue; /* the reference pre-resized this one */
        snprintf(src, sizeof src, "pdq/%s", f[0]);
        snprintf(pnm, sizeof pnm, "pdq/%s", f[4]);
        exp = load_pnm(bw_test_refdata(pnm), &w, &h, &ch);
        data = bw_test_read_file(bw_test_refdata(src), &n);
        assert_int_equal(decode(data, n, 1, &img, &err), BW_OK);
        assert_pixels(&img, exp, w, h, ch, f[0]);
        bw_image_free(&img);
        free(exp);
        free(data);
        checked++;
    }
    printf("reference pixel buffers matched byte for byte: %d\n", checked);
    assert_true(checked >= 4);
    bw_test_tsv_free(&tsv);
}

/* ---------------- PNG ---------------- */

typedef struct png_case {
    int color_type, depth, interlace, trns;
} png_case;

/* Encode a w x h PNG of the given type from the drawing; fill the 8-bit
 * pixels the decoder must return (and their channel count). */
static buf make_png(const png_case *pc, uint32_t w, uint32_t h, uint8_t *exp, uint32_t *ch)
{
    int spp = pc->color_type == 0 ? 1 : pc->color_type == 2 ? 3 : pc->color_type == 3 ? 1
            : pc->color_type == 4 ? 2 : 4;
    size_t row = ((size_t)w * spp * pc->depth + 7) / 8;
    uint8_t *raw = calloc(row, h);
    struct spng_ihdr ihdr = {w, h, (uint8_t)pc->depth, (uint8_t)pc->color_type, 0, 0,
                             (uint8_t)pc->interlace};
    struct spng_plte plte = {0};
    spng_ctx *ctx = spng_ctx_new(SPNG_CTX_ENCODER);
    unsigned maxv = (1u << pc->depth) - 1;
    buf out = {0};
    size_t len;
    int e;
    void *png;

    *ch = pc->color_type == 0 || pc->color_type == 4 ? 1 : 3;
    spng_set_ihdr(ctx, &ihdr);
    if (pc->color_type == 3) {
        plte.n_entries = maxv + 1;
        for (unsigned i = 0; i <= maxv; i++) {
            plte.entries[i].red = (uint8_t)(i * 37 + 11);
            plte.entries[i].green = (uint8_t)(i * 91 + 3);
            plte.entries[i].blue = (uint8_t)(255 - i * 13);
        }
        assert_int_equal(spng_set_plte(ctx, &plte), 0);
    }
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int s = 0; s < spp; s++) {
                unsigned v = pat(x, y, s);
                size_t bit = ((size_t)x * spp + (size_t)s) * pc->depth;
                uint8_t *o = exp + ((size_t)y * w + x) * *ch;
                int alpha = (pc->color_type == 4 && s == 1) || (pc->color_type == 6 && s == 3);
                if (pc->depth == 16) {
                    unsigned v16 = v * 256u + ((x * 3 + y) & 255);
                    raw[(size_t)y * row + bit / 8] = (uint8_t)(v16 >> 8);
                    raw[(size_t)y * row + bit / 8 + 1] = (uint8_t)v16;
                    if (!alpha)
                        o[s] = (uint8_t)((v16 + 128) / 257);
                } else {
                    unsigned q = v >> (8 - pc->depth); /* 0..maxv */
                    if (pc->color_type == 3)
                        q = (x + 2 * y) % (maxv + 1);
                    raw[(size_t)y * row + bit / 8] |=
                        (uint8_t)(q << (8 - pc->depth - bit % 8));
                    if (pc->color_type == 3) {
                        o[0] = plte.entries[q].red;
                        o[1] = plte.entries[q].green;
                        o[2] = plte.entries[q].blue;
                    } else if (!alpha) {
                        o[s] = (uint8_t)(q * 255 / maxv);
                    }
                }
            }
    if (pc->trns && pc->color_type == 2) {
        struct spng_trns t = {0};
        t.red = t.green = t.blue = 5;
        spng_set_trns(ctx, &t);
    }
    spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1);
    e = spng_encode_image(ctx, raw, row * h, SPNG_FMT_RAW, SPNG_ENCODE_FINALIZE);
    assert_int_equal(e, 0);
    png = spng_get_png_buffer(ctx, &len, &e);
    assert_non_null(png);
    buf_put(&out, png, len);
    free(png);
    spng_ctx_free(ctx);
    free(raw);
    return out;
}

static void test_png_all_types(void **state)
{
    static const png_case cases[] = {
        {0, 1, 0, 0}, {0, 2, 0, 0}, {0, 4, 0, 0}, {0, 8, 0, 0}, {0, 16, 0, 0}, {2, 8, 0, 0},
        {2, 16, 0, 0}, {3, 1, 0, 0}, {3, 2, 0, 0}, {3, 4, 0, 0}, {3, 8, 0, 0}, {4, 8, 0, 0},
        {4, 16, 0, 0}, {6, 8, 0, 0}, {6, 16, 0, 0}, {2, 8, 1, 0}, {3, 4, 1, 0}, {0, 16, 1, 0},
        {6, 8, 1, 0}, {2, 8, 0, 1},
    };
    const uint32_t w = 37, h = 23;
    uint8_t *exp = malloc((size_t)w * h * 3);
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char what[64];
        uint32_t ch;
        buf png = make_png(&cases[i], w, h, exp, &ch);
        bw_image img;
        bw_error err;
        snprintf(what, sizeof what, "PNG type %d depth %d%s%s", cases[i].color_type,
                 cases[i].depth, cases[i].interlace ? " interlaced" : "",
                 cases[i].trns ? " tRNS" : "");
        for (int exact = 0; exact < 2; exact++) {
            assert_int_equal(decode(png.p, png.n, exact, &img, &err), BW_OK);
            assert_int_equal(img.format, BW_FORMAT_PNG);
            assert_pixels(&img, exp, w, h, ch, what);
            bw_image_free(&img);
        }
        free(png.p);
    }
    free(exp);
}

/* A PNG signature and IHDR (with its CRC) for any size, nothing after. */
static buf png_header(uint32_t w, uint32_t h)
{
    uint8_t ihdr[17] = {'I', 'H', 'D', 'R', (uint8_t)(w >> 24), (uint8_t)(w >> 16),
                        (uint8_t)(w >> 8), (uint8_t)w, (uint8_t)(h >> 24), (uint8_t)(h >> 16),
                        (uint8_t)(h >> 8), (uint8_t)h, 8, 2, 0, 0, 0};
    uint32_t crc = 0xFFFFFFFFu;
    buf b = {0};
    uint8_t be[4];
    for (int i = 0; i < 17; i++) { /* CRC-32 as the PNG spec gives it */
        crc ^= ihdr[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    crc ^= 0xFFFFFFFFu;
    buf_put(&b, "\x89PNG\r\n\x1a\n\0\0\0\x0d", 12);
    buf_put(&b, ihdr, 17);
    be[0] = (uint8_t)(crc >> 24);
    be[1] = (uint8_t)(crc >> 16);
    be[2] = (uint8_t)(crc >> 8);
    be[3] = (uint8_t)crc;
    buf_put(&b, be, 4);
    return b;
}

static void test_png_bad(void **state)
{
    png_case pc = {2, 8, 0, 0};
    uint8_t exp[40 * 30 * 3];
    uint32_t ch;
    buf png = make_png(&pc, 40, 30, exp, &ch);
    buf huge = png_header(100000, 100000), big = png_header(20000, 20000);
    uint32_t w, h;
    bw_format f;
    bw_error err;
    (void)state;
    expect_fail(png.p, png.n / 2, 1, BW_ERR_TRUNCATED, "truncated PNG", "half a PNG");
    expect_fail(png.p, 40, 0, BW_ERR_TRUNCATED, "truncated PNG", "PNG cut after IHDR");
    png.p[png.n / 2] ^= 0x55; /* inside IDAT: the CRC no longer matches */
    expect_fail(png.p, png.n, 1, BW_ERR_CORRUPT, "corrupt PNG", "PNG with a bad CRC");
    expect_fail(huge.p, huge.n, 1, BW_ERR_LIMIT, "image too large: 100000x100000",
                "PNG claiming 100000x100000");
    expect_fail(big.p, big.n, 0, BW_ERR_LIMIT, "image too large: 20000x20000",
                "PNG over max_pixels");
    /* probing reports the claimed size without decoding anything */
    assert_int_equal(bw_image_probe(huge.p, huge.n, &f, &w, &h, &err), BW_OK);
    assert_int_equal(f, BW_FORMAT_PNG);
    assert_int_equal(w, 100000);
    assert_int_equal(h, 100000);
    free(png.p);
    free(huge.p);
    free(big.p);
}

/* ---------------- BMP (written by hand) ---------------- */

typedef struct bmp_case {
    unsigned bpp, compression, hdr;
    int top_down;
} bmp_case;

/* A BMP of the drawing; fills the expected RGB. Palettes for <= 8 bits,
 * 5-6-5 bit fields for 16-bit BI_BITFIELDS, 5-5-5 for plain 16-bit. */
static buf make_bmp(const bmp_case *bc, uint32_t w, uint32_t h, uint8_t *exp)
{
    buf px = {0}, b = {0};
    unsigned ncol = bc->bpp <= 8 ? 1u << bc->bpp : 0;
    size_t row = (((size_t)w * bc->bpp + 31) / 32) * 4;
    uint32_t hdr = bc->hdr, masks = bc->compression == 3 && hdr == 40 ? 12 : 0;
    uint8_t pal[256][3];
    for (unsigned i = 0; i < ncol; i++) {
        pal[i][0] = (uint8_t)(i * 29 + 7);
        pal[i][1] = (uint8_t)(i * 67 + 1);
        pal[i][2] = (uint8_t)(200 - i * 3);
    }
    for (uint32_t r = 0; r < h; r++) {
        uint32_t y = bc->top_down ? r : h - 1 - r; /* image row stored at file row r */
        uint8_t *line = calloc(1, row);
        if (bc->compression == 1 || bc->compression == 2) { /* RLE: runs then a literal */
            uint32_t x = 0;
            while (x < w) {
                unsigned q = (x / 3 + y) % ncol, n = w - x < 5 ? w - x : 5;
                uint8_t run[2] = {(uint8_t)n, (uint8_t)(bc->compression == 1 ? q : q * 17)};
                buf_put(&px, run, 2);
                for (unsigned k = 0; k < n; k++, x++)
                    memcpy(exp + ((size_t)y * w + x) * 3, pal[q], 3);
            }
            buf_put(&px, "\0\0", 2); /* end of line */
            free(line);
            continue;
        }
        for (uint32_t x = 0; x < w; x++) {
            uint8_t *o = exp + ((size_t)y * w + x) * 3;
            unsigned q = (x + 3 * y) % (ncol ? ncol : 1);
            uint8_t r8 = pat(x, y, 0), g8 = pat(x, y, 1), b8 = pat(x, y, 2);
            switch (bc->bpp) {
            case 1: line[x / 8] |= (uint8_t)(q << (7 - x % 8)); memcpy(o, pal[q], 3); break;
            case 4: line[x / 2] |= (uint8_t)(q << (x % 2 ? 0 : 4)); memcpy(o, pal[q], 3); break;
            case 8: line[x] = (uint8_t)q; memcpy(o, pal[q], 3); break;
            case 24:
                line[3 * x] = b8;
                line[3 * x + 1] = g8;
                line[3 * x + 2] = r8;
                o[0] = r8;
                o[1] = g8;
                o[2] = b8;
                break;
            case 32:
                line[4 * x] = b8;
                line[4 * x + 1] = g8;
                line[4 * x + 2] = r8;
                line[4 * x + 3] = 0x80; /* alpha or padding: ignored */
                o[0] = r8;
                o[1] = g8;
                o[2] = b8;
                break;
            case 16: {
                unsigned rr = r8 >> 3, gg = bc->compression == 3 ? g8 >> 2 : g8 >> 3, bb = b8 >> 3;
                unsigned v = bc->compression == 3 ? rr << 11 | gg << 5 | bb : rr << 10 | gg << 5 | bb;
                line[2 * x] = (uint8_t)v;
                line[2 * x + 1] = (uint8_t)(v >> 8);
                o[0] = (uint8_t)((rr * 255 + 15) / 31);
                o[1] = (uint8_t)(bc->compression == 3 ? (gg * 255 + 31) / 63 : (gg * 255 + 15) / 31);
                o[2] = (uint8_t)((bb * 255 + 15) / 31);
                break;
            }
            }
        }
        buf_put(&px, line, row);
        free(line);
    }
    if (bc->compression == 1 || bc->compression == 2)
        buf_put(&px, "\0\1", 2); /* end of bitmap */
    /* file header, info header, masks, palette, pixels */
    buf_put(&b, "BM", 2);
    put_le32(&b, (uint32_t)(14 + hdr + masks + ncol * (hdr == 12 ? 3 : 4) + px.n));
    put_le32(&b, 0);
    put_le32(&b, 14 + hdr + masks + ncol * (hdr == 12 ? 3 : 4));
    put_le32(&b, hdr);
    if (hdr == 12) {
        put_le16(&b, w);
        put_le16(&b, h);
        put_le16(&b, 1);
        put_le16(&b, bc->bpp);
    } else {
        put_le32(&b, w);
        put_le32(&b, bc->top_down ? (uint32_t)-(int32_t)h : h);
        put_le16(&b, 1);
        put_le16(&b, bc->bpp);
        put_le32(&b, bc->compression);
        put_le32(&b, (uint32_t)px.n);
        put_le32(&b, 2835);
        put_le32(&b, 2835);
        put_le32(&b, ncol);
        put_le32(&b, 0);
        if (hdr > 40 || masks) { /* R, G, B masks (5-6-5), then the rest zero */
            put_le32(&b, bc->compression == 3 && bc->bpp == 16 ? 0xF800 : 0x00FF0000);
            put_le32(&b, bc->compression == 3 && bc->bpp == 16 ? 0x07E0 : 0x0000FF00);
            put_le32(&b, bc->compression == 3 && bc->bpp == 16 ? 0x001F : 0x000000FF);
            for (uint32_t k = 52; k < hdr; k += 4)
                put_le32(&b, 0);
        }
    }
    for (unsigned i = 0; i < ncol; i++) {
        uint8_t e[4] = {pal[i][2], pal[i][1], pal[i][0], 0};
        buf_put(&b, e, hdr == 12 ? 3 : 4);
    }
    buf_put(&b, px.p, px.n);
    free(px.p);
    return b;
}

static void test_bmp_variants(void **state)
{
    static const bmp_case cases[] = {
        {1, 0, 40, 0}, {4, 0, 40, 0}, {8, 0, 40, 0}, {16, 0, 40, 0}, {24, 0, 40, 0},
        {32, 0, 40, 0}, {16, 3, 40, 0}, {32, 3, 40, 0}, {24, 0, 40, 1}, {8, 0, 12, 0},
        {24, 0, 124, 0}, {32, 3, 108, 1}, {8, 1, 40, 0}, {4, 2, 40, 0},
    };
    const uint32_t w = 29, h = 17;
    uint8_t *exp = malloc((size_t)w * h * 3);
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char what[64];
        buf b = make_bmp(&cases[i], w, h, exp);
        bw_image img;
        bw_error err;
        snprintf(what, sizeof what, "BMP %u-bit comp %u hdr %u%s", cases[i].bpp,
                 cases[i].compression, cases[i].hdr, cases[i].top_down ? " top-down" : "");
        if (decode(b.p, b.n, 1, &img, &err) != BW_OK) {
            fprintf(stderr, "%s: %s\n", what, bw_error_message(&err));
            fail();
        }
        assert_pixels(&img, exp, w, h, 3, what);
        bw_image_free(&img);
        /* cut short: always an error, never a crash */
        expect_fail(b.p, b.n - 7, 1, BW_ERR_TRUNCATED, "truncated BMP", what);
        free(b.p);
    }
    free(exp);
}

static void test_bmp_hostile(void **state)
{
    bmp_case bc = {24, 0, 40, 0};
    uint8_t exp[8 * 8 * 3];
    buf b = make_bmp(&bc, 8, 8, exp);
    uint8_t *c = malloc(b.n);
    (void)state;
#define PATCH32(off, v)                                                                    \
    do {                                                                                   \
        memcpy(c, b.p, b.n);                                                               \
        c[off] = (uint8_t)(v);                                                             \
        c[(off) + 1] = (uint8_t)((v) >> 8);                                                \
        c[(off) + 2] = (uint8_t)((v) >> 16);                                               \
        c[(off) + 3] = (uint8_t)((uint32_t)(v) >> 24);                                     \
    } while (0)
    PATCH32(18, 100000u); /* width */
    expect_fail(c, b.n, 1, BW_ERR_LIMIT, "image too large: 100000x8", "BMP width 100000");
    PATCH32(22, 0x80000000u); /* height INT32_MIN */
    expect_fail(c, b.n, 1, BW_ERR_CORRUPT, "corrupt BMP", "BMP height INT32_MIN");
    PATCH32(10, 0xFFFFFFF0u); /* pixel data offset past the end */
    expect_fail(c, b.n, 1, BW_ERR_TRUNCATED, "truncated BMP", "BMP offset past the end");
    PATCH32(14, 5000u); /* header size */
    expect_fail(c, b.n, 1, BW_ERR_CORRUPT, "corrupt BMP", "BMP header size 5000");
    memcpy(c, b.p, b.n);
    c[28] = 7; /* 7 bits per pixel */
    expect_fail(c, b.n, 1, BW_ERR_CORRUPT, "corrupt BMP", "BMP 7 bits per pixel");
    PATCH32(30, 4u); /* BI_JPEG */
    expect_fail(c, b.n, 1, BW_ERR_UNSUPPORTED, "embedded JPEG", "BMP with embedded JPEG");
    expect_fail(b.p, 20, 1, BW_ERR_TRUNCATED, "truncated BMP", "BMP cut in the header");
#undef PATCH32
    free(c);
    free(b.p);
}

/* ---------------- GIF ---------------- */

typedef struct gout {
    buf b;
} gout;

static int gif_write(GifFileType *g, const GifByteType *d, int n)
{
    buf_put(&((gout *)g->UserData)->b, d, (size_t)n);
    return n;
}

/* A GIF of frames (each w x h at the origin); frame 0 uses a local table
 * when local is set. The first frame's expected RGB goes to exp. */
static buf make_gif(uint32_t w, uint32_t h, int interlace, int local, int frames, uint8_t *exp)
{
    gout o = {{0}};
    int e;
    GifFileType *g;
    third_party_begin();
    g = EGifOpen(&o, gif_write, &e);
    ColorMapObject *gcm = GifMakeMapObject(16, NULL), *lcm = GifMakeMapObject(16, NULL);
    GifPixelType *line = malloc(w);
    for (int i = 0; i < 16; i++) {
        gcm->Colors[i] = (GifColorType){(GifByteType)(i * 16), (GifByteType)(255 - i * 9), 40};
        lcm->Colors[i] = (GifColorType){(GifByteType)(i * 5), 99, (GifByteType)(i * 15)};
    }
    EGifSetGifVersion(g, true);
    assert_int_equal(EGifPutScreenDesc(g, (int)w, (int)h, 4, 0, gcm), GIF_OK);
    for (int f = 0; f < frames; f++) {
        ColorMapObject *cm = f == 0 && local ? lcm : gcm;
        assert_int_equal(EGifPutImageDesc(g, 0, 0, (int)w, (int)h, interlace && f == 0,
                                          f == 0 && local ? lcm : NULL),
                         GIF_OK);
        /* interlaced: giflib expects the rows in pass order */
        for (int pass = 0; pass < (interlace && f == 0 ? 4 : 1); pass++) {
            static const uint32_t st[4] = {0, 4, 2, 1}, sp[4] = {8, 8, 4, 2};
            uint32_t y0 = interlace && f == 0 ? st[pass] : 0, dy = interlace && f == 0 ? sp[pass] : 1;
            for (uint32_t y = y0; y < h; y += dy) {
                for (uint32_t x = 0; x < w; x++) {
                    line[x] = (GifPixelType)((x / 2 + y + (uint32_t)f * 5) % 16);
                    if (f == 0) {
                        uint8_t *p = exp + ((size_t)y * w + x) * 3;
                        p[0] = cm->Colors[line[x]].Red;
                        p[1] = cm->Colors[line[x]].Green;
                        p[2] = cm->Colors[line[x]].Blue;
                    }
                }
                assert_int_equal(EGifPutLine(g, line, (int)w), GIF_OK);
            }
        }
    }
    assert_int_equal(EGifCloseFile(g, &e), GIF_OK);
    GifFreeMapObject(gcm);
    GifFreeMapObject(lcm);
    free(line);
    third_party_end();
    return o.b;
}

static void test_gif(void **state)
{
    const uint32_t w = 31, h = 19;
    uint8_t *exp = malloc((size_t)w * h * 3);
    (void)state;
    for (int interlace = 0; interlace < 2; interlace++)
        for (int local = 0; local < 2; local++)
            for (int frames = 1; frames <= 3; frames += 2) {
                buf g = make_gif(w, h, interlace, local, frames, exp);
                bw_image img;
                bw_error err;
                assert_int_equal(decode(g.p, g.n, 1, &img, &err), BW_OK);
                assert_int_equal(img.format, BW_FORMAT_GIF);
                assert_pixels(&img, exp, w, h, 3, "GIF first frame");
                bw_image_free(&img);
                /* cut inside the first frame (a cut in a later frame leaves
                 * the first one whole, and it is hashed) */
                expect_fail(g.p, g.n / (2 * (size_t)frames), 1, BW_ERR_TRUNCATED,
                            "truncated GIF", "GIF cut in its first frame");
                free(g.p);
            }
    free(exp);
}

static void test_gif_bogus(void **state)
{
    /* A 1x1 GIF, hand-assembled: header, screen, 2-colour table, image
     * descriptor, LZW data, trailer. */
    static const uint8_t good[] = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0,
                                   255, 255, 255, 0, 0, 0, ',', 0, 0, 0, 0, 1, 0, 1, 0, 0,
                                   2, 2, 0x44, 0x01, 0, ';'};
    uint8_t c[sizeof good];
    bw_image img;
    bw_error err;
    (void)state;
    assert_int_equal(decode(good, sizeof good, 1, &img, &err), BW_OK);
    assert_int_equal(img.width, 1);
    assert_int_equal(img.channels, 1); /* white: grey */
    assert_int_equal(img.pixels[0], 255);
    bw_image_free(&img);
    memcpy(c, good, sizeof c);
    c[24] = 0; /* frame width 0 */
    expect_fail(c, sizeof c, 1, BW_ERR_CORRUPT, "corrupt GIF", "GIF frame of width 0");
    memcpy(c, good, sizeof c);
    c[24] = 0xFF; /* frame 65535 wide: more data than the file has */
    c[25] = 0xFF;
    expect_fail(c, sizeof c, 1, BW_ERR_TRUNCATED, "GIF", "GIF frame wider than its data");
    memcpy(c, good, sizeof c);
    c[19] = '!'; /* the image descriptor turned into a bogus extension */
    expect_fail(c, sizeof c, 1, BW_ERR_CORRUPT, "corrupt GIF", "GIF with a bogus extension");
    memcpy(c, good, sizeof c);
    c[29] = 12; /* LZW minimum code size 12: invalid */
    {
        bw_status st = decode(c, sizeof c, 1, &img, &err);
        assert_true(st == BW_ERR_CORRUPT || st == BW_ERR_TRUNCATED);
        assert_non_null(strstr(bw_error_message(&err), "GIF"));
    }
    expect_fail(good, 13, 1, BW_ERR_TRUNCATED, "truncated GIF", "GIF cut after the screen");
    expect_fail(good, 6, 1, BW_ERR_TRUNCATED, "truncated GIF", "GIF signature only");
}

/* ---------------- TIFF ---------------- */

/* Write a TIFF with libtiff to a scratch file and read it back. */
static buf make_tiff(const char *name, uint32_t w, uint32_t h, int spp, int bps, int tiled,
                     int photometric, uint8_t *exp)
{
    char path[512];
    size_t n;
    buf b = {0};
    TIFF *t;
    snprintf(path, sizeof path, "%s/%s.tif", bw_test_tmpdir("image"), name);
    t = TIFFOpen(path, "w");
    assert_non_null(t);
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, h);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, spp);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, bps);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, photometric);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
    if (spp == 4) {
        uint16_t extra = EXTRASAMPLE_UNASSALPHA;
        TIFFSetField(t, TIFFTAG_EXTRASAMPLES, 1, &extra);
    }
    if (tiled) {
        TIFFSetField(t, TIFFTAG_TILEWIDTH, 16);
        TIFFSetField(t, TIFFTAG_TILELENGTH, 16);
    } else {
        TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 5);
    }
    {
        size_t rowbytes = (size_t)w * spp * bps / 8;
        uint8_t *img = calloc(rowbytes, h);
        int ch = photometric == PHOTOMETRIC_MINISBLACK ? 1 : 3;
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++)
                for (int s = 0; s < spp; s++) {
                    uint8_t v = pat(x, y, s);
                    size_t i = ((size_t)y * w + x) * spp + s;
                    if (bps == 16) {
                        uint16_t v16 = (uint16_t)(v * 256 + ((x + y) & 255));
                        memcpy(img + 2 * i, &v16, 2); /* host order, as libtiff wants */
                        if (s < ch)
                            exp[((size_t)y * w + x) * ch + s] = (uint8_t)((v16 + 128) / 257);
                    } else {
                        img[i] = v;
                        if (s < ch)
                            exp[((size_t)y * w + x) * ch + s] = v;
                    }
                }
        if (tiled) {
            for (uint32_t ty = 0; ty < h; ty += 16)
                for (uint32_t tx = 0; tx < w; tx += 16) {
                    size_t tb = (size_t)16 * 16 * spp * bps / 8, px = (size_t)spp * bps / 8;
                    uint8_t *tile = calloc(1, tb);
                    for (uint32_t y = 0; y < 16 && ty + y < h; y++)
                        for (uint32_t x = 0; x < 16 && tx + x < w; x++)
                            memcpy(tile + ((size_t)y * 16 + x) * px,
                                   img + ((size_t)(ty + y) * w + tx + x) * px, px);
                    assert_true(TIFFWriteTile(t, tile, tx, ty, 0, 0) >= 0);
                    free(tile);
                }
        } else {
            for (uint32_t y = 0; y < h; y++)
                assert_int_equal(TIFFWriteScanline(t, img + y * rowbytes, y, 0), 1);
        }
        free(img);
    }
    TIFFClose(t);
    b.p = bw_test_read_file(path, &n);
    b.n = n;
    unlink(path);
    return b;
}

static void test_tiff(void **state)
{
    const uint32_t w = 41, h = 27;
    uint8_t *exp = malloc((size_t)w * h * 3);
    struct {
        const char *name;
        int spp, bps, tiled, photo, ch;
    } cases[] = {
        {"rgb8", 3, 8, 0, PHOTOMETRIC_RGB, 3},      {"rgba8", 4, 8, 0, PHOTOMETRIC_RGB, 3},
        {"rgb16", 3, 16, 0, PHOTOMETRIC_RGB, 3},    {"grey8", 1, 8, 0, PHOTOMETRIC_MINISBLACK, 1},
        {"rgb8tiled", 3, 8, 1, PHOTOMETRIC_RGB, 3},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf t = make_tiff(cases[i].name, w, h, cases[i].spp, cases[i].bps, cases[i].tiled,
                          cases[i].photo, exp);
        bw_image img;
        bw_error err;
        if (decode(t.p, t.n, 1, &img, &err) != BW_OK) {
            fprintf(stderr, "TIFF %s: %s\n", cases[i].name, bw_error_message(&err));
            fail();
        }
        assert_int_equal(img.format, BW_FORMAT_TIFF);
        assert_pixels(&img, exp, w, h, (uint32_t)cases[i].ch, cases[i].name);
        bw_image_free(&img);
        {
            bw_status st = decode(t.p, t.n * 2 / 3, 1, &img, &err);
            assert_int_not_equal(st, BW_OK);
            assert_non_null(strstr(bw_error_message(&err), "TIFF"));
        }
        free(t.p);
    }
    free(exp);
}

/* ---------------- WebP ---------------- */

static void test_webp(void **state)
{
    const uint32_t w = 300, h = 200;
    uint8_t *rgb = malloc((size_t)w * h * 3), *out;
    size_t n;
    bw_image img;
    bw_error err;
    (void)state;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < 3; c++)
                rgb[((size_t)y * w + x) * 3 + c] = pat(x, y, c);
    /* lossless: exact */
    n = WebPEncodeLosslessRGB(rgb, (int)w, (int)h, (int)w * 3, &out);
    assert_true(n > 0);
    assert_int_equal(decode(out, n, 1, &img, &err), BW_OK);
    assert_int_equal(img.format, BW_FORMAT_WEBP);
    assert_pixels(&img, rgb, w, h, 3, "lossless WebP");
    bw_image_free(&img);
    expect_fail(out, n / 2, 1, BW_ERR_TRUNCATED, "truncated WebP", "half a WebP");
    expect_fail(out, 20, 1, BW_ERR_TRUNCATED, "truncated WebP", "WebP header only");
    WebPFree(out);
    /* lossy: close to the drawing; the fast path scales (smaller side
     * >= 2 x the minimum) and keeps the full size */
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < 3; c++)
                rgb[((size_t)y * w + x) * 3 + c] = smooth(x, y, c);
    n = WebPEncodeRGB(rgb, (int)w, (int)h, (int)w * 3, 95, &out);
    assert_int_equal(decode(out, n, 1, &img, &err), BW_OK);
    assert_true(mean_err(&img, smooth) < 3.0);
    assert_int_equal(img.full_width, img.width);
    bw_image_free(&img);
    {
        bw_decode_opts o = {0, 50, NULL};
        assert_int_equal(bw_image_decode(out, n, &o, &img, &err), BW_OK);
        assert_int_equal(img.full_width, w);
        assert_int_equal(img.full_height, h);
        assert_int_equal(img.height, 50);
        assert_int_equal(img.width, 75);
        bw_image_free(&img);
    }
    WebPFree(out);
    free(rgb);
}

/* An animated WebP assembled by hand around two lossless frames: frame 1
 * must be what comes back. */
static void test_webp_animated(void **state)
{
    const uint32_t w = 20, h = 12;
    uint8_t rgb[2][20 * 12 * 3], *enc[2];
    size_t n[2];
    buf b = {0};
    bw_image img;
    bw_error err;
    (void)state;
    for (int f = 0; f < 2; f++) {
        for (uint32_t i = 0; i < w * h * 3; i++)
            rgb[f][i] = (uint8_t)(i * (f ? 7 : 3));
        n[f] = WebPEncodeLosslessRGB(rgb[f], (int)w, (int)h, (int)w * 3, &enc[f]);
        assert_true(n[f] > 20);
    }
    buf_put(&b, "RIFF\0\0\0\0WEBPVP8X", 16);
    put_le32(&b, 10);
    {
        uint8_t vp8x[10] = {0x02, 0, 0, 0, (uint8_t)(w - 1), 0, 0, (uint8_t)(h - 1), 0, 0};
        buf_put(&b, vp8x, 10);
    }
    buf_put(&b, "ANIM", 4);
    put_le32(&b, 6);
    put_le32(&b, 0);
    put_le16(&b, 0);
    for (int f = 0; f < 2; f++) {
        size_t chunk = n[f] - 12; /* the VP8L chunk, without the RIFF header */
        uint8_t anmf[16] = {0, 0, 0, 0, 0, 0, (uint8_t)(w - 1), 0, 0, (uint8_t)(h - 1), 0, 0,
                            100, 0, 0, 0};
        buf_put(&b, "ANMF", 4);
        put_le32(&b, (uint32_t)(16 + chunk));
        buf_put(&b, anmf, 16);
        buf_put(&b, enc[f] + 12, chunk);
        if (chunk & 1)
            buf_put(&b, "", 1);
        WebPFree(enc[f]);
    }
    {
        uint32_t riff = (uint32_t)b.n - 8;
        b.p[4] = (uint8_t)riff;
        b.p[5] = (uint8_t)(riff >> 8);
        b.p[6] = (uint8_t)(riff >> 16);
        b.p[7] = (uint8_t)(riff >> 24);
    }
    assert_int_equal(decode(b.p, b.n, 1, &img, &err), BW_OK);
    assert_pixels(&img, rgb[0], w, h, 3, "animated WebP frame 1");
    bw_image_free(&img);
    expect_fail(b.p, 60, 1, BW_ERR_TRUNCATED, "truncated WebP", "animated WebP cut short");
    free(b.p);
}

/* ---------------- JPEG ---------------- */

/* Encode with libjpeg: components 1 (grey), 3 (RGB in, YCbCr stored) or
 * 4 (CMYK stored inverted, as Adobe writes it). */
static buf make_jpeg(uint32_t w, uint32_t h, int comps, int progressive, int quality,
                     uint8_t (*f)(uint32_t, uint32_t, int))
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    unsigned char *mem = NULL;
    unsigned long len = 0;
    uint8_t *row = malloc((size_t)w * 4);
    buf b = {0};
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &mem, &len);
    c.image_width = w;
    c.image_height = h;
    c.input_components = comps;
    c.in_color_space = comps == 1 ? JCS_GRAYSCALE : comps == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    if (progressive)
        jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < h) {
        uint32_t y = c.next_scanline;
        for (uint32_t x = 0; x < w; x++)
            for (int k = 0; k < comps; k++)
                row[x * (uint32_t)comps + (uint32_t)k] = f(x, y, k);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    buf_put(&b, mem, len);
    free(mem);
    free(row);
    return b;
}

static uint8_t grey_of(uint32_t x, uint32_t y, int c)
{
    (void)c;
    return smooth(x, y, 0);
}

/* Inverted CMYK samples (255 - ink) whose RGB is sample(c) * sample(k) / 255. */
static uint8_t cmyk_sample(uint32_t x, uint32_t y, int c)
{
    return c == 3 ? (uint8_t)(200 + (x + y) % 50) : smooth(x, y, c);
}

static uint8_t cmyk_rgb(uint32_t x, uint32_t y, int c)
{
    return (uint8_t)lrint(cmyk_sample(x, y, c) * cmyk_sample(x, y, 3) / 255.0);
}

static void test_jpeg_kinds(void **state)
{
    bw_image img;
    bw_error err;
    (void)state;
    for (int prog = 0; prog < 2; prog++) {
        buf rgb = make_jpeg(96, 64, 3, prog, 95, smooth);
        buf grey = make_jpeg(96, 64, 1, prog, 95, grey_of);
        buf cmyk = make_jpeg(96, 64, 4, prog, 98, cmyk_sample);
        for (int exact = 0; exact < 2; exact++) {
            assert_int_equal(decode(rgb.p, rgb.n, exact, &img, &err), BW_OK);
            assert_int_equal(img.channels, 3);
            assert_true(mean_err(&img, smooth) < 2.0);
            bw_image_free(&img);
            assert_int_equal(decode(grey.p, grey.n, exact, &img, &err), BW_OK);
            assert_int_equal(img.channels, 1);
            assert_true(mean_err(&img, grey_of) < 2.0);
            bw_image_free(&img);
            assert_int_equal(decode(cmyk.p, cmyk.n, exact, &img, &err), BW_OK);
            assert_int_equal(img.channels, 3);
            if (mean_err(&img, cmyk_rgb) >= 2.5) {
                fprintf(stderr, "CMYK JPEG: mean error %.2f\n", mean_err(&img, cmyk_rgb));
                fail();
            }
            bw_image_free(&img);
        }
        free(rgb.p);
        free(grey.p);
        free(cmyk.p);
    }
}

/* The fast path: DCT scaling keeps the smaller side >= the minimum, uses
 * only 1/8, 1/4, 1/2 or full, and keeps the full size; a progressive file at
 * 1/8 stops after its DC scans and still gives a close image. */
static void test_jpeg_fast(void **state)
{
    bw_image img, full;
    bw_error err;
    (void)state;
    for (int prog = 0; prog < 2; prog++) {
        buf j = make_jpeg(1600, 1040, 3, prog, 90, smooth);
        bw_decode_opts o = {0, 128, NULL};
        assert_int_equal(bw_image_decode(j.p, j.n, &o, &img, &err), BW_OK);
        assert_int_equal(img.full_width, 1600);
        assert_int_equal(img.full_height, 1040);
        assert_int_equal(img.width, 200); /* 1/8: 130 >= 128 */
        assert_int_equal(img.height, 130);
        /* each pixel's luma is about the mean luma of its 8x8 block (the
         * DC-only stop has no chroma detail below 16x16 in a 4:2:0 file,
         * which the luma does not feel) */
        assert_int_equal(decode(j.p, j.n, 1, &full, &err), BW_OK);
        {
            double e = 0;
#define LUMA(p) (0.299 * (p)[0] + 0.587 * (p)[1] + 0.114 * (p)[2])
            for (uint32_t y = 0; y < 130; y++)
                for (uint32_t x = 0; x < 200; x++) {
                    double s = 0;
                    for (uint32_t yy = 8 * y; yy < 8 * y + 8 && yy < 1040; yy++)
                        for (uint32_t xx = 8 * x; xx < 8 * x + 8; xx++)
                            s += LUMA(full.pixels + (size_t)yy * full.stride + 3 * xx);
                    e += fabs(s / 64 - LUMA(img.pixels + (size_t)y * img.stride + 3 * x));
                }
#undef LUMA
            if (e / (130.0 * 200) >= 1.5) {
                fprintf(stderr, "1/8 %s: mean error %.2f\n", prog ? "DC-only" : "baseline",
                        e / (130.0 * 200));
                fail();
            }
        }
        bw_image_free(&full);
        bw_image_free(&img);
        o.fast_min_side = 300; /* 1/2: 520 */
        assert_int_equal(bw_image_decode(j.p, j.n, &o, &img, &err), BW_OK);
        assert_int_equal(img.width, 800);
        bw_image_free(&img);
        o.fast_min_side = 2000; /* nothing smaller will do: full size */
        assert_int_equal(bw_image_decode(j.p, j.n, &o, &img, &err), BW_OK);
        assert_int_equal(img.width, 1600);
        assert_int_equal(img.full_width, 1600);
        bw_image_free(&img);
        /* truncated: the DC-only path notices too */
        o.fast_min_side = 128;
        assert_int_equal(bw_image_decode(j.p, j.n * 3 / 4, &o, &img, &err), BW_ERR_TRUNCATED);
        assert_string_equal(bw_error_message(&err), "truncated JPEG");
        free(j.p);
    }
}

static void test_jpeg_bad(void **state)
{
    buf j = make_jpeg(64, 48, 3, 0, 90, smooth), p = make_jpeg(64, 48, 3, 1, 90, smooth);
    uint8_t junk[600];
    bw_limits lim;
    bw_decode_opts o = {1, 0, &lim};
    bw_image img;
    bw_error err;
    (void)state;
    expect_fail(j.p, j.n / 2, 1, BW_ERR_TRUNCATED, "truncated JPEG", "half a JPEG");
    expect_fail(j.p, j.n / 2, 0, BW_ERR_TRUNCATED, "truncated JPEG", "half a JPEG, fast");
    expect_fail(j.p, 3, 1, BW_ERR_TRUNCATED, "truncated JPEG", "JPEG magic only");
    expect_fail(p.p, p.n / 2, 1, BW_ERR_TRUNCATED, "truncated JPEG", "half a progressive JPEG");
    /* random bytes after the magic */
    junk[0] = 0xFF;
    junk[1] = 0xD8;
    junk[2] = 0xFF;
    for (size_t i = 3; i < sizeof junk; i++)
        junk[i] = (uint8_t)((i * 2654435761u) >> 13);
    {
        bw_status st = decode(junk, sizeof junk, 1, &img, &err);
        assert_true(st == BW_ERR_CORRUPT || st == BW_ERR_TRUNCATED || st == BW_ERR_UNSUPPORTED);
        assert_non_null(strstr(bw_error_message(&err), "JPEG"));
    }
    /* limits: pixels, dimension, scans, decoder memory */
    bw_limits_default(&lim);
    lim.max_pixels = 1000;
    assert_int_equal(bw_image_decode(j.p, j.n, &o, &img, &err), BW_ERR_LIMIT);
    assert_non_null(strstr(bw_error_message(&err), "image too large: 64x48"));
    bw_limits_default(&lim);
    lim.max_dimension = 50;
    assert_int_equal(bw_image_decode(j.p, j.n, &o, &img, &err), BW_ERR_LIMIT);
    bw_limits_default(&lim);
    lim.max_jpeg_scans = 3; /* simple progression has 10 */
    assert_int_equal(bw_image_decode(p.p, p.n, &o, &img, &err), BW_ERR_LIMIT);
    assert_non_null(strstr(bw_error_message(&err), "more than 3 scans"));
    bw_limits_default(&lim);
    lim.max_decode_bytes = 4096; /* the progressive coefficient buffer is larger */
    assert_int_equal(bw_image_decode(p.p, p.n, &o, &img, &err), BW_ERR_LIMIT);
    free(j.p);
    free(p.p);
}

/* ---------------- HEIF / AVIF ---------------- */

static struct heif_error heif_write(struct heif_context *ctx, const void *d, size_t n, void *u)
{
    (void)ctx;
    buf_put(u, d, n);
    return (struct heif_error){heif_error_Ok, heif_suberror_Unspecified, "ok"};
}

static void test_heif(void **state)
{
    const uint32_t w = 128, h = 96;
    enum heif_compression_format fmts[2] = {heif_compression_HEVC, heif_compression_AV1};
    bw_format want[2] = {BW_FORMAT_HEIF, BW_FORMAT_AVIF};
    (void)state;
    for (int k = 0; k < 2; k++) {
        struct heif_context *ctx;
        struct heif_encoder *enc = NULL;
        struct heif_image *im = NULL;
        uint8_t *plane;
        int stride;
        buf b = {0};
        bw_image img;
        bw_error err;
        third_party_begin();
        ctx = heif_context_alloc();
        if (heif_context_get_encoder_for_format(ctx, fmts[k], &enc).code != heif_error_Ok) {
            printf("no %s encoder: skipped\n", k ? "AV1" : "HEVC");
            heif_context_free(ctx);
            third_party_end();
            continue;
        }
        heif_encoder_set_lossy_quality(enc, 90);
        assert_int_equal(heif_image_create((int)w, (int)h, heif_colorspace_RGB,
                                           heif_chroma_interleaved_RGB, &im).code,
                         heif_error_Ok);
        heif_image_add_plane(im, heif_channel_interleaved, (int)w, (int)h, 8);
        plane = heif_image_get_plane(im, heif_channel_interleaved, &stride);
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    plane[(size_t)y * (size_t)stride + 3 * x + (uint32_t)c] = smooth(x, y, c);
        assert_int_equal(heif_context_encode_image(ctx, im, enc, NULL, NULL).code, heif_error_Ok);
        {
            struct heif_writer wr = {1, heif_write};
            assert_int_equal(heif_context_write(ctx, &wr, &b).code, heif_error_Ok);
        }
        heif_encoder_release(enc);
        heif_image_release(im);
        heif_context_free(ctx);
        third_party_end();
        assert_int_equal(decode(b.p, b.n, 1, &img, &err), BW_OK);
        assert_int_equal(img.format, want[k]);
        assert_int_equal(img.width, w);
        assert_int_equal(img.height, h);
        if (mean_err(&img, smooth) >= 4.0) {
            fprintf(stderr, "%s: mean error %.2f\n", k ? "AVIF" : "HEIF", mean_err(&img, smooth));
            fail();
        }
        bw_image_free(&img);
        {
            bw_status st = decode(b.p, b.n / 2, 1, &img, &err);
            assert_int_not_equal(st, BW_OK);
            assert_non_null(strstr(bw_error_message(&err), k ? "AVIF" : "HEIF"));
        }
        free(b.p);
    }
}

/* ---------------- Dispatch ---------------- */

static void test_sniff_and_empty(void **state)
{
    bw_image img;
    bw_error err;
    (void)state;
    assert_int_equal(bw_format_sniff("\xff\xd8\xff\xe0", 4), BW_FORMAT_JPEG);
    assert_int_equal(bw_format_sniff("GIF87a", 6), BW_FORMAT_GIF);
    assert_int_equal(bw_format_sniff("RIFF\0\0\0\0WEBPVP8 ", 16), BW_FORMAT_WEBP);
    assert_int_equal(bw_format_sniff("\0\0\0\x1c" "ftypavif\0\0\0\0mif1", 20), BW_FORMAT_AVIF);
    assert_int_equal(bw_format_sniff("\0\0\0\x18" "ftypheic\0\0\0\0", 16), BW_FORMAT_HEIF);
    assert_string_equal(bw_format_name(BW_FORMAT_TIFF), "tiff");
    assert_int_equal(decode("", 0, 1, &img, &err), BW_ERR_EMPTY);
    assert_int_equal(decode("hello, world", 12, 1, &img, &err), BW_ERR_FORMAT);
    assert_null(img.pixels);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_pixels), cmocka_unit_test(test_png_all_types),
        cmocka_unit_test(test_png_bad),          cmocka_unit_test(test_bmp_variants),
        cmocka_unit_test(test_bmp_hostile),      cmocka_unit_test(test_gif),
        cmocka_unit_test(test_gif_bogus),        cmocka_unit_test(test_tiff),
        cmocka_unit_test(test_webp),             cmocka_unit_test(test_webp_animated),
        cmocka_unit_test(test_jpeg_kinds),       cmocka_unit_test(test_jpeg_fast),
        cmocka_unit_test(test_jpeg_bad),         cmocka_unit_test(test_heif),
        cmocka_unit_test(test_sniff_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
