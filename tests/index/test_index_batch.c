/* test_index_batch.c -- bw_index_find_pdq_batch against a brute-force loop
 * written here (every hash within D, for D in {0, 8, 16, 31, 32, 48, 64},
 * on random and clustered hashes, for the automatic layout, forced
 * multi-index hashing with several table counts, and the scan), against
 * single lookups query by query (same hits in the same order, for
 * thousands of queries), on tiny indexes, and with bad arguments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include <bulwark/index.h>

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    return bw_test_rand(&rng_state);
}

static int dist(const bw_pdq *a, const bw_pdq *b)
{
    return bw_test_pdq_distance(a, b);
}

static void flip_bits(bw_pdq *h, int k)
{
    bw_test_flip_bits(h, k, &rng_state);
}

/* n hashes: random, the last `clustered` of them within 0-5 bits of the first 50. */
static bw_pdq *make_hashes(size_t n, size_t clustered)
{
    bw_pdq *v = malloc(n * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        for (int w = 0; w < 4; w++)
            v[i].w[w] = rnd();
    for (size_t i = 0; i < clustered && i < n; i++) {
        v[n - 1 - i] = v[i % 50 < n ? i % 50 : 0];
        flip_bits(&v[n - 1 - i], (int)(rnd() % 6));
    }
    return v;
}

static bw_pdq *make_queries(const bw_pdq *v, size_t n, size_t nq, int d)
{
    bw_pdq *q = malloc((nq ? nq : 1) * sizeof *q);
    assert_non_null(q);
    for (size_t i = 0; i < nq; i++) {
        if (i % 2 == 0 && n) {
            q[i] = v[rnd() % n];
            flip_bits(&q[i], (int)(rnd() % (unsigned)(d + 8)));
        } else {
            for (int w = 0; w < 4; w++)
                q[i].w[w] = rnd();
        }
    }
    return q;
}

/* The batch's hits for each query are exactly the brute-force set, each
 * with its true distance, nearest first and ties by id. */
static void batch_vs_brute_force(const bw_pdq *v, size_t n, const bw_index *ix, size_t nq)
{
    static const int ds[] = {0, 8, 16, 31, 32, 48, 64};
    uint32_t *want = malloc((n ? n : 1) * sizeof *want);
    size_t *first = malloc((nq + 1) * sizeof *first);
    for (size_t di = 0; di < sizeof ds / sizeof *ds; di++) {
        int d = ds[di];
        bw_pdq *q = make_queries(v, n, nq, d);
        bw_index_hits hits = {0};
        assert_int_equal(bw_index_find_pdq_batch(ix, q, nq, d, &hits, first, NULL), BW_OK);
        assert_int_equal(first[0], 0);
        assert_int_equal(first[nq], hits.n);
        for (size_t qi = 0; qi < nq; qi++) {
            size_t nw = 0;
            for (size_t i = 0; i < n; i++)
                if (dist(&q[qi], &v[i]) <= d)
                    want[nw++] = (uint32_t)i;
            assert_true(first[qi] <= first[qi + 1]);
            size_t got = first[qi + 1] - first[qi];
            if (got != nw)
                fprintf(stderr, "D=%d query %zu: batch %zu hits, brute force %zu\n", d, qi, got, nw);
            assert_int_equal(got, nw);
            const bw_index_hit *h = got ? hits.v + first[qi] : NULL;
            for (size_t k = 0; k < got; k++) {
                assert_int_equal(h[k].distance, dist(&q[qi], &v[h[k].id]));
                assert_true(h[k].distance <= d);
                assert_int_equal(h[k].kind, BW_HASH_PDQ);
                assert_int_equal(h[k].orientation, 0);
                if (k)
                    assert_true(h[k - 1].distance < h[k].distance ||
                                (h[k - 1].distance == h[k].distance && h[k - 1].id < h[k].id));
            }
            /* the same set: every wanted id is among the hits (hits are
             * distinct, counts are equal) */
            for (size_t w = 0; w < nw; w++) {
                int found = 0;
                for (size_t k = 0; k < got && !found; k++)
                    found = h[k].id == want[w];
                assert_true(found);
            }
        }
        bw_index_hits_free(&hits);
        free(q);
    }
    free(want);
    free(first);
}

static void test_batch_vs_brute_force(void **state)
{
    (void)state;
    size_t n = 100000;
    bw_pdq *v = make_hashes(n, 2000);
    const bw_index_opts opts[] = {
        {.method = BW_INDEX_AUTO},
        {.method = BW_INDEX_MIH},
        {.method = BW_INDEX_MIH, .tables = 4},
        {.method = BW_INDEX_MIH, .tables = 16},
        {.method = BW_INDEX_MIH, .layout = BW_INDEX_COMPACT},
        {.method = BW_INDEX_SCAN},
    };
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++) {
        bw_index *ix;
        assert_int_equal(bw_index_build_pdq(v, n, &opts[i], &ix, NULL), BW_OK);
        batch_vs_brute_force(v, n, ix, i == 0 ? 30 : 12);
        bw_index_unref(ix);
    }
    free(v);
}

/* Tiny indexes (ids of one or a few bits), with forced tables. */
static void test_batch_tiny(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 2, 3, 17, 300};
    static const int tables[] = {1, 2, 8, 16, -1}; /* -1: COMPACT */
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
        for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
            bw_pdq *v = make_hashes(sizes[s], sizes[s] / 2);
            bw_index_opts o = {.method = BW_INDEX_MIH, .tables = tables[t] > 0 ? tables[t] : 0,
                               .layout = tables[t] < 0 ? BW_INDEX_COMPACT : BW_INDEX_FAST};
            bw_index *ix;
            assert_int_equal(bw_index_build_pdq(v, sizes[s], &o, &ix, NULL), BW_OK);
            batch_vs_brute_force(v, sizes[s], ix, 9);
            bw_index_unref(ix);
            free(v);
        }
}

/* Many queries: the batch gives, query by
 * query, exactly what single lookups give (which test_index.c checks
 * against brute force), in the same order; hits already in the array
 * are kept. */
static void test_batch_equals_single(void **state)
{
    (void)state;
    size_t n = 200000, nq = 9000;
    bw_pdq *v = make_hashes(n, 20000);
    bw_index *ix;
    /* forced multi-index hashing, whatever the cost model would pick */
    bw_index_opts mih = {.method = BW_INDEX_MIH};
    assert_int_equal(bw_index_build_pdq(v, n, &mih, &ix, NULL), BW_OK);
    bw_index_plan_info plan;
    bw_index_plan(ix, 31, &plan);
    assert_int_equal(plan.method, BW_INDEX_MIH);
    static const int ds[] = {10, 31};
    for (size_t di = 0; di < 2; di++) {
        int d = ds[di];
        bw_pdq *q = make_queries(v, n, nq, 20);
        size_t *first = malloc((nq + 1) * sizeof *first);
        bw_index_hits hits = {0}, one = {0};
        hits.v = calloc(1, sizeof *hits.v); /* a hit already there */
        assert_non_null(hits.v);
        hits.cap = hits.n = 1;
        hits.v[0].id = 77;
        assert_int_equal(bw_index_find_pdq_batch(ix, q, nq, d, &hits, first, NULL), BW_OK);
        assert_int_equal(hits.v[0].id, 77);
        assert_int_equal(first[0], 1);
        size_t total = 0;
        for (size_t i = 0; i < nq; i++) {
            one.n = 0;
            assert_int_equal(bw_index_find_pdq(ix, &q[i], d, &one, NULL), BW_OK);
            assert_int_equal(first[i + 1] - first[i], one.n);
            for (size_t k = 0; k < one.n; k++) {
                assert_int_equal(hits.v[first[i] + k].id, one.v[k].id);
                assert_int_equal(hits.v[first[i] + k].distance, one.v[k].distance);
            }
            total += one.n;
        }
        assert_true(total >= nq / 2 * (d == 31 ? 1 : 0)); /* near-duplicates found */
        assert_int_equal(hits.n, total + 1);
        bw_index_hits_free(&hits);
        bw_index_hits_free(&one);
        free(first);
        free(q);
    }
    bw_index_unref(ix);
    free(v);
}

static void test_batch_args(void **state)
{
    (void)state;
    bw_pdq v[4];
    for (int i = 0; i < 4; i++)
        for (int w = 0; w < 4; w++)
            v[i].w[w] = rnd();
    bw_index *ix;
    assert_int_equal(bw_index_build_pdq(v, 4, NULL, &ix, NULL), BW_OK);
    bw_index_hits hits = {0};
    size_t first[5];
    bw_error err;
    assert_int_equal(bw_index_find_pdq_batch(ix, v, 4, 257, &hits, first, &err), BW_ERR_ARG);
    assert_int_equal(bw_index_find_pdq_batch(ix, v, 4, -1, &hits, first, &err), BW_ERR_ARG);
    assert_int_equal(bw_index_find_pdq_batch(ix, v, 4, 31, &hits, NULL, &err), BW_ERR_ARG);
    assert_int_equal(bw_index_find_pdq_batch(NULL, v, 4, 31, &hits, first, &err), BW_ERR_ARG);
    assert_int_equal(bw_index_find_pdq_batch(ix, NULL, 4, 31, &hits, first, &err), BW_ERR_ARG);
    /* no queries: first[0] is where the hits end */
    assert_int_equal(bw_index_find_pdq_batch(ix, NULL, 0, 31, &hits, first, &err), BW_OK);
    assert_int_equal(first[0], 0);
    /* every hash finds itself at distance 0 */
    assert_int_equal(bw_index_find_pdq_batch(ix, v, 4, 0, &hits, first, &err), BW_OK);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(first[i + 1] - first[i], 1);
        assert_int_equal(hits.v[first[i]].id, i);
        assert_int_equal(hits.v[first[i]].distance, 0);
    }
    bw_index_hits_free(&hits);
    bw_index_unref(ix);
    /* an empty index */
    assert_int_equal(bw_index_build_pdq(NULL, 0, NULL, &ix, NULL), BW_OK);
    assert_int_equal(bw_index_find_pdq_batch(ix, v, 4, 256, &hits, first, &err), BW_OK);
    assert_int_equal(hits.n, 0);
    assert_int_equal(first[4], 0);
    bw_index_unref(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_vs_brute_force),
        cmocka_unit_test(test_batch_tiny),
        cmocka_unit_test(test_batch_equals_single),
        cmocka_unit_test(test_batch_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
