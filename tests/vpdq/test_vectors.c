/* test_vectors.c -- vPDQ of every frame of all 14 sample videos, native
 * and 128x128, against the reference's vectors (refdata/vpdq): the
 * figures docs/vpdq.md gives. Labelled slow (about 35 s in a release
 * build, 5 min under ASan); test_vpdq.c runs three of the videos always. */
#include "vectors.h"

/* Every frame of every sample video, native and 128x128, hashed once and
 * compared with two references:
 *  - derived/ (the reference built on this FFmpeg): every line identical
 *    -- frame number, quality, PDQ, timestamp (docs/vpdq.md);
 *  - sample-hashes/ (upstream's files, another FFmpeg build): same frames,
 *    and every frame of quality >= 50 on both sides within upstream's match
 *    distance (< 31, as match-hashes-byline); compare-to-upstream.tsv
 *    measured max 6 native (22 for the dark doorknob clip), 16 at 128x128. */
static void test_vectors(void **state)
{
    char names[32][96];
    size_t n = video_names(names, 32), lines = 0, differ = 0;
    int maxd = 0, maxu[2] = {0, 0}, upstream_files = 0;
    (void)state;
    assert_int_equal(n, 14);
    for (size_t i = 0; i < n; i++)
        for (int s = 0; s < 2; s++) {
            cmp c, u;
            int has_u;
            hash_and_compare(names[i], s ? 128 : 0, &c, &u, &has_u);
            upstream_files += has_u;
            lines += c.lines;
            differ += c.pdq_differ;
            if (c.max_dist > maxd)
                maxd = c.max_dist;
            if (u.max_dist_q50 > maxu[s])
                maxu[s] = u.max_dist_q50;
            print_message("vpdq %-30s %-7s %4zu lines: derived %4zu identical (max %d); "
                          "upstream max %d, quality>=50 max %d\n",
                          names[i], s ? "128x128" : "native", c.lines, c.identical, c.max_dist,
                          u.max_dist, u.max_dist_q50);
            assert_true(u.max_dist_q50 < BW_PDQ_DEFAULT_MAX_DISTANCE);
        }
    print_message("vpdq derived: %zu lines, %zu PDQ differ, max distance %d; upstream "
                  "quality>=50 max distance native %d, 128x128 %d\n",
                  lines, differ, maxd, maxu[0], maxu[1]);
    assert_int_equal(lines, 11744);
    assert_int_equal(upstream_files, 27);
    assert_int_equal(differ, 0);
    assert_int_equal(maxd, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_vectors)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
