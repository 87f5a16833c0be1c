/* gif.c -- GIF decoding with giflib, from memory through a read callback.
 *
 * Only the first image of the file is decoded, at its own size (the frame,
 * not the logical screen: ImageMagick, which decoded for the reference,
 * reads frames that way), through its local colour table or the global
 * one. Extensions before it are skipped, interlaced rows are put back in
 * order, and decoding stops once its last row is in: later frames are
 * never read. A pixel whose index is past the end of the colour table gets
 * entry 0, as ImageMagick does; a file with no colour table at all is read
 * as grey (the index is the grey level). */
#include <stdlib.h>
#include <string.h>
#include <gif_lib.h>
#include "image/image_internal.h"
#include "core/internal.h"

typedef struct gsrc {
    const uint8_t *data;
    size_t len, pos;
    int eof;                       /* a read ran past the end */
} gsrc;

static int gif_read(GifFileType *g, GifByteType *buf, int n)
{
    gsrc *s = g->UserData;
    size_t want = n > 0 ? (size_t)n : 0, have = s->len - s->pos;
    if (want > have) {
        s->eof = 1;
        want = have;
    }
    memcpy(buf, s->data + s->pos, want);
    s->pos += want;
    return (int)want;
}

static bw_status gif_fail(const gsrc *s, int code, bw_error *err)
{
    const char *msg;
    if (s->eof || code == D_GIF_ERR_EOF_TOO_SOON)
        return bw__fail(err, BW_ERR_TRUNCATED, "truncated GIF");
    if (code == D_GIF_ERR_NOT_ENOUGH_MEM)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory decoding GIF");
    msg = GifErrorString(code);
    return bw__fail(err, BW_ERR_CORRUPT, "corrupt GIF: %s", msg ? msg : "unknown error");
}

static GifFileType *gif_open(gsrc *s, const uint8_t *data, size_t len, int *code)
{
    s->data = data;
    s->len = len;
    s->pos = 0;
    s->eof = 0;
    return DGifOpen(s, gif_read, code);
}

bw_status bw__gif_probe(const uint8_t *data, size_t len, uint32_t *w, uint32_t *h, bw_error *err)
{
    gsrc s;
    int code = 0;
    GifFileType *g = gif_open(&s, data, len, &code);
    if (!g)
        return gif_fail(&s, code, err);
    *w = (uint32_t)g->SWidth;
    *h = (uint32_t)g->SHeight;
    DGifCloseFile(g, &code);
    return BW_OK;
}

/* Indices of one row to RGB through the colour table. */
static void map_row(const GifPixelType *idx, uint8_t *out, uint32_t w, const ColorMapObject *cm)
{
    for (uint32_t x = 0; x < w; x++, out += 3) {
        unsigned i = idx[x];
        if (!cm) {
            out[0] = out[1] = out[2] = (uint8_t)i;
            continue;
        }
        if (i >= (unsigned)cm->ColorCount)
            i = 0;
        out[0] = cm->Colors[i].Red;
        out[1] = cm->Colors[i].Green;
        out[2] = cm->Colors[i].Blue;
    }
}

/* The image whose descriptor giflib has just read. */
static bw_status read_frame(GifFileType *g, gsrc *s, const bw__dopts *o, bw_image *img,
                            bw_error *err)
{
    static const uint32_t start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    uint32_t w = (uint32_t)g->Image.Width, h = (uint32_t)g->Image.Height;
    const ColorMapObject *cm = g->Image.ColorMap ? g->Image.ColorMap : g->SColorMap;
    GifPixelType *line;
    bw_status st;

    if (g->Image.Width <= 0 || g->Image.Height <= 0)
        return bw__fail(err, BW_ERR_CORRUPT, "corrupt GIF: frame size %dx%d", g->Image.Width,
                        g->Image.Height);
    if ((st = bw__image_check_size("GIF", w, h, o->lim, err)) != BW_OK)
        return st;
    if (cm && (cm->ColorCount <= 0 || !cm->Colors))
        cm = NULL;
    if ((st = bw__image_alloc(img, w, h, 3, o->lim, err)) != BW_OK)
        return st;
    if (!(line = bw__malloc(w)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    for (int pass = 0; pass < (g->Image.Interlace ? 4 : 1); pass++) {
        uint32_t y0 = g->Image.Interlace ? start[pass] : 0, dy = g->Image.Interlace ? step[pass] : 1;
        for (uint32_t y = y0; y < h; y += dy) {
            if (DGifGetLine(g, line, (int)w) != GIF_OK) {
                free(line);
                return gif_fail(s, g->Error, err);
            }
            map_row(line, img->pixels + (size_t)y * img->stride, w, cm);
        }
    }
    free(line);
    return BW_OK;
}

bw_status bw__gif_decode(const uint8_t *data, size_t len, const bw__dopts *o, bw_image *img,
                         bw_error *err)
{
    gsrc s;
    int code = 0, done = 0;
    GifFileType *g = gif_open(&s, data, len, &code);
    bw_status st = BW_OK;

    if (!g)
        return gif_fail(&s, code, err);
    while (!done) {
        GifRecordType type;
        if (DGifGetRecordType(g, &type) != GIF_OK) {
            st = gif_fail(&s, g->Error, err);
            break;
        }
        switch (type) {
        case IMAGE_DESC_RECORD_TYPE:
            if (DGifGetImageDesc(g) != GIF_OK)
                st = gif_fail(&s, g->Error, err);
            else
                st = read_frame(g, &s, o, img, err);
            done = 1;
            break;
        case EXTENSION_RECORD_TYPE: {
            int ext_code;
            GifByteType *ext;
            if (DGifGetExtension(g, &ext_code, &ext) != GIF_OK) {
                st = gif_fail(&s, g->Error, err);
                done = 1;
                break;
            }
            while (ext) {
                if (DGifGetExtensionNext(g, &ext) != GIF_OK) {
                    st = gif_fail(&s, g->Error, err);
                    done = 1;
                    break;
                }
            }
            break;
        }
        case TERMINATE_RECORD_TYPE:
            st = bw__fail(err, BW_ERR_CORRUPT, "corrupt GIF: no image in the file");
            done = 1;
            break;
        default:
            st = bw__fail(err, BW_ERR_CORRUPT, "corrupt GIF: unknown record");
            done = 1;
            break;
        }
    }
    DGifCloseFile(g, &code);
    if (st == BW_OK)
        bw__image_collapse_grey(img);
    return st;
}
