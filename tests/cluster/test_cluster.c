/* test_cluster.c -- bw_clusterer on hand-built hashes: chains join
 * transitively, the distance bound is inclusive, exact duplicates join by
 * SHA-256 alone, low quality keeps a hash out of the PDQ search, groups are
 * numbered by first member with members in input order, the representative
 * is the highest quality, and many threads give the same groups as one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "bulwark/cluster.h"
#include "cluster/cluster_internal.h"

typedef struct seen {
    int ngroups;
    char text[4096];
} seen;

/* Groups as text: "1:a,b|rep=b;2:..." */
static int collect(void *ctx, uint64_t id, const char *const *m, size_t n, const char *rep)
{
    seen *s = ctx;
    size_t len = strlen(s->text);
    len += (size_t)snprintf(s->text + len, sizeof s->text - len, "%llu:", (unsigned long long)id);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(s->text + len, sizeof s->text - len, "%s%s", i ? "," : "", m[i]);
    snprintf(s->text + len, sizeof s->text - len, "|rep=%s;", rep);
    s->ngroups++;
    return 0;
}

/* Groups as "id:count;" (for comparing with the brute force). */
static int count_groups(void *ctx, uint64_t id, const char *const *m, size_t n, const char *rep)
{
    seen *s = ctx;
    size_t len = strlen(s->text);
    (void)m;
    (void)rep;
    if (len < sizeof s->text - 32)
        snprintf(s->text + len, sizeof s->text - len, "%llu:%zu;", (unsigned long long)id, n);
    s->ngroups++;
    return 0;
}

/* A hash with the lowest `bits` bits of word w set. */
static bw_pdq bits(int w, int nbits)
{
    bw_pdq p = {{0, 0, 0, 0}};
    p.w[w] = nbits >= 64 ? ~0ull : ((1ull << nbits) - 1);
    return p;
}

static void run(bw_clusterer *c, seen *s)
{
    bw_error err;
    memset(s, 0, sizeof *s);
    assert_int_equal(bw_clusterer_run(c, collect, s, &err), BW_OK);
}

static void test_chain_and_threshold(void **state)
{
    bw_clusterer *c;
    bw_cluster_opts o = {31, 50, 1};
    seen s;
    bw_pdq a = bits(0, 0), b = bits(0, 31), x = bits(1, 31), far = bits(2, 64);
    (void)state;
    /* a-b: 31 (joins), b-x: 62, a-x: 31 (joins): one chain a,b,x.
     * far is 64 from all. y is 32 from a, 63 from b, 33.. from x: alone. */
    bw_pdq y = bits(3, 32);
    assert_int_equal(bw_clusterer_new(&c, &o, NULL), BW_OK);
    assert_int_equal(bw_clusterer_add(c, "far", NULL, &far, 100, NULL), BW_OK);
    assert_int_equal(bw_clusterer_add(c, "b", NULL, &b, 80, NULL), BW_OK);
    assert_int_equal(bw_clusterer_add(c, "y", NULL, &y, 100, NULL), BW_OK);
    assert_int_equal(bw_clusterer_add(c, "a", NULL, &a, 90, NULL), BW_OK);
    assert_int_equal(bw_clusterer_add(c, "x", NULL, &x, 90, NULL), BW_OK);
    run(c, &s);
    assert_int_equal(s.ngroups, 1);
    assert_string_equal(s.text, "1:b,a,x|rep=a;");
    bw_clusterer_free(c);
}

static void test_exact_and_quality(void **state)
{
    bw_clusterer *c;
    bw_cluster_opts o = {-1, -1, 0};
    uint8_t s1[32], s2[32];
    bw_pdq z = bits(0, 0), z1 = bits(0, 1);
    seen s;
    (void)state;
    memset(s1, 0x11, 32);
    memset(s2, 0x22, 32);
    assert_int_equal(bw_clusterer_new(&c, &o, NULL), BW_OK);
    assert_int_equal(bw_clusterer_add(c, "t1", s1, NULL, -1, NULL), BW_OK);  /* files */
    assert_int_equal(bw_clusterer_add(c, "low1", s2, &z, 10, NULL), BW_OK);  /* low quality */
    assert_int_equal(bw_clusterer_add(c, "low2", NULL, &z1, 10, NULL), BW_OK);
    assert_int_equal(bw_clusterer_add(c, "t2", s1, NULL, -1, NULL), BW_OK);
    assert_int_equal(bw_clusterer_add(c, "low3", s2, &z, 10, NULL), BW_OK);
    assert_int_equal(bw_clusterer_count(c), 5);
    run(c, &s);
    /* t1/t2 by SHA-256; low1/low3 by SHA-256; low2 is 1 bit away but below quality 50. */
    assert_string_equal(s.text, "1:t1,t2|rep=t1;2:low1,low3|rep=low1;");
    bw_clusterer_free(c);
}

static void test_threads_agree(void **state)
{
    seen s1, s4;
    (void)state;
    for (int round = 0; round < 2; round++) {
        bw_clusterer *c;
        bw_cluster_opts o = {31, 50, round ? 4 : 1};
        uint64_t x = 88172645463325252ull;
        assert_int_equal(bw_clusterer_new(&c, &o, NULL), BW_OK);
        /* 40 families of 5: a random base and 4 variants 0..20 bits away. */
        for (int f = 0; f < 40; f++) {
            bw_pdq base;
            for (int w = 0; w < 4; w++) {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                base.w[w] = x;
            }
            for (int v = 0; v < 5; v++) {
                bw_pdq h = base;
                char name[32];
                for (int k = 0; k < v * 5; k++)
                    h.w[(k * 7) % 4] ^= 1ull << ((k * 13 + v) % 64);
                snprintf(name, sizeof name, "f%d.v%d", f, v);
                assert_int_equal(bw_clusterer_add(c, name, NULL, &h, 100, NULL), BW_OK);
            }
        }
        run(c, round ? &s4 : &s1);
        bw_clusterer_free(c);
    }
    assert_int_equal(s1.ngroups, 40);
    assert_string_equal(s1.text, s4.text);
}

static void test_run_once_and_json(void **state)
{
    bw_clusterer *c;
    bw_error err;
    seen s;
    bw_json j;
    const char *m[] = {"a\"b", "c"};
    (void)state;
    assert_int_equal(bw_clusterer_new(&c, NULL, NULL), BW_OK);
    run(c, &s);
    assert_int_equal(s.ngroups, 0);
    assert_int_equal(bw_clusterer_run(c, collect, &s, &err), BW_ERR_ARG);
    bw_clusterer_free(c);
    bw_json_init(&j);
    bw_cluster_json(&j, 7, m, 2, "c");
    assert_int_equal(bw_json_status(&j), BW_OK);
    assert_true(j.len == strlen("{\"cluster\":7,\"members\":[\"a\\\"b\",\"c\"],\"representative\":\"c\"}"));
    assert_memory_equal(j.buf, "{\"cluster\":7,\"members\":[\"a\\\"b\",\"c\"],\"representative\":\"c\"}", j.len);
    bw_json_free(&j);
}

/* Independent check: union-find over all n^2/2 pairs, written here. */
static size_t uf_find(size_t *p, size_t x)
{
    while (p[x] != x)
        x = p[x] = p[p[x]];
    return x;
}

static int popc(uint64_t x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

/* The groups of N hashes (bases and variants) at several distances against
 * comparing all pairs here. 1500 hashes take the substring self-join of
 * pairs.c; 200 take its few-hashes path that compares all pairs. */
enum { NMAX = 1500 };

static void check_brute_force(size_t N)
{
    static bw_pdq h[NMAX];
    static size_t p[NMAX];
    const int dists[] = {0, 10, 31, 40, 47, 60};
    uint64_t x = 0x2545f4914f6cdd1dull;
    /* bases and variants 0..70 bits away, so that every distance is near some pair */
    for (size_t i = 0; i < N; i++) {
        if (i % 3 == 0) {
            for (int w = 0; w < 4; w++) {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                h[i].w[w] = x;
            }
        } else {
            h[i] = h[i - i % 3];
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            for (int k = (int)(x % 71); k > 0; k--) {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                h[i].w[(x >> 8) % 4] ^= 1ull << (x % 64);
            }
        }
    }
    for (size_t di = 0; di < sizeof dists / sizeof dists[0]; di++) {
        int d = dists[di];
        bw_cluster_opts o = {d, 0, 2};
        bw_clusterer *c;
        seen got;
        char want[4096] = "", name[16];
        size_t ng = 0;
        static size_t first[NMAX];
        for (size_t i = 0; i < N; i++)
            p[i] = i;
        for (size_t i = 0; i < N; i++)
            for (size_t j = i + 1; j < N; j++) {
                int dd = popc(h[i].w[0] ^ h[j].w[0]) + popc(h[i].w[1] ^ h[j].w[1]) +
                         popc(h[i].w[2] ^ h[j].w[2]) + popc(h[i].w[3] ^ h[j].w[3]);
                if (dd <= d)
                    p[uf_find(p, i)] = uf_find(p, j);
            }
        /* count group members per root; groups of 2+ as "id:count;" in first-member order */
        memset(first, 0, sizeof first);
        for (size_t i = 0; i < N; i++)
            first[uf_find(p, i)]++;
        {
            static size_t seen_root[NMAX];
            memset(seen_root, 0, sizeof seen_root);
            for (size_t i = 0; i < N; i++) {
                size_t r = uf_find(p, i);
                if (first[r] >= 2 && !seen_root[r]) {
                    seen_root[r] = 1;
                    ng++;
                    snprintf(want + strlen(want), sizeof want - strlen(want), "%zu:%zu;", ng,
                             first[r]);
                }
            }
        }
        assert_int_equal(bw_clusterer_new(&c, &o, NULL), BW_OK);
        for (size_t i = 0; i < N; i++) {
            snprintf(name, sizeof name, "%zu", i);
            assert_int_equal(bw_clusterer_add(c, name, NULL, &h[i], 100, NULL), BW_OK);
        }
        memset(&got, 0, sizeof got);
        {
            /* reduce got to "id:count;" */
            bw_error err;
            assert_int_equal(bw_clusterer_run(c, count_groups, &got, &err), BW_OK);
        }
        bw_clusterer_free(c);
        assert_string_equal(got.text, want);
        assert_true(ng > 0 || d == 0);
    }
}

static void test_matches_brute_force(void **state)
{
    (void)state;
    check_brute_force(1500);
    check_brute_force(200);
}

/* Two hashes exactly d apart are one pair, d + 1 apart none; equal hashes
 * are a pair at d = 0; every pair is reported once. */
static int npairs_seen, pair_a, pair_b;

static void on_pair(void *ctx, uint32_t a, uint32_t b)
{
    (void)ctx;
    npairs_seen++;
    pair_a = (int)a;
    pair_b = (int)b;
}

static void test_pairs_few(void **state)
{
    (void)state;
    for (int d = 0; d <= BW__PAIRS_MAX_DISTANCE; d++) {
        bw_pdq h[3] = {bits(0, 0), bits(1, 0), bits(2, 0)};
        /* h[1] is d bits from h[0], h[2] is d + 1 from h[0] and 1 from h[1] */
        h[1].w[1] = d >= 64 ? ~0ull : ((1ull << d) - 1);
        h[2] = h[1];
        h[2].w[3] = 1;
        npairs_seen = 0;
        assert_int_equal(bw__pdq_pairs(h, 2, d, 1, on_pair, NULL, NULL), BW_OK);
        assert_int_equal(npairs_seen, 1);
        assert_int_equal(pair_a + pair_b, 1);
        npairs_seen = 0;
        assert_int_equal(bw__pdq_pairs(h, 3, d, 2, on_pair, NULL, NULL), BW_OK);
        /* (0,1) at d, (1,2) at 1 if 1 <= d, never (0,2) at d + 1 */
        assert_int_equal(npairs_seen, d >= 1 ? 2 : 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_and_threshold),
        cmocka_unit_test(test_exact_and_quality),
        cmocka_unit_test(test_threads_agree),
        cmocka_unit_test(test_run_once_and_json),
        cmocka_unit_test(test_matches_brute_force),
        cmocka_unit_test(test_pairs_few),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
