/* jpeg.c -- JPEG decoding with libjpeg-turbo's libjpeg API.
 *
 * Two paths (image_internal.h):
 *
 *   exact  full resolution, accurate integer IDCT (JDCT_ISLOW), fancy
 *          upsampling, RGB/grey/CMYK output: byte for byte the pixels the
 *          reference got from ImageMagick 6.9.11 (tests/image checks this
 *          against the reference's own pixel buffers). CMYK and YCCK come
 *          out of libjpeg as inverted (Adobe) CMYK and are turned into RGB
 *          with ImageMagick's CMYK->sRGB arithmetic, in its 16-bit quantum.
 *   fast   DCT scaling by M/8 (M = 1, 2, 4 or 8), the smallest M that
 *          keeps the smaller side at least o->min_side; full_width/height
 *          keep the real size, from which PDQ knows the scale and filters
 *          the image as it would the full one (pdq/pdq_scaled.c). Output is RGB as
 *          in the exact path: luma taken straight from the Y channel is not
 *          the luma of the clamped RGB the reference hashed, and costs bits.
 *          A progressive file whose first scans carry the DC coefficients
 *          of every component is decoded in buffered-image mode and stopped
 *          once those scans are in: at 1/8 scale the DC coefficients alone
 *          are the whole image, and the AC scans (most of the file) are
 *          never entropy-decoded.
 *
 * The TurboJPEG API is not used here: it has no buffered-image mode, and
 * one code path for both modes is easier to keep exact. (TurboJPEG is the
 * anchor the benchmark measures against.) libjpeg errors longjmp back to
 * the caller, warnings are counted and never printed; a premature end of
 * the data ends the decode as "truncated JPEG". */
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>
#include "image/image_internal.h"
#include "core/internal.h"

/* ---------------- Error manager ---------------- */

typedef struct jerr {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
    int truncated;                 /* the data ended early */
    int too_many_scans;
    int too_slow;                  /* max_decode_seconds passed */
    char msg[JMSG_LENGTH_MAX];
} jerr;

/* A fatal error: keep libjpeg's message and return to the setjmp. */
static void on_error_exit(j_common_ptr c)
{
    jerr *e = (jerr *)c->err;
    c->err->format_message(c, e->msg);
    longjmp(e->jb, 1);
}

/* Warnings are counted, never printed, except the end of the data, which
 * ends the decode (libjpeg would go on with a grey remainder). */
static void on_emit_message(j_common_ptr c, int level)
{
    jerr *e = (jerr *)c->err;
    if (level >= 0)
        return; /* trace messages */
    if (c->err->msg_code == JWRN_JPEG_EOF) {
        e->truncated = 1;
        longjmp(e->jb, 1);
    }
    c->err->num_warnings++;
}

static void on_output_message(j_common_ptr c)
{
    (void)c;
}

/* Called by libjpeg while it absorbs a multi-scan file: bounds the number
 * of scans (a hostile progressive file can have thousands, each a pass over
 * every block), as TurboJPEG's TJFLAG_LIMITSCANS does. */
typedef struct jprog {
    struct jpeg_progress_mgr pub;
    unsigned max_scans;
    const bw_limits *lim;
    uint64_t t0;                   /* thread CPU time at the start of the decode */
    unsigned calls;
} jprog;

static void on_progress(j_common_ptr c)
{
    jprog *p = (jprog *)c->progress;
    j_decompress_ptr d = (j_decompress_ptr)c;
    jerr *e = (jerr *)c->err;
    if (c->is_decompressor && (unsigned)d->input_scan_number > p->max_scans) {
        e->too_many_scans = 1;
        snprintf(e->msg, JMSG_LENGTH_MAX, "more than %u scans", p->max_scans);
        longjmp(e->jb, 1);
    }
    /* libjpeg calls this once an iMCU row (and a scanline): the clock is
     * read every 16th call */
    if ((++p->calls & 15) == 0 && bw__over_time(p->t0, p->lim)) {
        e->too_slow = 1;
        longjmp(e->jb, 1);
    }
}

/* The scans in the file: SOS markers of the marker structure (entropy-coded
 * data skipped as libjpeg does: 0xFF there is followed by 0x00 or a
 * restart marker), counted up to limit + 1. The walk stops quietly at
 * damage, which libjpeg then reports itself. Both paths check this before
 * decoding, so the fast path -- which stops after the DC scans -- refuses
 * the same files as the full decode. */
static unsigned count_scans(const uint8_t *d, size_t n, unsigned limit)
{
    size_t pos = 2;
    unsigned scans = 0;
    if (n < 2 || d[0] != 0xFF || d[1] != 0xD8)
        return 0;
    while (pos + 1 < n && scans <= limit) {
        uint8_t m;
        size_t seglen;
        if (d[pos] != 0xFF)
            break;
        while (pos < n && d[pos] == 0xFF)
            pos++; /* fill bytes */
        if (pos >= n)
            break;
        m = d[pos++];
        if (m == 0xD9)
            break; /* EOI */
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD8))
            continue; /* stand-alone markers */
        if (pos + 2 > n)
            break;
        seglen = ((size_t)d[pos] << 8) | d[pos + 1];
        if (seglen < 2 || seglen > n - pos)
            break;
        pos += seglen;
        if (m != 0xDA)
            continue;
        scans++;
        /* entropy-coded data up to the next marker */
        for (;;) {
            const uint8_t *ff = memchr(d + pos, 0xFF, n - pos);
            if (!ff || (size_t)(ff - d) + 1 >= n) {
                pos = n;
                break;
            }
            pos = (size_t)(ff - d);
            if (d[pos + 1] == 0x00 || (d[pos + 1] >= 0xD0 && d[pos + 1] <= 0xD7)) {
                pos += 2; /* a stuffed 0xFF, a restart marker */
                continue;
            }
            break;
        }
    }
    return scans;
}

/* ---------------- State of one decode ---------------- */

typedef struct jctx {
    struct jpeg_decompress_struct d;
    jerr e;
    jprog prog;
    uint8_t *row;                  /* CMYK scanline scratch */
} jctx;

static void jctx_init(jctx *j, const uint8_t *data, size_t len, const bw_limits *lim)
{
    memset(j, 0, sizeof *j);
    j->d.err = jpeg_std_error(&j->e.pub);
    j->e.pub.error_exit = on_error_exit;
    j->e.pub.emit_message = on_emit_message;
    j->e.pub.output_message = on_output_message;
    jpeg_create_decompress(&j->d);
    j->d.mem->max_memory_to_use = lim->max_decode_bytes > (uint64_t)LONG_MAX
                                      ? LONG_MAX
                                      : (long)lim->max_decode_bytes;
    j->prog.pub.progress_monitor = on_progress;
    j->prog.max_scans = lim->max_jpeg_scans;
    j->prog.lim = lim;
    j->prog.t0 = bw__cpu_ns();
    j->d.progress = &j->prog.pub;
    jpeg_mem_src(&j->d, data, (unsigned long)len);
}

static void jctx_free(jctx *j)
{
    jpeg_destroy_decompress(&j->d);
    free(j->row);
    j->row = NULL;
}

/* The bw_status for what libjpeg reported. */
static bw_status jctx_fail(jctx *j, bw_error *err)
{
    int code = j->e.pub.msg_code;
    if (j->e.truncated)
        return bw__fail(err, BW_ERR_TRUNCATED, "truncated JPEG");
    if (j->e.too_many_scans)
        return bw__fail(err, BW_ERR_LIMIT, "JPEG has %s (limit max_jpeg_scans)", j->e.msg);
    if (j->e.too_slow)
        return bw__fail(err, BW_ERR_LIMIT,
                        "JPEG decode took more than %u s of CPU (limit max_decode_seconds)",
                        j->prog.lim->max_decode_seconds);
    if (code == JERR_OUT_OF_MEMORY || code == JERR_BAD_ALLOC_CHUNK ||
        code == JERR_NO_BACKING_STORE || code == JERR_TFILE_CREATE)
        return bw__fail(err, BW_ERR_LIMIT,
                        "JPEG needs more than %llu bytes of decoder memory (limit max_decode_bytes)",
                        (unsigned long long)j->d.mem->max_memory_to_use);
    if (code == JERR_SOF_UNSUPPORTED || code == JERR_BAD_PRECISION ||
        code == JERR_NOT_COMPILED || code == JERR_CONVERSION_NOTIMPL)
        return bw__fail(err, BW_ERR_UNSUPPORTED, "unsupported JPEG: %s", j->e.msg);
    return bw__fail(err, BW_ERR_CORRUPT, "corrupt JPEG: %s", j->e.msg);
}

/* ---------------- Pixels ---------------- */

/* ImageMagick's inverted-CMYK -> sRGB, in its 16-bit quantum: each ink is
 * QuantumRange - 257*sample, then R = QR - (C*(QR-K)/QR + K), rounded to
 * the quantum and scaled to 8 bits. */
static uint8_t cmyk_channel(unsigned ink, unsigned black)
{
    const double qr = 65535.0;
    double c = qr - 257.0 * ink, k = qr - 257.0 * black;
    double v = qr - ((1.0 / qr) * c * (qr - k) + k);
    unsigned q = v <= 0.0 ? 0u : v >= qr ? 65535u : (unsigned)(v + 0.5);
    return bw__q16_to_8(q);
}

static void cmyk_row_to_rgb(const uint8_t *in, uint8_t *out, uint32_t w)
{
    for (uint32_t x = 0; x < w; x++, in += 4, out += 3) {
        out[0] = cmyk_channel(in[0], in[3]);
        out[1] = cmyk_channel(in[1], in[3]);
        out[2] = cmyk_channel(in[2], in[3]);
    }
}

/* Read every output scanline into img (allocated here). */
static bw_status read_rows(jctx *j, const bw_limits *lim, bw_image *img, bw_error *err)
{
    j_decompress_ptr d = &j->d;
    uint32_t w = d->output_width, h = d->output_height;
    int cmyk = d->out_color_components == 4;
    bw_status st;

    if (d->out_color_components != 1 && d->out_color_components != 3 && !cmyk)
        return bw__fail(err, BW_ERR_UNSUPPORTED, "unsupported JPEG: %d colour components",
                        d->out_color_components);
    st = bw__image_alloc(img, w, h, d->out_color_components == 1 ? 1 : 3, lim, err);
    if (st != BW_OK)
        return st;
    if (cmyk && !(j->row = bw__malloc((size_t)w * 4)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    while (d->output_scanline < h) {
        uint8_t *dst = img->pixels + (size_t)d->output_scanline * img->stride;
        JSAMPROW rows[1] = {cmyk ? j->row : dst};
        if (jpeg_read_scanlines(d, rows, 1) != 1)
            return bw__fail(err, BW_ERR_TRUNCATED, "truncated JPEG");
        if (cmyk)
            cmyk_row_to_rgb(j->row, dst, w);
    }
    return BW_OK;
}

/* ---------------- Paths ---------------- */

/* Is there an EOI marker at or after pos? (The DC-only path stops reading
 * early; this keeps it from hashing a file cut short after its DC scans.
 * 0xFF 0xD9 cannot occur inside entropy-coded data.) */
static int has_eoi_after(const uint8_t *data, size_t len, size_t pos)
{
    if (len < 2)
        return 0;
    for (size_t i = len - 2; i >= pos; i--) {
        if (data[i] == 0xFF && data[i + 1] == 0xD9)
            return 1;
        if (i == 0)
            break;
    }
    return 0;
}

/* Have the DC coefficients of every component the output needs arrived? */
static int dc_complete(j_decompress_ptr d)
{
    int luma_only = d->out_color_space == JCS_GRAYSCALE;
    for (int c = 0; c < (luma_only ? 1 : d->num_components); c++)
        if (d->coef_bits[c][0] < 0)
            return 0;
    return 1;
}

/* Progressive file at 1/8 scale: absorb scans until the DC coefficients are
 * in and the next scan is an AC one, then output what the coefficient
 * buffer holds. */
static bw_status decode_dc_only(jctx *j, const uint8_t *data, size_t len, const bw_limits *lim,
                                bw_image *img, bw_error *err)
{
    j_decompress_ptr d = &j->d;
    int ret, out_scan;

    d->buffered_image = TRUE;
    jpeg_start_decompress(d);
    for (;;) {
        on_progress((j_common_ptr)d);
        ret = jpeg_consume_input(d);
        if (ret == JPEG_REACHED_EOI || ret == JPEG_SUSPENDED)
            break;
        if (ret == JPEG_REACHED_SOS && d->Ss != 0 && dc_complete(d))
            break;
    }
    if (ret == JPEG_SUSPENDED)
        return bw__fail(err, BW_ERR_TRUNCATED, "truncated JPEG");
    if (!dc_complete(d))
        return bw__fail(err, BW_ERR_CORRUPT, "corrupt JPEG: no DC scan for every component");
    if (ret != JPEG_REACHED_EOI &&
        !has_eoi_after(data, len, (size_t)(d->src->next_input_byte - data)))
        return bw__fail(err, BW_ERR_TRUNCATED, "truncated JPEG");
    /* The scan just announced (an AC one) has not been read: show the
     * state after the scan before it. */
    out_scan = ret == JPEG_REACHED_EOI ? d->input_scan_number : d->input_scan_number - 1;
    jpeg_start_output(d, out_scan);
    return read_rows(j, lim, img, err);
}

/* The smallest M in {1, 2, 4, 8} whose M/8 scale keeps the smaller side
 * >= min. Only these: each output pixel then stands for a whole block of
 * 8/M x 8/M source pixels, an area average, which is what PDQ's scaled
 * prefilter assumes (the 3/8, 5/8... IDCTs are not). */
static int pick_scale(uint32_t w, uint32_t h, uint32_t min_side)
{
    uint32_t small = w < h ? w : h;
    for (int m = 1; m < 8; m *= 2)
        if (((uint64_t)small * (uint64_t)m + 7) / 8 >= min_side)
            return m;
    return 8;
}

/* Reserve the whole decode from the memory budget before libjpeg
 * allocates: the coefficient buffer of a multi-scan file, the output and
 * PDQ's copy of it, and the row buffers (a few rows of the output). */
static bw_status reserve(j_decompress_ptr d, uint32_t fw, uint32_t fh, uint64_t coefs,
                         const bw_limits *lim, bw_image *img, bw_error *err)
{
    uint64_t ow = d->output_width, oh = d->output_height;
    uint64_t rows = ow * (uint64_t)d->out_color_components * 2 * DCTSIZE * d->max_v_samp_factor;
    return bw__image_reserve(img, "JPEG", fw, fh,
                             coefs + rows + bw__image_need(ow, oh, d->out_color_components == 1 ? 1 : 3),
                             lim, err);
}

static bw_status decode(jctx *j, const uint8_t *data, size_t len, const bw__dopts *o,
                        bw_image *img, bw_error *err)
{
    j_decompress_ptr d = &j->d;
    bw_status st;
    uint32_t fw, fh;
    uint64_t coefs = 0;
    unsigned scans;

    jpeg_read_header(d, TRUE);
    fw = d->image_width;
    fh = d->image_height;
    if ((st = bw__image_check_size("JPEG", fw, fh, o->lim, err)) != BW_OK)
        return st;
    if ((scans = count_scans(data, len, o->lim->max_jpeg_scans)) > o->lim->max_jpeg_scans)
        return bw__fail(err, BW_ERR_LIMIT, "JPEG has more than %u scans (limit max_jpeg_scans)",
                        o->lim->max_jpeg_scans);
    if (d->progressive_mode || jpeg_has_multiple_scans(d)) {
        /* A multi-scan file is decoded through a coefficient buffer for
         * the whole image: check its size before libjpeg allocates it. */
        for (int c = 0; c < d->num_components; c++)
            coefs += (uint64_t)d->comp_info[c].width_in_blocks *
                     d->comp_info[c].height_in_blocks * DCTSIZE2 * sizeof(JCOEF);
        if (coefs > o->lim->max_decode_bytes)
            return bw__fail(err, BW_ERR_LIMIT,
                            "progressive JPEG needs %llu bytes of coefficients "
                            "(limit max_decode_bytes=%llu)",
                            (unsigned long long)coefs,
                            (unsigned long long)o->lim->max_decode_bytes);
    }

    if (o->exact) {
        d->dct_method = JDCT_ISLOW;
        d->do_fancy_upsampling = TRUE;
        jpeg_calc_output_dimensions(d);
        if ((st = reserve(d, fw, fh, coefs, o->lim, img, err)) != BW_OK)
            return st;
        jpeg_start_decompress(d);
        if ((st = read_rows(j, o->lim, img, err)) != BW_OK)
            return st;
        /* The pixels are complete; a missing EOI after them is tolerated. */
        j->e.truncated = 0;
        if (!setjmp(j->e.jb))
            jpeg_finish_decompress(d);
        bw__image_collapse_grey(img);
        img->full_width = fw;
        img->full_height = fh;
        return BW_OK;
    }

    d->scale_num = (unsigned)pick_scale(fw, fh, o->min_side);
    d->scale_denom = 8;
    d->dct_method = JDCT_ISLOW;
    d->do_block_smoothing = FALSE;
    jpeg_calc_output_dimensions(d);
    if ((st = reserve(d, fw, fh, coefs, o->lim, img, err)) != BW_OK)
        return st;
    if (d->progressive_mode && d->scale_num == 1 && d->Ss == 0 && d->Se == 0) {
        st = decode_dc_only(j, data, len, o->lim, img, err);
    } else {
        jpeg_start_decompress(d);
        st = read_rows(j, o->lim, img, err);
    }
    if (st != BW_OK)
        return st;
    img->full_width = fw;
    img->full_height = fh;
    return BW_OK;
}

/* ---------------- Entry points ---------------- */

/* The setjmp lives in these small functions, which keep nothing in locals
 * across it. */
static bw_status guarded_header(jctx *j, uint32_t *w, uint32_t *h, bw_error *err)
{
    if (setjmp(j->e.jb))
        return jctx_fail(j, err);
    jpeg_read_header(&j->d, TRUE);
    *w = j->d.image_width;
    *h = j->d.image_height;
    return BW_OK;
}

static bw_status guarded_decode(jctx *j, const uint8_t *data, size_t len, const bw__dopts *o,
                                bw_image *img, bw_error *err)
{
    if (setjmp(j->e.jb))
        return jctx_fail(j, err);
    return decode(j, data, len, o, img, err);
}

bw_status bw__jpeg_probe(const uint8_t *data, size_t len, uint32_t *w, uint32_t *h,
                         bw_error *err)
{
    jctx *j = bw__malloc(sizeof *j);
    bw_status st;
    if (!j)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    jctx_init(j, data, len, bw_limits_defaults());
    st = guarded_header(j, w, h, err);
    jctx_free(j);
    free(j);
    return st;
}

bw_status bw__jpeg_decode(const uint8_t *data, size_t len, const bw__dopts *o, bw_image *img,
                          bw_error *err)
{
    jctx *j = bw__malloc(sizeof *j); /* keeps the big struct off the stack */
    bw_status st;
    if (!j)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    jctx_init(j, data, len, o->lim);
    st = guarded_decode(j, data, len, o, img, err);
    jctx_free(j);
    free(j);
    return st;
}
