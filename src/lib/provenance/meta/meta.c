/* meta.c -- the metadata source of provenance: bw__prov_metadata picks the
 * container walker for the file's format (meta_png.c, meta_jpeg.c,
 * meta_webp.c; a TIFF file goes straight to meta_exif.c), and this file holds the small helpers they all share:
 * appending a signal, bounded inflate (zlib) and character-set conversion
 * to UTF-8 (ICU). See meta_internal.h for the map of the meta_*.c files. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <unicode/ucnv.h>
#include "core/internal.h"
#include "provenance/prov_internal.h"
#include "provenance/meta/meta_internal.h"

bw_status bw__prov_metadata(const uint8_t *data, size_t len, bw_format fmt,
                            const bw_provenance_opts *opts, bw_provenance *p)
{
    bw__meta m;
    if (!p || (!data && len))
        return BW_ERR_ARG;
    memset(&m, 0, sizeof m);
    m.p = p;
    m.lim = bw__limits(opts ? opts->limits : NULL);
    switch (fmt) {
    case BW_FORMAT_PNG:
        bw__meta_png(&m, data, len);
        break;
    case BW_FORMAT_JPEG:
        bw__meta_jpeg(&m, data, len);
        break;
    case BW_FORMAT_WEBP:
        bw__meta_webp(&m, data, len);
        break;
    case BW_FORMAT_TIFF:
        /* the file is the TIFF structure EXIF borrows */
        bw__meta_exif(&m, data, len, "TIFF");
        break;
    default:
        break;
    }
    return m.st;
}

void bw__meta_signal(bw__meta *m, bw_signal_type type, const char *generator,
                     const char *detail, int ai, const char *prompt)
{
    if (m->st != BW_OK)
        return;
    m->st = bw__prov_add_signal(m->p, type, generator, detail, 0, ai, prompt);
}

/* ---------------------------------------------------------------- texts */

void bw__meta_texts_set(bw__meta_texts *t, bw__meta_key key, char *v)
{
    if ((unsigned)key >= BW__K_COUNT || t->v[key]) {
        free(v);
        return;
    }
    t->v[key] = v;
}

void bw__meta_texts_free(bw__meta_texts *t)
{
    for (int k = 0; k < BW__K_COUNT; k++) {
        free(t->v[k]);
        t->v[k] = NULL;
    }
}

/* ---------------------------------------------------------------- UTF-8 */

char *bw__meta_utf8(bw__meta *m, const char *charset, const uint8_t *s, size_t n)
{
    UErrorCode e = U_ZERO_ERROR;
    int32_t need;
    char *out;

    if (n > m->lim->max_meta_bytes)
        n = m->lim->max_meta_bytes;
    if (n > INT32_MAX / 4)
        return NULL;
    if (strcmp(charset, "UTF-8") == 0) {
        /* taken as is: the JSON writer escapes stray bytes */
        if (!(out = bw__malloc(n + 1))) {
            m->st = BW_ERR_NOMEM;
            return NULL;
        }
        memcpy(out, s, n);
        out[n] = 0;
        /* a NUL inside ends the text */
        return out;
    }
    /* UTF-8 needs at most 3 bytes per UTF-16 unit or Latin-1 byte */
    need = (int32_t)(n * 3 + 1);
    if (!(out = bw__malloc((size_t)need))) {
        m->st = BW_ERR_NOMEM;
        return NULL;
    }
    ucnv_convert("UTF-8", charset, out, need, (const char *)s, (int32_t)n, &e);
    if (U_FAILURE(e)) {
        free(out);
        return NULL;
    }
    return out;
}

/* ---------------------------------------------------------------- inflate */

uint8_t *bw__meta_inflate(bw__meta *m, const uint8_t *in, size_t n, int gzip, size_t *outlen)
{
    size_t cap = m->lim->max_meta_bytes, size = 0, alloc = 0;
    uint8_t *out = NULL;
    z_stream z;
    int rc = Z_OK;

    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, gzip ? 16 + MAX_WBITS : MAX_WBITS) != Z_OK) {
        m->st = BW_ERR_NOMEM;
        return NULL;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    while (rc == Z_OK && size < cap && n > 0) {
        size_t chunk;
        if (size == alloc) {
            size_t grow = alloc ? alloc * 2 : 4096;
            uint8_t *g;
            if (grow > cap)
                grow = cap;
            if (!(g = bw__realloc(out, grow + 1))) {
                m->st = BW_ERR_NOMEM;
                break;
            }
            out = g;
            alloc = grow;
        }
        chunk = n > UINT32_MAX ? UINT32_MAX : n;
        z.avail_in = (uInt)chunk;
        z.next_out = out + size;
        z.avail_out = (uInt)(alloc - size);
        rc = inflate(&z, Z_NO_FLUSH);
        size = alloc - z.avail_out;
        n -= chunk - z.avail_in;
        if (rc == Z_BUF_ERROR && z.avail_out > 0)
            break; /* input ended early: keep what came out */
        if (rc == Z_BUF_ERROR)
            rc = Z_OK;
    }
    inflateEnd(&z);
    if (m->st != BW_OK || !out || size == 0) {
        free(out);
        return NULL;
    }
    out[size] = 0;
    *outlen = size;
    return out;
}
