/* test_backend.c -- the store behind its backend table, through the public
 * API: a list written entry by entry (hand-written hashes, one repeated)
 * comes back in kind-then-hash order with the first label and the repeat
 * counted; a matcher opened from that store handle (bw_matcher_open_store)
 * finds the hashes of the list it was given and no other, follows a new
 * version committed through another connection, and closes the store it
 * took; the neutral code's errors (a missing list, a stopped stream, no
 * store) keep their messages; and a PostgreSQL location is refused as not
 * yet supported, naming it, before anything touches the file system. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"
#include <bulwark/lists.h>
#include <bulwark/match.h>
#include <bulwark/store.h>

/* Hand-written: the MD5 and SHA-256 of the empty string, a made-up PDQ
 * hash and the same with its last bit flipped (distance 1), another MD5. */
#define MD5_EMPTY "d41d8cd98f00b204e9800998ecf8427e"
#define SHA256_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define PDQ_A "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
#define PDQ_B "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b23"
#define MD5_OTHER "0123456789abcdef0123456789abcdef"

static void hex_bytes(const char *hex, uint8_t *out)
{
    for (size_t i = 0; hex[2 * i]; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static const char *db_path(const char *name)
{
    const char *loc = bw_test_store("store_backend", name);
    assert_non_null(loc);
    return loc;
}

static bw_entry entry(bw_hash_kind kind, const char *hex, const char *label, const char *category)
{
    bw_entry e;
    memset(&e, 0, sizeof e);
    e.kind = kind;
    hex_bytes(hex, e.hash);
    e.label = label;
    e.category = category;
    return e;
}

/* Write list name from n entries in one version; its counts to *info. */
static void write_list(bw_store *s, const char *name, const bw_entry *v, size_t n,
                       bw_list_info *info)
{
    bw_list_writer *w;
    bw_error err;
    assert_int_equal(bw_store_list_begin(s, name, "hand-written", &w, &err), BW_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(bw_list_writer_add(w, &v[i], &err), BW_OK);
    assert_int_equal(bw_list_writer_commit(w, info, &err), BW_OK);
}

typedef struct seen {
    size_t n, stop_at;
    bw_hash_kind kind[8];
    char label[8][32];
} seen;

static int see(void *ctx, const bw_entry *e)
{
    seen *x = ctx;
    if (x->n < 8) {
        x->kind[x->n] = e->kind;
        snprintf(x->label[x->n], sizeof x->label[0], "%s", e->label ? e->label : "");
    }
    return ++x->n == x->stop_at;
}

/* A list written through the writer reads back as written; the errors of
 * the backend-neutral code keep their words. */
static void test_list_round_trip(void **state)
{
    (void)state;
    const char *path = db_path("round-trip.db");
    bw_store *s;
    bw_error err;
    bw_list_info info;
    assert_int_equal(bw_store_open(&s, path, 0, &err), BW_OK);
    bw_entry v[] = {
        entry(BW_HASH_SHA256, SHA256_EMPTY, "empty, by sha256", NULL),
        entry(BW_HASH_MD5, MD5_EMPTY, "empty file", "test"),
        entry(BW_HASH_PDQ, PDQ_A, "pdq a", NULL),
        entry(BW_HASH_MD5, MD5_EMPTY, "a repeat", NULL),
    };
    write_list(s, "hand", v, 4, &info);
    assert_int_equal(info.entries, 3);
    assert_int_equal(info.duplicates, 1);
    assert_int_equal(info.kinds[BW_HASH_PDQ], 1);
    assert_int_equal(info.kinds[BW_HASH_MD5], 1);
    assert_int_equal(info.kinds[BW_HASH_SHA1], 0);
    assert_int_equal(info.kinds[BW_HASH_SHA256], 1);
    bw_list_info *li;
    assert_int_equal(bw_store_list_get(s, "hand", &li, &err), BW_OK);
    assert_string_equal(li->name, "hand");
    assert_string_equal(li->source, "hand-written");
    assert_int_equal(li->entries, 3);
    assert_int_equal(li->duplicates, 1);
    assert_true(li->imported_at > 0);
    bw_list_infos_free(li, 1);
    /* by kind (pdq 0, md5 1, sha256 3), the first label of the repeat */
    seen x = {0};
    assert_int_equal(bw_store_list_entries(s, "hand", see, &x, &err), BW_OK);
    assert_int_equal(x.n, 3);
    assert_int_equal(x.kind[0], BW_HASH_PDQ);
    assert_int_equal(x.kind[1], BW_HASH_MD5);
    assert_string_equal(x.label[1], "empty file");
    assert_int_equal(x.kind[2], BW_HASH_SHA256);
    /* a callback that stops */
    seen y = {0, 1, {0}, {{0}}};
    assert_int_equal(bw_store_list_entries(s, "hand", see, &y, &err), BW_ERR_INTERRUPTED);
    assert_string_equal(err.msg, "stopped");
    assert_int_equal(y.n, 1);
    /* missing lists, by every call that names one */
    assert_int_equal(bw_store_list_get(s, "nope", &li, &err), BW_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "no list named 'nope'");
    assert_null(li);
    assert_int_equal(bw_store_list_entries(s, "nope", see, &x, &err), BW_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "no list named 'nope'");
    assert_int_equal(bw_store_list_remove(s, "nope", &err), BW_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "no list named 'nope'");
    uint64_t n = 0;
    assert_int_equal(bw_store_list_count(s, &n, &err), BW_OK);
    assert_int_equal(n, 1);
    assert_int_equal(bw_store_list_remove(s, "hand", &err), BW_OK);
    assert_int_equal(bw_store_list_count(s, &n, &err), BW_OK);
    assert_int_equal(n, 0);
    assert_int_equal(bw_store_check(s, &err), BW_OK);
    bw_store_close(s);
    /* read-only: no writing */
    assert_int_equal(bw_store_open(&s, path, BW_STORE_READONLY, &err), BW_OK);
    bw_list_writer *w;
    assert_int_equal(bw_store_list_begin(s, "hand", NULL, &w, &err), BW_ERR_ARG);
    assert_string_equal(err.msg, "store opened read-only");
    bw_store_close(s);
}

static size_t md5_hits(bw_matcher *m, const char *hex, bw_matches *ms)
{
    uint8_t b[16];
    bw_error err;
    hex_bytes(hex, b);
    bw_matches_clear(ms);
    assert_int_equal(bw_matcher_exact(m, BW_HASH_MD5, b, ms, &err), BW_OK);
    return ms->n;
}

/* A matcher from a store handle: the named list only, every kind, and a
 * new version committed through another connection is followed. */
static void test_matcher_open_store(void **state)
{
    (void)state;
    const char *path = db_path("matcher.db");
    bw_store *s, *other;
    bw_error err;
    assert_int_equal(bw_store_open(&s, path, 0, &err), BW_OK);
    bw_entry hand[] = {
        entry(BW_HASH_PDQ, PDQ_A, "pdq a", NULL),
        entry(BW_HASH_MD5, MD5_EMPTY, "empty file", "test"),
        entry(BW_HASH_SHA256, SHA256_EMPTY, "empty, by sha256", NULL),
    };
    bw_entry not_chosen[] = {
        entry(BW_HASH_PDQ, PDQ_B, "pdq b", NULL),
        entry(BW_HASH_MD5, MD5_EMPTY, "in the other list", NULL),
    };
    write_list(s, "hand", hand, 3, NULL);
    write_list(s, "not-chosen", not_chosen, 2, NULL);
    const char *lists[] = {"hand"};
    bw_matcher *m;
    assert_int_equal(bw_matcher_open_store(&m, s, lists, 1, NULL, &err), BW_OK);
    /* s is the matcher's now */
    bw_matcher_set_refresh(m, -1);
    assert_int_equal(bw_matcher_list_count(m), 1);
    bw_matches ms = {0};
    assert_int_equal(md5_hits(m, MD5_EMPTY, &ms), 1);
    assert_string_equal(ms.v[0].list, "hand");
    assert_string_equal(ms.v[0].label, "empty file");
    assert_string_equal(ms.v[0].category, "test");
    assert_int_equal(ms.v[0].kind, BW_HASH_MD5);
    /* PDQ_B is one bit from PDQ_A: found in "hand", not in the other list */
    bw_pdq q;
    assert_int_equal(bw_pdq_from_hex(PDQ_B, 64, &q), BW_OK);
    bw_matches_clear(&ms);
    assert_int_equal(bw_matcher_pdq(m, &q, NULL, 31, &ms, &err), BW_OK);
    assert_int_equal(ms.n, 1);
    assert_string_equal(ms.v[0].list, "hand");
    assert_int_equal(ms.v[0].distance, 1);
    assert_string_equal(ms.v[0].label, "pdq a");
    uint8_t want[32];
    hex_bytes(PDQ_A, want);
    assert_memory_equal(ms.v[0].hash, want, 32);
    uint8_t sha[32];
    hex_bytes(SHA256_EMPTY, sha);
    bw_matches_clear(&ms);
    assert_int_equal(bw_matcher_exact(m, BW_HASH_SHA256, sha, &ms, &err), BW_OK);
    assert_int_equal(ms.n, 1);
    assert_string_equal(ms.v[0].label, "empty, by sha256");
    /* another connection commits a new version of "hand" */
    assert_int_equal(bw_store_open(&other, path, BW_STORE_MUST_EXIST, &err), BW_OK);
    bw_entry v2[] = {entry(BW_HASH_MD5, MD5_OTHER, "version two", NULL)};
    write_list(other, "hand", v2, 1, NULL);
    assert_int_equal(md5_hits(m, MD5_OTHER, &ms), 0); /* refreshing is off */
    int reloaded = 0;
    assert_int_equal(bw_matcher_refresh(m, &reloaded, &err), BW_OK);
    assert_int_equal(reloaded, 1);
    assert_int_equal(md5_hits(m, MD5_OTHER, &ms), 1);
    assert_string_equal(ms.v[0].label, "version two");
    assert_int_equal(md5_hits(m, MD5_EMPTY, &ms), 0);
    assert_int_equal(bw_matcher_refresh(m, &reloaded, &err), BW_OK);
    assert_int_equal(reloaded, 0); /* nothing new */
    bw_matches_free(&ms);
    bw_matcher_close(m); /* closes s */
    bw_store_close(other);
}

/* Failing, bw_matcher_open_store still takes the store (no leak under
 * ASan, no double close); no store at all is an argument error. */
static void test_matcher_open_store_fails(void **state)
{
    (void)state;
    const char *path = db_path("fails.db");
    bw_store *s;
    bw_matcher *m = (bw_matcher *)&m;
    bw_error err;
    assert_int_equal(bw_matcher_open_store(&m, NULL, NULL, 0, NULL, &err), BW_ERR_ARG);
    assert_null(m);
    assert_string_equal(err.msg, "no store");
    assert_int_equal(bw_store_open(&s, path, 0, &err), BW_OK);
    const char *lists[] = {"missing"};
    assert_int_equal(bw_matcher_open_store(&m, s, lists, 1, NULL, &err), BW_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "no list named 'missing'");
    assert_null(m);
    /* an empty store opens: no lists */
    assert_int_equal(bw_store_open(&s, path, BW_STORE_MUST_EXIST, &err), BW_OK);
    assert_int_equal(bw_matcher_open_store(&m, s, NULL, 0, NULL, &err), BW_OK);
    assert_int_equal(bw_matcher_list_count(m), 0);
    bw_matcher_close(m);
}

/* A PostgreSQL location whose server is not there: BW_ERR_DB naming the
 * location without its password, from the store and from the matcher,
 * and never taken for a file path. */
static void test_postgresql_unreachable(void **state)
{
    (void)state;
    const char *where[] = {"postgresql://bulwark:s3cret@127.0.0.1:1/lists?connect_timeout=2",
                           "postgres://127.0.0.1:1/lists?password=s3cret&connect_timeout=2"};
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(bw_test_tmpdir("store_backend")), 0);
    for (size_t i = 0; i < sizeof where / sizeof *where; i++) {
        bw_store *s = (bw_store *)&s;
        bw_matcher *m = (bw_matcher *)&m;
        bw_error err;
        for (int flags = 0; flags <= (BW_STORE_READONLY | BW_STORE_MUST_EXIST); flags++) {
            assert_int_equal(bw_store_open(&s, where[i], flags, &err), BW_ERR_DB);
            assert_null(s);
            assert_non_null(strstr(err.msg, "cannot open store postgres"));
            assert_non_null(strstr(err.msg, "127.0.0.1:1/lists"));
            assert_null(strstr(err.msg, "s3cret"));
            assert_non_null(strstr(err.msg, "***"));
        }
        assert_int_equal(bw_matcher_open(&m, where[i], NULL, 0, &err), BW_ERR_DB);
        assert_null(m);
        assert_null(strstr(err.msg, "s3cret"));
    }
    /* nothing was made here, as a relative path would have been */
    assert_int_not_equal(access("postgresql:", F_OK), 0);
    assert_int_not_equal(access("postgres:", F_OK), 0);
    assert_int_equal(chdir(cwd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_round_trip),
        cmocka_unit_test(test_matcher_open_store),
        cmocka_unit_test(test_matcher_open_store_fails),
        cmocka_unit_test(test_postgresql_unreachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
