/* test_watermark.c -- the invisible-watermark decoder against the reference
 * Python decoder's figures for every file of ../shared/refdata/watermark/
 * (manifest.json): the per-bit vote averages, the decoded SDv1/SDv2 bytes
 * and SDXL bits, the bit counts for every message and channel order; then
 * the detection decision (message found where the reference decoder's bit
 * count reaches our threshold, nothing on the controls) and the signal. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>
#include "testutil.h"
#include "bulwark/image.h"
#include "bulwark/provenance.h"
#include "provenance/prov_internal.h"
#include "provenance/watermark/watermark_internal.h"

/* ---------------------------------------------------------------- helpers */

static yajl_val manifest;

static int setup(void **state)
{
    size_t len;
    char errbuf[256];
    char *text = (char *)bw_test_read_file(bw_test_refdata("watermark/manifest.json"), &len);
    (void)state;
    if (!text)
        return -1;
    manifest = yajl_tree_parse(text, errbuf, sizeof errbuf);
    free(text);
    return manifest && YAJL_IS_ARRAY(manifest) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    yajl_tree_free(manifest);
    return 0;
}

static yajl_val get(yajl_val obj, const char *a, const char *b)
{
    const char *path[3] = {a, b, NULL};
    return yajl_tree_get(obj, path, yajl_t_any);
}

static const char *get_str(yajl_val obj, const char *a, const char *b)
{
    yajl_val v = get(obj, a, b);
    assert_non_null(v);
    assert_true(YAJL_IS_STRING(v));
    return YAJL_GET_STRING(v);
}

static long get_int(yajl_val obj, const char *a, const char *b)
{
    yajl_val v = get(obj, a, b);
    assert_non_null(v);
    assert_true(YAJL_IS_INTEGER(v));
    return (long)YAJL_GET_INTEGER(v);
}

/* Decode a refdata file to full-size RGB with the library's decoder. */
static void decode_file(const char *file, bw_image *img)
{
    char rel[256];
    size_t len;
    unsigned char *data;
    bw_decode_opts o = {1, 0, NULL};
    bw_error err;
    snprintf(rel, sizeof rel, "watermark/%s", file);
    data = bw_test_read_file(bw_test_refdata(rel), &len);
    assert_non_null(data);
    if (bw_image_decode(data, len, &o, img, &err) != BW_OK) {
        fprintf(stderr, "%s: %s\n", file, bw_error_message(&err));
        fail();
    }
    free(data);
    assert_int_equal(img->channels, 3);
}

/* Index of a message by its manifest name. */
static int msg_index(const char *carries)
{
    const bw__wm_message *m = bw__wm_messages();
    for (int i = 0; i < BW__WM_NMSG; i++)
        if (strncmp(carries, m[i].name, strlen(m[i].name)) == 0)
            return i;
    if (strncmp(carries, "svd", 3) == 0)
        return BW__WM_SVD46;
    return -1;
}

/* ---------------------------------------------------------------- tests */

/* The message tables, against the bit strings written out by hand from
 * the refdata README (SDXL: 0b1011..., SVD: the 46 bits after bin()). */
static void test_message_bits(void **state)
{
    static const char sdxl[] = "101100111110110010010000011110111011000110011110";
    static const char svd[] = "1010101111111010000111100111001111010100101110";
    const bw__wm_message *m = bw__wm_messages();
    (void)state;
    assert_int_equal(m[BW__WM_SDXL].nbits, 48);
    assert_int_equal(m[BW__WM_SVD46].nbits, 46);
    assert_int_equal(m[BW__WM_SDV1].nbits, 136);
    assert_int_equal(m[BW__WM_SDV2].nbits, 32);
    for (unsigned i = 0; i < 48; i++)
        assert_int_equal(bw__wm_message_bit(&m[BW__WM_SDXL], i), sdxl[i] - '0');
    for (unsigned i = 0; i < 46; i++)
        assert_int_equal(bw__wm_message_bit(&m[BW__WM_SVD46], i), svd[i] - '0');
    /* 'S' = 0x53 = 01010011 */
    assert_int_equal(bw__wm_message_bit(&m[BW__WM_SDV2], 1), 1);
    assert_int_equal(bw__wm_message_bit(&m[BW__WM_SDV2], 2), 0);
    assert_int_equal(bw__wm_message_bit(&m[BW__WM_SDV2], 7), 1);
}

/* Binomial tails worked out by hand (sum of C(n,i)/2^n). */
static void test_chance(void **state)
{
    (void)state;
    assert_true(fabs(bw__wm_chance(48, 36) - 3.5863483669729135e-4) < 1e-15);
    assert_true(fabs(bw__wm_chance(32, 32) - 1.0 / 4294967296.0) < 1e-20);
    assert_true(fabs(bw__wm_chance(4, 2) - 11.0 / 16.0) < 1e-15);
    assert_true(bw__wm_chance(10, 0) == 1.0);
    assert_true(bw__wm_chance(10, 11) == 0.0);
}

/* Average of the votes against avg_scores_<n> and blocks_per_bit_<n>. */
static int check_scores(const char *file, const uint8_t *votes, size_t nblocks, yajl_val ref,
                        unsigned nbits)
{
    char key[32], bkey[32];
    double avg[BW__WM_MAX_BITS];
    unsigned count[BW__WM_MAX_BITS], lo = ~0u, hi = 0;
    yajl_val scores, blocks;
    int bad = 0;
    snprintf(key, sizeof key, "avg_scores_%u", nbits);
    snprintf(bkey, sizeof bkey, "blocks_per_bit_%u", nbits);
    scores = get(ref, key, NULL);
    blocks = get(ref, bkey, NULL);
    assert_true(scores && YAJL_IS_ARRAY(scores) && scores->u.array.len == nbits);
    assert_true(blocks && YAJL_IS_ARRAY(blocks) && blocks->u.array.len == 2);
    bw__wm_average(votes, nblocks, nbits, avg, count);
    for (unsigned b = 0; b < nbits; b++) {
        double want = YAJL_GET_DOUBLE(scores->u.array.values[b]);
        if (YAJL_IS_INTEGER(scores->u.array.values[b]))
            want = (double)YAJL_GET_INTEGER(scores->u.array.values[b]);
        /* the manifest rounds to 6 decimals */
        if (fabs(avg[b] - want) > 5.0000001e-7) {
            if (bad++ < 3)
                fprintf(stderr, "%s: avg_scores_%u[%u] = %.6f, reference %.6f\n", file, nbits, b,
                        avg[b], want);
        }
        lo = count[b] < lo ? count[b] : lo;
        hi = count[b] > hi ? count[b] : hi;
    }
    assert_int_equal(lo, YAJL_GET_INTEGER(blocks->u.array.values[0]));
    assert_int_equal(hi, YAJL_GET_INTEGER(blocks->u.array.values[1]));
    return bad;
}

static void hex_of_bits(const uint8_t *bits, unsigned nbits, char *out)
{
    for (unsigned i = 0; i < nbits / 8; i++) {
        unsigned v = 0;
        for (int k = 0; k < 8; k++)
            v = v << 1 | bits[i * 8 + k];
        sprintf(out + 2 * i, "%02x", v);
    }
}

/* Every file: the decoder's internals agree with the reference decoder. */
static void test_reference_vectors(void **state)
{
    size_t nfiles = manifest->u.array.len, checked = 0;
    (void)state;
    assert_true(nfiles >= 29);
    for (size_t f = 0; f < nfiles; f++) {
        yajl_val e = manifest->u.array.values[f];
        const char *file = get_str(e, "file", NULL);
        yajl_val ref = get(e, "reference_decoder", NULL);
        int is_jpeg = strstr(file, ".jpg") != NULL;
        bw_image img;
        bw__wm_result r;
        uint8_t *votes;
        size_t n;
        char hex[64], bits[64];
        int bad;

        decode_file(file, &img);
        n = bw__wm_block_count(img.width, img.height);
        votes = malloc(2 * n);
        assert_non_null(votes);
        assert_int_equal(bw__wm_votes(&img, votes, votes + n), BW_OK);
        bad = check_scores(file, votes, n, ref, 48) + check_scores(file, votes, n, ref, 136);
        /* PNG pixels are exactly the reference's; a JPEG decoder may
         * shift a few votes (README), but libjpeg-turbo's defaults are
         * what the reference used. */
        if (bad)
            fprintf(stderr, "%s: %d averages differ\n", file, bad);
        assert_int_equal(bad, 0);
        free(votes);

        assert_int_equal(bw__wm_decode(&img, &r), BW_OK);
        assert_true(r.decoded);
        hex_of_bits(r.bits[BW__WM_SDV1][BW__WM_BGR], 136, hex);
        assert_string_equal(hex, get_str(ref, "sdv1_bytes_hex", NULL));
        hex_of_bits(r.bits[BW__WM_SDV2][BW__WM_BGR], 32, hex);
        assert_string_equal(hex, get_str(ref, "sdv2_bytes_hex", NULL));
        for (int i = 0; i < 48; i++)
            bits[i] = (char)('0' + r.bits[BW__WM_SDXL][BW__WM_BGR][i]);
        bits[48] = 0;
        assert_string_equal(bits, get_str(ref, "sdxl_bits", NULL));
        assert_int_equal(r.match[BW__WM_SDV1][BW__WM_BGR], get_int(ref, "sdv1_match_of_136", NULL));
        assert_int_equal(r.match[BW__WM_SDV2][BW__WM_BGR], get_int(ref, "sdv2_match_of_32", NULL));
        assert_int_equal(r.match[BW__WM_SDXL][BW__WM_BGR], get_int(ref, "sdxl_match_of_48", NULL));
        assert_int_equal(r.match[BW__WM_SDXL][BW__WM_RB_SWAPPED],
                         get_int(ref, "sdxl_match_of_48_rb_swapped", NULL));
        assert_int_equal(r.match[BW__WM_SVD46][BW__WM_BGR], get_int(ref, "svd46_match_of_46", NULL));
        (void)is_jpeg;
        bw_image_free(&img);
        checked++;
    }
    assert_int_equal(checked, nfiles);
}

/* Every file: found exactly when the reference decoder's count for the
 * message the file carries reaches the threshold (in either channel
 * order), with that message; nothing at all on the controls. */
static void test_detection(void **state)
{
    size_t nfiles = manifest->u.array.len, found = 0, controls = 0;
    const bw__wm_message *m = bw__wm_messages();
    (void)state;
    for (size_t f = 0; f < nfiles; f++) {
        yajl_val e = manifest->u.array.values[f];
        const char *file = get_str(e, "file", NULL);
        const char *carries = get_str(e, "carries", NULL);
        yajl_val ref = get(e, "reference_decoder", NULL);
        int want_msg = msg_index(carries), want = 0;
        bw_provenance p;
        bw_image img;
        bw__wm_result r;

        if (want_msg >= 0) {
            static const char *const keys[BW__WM_NMSG] = {"sdv1_match_of_136", "sdv2_match_of_32",
                                                          "sdxl_match_of_48", "svd46_match_of_46"};
            long k = get_int(ref, keys[want_msg], NULL);
            if (want_msg == BW__WM_SDXL) {
                long k2 = get_int(ref, "sdxl_match_of_48_rb_swapped", NULL);
                k = k2 > k ? k2 : k;
            }
            want = k >= (long)m[want_msg].min_match;
        } else {
            assert_string_equal(carries, "none");
            assert_non_null(strstr(file, "_control"));
            controls++;
        }
        decode_file(file, &img);
        assert_int_equal(bw__wm_decode(&img, &r), BW_OK);
        if (r.found != want)
            fprintf(stderr, "%s: found %d, expected %d\n", file, r.found, want);
        assert_int_equal(r.found, want);
        if (want)
            assert_int_equal(r.best_msg, want_msg);

        memset(&p, 0, sizeof p);
        assert_int_equal(bw__prov_watermark(&img, NULL, &p), BW_OK);
        assert_int_equal(p.n_signals, (size_t)want);
        if (want) {
            assert_int_equal(p.signals[0].type, BW_SIGNAL_WATERMARK);
            assert_true(p.signals[0].ai && p.signals[0].verified);
            assert_non_null(strstr(p.signals[0].generator, m[want_msg].generator));
            assert_non_null(strstr(p.signals[0].detail, "bits agree"));
            found++;
        }
        bw_provenance_free(&p);
        bw_image_free(&img);
    }
    assert_int_equal(controls, 4);
    /* astronaut: sdv1, sdv1 q90 4:4:4, sdv2, sdxl (sgm float path), sdxl
     * uint8 path, sdxl diffusers, svd46; coffee: sdv1, sdxl diffusers */
    assert_int_equal(found, 9);
}

/* The diffusers file is found only in the swapped order and says so. */
static void test_diffusers_order(void **state)
{
    bw_image img;
    bw__wm_result r;
    bw_provenance p;
    (void)state;
    decode_file("astronaut_sdxl_diffusers.png", &img);
    assert_int_equal(bw__wm_decode(&img, &r), BW_OK);
    assert_true(r.found);
    assert_int_equal(r.best_msg, BW__WM_SDXL);
    assert_int_equal(r.best_order, BW__WM_RB_SWAPPED);
    assert_int_equal(r.match[BW__WM_SDXL][BW__WM_RB_SWAPPED], 48);
    memset(&p, 0, sizeof p);
    assert_int_equal(bw__prov_watermark(&img, NULL, &p), BW_OK);
    assert_int_equal(p.n_signals, 1);
    assert_string_equal(p.signals[0].generator, "Stable Diffusion XL (diffusers)");
    assert_non_null(strstr(p.signals[0].detail, "48/48"));
    assert_non_null(strstr(p.signals[0].detail, "R/B-swapped"));
    bw_provenance_free(&p);
    /* no_watermark: the source does nothing */
    {
        bw_provenance_opts o = {0};
        o.no_watermark = 1;
        memset(&p, 0, sizeof p);
        assert_int_equal(bw__prov_watermark(&img, &o, &p), BW_OK);
        assert_int_equal(p.n_signals, 0);
    }
    bw_image_free(&img);
}

/* Images the decoder must refuse quietly: too small (the reference's own
 * 256x256 minimum), grey, a scaled-down decode, no pixels. */
static void test_refusals(void **state)
{
    bw_image img;
    bw__wm_result r;
    uint8_t *px;
    (void)state;
    decode_file("astronaut_sdv1.png", &img);
    assert_int_equal(bw__wm_decode(&img, &r), BW_OK);
    assert_true(r.found);

    img.full_width = img.width * 2; /* pretend the fast path scaled it */
    assert_int_equal(bw__wm_decode(&img, &r), BW_OK);
    assert_false(r.decoded);
    img.full_width = img.width;

    px = img.pixels;
    img.height = 127; /* 512x127 < 256*256 */
    assert_int_equal(bw__wm_decode(&img, &r), BW_OK);
    assert_false(r.decoded);
    img.height = 512;

    img.channels = 1;
    assert_int_equal(bw__wm_decode(&img, &r), BW_OK);
    assert_false(r.decoded);
    img.channels = 3;

    img.pixels = NULL;
    assert_int_equal(bw__wm_decode(&img, &r), BW_OK);
    assert_false(r.decoded);
    assert_int_equal(bw__wm_decode(NULL, &r), BW_OK);
    assert_false(r.decoded);
    img.pixels = px;
    bw_image_free(&img);
}

/* A flat image: every decoded word is constant, which never matches. */
static void test_flat_image(void **state)
{
    bw_image img = {0};
    bw__wm_result r;
    (void)state;
    img.width = img.height = img.full_width = img.full_height = 256;
    img.channels = 3;
    img.stride = 256 * 3;
    img.pixels = malloc(256 * 256 * 3);
    assert_non_null(img.pixels);
    for (size_t i = 0; i < 256 * 256; i++) {
        img.pixels[3 * i] = 200; /* a pink: BGR (180,90,200) */
        img.pixels[3 * i + 1] = 90;
        img.pixels[3 * i + 2] = 180;
    }
    assert_int_equal(bw__wm_decode(&img, &r), BW_OK);
    assert_true(r.decoded);
    assert_int_equal(r.nblocks, 32 * 32);
    assert_false(r.found);
    for (int m = 0; m < BW__WM_NMSG; m++)
        assert_true(r.constant[m][0] && r.constant[m][1]);
    free(img.pixels);
}

/* Through bw_provenance_examine on the file's bytes: the pixels are decoded
 * and the watermark reported (ai_generated yes); the control has nothing. */
static void test_examine_end_to_end(void **state)
{
    static const char *const files[2] = {"watermark/astronaut_sdv2.png",
                                         "watermark/astronaut_control.png"};
    (void)state;
    for (int i = 0; i < 2; i++) {
        size_t len, wm = 0;
        unsigned char *data = bw_test_read_file(bw_test_refdata(files[i]), &len);
        bw_provenance p;
        assert_non_null(data);
        assert_int_equal(bw_provenance_examine(data, len, NULL, &p, NULL), BW_OK);
        for (size_t k = 0; k < p.n_signals; k++)
            if (p.signals[k].type == BW_SIGNAL_WATERMARK) {
                wm++;
                assert_string_equal(p.signals[k].generator, "Stable Diffusion 2.x");
                assert_non_null(strstr(p.signals[k].detail, "32/32 bits agree"));
            }
        assert_int_equal(wm, i == 0 ? 1 : 0);
        assert_int_equal(p.ai_generated, i == 0 ? 1 : 0);
        bw_provenance_free(&p);
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_message_bits),
        cmocka_unit_test(test_chance),
        cmocka_unit_test(test_reference_vectors),
        cmocka_unit_test(test_detection),
        cmocka_unit_test(test_diffusers_order),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_flat_image),
        cmocka_unit_test(test_examine_end_to_end),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
