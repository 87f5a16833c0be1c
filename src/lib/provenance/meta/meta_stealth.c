/* meta_stealth.c -- "stealth" generation metadata hidden in the least
 * significant bit of a PNG's alpha channel, as NovelAI writes it and as the
 * stealth-pnginfo extension of the SD web UIs writes and reads it:
 *
 *   bits are taken column by column (x outer, y inner), one per pixel;
 *   15 bytes of signature: "stealth_pnginfo" (plain) or "stealth_pngcomp"
 *   (gzip); a 32-bit big-endian length, in bits, of the payload; the
 *   payload, most significant bit first: UTF-8 text, A1111 "parameters"
 *   or a JSON object of PNG text fields (NovelAI: Software, Comment, ...).
 *
 * Pixels are decoded with libspng, row by row, keeping one LSB byte per
 * pixel; the signature is checked as its bits arrive down column 0, so an
 * ordinary RGBA PNG (opaque alpha: LSB 1, where 's' starts with 0) costs
 * one row of decoding.
 * Only 8-bit, non-interlaced images are read (NovelAI and the extension
 * write those); at most max_pixels pixels and max_meta_bytes of payload.
 * The RGB-LSB variant ("stealth_rgbinfo") is not read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spng.h>
#include <yajl/yajl_tree.h>
#include "provenance/meta/meta_internal.h"
#include "core/internal.h"

#define SIG_BITS 120u /* 15 bytes */

static const char prefix[] = "stealth_png"; /* both signatures start so */

typedef struct lsb_plane {
    uint8_t *lsb;          /* row-major, one byte per pixel */
    uint32_t w, h, rows;   /* rows decoded so far */
} lsb_plane;

/* Bit i of the column-major stream (the caller checks i < w*h). */
static int bit_at(const lsb_plane *p, uint64_t i)
{
    return p->lsb[(size_t)(i % p->h) * p->w + (size_t)(i / p->h)];
}

/* Byte starting at bit i, if the rows it needs are decoded (else -1). */
static int byte_at(const lsb_plane *p, uint64_t i)
{
    int v = 0;
    uint64_t last = i + 7;
    if (last >= (uint64_t)p->w * p->h)
        return -1;
    /* bits up to `last` need rows up to last%h, or all rows if they wrap */
    if (last / p->h == i / p->h ? last % p->h >= p->rows : p->rows < p->h)
        return -1;
    for (int k = 0; k < 8; k++)
        v = v << 1 | bit_at(p, i + (uint64_t)k);
    return v;
}

/* Texts from the payload: NovelAI's JSON dict of fields, or parameters. */
static void interpret(bw__meta *m, char *text, int compressed)
{
    bw__meta_texts t;
    yajl_val j = NULL;
    const char *p = text;
    memset(&t, 0, sizeof t);
    t.where = compressed ? "PNG alpha-channel stealth metadata (stealth_pngcomp)"
                         : "PNG alpha-channel stealth metadata (stealth_pnginfo)";
    t.type = BW_SIGNAL_PNG_TEXT;
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    if ((j = bw__meta_json_object(m, p)) != NULL) {
        static const struct {
            const char *name;
            bw__meta_key key;
        } fields[] = {{"Software", BW__K_SOFTWARE},
                      {"Comment", BW__K_COMMENT},
                      {"Description", BW__K_DESCRIPTION},
                      {"Source", BW__K_SOURCE}};
        for (size_t i = 0; i < j->u.object.len && m->st == BW_OK; i++)
            for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
                if (strcmp(j->u.object.keys[i], fields[f].name) == 0 &&
                    YAJL_IS_STRING(j->u.object.values[i])) {
                    const char *s = YAJL_GET_STRING(j->u.object.values[i]);
                    char *c = bw__meta_utf8(m, "UTF-8", (const uint8_t *)s, strlen(s));
                    if (c)
                        bw__meta_texts_set(&t, fields[f].key, c);
                }
        free(text);
    } else {
        t.v[BW__K_PARAMETERS] = text;
    }
    yajl_tree_free(j);
    if (m->st == BW_OK) {
        size_t before = m->p->n_signals;
        bw__meta_generators(m, &t);
        /* the signature alone is a generator's mark */
        if (m->st == BW_OK && m->p->n_signals == before) {
            char detail[160];
            snprintf(detail, sizeof detail, "%s", t.where);
            bw__meta_signal(m, BW_SIGNAL_PNG_TEXT, "NovelAI or the stealth-pnginfo extension",
                            detail, 1, NULL);
        }
    }
    bw__meta_texts_free(&t);
}

/* The payload after a confirmed signature (all rows decoded). */
static void payload(bw__meta *m, const lsb_plane *pl, int compressed)
{
    uint64_t total = (uint64_t)pl->w * pl->h, nbits = 0, nbytes;
    uint8_t *bytes;
    char *text = NULL;
    if (total < SIG_BITS + 32)
        return;
    for (unsigned k = 0; k < 32; k++)
        nbits = nbits << 1 | (uint64_t)bit_at(pl, SIG_BITS + k);
    if (nbits == 0 || nbits % 8 || nbits > total - SIG_BITS - 32)
        return;
    nbytes = nbits / 8;
    if (nbytes > m->lim->max_meta_bytes)
        nbytes = m->lim->max_meta_bytes; /* cut, like every text */
    if (!(bytes = bw__malloc((size_t)nbytes))) {
        m->st = BW_ERR_NOMEM;
        return;
    }
    for (uint64_t b = 0; b < nbytes; b++)
        bytes[b] = (uint8_t)byte_at(pl, SIG_BITS + 32 + 8 * b);
    if (compressed) {
        size_t outlen;
        text = (char *)bw__meta_inflate(m, bytes, (size_t)nbytes, 1, &outlen);
    } else {
        text = bw__meta_utf8(m, "UTF-8", bytes, (size_t)nbytes);
    }
    free(bytes);
    if (text)
        interpret(m, text, compressed);
}

void bw__meta_stealth(bw__meta *m, const uint8_t *png, size_t n)
{
    spng_ctx *ctx = spng_ctx_new(0);
    struct spng_ihdr ihdr;
    lsb_plane pl = {0};
    uint8_t *row = NULL;
    int sig = -1, compressed = 0, rc;

    if (!ctx) {
        m->st = BW_ERR_NOMEM;
        return;
    }
    spng_set_image_limits(ctx, m->lim->max_dimension, m->lim->max_dimension);
    spng_set_chunk_limits(ctx, m->lim->max_meta_bytes, (size_t)m->lim->max_meta_bytes * 4);
    /* no CRC pass over the (often single, large) IDAT before the first
     * rows: damaged bits cannot fake the signature check below */
    spng_set_crc_action(ctx, SPNG_CRC_USE, SPNG_CRC_USE);
    if (spng_set_png_buffer(ctx, png, n) || spng_get_ihdr(ctx, &ihdr) || ihdr.bit_depth != 8 ||
        (ihdr.color_type != SPNG_COLOR_TYPE_TRUECOLOR_ALPHA &&
         ihdr.color_type != SPNG_COLOR_TYPE_GRAYSCALE_ALPHA) ||
        ihdr.interlace_method != SPNG_INTERLACE_NONE || ihdr.width == 0 || ihdr.height == 0 ||
        (uint64_t)ihdr.width * ihdr.height > m->lim->max_pixels ||
        (uint64_t)ihdr.width * ihdr.height < SIG_BITS + 32)
        goto out;
    pl.w = ihdr.width;
    pl.h = ihdr.height;
    if (!(pl.lsb = bw__malloc((size_t)pl.w * pl.h)) || !(row = bw__malloc((size_t)pl.w * 4))) {
        m->st = BW_ERR_NOMEM;
        goto out;
    }
    if (spng_decode_image(ctx, NULL, 0, SPNG_FMT_RGBA8, SPNG_DECODE_PROGRESSIVE))
        goto out;
    do {
        rc = spng_decode_row(ctx, row, (size_t)pl.w * 4);
        if (rc != 0 && rc != SPNG_EOI)
            goto out; /* damaged pixel data: no stealth metadata */
        for (uint32_t x = 0; x < pl.w; x++)
            pl.lsb[(size_t)pl.rows * pl.w + x] = row[4 * (size_t)x + 3] & 1;
        pl.rows++;
        if (sig < 0) {
            int b0 = byte_at(&pl, 0);
            uint32_t y = pl.rows - 1;
            /* the common case, opaque or ordinary alpha, ends here: in a
             * tall image column 0 carries the signature, whose first 88
             * bits are "stealth_png", checked row by row */
            if (pl.h >= SIG_BITS && y < 88 && bit_at(&pl, y) != ((prefix[y / 8] >> (7 - y % 8)) & 1))
                goto out;
            if (b0 >= 0 && b0 != 's')
                goto out;
            /* the 120 signature bits: column 0's first rows, or every row
             * of a short image (the stream wraps into the next columns) */
            if (pl.rows >= (pl.h < SIG_BITS ? pl.h : SIG_BITS)) {
                char s[16];
                for (unsigned k = 0; k < 15; k++)
                    s[k] = (char)byte_at(&pl, 8 * k);
                s[15] = 0;
                if (strcmp(s, "stealth_pnginfo") == 0)
                    sig = 1;
                else if (strcmp(s, "stealth_pngcomp") == 0)
                    sig = 1, compressed = 1;
                else
                    goto out;
            }
        }
    } while (rc == 0 && pl.rows < pl.h);
    if (sig == 1 && pl.rows == pl.h)
        payload(m, &pl, compressed);
out:
    free(row);
    free(pl.lsb);
    spng_ctx_free(ctx);
}
