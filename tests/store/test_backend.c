/* test_backend.c -- the store behind its backend table, through the public
 * API: a list written entry by entry (hand-written hashes, one repeated)
 * comes back in kind-then-hash order with the first label and the repeat
 * counted; a matcher opened from that store handle (bw_matcher_open_store)
 * finds the hashes of the list it was given and no other, follows a new
 * version committed through another connection, and closes the store it
 * took; the neutral code's errors (a missing list, a stopped stream, no
 * store) keep their messages; and a PostgreSQL location is refused as not
 * yet supported, naming it, before anything touches the file system;
 * the change feed announces commits (PostgreSQL) and a matcher counts the
 * rows it reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"
#include <bulwark/lists.h>
#include <bulwark/match.h>
#include <bulwark/store.h>
#include <openssl/sha.h>
#include <time.h>

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

/* The change feed: PostgreSQL announces every commit's data version to a
 * connection that waits for it (SQLite has no feed: BW_ERR_UNSUPPORTED),
 * and a matcher counts the hashes it reads -- a change costs the rows of
 * the new version only. */
static void test_change_feed(void **state)
{
    (void)state;
    const char *path = db_path("feed.db");
    int pg = strncmp(path, "postgres", 8) == 0;
    bw_store *s, *watch, *other;
    bw_error err;
    int64_t v = -1, dv = 0;
    assert_int_equal(bw_store_open(&s, path, 0, &err), BW_OK);
    bw_entry three[] = {
        entry(BW_HASH_PDQ, PDQ_A, "a", NULL),
        entry(BW_HASH_MD5, MD5_EMPTY, "b", NULL),
        entry(BW_HASH_SHA256, SHA256_EMPTY, "c", NULL),
    };
    write_list(s, "three", three, 3, NULL);
    assert_int_equal(bw_store_reopen(s, &watch, &err), BW_OK);
    assert_int_equal(bw_store_reopen(s, &other, &err), BW_OK);
    bw_status st = bw_store_wait_change(watch, 0, &v, &err);
    assert_int_equal(st, pg ? BW_OK : BW_ERR_UNSUPPORTED);
    assert_int_equal(v, 0);
    if (pg) {
        bw_entry two[] = {entry(BW_HASH_MD5, MD5_OTHER, "d", NULL),
                          entry(BW_HASH_PDQ, PDQ_B, "e", NULL)};
        write_list(other, "two", two, 2, NULL);
        assert_int_equal(bw_store_wait_change(watch, 5000, &v, &err), BW_OK);
        assert_int_equal(bw_store_data_version(watch, &dv, &err), BW_OK);
        assert_true(v > 0);
        assert_int_equal(v, dv); /* the version the commit made */
        assert_int_equal(bw_store_wait_change(watch, 50, &v, &err), BW_OK);
        assert_int_equal(v, 0); /* nothing more came */
        assert_int_equal(bw_store_list_remove(other, "two", &err), BW_OK);
        assert_int_equal(bw_store_wait_change(watch, 5000, &v, &err), BW_OK);
        assert_true(v > dv);
    }
    assert_int_equal(bw_store_rows_read(s), 0);
    bw_matcher *m;
    assert_int_equal(bw_matcher_open_store(&m, s, NULL, 0, NULL, &err), BW_OK);
    bw_matcher_set_refresh(m, -1);
    assert_int_equal(bw_matcher_rows_read(m), 3);
    bw_entry one[] = {entry(BW_HASH_MD5, MD5_OTHER, "f", NULL)};
    write_list(other, "one", one, 1, NULL);
    int reloaded = 0;
    assert_int_equal(bw_matcher_refresh(m, &reloaded, &err), BW_OK);
    assert_int_equal(reloaded, 1);
    assert_int_equal(bw_matcher_rows_read(m), 4); /* the new version only */
    bw_matcher_close(m);
    bw_store_close(watch);
    bw_store_close(other);
}

/* The store's identity: 32 hex digits, the same on every connection, and
 * another for a store made anew at the same location. */
static void test_identity(void **state)
{
    (void)state;
    char loc[4096], a[BW_STORE_ID_SIZE], b[BW_STORE_ID_SIZE], c[BW_STORE_ID_SIZE];
    snprintf(loc, sizeof loc, "%s", db_path("ident.db"));
    bw_store *s, *t;
    bw_error err;
    assert_int_equal(bw_store_open(&s, loc, 0, &err), BW_OK);
    assert_int_equal(bw_store_identity(s, a, &err), BW_OK);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(strspn(a, "0123456789abcdef"), 32);
    assert_int_equal(bw_store_reopen(s, &t, &err), BW_OK);
    assert_int_equal(bw_store_identity(t, b, &err), BW_OK);
    assert_string_equal(a, b);
    bw_store_close(t);
    bw_store_close(s);
    snprintf(loc, sizeof loc, "%s", db_path("ident.db")); /* removed, made anew */
    assert_int_equal(bw_store_open(&s, loc, 0, &err), BW_OK);
    assert_int_equal(bw_store_identity(s, c, &err), BW_OK);
    assert_string_not_equal(a, c);
    bw_store_close(s);
}

/* n hand-made PDQ entries: SHA-256 of "ix-<i>" as the hash. */
static bw_entry *made_pdq(size_t from, size_t n)
{
    bw_entry *v = calloc(n, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        char s[32];
        snprintf(s, sizeof s, "ix-%zu", from + i);
        v[i].kind = BW_HASH_PDQ;
        SHA256((const unsigned char *)s, strlen(s), v[i].hash);
        v[i].label = "made";
    }
    return v;
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    uint8_t *b = malloc(*n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, *n, f), *n);
    fclose(f);
    return b;
}

static void write_all(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

/* Open a matcher of loc from the cache file; *cached and the reason it
 * was not used come back. */
static bw_matcher *open_cached(const char *loc, const char *file, const char *const *lists,
                               size_t nlists, int *cached, bw_error *why)
{
    bw_store *s;
    bw_matcher *m;
    bw_error err;
    assert_int_equal(bw_store_open(&s, loc, BW_STORE_MUST_EXIST, &err), BW_OK);
    bw_error_clear(why);
    assert_int_equal(bw_matcher_open_cached(&m, s, lists, nlists, NULL, file, cached, why, &err),
                     BW_OK);
    bw_matcher_set_refresh(m, -1);
    return m;
}

/* The index cache: a matcher saved, then opened from its file after two
 * changes reads only the new version's rows (not the 500 of the big
 * list), matches what came since and not what went, with no full
 * rebuild; a file damaged, cut short, of other lists, missing or of a
 * store made anew at the same location is not used (the full load), and
 * says why. */
static void test_index_cache(void **state)
{
    (void)state;
    char loc[4096], file[4200], bad[4200];
    snprintf(loc, sizeof loc, "%s", db_path("ixcache.db"));
    snprintf(file, sizeof file, "%s/ixcache.bin", bw_test_tmpdir("store_backend"));
    snprintf(bad, sizeof bad, "%s/ixcache-bad.bin", bw_test_tmpdir("store_backend"));
    remove(file);
    bw_store *s;
    bw_matcher *m;
    bw_error err, why;
    bw_matches ms = {0};
    int cached = -1;
    assert_int_equal(bw_store_open(&s, loc, 0, &err), BW_OK);
    bw_entry *big = made_pdq(0, 500);
    bw_entry hand[] = {entry(BW_HASH_MD5, MD5_EMPTY, "gone later", NULL)};
    write_list(s, "big", big, 500, NULL);
    write_list(s, "hand", hand, 1, NULL);
    assert_int_equal(bw_matcher_open_store(&m, s, NULL, 0, NULL, &err), BW_OK);
    assert_int_equal(bw_matcher_rows_read(m), 501);
    assert_int_equal(bw_matcher_save(m, file, &err), BW_OK);
    bw_matcher_close(m);
    /* two changes while no matcher runs: a new list, and one of the saved
     * index's lists removed */
    assert_int_equal(bw_store_open(&s, loc, BW_STORE_MUST_EXIST, &err), BW_OK);
    bw_entry later[] = {entry(BW_HASH_MD5, MD5_OTHER, "came later", NULL),
                        entry(BW_HASH_SHA256, SHA256_EMPTY, "came later too", NULL)};
    write_list(s, "later", later, 2, NULL);
    bw_store_close(s);
    m = open_cached(loc, file, NULL, 0, &cached, &why);
    assert_int_equal(cached, 1);
    assert_int_equal(bw_matcher_rows_read(m), 2); /* the new version only */
    assert_int_equal(bw_matcher_compactions(m), 0);
    assert_int_equal(bw_matcher_list_count(m), 3);
    assert_int_equal(bw_matcher_index_count(m, BW_HASH_PDQ, NULL), 500);
    bw_pdq q;
    bw_pdq_unpack(big[123].hash, &q);
    assert_int_equal(bw_matcher_pdq(m, &q, NULL, 0, &ms, &err), BW_OK);
    assert_int_equal(ms.n, 1);
    assert_string_equal(ms.v[0].list, "big");
    assert_string_equal(ms.v[0].label, "made"); /* read from the store by hash */
    assert_int_equal(md5_hits(m, MD5_OTHER, &ms), 1);
    assert_string_equal(ms.v[0].label, "came later");
    assert_int_equal(md5_hits(m, MD5_EMPTY, &ms), 1);
    bw_matcher_close(m);
    /* a list of the saved index removed: still from the file, the removed
     * list matches nothing at once, a full rebuild runs in the background */
    assert_int_equal(bw_store_open(&s, loc, BW_STORE_MUST_EXIST, &err), BW_OK);
    assert_int_equal(bw_store_list_remove(s, "hand", &err), BW_OK);
    bw_store_close(s);
    m = open_cached(loc, file, NULL, 0, &cached, &why);
    assert_int_equal(cached, 1);
    assert_int_equal(md5_hits(m, MD5_EMPTY, &ms), 0);
    for (int i = 0; i < 500 && bw_matcher_compactions(m) == 0; i++)
        usleep(10000);
    assert_int_equal(bw_matcher_compactions(m), 1);
    bw_matcher_close(m);
    /* not used: damaged, cut short, other lists, missing */
    size_t n;
    uint8_t *b = read_all(file, &n);
    b[n / 2] ^= 0x40;
    write_all(bad, b, n);
    m = open_cached(loc, bad, NULL, 0, &cached, &why);
    assert_int_equal(cached, 0);
    assert_int_equal(why.status, BW_ERR_CORRUPT);
    assert_non_null(strstr(bw_error_message(&why), "checksum"));
    assert_non_null(strstr(bw_error_message(&why), bad)); /* names the file */
    assert_int_equal(bw_matcher_rows_read(m), 502); /* the full load */
    bw_matcher_close(m);
    b[n / 2] ^= 0x40;
    write_all(bad, b, n - 40);
    m = open_cached(loc, bad, NULL, 0, &cached, &why);
    assert_int_equal(cached, 0);
    assert_true(why.status == BW_ERR_TRUNCATED ||
                why.status == BW_ERR_CORRUPT);
    bw_matcher_close(m);
    write_all(bad, b, 10);
    m = open_cached(loc, bad, NULL, 0, &cached, &why);
    assert_int_equal(cached, 0);
    assert_int_equal(why.status, BW_ERR_TRUNCATED);
    bw_matcher_close(m);
    const char *only[] = {"big"};
    m = open_cached(loc, file, only, 1, &cached, &why);
    assert_int_equal(cached, 0);
    assert_int_equal(why.status, BW_ERR_ARG);
    assert_non_null(strstr(bw_error_message(&why), "other lists"));
    bw_matcher_close(m);
    remove(bad);
    m = open_cached(loc, bad, NULL, 0, &cached, &why);
    assert_int_equal(cached, 0);
    assert_int_equal(why.status, BW_ERR_NOT_FOUND);
    bw_matcher_close(m);
    /* the store made anew at the same place, with the same lists */
    snprintf(loc, sizeof loc, "%s", db_path("ixcache.db"));
    assert_int_equal(bw_store_open(&s, loc, 0, &err), BW_OK);
    write_list(s, "big", big, 500, NULL);
    write_list(s, "hand", hand, 1, NULL);
    bw_store_close(s);
    m = open_cached(loc, file, NULL, 0, &cached, &why);
    assert_int_equal(cached, 0);
    assert_int_equal(why.status, BW_ERR_ARG);
    assert_non_null(strstr(bw_error_message(&why), "another store"));
    assert_int_equal(bw_matcher_rows_read(m), 501);
    bw_matcher_close(m);
    bw_matches_free(&ms);
    free(b);
    free(big);
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

/* The content id as store.h defines it, computed here with OpenSSL's
 * SHA256() rather than by the code under test. */
static int64_t want_id(const char *list, const char *kind, const uint8_t *hash, size_t n)
{
    uint8_t buf[512], md[SHA256_DIGEST_LENGTH];
    size_t ln = strlen(list) + 1, kn = strlen(kind) + 1;
    memcpy(buf, list, ln);
    memcpy(buf + ln, kind, kn);
    memcpy(buf + ln + kn, hash, n);
    SHA256(buf, ln + kn + n, md);
    uint64_t v = 0;
    for (int i = 0; i < 7; i++)
        v = v << 8 | md[i];
    return (int64_t)(v >> 3);
}

typedef struct hits {
    size_t n;
    char list[4][16];
} hits;

static int on_hit(void *ctx, const char *list, const bw_entry *e)
{
    hits *h = ctx;
    (void)e;
    if (h->n < 4)
        snprintf(h->list[h->n], sizeof h->list[0], "%s", list);
    h->n++;
    return 0;
}

static size_t found_in(bw_store *s, bw_hash_kind kind, const char *hex, const char *list)
{
    uint8_t b[32];
    hits h = {0};
    bw_error err;
    hex_bytes(hex, b);
    assert_int_equal(bw_store_find(s, kind, b, on_hit, &h, &err), BW_OK);
    size_t n = 0;
    for (size_t i = 0; i < h.n && i < 4; i++)
        n += !strcmp(h.list[i], list);
    return n;
}

static void set_until(bw_store *s, const char *list, int64_t id, int64_t until)
{
    bw_content c;
    bw_error err;
    assert_int_equal(bw_store_content_get(s, list, id, &c, &err), BW_OK);
    c.disable_until = until;
    assert_int_equal(bw_store_content_set(s, &c, &err), BW_OK);
    bw_content_free(&c);
}

/* HMA's curation on the store: an empty list made, content added as a
 * delta (counted with the list, matched by an index that already held
 * the list), disabled for good / until a time / enabled again, a list of
 * ratio 0 matching nothing, an imported entry found by its id, content
 * deleted, and a list's removal forgetting its state. */
static void test_content(void **state)
{
    (void)state;
    const char *path = db_path("content.db");
    bw_store *s;
    bw_error err;
    bw_list_info *li;
    uint8_t a[32], md5[16], other[16];
    hex_bytes(PDQ_A, a);
    hex_bytes(MD5_EMPTY, md5);
    hex_bytes(MD5_OTHER, other);
    assert_int_equal(bw_store_open(&s, path, 0, &err), BW_OK);
    /* an empty list, once */
    assert_int_equal(bw_store_list_create(s, "BANK", 1.0, &err), BW_OK);
    assert_int_equal(bw_store_list_create(s, "BANK", 1.0, &err), BW_ERR_EXISTS);
    assert_string_equal(err.msg, "a list named 'BANK' exists");
    assert_int_equal(bw_store_list_get(s, "BANK", &li, &err), BW_OK);
    assert_int_equal(li->entries, 0);
    assert_true(li->enabled_ratio == 1.0);
    bw_list_infos_free(li, 1);
    /* a matcher holding the list before the content comes */
    bw_matcher *m;
    assert_int_equal(bw_matcher_open(&m, path, NULL, 0, &err), BW_OK);
    bw_matcher_set_refresh(m, 0);
    /* content added: its id, a note; the same again adds nothing */
    bw_entry e = entry(BW_HASH_PDQ, PDQ_A, "a", NULL);
    int64_t id = 0;
    size_t added = 9;
    assert_int_equal(bw_store_content_add(s, "NOPE", &e, 1, NULL, &id, &added, &err),
                     BW_ERR_NOT_FOUND);
    assert_int_equal(bw_store_content_add(s, "BANK", &e, 1, "first", &id, &added, &err), BW_OK);
    assert_int_equal(added, 1);
    assert_true(id == want_id("BANK", "pdq", a, 32));
    assert_true(bw_store_content_id("BANK", BW_HASH_PDQ, a) == id);
    int64_t id2 = 0;
    assert_int_equal(bw_store_content_add(s, "BANK", &e, 1, NULL, &id2, &added, &err), BW_OK);
    assert_int_equal(added, 0);
    assert_true(id2 == id);
    /* one list of one entry, by every count */
    uint64_t n = 0;
    assert_int_equal(bw_store_list_count(s, &n, &err), BW_OK);
    assert_int_equal(n, 1);
    assert_int_equal(bw_store_list_get(s, "BANK", &li, &err), BW_OK);
    assert_int_equal(li->entries, 1);
    assert_int_equal(li->kinds[BW_HASH_PDQ], 1);
    bw_list_infos_free(li, 1);
    seen x = {0};
    assert_int_equal(bw_store_list_entries(s, "BANK", see, &x, &err), BW_OK);
    assert_int_equal(x.n, 1);
    /* the matcher finds it (the delta is a version it lacked) */
    bw_matches ms = {0};
    bw_pdq q;
    bw_pdq_unpack(a, &q);
    assert_int_equal(bw_matcher_pdq(m, &q, NULL, 0, &ms, &err), BW_OK);
    assert_int_equal(ms.n, 1);
    assert_string_equal(ms.v[0].list, "BANK");
    bw_matches_clear(&ms);
    /* its state */
    bw_content c;
    assert_int_equal(bw_store_content_get(s, "BANK", id, &c, &err), BW_OK);
    assert_int_equal(c.kind, BW_HASH_PDQ);
    assert_memory_equal(c.hash, a, 32);
    assert_int_equal(c.disable_until, 1);
    assert_string_equal(c.note, "first");
    bw_content_free(&c);
    assert_int_equal(bw_store_content_get(s, "OTHER", id, &c, &err), BW_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "no list named 'OTHER'");
    assert_int_equal(bw_store_content_get(s, "BANK", id + 1, &c, &err), BW_ERR_NOT_FOUND);
    /* disabled for good, until a time to come, enabled again, until a
     * time gone: found by the store and the matcher only when enabled */
    int64_t now = (int64_t)time(NULL);
    const int64_t until[] = {0, now + 3600, 1, now - 10};
    const size_t want[] = {0, 0, 1, 1};
    for (size_t i = 0; i < 4; i++) {
        set_until(s, "BANK", id, until[i]);
        assert_int_equal(found_in(s, BW_HASH_PDQ, PDQ_A, "BANK"), want[i]);
        assert_int_equal(bw_matcher_pdq(m, &q, NULL, 0, &ms, &err), BW_OK);
        assert_int_equal(ms.n, want[i]);
        bw_matches_clear(&ms);
    }
    assert_false(bw_content_enabled(0, now));
    assert_true(bw_content_enabled(1, now));
    assert_false(bw_content_enabled(now + 1, now));
    assert_true(bw_content_enabled(now, now));
    /* a list of ratio 0 matches nothing, and says so */
    assert_int_equal(bw_store_list_set_ratio(s, "BANK", 0.0, &err), BW_OK);
    assert_int_equal(found_in(s, BW_HASH_PDQ, PDQ_A, "BANK"), 0);
    assert_int_equal(bw_store_list_get(s, "BANK", &li, &err), BW_OK);
    assert_true(li->enabled_ratio == 0.0);
    bw_list_infos_free(li, 1);
    assert_int_equal(bw_store_list_set_ratio(s, "BANK", 0.5, &err), BW_OK);
    assert_int_equal(found_in(s, BW_HASH_PDQ, PDQ_A, "BANK"), 1);
    assert_int_equal(bw_store_list_set_ratio(s, "BANK", 1.5, &err), BW_ERR_ARG);
    assert_int_equal(bw_store_list_set_ratio(s, "NOPE", 1.0, &err), BW_ERR_NOT_FOUND);
    /* an imported entry, found by its id; its state kept across a
     * re-import, which drops the list's deltas */
    bw_entry v[] = {entry(BW_HASH_MD5, MD5_EMPTY, "empty file", NULL)};
    write_list(s, "L2", v, 1, NULL);
    int64_t mid = want_id("L2", "md5", md5, 16);
    assert_int_equal(bw_store_content_get(s, "L2", mid, &c, &err), BW_OK);
    assert_int_equal(c.kind, BW_HASH_MD5);
    assert_int_equal(c.disable_until, 1);
    assert_null(c.note);
    assert_string_equal(c.label, "empty file");
    bw_content_free(&c);
    bw_entry o = entry(BW_HASH_MD5, MD5_OTHER, NULL, NULL);
    assert_int_equal(bw_store_content_add(s, "L2", &o, 1, NULL, &id2, &added, &err), BW_OK);
    assert_int_equal(found_in(s, BW_HASH_MD5, MD5_OTHER, "L2"), 1);
    set_until(s, "L2", mid, 0);
    write_list(s, "L2", v, 1, NULL);
    assert_int_equal(found_in(s, BW_HASH_MD5, MD5_EMPTY, "L2"), 0); /* still disabled */
    assert_int_equal(found_in(s, BW_HASH_MD5, MD5_OTHER, "L2"), 0); /* the delta went */
    assert_int_equal(bw_store_list_get(s, "L2", &li, &err), BW_OK);
    assert_int_equal(li->entries, 1);
    bw_list_infos_free(li, 1);
    /* deleting content: gone from the store, the matcher, the counts */
    uint64_t deleted = 0;
    assert_int_equal(bw_store_content_delete(s, "BANK", id, &deleted, &err), BW_OK);
    assert_int_equal(deleted, 1);
    assert_int_equal(found_in(s, BW_HASH_PDQ, PDQ_A, "BANK"), 0);
    assert_int_equal(bw_matcher_pdq(m, &q, NULL, 0, &ms, &err), BW_OK);
    assert_int_equal(ms.n, 0);
    assert_int_equal(bw_store_content_get(s, "BANK", id, &c, &err), BW_ERR_NOT_FOUND);
    assert_int_equal(bw_store_content_delete(s, "BANK", id, &deleted, &err), BW_OK);
    assert_int_equal(deleted, 0);
    assert_int_equal(bw_store_list_get(s, "BANK", &li, &err), BW_OK);
    assert_int_equal(li->entries, 0);
    assert_int_equal(li->kinds[BW_HASH_PDQ], 0);
    bw_list_infos_free(li, 1);
    /* removal forgets the state: L2 made again starts enabled */
    assert_int_equal(bw_store_list_remove(s, "L2", &err), BW_OK);
    write_list(s, "L2", v, 1, NULL);
    assert_int_equal(found_in(s, BW_HASH_MD5, MD5_EMPTY, "L2"), 1);
    (void)other;
    assert_int_equal(bw_store_check(s, &err), BW_OK);
    bw_matches_free(&ms);
    bw_matcher_close(m);
    bw_store_close(s);
}

typedef struct ids_seen {
    size_t n;
    char list[4][16];
    int64_t id[4];
} ids_seen;

static int on_id(void *ctx, const char *list, const bw_entry *e)
{
    ids_seen *h = ctx;
    if (h->n < 4) {
        snprintf(h->list[h->n], sizeof h->list[0], "%s", list);
        h->id[h->n] = e->content_id;
    }
    h->n++;
    return 0;
}

/* A rename keeps the content ids (and the state kept by them); a new
 * list that takes the old name gets ids of its own. */
static void test_rename(void **state)
{
    (void)state;
    const char *path = db_path("rename.db");
    bw_store *s;
    bw_error err;
    bw_list_info *li;
    uint8_t a[32];
    hex_bytes(PDQ_A, a);
    int64_t want = want_id("A", "pdq", a, 32);
    assert_int_equal(bw_store_open(&s, path, 0, &err), BW_OK);
    bw_entry v[] = {entry(BW_HASH_PDQ, PDQ_A, "a", NULL)};
    write_list(s, "A", v, 1, NULL);
    bw_entry o = entry(BW_HASH_MD5, MD5_OTHER, NULL, NULL);
    int64_t oid;
    size_t added;
    assert_int_equal(bw_store_content_add(s, "A", &o, 1, "kept", &oid, &added, &err), BW_OK);
    set_until(s, "A", oid, 0);
    assert_int_equal(bw_store_list_rename(s, "A", "B", &err), BW_OK);
    assert_int_equal(bw_store_list_get(s, "A", &li, &err), BW_ERR_NOT_FOUND);
    assert_int_equal(bw_store_list_get(s, "B", &li, &err), BW_OK);
    assert_int_equal(li->entries, 2);
    bw_list_infos_free(li, 1);
    /* the hit is B's, with A's id; the disabled content stays disabled */
    ids_seen h = {0};
    assert_int_equal(bw_store_find(s, BW_HASH_PDQ, a, on_id, &h, &err), BW_OK);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.list[0], "B");
    assert_true(h.id[0] == want);
    assert_int_equal(found_in(s, BW_HASH_MD5, MD5_OTHER, "B"), 0);
    bw_content c;
    assert_int_equal(bw_store_content_get(s, "B", want, &c, &err), BW_OK);
    bw_content_free(&c);
    assert_int_equal(bw_store_content_get(s, "B", oid, &c, &err), BW_OK);
    assert_string_equal(c.note, "kept");
    assert_int_equal(c.disable_until, 0);
    assert_string_equal(c.list, "B");
    bw_content_free(&c);
    /* refusals */
    write_list(s, "C", v, 1, NULL);
    assert_int_equal(bw_store_list_rename(s, "B", "C", &err), BW_ERR_EXISTS);
    assert_int_equal(bw_store_list_rename(s, "NOPE", "D", &err), BW_ERR_NOT_FOUND);
    /* a new list named A: ids of its own, B keeps A's */
    write_list(s, "A", v, 1, NULL);
    memset(&h, 0, sizeof h);
    assert_int_equal(bw_store_find(s, BW_HASH_PDQ, a, on_id, &h, &err), BW_OK);
    assert_int_equal(h.n, 3);
    assert_string_equal(h.list[0], "A");
    assert_string_equal(h.list[1], "B");
    assert_true(h.id[1] == want);
    assert_true(h.id[0] != want && h.id[0] != h.id[1]);
    assert_true(h.id[2] == want_id("C", "pdq", a, 32));
    /* a re-import of B keeps its ids; the matcher reports them */
    write_list(s, "B", v, 1, NULL);
    bw_matcher *m;
    bw_matches ms = {0};
    bw_pdq q;
    bw_pdq_unpack(a, &q);
    assert_int_equal(bw_matcher_open(&m, path, NULL, 0, &err), BW_OK);
    assert_int_equal(bw_matcher_pdq(m, &q, NULL, 0, &ms, &err), BW_OK);
    assert_int_equal(ms.n, 3);
    for (size_t i = 0; i < ms.n; i++)
        if (!strcmp(ms.v[i].list, "B"))
            assert_true(ms.v[i].content_id == want);
    bw_matches_free(&ms);
    bw_matcher_close(m);
    assert_int_equal(bw_store_check(s, &err), BW_OK);
    bw_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_round_trip),
        cmocka_unit_test(test_matcher_open_store),
        cmocka_unit_test(test_matcher_open_store_fails),
        cmocka_unit_test(test_change_feed),
        cmocka_unit_test(test_postgresql_unreachable),
        cmocka_unit_test(test_content),
        cmocka_unit_test(test_rename),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_index_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
