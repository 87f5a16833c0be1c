/* accuracy.h -- what the two accuracy test programs share (test_accuracy.c
 * on the reference's images, test_corpus.c on the Debian photos): hash a
 * file through bw_hasher, compare it with the reference's full-resolution
 * hash, keep the figures, and apply the bounds of issue 2:
 *
 *   exact: identical for at least 90% of the files, never more than 2 bits
 *     away, quality within 1;
 *   fast: for reference quality >= 80, within 10 bits, median at most 4.
 *
 * Included by exactly those two programs (static functions). */
#ifndef BW_TEST_ACCURACY_H
#define BW_TEST_ACCURACY_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include <bulwark/hash.h>

typedef struct stats {
    int files, identical, max_dist, max_qdiff;
    int hq, hq_dist[256]; /* distances of files with reference quality >= 80 */
    int bad;              /* files outside the bounds */
} stats;

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

static int median_hq(stats *s)
{
    if (!s->hq)
        return 0;
    qsort(s->hq_dist, (size_t)s->hq, sizeof(int), cmp_int);
    return s->hq_dist[(s->hq - 1) / 2];
}

/* Hash one file; 0 on success. */
static int hash_file(bw_hasher *h, const char *path, bw_hash_result *r, bw_error *err)
{
    size_t n;
    unsigned char *data = bw_test_read_file(path, &n);
    bw_status st;
    if (!data) {
        snprintf(err->msg, sizeof err->msg, "cannot read");
        return -1;
    }
    bw_error_clear(err);
    st = bw_hasher_hash_memory(h, data, n, r, err);
    free(data);
    return st == BW_OK && r->kind == BW_KIND_IMAGE ? 0 : -1;
}

/* One file against its expected hash and quality. exact: the exact-path
 * bounds; otherwise the fast-path bound (10 bits when quality >= 80). */
static void check_one(bw_hasher *h, const char *path, const char *label, const char *hex,
                      int quality, int exact, stats *s)
{
    bw_hash_result r;
    bw_error err;
    bw_pdq want;
    int d, qd, bad;
    assert_int_equal(bw_pdq_from_hex(hex, strlen(hex), &want), BW_OK);
    s->files++;
    if (hash_file(h, path, &r, &err)) {
        printf("  FAIL %s: %s\n", label, bw_error_message(&err));
        s->bad++;
        return;
    }
    d = bw_pdq_distance(&r.pdq, &want);
    qd = abs(r.quality - quality);
    s->identical += d == 0;
    if (d > s->max_dist)
        s->max_dist = d;
    if (qd > s->max_qdiff)
        s->max_qdiff = qd;
    if (quality >= 80 && s->hq < 256)
        s->hq_dist[s->hq++] = d;
    bad = exact ? d > 2 || qd > 1 : quality >= 80 && d > 10;
    s->bad += bad;
    if (d || qd)
        printf("  %s %s: %d bits, quality %d (reference %d)\n", bad ? "FAIL" : "    ", label, d,
               r.quality, quality);
}

static void report(const char *what, int exact, stats *s)
{
    int med = median_hq(s);
    printf("%s, %s: %d files, %d identical (%.0f%%), max %d bits, median %d bits (quality >= 80),"
           " quality within %d\n",
           what, exact ? "exact" : "fast", s->files, s->identical,
           s->files ? 100.0 * s->identical / s->files : 0.0, s->max_dist, med, s->max_qdiff);
    assert_int_equal(s->bad, 0);
    if (exact)
        assert_true(s->identical * 10 >= s->files * 9);
    else
        assert_true(med <= 4);
}

static bw_hasher *new_hasher(int exact)
{
    bw_hash_opts o = {exact, 0, NULL};
    bw_hasher *h;
    bw_error err;
    assert_int_equal(bw_hasher_new(&h, &o, &err), BW_OK);
    return h;
}

#endif
