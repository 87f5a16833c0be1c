/* test_alloc_fail.c -- every operation of libbulwark survives running out
 * of memory (issue 10; SQLite's malloc-failure tests): each operation is
 * run once to count its allocations (core/alloc.c), then once more per
 * allocation with that one -- and every one after it -- failing. Each run
 * must return an error status (or succeed, where a failed allocation has
 * a fallback) and free everything: no crash, no leak (LeakSanitizer, in
 * the sanitizer build), no abort. The counts are printed.
 *
 * Allocations made inside the libraries bulwark uses (SQLite, libjpeg,
 * ICU, ...) are theirs and not failed here; each of those libraries has
 * its own malloc-failure testing. */
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "testutil.h"
#include <bulwark/bulwark.h>
#include "core/internal.h"

static unsigned char *rings, *sunset, *c2pa_jpg;
static size_t rings_len, sunset_len, c2pa_len;
static char store_path[4096], scan_dir[4096];

typedef bw_status (*op_fn)(void);

/* Run op with allocations 1..N failing in turn; N = its allocations. */
static void each_failing(const char *name, op_fn op)
{
    bw__alloc_fail(0, 0);
    assert_int_equal(op(), BW_OK); /* it works when memory does */
    uint64_t n = bw__alloc_count();
    assert_true(n > 0);
    uint64_t errors = 0;
    for (uint64_t i = 1; i <= n; i++) {
        bw__alloc_fail(i, 1);
        bw_status st = op();
        if (st != BW_OK) {
            errors++;
            /* it failed because an allocation did, not for another reason */
            assert_true(bw__alloc_failed() > 0);
        }
    }
    bw__alloc_fail(0, 0);
    assert_int_equal(op(), BW_OK); /* and works again afterwards */
    printf("alloc-fail %-12s %6llu allocations, each failed in turn: %llu runs failed cleanly, "
           "%llu carried on\n",
           name, (unsigned long long)n, (unsigned long long)errors,
           (unsigned long long)(n - errors));
}

static bw_status op_json(void)
{
    bw_json j;
    bw_json_init(&j);
    bw_json_object_begin(&j);
    bw_json_path(&j, "path", "odd\xff name.jpg");
    bw_json_key(&j, "list");
    bw_json_array_begin(&j);
    for (int i = 0; i < 200; i++)
        bw_json_string(&j, "a string long enough to make the buffer grow a few times");
    bw_json_array_end(&j);
    bw_json_object_end(&j);
    bw_status st = bw_json_status(&j);
    bw_json_free(&j);
    return st;
}

static bw_status hash_bytes(const void *data, size_t len, int dihedral)
{
    bw_hasher *h;
    bw_hash_result r;
    bw_error err;
    bw_hash_opts o = {0, dihedral, NULL};
    bw_status st = bw_hasher_new(&h, &o, &err);
    if (st != BW_OK)
        return st;
    memset(&r, 0, sizeof r);
    st = bw_hasher_hash_memory(h, data, len, &r, &err);
    bw_hash_result_free(&r);
    bw_hasher_free(h);
    return st;
}

static bw_status op_hash_png(void) { return hash_bytes(rings, rings_len, 1); }
static bw_status op_hash_jpeg(void) { return hash_bytes(sunset, sunset_len, 0); }

static bw_status op_provenance(void)
{
    bw_provenance p;
    bw_error err;
    memset(&p, 0, sizeof p);
    bw_status st = bw_provenance_examine(c2pa_jpg, c2pa_len, NULL, &p, &err);
    bw_provenance_free(&p);
    return st;
}

/* A guard of two clinical rules, for the prompt cases below. */
static bw_status small_guard(bw_prompt_lists **l, bw_prompt_guard **g, bw_error *err)
{
    static const char words[] = "minor kid\nsexual nude\n";
    bw_status st = bw_prompt_lists_new(l, NULL, err);
    if (st == BW_OK)
        st = bw_prompt_lists_load_text(*l, "t.txt", "xx", words, sizeof words - 1, err);
    if (st == BW_OK)
        st = bw_prompt_guard_compile(*l, NULL, g, err);
    return st;
}

static bw_status op_prompt(void)
{
    bw_prompt_lists *l = NULL;
    bw_prompt_guard *g = NULL;
    bw_prompt_scratch *s = NULL;
    bw_prompt_result r;
    bw_error err;
    bw_status st = small_guard(&l, &g, &err);
    if (st == BW_OK)
        st = bw_prompt_scratch_new(g, &s, &err);
    if (st == BW_OK)
        st = bw_prompt_check(g, s, "nude\xe2\x80\x8bkid", 10, &r, &err);
    if (st == BW_OK && r.verdict != BW_PROMPT_BLOCK)
        st = BW_ERR_CORRUPT; /* the answer itself must not change */
    bw_prompt_scratch_free(s);
    bw_prompt_guard_free(g);
    bw_prompt_lists_free(l);
    return st;
}

static int count_group(void *ctx, uint64_t id, const char *const *m, size_t n, const char *rep)
{
    (void)id, (void)m, (void)rep;
    *(size_t *)ctx += n;
    return 0;
}

static bw_status op_cluster(void)
{
    bw_clusterer *c;
    bw_error err;
    bw_cluster_opts o = {-1, -1, 1};
    bw_pdq a, b;
    size_t grouped = 0;
    bw_pdq_from_hex("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22", 64, &a);
    bw_pdq_from_hex("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b23", 64, &b);
    bw_status st = bw_clusterer_new(&c, &o, &err);
    if (st != BW_OK)
        return st;
    for (int i = 0; i < 6 && st == BW_OK; i++) {
        char path[32];
        snprintf(path, sizeof path, "item%d.jpg", i);
        st = bw_clusterer_add(c, path, NULL, i % 2 ? &a : &b, 100, &err);
    }
    if (st == BW_OK)
        st = bw_clusterer_run(c, count_group, &grouped, &err);
    bw_clusterer_free(c);
    if (st == BW_OK && grouped != 6)
        st = BW_ERR_CORRUPT;
    return st;
}

typedef struct scan_count {
    int files, errors;
} scan_count;

static void on_record(void *ctx, const bw_scan_record *rec)
{
    scan_count *c = ctx;
    if (rec->kind == BW_SCAN_FILE)
        c->files++;
    else if (rec->kind == BW_SCAN_ERROR)
        c->errors++;
}

static bw_status op_scan(void)
{
    bw_scanner *s;
    bw_error err;
    scan_count c = {0, 0};
    bw_scan_opts o;
    memset(&o, 0, sizeof o);
    o.jobs = 1;
    o.max_distance = -1;
    o.min_quality = -1;
    bw_status st = bw_scanner_new(&s, &o, on_record, &c, &err);
    if (st != BW_OK)
        return st;
    st = bw_scanner_add(s, scan_dir, &err);
    bw_scanner_finish(s);
    bw_scanner_free(s);
    /* an allocation failed inside a file's work becomes its error record */
    if (st == BW_OK && c.errors)
        st = BW_ERR_NOMEM;
    if (st == BW_OK && c.files != 4)
        st = BW_ERR_CORRUPT;
    return st;
}

static void on_hash_record(void *ctx, const bw_sink_record *rec)
{
    scan_count *c = ctx;
    if (rec->status == BW_OK && rec->json && rec->json[0] == '{')
        c->files++;
    else
        c->errors++;
}

/* The hash verb as its library operation (request -> run -> sink). */
static bw_status op_hash_run(void)
{
    const char *paths[] = {scan_dir};
    bw_hash_request req;
    memset(&req, 0, sizeof req);
    req.paths = paths;
    req.npaths = 1;
    req.video.seconds_per_hash = 1.0;
    req.jobs = 2;
    scan_count c = {0, 0};
    bw_sink sink = {1, on_hash_record, &c};
    uint64_t failed = 0;
    bw_error err;
    bw_status st = bw_hash_run(&req, &sink, &failed, &err);
    if (st == BW_OK && (c.errors || failed))
        st = BW_ERR_NOMEM;
    if (st == BW_OK && c.files != 4)
        st = BW_ERR_CORRUPT;
    return st;
}

/* The scan verb as its library operation: the scanner, a matcher, the
 * durable output (written, then resumed), the count on a second thread. */
static bw_status scan_run_once(const char *out, int resume, scan_count *c)
{
    const char *paths[] = {scan_dir};
    bw_scan_request req;
    bw_scan_state state;
    bw_error err;
    memset(&req, 0, sizeof req);
    req.paths = paths;
    req.npaths = 1;
    req.scan.jobs = 2;
    req.scan.max_distance = -1;
    req.scan.min_quality = -1;
    req.output = out;
    req.resume = resume;
    req.count_ahead = 1;
    bw_status st = bw_matcher_open(&req.scan.matcher, store_path, NULL, 0, &err);
    if (st != BW_OK)
        return st;
    bw_sink sink = {1, on_hash_record, c};
    st = bw_scan_run(&req, &sink, &state, &err);
    bw_matcher_close(req.scan.matcher);
    if (st == BW_OK && state.stage != BW_SCAN_DONE)
        st = BW_ERR_CORRUPT;
    if (st == BW_OK && (state.this_run.errors || c->errors))
        st = BW_ERR_NOMEM; /* a file's allocation failed: its error record */
    return st;
}

static bw_status op_scan_run(void)
{
    char out[4200];
    scan_count c = {0, 0}, again = {0, 0};
    snprintf(out, sizeof out, "%s/out.jsonl", bw_test_tmpdir("alloc_fail_scan_out"));
    unlink(out);
    bw_status st = scan_run_once(out, 0, &c);
    if (st == BW_OK && c.files != 4)
        st = BW_ERR_CORRUPT;
    if (st == BW_OK) /* resumed: every file is in the output already */
        st = scan_run_once(out, 1, &again);
    if (st == BW_OK && again.files != 0)
        st = BW_ERR_CORRUPT;
    return st;
}

/* The provenance verb as its library operation, on a C2PA file and a PNG. */
static bw_status op_provenance_run(void)
{
    char c2pa[4096], png[4200];
    snprintf(c2pa, sizeof c2pa, "%s", bw_test_refdata("c2pa/c2pa-rs/C.jpg"));
    snprintf(png, sizeof png, "%s/rings.png", scan_dir);
    const char *paths[] = {c2pa, png};
    bw_provenance_request req;
    memset(&req, 0, sizeof req);
    req.paths = paths;
    req.npaths = 2;
    req.sidecars = 1;
    scan_count c = {0, 0};
    bw_sink sink = {1, on_hash_record, &c};
    uint64_t failed = 0;
    bw_error err;
    bw_status st = bw_provenance_run(&req, &sink, &failed, &err);
    if (st == BW_OK && (c.errors || failed))
        st = BW_ERR_NOMEM;
    if (st == BW_OK && c.files != 2)
        st = BW_ERR_CORRUPT;
    return st;
}

static void on_cluster_record(void *ctx, const bw_sink_record *rec)
{
    scan_count *c = ctx;
    if (rec->status != BW_OK)
        c->errors++;
    else if (rec->result)
        c->files++;
}

/* The cluster verb as its library operation: the scan folder holds
 * rings.png twice (two names, the same bytes), so one group. */
static bw_status op_cluster_run(void)
{
    const char *paths[] = {scan_dir};
    bw_cluster_request req;
    memset(&req, 0, sizeof req);
    req.paths = paths;
    req.npaths = 1;
    req.cluster.max_distance = -1;
    req.cluster.min_quality = -1;
    req.jobs = 1;
    scan_count c = {0, 0};
    bw_sink sink = {1, on_cluster_record, &c};
    uint64_t failed = 0;
    bw_error err;
    bw_status st = bw_cluster_run(&req, &sink, &failed, &err);
    if (st == BW_OK && (c.errors || failed))
        st = BW_ERR_NOMEM;
    if (st == BW_OK && c.files != 1)
        st = BW_ERR_CORRUPT;
    return st;
}

static int count_entry(void *ctx, const bw_entry *e)
{
    (void)e;
    (*(int *)ctx)++;
    return 0;
}

static bw_status op_list_parse(void)
{
    static const char text[] =
        "# a list\n"
        "d41d8cd98f00b204e9800998ecf8427e\tempty file\n"
        "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,pdq one\n"
        "da39a3ee5e6b4b0d3255bfef95601890afd80709\n";
    bw_reader *r;
    bw_error err;
    int n = 0;
    bw_status st = bw_reader_open_memory(&r, text, sizeof text - 1, &err);
    if (st != BW_OK)
        return st;
    st = bw_list_parse(r, NULL, count_entry, &n, NULL, &err);
    bw_reader_close(r);
    if (st == BW_OK && n != 3)
        st = BW_ERR_CORRUPT;
    return st;
}

static bw_status op_record(void)
{
    static const char line[] = "{\"path\":\"a\\ufffd.png\",\"path_bytes\":\"Yf8ucG5n\",\"kind\":"
                               "\"image\",\"pdq\":\"f8f8f0cee0f4a84f06370a22038f63f0b36e2ed5966"
                               "21e1d33e6b39c4e9c9b22\",\"quality\":90,\"matches\":[]}";
    bw_record_line l;
    bw_record_type t = bw_record_parse(line, sizeof line - 1, 64, &l);
    bw_status st = t == BW_RECORD_FILE && l.path && !strcmp(l.path, "a\xff.png") ? BW_OK
                                                                                  : BW_ERR_NOMEM;
    bw_record_line_free(&l);
    return st;
}

/* Look the empty file's MD5 up in m (the store lists it once, in list
 * "k", labelled "empty file"), then close m. */
static bw_status lookup_and_close(bw_matcher *m)
{
    bw_matches ms = {0};
    bw_error err;
    uint8_t md5[16] = {0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04,
                       0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8, 0x42, 0x7e};
    bw_status st = bw_matcher_exact(m, BW_HASH_MD5, md5, &ms, &err);
    if (st == BW_OK && (ms.n != 1 || strcmp(ms.v[0].list, "k") != 0 ||
                        strcmp(ms.v[0].label, "empty file") != 0))
        st = BW_ERR_CORRUPT;
    bw_matches_free(&ms);
    bw_matcher_close(m);
    return st;
}

static bw_status op_matcher(void)
{
    bw_matcher *m;
    bw_error err;
    bw_status st = bw_matcher_open(&m, store_path, NULL, 0, &err);
    return st == BW_OK ? lookup_and_close(m) : st;
}

/* The same from a store handle: the store is opened first (its
 * allocations fail in turn too), then handed to the matcher, which closes
 * it also when it fails. */
static bw_status op_matcher_store(void)
{
    bw_store *s;
    bw_matcher *m;
    bw_error err;
    const char *lists[] = {"k"};
    bw_status st = bw_store_open(&s, store_path, BW_STORE_MUST_EXIST, &err);
    if (st == BW_OK)
        st = bw_matcher_open_store(&m, s, lists, 1, NULL, &err);
    return st == BW_OK ? lookup_and_close(m) : st;
}

static void on_match_record(void *ctx, const bw_sink_record *rec)
{
    scan_count *c = ctx;
    const bw_match_answer *a = rec->result;
    if (rec->status != BW_OK)
        c->errors++;
    else if (a && a->matches->n == 1)
        c->files++; /* one match each */
}

/* The match verb as its library operation: a bare MD5 and a file whose
 * MD5 is listed (the store holds the empty file's MD5). */
static bw_status op_match_run(void)
{
    char empty[4200];
    snprintf(empty, sizeof empty, "%s/empty.bin", bw_test_tmpdir("alloc_fail_store"));
    const char *queries[] = {"d41d8cd98f00b204e9800998ecf8427e", empty};
    bw_matcher *m;
    bw_error err;
    bw_status st = bw_matcher_open(&m, store_path, NULL, 0, &err);
    if (st != BW_OK)
        return st;
    bw_match_request req;
    memset(&req, 0, sizeof req);
    req.queries = queries;
    req.nqueries = 2;
    req.matcher = m;
    req.max_distance = req.min_quality = -1;
    req.jobs = 2;
    scan_count c = {0, 0};
    bw_sink sink = {1, on_match_record, &c};
    uint64_t failed = 0;
    st = bw_match_run(&req, &sink, &failed, &err);
    bw_matcher_close(m);
    if (st == BW_OK && (c.errors || failed))
        st = BW_ERR_NOMEM;
    if (st == BW_OK && c.files != 2)
        st = BW_ERR_CORRUPT;
    return st;
}

static void on_prompt_record(void *ctx, const bw_sink_record *rec)
{
    scan_count *c = ctx;
    const bw_prompt_answer *a = rec->result;
    if (rec->status != BW_OK || !rec->json || rec->json[0] != '{')
        c->errors++;
    else if (a->verdict == BW_PROMPT_BLOCK)
        c->files++;
}

/* The prompt verb as its library operation, on two workers. */
static bw_status op_prompt_run(void)
{
    bw_prompt_lists *l = NULL;
    bw_prompt_guard *g = NULL;
    bw_error err;
    const char *texts[] = {"nude kid", "nude\xe2\x81\xa0kid", "a lake"};
    scan_count c = {0, 0};
    uint64_t failed = 0;
    bw_status st = small_guard(&l, &g, &err);
    if (st == BW_OK) {
        bw_prompt_request req = {texts, 3, -1, g, NULL, 2, NULL, 0};
        bw_sink sink = {1, on_prompt_record, &c};
        st = bw_prompt_run(&req, &sink, &failed, &err);
    }
    bw_prompt_guard_free(g);
    bw_prompt_lists_free(l);
    if (st == BW_OK && (c.errors || failed))
        st = BW_ERR_NOMEM;
    if (st == BW_OK && c.files != 2)
        st = BW_ERR_CORRUPT;
    return st;
}

/* The prompt verb over a request body's bytes (what /v1/prompt runs). */
static bw_status op_prompt_lines(void)
{
    bw_prompt_lists *l = NULL;
    bw_prompt_guard *g = NULL;
    bw_error err;
    static const char body[] = "nude kid\na lake\r\n\xff bad\nlast";
    scan_count c = {0, 0};
    uint64_t failed = 0;
    bw_status st = small_guard(&l, &g, &err);
    if (st == BW_OK) {
        bw_prompt_request req = {NULL, 0, -1, g, NULL, 1, body, sizeof body - 1};
        bw_sink sink = {1, on_prompt_record, &c};
        st = bw_prompt_run(&req, &sink, &failed, &err);
    }
    bw_prompt_guard_free(g);
    bw_prompt_lists_free(l);
    if (st == BW_OK && (c.errors > 1 || failed != 1))
        st = BW_ERR_NOMEM; /* the one invalid line fails; any other failure is memory */
    return st;
}

/* The service's token file and HMA's bodies. */
static bw_status op_service(void)
{
    static const char file[] =
        "a match sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
        "b admin,curate sha256:0000000000000000000000000000000000000000000000000000000000000000\n";
    const char *routes[] = {"/status", "/c/banks", "/m/lookup"};
    bw_tokens *t = NULL;
    bw_error err;
    bw_json j;
    bw_status st = bw_tokens_parse(&t, "tokens", file, sizeof file - 1, &err);
    if (st == BW_OK && bw_tokens_check(t, "Bearer abc", BW_SCOPE_MATCH, NULL) != BW_AUTH_OK)
        st = BW_ERR_CORRUPT;
    bw_tokens_free(t);
    bw_json_init(&j);
    bw_hma_site_map_json(&j, routes, 3);
    if (st == BW_OK)
        st = bw_json_status(&j);
    bw_json_free(&j);
    return st;
}

static void test_prompt_lines(void **s) { (void)s; each_failing("prompt lines", op_prompt_lines); }
static void test_service(void **s) { (void)s; each_failing("service", op_service); }
static void test_json(void **s) { (void)s; each_failing("json", op_json); }
static void test_hash_png(void **s) { (void)s; each_failing("hash png", op_hash_png); }
static void test_hash_jpeg(void **s) { (void)s; each_failing("hash jpeg", op_hash_jpeg); }
static void test_provenance(void **s) { (void)s; each_failing("provenance", op_provenance); }
static void test_prompt(void **s) { (void)s; each_failing("prompt", op_prompt); }
static void test_cluster(void **s) { (void)s; each_failing("cluster", op_cluster); }
static void test_scan(void **s) { (void)s; each_failing("scan", op_scan); }
static void test_hash_run(void **s) { (void)s; each_failing("hash run", op_hash_run); }
static void test_scan_run(void **s) { (void)s; each_failing("scan run", op_scan_run); }
static void test_match_run(void **s) { (void)s; each_failing("match run", op_match_run); }
static void test_prompt_run(void **s) { (void)s; each_failing("prompt run", op_prompt_run); }
static void test_cluster_run(void **s) { (void)s; each_failing("cluster run", op_cluster_run); }
static void test_provenance_run(void **s)
{
    (void)s;
    each_failing("provenance run", op_provenance_run);
}
static void test_list_parse(void **s) { (void)s; each_failing("lists parse", op_list_parse); }
static void test_record(void **s) { (void)s; each_failing("record", op_record); }
static void test_matcher(void **s) { (void)s; each_failing("match", op_matcher); }
static void test_matcher_store(void **s)
{
    (void)s;
    each_failing("match store", op_matcher_store);
}

static int setup(void **state)
{
    (void)state;
    char path[4200];
    rings = bw_test_read_file(bw_test_source("samples/rings.png"), &rings_len);
    sunset = bw_test_read_file(bw_test_source("samples/hills-sunset.jpg"), &sunset_len);
    c2pa_jpg = bw_test_read_file(bw_test_refdata("c2pa/c2pa-rs/C.jpg"), &c2pa_len);
    if (!rings || !sunset || !c2pa_jpg)
        return -1;
    /* a folder of three files to scan */
    snprintf(scan_dir, sizeof scan_dir, "%s", bw_test_tmpdir("alloc_fail_scan"));
    snprintf(path, sizeof path, "%s/rings.png", scan_dir);
    bw_test_write_file(path, rings, rings_len);
    snprintf(path, sizeof path, "%s/sunset.jpg", scan_dir);
    bw_test_write_file(path, sunset, sunset_len);
    snprintf(path, sizeof path, "%s/note.txt", scan_dir);
    bw_test_write_file(path, "a note\n", 7);
    snprintf(path, sizeof path, "%s/rings-copy.png", scan_dir);
    bw_test_write_file(path, rings, rings_len);
    snprintf(path, sizeof path, "%s/empty.bin", bw_test_tmpdir("alloc_fail_store"));
    bw_test_write_file(path, "", 0);
    /* a store with one list, made before any allocation fails */
    snprintf(store_path, sizeof store_path, "%s/store.db", bw_test_tmpdir("alloc_fail_store"));
    unlink(store_path);
    bw_store *st;
    bw_reader *r;
    bw_error err;
    static const char list[] = "d41d8cd98f00b204e9800998ecf8427e\tempty file\n";
    if (bw_store_open(&st, store_path, 0, &err) != BW_OK ||
        bw_reader_open_memory(&r, list, sizeof list - 1, &err) != BW_OK)
        return -1;
    bw_status s = bw_list_import(st, "k", "test", r, NULL, NULL, NULL, &err);
    bw_reader_close(r);
    bw_store_close(st);
    return s == BW_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(rings);
    free(sunset);
    free(c2pa_jpg);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json),       cmocka_unit_test(test_hash_png),
        cmocka_unit_test(test_hash_jpeg),  cmocka_unit_test(test_provenance),
        cmocka_unit_test(test_prompt),     cmocka_unit_test(test_cluster),
        cmocka_unit_test(test_scan),       cmocka_unit_test(test_list_parse),
        cmocka_unit_test(test_record),     cmocka_unit_test(test_matcher),
        cmocka_unit_test(test_hash_run),   cmocka_unit_test(test_provenance_run),
        cmocka_unit_test(test_prompt_lines), cmocka_unit_test(test_service),
        cmocka_unit_test(test_cluster_run), cmocka_unit_test(test_match_run),
        cmocka_unit_test(test_prompt_run), cmocka_unit_test(test_scan_run),
        cmocka_unit_test(test_matcher_store),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
