/* tiff.c -- TIFF decoding with libtiff, from memory (TIFFClientOpenExt over
 * the buffer, which libtiff maps instead of copying).
 *
 * The first directory (page) is decoded with libtiff's RGBA image reader,
 * which covers every photometric interpretation, bit depth and layout it
 * knows (16-bit samples are rounded to 8 bits, as ImageMagick's quantum
 * is). It runs over bands of rows, so the RGBA scratch stays small. The
 * Orientation tag is not applied (as the reference: stored row order), and
 * colour next to an unassociated alpha channel is kept as stored, not
 * premultiplied.
 *
 * libtiff's messages go to per-handle handlers that keep the first error
 * for our message and print nothing; its largest single allocation is
 * bounded by max_decode_bytes (TIFFOpenOptionsSetMaxSingleMemAlloc, libtiff
 * 4.5). The process-wide handlers are silenced once as well, since some of
 * libtiff's codecs still report through them. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include "image/image_internal.h"
#include "core/internal.h"

typedef struct tsrc {
    const uint8_t *data;
    size_t len, pos;
    char msg[160];                 /* the first error libtiff reported */
} tsrc;

/* ---------------- I/O over the buffer ---------------- */

static tmsize_t t_read(thandle_t h, void *buf, tmsize_t n)
{
    tsrc *s = h;
    size_t want = n > 0 ? (size_t)n : 0, have = s->pos < s->len ? s->len - s->pos : 0;
    if (want > have)
        want = have;
    memcpy(buf, s->data + s->pos, want);
    s->pos += want;
    return (tmsize_t)want;
}

static tmsize_t t_write(thandle_t h, void *buf, tmsize_t n)
{
    (void)h;
    (void)buf;
    (void)n;
    return -1;
}

static toff_t t_seek(thandle_t h, toff_t off, int whence)
{
    tsrc *s = h;
    uint64_t base = whence == SEEK_CUR ? s->pos : whence == SEEK_END ? s->len : 0;
    if (off > UINT64_MAX - base)
        return (toff_t)-1;
    s->pos = (size_t)(base + off); /* past the end is allowed; reads then give 0 */
    return (toff_t)s->pos;
}

static int t_close(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t t_size(thandle_t h)
{
    return (toff_t)((tsrc *)h)->len;
}

static int t_map(thandle_t h, void **base, toff_t *size)
{
    tsrc *s = h;
    *base = (void *)s->data;
    *size = (toff_t)s->len;
    return 1;
}

static void t_unmap(thandle_t h, void *base, toff_t size)
{
    (void)h;
    (void)base;
    (void)size;
}

/* ---------------- Messages ---------------- */

static int on_error(TIFF *t, void *user, const char *module, const char *fmt, va_list ap)
{
    tsrc *s = user;
    (void)t;
    (void)module;
    if (s && !s->msg[0])
        vsnprintf(s->msg, sizeof s->msg, fmt, ap);
    return 1; /* handled: not passed on to the global handler */
}

static int on_warning(TIFF *t, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)t;
    (void)user;
    (void)module;
    (void)fmt;
    (void)ap;
    return 1;
}

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void quiet_globals(void)
{
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
}

static TIFF *t_open(tsrc *s, const uint8_t *data, size_t len, const bw_limits *lim)
{
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    TIFF *t;
    memset(s, 0, sizeof *s);
    s->data = data;
    s->len = len;
    pthread_once(&quiet_once, quiet_globals);
    if (!opts)
        return NULL;
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, lim->max_decode_bytes > (uint64_t)INT64_MAX / 2
                                                  ? (tmsize_t)(INT64_MAX / 2)
                                                  : (tmsize_t)lim->max_decode_bytes);
    TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, s);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, s);
    t = TIFFClientOpenExt("tiff", "r", s, t_read, t_write, t_seek, t_close, t_size, t_map,
                          t_unmap, opts);
    TIFFOpenOptionsFree(opts);
    return t;
}

static bw_status t_fail(const tsrc *s, const char *what, bw_error *err)
{
    if (strstr(s->msg, "Memory allocation") || strstr(s->msg, "exceeds limit") ||
        strstr(s->msg, "max_single_mem_alloc") || strstr(s->msg, "Maximum"))
        return bw__fail(err, BW_ERR_LIMIT, "TIFF needs more decoder memory than allowed: %s",
                        s->msg);
    return bw__fail(err, BW_ERR_CORRUPT, "corrupt TIFF: %s", s->msg[0] ? s->msg : what);
}

/* ---------------- Entry points ---------------- */

bw_status bw__tiff_probe(const uint8_t *data, size_t len, uint32_t *w, uint32_t *h, bw_error *err)
{
    tsrc s;
    TIFF *t = t_open(&s, data, len, bw_limits_defaults());
    uint32_t tw = 0, th = 0;
    if (!t)
        return t_fail(&s, "cannot read the header", err);
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &tw);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &th);
    TIFFClose(t);
    *w = tw;
    *h = th;
    return BW_OK;
}

bw_status bw__tiff_decode(const uint8_t *data, size_t len, const bw__dopts *o, bw_image *img,
                          bw_error *err)
{
    tsrc s;
    TIFF *t = t_open(&s, data, len, o->lim);
    TIFFRGBAImage ri;
    char emsg[1024] = "";
    uint32_t w = 0, h = 0, band;
    uint32_t *raster = NULL;
    bw_status st;

    if (!t)
        return t_fail(&s, "cannot read the header", err);
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
    if ((st = bw__image_check_size("TIFF", w, h, o->lim, err)) != BW_OK) {
        TIFFClose(t);
        return st;
    }
    {
        /* libtiff's RGBA reader premultiplies unassociated alpha into the
         * colour; the reference kept the colour samples as stored. Calling
         * the alpha associated makes libtiff pass them through. (This only
         * changes the in-memory directory; nothing is written.) */
        uint16_t nextra = 0, *info = NULL;
        if (TIFFGetField(t, TIFFTAG_EXTRASAMPLES, &nextra, &info) && nextra >= 1 && info &&
            info[0] == EXTRASAMPLE_UNASSALPHA) {
            uint16_t *copy = bw__malloc(nextra * sizeof *copy);
            if (copy) {
                memcpy(copy, info, nextra * sizeof *copy);
                copy[0] = EXTRASAMPLE_ASSOCALPHA;
                TIFFSetField(t, TIFFTAG_EXTRASAMPLES, nextra, copy);
                free(copy);
            }
        }
    }
    if (!TIFFRGBAImageOK(t, emsg) || !TIFFRGBAImageBegin(&ri, t, 1, emsg)) {
        TIFFClose(t);
        if (s.msg[0])
            return t_fail(&s, emsg, err);
        return bw__fail(err, BW_ERR_UNSUPPORTED, "unsupported TIFF: %s", emsg);
    }
    ri.req_orientation = ri.orientation; /* no flips: stored order */
    /* Bands of about 4 MB of RGBA. */
    band = (uint32_t)((4u << 20) / ((size_t)w * 4));
    if (band < 1)
        band = 1;
    if (band > h)
        band = h;
    st = bw__image_reserve(img, "TIFF", w, h, bw__image_need(w, h, 3) + (uint64_t)w * band * 4,
                           o->lim, err);
    if (st == BW_OK)
        st = bw__image_alloc(img, w, h, 3, o->lim, err);
    if (st == BW_OK && !(raster = bw__malloc((size_t)w * band * 4)))
        st = bw__fail(err, BW_ERR_NOMEM, "out of memory decoding TIFF");
    for (uint32_t y = 0; st == BW_OK && y < h; y += band) {
        uint32_t n = h - y < band ? h - y : band;
        ri.row_offset = (int)y;
        ri.col_offset = 0;
        if (!TIFFRGBAImageGet(&ri, raster, w, n)) {
            st = t_fail(&s, "cannot decode the pixels", err);
            break;
        }
        for (uint32_t r = 0; r < n; r++) {
            const uint32_t *p = raster + (size_t)r * w;
            uint8_t *q = img->pixels + (size_t)(y + r) * img->stride;
            for (uint32_t x = 0; x < w; x++, q += 3) {
                q[0] = (uint8_t)TIFFGetR(p[x]);
                q[1] = (uint8_t)TIFFGetG(p[x]);
                q[2] = (uint8_t)TIFFGetB(p[x]);
            }
        }
    }
    free(raster);
    TIFFRGBAImageEnd(&ri);
    TIFFClose(t);
    if (st == BW_OK)
        bw__image_collapse_grey(img);
    return st;
}
