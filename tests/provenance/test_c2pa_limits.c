/* test_c2pa_limits.c -- the C2PA reader on bad input the tests build by
 * hand: truncated JUMBF, box lengths pointing past the end, CBOR nested
 * 10,000 deep, a claim declaring 1 GB, JUMBF nested past max_jumbf_depth,
 * a store over max_box_bytes, XMP that is not XML, and JPEG APP11 segments
 * out of order (reassembled by packet sequence number). Each must give a
 * clear error for that file inside the result, never a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "bulwark/json.h"
#include "bulwark/provenance.h"
#include "provenance/c2pa/c2pa_internal.h"

/* ---------------------------------------------------------------- builder */

typedef struct buf {
    uint8_t *b;
    size_t n, cap;
} buf;

static void put(buf *o, const void *p, size_t n)
{
    if (o->n + n > o->cap) {
        o->cap = (o->n + n) * 2 + 64;
        o->b = realloc(o->b, o->cap);
        assert_non_null(o->b);
    }
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put32(buf *o, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(o, b, 4);
}

static void box(buf *o, const char *type, const void *payload, size_t n)
{
    put32(o, (uint32_t)(8 + n));
    put(o, type, 4);
    put(o, payload, n);
}

/* A superbox: description (4-char type id + the ISO suffix, label) and
 * the already-encoded children. */
static void superbox(buf *o, const char *id, const char *label, const buf *kids)
{
    static const uint8_t suffix[12] = {0x00, 0x11, 0x00, 0x10, 0x80, 0x00,
                                       0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
    buf d = {0};
    put(&d, id, 4);
    put(&d, suffix, 12);
    put(&d, "\x03", 1);
    put(&d, label, strlen(label) + 1);
    put32(o, (uint32_t)(8 + 8 + d.n + (kids ? kids->n : 0)));
    put(o, "jumb", 4);
    box(o, "jumd", d.b, d.n);
    if (kids)
        put(o, kids->b, kids->n);
    free(d.b);
}

/* A store with one manifest whose claim box holds claim_cbor. */
static buf store_with_claim(const uint8_t *claim, size_t n)
{
    buf cl = {0}, claim_box = {0}, man = {0}, store = {0};
    box(&cl, "cbor", claim, n);
    superbox(&claim_box, "c2cl", "c2pa.claim", &cl);
    superbox(&man, "c2ma", "urn:uuid:test", &claim_box);
    superbox(&store, "c2pa", "c2pa", &man);
    free(cl.b);
    free(claim_box.b);
    free(man.b);
    return store;
}

/* {"claim_generator": "t/1", "alg": "sha256", "assertions": []} */
static const uint8_t small_claim[] = {0xA3, 0x6F, 'c', 'l', 'a', 'i', 'm', '_', 'g', 'e', 'n',
                                      'e',  'r',  'a', 't', 'o', 'r', 0x63, 't', '/', '1',
                                      0x63, 'a',  'l', 'g', 0x66, 's', 'h', 'a', '2', '5',
                                      '6',  0x6A, 'a', 's', 's', 'e', 'r', 't', 'i', 'o',
                                      'n',  's',  0x80};

static void examine(const buf *b, const bw_limits *lim, bw_provenance *p)
{
    bw_provenance_opts opts = {0};
    opts.no_watermark = 1;
    opts.limits = lim;
    assert_int_equal(bw_provenance_examine(b->b, b->n, &opts, p, NULL), BW_OK);
}

static int has_code(const bw_provenance *p, const char *code)
{
    for (size_t i = 0; i < p->c2pa.n_status_codes; i++)
        if (strcmp(p->c2pa.status_codes[i], code) == 0)
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- tests */

static void test_small_store(void **state)
{
    buf s = store_with_claim(small_claim, sizeof small_claim);
    bw_provenance p;
    (void)state;
    examine(&s, NULL, &p);
    assert_int_equal(p.c2pa.present, 1);
    assert_string_equal(p.c2pa.location, "sidecar");
    assert_int_equal(p.c2pa.manifest_count, 1);
    assert_string_equal(p.c2pa.claim_generator, "t/1");
    assert_int_equal(p.c2pa.validation, BW_C2PA_INVALID);
    assert_true(has_code(&p, "claimSignature.missing"));
    assert_int_equal(p.ai_generated, 0);
    bw_provenance_free(&p);
    free(s.b);
}

static void test_truncated_jumbf(void **state)
{
    buf s = store_with_claim(small_claim, sizeof small_claim);
    bw_provenance p;
    (void)state;
    for (size_t cut = 1; cut < s.n - 8; cut += 7) {
        buf t = {s.b, s.n - cut, 0};
        examine(&t, NULL, &p);
        assert_int_equal(p.c2pa.present, 1);
        assert_int_equal(p.c2pa.validation, BW_C2PA_INVALID);
        assert_non_null(p.c2pa.error);
        bw_provenance_free(&p);
    }
    free(s.b);
}

static void test_box_past_end(void **state)
{
    buf s = store_with_claim(small_claim, sizeof small_claim);
    bw_provenance p;
    (void)state;
    /* the claim's cbor box says 1 GB */
    uint8_t *cb = memmem(s.b, s.n, "cbor", 4);
    assert_non_null(cb);
    cb[-4] = 0x40, cb[-3] = 0, cb[-2] = 0, cb[-1] = 0;
    examine(&s, NULL, &p);
    assert_int_equal(p.c2pa.validation, BW_C2PA_INVALID);
    assert_non_null(p.c2pa.error);
    assert_non_null(strstr(p.c2pa.error, "past the end"));
    bw_provenance_free(&p);
    free(s.b);
}

static void test_cbor_10000_deep(void **state)
{
    size_t n = 10001;
    uint8_t *deep = malloc(n);
    bw_provenance p;
    bw_error err;
    buf s;
    (void)state;
    memset(deep, 0x81, n - 1); /* [[[[...0...]]]] */
    deep[n - 1] = 0x00;
    /* the skimmer alone: stops at max_cbor_depth, before libcbor sees it */
    assert_int_equal(bw__cbor_skim(deep, n, BW_DEFAULT_MAX_CBOR_DEPTH, NULL, &err), BW_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "max_cbor_depth"));
    assert_null(bw__cbor_decode(deep, n, BW_DEFAULT_MAX_CBOR_DEPTH, 0, &err));
    /* exactly at the limit is fine */
    assert_int_equal(bw__cbor_skim(deep + n - 1 - 64, 65, 64, NULL, &err), BW_OK);
    assert_int_equal(bw__cbor_skim(deep + n - 1 - 65, 66, 64, NULL, &err), BW_ERR_LIMIT);
    /* as a claim: reported, no crash */
    s = store_with_claim(deep, n);
    examine(&s, NULL, &p);
    assert_int_equal(p.c2pa.validation, BW_C2PA_INVALID);
    assert_true(has_code(&p, "claim.malformed"));
    bw_provenance_free(&p);
    free(s.b);
    free(deep);
}

static void test_claim_1gb(void **state)
{
    /* a byte string declaring 1 GB, with 16 bytes behind it */
    uint8_t claim[5 + 16] = {0x5A, 0x40, 0x00, 0x00, 0x00};
    uint8_t arr[9] = {0x9B, 0, 0, 0, 0, 0x40, 0, 0, 0}; /* an array of 1G items */
    bw_provenance p;
    bw_error err;
    buf s;
    (void)state;
    assert_int_equal(bw__cbor_skim(claim, sizeof claim, 64, NULL, &err), BW_ERR_TRUNCATED);
    assert_non_null(strstr(err.msg, "past the end"));
    assert_int_equal(bw__cbor_skim(arr, sizeof arr, 64, NULL, &err), BW_ERR_TRUNCATED);
    s = store_with_claim(claim, sizeof claim);
    examine(&s, NULL, &p);
    assert_int_equal(p.c2pa.validation, BW_C2PA_INVALID);
    assert_true(has_code(&p, "claim.malformed"));
    bw_provenance_free(&p);
    free(s.b);
}

static void test_max_box_bytes(void **state)
{
    buf s = store_with_claim(small_claim, sizeof small_claim);
    bw_limits lim;
    bw_provenance p;
    (void)state;
    bw_limits_default(&lim);
    lim.max_box_bytes = 64;
    examine(&s, &lim, &p);
    assert_int_equal(p.c2pa.validation, BW_C2PA_INVALID);
    assert_non_null(p.c2pa.error);
    assert_non_null(strstr(p.c2pa.error, "max_box_bytes"));
    bw_provenance_free(&p);
    free(s.b);
}

static void test_max_jumbf_depth(void **state)
{
    buf inner = {0}, outer;
    bw_limits lim;
    bw__jbox *root = NULL;
    bw_error err;
    (void)state;
    superbox(&inner, "c2pa", "x", NULL);
    for (int i = 0; i < 20; i++) {
        outer = (buf){0};
        superbox(&outer, "c2pa", "x", &inner);
        free(inner.b);
        inner = outer;
    }
    bw_limits_default(&lim);
    assert_int_equal(bw__jumbf_parse(inner.b, inner.n, &lim, &root, &err), BW_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "max_jumbf_depth"));
    lim.max_jumbf_depth = 21;
    assert_int_equal(bw__jumbf_parse(inner.b, inner.n, &lim, &root, &err), BW_OK);
    bw__jumbf_free(root);
    free(inner.b);
}

/* A JPEG: SOI, the given segments, EOI (no pixels: provenance only). */
static void jpeg_segment(buf *o, uint8_t marker, const void *p, size_t n)
{
    uint8_t h[4] = {0xFF, marker, (uint8_t)((n + 2) >> 8), (uint8_t)(n + 2)};
    put(o, h, 4);
    put(o, p, n);
}

static void test_jpeg_app11_out_of_order(void **state)
{
    buf s = store_with_claim(small_claim, sizeof small_claim), j = {0}, seg;
    size_t half = s.n / 2;
    bw_provenance p;
    (void)state;
    put(&j, "\xFF\xD8", 2);
    /* second packet first: CI "JP", En 0x0211, Z 2, repeated LBox/TBox, rest */
    seg = (buf){0};
    put(&seg, "JP\x02\x11\x00\x00\x00\x02", 8);
    put(&seg, s.b, 8);
    put(&seg, s.b + half, s.n - half);
    jpeg_segment(&j, 0xEB, seg.b, seg.n);
    free(seg.b);
    seg = (buf){0};
    put(&seg, "JP\x02\x11\x00\x00\x00\x01", 8);
    put(&seg, s.b, half);
    jpeg_segment(&j, 0xEB, seg.b, seg.n);
    free(seg.b);
    put(&j, "\xFF\xD9", 2);
    examine(&j, NULL, &p);
    assert_int_equal(p.c2pa.present, 1);
    assert_string_equal(p.c2pa.location, "jpeg-app11");
    assert_int_equal(p.c2pa.manifest_count, 1);
    assert_string_equal(p.c2pa.claim_generator, "t/1");
    bw_provenance_free(&p);
    free(j.b);
    free(s.b);
}

static void test_xmp_not_xml(void **state)
{
    static const char ns[] = "http://ns.adobe.com/xap/1.0/";
    static const char junk[] = "<x:xmpmeta <<< dcterms:provenance=\"https://example.invalid/m\"";
    buf j = {0}, seg = {0};
    bw_provenance p;
    (void)state;
    put(&j, "\xFF\xD8", 2);
    put(&seg, ns, sizeof ns);
    put(&seg, junk, sizeof junk - 1);
    jpeg_segment(&j, 0xE1, seg.b, seg.n);
    put(&j, "\xFF\xD9", 2);
    examine(&j, NULL, &p);
    assert_int_equal(p.c2pa.present, 0);
    assert_null(p.c2pa.remote_url);
    assert_int_equal(p.ai_generated, 0);
    bw_provenance_free(&p);
    free(seg.b);
    free(j.b);
}

static void test_no_markers_json(void **state)
{
    uint8_t noise[4096];
    bw_provenance p;
    bw_json j;
    buf b = {noise, sizeof noise, 0};
    (void)state;
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (uint8_t)(i * 131 + 7);
    examine(&b, NULL, &p);
    assert_int_equal(p.n_signals, 0);
    bw_json_init(&j);
    bw_json_object_begin(&j);
    bw_provenance_json_fields(&j, &p);
    bw_json_object_end(&j);
    assert_int_equal(bw_json_status(&j), BW_OK);
    assert_string_equal(j.buf, "{\"ai_generated\":\"no_evidence\",\"signals\":[]}");
    bw_json_free(&j);
    bw_provenance_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_store),
        cmocka_unit_test(test_truncated_jumbf),
        cmocka_unit_test(test_box_past_end),
        cmocka_unit_test(test_cbor_10000_deep),
        cmocka_unit_test(test_claim_1gb),
        cmocka_unit_test(test_max_box_bytes),
        cmocka_unit_test(test_max_jumbf_depth),
        cmocka_unit_test(test_jpeg_app11_out_of_order),
        cmocka_unit_test(test_xmp_not_xml),
        cmocka_unit_test(test_no_markers_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
