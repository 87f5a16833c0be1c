/* test_lists.c -- the list parsers, the store and the matcher through the
 * library API, with inputs and expected values written here by hand:
 * each format's entries (kind, bytes, label, category), format sniffing,
 * the two limits a list file can hit (max_line_bytes at exactly the limit
 * and one byte over, max_json_depth likewise), the store's schema version
 * (a newer one refused, a non-database refused, reopening keeps lists, a
 * version-1 store migrated forward),
 * an aborted write leaving the old version, the index of several lists
 * holding one id per distinct hash, and a matcher reload. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "testutil.h"
#include <bulwark/lists.h>
#include <bulwark/match.h>

#define MD5 "d41d8cd98f00b204e9800998ecf8427e"
#define SHA1 "da39a3ee5e6b4b0d3255bfef95601890afd80709"
#define PDQ1 "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
#define PDQ2 "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b23"

typedef struct got {
    size_t n;
    bw_hash_kind kind[16];
    uint8_t hash[16][32];
    char label[16][64];
    char category[16][64];
} got;

static int collect(void *ctx, const bw_entry *e)
{
    got *g = ctx;
    if (g->n < 16) {
        g->kind[g->n] = e->kind;
        memcpy(g->hash[g->n], e->hash, 32);
        snprintf(g->label[g->n], 64, "%s", e->label ? e->label : "");
        snprintf(g->category[g->n], 64, "%s", e->category ? e->category : "");
    }
    g->n++;
    return 0;
}

static bw_status parse_text(const char *text, bw_list_format f, int skip, const bw_limits *lim,
                            got *g, bw_import_stats *st, bw_error *err)
{
    bw_reader *r;
    bw_import_opts o = {f, 0, skip, lim};
    memset(g, 0, sizeof *g);
    assert_int_equal(bw_reader_open_memory(&r, text, strlen(text), NULL), BW_OK);
    bw_status s = bw_list_parse(r, &o, collect, g, st, err);
    bw_reader_close(r);
    return s;
}

static void hex_bytes(const char *hex, uint8_t *out)
{
    for (size_t i = 0; hex[2 * i]; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static void test_formats(void **state)
{
    (void)state;
    got g;
    bw_import_stats st;
    bw_error err;
    uint8_t b[32];

    assert_int_equal(parse_text("# c\n" PDQ1 "\tone\n" MD5 ",two\n\n" SHA1 "\n", BW_LIST_AUTO, 0,
                                NULL, &g, &st, &err),
                     BW_OK);
    assert_int_equal(st.format, BW_LIST_HEX);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.kind[0], BW_HASH_PDQ);
    hex_bytes(PDQ1, b);
    assert_memory_equal(g.hash[0], b, 32);
    assert_string_equal(g.label[0], "one");
    assert_int_equal(g.kind[1], BW_HASH_MD5);
    assert_string_equal(g.label[1], "two");
    assert_int_equal(g.kind[2], BW_HASH_SHA1);
    assert_string_equal(g.label[2], "");

    assert_int_equal(parse_text("pdq " PDQ1 "\nvideo_md5 " MD5 "\nurl http://x/\n", BW_LIST_AUTO, 0,
                                NULL, &g, &st, &err),
                     BW_OK);
    assert_int_equal(st.format, BW_LIST_TE);
    assert_int_equal(g.n, 2);
    assert_int_equal(st.other_signals, 1);
    assert_int_equal(g.kind[1], BW_HASH_MD5);

    assert_int_equal(parse_text(PDQ1 ",123,2020-07-31T18:47:52+0000,tag1 tag2\n", BW_LIST_AUTO, 0,
                                NULL, &g, &st, &err),
                     BW_OK);
    assert_int_equal(st.format, BW_LIST_TE);
    assert_string_equal(g.label[0], "123");
    assert_string_equal(g.category[0], "tag1 tag2");

    assert_int_equal(parse_text("Name,SHA1,MD5\n\"a, b\"," SHA1 "," MD5 "\n", BW_LIST_AUTO, 0, NULL,
                                &g, &st, &err),
                     BW_OK);
    assert_int_equal(st.format, BW_LIST_CSV);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.label[0], "a, b");
    assert_int_equal(g.kind[0], BW_HASH_SHA1);
    assert_int_equal(g.kind[1], BW_HASH_MD5);

    assert_int_equal(parse_text("{\"value\":[{\"Media\":[{\"MediaID\":5,\"Category\":3,\"MD5\":\"" MD5
                                "\",\"PhotoDNA\":\"QUJD\",\"MediaFiles\":[{\"SHA1\":\"" SHA1 "\"}]}]}]}",
                                BW_LIST_AUTO, 0, NULL, &g, &st, &err),
                     BW_OK);
    assert_int_equal(st.format, BW_LIST_VICS);
    assert_int_equal(st.photodna, 1);
    assert_int_equal(g.n, 2);
    /* the nested media file comes first (its object closes first) and
     * inherits the category */
    assert_int_equal(g.kind[0], BW_HASH_SHA1);
    assert_string_equal(g.category[0], "3");
    assert_int_equal(g.kind[1], BW_HASH_MD5);
    assert_string_equal(g.label[1], "5");
    assert_string_equal(g.category[1], "3");
}

static void test_bad_lines(void **state)
{
    (void)state;
    got g;
    bw_import_stats st;
    bw_error err;
    assert_int_equal(parse_text(MD5 "\n" MD5 "0\n", BW_LIST_HEX, 0, NULL, &g, &st, &err),
                     BW_ERR_CORRUPT);
    assert_string_equal(err.msg, "line 2: not a hash (want 32, 40 or 64 hex digits): '" MD5 "0'");
    assert_int_equal(parse_text(MD5 "\n" MD5 "0\n" SHA1 "\n", BW_LIST_HEX, 1, NULL, &g, &st, &err),
                     BW_OK);
    assert_int_equal(g.n, 2);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(st.first_bad_line, 2);
    assert_int_equal(parse_text("", BW_LIST_AUTO, 0, NULL, &g, &st, &err), BW_ERR_EMPTY);
    assert_int_equal(parse_text("{\"value\":[{\"MD5\":\"" MD5 "\"}", BW_LIST_VICS, 0, NULL, &g, &st,
                                &err),
                     BW_ERR_TRUNCATED);
    assert_int_equal(parse_text("{\"value\":[{\"MD5\":[1]}]}", BW_LIST_VICS, 0, NULL, &g, &st, &err),
                     BW_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "MD5 is an array"));
    assert_int_equal(parse_text("{\"value\":[{\"MD5\":\"" MD5 "\"} oops]}", BW_LIST_VICS, 0, NULL, &g,
                                &st, &err),
                     BW_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "invalid JSON"));
}

static void test_line_limit(void **state)
{
    (void)state;
    bw_limits lim;
    got g;
    bw_import_stats st;
    bw_error err;
    bw_limits_default(&lim);
    lim.max_line_bytes = 40; /* exactly one SHA-1 */
    assert_int_equal(parse_text(SHA1 "\n", BW_LIST_HEX, 0, &lim, &g, &st, &err), BW_OK);
    assert_int_equal(g.n, 1);
    assert_int_equal(parse_text(SHA1 " \n", BW_LIST_HEX, 0, &lim, &g, &st, &err), BW_ERR_LIMIT);
    assert_string_equal(err.msg, "line 1: longer than the line limit (40 bytes)");
    /* a line far longer than the buffer, then a good one */
    size_t big = 300000;
    char *text = malloc(big + 64);
    memset(text, 'a', big);
    strcpy(text + big, "\n" SHA1 "\n");
    assert_int_equal(parse_text(text, BW_LIST_HEX, 1, &lim, &g, &st, &err), BW_OK);
    assert_int_equal(g.n, 1);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(st.lines, 2);
    free(text);
}

static void test_json_depth_limit(void **state)
{
    (void)state;
    bw_limits lim;
    got g;
    bw_import_stats st;
    bw_error err;
    char doc[256];
    bw_limits_default(&lim);
    lim.max_json_depth = 4;
    /* depth 4: object, value array, record, MediaFiles array ... */
    snprintf(doc, sizeof doc, "{\"value\":[{\"x\":[\"" MD5 "\"],\"MD5\":\"" MD5 "\"}]}");
    assert_int_equal(parse_text(doc, BW_LIST_VICS, 0, &lim, &g, &st, &err), BW_OK);
    assert_int_equal(g.n, 1);
    snprintf(doc, sizeof doc, "{\"value\":[{\"x\":[[1]],\"MD5\":\"" MD5 "\"}]}");
    assert_int_equal(parse_text(doc, BW_LIST_VICS, 0, &lim, &g, &st, &err), BW_ERR_LIMIT);
    assert_string_equal(err.msg, "line 1: JSON nested deeper than 4 levels");
}

/* A fresh SQLite store file (these cases also test file paths: a junk
 * file, a missing one), whatever $BW_TEST_PG says. */
static const char *db_path(const char *name)
{
    unsetenv("BW_TEST_PG");
    return bw_test_store("lists_api", name);
}

static void import_text(bw_store *s, const char *name, const char *text)
{
    bw_reader *r;
    bw_error err;
    assert_int_equal(bw_reader_open_memory(&r, text, strlen(text), NULL), BW_OK);
    bw_status st = bw_list_import(s, name, "test", r, NULL, NULL, NULL, &err);
    if (st != BW_OK)
        fprintf(stderr, "import: %s\n", err.msg);
    assert_int_equal(st, BW_OK);
    bw_reader_close(r);
}

static void test_store(void **state)
{
    (void)state;
    const char *path = db_path("store.db");
    bw_store *s;
    bw_error err;
    assert_int_equal(bw_store_open(&s, path, 0, &err), BW_OK);
    import_text(s, "one", PDQ1 "\tfirst\n" MD5 "\n");
    import_text(s, "two", PDQ1 "\tagain\n" PDQ2 "\n" SHA1 "\n");
    /* an aborted new version of "one" leaves the old one */
    bw_list_writer *w;
    assert_int_equal(bw_store_list_begin(s, "one", NULL, &w, &err), BW_OK);
    bw_entry e = {.kind = BW_HASH_SHA1};
    assert_int_equal(bw_list_writer_add(w, &e, &err), BW_OK);
    bw_list_writer_abort(w);
    bw_list_info *li;
    assert_int_equal(bw_store_list_get(s, "one", &li, &err), BW_OK);
    assert_int_equal(li->entries, 2);
    assert_int_equal(li->kinds[BW_HASH_MD5], 1);
    bw_list_infos_free(li, 1);
    /* the index: PDQ1 is in both lists but gets one id */
    bw_index *ix;
    assert_int_equal(bw_store_build_index(s, NULL, 0, NULL, &ix, &err), BW_OK);
    assert_int_equal(bw_index_count(ix, BW_HASH_PDQ), 2);
    assert_int_equal(bw_index_count(ix, BW_HASH_MD5), 1);
    assert_int_equal(bw_index_count(ix, BW_HASH_SHA1), 1);
    bw_index_unref(ix);
    const char *only[] = {"one"};
    assert_int_equal(bw_store_build_index(s, only, 1, NULL, &ix, &err), BW_OK);
    assert_int_equal(bw_index_count(ix, BW_HASH_PDQ), 1);
    bw_index_unref(ix);
    const char *missing[] = {"three"};
    assert_int_equal(bw_store_build_index(s, missing, 1, NULL, &ix, &err), BW_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "no list named 'three'");
    assert_int_equal(bw_store_check(s, &err), BW_OK);
    bw_store_close(s);
    /* reopen: still there, schema version 1 */
    assert_int_equal(bw_store_open(&s, path, BW_STORE_READONLY, &err), BW_OK);
    bw_list_info *v;
    size_t n;
    assert_int_equal(bw_store_lists(s, &v, &n, &err), BW_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].name, "one");
    assert_string_equal(v[1].name, "two");
    assert_int_equal(v[1].entries, 3);
    bw_list_infos_free(v, n);
    bw_store_close(s);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), BW_STORE_SCHEMA_VERSION);
    sqlite3_finalize(q);
    /* a store from a newer bulwark is refused, not damaged */
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(bw_store_open(&s, path, 0, &err), BW_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "newer"));
    /* not a database at all */
    const char *junk = db_path("junk.db");
    assert_int_equal(bw_test_write_file(junk, "this is not sqlite, just some text......", 40), 0);
    assert_int_equal(bw_store_open(&s, junk, 0, &err), BW_ERR_FORMAT);
}

/* A store written by schema version 1 (before pdq_blocks), made here by
 * hand, is migrated forward on open and its PDQ hashes load; with the
 * blocks gone, loading falls back to the entries. */
static void test_migration(void **state)
{
    (void)state;
    const char *path = db_path("v1.db");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    const char *v1 =
        "CREATE TABLE lists(id INTEGER PRIMARY KEY, name TEXT NOT NULL, source TEXT,"
        " imported_at INTEGER NOT NULL, entries INTEGER NOT NULL DEFAULT 0,"
        " duplicates INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0,"
        " n_pdq INTEGER NOT NULL DEFAULT 0, n_md5 INTEGER NOT NULL DEFAULT 0,"
        " n_sha1 INTEGER NOT NULL DEFAULT 0, n_sha256 INTEGER NOT NULL DEFAULT 0,"
        " live INTEGER NOT NULL DEFAULT 0);"
        "CREATE UNIQUE INDEX lists_live_name ON lists(name) WHERE live = 1;"
        "CREATE TABLE entries(list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
        " kind INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 3), hash BLOB NOT NULL, label TEXT,"
        " category TEXT, added_at INTEGER, PRIMARY KEY (list_id, kind, hash)) WITHOUT ROWID;"
        "INSERT INTO lists VALUES (1, 'old', NULL, 0, 2, 0, 0, 2, 0, 0, 0, 1);"
        "INSERT INTO entries VALUES (1, 0, x'" PDQ1 "', 'a', NULL, NULL);"
        "INSERT INTO entries VALUES (1, 0, x'" PDQ2 "', 'b', NULL, NULL);"
        "PRAGMA user_version = 1;";
    assert_int_equal(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
    bw_store *s;
    bw_error err;
    bw_index *ix;
    assert_int_equal(bw_store_open(&s, path, 0, &err), BW_OK);
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "SELECT sum(n) FROM pdq_blocks", -1, &q, NULL);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 2);
    sqlite3_finalize(q);
    assert_int_equal(bw_store_build_index(s, NULL, 0, NULL, &ix, &err), BW_OK);
    assert_int_equal(bw_index_count(ix, BW_HASH_PDQ), 2);
    bw_pdq want;
    assert_int_equal(bw_pdq_from_hex(PDQ2, 64, &want), BW_OK);
    assert_memory_equal(bw_index_pdq(ix, 1), &want, sizeof want);
    bw_index_unref(ix);
    assert_int_equal(sqlite3_exec(db, "DELETE FROM pdq_blocks", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(bw_store_build_index(s, NULL, 0, NULL, &ix, &err), BW_OK);
    assert_int_equal(bw_index_count(ix, BW_HASH_PDQ), 2);
    bw_index_unref(ix);
    bw_store_close(s);
    sqlite3_close(db);
}

/* A matcher built with the COMPACT layout (what the tool uses) over a
 * store big enough for it: the layout holds across a reload, and a match
 * reports the listed hash (read back from the tables) and its label. */
/* first (a line, may be NULL), then n random PDQ hashes (xorshift from
 * seed) as hex lines: malloc'd text. */
static char *pdq_lines(const char *first, size_t n, uint64_t seed)
{
    size_t head = first ? strlen(first) + 1 : 0;
    char *text = malloc(head + n * 66 + 1), *p = text;
    uint64_t x = seed;
    if (first)
        p += sprintf(p, "%s\n", first);
    for (size_t i = 0; i < n; i++) {
        for (int w = 0; w < 4; w++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            p += sprintf(p, "%016llx", (unsigned long long)x);
        }
        *p++ = '\n';
    }
    *p = '\0';
    return text;
}

static void test_matcher_compact(void **state)
{
    (void)state;
    const char *path = db_path("match-compact.db");
    bw_store *s;
    bw_error err;
    assert_int_equal(bw_store_open(&s, path, 0, &err), BW_OK);
    size_t n = 70000;
    char *text = pdq_lines(PDQ1 "\tfirst", n, 0x2545f4914f6cdd1dull);
    import_text(s, "big", text);
    free(text);
    bw_index_opts io = {.layout = BW_INDEX_COMPACT};
    bw_matcher *m;
    assert_int_equal(bw_matcher_open_with(&m, path, NULL, 0, &io, &err), BW_OK);
    for (int round = 0; round < 2; round++) {
        bw_index *ix = bw_matcher_index(m);
        bw_index_plan_info plan;
        bw_index_plan(ix, 31, &plan);
        assert_int_equal(plan.layout, BW_INDEX_COMPACT);
        assert_int_equal(bw_index_count(ix, BW_HASH_PDQ), n + 1);
        bw_index_unref(ix);
        bw_pdq q;
        assert_int_equal(bw_pdq_from_hex(PDQ2, 64, &q), BW_OK);
        bw_matches ms = {0};
        assert_int_equal(bw_matcher_pdq(m, &q, NULL, 31, &ms, &err), BW_OK);
        assert_int_equal(ms.n, 1);
        assert_int_equal(ms.v[0].distance, 1);
        assert_string_equal(ms.v[0].label, "first");
        uint8_t want[32];
        hex_bytes(PDQ1, want);
        assert_memory_equal(ms.v[0].hash, want, 32);
        bw_matches_free(&ms);
        assert_int_equal(bw_matcher_reload(m, &err), BW_OK);
    }
    bw_matcher_close(m);
    bw_store_close(s);
}

/* The number of list entries holding exactly this MD5 that m finds. */
static size_t md5_hits(bw_matcher *m, const char *hex, const char **label)
{
    uint8_t b[16];
    bw_matches ms = {0};
    bw_error err;
    hex_bytes(hex, b);
    assert_int_equal(bw_matcher_exact(m, BW_HASH_MD5, b, &ms, &err), BW_OK);
    size_t n = ms.n;
    static char lab[64];
    if (label) {
        snprintf(lab, sizeof lab, "%s", n && ms.v[0].label ? ms.v[0].label : "");
        *label = lab;
    }
    bw_matches_free(&ms);
    return n;
}

#define MD5_A "0123456789abcdef0123456789abcdef"
#define MD5_B "fedcba9876543210fedcba9876543210"

/* Wait up to 5 s for m's background rebuilds to reach n. */
static int compactions_reach(bw_matcher *m, uint64_t n)
{
    for (int i = 0; i < 500 && bw_matcher_compactions(m) < n; i++)
        usleep(10000);
    return bw_matcher_compactions(m) >= n;
}

/* Wait up to 5 s until m is one index with no rebuild wanted or running
 * (each change may have asked for one). */
static int compactions_settle(bw_matcher *m)
{
    for (int i = 0; i < 500; i++) {
        size_t parts = 0;
        bw_matcher_index_count(m, BW_HASH_MD5, &parts);
        if (parts == 1 && !bw_matcher_rebuilding(m))
            return 1;
        usleep(10000);
    }
    return 0;
}

/* The first hash of pdq_lines(NULL, ., seed) matches (1) or not (0). */
static int first_matches(bw_matcher *m, const char *text)
{
    bw_pdq q;
    bw_matches ms = {0};
    bw_error err;
    assert_int_equal(bw_pdq_from_hex(text, 64, &q), BW_OK);
    assert_int_equal(bw_matcher_pdq(m, &q, NULL, 0, &ms, &err), BW_OK);
    int n = (int)ms.n;
    bw_matches_free(&ms);
    return n;
}

/* A compaction asked for by growth merges the parts in memory: no row is
 * read from the store again; one asked for by the removal of a list that
 * shares its part with others rebuilds from the store (the index cannot
 * tell that list's hashes from theirs). */
static void test_matcher_merges_in_memory(void **state)
{
    (void)state;
    const char *path = db_path("match-merge.db");
    bw_store *s;
    bw_error err;
    size_t parts = 0;
    assert_int_equal(bw_store_open(&s, path, 0, &err), BW_OK);
    char *base = pdq_lines(NULL, 1000, 0x9e3779b97f4a7c15ull);
    char *grow = pdq_lines(NULL, 70000, 0x2545f4914f6cdd1dull);
    import_text(s, "base", base);
    import_text(s, "tiny", MD5_A "\ttiny\n");
    bw_matcher *m;
    assert_int_equal(bw_matcher_open(&m, path, NULL, 0, &err), BW_OK);
    bw_matcher_set_refresh(m, 0);
    uint64_t rows = bw_matcher_rows_read(m);
    assert_int_equal(rows, 1001);
    /* growth: the part passes an eighth of the base plus 65,536 */
    import_text(s, "grow", grow);
    assert_int_equal(first_matches(m, grow), 1);
    assert_int_equal(bw_matcher_rows_read(m), rows + 70000); /* the new version, once */
    assert_true(compactions_reach(m, 1));
    assert_true(compactions_settle(m));
    assert_int_equal(bw_matcher_rows_read(m), rows + 70000); /* merged without the store */
    assert_int_equal(bw_matcher_index_count(m, BW_HASH_PDQ, &parts), 71000);
    assert_int_equal(parts, 1);
    assert_int_equal(bw_matcher_index_count(m, BW_HASH_MD5, NULL), 1);
    assert_int_equal(first_matches(m, base), 1);
    assert_int_equal(first_matches(m, grow), 1);
    assert_int_equal(md5_hits(m, MD5_A, NULL), 1);
    /* a removal from the merged base: gone at once, then rebuilt from the
     * store, the 71,000 hashes left read again */
    assert_int_equal(bw_store_list_remove(s, "tiny", &err), BW_OK);
    assert_int_equal(md5_hits(m, MD5_A, NULL), 0);
    assert_true(compactions_reach(m, 2));
    assert_true(compactions_settle(m));
    assert_int_equal(bw_matcher_rows_read(m), rows + 70000 + 71000);
    assert_int_equal(bw_matcher_index_count(m, BW_HASH_MD5, NULL), 0);
    assert_int_equal(first_matches(m, base), 1);
    assert_int_equal(first_matches(m, grow), 1);
    /* and again for the large one */
    assert_int_equal(bw_store_list_remove(s, "grow", &err), BW_OK);
    assert_int_equal(first_matches(m, grow), 0);
    assert_true(compactions_reach(m, 3));
    assert_true(compactions_settle(m));
    assert_int_equal(bw_matcher_rows_read(m), rows + 70000 + 71000 + 1000);
    assert_int_equal(bw_matcher_index_count(m, BW_HASH_PDQ, &parts), 1000);
    assert_int_equal(first_matches(m, base), 1);
    assert_int_equal(first_matches(m, grow), 0);
    bw_matcher_close(m);
    bw_store_close(s);
    free(base);
    free(grow);
}

/* A long-lived matcher sees lists changed through another connection (as
 * another process would): re-imported, added, removed, without a reload
 * call, and never reports an entry that is gone. */
static void test_matcher_follows_store(void **state)
{
    (void)state;
    const char *path = db_path("follow.db");
    bw_store *s;
    bw_error err;
    const char *label;
    uint64_t v0 = 0, v1 = 0;
    assert_int_equal(bw_store_open(&s, path, 0, &err), BW_OK);
    import_text(s, "k", MD5_A "\tversion one\n");
    bw_matcher *m;
    assert_int_equal(bw_matcher_open(&m, path, NULL, 0, &err), BW_OK);
    assert_int_equal(bw_matcher_list_count(m), 1);
    bw_matcher_set_refresh(m, 0); /* check before every lookup */
    assert_int_equal(md5_hits(m, MD5_A, &label), 1);
    assert_string_equal(label, "version one");
    int reloaded = 1;
    assert_int_equal(bw_matcher_refresh(m, &reloaded, &err), BW_OK);
    assert_int_equal(reloaded, 0); /* nothing changed: no rebuild */
    v0 = bw_matcher_reloads(m);
    /* re-import: the old hash goes, the new one comes */
    import_text(s, "k", MD5_B "\tversion two\n");
    assert_int_equal(md5_hits(m, MD5_A, NULL), 0);
    assert_int_equal(md5_hits(m, MD5_B, &label), 1);
    assert_string_equal(label, "version two");
    /* another list appears */
    import_text(s, "other", MD5_A "\tother list\n");
    assert_int_equal(md5_hits(m, MD5_A, &label), 1);
    assert_string_equal(label, "other list");
    assert_int_equal(bw_matcher_list_count(m), 2);
    /* removed: gone at once */
    assert_int_equal(bw_store_list_remove(s, "k", &err), BW_OK);
    assert_int_equal(md5_hits(m, MD5_B, NULL), 0);
    v1 = bw_matcher_reloads(m);
    assert_true(v1 >= v0 + 2); /* the two imports; a removal needs no new index */
    assert_true(compactions_reach(m, 1)); /* but asks for the rebuild that drops it */
    assert_true(compactions_settle(m));
    /* with refreshing off, a change is not seen until asked */
    bw_matcher_set_refresh(m, -1);
    import_text(s, "k", MD5_B "\tversion three\n");
    assert_int_equal(md5_hits(m, MD5_B, NULL), 0);
    assert_int_equal(bw_matcher_refresh(m, &reloaded, &err), BW_OK);
    assert_int_equal(reloaded, 1);
    assert_int_equal(md5_hits(m, MD5_B, NULL), 1);
    bw_matcher_close(m);
    bw_store_close(s);
}

/* A change does not rebuild the index: an import adds a small index of its
 * own beside the big one (the big one is the very same object after),
 * matched at once; a removal leaves the big one too and is right at once
 * (the store no longer finds the rows); the background rebuild it asks
 * for then gives one index again, with the counts of what is live. */
static void test_matcher_incremental(void **state)
{
    (void)state;
    const char *path = db_path("incremental.db");
    enum { N = 50000 };
    bw_store *s;
    bw_error err;
    size_t parts = 0;
    assert_int_equal(bw_store_open(&s, path, 0, &err), BW_OK);
    char *text = pdq_lines(NULL, N, 0x243f6a8885a308d3ull);
    import_text(s, "big", text);
    free(text);
    bw_matcher *m;
    assert_int_equal(bw_matcher_open(&m, path, NULL, 0, &err), BW_OK);
    bw_matcher_set_refresh(m, 0);
    bw_index *base = bw_matcher_index(m);
    assert_int_equal(bw_matcher_index_count(m, BW_HASH_PDQ, &parts), N);
    assert_int_equal(parts, 1);
    assert_int_equal(md5_hits(m, MD5_A, NULL), 0);
    import_text(s, "small", MD5_A "\tnew\n" PDQ1 "\n");
    assert_int_equal(md5_hits(m, MD5_A, NULL), 1);
    bw_index *after = bw_matcher_index(m);
    assert_ptr_equal(after, base); /* not rebuilt */
    bw_index_unref(after);
    assert_int_equal(bw_matcher_index_count(m, BW_HASH_PDQ, &parts), N + 1);
    assert_int_equal(parts, 2);
    assert_int_equal(bw_matcher_index_count(m, BW_HASH_MD5, NULL), 1);
    assert_int_equal(bw_matcher_compactions(m), 0);
    /* the PDQ of the small list matches through its part */
    bw_pdq q;
    bw_matches ms = {0};
    assert_int_equal(bw_pdq_from_hex(PDQ1, 64, &q), BW_OK);
    assert_int_equal(bw_matcher_pdq(m, &q, NULL, 0, &ms, &err), BW_OK);
    assert_int_equal(ms.n, 1);
    assert_string_equal(ms.v[0].list, "small");
    bw_matches_free(&ms);
    /* removal: wrong at no moment, one index again after the compaction,
     * made in memory (the base held only the removed list: it is left out,
     * and its N hashes are not read again) */
    uint64_t rows = bw_matcher_rows_read(m);
    assert_int_equal(bw_store_list_remove(s, "big", &err), BW_OK);
    assert_int_equal(md5_hits(m, MD5_A, NULL), 1);
    assert_true(compactions_reach(m, 1));
    assert_int_equal(bw_matcher_index_count(m, BW_HASH_PDQ, &parts), 1);
    assert_int_equal(parts, 1);
    /* (the change itself may read the small part again: its 2 rows) */
    assert_true(bw_matcher_rows_read(m) <= rows + 2);
    assert_int_equal(md5_hits(m, MD5_A, NULL), 1);
    after = bw_matcher_index(m);
    assert_true(after != base);
    bw_index_unref(after);
    bw_index_unref(base);
    /* the newest version removed and another list imported between two
     * checks: the new one must not pass for the one removed (a version
     * number never comes back) */
    import_text(s, "newest", "00000000000000000000000000000001\n");
    assert_int_equal(md5_hits(m, "00000000000000000000000000000001", NULL), 1);
    bw_matcher_set_refresh(m, -1);
    assert_int_equal(bw_store_list_remove(s, "newest", &err), BW_OK);
    import_text(s, "again", MD5_B "\tagain\n");
    assert_int_equal(bw_matcher_refresh(m, NULL, &err), BW_OK);
    assert_int_equal(md5_hits(m, MD5_B, NULL), 1);
    assert_int_equal(md5_hits(m, "00000000000000000000000000000001", NULL), 0);
    bw_matcher_close(m);
    bw_store_close(s);
}

typedef struct looker {
    bw_matcher *m;
    atomic_int *stop;
    int failures, odd;
    atomic_long lookups;
} looker;

static void *look_loop(void *arg)
{
    looker *l = arg;
    uint8_t a[16], b[16];
    hex_bytes(MD5_A, a);
    hex_bytes(MD5_B, b);
    while (!atomic_load(l->stop)) {
        for (int k = 0; k < 2; k++) {
            bw_matches ms = {0};
            bw_error err;
            if (bw_matcher_exact(l->m, BW_HASH_MD5, k ? b : a, &ms, &err) != BW_OK)
                l->failures++;
            /* one entry or none: never a half-built or doubled index */
            if (ms.n > 1 || (ms.n == 1 && strcmp(ms.v[0].list, "k") != 0))
                l->odd++;
            bw_matches_free(&ms);
        }
        atomic_fetch_add(&l->lookups, 1);
    }
    return NULL;
}

/* Lookups on two threads while the list is re-imported over and over: no
 * lookup fails, and each finds the entry of one version or none. */
static void test_matcher_reload_under_load(void **state)
{
    (void)state;
    const char *path = db_path("follow-load.db");
    bw_store *s;
    bw_error err;
    atomic_int stop = 0;
    assert_int_equal(bw_store_open(&s, path, 0, &err), BW_OK);
    import_text(s, "k", MD5_A "\n");
    bw_matcher *m;
    assert_int_equal(bw_matcher_open(&m, path, NULL, 0, &err), BW_OK);
    bw_matcher_set_refresh(m, 0);
    looker l[2] = {{m, &stop, 0, 0, 0}, {m, &stop, 0, 0, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, look_loop, &l[i]), 0);
    for (int round = 0; round < 20; round++) {
        long before[2] = {atomic_load(&l[0].lookups), atomic_load(&l[1].lookups)};
        import_text(s, "k", round % 2 ? MD5_A "\n" : MD5_B "\n");
        /* let both threads look up against this version a few times */
        while (atomic_load(&l[0].lookups) < before[0] + 3 ||
               atomic_load(&l[1].lookups) < before[1] + 3)
            usleep(1000);
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(l[i].failures, 0);
        assert_int_equal(l[i].odd, 0);
        assert_true(l[i].lookups > 0);
    }
    assert_true(bw_matcher_reloads(m) >= 1);
    bw_matcher_close(m);
    bw_store_close(s);
}

/* A matcher never creates a store: a missing one is NOT_FOUND and stays
 * missing; an empty store has no lists. */
static void test_matcher_missing_store(void **state)
{
    (void)state;
    const char *path = db_path("never-created.db");
    bw_matcher *m = NULL;
    bw_error err;
    unlink(path);
    assert_int_equal(bw_matcher_open(&m, path, NULL, 0, &err), BW_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "no store at"));
    assert_int_not_equal(access(path, F_OK), 0);
    bw_store *s;
    assert_int_equal(bw_store_open(&s, path, BW_STORE_MUST_EXIST, &err), BW_ERR_NOT_FOUND);
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(bw_store_open(&s, path, 0, &err), BW_OK); /* this one creates it */
    bw_store_close(s);
    assert_int_equal(bw_matcher_open(&m, path, NULL, 0, &err), BW_OK);
    assert_int_equal(bw_matcher_list_count(m), 0);
    bw_matcher_close(m);
    /* a NULL matcher (no lists) matches nothing, without error */
    bw_matches ms = {0};
    uint8_t b[16] = {0};
    assert_int_equal(bw_matcher_exact(NULL, BW_HASH_MD5, b, &ms, &err), BW_OK);
    assert_int_equal(ms.n, 0);
}

static void test_matcher(void **state)
{
    (void)state;
    const char *path = db_path("match.db");
    bw_store *s;
    bw_error err;
    assert_int_equal(bw_store_open(&s, path, 0, &err), BW_OK);
    import_text(s, "one", PDQ1 "\tfirst\n" MD5 "\tmd5 label\n");
    bw_matcher *m;
    assert_int_equal(bw_matcher_open(&m, path, NULL, 0, &err), BW_OK);
    bw_matcher_set_refresh(m, -1); /* only the explicit reload below */
    bw_pdq q;
    assert_int_equal(bw_pdq_from_hex(PDQ2, 64, &q), BW_OK);
    bw_matches ms = {0};
    assert_int_equal(bw_matcher_pdq(m, &q, NULL, 31, &ms, &err), BW_OK);
    assert_int_equal(ms.n, 1);
    assert_string_equal(ms.v[0].list, "one");
    assert_int_equal(ms.v[0].distance, 1);
    assert_string_equal(ms.v[0].label, "first");
    /* a new list appears after reload, not before */
    import_text(s, "two", PDQ2 "\tsecond\n");
    bw_matches_clear(&ms);
    assert_int_equal(bw_matcher_pdq(m, &q, NULL, 31, &ms, &err), BW_OK);
    assert_int_equal(ms.n, 1);
    assert_int_equal(bw_matcher_reload(m, &err), BW_OK);
    bw_matches_clear(&ms);
    assert_int_equal(bw_matcher_pdq(m, &q, NULL, 31, &ms, &err), BW_OK);
    assert_int_equal(ms.n, 2);
    assert_string_equal(ms.v[0].list, "two");
    assert_int_equal(ms.v[0].distance, 0);
    /* exact kinds */
    uint8_t md5[16];
    hex_bytes(MD5, md5);
    bw_matches_clear(&ms);
    assert_int_equal(bw_matcher_exact(m, BW_HASH_MD5, md5, &ms, &err), BW_OK);
    assert_int_equal(ms.n, 1);
    assert_string_equal(ms.v[0].label, "md5 label");
    bw_json j;
    bw_json_init(&j);
    bw_matches_json(&j, &ms);
    assert_int_equal(bw_json_status(&j), BW_OK);
    const char *want = "[{\"list\":\"one\",\"kind\":\"md5\",\"hash\":\"" MD5
                       "\",\"distance\":0,\"label\":\"md5 label\"}]";
    assert_int_equal(j.len, strlen(want));
    assert_memory_equal(j.buf, want, j.len);
    bw_json_free(&j);
    bw_hash_kind k;
    uint8_t bytes[32];
    assert_int_equal(bw_match_parse_hash(" " SHA1 "\n", strlen(SHA1) + 2, &k, bytes), BW_OK);
    assert_int_equal(k, BW_HASH_SHA1);
    assert_int_equal(bw_match_parse_hash("xyz", 3, &k, bytes), BW_ERR_ARG);
    bw_matches_free(&ms);
    bw_matcher_close(m);
    bw_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),         cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_line_limit),      cmocka_unit_test(test_json_depth_limit),
        cmocka_unit_test(test_store),           cmocka_unit_test(test_migration),
        cmocka_unit_test(test_matcher),
        cmocka_unit_test(test_matcher_follows_store),
        cmocka_unit_test(test_matcher_merges_in_memory),
        cmocka_unit_test(test_matcher_incremental),
        cmocka_unit_test(test_matcher_reload_under_load),
        cmocka_unit_test(test_matcher_missing_store),         cmocka_unit_test(test_matcher_compact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
