/* test_metadata.c -- the metadata source of provenance on files the test
 * writes itself in each generator's format: PNG text chunks (tEXt, zTXt,
 * iTXt with correct CRCs) from A1111, Forge, ComfyUI, InvokeAI, NovelAI,
 * Fooocus; NovelAI's stealth bits in the alpha channel; EXIF UserComment
 * and Software in JPEG APP1 and WebP; XMP packets with IPTC digital source
 * types in JPEG APP1 (plain and extended), PNG iTXt and WebP; IPTC IIM in
 * APP13. Expected generators and prompts are written by hand. Then the bad
 * input: not-XML XMP, DTDs, bad CRCs, truncation at every length, deep
 * JSON, and the limits (max_text_chunks with 100,000 chunks,
 * max_meta_bytes on texts and inflation). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include "testutil.h"
#include "bulwark/json.h"
#include "bulwark/provenance.h"
#include "provenance/prov_internal.h"
#include "provenance/meta/meta_internal.h"

/* ---------------------------------------------------------------- buffers */

typedef struct buf {
    uint8_t *d;
    size_t n, cap;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->d = realloc(b->d, b->cap);
        assert_non_null(b->d);
    }
    if (n)
        memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void put_s(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put8(buf *b, unsigned v)
{
    uint8_t c = (uint8_t)v;
    put(b, &c, 1);
}

static void put16be(buf *b, unsigned v)
{
    put8(b, v >> 8);
    put8(b, v);
}

static void put32be(buf *b, uint32_t v)
{
    put16be(b, v >> 16);
    put16be(b, v & 0xffff);
}

static void put32le(buf *b, uint32_t v)
{
    put8(b, v);
    put8(b, v >> 8);
    put8(b, v >> 16);
    put8(b, v >> 24);
}

/* zlib (or gzip) compression of n bytes. */
static buf deflated(const void *p, size_t n, int gzip)
{
    buf out = {0};
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, gzip ? 31 : 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    out.cap = deflateBound(&z, (uLong)n) + 16;
    out.d = malloc(out.cap);
    assert_non_null(out.d);
    z.next_in = (Bytef *)(uintptr_t)p;
    z.avail_in = (uInt)n;
    z.next_out = out.d;
    z.avail_out = (uInt)out.cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    out.n = out.cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* ---------------------------------------------------------------- PNG */

static void png_chunk(buf *b, const char *type, const void *data, size_t n)
{
    uLong crc = crc32(0L, (const Bytef *)type, 4);
    crc = crc32(crc, data, (uInt)n);
    put32be(b, (uint32_t)n);
    put(b, type, 4);
    put(b, data, n);
    put32be(b, (uint32_t)crc);
}

/* Signature and IHDR (8-bit, colour type 2 = RGB or 6 = RGBA). */
static void png_start(buf *b, uint32_t w, uint32_t h, int color_type)
{
    buf ihdr = {0};
    put(b, "\x89PNG\r\n\x1a\n", 8);
    put32be(&ihdr, w);
    put32be(&ihdr, h);
    put8(&ihdr, 8);
    put8(&ihdr, (unsigned)color_type);
    put8(&ihdr, 0);
    put8(&ihdr, 0);
    put8(&ihdr, 0);
    png_chunk(b, "IHDR", ihdr.d, ihdr.n);
    free(ihdr.d);
}

/* IDAT of the pixels (filter 0 on every row) and IEND. */
static void png_finish(buf *b, uint32_t w, uint32_t h, int channels, const uint8_t *px)
{
    buf raw = {0}, z;
    for (uint32_t y = 0; y < h; y++) {
        put8(&raw, 0);
        put(&raw, px + (size_t)y * w * channels, (size_t)w * channels);
    }
    z = deflated(raw.d, raw.n, 0);
    png_chunk(b, "IDAT", z.d, z.n);
    png_chunk(b, "IEND", "", 0);
    free(raw.d);
    free(z.d);
}

/* An 8x8 grey RGB image after the chunks already written. */
static void png_finish_small(buf *b)
{
    uint8_t px[8 * 8 * 3];
    memset(px, 128, sizeof px);
    png_finish(b, 8, 8, 3, px);
}

static void png_text(buf *b, const char *key, const char *text)
{
    buf c = {0};
    put_s(&c, key);
    put8(&c, 0);
    put_s(&c, text);
    png_chunk(b, "tEXt", c.d, c.n);
    free(c.d);
}

static void png_ztxt(buf *b, const char *key, const char *text)
{
    buf c = {0}, z = deflated(text, strlen(text), 0);
    put_s(&c, key);
    put8(&c, 0);
    put8(&c, 0);
    put(&c, z.d, z.n);
    png_chunk(b, "zTXt", c.d, c.n);
    free(c.d);
    free(z.d);
}

static void png_itxt(buf *b, const char *key, const char *text, int compress)
{
    buf c = {0};
    put_s(&c, key);
    put8(&c, 0);
    put8(&c, (unsigned)compress);
    put8(&c, 0);
    put_s(&c, "en");
    put8(&c, 0);
    put8(&c, 0); /* no translated keyword */
    if (compress) {
        buf z = deflated(text, strlen(text), 0);
        put(&c, z.d, z.n);
        free(z.d);
    } else {
        put_s(&c, text);
    }
    png_chunk(b, "iTXt", c.d, c.n);
    free(c.d);
}

/* A PNG with one text chunk (kind 't', 'z' or 'i') per key/value pair. */
static buf png_with(int kind, const char *const *kv)
{
    buf b = {0};
    png_start(&b, 8, 8, 2);
    for (; kv[0]; kv += 2) {
        if (kind == 't')
            png_text(&b, kv[0], kv[1]);
        else if (kind == 'z')
            png_ztxt(&b, kv[0], kv[1]);
        else
            png_itxt(&b, kv[0], kv[1], kind == 'I');
    }
    png_finish_small(&b);
    return b;
}

/* ---------------------------------------------------------------- JPEG */

/* A TIFF/EXIF block: IFD0 with Software and ImageDescription (when
 * given) and an Exif IFD with UserComment (when given; in IFD0 instead
 * when comment_in_ifd0, as Pillow writes it). */
static buf exif_block(int le, const char *software, const uint8_t *comment, size_t clen,
                      int comment_in_ifd0)
{
    buf b = {0}, data = {0};
    int n0 = (software ? 1 : 0) + (comment && comment_in_ifd0 ? 1 : 0) +
             (comment && !comment_in_ifd0 ? 1 : 0);
    uint32_t ifd0 = 8, after0 = ifd0 + 2 + 12 * (uint32_t)n0 + 4, exif_ifd = 0;
    uint32_t data_at;
#define P16(v) (le ? (put8(&b, (v) & 0xff), put8(&b, (v) >> 8)) : put16be(&b, (v)))
#define P32(v) (le ? put32le(&b, (v)) : put32be(&b, (v)))
    if (comment && !comment_in_ifd0)
        exif_ifd = after0;
    data_at = exif_ifd ? exif_ifd + 2 + 12 + 4 : after0;
    put_s(&b, le ? "II*" : "MM");
    if (le)
        put8(&b, 0);
    else {
        put8(&b, 0);
        put8(&b, '*');
    }
    P32(ifd0);
    P16((unsigned)n0);
    if (software) {
        size_t len = strlen(software) + 1;
        P16(0x0131);
        P16(2);
        P32((uint32_t)len);
        P32(data_at + (uint32_t)data.n);
        put(&data, software, len);
        if (data.n & 1)
            put8(&data, 0);
    }
    if (comment && comment_in_ifd0) {
        P16(0x9286);
        P16(7);
        P32((uint32_t)clen);
        P32(data_at + (uint32_t)data.n);
        put(&data, comment, clen);
    }
    if (exif_ifd) {
        P16(0x8769);
        P16(4);
        P32(1);
        P32(exif_ifd);
    }
    P32(0);
    if (exif_ifd) {
        /* the comment goes after the Software string in the data area */
        uint32_t comment_at = data_at + (uint32_t)data.n;
        P16(1);
        P16(0x9286);
        P16(7);
        P32((uint32_t)clen);
        P32(comment_at);
        P32(0);
        put(&data, comment, clen);
    }
    assert_int_equal(b.n, data_at);
    put(&b, data.d, data.n);
    free(data.d);
#undef P16
#undef P32
    return b;
}

/* "UNICODE\0" + UTF-16 of an ASCII string. */
static buf unicode_comment(const char *s, int le)
{
    buf b = {0};
    put(&b, "UNICODE\0", 8);
    for (; *s; s++) {
        if (le) {
            put8(&b, (unsigned char)*s);
            put8(&b, 0);
        } else {
            put8(&b, 0);
            put8(&b, (unsigned char)*s);
        }
    }
    return b;
}

static void jpeg_segment(buf *b, unsigned marker, const void *id, size_t idlen, const void *p,
                         size_t n)
{
    put8(b, 0xFF);
    put8(b, marker);
    put16be(b, (unsigned)(2 + idlen + n));
    put(b, id, idlen);
    put(b, p, n);
}

/* SOI, the segments in `mid`, then a stub scan and EOI (the metadata walk
 * stops at SOS). */
static buf jpeg_with(const buf *mid)
{
    buf b = {0};
    put(&b, "\xFF\xD8", 2);
    put(&b, mid->d, mid->n);
    put(&b, "\xFF\xDA\x00\x02\x00\x00\xFF\xD9", 8);
    return b;
}

/* ---------------------------------------------------------------- running */

static bw_provenance run(const buf *b, bw_format fmt, const bw_limits *lim)
{
    bw_provenance p;
    bw_provenance_opts o = {0};
    o.limits = lim;
    o.no_watermark = 1;
    memset(&p, 0, sizeof p);
    assert_int_equal(bw__prov_metadata(b->d, b->n, fmt, &o, &p), BW_OK);
    return p;
}

/* Exactly one signal, of this type and generator; prompt as given (NULL:
 * none) and the detail containing `detail`. */
static void expect_one(const bw_provenance *p, bw_signal_type type, const char *gen,
                       const char *prompt, const char *detail, int ai)
{
    if (p->n_signals != 1) {
        for (size_t i = 0; i < p->n_signals; i++)
            fprintf(stderr, "signal %zu: %s / %s\n", i,
                    p->signals[i].generator ? p->signals[i].generator : "-",
                    p->signals[i].detail ? p->signals[i].detail : "-");
    }
    assert_int_equal(p->n_signals, 1);
    assert_int_equal(p->signals[0].type, type);
    if (gen)
        assert_string_equal(p->signals[0].generator, gen);
    else
        assert_null(p->signals[0].generator);
    if (prompt)
        assert_string_equal(p->signals[0].prompt, prompt);
    else
        assert_null(p->signals[0].prompt);
    if (detail && !strstr(p->signals[0].detail, detail)) {
        fprintf(stderr, "detail: %s\n", p->signals[0].detail);
        fail();
    }
    assert_int_equal(p->signals[0].ai, ai);
    assert_int_equal(p->signals[0].verified, 0);
}

static void expect_none(const bw_provenance *p)
{
    for (size_t i = 0; i < p->n_signals; i++)
        fprintf(stderr, "unexpected signal: %s\n", p->signals[i].detail);
    assert_int_equal(p->n_signals, 0);
}

/* A PNG with these text chunks gives exactly one AI signal from a PNG
 * text source: this generator, prompt and detail (NULL prompt: none). */
static void check_png(int kind, const char *const *kv, const char *gen, const char *prompt,
                      const char *detail)
{
    buf b = png_with(kind, kv);
    bw_provenance p = run(&b, BW_FORMAT_PNG, NULL);
    expect_one(&p, BW_SIGNAL_PNG_TEXT, gen, prompt, detail, 1);
    bw_provenance_free(&p);
    free(b.d);
}

/* A PNG with these text chunks gives no signal at all. */
static void check_png_none(int kind, const char *const *kv)
{
    buf b = png_with(kind, kv);
    bw_provenance p = run(&b, BW_FORMAT_PNG, NULL);
    expect_none(&p);
    bw_provenance_free(&p);
    free(b.d);
}

/* ---------------------------------------------------------------- PNG texts */

static const char a1111_params[] =
    "a red bicycle leaning on a wall, morning light\n"
    "Negative prompt: blurry, lowres\n"
    "Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1234, "
    "Size: 512x512, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.9.4";

static void test_a1111_text_kinds(void **state)
{
    const char *kv[] = {"parameters", a1111_params, NULL};
    const char kinds[] = {'t', 'z', 'i', 'I'};
    (void)state;
    for (size_t k = 0; k < sizeof kinds; k++) {
        buf b = png_with(kinds[k], kv);
        bw_provenance p = run(&b, BW_FORMAT_PNG, NULL);
        expect_one(&p, BW_SIGNAL_PNG_TEXT, "AUTOMATIC1111 Stable Diffusion web UI",
                   "a red bicycle leaning on a wall, morning light",
                   "PNG text \"parameters\": generation parameters, Model: v1-5-pruned-emaonly, "
                   "Version: v1.9.4",
                   1);
        bw_provenance_free(&p);
        free(b.d);
    }
}

static void test_forge_and_no_negative(void **state)
{
    const char *kv[] = {"parameters",
                        "a lighthouse at dusk\nwith two lines\n"
                        "Steps: 25, Sampler: Euler, CFG scale: 5, Seed: 7, Size: 1024x1024, "
                        "Model: flux1-dev, Version: f2.0.1v1.10.1-previous-313-g8a042934",
                        NULL};
    (void)state;
    check_png('i', kv, "Stable Diffusion WebUI Forge",
               "a lighthouse at dusk\nwith two lines", "Model: flux1-dev");
}

/* A "parameters" text that is not generation parameters says nothing. */
static void test_parameters_not_params(void **state)
{
    const char *kv[] = {"parameters", "just a caption, no steps here", NULL};
    (void)state;
    check_png_none('t', kv);
}

static const char comfy_api[] =
    "{\"3\": {\"inputs\": {\"seed\": 42, \"steps\": 20, \"cfg\": 8, \"sampler_name\": \"euler\","
    " \"model\": [\"4\", 0], \"positive\": [\"6\", 0], \"negative\": [\"7\", 0],"
    " \"latent_image\": [\"5\", 0]}, \"class_type\": \"KSampler\"},"
    " \"4\": {\"inputs\": {\"ckpt_name\": \"sd_xl_base_1.0.safetensors\"},"
    " \"class_type\": \"CheckpointLoaderSimple\"},"
    " \"5\": {\"inputs\": {\"width\": 512, \"height\": 512, \"batch_size\": 1},"
    " \"class_type\": \"EmptyLatentImage\"},"
    " \"7\": {\"inputs\": {\"text\": \"blurry\", \"clip\": [\"4\", 1]}, \"class_type\": \"CLIPTextEncode\"},"
    " \"6\": {\"inputs\": {\"text\": \"a red bicycle on a quiet street\", \"clip\": [\"4\", 1]},"
    " \"class_type\": \"CLIPTextEncode\"}}";

static const char comfy_ui[] =
    "{\"last_node_id\": 9, \"nodes\": [{\"id\": 6, \"type\": \"CLIPTextEncode\","
    " \"widgets_values\": [\"a red bicycle on a quiet street\"]}], \"links\": [], \"version\": 0.4}";

static void test_comfyui(void **state)
{
    const char *both[] = {"prompt", comfy_api, "workflow", comfy_ui, NULL};
    const char *ui_only[] = {"workflow", comfy_ui, NULL};
    const char *not_json[] = {"prompt", "{\"3\": {\"inputs\": ", NULL};
    (void)state;
    /* the sampler's positive input leads to node 6, not the first encoder (7) */
    check_png('t', both, "ComfyUI", "a red bicycle on a quiet street",
              "ComfyUI API graph and workflow");
    check_png('z', ui_only, "ComfyUI", NULL, "\"workflow\"");
    check_png_none('t', not_json);
}

static void test_invokeai(void **state)
{
    const char *v3[] = {"invokeai_metadata",
                        "{\"generation_mode\": \"txt2img\", \"positive_prompt\": \"a lighthouse at "
                        "dusk\", \"negative_prompt\": \"\", \"seed\": 1, \"app_version\": \"3.6.2\"}",
                        NULL};
    const char *v2[] = {"sd-metadata",
                        "{\"app_id\": \"invoke-ai/InvokeAI\", \"app_version\": \"2.3.5\", \"image\":"
                        " {\"prompt\": [{\"prompt\": \"a blue kite\", \"weight\": 1.0}], \"steps\": 30}}",
                        "Dream", "\"a blue kite\" -s 30 -S 42 -W 512 -H 512", NULL};
    const char *dream[] = {"Dream", "\"a green tractor\" -s 50 -S 1", NULL};
    (void)state;
    check_png('t', v3, "InvokeAI", "a lighthouse at dusk", "version 3.6.2");
    check_png('i', v2, "InvokeAI", "a blue kite", "\"sd-metadata\"");
    check_png('t', dream, "InvokeAI", "a green tractor", "\"Dream\"");
}

static void test_novelai_text(void **state)
{
    const char *kv[] = {"Title", "AI generated image",
                        "Description", "a red bicycle",
                        "Software", "NovelAI",
                        "Source", "NovelAI Diffusion V4.5 4BDE2A90",
                        "Comment",
                        "{\"prompt\": \"a red bicycle, watercolor\", \"steps\": 28, \"scale\": 5.0,"
                        " \"uc\": \"lowres\", \"sampler\": \"k_euler_ancestral\"}",
                        NULL};
    const char *no_comment[] = {"Software", "NovelAI", "Description", "a paper boat", NULL};
    (void)state;
    check_png('t', kv, "NovelAI", "a red bicycle, watercolor",
               "Source: NovelAI Diffusion V4.5 4BDE2A90");
    check_png('t', no_comment, "NovelAI", "a paper boat", "\"Software\"");
}

static void test_fooocus_and_swarm_json(void **state)
{
    const char *fooocus[] = {"parameters",
                             "{\"adm_guidance\": \"(1.5, 0.8, 0.3)\", \"base_model\": "
                             "\"juggernautXL_v8Rundiffusion\", \"full_prompt\": [\"a red bicycle, "
                             "cinematic\"], \"prompt\": \"a red bicycle\", \"seed\": \"1\", \"steps\": 30, "
                             "\"version\": \"Fooocus v2.5.5\"}",
                             "fooocus_scheme", "fooocus", NULL};
    const char *swarm[] = {"parameters",
                           "{\"sui_image_params\": {\"prompt\": \"a small sailboat\", \"model\": "
                           "\"sdxl\", \"seed\": 3}, \"sui_extra_data\": {}}",
                           NULL};
    (void)state;
    check_png('t', fooocus, "Fooocus", "a red bicycle", "version: Fooocus v2.5.5");
    check_png('i', swarm, "SwarmUI", "a small sailboat", "(JSON)");
}

static void test_png_software_only(void **state)
{
    const char *kv[] = {"Software", "Draw Things", NULL};
    const char *plain[] = {"Software", "GIMP 2.10", "Comment", "holiday photo", NULL};
    (void)state;
    check_png('t', kv, "Draw Things", NULL, "\"Software\" = \"Draw Things\"");
    check_png_none('t', plain);
}

/* A text chunk whose CRC is wrong is not read. */
static void test_bad_crc(void **state)
{
    const char *kv[] = {"parameters", a1111_params, NULL};
    buf b = png_with('t', kv);
    bw_provenance p;
    (void)state;
    /* the tEXt chunk follows IHDR (8 + 25 bytes): flip a byte of its text */
    b.d[33 + 8 + 20] ^= 0x20;
    p = run(&b, BW_FORMAT_PNG, NULL);
    expect_none(&p);
    bw_provenance_free(&p);
    free(b.d);
}

/* ---------------------------------------------------------------- stealth */

/* An RGBA PNG whose alpha LSBs carry `sig` + 32-bit bit length + payload,
 * column by column, as NovelAI and the stealth-pnginfo extension write. */
static buf stealth_png(uint32_t w, uint32_t h, const char *sig, const uint8_t *payload, size_t n)
{
    buf b = {0}, bits = {0};
    uint8_t *px = malloc((size_t)w * h * 4);
    assert_non_null(px);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        px[4 * i] = (uint8_t)(i * 7);
        px[4 * i + 1] = (uint8_t)(i * 3);
        px[4 * i + 2] = 90;
        px[4 * i + 3] = 255;
    }
    for (const char *s = sig; *s; s++)
        for (int k = 7; k >= 0; k--)
            put8(&bits, ((unsigned char)*s >> k) & 1);
    for (int k = 31; k >= 0; k--)
        put8(&bits, ((uint32_t)(n * 8) >> k) & 1);
    for (size_t i = 0; i < n; i++)
        for (int k = 7; k >= 0; k--)
            put8(&bits, (payload[i] >> k) & 1);
    assert_true(bits.n <= (size_t)w * h);
    for (size_t i = 0; i < bits.n; i++) {
        size_t x = i / h, y = i % h;
        px[(y * w + x) * 4 + 3] = (uint8_t)(254 | bits.d[i]);
    }
    png_start(&b, w, h, 6);
    png_finish(&b, w, h, 4, px);
    free(px);
    free(bits.d);
    return b;
}

static void test_novelai_stealth(void **state)
{
    static const char json[] =
        "{\"Title\": \"AI generated image\", \"Description\": \"a red bicycle\", \"Software\": "
        "\"NovelAI\", \"Source\": \"NovelAI Diffusion V4.5 4BDE2A90\", \"Comment\": "
        "\"{\\\"prompt\\\": \\\"a red bicycle\\\", \\\"steps\\\": 28, \\\"uc\\\": \\\"lowres\\\"}\"}";
    buf gz = deflated(json, strlen(json), 1);
    buf b = stealth_png(64, 48, "stealth_pngcomp", gz.d, gz.n);
    bw_provenance p = run(&b, BW_FORMAT_PNG, NULL);
    (void)state;
    expect_one(&p, BW_SIGNAL_PNG_TEXT, "NovelAI", "a red bicycle", "stealth_pngcomp", 1);
    bw_provenance_free(&p);
    free(b.d);
    free(gz.d);

    /* uncompressed A1111 parameters, in a tall image (signature in one column) */
    b = stealth_png(20, 200, "stealth_pnginfo", (const uint8_t *)a1111_params,
                    strlen(a1111_params));
    p = run(&b, BW_FORMAT_PNG, NULL);
    expect_one(&p, BW_SIGNAL_PNG_TEXT, "AUTOMATIC1111 Stable Diffusion web UI",
               "a red bicycle leaning on a wall, morning light", "stealth_pnginfo", 1);
    bw_provenance_free(&p);
    free(b.d);

    /* limit max_pixels: the alpha plane of a larger image is not read */
    {
        bw_limits lim;
        bw_limits_default(&lim);
        b = stealth_png(20, 200, "stealth_pnginfo", (const uint8_t *)a1111_params,
                        strlen(a1111_params));
        lim.max_pixels = 20 * 200 - 1;
        p = run(&b, BW_FORMAT_PNG, &lim);
        expect_none(&p);
        bw_provenance_free(&p);
        lim.max_pixels = 20 * 200;
        p = run(&b, BW_FORMAT_PNG, &lim);
        assert_int_equal(p.n_signals, 1);
        bw_provenance_free(&p);
        free(b.d);
    }

    /* an opaque RGBA image, and a wrong signature: nothing */
    b = stealth_png(64, 64, "", NULL, 0);
    p = run(&b, BW_FORMAT_PNG, NULL);
    expect_none(&p);
    bw_provenance_free(&p);
    free(b.d);
    b = stealth_png(64, 64, "stealth_pngxxxx", (const uint8_t *)"abc", 3);
    p = run(&b, BW_FORMAT_PNG, NULL);
    expect_none(&p);
    bw_provenance_free(&p);
    free(b.d);
}

/* ---------------------------------------------------------------- EXIF */

static void test_exif_user_comment(void **state)
{
    (void)state;
    for (int le = 0; le < 2; le++) {
        buf c = unicode_comment(a1111_params, le);
        buf e = exif_block(le, NULL, c.d, c.n, 0), mid = {0}, j;
        bw_provenance p;
        jpeg_segment(&mid, 0xE1, "Exif\0", 6, e.d, e.n);
        j = jpeg_with(&mid);
        p = run(&j, BW_FORMAT_JPEG, NULL);
        expect_one(&p, BW_SIGNAL_EXIF, "AUTOMATIC1111 Stable Diffusion web UI",
                   "a red bicycle leaning on a wall, morning light",
                   "EXIF UserComment (JPEG APP1 EXIF)", 1);
        bw_provenance_free(&p);
        free(c.d);
        free(e.d);
        free(mid.d);
        free(j.d);
    }
}

/* Fooocus through Pillow: UserComment without a character code, in IFD0,
 * and Software naming Fooocus; in a WebP EXIF chunk. */
static void test_exif_fooocus_webp(void **state)
{
    static const char params[] = "a red bicycle\nNegative prompt: unrealistic\n"
                                 "Steps: 30, Sampler: DPM++ 2M SDE GPU, Seed: 5, Guidance Scale: 4, "
                                 "Version: Fooocus v2.5.5";
    buf e = exif_block(1, "Fooocus v2.5.5", (const uint8_t *)params, strlen(params), 1);
    buf w = {0};
    bw_provenance p;
    (void)state;
    put_s(&w, "RIFF");
    put32le(&w, 0);
    put_s(&w, "WEBPVP8X");
    put32le(&w, 10);
    put(&w, "\x08\0\0\0\x07\0\0\x07\0\0", 10);
    put_s(&w, "EXIF");
    put32le(&w, (uint32_t)e.n);
    put(&w, e.d, e.n);
    if (e.n & 1)
        put8(&w, 0);
    w.d[4] = (uint8_t)(w.n - 8);
    w.d[5] = (uint8_t)((w.n - 8) >> 8);
    p = run(&w, BW_FORMAT_WEBP, NULL);
    expect_one(&p, BW_SIGNAL_EXIF, "Fooocus", "a red bicycle", "WebP EXIF", 1);
    bw_provenance_free(&p);
    free(e.d);
    free(w.d);
}

static void test_exif_software(void **state)
{
    buf e = exif_block(0, "DiffusionBee 2.5.3", NULL, 0, 0), mid = {0}, j;
    bw_provenance p;
    (void)state;
    jpeg_segment(&mid, 0xE1, "Exif\0", 6, e.d, e.n);
    j = jpeg_with(&mid);
    p = run(&j, BW_FORMAT_JPEG, NULL);
    expect_one(&p, BW_SIGNAL_EXIF, "DiffusionBee", NULL, "EXIF Software", 1);
    bw_provenance_free(&p);
    free(e.d);
    free(mid.d);
    free(j.d);

    /* a camera's Software and an ordinary comment */
    e = exif_block(0, "Camera firmware 1.2", (const uint8_t *)"ASCII\0\0\0holiday", 15, 0);
    mid.d = NULL, mid.n = mid.cap = 0;
    jpeg_segment(&mid, 0xE1, "Exif\0", 6, e.d, e.n);
    j = jpeg_with(&mid);
    p = run(&j, BW_FORMAT_JPEG, NULL);
    expect_none(&p);
    bw_provenance_free(&p);
    free(e.d);
    free(mid.d);
    free(j.d);
}

/* A TIFF file: IFD0 Software naming a generator, and XMP in tag 700. */
static void test_tiff(void **state)
{
    static const char xmp[] =
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
        "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description "
        "xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\" "
        "Iptc4xmpExt:DigitalSourceType=\"http://cv.iptc.org/newscodes/digitalsourcetype/"
        "trainedAlgorithmicMedia\"/></rdf:RDF></x:xmpmeta>";
    static const char soft[] = "Midjourney";
    size_t xl = strlen(xmp), sl = strlen(soft) + 1;
    buf t = {0};
    bw_provenance p;
    (void)state;
    /* II*, IFD0 at 8 with two entries, then the data */
    put_s(&t, "II*");
    put8(&t, 0);
    put32le(&t, 8);
    put8(&t, 2), put8(&t, 0);
    put8(&t, 0x31), put8(&t, 0x01), put8(&t, 2), put8(&t, 0);
    put32le(&t, (uint32_t)sl);
    put32le(&t, 8 + 2 + 24 + 4);
    put8(&t, 700 & 0xff), put8(&t, 700 >> 8), put8(&t, 1), put8(&t, 0);
    put32le(&t, (uint32_t)xl);
    put32le(&t, (uint32_t)(8 + 2 + 24 + 4 + sl));
    put32le(&t, 0);
    put(&t, soft, sl);
    put(&t, xmp, xl);
    p = run(&t, BW_FORMAT_TIFF, NULL);
    assert_int_equal(p.n_signals, 2);
    assert_int_equal(p.signals[0].type, BW_SIGNAL_IPTC);
    assert_non_null(strstr(p.signals[0].detail, "trainedAlgorithmicMedia (TIFF)"));
    assert_int_equal(p.signals[1].type, BW_SIGNAL_EXIF);
    assert_string_equal(p.signals[1].generator, "Midjourney");
    assert_non_null(strstr(p.signals[1].detail, "EXIF Software (TIFF)"));
    bw_provenance_free(&p);
    free(t.d);
}

/* ---------------------------------------------------------------- XMP */

static const char xmp_attr[] =
    "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
    "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
    "<rdf:Description rdf:about=\"\" "
    "xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\" "
    "Iptc4xmpExt:DigitalSourceType=\"http://cv.iptc.org/newscodes/digitalsourcetype/"
    "trainedAlgorithmicMedia\"/>\n"
    "</rdf:RDF></x:xmpmeta>\n<?xpacket end=\"w\"?>";

static const char xmp_elem_fmt[] =
    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
    "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
    "<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" "
    "xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\">"
    "<xmp:CreatorTool>%s</xmp:CreatorTool>"
    "<Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/newscodes/digitalsourcetype/%s"
    "</Iptc4xmpExt:DigitalSourceType></rdf:Description></rdf:RDF></x:xmpmeta>";

static buf jpeg_xmp(const char *xmp)
{
    buf mid = {0}, j;
    jpeg_segment(&mid, 0xE1, "http://ns.adobe.com/xap/1.0/", 29, xmp, strlen(xmp));
    j = jpeg_with(&mid);
    free(mid.d);
    return j;
}

static void test_xmp_jpeg(void **state)
{
    char x[2048];
    buf j = jpeg_xmp(xmp_attr);
    bw_provenance p = run(&j, BW_FORMAT_JPEG, NULL);
    (void)state;
    expect_one(&p, BW_SIGNAL_IPTC, NULL, NULL,
               "Iptc4xmpExt:DigitalSourceType = trainedAlgorithmicMedia (JPEG APP1 XMP)", 1);
    bw_provenance_free(&p);
    free(j.d);

    /* element form, a camera: reported, not AI */
    snprintf(x, sizeof x, xmp_elem_fmt, "Camera firmware", "digitalCapture");
    j = jpeg_xmp(x);
    p = run(&j, BW_FORMAT_JPEG, NULL);
    expect_one(&p, BW_SIGNAL_IPTC, NULL, NULL, "= digitalCapture", 0);
    bw_provenance_free(&p);
    free(j.d);

    /* composite with AI, and a generator as CreatorTool: two signals */
    snprintf(x, sizeof x, xmp_elem_fmt, "Adobe Firefly", "compositeWithTrainedAlgorithmicMedia");
    j = jpeg_xmp(x);
    p = run(&j, BW_FORMAT_JPEG, NULL);
    assert_int_equal(p.n_signals, 2);
    assert_int_equal(p.signals[0].type, BW_SIGNAL_XMP);
    assert_string_equal(p.signals[0].generator, "Adobe Firefly");
    assert_int_equal(p.signals[1].type, BW_SIGNAL_IPTC);
    assert_non_null(strstr(p.signals[1].detail, "compositeWithTrainedAlgorithmicMedia"));
    assert_true(p.signals[1].ai);
    bw_provenance_free(&p);
    free(j.d);
}

/* Extended XMP: the packet split over two APP1 segments, out of order. */
static void test_xmp_extended(void **state)
{
    static const char guid[] = "0123456789ABCDEF0123456789ABCDEF";
    char x[2048];
    size_t n, half;
    buf mid = {0}, seg = {0}, j;
    bw_provenance p;
    (void)state;
    snprintf(x, sizeof x, xmp_elem_fmt, "unknown", "algorithmicMedia");
    n = strlen(x);
    half = n / 2;
    for (int part = 1; part >= 0; part--) {
        size_t off = part ? half : 0, len = part ? n - half : half;
        seg.n = 0;
        put(&seg, guid, 32);
        put32be(&seg, (uint32_t)n);
        put32be(&seg, (uint32_t)off);
        put(&seg, x + off, len);
        jpeg_segment(&mid, 0xE1, "http://ns.adobe.com/xmp/extension/", 35, seg.d, seg.n);
    }
    j = jpeg_with(&mid);
    p = run(&j, BW_FORMAT_JPEG, NULL);
    expect_one(&p, BW_SIGNAL_IPTC, NULL, NULL, "algorithmicMedia (JPEG APP1 extended XMP)", 1);
    bw_provenance_free(&p);
    free(j.d);

    /* only one half: never parsed */
    j = (buf){0};
    put(&j, "\xFF\xD8", 2);
    jpeg_segment(&j, 0xE1, "http://ns.adobe.com/xmp/extension/", 35, seg.d, seg.n);
    p = run(&j, BW_FORMAT_JPEG, NULL);
    expect_none(&p);
    bw_provenance_free(&p);
    free(j.d);
    free(seg.d);
    free(mid.d);
}

static void test_xmp_png_webp(void **state)
{
    const char *kv[] = {"XML:com.adobe.xmp", xmp_attr, NULL};
    buf b = png_with('i', kv), w = {0};
    bw_provenance p = run(&b, BW_FORMAT_PNG, NULL);
    (void)state;
    expect_one(&p, BW_SIGNAL_IPTC, NULL, NULL, "trainedAlgorithmicMedia (PNG iTXt", 1);
    bw_provenance_free(&p);
    free(b.d);

    put_s(&w, "RIFF");
    put32le(&w, 4 + 8 + (uint32_t)strlen(xmp_attr) + (strlen(xmp_attr) & 1));
    put_s(&w, "WEBPXMP ");
    put32le(&w, (uint32_t)strlen(xmp_attr));
    put_s(&w, xmp_attr);
    if (strlen(xmp_attr) & 1)
        put8(&w, 0);
    p = run(&w, BW_FORMAT_WEBP, NULL);
    expect_one(&p, BW_SIGNAL_IPTC, NULL, NULL, "trainedAlgorithmicMedia (WebP XMP)", 1);
    bw_provenance_free(&p);
    free(w.d);
}

/* XMP that is not XML, a billion-laughs DTD, an external entity: nothing. */
static void test_xmp_hostile(void **state)
{
    static const char *const bad[] = {
        "this is not XML at all \x01\x02\xff",
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF",
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
        "\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><a "
        "xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\" "
        "Iptc4xmpExt:DigitalSourceType=\"&lol2;trainedAlgorithmicMedia\"/>",
        "<?xml version=\"1.0\"?><!DOCTYPE a SYSTEM \"http://example.invalid/x.dtd\"><a/>",
        "",
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf j = jpeg_xmp(bad[i]);
        bw_provenance p = run(&j, BW_FORMAT_JPEG, NULL);
        expect_none(&p);
        bw_provenance_free(&p);
        free(j.d);
    }
}

/* ---------------------------------------------------------------- IPTC IIM */

static void test_iptc_iim(void **state)
{
    static const char prog[] = "Midjourney";
    buf irb = {0}, iim = {0}, mid = {0}, j;
    bw_provenance p;
    (void)state;
    put8(&iim, 0x1C);
    put8(&iim, 2);
    put8(&iim, 0);
    put16be(&iim, 2);
    put16be(&iim, 4);
    put8(&iim, 0x1C);
    put8(&iim, 2);
    put8(&iim, 65);
    put16be(&iim, (unsigned)strlen(prog));
    put_s(&iim, prog);
    put_s(&irb, "8BIM");
    put16be(&irb, 0x0404);
    put8(&irb, 0); /* empty name, padded */
    put8(&irb, 0);
    put32be(&irb, (uint32_t)iim.n);
    put(&irb, iim.d, iim.n);
    if (iim.n & 1)
        put8(&irb, 0);
    jpeg_segment(&mid, 0xED, "Photoshop 3.0", 14, irb.d, irb.n);
    j = jpeg_with(&mid);
    p = run(&j, BW_FORMAT_JPEG, NULL);
    expect_one(&p, BW_SIGNAL_IPTC, "Midjourney", NULL, "2:65 Originating Program", 1);
    bw_provenance_free(&p);
    free(iim.d);
    free(irb.d);
    free(mid.d);
    free(j.d);
}

/* ---------------------------------------------------------------- names */

static void test_known_generator_words(void **state)
{
    int ai = 0;
    (void)state;
    assert_string_equal(bw__meta_known_generator("Google Imagen 3", &ai), "Google Imagen");
    assert_true(ai);
    assert_null(bw__meta_known_generator("ImageNet viewer", &ai));
    assert_null(bw__meta_known_generator("Adobe Photoshop 25.0", &ai));
    assert_string_equal(bw__meta_known_generator("made with DALL\xC2\xB7" "E 3", &ai), "DALL-E");
    assert_null(bw__meta_known_generator(NULL, &ai));
}

/* ---------------------------------------------------------------- bad input */

/* Every truncation of every kind of file: no crash, no leak, and no
 * signal the whole file would not give. */
static void test_truncations(void **state)
{
    const char *kv[] = {"parameters", a1111_params, "prompt", comfy_api, "XML:com.adobe.xmp",
                        xmp_attr, NULL};
    buf files[3];
    bw_format fmts[3] = {BW_FORMAT_PNG, BW_FORMAT_JPEG, BW_FORMAT_PNG};
    buf c = unicode_comment(a1111_params, 0), e = exif_block(0, "NovelAI", c.d, c.n, 0), mid = {0};
    buf gz = deflated(a1111_params, strlen(a1111_params), 1);
    (void)state;
    files[0] = png_with('z', kv);
    jpeg_segment(&mid, 0xE1, "Exif\0", 6, e.d, e.n);
    jpeg_segment(&mid, 0xE1, "http://ns.adobe.com/xap/1.0/", 29, xmp_attr, strlen(xmp_attr));
    files[1] = jpeg_with(&mid);
    files[2] = stealth_png(64, 64, "stealth_pngcomp", gz.d, gz.n);
    for (int f = 0; f < 3; f++) {
        bw_provenance whole = run(&files[f], fmts[f], NULL);
        assert_true(whole.n_signals >= 1);
        for (size_t len = 0; len < files[f].n; len++) {
            buf cut = {files[f].d, len, len};
            bw_provenance p = run(&cut, fmts[f], NULL);
            assert_true(p.n_signals <= whole.n_signals);
            bw_provenance_free(&p);
        }
        bw_provenance_free(&whole);
        free(files[f].d);
    }
    free(c.d);
    free(e.d);
    free(mid.d);
    free(gz.d);
}

/* JSON nested 10,000 deep in a ComfyUI prompt: refused by the depth pass. */
static void test_deep_json(void **state)
{
    size_t depth = 10000;
    char *deep = malloc(depth * 2 + 16);
    const char *kv[] = {"prompt", deep, "invokeai_metadata", deep, NULL};
    (void)state;
    assert_non_null(deep);
    memcpy(deep, "{\"a\":", 5);
    for (size_t i = 0; i < depth; i++)
        deep[5 + i] = '[';
    for (size_t i = 0; i < depth; i++)
        deep[5 + depth + i] = ']';
    strcpy(deep + 5 + 2 * depth, "}");
    check_png_none('z', kv);
    free(deep);
}

/* Limit max_text_chunks: 100,000 text chunks, the generator's one last.
 * With the default limit the walk stops after 1,024 of them, quickly;
 * raised above the count, the last chunk is found. */
static void test_limit_text_chunks(void **state)
{
    buf b = {0};
    bw_limits lim;
    bw_provenance p;
    clock_t t0;
    double secs;
    (void)state;
    png_start(&b, 8, 8, 2);
    for (int i = 0; i < 100000 - 1; i++)
        png_text(&b, "Comment", "x");
    png_text(&b, "parameters", a1111_params);
    png_finish_small(&b);

    t0 = clock();
    p = run(&b, BW_FORMAT_PNG, NULL);
    secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    expect_none(&p);
    bw_provenance_free(&p);
    /* bounded time: far from a hang even under sanitizers (not a benchmark) */
    assert_true(secs < 5.0);

    bw_limits_default(&lim);
    lim.max_text_chunks = 200000;
    p = run(&b, BW_FORMAT_PNG, &lim);
    expect_one(&p, BW_SIGNAL_PNG_TEXT, "AUTOMATIC1111 Stable Diffusion web UI",
               "a red bicycle leaning on a wall, morning light", NULL, 1);
    bw_provenance_free(&p);
    free(b.d);
}

/* Limit max_meta_bytes: a text longer than the limit is cut there (the
 * parameters line is lost), and a zTXt bomb inflates to at most the limit. */
static void test_limit_meta_bytes(void **state)
{
    const char *kv[] = {"parameters", a1111_params, NULL};
    buf b = png_with('z', kv);
    bw_limits lim;
    bw_provenance p;
    uint8_t *zeros;
    size_t bomb = 64u << 20;
    (void)state;
    bw_limits_default(&lim);
    lim.max_meta_bytes = 64;
    p = run(&b, BW_FORMAT_PNG, &lim);
    expect_none(&p);
    bw_provenance_free(&p);
    p = run(&b, BW_FORMAT_PNG, NULL);
    assert_int_equal(p.n_signals, 1);
    bw_provenance_free(&p);
    free(b.d);

    /* 64 MiB of "a" behind a parameters keyword: a ~64 KiB zTXt */
    zeros = malloc(bomb + 1);
    assert_non_null(zeros);
    memset(zeros, 'a', bomb);
    zeros[bomb] = 0;
    {
        const char *bombkv[] = {"parameters", (const char *)zeros, NULL};
        buf bb = png_with('z', bombkv);
        size_t outlen = 0;
        uint8_t *out;
        bw__meta m;
        free(zeros);
        assert_true(bb.n < (1u << 20));
        p = run(&bb, BW_FORMAT_PNG, NULL);
        expect_none(&p);
        bw_provenance_free(&p);
        /* the inflater stops at the limit */
        memset(&m, 0, sizeof m);
        m.p = &p;
        m.lim = &lim;
        lim.max_meta_bytes = 1000;
        /* the chunk data starts after length, type, "parameters\0", method */
        out = bw__meta_inflate(&m, bb.d + 33 + 8 + 12, bb.n - 33 - 8 - 12, 0, &outlen);
        assert_non_null(out);
        assert_int_equal(outlen, 1000);
        free(out);
        free(bb.d);
    }
}

/* A file with no markers, and files that are not what fmt says. */
static void test_no_markers(void **state)
{
    const char *kv[] = {NULL};
    buf b = png_with('t', kv), junk = {(uint8_t *)"RIFF\xff\xff\xff\xffWEBPXMP \xff\xff\xff\x7f", 24, 0};
    bw_provenance p = run(&b, BW_FORMAT_PNG, NULL);
    (void)state;
    expect_none(&p);
    bw_provenance_free(&p);
    p = run(&b, BW_FORMAT_JPEG, NULL);
    expect_none(&p);
    bw_provenance_free(&p);
    p = run(&b, BW_FORMAT_WEBP, NULL);
    expect_none(&p);
    bw_provenance_free(&p);
    p = run(&b, BW_FORMAT_GIF, NULL);
    expect_none(&p);
    bw_provenance_free(&p);
    p = run(&junk, BW_FORMAT_WEBP, NULL);
    expect_none(&p);
    bw_provenance_free(&p);
    free(b.d);
    {
        buf empty = {NULL, 0, 0};
        p = run(&empty, BW_FORMAT_PNG, NULL);
        expect_none(&p);
        bw_provenance_free(&p);
    }
}

/* Through bw_provenance_examine: ai_generated and the prompt in JSON. */
static void test_examine_end_to_end(void **state)
{
    const char *kv[] = {"parameters", a1111_params, NULL};
    buf b = png_with('t', kv);
    bw_provenance p;
    bw_provenance_opts o = {0};
    bw_json j;
    (void)state;
    o.no_watermark = 1;
    assert_int_equal(bw_provenance_examine(b.d, b.n, &o, &p, NULL), BW_OK);
    /* unsigned generator metadata claims, it does not prove (issue 20, item 10) */
    assert_int_equal(p.ai_generated, BW_AI_CLAIMED);
    assert_true(p.n_signals >= 1);
    bw_json_init(&j);
    bw_json_object_begin(&j);
    bw_provenance_json_fields(&j, &p);
    bw_json_object_end(&j);
    assert_non_null(j.buf);
    assert_non_null(strstr(j.buf, "\"ai_generated\":\"claimed\""));
    assert_non_null(strstr(j.buf, "\"type\":\"png-text\""));
    assert_non_null(strstr(j.buf, "a red bicycle leaning on a wall"));
    bw_json_free(&j);
    bw_provenance_free(&p);
    free(b.d);
}

/* Every unsigned way of naming a generator gives "claimed", never "yes":
 * anyone can write these fields into a photograph (issue 20, item 10). */
static void examine_expect(const buf *b, int want, const char *want_json)
{
    bw_provenance p;
    bw_provenance_opts o = {0};
    bw_json j;
    o.no_watermark = 1;
    assert_int_equal(bw_provenance_examine(b->d, b->n, &o, &p, NULL), BW_OK);
    if (p.ai_generated != want)
        for (size_t i = 0; i < p.n_signals; i++)
            fprintf(stderr, "signal %zu: %s\n", i, p.signals[i].detail);
    assert_int_equal(p.ai_generated, want);
    bw_json_init(&j);
    bw_json_object_begin(&j);
    bw_provenance_json_fields(&j, &p);
    bw_json_object_end(&j);
    assert_non_null(strstr(j.buf, want_json));
    bw_json_free(&j);
    bw_provenance_free(&p);
}

static void test_unsigned_is_claimed(void **state)
{
    const char *params[] = {"parameters", a1111_params, NULL};
    const char *comfy[] = {"prompt", comfy_api, "workflow", comfy_ui, NULL};
    const char *workflow[] = {"workflow", comfy_ui, NULL};
    const char *caption[] = {"Title", "a red bicycle", NULL};
    const char kinds[] = {'t', 'z', 'i', 'I'};
    const char *claimed = "\"ai_generated\":\"claimed\"";
    char x[2048];
    buf b, e, mid = {0};
    (void)state;
    /* A1111 parameters in tEXt, zTXt, iTXt, compressed iTXt */
    for (size_t k = 0; k < sizeof kinds; k++) {
        b = png_with(kinds[k], params);
        examine_expect(&b, BW_AI_CLAIMED, claimed);
        free(b.d);
    }
    /* ComfyUI prompt + workflow, and workflow alone */
    b = png_with('t', comfy);
    examine_expect(&b, BW_AI_CLAIMED, claimed);
    free(b.d);
    b = png_with('i', workflow);
    examine_expect(&b, BW_AI_CLAIMED, claimed);
    free(b.d);
    /* EXIF Software naming a generator */
    e = exif_block(0, "DiffusionBee 2.5.3", NULL, 0, 0);
    jpeg_segment(&mid, 0xE1, "Exif\0", 6, e.d, e.n);
    b = jpeg_with(&mid);
    examine_expect(&b, BW_AI_CLAIMED, claimed);
    free(b.d);
    free(e.d);
    free(mid.d);
    /* XMP: a digital source type saying AI, without any manifest */
    b = jpeg_xmp(xmp_attr);
    examine_expect(&b, BW_AI_CLAIMED, claimed);
    free(b.d);
    /* XMP CreatorTool naming a generator, source type a camera's */
    snprintf(x, sizeof x, xmp_elem_fmt, "Adobe Firefly", "digitalCapture");
    b = jpeg_xmp(x);
    examine_expect(&b, BW_AI_CLAIMED, claimed);
    free(b.d);
    /* nothing that names a generator: no_evidence */
    b = png_with('t', caption);
    examine_expect(&b, BW_AI_NO_EVIDENCE, "\"ai_generated\":\"no_evidence\"");
    free(b.d);
    assert_string_equal(bw_ai_generated_name(BW_AI_YES), "yes");
    assert_string_equal(bw_ai_generated_name(BW_AI_CLAIMED), "claimed");
    assert_string_equal(bw_ai_generated_name(BW_AI_NO_EVIDENCE), "no_evidence");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a1111_text_kinds),
        cmocka_unit_test(test_forge_and_no_negative),
        cmocka_unit_test(test_parameters_not_params),
        cmocka_unit_test(test_comfyui),
        cmocka_unit_test(test_invokeai),
        cmocka_unit_test(test_novelai_text),
        cmocka_unit_test(test_fooocus_and_swarm_json),
        cmocka_unit_test(test_png_software_only),
        cmocka_unit_test(test_bad_crc),
        cmocka_unit_test(test_novelai_stealth),
        cmocka_unit_test(test_exif_user_comment),
        cmocka_unit_test(test_exif_fooocus_webp),
        cmocka_unit_test(test_exif_software),
        cmocka_unit_test(test_tiff),
        cmocka_unit_test(test_xmp_jpeg),
        cmocka_unit_test(test_xmp_extended),
        cmocka_unit_test(test_xmp_png_webp),
        cmocka_unit_test(test_xmp_hostile),
        cmocka_unit_test(test_iptc_iim),
        cmocka_unit_test(test_known_generator_words),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_deep_json),
        cmocka_unit_test(test_limit_text_chunks),
        cmocka_unit_test(test_limit_meta_bytes),
        cmocka_unit_test(test_no_markers),
        cmocka_unit_test(test_examine_end_to_end),
        cmocka_unit_test(test_unsigned_is_claimed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
