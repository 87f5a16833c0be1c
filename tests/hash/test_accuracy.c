/* test_accuracy.c -- PDQ of the reference's own images through bw_hasher,
 * against Meta's reference (refdata/pdq, expected values computed by the
 * reference C++ hasher at full resolution; see its README.md).
 *
 *   exact (--exact): identical for at least 90% of the files, never more
 *     than 2 bits away, quality within 1 -- on the reference's images and
 *     on the 55 Debian photos of debian-corpus-fullres.tsv;
 *   fast (the default): for files of reference quality >= 80, within 10
 *     bits of the full-resolution hash, median at most 4;
 *   every file of data/misc-images/modes/ (the bridge photo re-saved by
 *     Pillow as 1-bit, CMYK, palette, WebP variants...) decodes, and hashes
 *     within those bounds of its own reference and within 10 bits of the
 *     original photo's.
 *
 * Each file is checked and the figures are printed. The same bounds on the
 * 55 Debian photos are in test_corpus.c (a separate program, so that ctest
 * can run the two side by side). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include <bulwark/hash.h>

#include "accuracy.h"

/* ---------------- The reference's images ---------------- */

static void run_reference(int exact)
{
    bw_tsv tsv;
    bw_hasher *h = new_hasher(exact);
    stats s = {0};
    int cp, ch, cq;
    assert_int_equal(
        bw_test_tsv_load(bw_test_refdata("pdq/expected/cpp-core-fullres-hashes.tsv"), &tsv), 0);
    cp = bw_test_tsv_col(&tsv, "path");
    ch = bw_test_tsv_col(&tsv, "pdq_hex_fullres");
    cq = bw_test_tsv_col(&tsv, "quality");
    assert_true(cp >= 0 && ch >= 0 && cq >= 0);
    for (size_t i = 1; i < tsv.nrows; i++) {
        char rel[512];
        snprintf(rel, sizeof rel, "pdq/%s", tsv.rows[i][cp]);
        check_one(h, bw_test_refdata(rel), tsv.rows[i][cp], tsv.rows[i][ch],
                  atoi(tsv.rows[i][cq]), exact, &s);
    }
    assert_true(s.files >= 45);
    report("reference images", exact, &s);
    bw_hasher_free(h);
    bw_test_tsv_free(&tsv);
}

static void test_reference_exact(void **state)
{
    (void)state;
    run_reference(1);
}

static void test_reference_fast(void **state)
{
    (void)state;
    run_reference(0);
}

/* ---------------- Every image mode ---------------- */

static void test_modes(void **state)
{
    bw_tsv tsv;
    const char *dir = bw_test_refdata("pdq/data/misc-images/modes");
    const char *orig_hex = NULL;
    DIR *d = opendir(dir);
    struct dirent *e;
    int cp, ch, cq, seen = 0;
    bw_pdq orig;
    (void)state;
    assert_non_null(d);
    assert_int_equal(
        bw_test_tsv_load(bw_test_refdata("pdq/expected/cpp-core-fullres-hashes.tsv"), &tsv), 0);
    cp = bw_test_tsv_col(&tsv, "path");
    ch = bw_test_tsv_col(&tsv, "pdq_hex_fullres");
    cq = bw_test_tsv_col(&tsv, "quality");
    for (size_t i = 1; i < tsv.nrows; i++)
        if (!strcmp(tsv.rows[i][cp], "data/misc-images/modes/original.jpg"))
            orig_hex = tsv.rows[i][ch];
    assert_non_null(orig_hex);
    assert_int_equal(bw_pdq_from_hex(orig_hex, 64, &orig), BW_OK);
    while ((e = readdir(d))) {
        char path[1024], rel[512];
        const char *hex = NULL;
        int quality = 0;
        if (e->d_name[0] == '.' || strstr(e->d_name, ".md"))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(rel, sizeof rel, "data/misc-images/modes/%s", e->d_name);
        for (size_t i = 1; i < tsv.nrows; i++)
            if (!strcmp(tsv.rows[i][cp], rel)) {
                hex = tsv.rows[i][ch];
                quality = atoi(tsv.rows[i][cq]);
            }
        for (int exact = 0; exact < 2; exact++) {
            bw_hasher *h = new_hasher(exact);
            bw_hash_result r;
            bw_error err;
            stats s = {0};
            if (hash_file(h, path, &r, &err)) {
                printf("  FAIL %s: %s\n", e->d_name, bw_error_message(&err));
                fail();
            }
            printf("  %-12s %-5s %-4s %ux%u quality %d, %d bits from the original photo\n",
                   e->d_name, exact ? "exact" : "fast", bw_format_name(r.format), r.width,
                   r.height, r.quality, bw_pdq_distance(&r.pdq, &orig));
            assert_true(bw_pdq_distance(&r.pdq, &orig) <= 10);
            if (hex) { /* its own reference hash, when the reference has one */
                check_one(h, path, e->d_name, hex, quality, exact, &s);
                assert_int_equal(s.bad, 0);
            }
            bw_hasher_free(h);
        }
        seen++;
    }
    closedir(d);
    bw_test_tsv_free(&tsv);
    printf("modes: %d files decoded and hashed in both paths\n", seen);
    assert_true(seen >= 14);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_exact),
        cmocka_unit_test(test_reference_fast),
        cmocka_unit_test(test_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
