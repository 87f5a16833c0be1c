/* test_corpus.c -- PDQ of the 55 Debian photos of the reference corpus
 * (refdata/pdq/debian-corpus-fullres.tsv: 400x225 to 5640x3172, 60 MB of
 * JPEG, baseline and progressive) through bw_hasher, against the reference
 * C++ hasher's full-resolution hashes:
 *
 *   exact: identical for at least 90% of the files, never more than 2 bits
 *     away, quality within 1;
 *   fast (the default path: DCT scaling, the DC-only stop of progressive
 *     files): for files of reference quality >= 80, within 10 bits, median
 *     at most 4.
 *
 * Each file is checked and the figures printed. The photos come from the
 * Debian packages mate-backgrounds and plasma-workspace-wallpapers
 * (`scripts/deps.sh --corpus`, which `make check` runs); without them both
 * tests are skipped, saying so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "testutil.h"
#include <bulwark/hash.h>

#include "accuracy.h"

/* ---------------- The Debian photos ---------------- */

static void run_debian(int exact)
{
    bw_tsv tsv;
    bw_hasher *h;
    stats s = {0};
    int cp, ch, cq;
    struct stat st;
    char path[1024];
    assert_int_equal(bw_test_tsv_load(bw_test_refdata("pdq/debian-corpus-fullres.tsv"), &tsv), 0);
    cp = bw_test_tsv_col(&tsv, "path_in_package");
    ch = bw_test_tsv_col(&tsv, "pdq_hex_fullres");
    cq = bw_test_tsv_col(&tsv, "quality_fullres");
    assert_true(cp >= 0 && ch >= 0 && cq >= 0 && tsv.nrows == 56);
    for (size_t i = 1; i < tsv.nrows; i++) {
        snprintf(path, sizeof path, "/%s", tsv.rows[i][cp]);
        if (stat(path, &st) != 0) {
            printf("Debian photo corpus not installed (%s missing): run scripts/deps.sh --corpus\n",
                   path);
            bw_test_tsv_free(&tsv);
            skip();
        }
    }
    h = new_hasher(exact);
    for (size_t i = 1; i < tsv.nrows; i++) {
        snprintf(path, sizeof path, "/%s", tsv.rows[i][cp]);
        check_one(h, path, tsv.rows[i][cp], tsv.rows[i][ch], atoi(tsv.rows[i][cq]), exact, &s);
    }
    report("Debian photos", exact, &s);
    bw_hasher_free(h);
    bw_test_tsv_free(&tsv);
}

static void test_debian_exact(void **state)
{
    (void)state;
    run_debian(1);
}

static void test_debian_fast(void **state)
{
    (void)state;
    run_debian(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debian_exact),
        cmocka_unit_test(test_debian_fast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
