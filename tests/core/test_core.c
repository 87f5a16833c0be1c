/* test_core.c -- the core pieces every capability stands on: status
 * messages, digests (against the published FIPS 180 / RFC 1321 vectors),
 * hex, the JSON writer, the readers, the walker and the ordered pool. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"
#include <bulwark/bulwark.h>

static void test_status(void **state)
{
    bw_error e;
    (void)state;
    for (int s = 0; s < BW_STATUS_COUNT; s++) {
        assert_non_null(bw_strerror((bw_status)s));
        assert_true(strlen(bw_strerror((bw_status)s)) > 3);
    }
    assert_string_equal(bw_strerror((bw_status)999), "unknown status");
    bw_error_clear(&e);
    assert_int_equal(e.status, BW_OK);
    e.status = BW_ERR_TRUNCATED;
    assert_string_equal(bw_error_message(&e), "truncated input");
}

/* Published vectors: "abc" (RFC 1321 appendix A.5; FIPS 180-2 B.1) and the
 * empty string. */
static void check_digests(const char *msg, size_t len, const char *md5, const char *sha1,
                          const char *sha256)
{
    bw_digester *d;
    bw_digests out;
    char hex[65];
    assert_int_equal(bw_digester_new(&d, NULL), BW_OK);
    /* fed in two pieces, to check the streaming */
    bw_digester_update(d, msg, len / 2);
    bw_digester_update(d, msg + len / 2, len - len / 2);
    assert_int_equal(bw_digester_final(d, &out, NULL), BW_OK);
    bw_hex_encode(out.md5, 16, hex);
    assert_string_equal(hex, md5);
    bw_hex_encode(out.sha1, 20, hex);
    assert_string_equal(hex, sha1);
    bw_hex_encode(out.sha256, 32, hex);
    assert_string_equal(hex, sha256);
    /* reuse after reset gives the same */
    assert_int_equal(bw_digester_reset(d, NULL), BW_OK);
    bw_digester_update(d, msg, len);
    assert_int_equal(bw_digester_final(d, &out, NULL), BW_OK);
    bw_hex_encode(out.md5, 16, hex);
    assert_string_equal(hex, md5);
    bw_digester_free(d);
}

static void test_digests(void **state)
{
    (void)state;
    check_digests("abc", 3, "900150983cd24fb0d6963f7d28e17f72",
                  "a9993e364706816aba3e25717850c26c9cd0d89d",
                  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_digests("", 0, "d41d8cd98f00b204e9800998ecf8427e",
                  "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_hex(void **state)
{
    uint8_t b[4];
    char hex[9];
    (void)state;
    assert_int_equal(bw_hex_decode("DeadBeef", 8, b, 4), BW_OK);
    assert_int_equal(b[0], 0xde);
    assert_int_equal(b[3], 0xef);
    bw_hex_encode(b, 4, hex);
    assert_string_equal(hex, "deadbeef");
    assert_int_equal(bw_hex_decode("deadbee", 7, b, 4), BW_ERR_ARG);
    assert_int_equal(bw_hex_decode("deadbeeg", 8, b, 4), BW_ERR_ARG);
}

static void test_json(void **state)
{
    bw_json j;
    (void)state;
    bw_json_init(&j);
    bw_json_object_begin(&j);
    bw_json_key(&j, "path");
    bw_json_string(&j, "a\"b\\c\n\x01");
    bw_json_key(&j, "n");
    bw_json_int(&j, -5);
    bw_json_key(&j, "list");
    bw_json_array_begin(&j);
    bw_json_uint(&j, 1);
    bw_json_bool(&j, 1);
    bw_json_null(&j);
    bw_json_object_begin(&j);
    bw_json_object_end(&j);
    bw_json_array_end(&j);
    bw_json_key(&j, "x");
    bw_json_double(&j, 0.5);
    bw_json_object_end(&j);
    assert_int_equal(bw_json_status(&j), BW_OK);
    assert_string_equal(j.buf,
                        "{\"path\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":-5,\"list\":[1,true,null,{}],"
                        "\"x\":0.5}");
    /* each byte that is not valid UTF-8 becomes U+FFFD; valid UTF-8 passes */
    bw_json_reset(&j);
    bw_json_string(&j, "caf\xc3\xa9 \xff\xfe ok");
    assert_string_equal(j.buf, "\"caf\xc3\xa9 \\ufffd\\ufffd ok\"");
    bw_json_reset(&j);
    bw_json_string(&j, "\xed\xa0\x80"); /* a UTF-16 surrogate encoded in UTF-8 */
    assert_string_equal(j.buf, "\"\\ufffd\\ufffd\\ufffd\"");
    bw_json_reset(&j);
    bw_json_string(&j, "\xc0\xaf"); /* an overlong '/' */
    assert_string_equal(j.buf, "\"\\ufffd\\ufffd\"");
    /* a path that is not UTF-8 keeps its bytes beside: base64 by hand,
     * "a\xff.png" = 61 ff 2e 70 6e 67 -> Yf8u cG5n */
    bw_json_reset(&j);
    bw_json_object_begin(&j);
    bw_json_path(&j, "path", "a\xff.png");
    bw_json_path(&j, "other", "a\xc3\xbf.png");
    bw_json_path(&j, "two", "\xfe\xff");
    bw_json_object_end(&j);
    assert_string_equal(j.buf, "{\"path\":\"a\\ufffd.png\",\"path_bytes\":\"Yf8ucG5n\","
                               "\"other\":\"a\xc3\xbf.png\",\"two\":\"\\ufffd\\ufffd\","
                               "\"two_bytes\":\"/v8=\"}");
    bw_json_free(&j);
}

/* People's output: every control, stray byte and bidi control escaped. */
static void test_text_safe(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t cap = 0;
    static const struct { const char *in, *want; } cases[] = {
        {"plain.jpg", "plain.jpg"},
        {"f.png  MATCH ncmec distance 0\nz.png", "f.png  MATCH ncmec distance 0\\nz.png"},
        {"a\x1b[2Jb", "a\\x1b[2Jb"},
        {"cr\rtab\tdel\x7f", "cr\\rtab\\tdel\\x7f"},
        {"back\\slash", "back\\\\slash"},
        {"stray\xff\xc3", "stray\\xff\\xc3"},
        {"caf\xc3\xa9", "caf\xc3\xa9"},
        {"csi\xc2\x9b" "31m", "csi\\u009b31m"},
        {"rlo\xe2\x80\xaegpj.exe", "rlo\\u202egpj.exe"},
        {"ls\xe2\x80\xa8x", "ls\\u2028x"},
        {"iso\xe2\x81\xa6x", "iso\\u2066x"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = bw_text_safe(cases[i].in, strlen(cases[i].in), &buf, &cap);
        assert_non_null(got);
        assert_string_equal(got, cases[i].want);
    }
    /* a NUL inside the n bytes is shown, not a cut */
    assert_string_equal(bw_text_safe("a\0b", 3, &buf, &cap), "a\\x00b");
    free(buf);
}

static void test_readers(void **state)
{
    const char *dir = bw_test_tmpdir("core_readers");
    char path[4096];
    bw_reader *r;
    bw_error e;
    void *data;
    size_t len;
    static unsigned char big[300000];
    (void)state;
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (unsigned char)(i * 7);
    snprintf(path, sizeof path, "%s/big.bin", dir);
    assert_int_equal(bw_test_write_file(path, big, sizeof big), 0);

    assert_int_equal(bw_reader_open_file(&r, path, &e), BW_OK);
    assert_int_equal(bw_reader_size(r), (int64_t)sizeof big);
    assert_int_equal(bw_reader_slurp(r, 1 << 20, NULL, NULL, &data, &len, &e), BW_OK);
    assert_int_equal(len, sizeof big);
    assert_memory_equal(data, big, len);
    free(data);
    bw_reader_close(r);

    /* the size limit: refused before reading, from the known size */
    assert_int_equal(bw_reader_open_file(&r, path, &e), BW_OK);
    assert_int_equal(bw_reader_slurp(r, 1000, NULL, NULL, &data, &len, &e), BW_ERR_LIMIT);
    assert_non_null(strstr(e.msg, "too large"));
    assert_null(data);
    bw_reader_close(r);

    /* a pipe: size unknown, the limit hit while reading */
    {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        assert_int_equal(write(fds[1], big, 5000), 5000);
        close(fds[1]);
        assert_int_equal(bw_reader_open_fd(&r, fds[0], 1, &e), BW_OK);
        assert_int_equal(bw_reader_size(r), -1);
        assert_int_equal(bw_reader_slurp(r, 4000, NULL, NULL, &data, &len, &e), BW_ERR_LIMIT);
        bw_reader_close(r);
    }

    /* memory reader */
    assert_int_equal(bw_reader_open_memory(&r, big, 10, &e), BW_OK);
    assert_int_equal(bw_reader_slurp(r, 100, NULL, NULL, &data, &len, &e), BW_OK);
    assert_int_equal(len, 10);
    free(data);
    bw_reader_close(r);

    /* errors name the problem */
    snprintf(path, sizeof path, "%s/does-not-exist", dir);
    assert_int_equal(bw_reader_open_file(&r, path, &e), BW_ERR_NOT_FOUND);
    assert_null(r);
    assert_int_equal(bw_reader_open_file(&r, dir, &e), BW_ERR_ARG);
    assert_string_equal(e.msg, "is a directory");
}

typedef struct seen {
    char paths[32][256];
    int n, errors;
    char last_error[256];
} seen;

static int collect(void *ctx, const bw_walk_entry *ent)
{
    seen *s = ctx;
    if (ent->error) {
        s->errors++;
        snprintf(s->last_error, sizeof s->last_error, "%s", ent->error->msg);
        return 0;
    }
    if (s->n < 32)
        snprintf(s->paths[s->n++], 256, "%s", ent->path);
    return 0;
}

static void test_walk(void **state)
{
    const char *base = bw_test_tmpdir("core_walk");
    char p[4096], q[4096];
    seen s;
    bw_walk_opts follow = {1, 0}, nofollow = {0, 0};
    (void)state;
    snprintf(p, sizeof p, "rm -rf '%s/t' && mkdir -p '%s/t/b/c' '%s/t/a'", base, base, base);
    assert_int_equal(system(p), 0);
    snprintf(p, sizeof p, "%s/t/b/c/z.txt", base);
    assert_int_equal(bw_test_write_file(p, "z", 1), 0);
    snprintf(p, sizeof p, "%s/t/a/y.txt", base);
    assert_int_equal(bw_test_write_file(p, "y", 1), 0);
    snprintf(p, sizeof p, "%s/t/B.txt", base);
    assert_int_equal(bw_test_write_file(p, "B", 1), 0);
    /* a loop: t/b/c/up -> t */
    snprintf(p, sizeof p, "%s/t", base);
    snprintf(q, sizeof q, "%s/t/b/c/up", base);
    assert_int_equal(symlink(p, q), 0);

    memset(&s, 0, sizeof s);
    assert_int_equal(bw_walk(p, &nofollow, collect, &s), BW_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.errors, 0);
    /* byte order of names: "B.txt" < "a" < "b" */
    assert_non_null(strstr(s.paths[0], "/t/B.txt"));
    assert_non_null(strstr(s.paths[1], "/t/a/y.txt"));
    assert_non_null(strstr(s.paths[2], "/t/b/c/z.txt"));

    memset(&s, 0, sizeof s);
    assert_int_equal(bw_walk(p, &follow, collect, &s), BW_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.errors, 1);
    assert_non_null(strstr(s.last_error, "directory loop"));

    memset(&s, 0, sizeof s);
    snprintf(q, sizeof q, "%s/t/missing", base);
    assert_int_equal(bw_walk(q, &follow, collect, &s), BW_OK);
    assert_int_equal(s.errors, 1);
}

typedef struct pool_ctx {
    int next_expected;
    int out_of_order;
    int delivered;
} pool_ctx;

static void pool_work(void *wctx, void *item)
{
    int *v = item;
    (void)wctx;
    if (*v % 3 == 0)
        usleep(200); /* uneven work, so that completion order differs */
    *v = *v * 2;
}

static void pool_done(void *ctx, void *item)
{
    pool_ctx *c = ctx;
    int *v = item;
    if (*v != c->next_expected * 2)
        c->out_of_order++;
    c->next_expected++;
    c->delivered++;
    free(v);
}

static void run_pool(unsigned threads, size_t depth)
{
    bw_pool *p;
    pool_ctx c = {0, 0, 0};
    assert_int_equal(bw_pool_new(&p, threads, depth, pool_work, NULL, pool_done, &c, NULL), BW_OK);
    for (int i = 0; i < 500; i++) {
        int *v = malloc(sizeof *v);
        *v = i;
        assert_int_equal(bw_pool_submit(p, v), BW_OK);
    }
    bw_pool_finish(p);
    assert_int_equal(c.delivered, 500);
    assert_int_equal(c.out_of_order, 0);
    bw_pool_free(p);
}

static void test_pool(void **state)
{
    (void)state;
    run_pool(0, 0);
    run_pool(1, 0);
    run_pool(3, 0);
    run_pool(4, 1);
}

static void test_limits(void **state)
{
    bw_limits l;
    (void)state;
    bw_limits_default(&l);
    assert_int_equal(l.max_pixels, 128000000ull);
    assert_int_equal(l.archive_max_depth, 4);
    assert_ptr_not_equal(bw_limits_defaults(), NULL);
    assert_string_equal(bw_version(), BW_VERSION_STRING);

    /* set by name, as --limit NAME=VALUE does */
    assert_int_equal(bw_limits_set(&l, "max_pixels", 1000), BW_OK);
    assert_int_equal(l.max_pixels, 1000);
    assert_int_equal(bw_limits_set(&l, "archive_max_ratio", 7), BW_OK);
    assert_int_equal(l.archive_max_ratio, 7);
    assert_int_equal(bw_limits_set(&l, "archive_max_ratio", 1ull << 32), BW_ERR_ARG);
    assert_int_equal(bw_limits_set(&l, "max_pixels", 0), BW_ERR_ARG);
    assert_int_equal(bw_limits_set(&l, "no_such_limit", 5), BW_ERR_NOT_FOUND);
    /* every field of struct bw_limits is reachable by name, with its default */
    {
        size_t i = 0;
        uint64_t v, pixels = 0, jpeg_scans = 0;
        const char *name;
        bw_limits d;
        bw_limits_default(&d);
        while ((name = bw_limits_get(&d, i, &v)) != NULL) {
            assert_true(v > 0);
            if (!strcmp(name, "max_pixels"))
                pixels = v;
            if (!strcmp(name, "max_jpeg_scans"))
                jpeg_scans = v;
            i++;
        }
        assert_int_equal(pixels, 128000000ull);
        assert_int_equal(jpeg_scans, 500);
        assert_int_equal(i, 20); /* one row per field of bw_limits */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status),  cmocka_unit_test(test_digests),
        cmocka_unit_test(test_hex),     cmocka_unit_test(test_json),
        cmocka_unit_test(test_text_safe),
        cmocka_unit_test(test_readers), cmocka_unit_test(test_walk),
        cmocka_unit_test(test_pool),    cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
