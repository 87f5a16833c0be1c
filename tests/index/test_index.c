/* test_index.c -- the PDQ/exact index against ground truth it did not
 * produce: ThreatExchange's needles/haystack vectors with the brute-force
 * counts of refdata/pdq/expected/index-needles-haystack.tsv (every listed
 * distance, every table layout), a randomized comparison with a plain
 * scan written here over 100k hashes for D in {0,8,16,31,32,48,64},
 * dihedral lookups, exact kinds, packing, bad arguments, and swapping an
 * index under concurrent readers. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include <bulwark/index.h>

static int dist(const bw_pdq *a, const bw_pdq *b)
{
    return bw_test_pdq_distance(a, b);
}

static size_t load_hashes(const char *rel, bw_pdq **out)
{
    bw_tsv t;
    assert_int_equal(bw_test_tsv_load(bw_test_refdata(rel), &t), 0);
    bw_pdq *v = calloc(t.nrows, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < t.nrows; i++) {
        if (t.nfields[i] < 1 || strlen(t.rows[i][0]) != 64)
            continue;
        assert_int_equal(bw_pdq_from_hex(t.rows[i][0], 64, &v[n]), BW_OK);
        n++;
    }
    bw_test_tsv_free(&t);
    *out = v;
    return n;
}

static void needles_haystack_with(const bw_index_opts *o)
{
    bw_pdq *needles, *hay;
    size_t nn = load_hashes("pdq/data/reg-test-input/needles.txt", &needles);
    size_t nh = load_hashes("pdq/data/reg-test-input/haystack.txt", &hay);
    assert_int_equal(nn, 100);
    assert_int_equal(nh, 1350);
    bw_index *ix;
    assert_int_equal(bw_index_build_pdq(hay, nh, o, &ix, NULL), BW_OK);
    bw_tsv t;
    assert_int_equal(bw_test_tsv_load(bw_test_refdata("pdq/expected/index-needles-haystack.tsv"), &t),
                     0);
    int cd = bw_test_tsv_col(&t, "max_hamming_distance_inclusive");
    int ct = bw_test_tsv_col(&t, "total_matches");
    int cn = bw_test_tsv_col(&t, "needles_with_at_least_one_match");
    assert_true(cd >= 0 && ct >= 0 && cn >= 0);
    assert_true(t.nrows >= 10);
    bw_index_hits hits = {0};
    for (size_t r = 1; r < t.nrows; r++) {
        int d = atoi(t.rows[r][cd]);
        long total = 0, with = 0;
        for (size_t i = 0; i < nn; i++) {
            hits.n = 0;
            assert_int_equal(bw_index_find_pdq(ix, &needles[i], d, &hits, NULL), BW_OK);
            total += (long)hits.n;
            with += hits.n > 0;
            for (size_t k = 0; k < hits.n; k++) {
                assert_int_equal(hits.v[k].distance, dist(&needles[i], &hay[hits.v[k].id]));
                if (k)
                    assert_true(hits.v[k - 1].distance <= hits.v[k].distance);
            }
        }
        if (total != atol(t.rows[r][ct]) || with != atol(t.rows[r][cn]))
            fprintf(stderr, "d=%d tables=%d method=%d: %ld/%ld, want %s/%s\n", d, o->tables,
                    o->method, total, with, t.rows[r][ct], t.rows[r][cn]);
        assert_int_equal(total, atol(t.rows[r][ct]));
        assert_int_equal(with, atol(t.rows[r][cn]));
    }
    bw_index_hits_free(&hits);
    bw_test_tsv_free(&t);
    bw_index_unref(ix);
    free(needles);
    free(hay);
}

static void test_needles_haystack(void **state)
{
    (void)state;
    static const int tables[] = {0, 1, 2, 4, 8, 11, 16};
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        bw_index_opts o = {.method = BW_INDEX_MIH, .tables = tables[i]};
        needles_haystack_with(&o);
    }
    bw_index_opts compact = {.method = BW_INDEX_MIH, .layout = BW_INDEX_COMPACT};
    needles_haystack_with(&compact);
    bw_index_opts scan = {.method = BW_INDEX_SCAN};
    needles_haystack_with(&scan);
    bw_index_opts autom = {.method = BW_INDEX_AUTO};
    needles_haystack_with(&autom);
}

static uint64_t rng_state = 0x853c49e6748fea9bull;
static uint64_t rnd(void)
{
    return bw_test_rand(&rng_state);
}

static void flip_bits(bw_pdq *h, int k)
{
    bw_test_flip_bits(h, k, &rng_state);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void compare_with_brute_force(const bw_pdq *v, size_t n, const bw_index *ix, int queries)
{
    static const int ds[] = {0, 8, 16, 31, 32, 48, 64};
    bw_index_hits hits = {0};
    uint32_t *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got);
    for (size_t di = 0; di < sizeof ds / sizeof *ds; di++) {
        int d = ds[di];
        for (int qi = 0; qi < queries; qi++) {
            bw_pdq q;
            if (qi % 2 == 0) {
                q = v[rnd() % n];
                flip_bits(&q, (int)(rnd() % (unsigned)(d + 8)));
            } else {
                for (int w = 0; w < 4; w++)
                    q.w[w] = rnd();
            }
            size_t nw = 0;
            for (size_t i = 0; i < n; i++)
                if (dist(&q, &v[i]) <= d)
                    want[nw++] = (uint32_t)i;
            hits.n = 0;
            assert_int_equal(bw_index_find_pdq(ix, &q, d, &hits, NULL), BW_OK);
            for (size_t k = 0; k < hits.n; k++)
                got[k] = hits.v[k].id;
            qsort(got, hits.n, sizeof *got, cmp_u32);
            if (hits.n != nw)
                fprintf(stderr, "D=%d query %d: %zu hits, brute force %zu\n", d, qi, hits.n, nw);
            assert_int_equal(hits.n, nw);
            assert_memory_equal(got, want, nw * sizeof *got);
        }
    }
    bw_index_hits_free(&hits);
    free(want);
    free(got);
}

static void test_random_vs_brute_force(void **state)
{
    (void)state;
    size_t n = 100000;
    bw_pdq *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        for (int w = 0; w < 4; w++)
            v[i].w[w] = rnd();
    /* some clusters: hashes a few bits from each other */
    for (size_t i = 0; i < 2000; i++) {
        v[n - 1 - i] = v[i % 50];
        flip_bits(&v[n - 1 - i], (int)(rnd() % 6));
    }
    bw_index *ix;
    bw_index_opts autom = {0}, mih = {.method = BW_INDEX_MIH};
    assert_int_equal(bw_index_build_pdq(v, n, &autom, &ix, NULL), BW_OK);
    assert_int_equal(bw_index_count(ix, BW_HASH_PDQ), n);
    compare_with_brute_force(v, n, ix, 40);
    bw_index_unref(ix);
    assert_int_equal(bw_index_build_pdq(v, n, &mih, &ix, NULL), BW_OK);
    compare_with_brute_force(v, n, ix, 20);
    bw_index_unref(ix);
    /* COMPACT, from hashes in no particular order (ids then go through
     * its position maps) */
    bw_index_opts compact = {.layout = BW_INDEX_COMPACT};
    assert_int_equal(bw_index_build_pdq(v, n, &compact, &ix, NULL), BW_OK);
    bw_index_plan_info plan;
    bw_index_plan(ix, 31, &plan);
    assert_int_equal(plan.layout, BW_INDEX_COMPACT);
    assert_null(bw_index_pdq(ix, 0));
    compare_with_brute_force(v, n, ix, 20);
    bw_index_unref(ix);
    free(v);
}

static int cmp_packed(const void *a, const void *b)
{
    uint8_t x[32], y[32];
    bw_pdq_pack(a, x);
    bw_pdq_pack(b, y);
    return memcmp(x, y, 32);
}

/* COMPACT holds no copy of the hashes: every id must give its hash back
 * (from the tables alone), for hashes added in a store's order (ids are
 * then positions in table 15) and in no order (position maps); lists
 * with huge groups (tens of thousands of equal hashes: long links, a
 * directory that needs a base per key) must still be exact. */
static void test_compact_layout(void **state)
{
    (void)state;
    size_t n = 80000;
    bw_pdq *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        for (int w = 0; w < 4; w++)
            v[i].w[w] = rnd();
    for (int sorted = 0; sorted < 2; sorted++) {
        if (sorted)
            qsort(v, n, sizeof *v, cmp_packed);
        bw_index_opts o = {.layout = BW_INDEX_COMPACT};
        bw_index *ix;
        assert_int_equal(bw_index_build_pdq(v, n, &o, &ix, NULL), BW_OK);
        for (size_t i = 0; i < n; i++) {
            bw_pdq back;
            assert_int_equal(bw_index_pdq_get(ix, (uint32_t)i, &back), BW_OK);
            assert_memory_equal(&back, &v[i], sizeof back);
        }
        bw_pdq back;
        assert_int_equal(bw_index_pdq_get(ix, (uint32_t)n, &back), BW_ERR_ARG);
        bw_index_unref(ix);
    }
    /* past 200,000 hashes the tables are built on several threads, each
     * column of parts freed once the three tables that read it are done:
     * every id still gives its hash back */
    size_t big = 250000;
    bw_pdq *w = malloc(big * sizeof *w);
    for (size_t i = 0; i < big; i++)
        for (int k = 0; k < 4; k++)
            w[i].w[k] = rnd();
    for (int sorted = 0; sorted < 2; sorted++) {
        if (sorted)
            qsort(w, big, sizeof *w, cmp_packed);
        bw_index_opts o = {.layout = BW_INDEX_COMPACT};
        bw_index *ix;
        assert_int_equal(bw_index_build_pdq(w, big, &o, &ix, NULL), BW_OK);
        for (size_t i = 0; i < big; i++) {
            bw_pdq back;
            assert_int_equal(bw_index_pdq_get(ix, (uint32_t)i, &back), BW_OK);
            assert_memory_equal(&back, &w[i], sizeof back);
        }
        bw_index_unref(ix);
    }
    free(w);
    /* 70,000 copies of one hash and 10,000 others near it or random */
    for (size_t i = 0; i < n; i++) {
        if (i < 70000) {
            v[i] = v[0];
        } else {
            v[i] = v[0];
            flip_bits(&v[i], (int)(rnd() % 40));
            if (i % 2)
                for (int w = 0; w < 4; w++)
                    v[i].w[w] = rnd();
        }
    }
    bw_index_opts o = {.layout = BW_INDEX_COMPACT};
    bw_index *ix;
    assert_int_equal(bw_index_build_pdq(v, n, &o, &ix, NULL), BW_OK);
    bw_index_plan_info plan;
    bw_index_plan(ix, 31, &plan);
    assert_int_equal(plan.layout, BW_INDEX_COMPACT);
    assert_true(plan.link_bits >= 17);
    for (size_t i = 0; i < n; i += 997) {
        bw_pdq back;
        assert_int_equal(bw_index_pdq_get(ix, (uint32_t)i, &back), BW_OK);
        assert_memory_equal(&back, &v[i], sizeof back);
    }
    bw_index_hits hits = {0};
    static const int ds[] = {0, 10, 31};
    for (int k = 0; k < 3; k++) {
        bw_pdq q = v[0];
        flip_bits(&q, 3);
        size_t want = 0;
        for (size_t i = 0; i < n; i++)
            want += dist(&q, &v[i]) <= ds[k];
        hits.n = 0;
        assert_int_equal(bw_index_find_pdq(ix, &q, ds[k], &hits, NULL), BW_OK);
        assert_int_equal(hits.n, want);
        for (size_t h = 0; h < hits.n; h++)
            assert_int_equal(hits.v[h].distance, dist(&q, &v[hits.v[h].id]));
    }
    bw_index_hits_free(&hits);
    bw_index_unref(ix);
    free(v);
}

/* Hashes placed on purpose at the edges of the tables' rules: q XOR masks
 * whose 16-bit parts differ from q's by chosen counts -- spread as evenly
 * as possible (every part at its threshold or one over, in every
 * rotation), piled into one part, and random splits -- at total distances
 * D-1, D and D+1. With all 16 tables and with fewer (parts skipped), the
 * lookup must return exactly the masks of weight <= D, which are known
 * here by construction, not by asking the index. */
static void set_part_bits(bw_pdq *h, int part, int k)
{
    int pos[16];
    for (int i = 0; i < 16; i++)
        pos[i] = i;
    for (int i = 0; i < k; i++) { /* k distinct bits of the part */
        int j = i + (int)(rnd() % (unsigned)(16 - i)), t = pos[i];
        pos[i] = pos[j];
        pos[j] = t;
        unsigned b = (unsigned)(part * 16 + pos[i]);
        h->w[b / 64] ^= 1ull << (b % 64);
    }
}

static void test_part_edges(void **state)
{
    (void)state;
    static const int ds[] = {0, 5, 15, 16, 31, 32, 47, 64};
    static const int tables[] = {16, 11, 8, 5, 1, -1}; /* -1: COMPACT */
    bw_pdq q;
    for (int w = 0; w < 4; w++)
        q.w[w] = rnd();
    for (size_t di = 0; di < sizeof ds / sizeof *ds; di++) {
        int D = ds[di];
        size_t cap = 4000, n = 0, want = 0;
        bw_pdq *v = malloc(cap * sizeof *v);
        int *weight = malloc(cap * sizeof *weight);
        for (int total = D - 1; total <= D + 1; total++) {
            if (total < 0)
                continue;
            for (int shape = 0; shape < 3; shape++)
                for (int r = 0; r < 16; r++) {
                    int k[16] = {0}, left = total;
                    if (shape == 0) {        /* even, rotated by r */
                        for (int p = 0; p < 16; p++)
                            k[(p + r) % 16] = total / 16 + (p < total % 16 ? 1 : 0);
                    } else if (shape == 1) { /* piled up from part r on */
                        for (int p = 0; p < 16 && left; p++) {
                            int c = left < 16 ? left : 16;
                            k[(p + r) % 16] = c;
                            left -= c;
                        }
                    } else {                 /* random split */
                        while (left) {
                            int p = (int)(rnd() % 16);
                            if (k[p] < 16) {
                                k[p]++;
                                left--;
                            }
                        }
                    }
                    for (int rep = 0; rep < 4; rep++) {
                        v[n] = q;
                        for (int p = 0; p < 16; p++)
                            set_part_bits(&v[n], p, k[p]);
                        weight[n] = total;
                        want += total <= D;
                        n++;
                    }
                }
        }
        for (size_t ti = 0; ti < sizeof tables / sizeof *tables; ti++) {
            bw_index_opts o = {.method = BW_INDEX_MIH, .tables = tables[ti] > 0 ? tables[ti] : 0,
                               .layout = tables[ti] < 0 ? BW_INDEX_COMPACT : BW_INDEX_FAST};
            bw_index *ix;
            bw_index_hits hits = {0};
            assert_int_equal(bw_index_build_pdq(v, n, &o, &ix, NULL), BW_OK);
            assert_int_equal(bw_index_find_pdq(ix, &q, D, &hits, NULL), BW_OK);
            if (hits.n != want)
                fprintf(stderr, "D=%d tables=%d: %zu hits, %zu placed within D\n", D, tables[ti],
                        hits.n, want);
            assert_int_equal(hits.n, want);
            for (size_t h = 0; h < hits.n; h++) {
                assert_true(weight[hits.v[h].id] <= D);
                assert_int_equal(hits.v[h].distance, weight[hits.v[h].id]);
                if (h)
                    assert_true(hits.v[h].id != hits.v[h - 1].id);
            }
            bw_index_hits_free(&hits);
            bw_index_unref(ix);
        }
        free(v);
        free(weight);
    }
}

static void test_dihedral(void **state)
{
    (void)state;
    bw_pdq base[BW_PDQ_DIHEDRAL_COUNT], stored[3];
    for (int o = 0; o < BW_PDQ_DIHEDRAL_COUNT; o++)
        for (int w = 0; w < 4; w++)
            base[o].w[w] = rnd();
    stored[0] = base[BW_PDQ_ROT90];          /* the rotated image is in the list */
    flip_bits(&stored[0], 3);
    stored[1] = base[BW_PDQ_ORIG];           /* and the original, further off */
    flip_bits(&stored[1], 20);
    for (int w = 0; w < 4; w++)
        stored[2].w[w] = rnd();
    bw_index *ix;
    assert_int_equal(bw_index_build_pdq(stored, 3, NULL, &ix, NULL), BW_OK);
    bw_index_hits hits = {0};
    assert_int_equal(bw_index_find_pdq_dihedral(ix, base, 31, &hits, NULL), BW_OK);
    assert_int_equal(hits.n, 2);
    assert_int_equal(hits.v[0].id, 0);
    assert_int_equal(hits.v[0].orientation, BW_PDQ_ROT90);
    assert_true(hits.v[0].distance <= 3);
    assert_int_equal(hits.v[1].id, 1);
    assert_int_equal(hits.v[1].orientation, BW_PDQ_ORIG);
    hits.n = 0;
    assert_int_equal(bw_index_find_pdq(ix, &base[0], 31, &hits, NULL), BW_OK);
    assert_int_equal(hits.n, 1);
    bw_index_hits_free(&hits);
    /* nothing near any orientation: no hits (and an empty result array) */
    bw_pdq far[BW_PDQ_DIHEDRAL_COUNT];
    for (int o = 0; o < BW_PDQ_DIHEDRAL_COUNT; o++)
        for (int w = 0; w < 4; w++)
            far[o].w[w] = rnd();
    assert_int_equal(bw_index_find_pdq_dihedral(ix, far, 10, &hits, NULL), BW_OK);
    assert_int_equal(hits.n, 0);
    bw_index_hits_free(&hits);
    bw_index_unref(ix);
}

static void test_exact_and_pack(void **state)
{
    (void)state;
    bw_index_builder *b;
    uint8_t md5a[16], md5b[16], sha1[20], sha256[32];
    memset(md5a, 0xaa, sizeof md5a);
    memset(md5b, 0xbb, sizeof md5b);
    memset(sha1, 0x11, sizeof sha1);
    memset(sha256, 0x22, sizeof sha256);
    assert_int_equal(bw_index_builder_new(&b, NULL, NULL), BW_OK);
    assert_int_equal(bw_index_builder_add(b, BW_HASH_MD5, md5a, NULL), BW_OK);
    assert_int_equal(bw_index_builder_add(b, BW_HASH_MD5, md5b, NULL), BW_OK);
    assert_int_equal(bw_index_builder_add(b, BW_HASH_SHA1, sha1, NULL), BW_OK);
    assert_int_equal(bw_index_builder_add(b, BW_HASH_SHA256, sha256, NULL), BW_OK);
    /* a PDQ hash given as packed bytes: byte 0 = first two hex digits */
    bw_pdq h;
    uint8_t packed[32];
    const char *hex = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    assert_int_equal(bw_pdq_from_hex(hex, 64, &h), BW_OK);
    bw_pdq_pack(&h, packed);
    assert_int_equal(packed[0], 0xf8);
    assert_int_equal(packed[31], 0x22);
    bw_pdq back;
    bw_pdq_unpack(packed, &back);
    assert_memory_equal(&back, &h, sizeof h);
    assert_int_equal(bw_index_builder_add(b, BW_HASH_PDQ, packed, NULL), BW_OK);
    bw_index *ix;
    assert_int_equal(bw_index_build(b, &ix, NULL), BW_OK);
    bw_index_hits hits = {0};
    assert_int_equal(bw_index_find_exact(ix, BW_HASH_MD5, md5b, &hits, NULL), BW_OK);
    assert_int_equal(hits.n, 1);
    assert_int_equal(hits.v[0].id, 1);
    assert_int_equal(hits.v[0].kind, BW_HASH_MD5);
    hits.n = 0;
    assert_int_equal(bw_index_find_exact(ix, BW_HASH_SHA256, sha256, &hits, NULL), BW_OK);
    assert_int_equal(hits.n, 1);
    hits.n = 0;
    assert_int_equal(bw_index_find_exact(ix, BW_HASH_SHA1, md5a, &hits, NULL), BW_OK);
    assert_int_equal(hits.n, 0);
    assert_int_equal(bw_index_find_exact(ix, BW_HASH_PDQ, packed, &hits, NULL), BW_OK);
    assert_int_equal(hits.n, 1);
    assert_memory_equal(bw_index_digest(ix, BW_HASH_SHA1, 0), sha1, 20);
    assert_null(bw_index_digest(ix, BW_HASH_SHA1, 1));
    /* bad arguments name the problem */
    bw_error err;
    hits.n = 0;
    assert_int_equal(bw_index_find_pdq(ix, &h, 257, &hits, &err), BW_ERR_ARG);
    assert_non_null(strstr(err.msg, "distance"));
    assert_int_equal(bw_index_find_pdq(ix, &h, -1, &hits, &err), BW_ERR_ARG);
    bw_index_hits_free(&hits);
    bw_index_unref(ix);
    /* kinds */
    bw_hash_kind k;
    assert_int_equal(bw_hash_kind_parse("SHA1", &k), BW_OK);
    assert_int_equal(k, BW_HASH_SHA1);
    assert_int_equal(bw_hash_kind_parse("crc", &k), BW_ERR_ARG);
    assert_string_equal(bw_hash_kind_name(BW_HASH_SHA256), "sha256");
    assert_int_equal(bw_hash_kind_bytes(BW_HASH_SHA1), 20);
}

static void test_empty(void **state)
{
    (void)state;
    bw_index *ix;
    bw_index_hits hits = {0};
    bw_pdq q = {{1, 2, 3, 4}};
    assert_int_equal(bw_index_build_pdq(NULL, 0, NULL, &ix, NULL), BW_OK);
    assert_int_equal(bw_index_find_pdq(ix, &q, 256, &hits, NULL), BW_OK);
    assert_int_equal(hits.n, 0);
    bw_index_unref(ix);
    bw_index_opts mih = {.method = BW_INDEX_MIH, .tables = 8};
    assert_int_equal(bw_index_build_pdq(&q, 1, &mih, &ix, NULL), BW_OK);
    assert_int_equal(bw_index_find_pdq(ix, &q, 256, &hits, NULL), BW_OK);
    assert_int_equal(hits.n, 1);
    bw_index_hits_free(&hits);
    bw_index_unref(ix);
}

/* ---- swapping under readers ---- */

typedef struct shared {
    bw_index_slot *slot;
    bw_pdq q;
    volatile int stop;
    long lookups, bad;
} shared;

static void *reader(void *arg)
{
    shared *s = arg;
    bw_index_hits hits = {0};
    while (!s->stop) {
        bw_index *ix = bw_index_slot_get(s->slot);
        hits.n = 0;
        if (bw_index_find_pdq(ix, &s->q, 10, &hits, NULL) != BW_OK || hits.n != 1)
            __atomic_add_fetch(&s->bad, 1, __ATOMIC_RELAXED);
        bw_index_unref(ix);
        __atomic_add_fetch(&s->lookups, 1, __ATOMIC_RELAXED);
    }
    bw_index_hits_free(&hits);
    return NULL;
}

static void test_slot_swap(void **state)
{
    (void)state;
    shared s = {0};
    size_t n = 2000;
    bw_pdq *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        for (int w = 0; w < 4; w++)
            v[i].w[w] = rnd();
    s.q = v[7];
    bw_index *ix;
    assert_int_equal(bw_index_build_pdq(v, n, NULL, &ix, NULL), BW_OK);
    assert_int_equal(bw_index_slot_new(&s.slot, ix, NULL), BW_OK);
    bw_index_unref(ix);
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, reader, &s);
    for (int round = 0; round < 50; round++) {
        /* let the readers look up on this version before the next swap
         * (building a small index is quicker than starting a thread) */
        long seen = __atomic_load_n(&s.lookups, __ATOMIC_RELAXED);
        while (__atomic_load_n(&s.lookups, __ATOMIC_RELAXED) < seen + 3)
            sched_yield();
        for (int w = 0; w < 4; w++)
            v[(round * 13 + 100) % n].w[w] = rnd(); /* a "new version" of the list */
        assert_int_equal(bw_index_build_pdq(v, n, NULL, &ix, NULL), BW_OK);
        bw_index_slot_set(s.slot, ix);
        bw_index_unref(ix);
    }
    s.stop = 1;
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(s.bad, 0);
    assert_true(s.lookups > 0);
    bw_index_slot_free(s.slot);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_needles_haystack),
        cmocka_unit_test(test_random_vs_brute_force),
        cmocka_unit_test(test_part_edges),
        cmocka_unit_test(test_compact_layout),
        cmocka_unit_test(test_dihedral),
        cmocka_unit_test(test_exact_and_pack),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_slot_swap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
