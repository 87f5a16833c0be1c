/* test_pdq_reference.c -- the PDQ core against Meta's reference, with no
 * image decoder involved: every pixel buffer in refdata/pdq/pixels/ must
 * give exactly the hash and quality of pixels-index.tsv, and the dihedral
 * hashes of expected/cpp-reference-dihedral.tsv. Also hex round trips and
 * distances. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include <bulwark/pdq.h>

/* Load a binary PNM (P5 grey or P6 RGB, maxval 255) into an image. */
static int load_pnm(const char *path, bw_image *img)
{
    size_t len, pos = 2;
    unsigned char *b = bw_test_read_file(path, &len);
    unsigned vals[3];
    memset(img, 0, sizeof *img);
    if (!b || len < 2 || b[0] != 'P' || (b[1] != '5' && b[1] != '6')) {
        free(b);
        return -1;
    }
    for (int k = 0; k < 3; k++) {
        while (pos < len && (b[pos] == ' ' || b[pos] == '\n' || b[pos] == '\r' || b[pos] == '\t' ||
                             b[pos] == '#')) {
            if (b[pos] == '#')
                while (pos < len && b[pos] != '\n')
                    pos++;
            else
                pos++;
        }
        vals[k] = 0;
        while (pos < len && b[pos] >= '0' && b[pos] <= '9')
            vals[k] = vals[k] * 10 + (unsigned)(b[pos++] - '0');
    }
    pos++; /* the single whitespace after maxval */
    img->width = vals[0];
    img->height = vals[1];
    img->channels = b[1] == '6' ? 3 : 1;
    img->stride = img->width * img->channels;
    if (vals[2] != 255 || len - pos < (size_t)img->stride * img->height) {
        free(b);
        return -1;
    }
    img->pixels = malloc((size_t)img->stride * img->height);
    memcpy(img->pixels, b + pos, (size_t)img->stride * img->height);
    free(b);
    return 0;
}

static void test_pixels_index(void **state)
{
    bw_tsv tsv;
    int cbuf, chex, cq, checked = 0;
    (void)state;
    assert_int_equal(bw_test_tsv_load(bw_test_refdata("pdq/pixels/pixels-index.tsv"), &tsv), 0);
    cbuf = bw_test_tsv_col(&tsv, "buffer_file");
    chex = bw_test_tsv_col(&tsv, "pdq_hex");
    cq = bw_test_tsv_col(&tsv, "quality");
    assert_true(cbuf >= 0 && chex >= 0 && cq >= 0);
    for (size_t i = 1; i < tsv.nrows; i++) {
        char rel[512], hex[65];
        bw_image img;
        bw_pdq h;
        int q = -1;
        snprintf(rel, sizeof rel, "pdq/%s", tsv.rows[i][cbuf]);
        assert_int_equal(load_pnm(bw_test_refdata(rel), &img), 0);
        assert_int_equal(bw_pdq_hash_image(&img, &h, &q, NULL, NULL), BW_OK);
        bw_pdq_to_hex(&h, hex);
        if (strcmp(hex, tsv.rows[i][chex]) != 0)
            fprintf(stderr, "%s: got %s want %s\n", rel, hex, tsv.rows[i][chex]);
        assert_string_equal(hex, tsv.rows[i][chex]);
        assert_int_equal(q, atoi(tsv.rows[i][cq]));
        bw_image_free(&img);
        checked++;
    }
    assert_int_equal(checked, 7);
    bw_test_tsv_free(&tsv);
}

/* The dihedral table lists source images; the buffers in pixels/ are the
 * reference's pre-resized pixels of some of them, so check those rows. */
static void test_dihedral(void **state)
{
    bw_tsv idx, dih;
    int checked = 0;
    (void)state;
    assert_int_equal(bw_test_tsv_load(bw_test_refdata("pdq/pixels/pixels-index.tsv"), &idx), 0);
    assert_int_equal(bw_test_tsv_load(bw_test_refdata("pdq/expected/cpp-reference-dihedral.tsv"),
                                      &dih), 0);
    for (size_t i = 1; i < idx.nrows; i++) {
        const char *src = idx.rows[i][0];
        for (size_t r = 1; r < dih.nrows; r++) {
            char rel[512];
            bw_image img;
            bw_pdq h, d8[BW_PDQ_DIHEDRAL_COUNT];
            int q;
            if (strcmp(dih.rows[r][0], src) != 0)
                continue;
            snprintf(rel, sizeof rel, "pdq/%s", idx.rows[i][4]);
            assert_int_equal(load_pnm(bw_test_refdata(rel), &img), 0);
            assert_int_equal(bw_pdq_hash_image(&img, &h, &q, d8, NULL), BW_OK);
            assert_int_equal(q, atoi(dih.rows[r][1]));
            for (int d = 0; d < BW_PDQ_DIHEDRAL_COUNT; d++) {
                char hex[65];
                bw_pdq_to_hex(&d8[d], hex);
                if (strcmp(hex, dih.rows[r][2 + d]) != 0)
                    fprintf(stderr, "%s dihedral %d: got %s want %s\n", src, d, hex,
                            dih.rows[r][2 + d]);
                assert_string_equal(hex, dih.rows[r][2 + d]);
            }
            bw_image_free(&img);
            checked++;
        }
    }
    assert_true(checked >= 5);
    bw_test_tsv_free(&idx);
    bw_test_tsv_free(&dih);
}

/* Intermediate buffers: the 64x64 after filtering must agree with the
 * reference's dump to float precision (checks the filter independently of
 * the final bits). Exercised through the public luma entry point: hashing
 * the 64x64 dump itself must give the same hash as the full buffer. */
static void test_downsample_dump(void **state)
{
    static const char *const names[] = {"bridge-1-original", "wee", "q0746", "L"};
    (void)state;
    for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
        char rel[256];
        size_t len;
        unsigned char *txt;
        float luma[64 * 64];
        int k = 0;
        char *p, *line;
        bw_pdq from_dump, from_pixels;
        bw_image img;
        bw_tsv idx;
        snprintf(rel, sizeof rel, "pdq/pixels/%s.downsample64x64.txt", names[n]);
        txt = bw_test_read_file(bw_test_refdata(rel), &len);
        assert_non_null(txt);
        for (line = strtok_r((char *)txt, "\n", &p); line && k < 4096;
             line = strtok_r(NULL, "\n", &p)) {
            char *s = line, *end;
            if (line[0] == '#')
                continue;
            for (;;) {
                float v = strtof(s, &end);
                if (end == s)
                    break;
                luma[k++] = v;
                s = end;
            }
        }
        free(txt);
        assert_int_equal(k, 4096);
        assert_int_equal(bw_pdq_hash_luma(luma, 64, 64, &from_dump, NULL, NULL, NULL), BW_OK);
        /* the same image from its pixel buffer */
        assert_int_equal(bw_test_tsv_load(bw_test_refdata("pdq/pixels/pixels-index.tsv"), &idx),
                         0);
        for (size_t i = 1; i < idx.nrows; i++) {
            if (!strstr(idx.rows[i][4], names[n]))
                continue;
            snprintf(rel, sizeof rel, "pdq/%s", idx.rows[i][4]);
            assert_int_equal(load_pnm(bw_test_refdata(rel), &img), 0);
            assert_int_equal(bw_pdq_hash_image(&img, &from_pixels, NULL, NULL, NULL), BW_OK);
            assert_int_equal(bw_pdq_distance(&from_dump, &from_pixels), 0);
            bw_image_free(&img);
        }
        bw_test_tsv_free(&idx);
    }
}

static void test_hex_and_distance(void **state)
{
    const char *hex = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";
    char back[65];
    bw_pdq a, b;
    (void)state;
    assert_int_equal(bw_pdq_from_hex(hex, 64, &a), BW_OK);
    bw_pdq_to_hex(&a, back);
    assert_string_equal(back, hex);
    /* first digit d = bits 255..252 = 1101 */
    assert_true((a.w[3] >> 63) & 1);
    assert_false((a.w[3] >> 61) & 1);
    /* last digit 2 = bits 3..0 = 0010 */
    assert_int_equal(a.w[0] & 15, 2);
    b = a;
    b.w[0] ^= 0xF;
    b.w[3] ^= (uint64_t)1 << 63;
    assert_int_equal(bw_pdq_distance(&a, &b), 5);
    assert_int_equal(bw_pdq_from_hex(hex, 63, &b), BW_ERR_ARG);
    assert_int_equal(bw_pdq_from_hex("zz", 2, &b), BW_ERR_ARG);
    back[10] = 'g';
    assert_int_equal(bw_pdq_from_hex(back, 64, &b), BW_ERR_ARG);
}

static void test_tiny_images(void **state)
{
    uint8_t px[4 * 4 * 3];
    bw_image img = {px, 4, 4, 12, 3, 4, 4, BW_FORMAT_UNKNOWN, 0};
    bw_pdq h;
    int q = 7;
    (void)state;
    memset(px, 200, sizeof px);
    assert_int_equal(bw_pdq_hash_image(&img, &h, &q, NULL, NULL), BW_OK);
    assert_int_equal(q, 0);
    assert_true(h.w[0] == 0 && h.w[1] == 0 && h.w[2] == 0 && h.w[3] == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pixels_index),
        cmocka_unit_test(test_dihedral),
        cmocka_unit_test(test_downsample_dump),
        cmocka_unit_test(test_hex_and_distance),
        cmocka_unit_test(test_tiny_images),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
