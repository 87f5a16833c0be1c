/* test_hma.c -- the service's library side: HMA's signal types and their
 * validation (the rules of python-threatexchange, written out by hand),
 * bank name rules and the `banks` filter, bank content ids (stable, 53
 * bits, different per list), the JSON bodies with HMA's keys, and the
 * token file: hashed tokens (the SHA-256 of "abc" is FIPS 180-2's B.1
 * vector), scopes, 401/403 verdicts, and each bad line named. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include <bulwark/bulwark.h>

#define PDQ_A "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
#define SHA256_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void test_signal_types(void **state)
{
    bw_hash_kind k;
    bw_error err;
    uint8_t b[BW_HASH_MAX_BYTES];
    (void)state;
    assert_int_equal(bw_hma_signal_type("pdq", &k, &err), BW_OK);
    assert_int_equal(k, BW_HASH_PDQ);
    assert_int_equal(bw_hma_signal_type("video_md5", &k, &err), BW_OK);
    assert_int_equal(k, BW_HASH_MD5);
    assert_int_equal(bw_hma_signal_type("tmk", &k, &err), BW_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "No such SignalType 'tmk'");
    assert_string_equal(bw_hma_signal_type_at(0, &k), "pdq");
    assert_string_equal(bw_hma_signal_type_at(1, &k), "video_md5");
    assert_null(bw_hma_signal_type_at(2, &k));

    assert_int_equal(bw_hma_parse_signal(BW_HASH_PDQ, PDQ_A, b, &err), BW_OK);
    assert_int_equal(b[0], 0xf8);
    assert_int_equal(b[31], 0x22);
    /* PDQ: lowercase only, exactly 64 digits */
    char upper[] = PDQ_A;
    upper[0] = 'F';
    assert_int_equal(bw_hma_parse_signal(BW_HASH_PDQ, upper, b, &err), BW_ERR_ARG);
    assert_string_equal(err.msg, "invalid signal: invalid PDQ hash");
    assert_int_equal(bw_hma_parse_signal(BW_HASH_PDQ, PDQ_A "0", b, &err), BW_ERR_ARG);
    /* MD5: stripped and lowercased first */
    assert_int_equal(bw_hma_parse_signal(BW_HASH_MD5, " D41D8CD98F00B204E9800998ECF8427E\n", b,
                                         &err), BW_OK);
    assert_int_equal(b[0], 0xd4);
    assert_int_equal(bw_hma_parse_signal(BW_HASH_MD5, "d41d8", b, &err), BW_ERR_ARG);
    assert_string_equal(err.msg, "invalid signal: 'd41d8' is not a valid MD5 hash");
}

static void test_banks(void **state)
{
    (void)state;
    assert_true(bw_hma_bank_name_ok("MY_TEST_BANK_01"));
    assert_true(bw_hma_bank_name_ok("_X"));
    assert_false(bw_hma_bank_name_ok("01_TEST_BANK"));
    assert_false(bw_hma_bank_name_ok("my_test_bank"));
    assert_false(bw_hma_bank_name_ok(""));
    assert_true(bw_hma_bank_selected(NULL, "A"));
    assert_true(bw_hma_bank_selected("", "A"));
    assert_true(bw_hma_bank_selected("B,A", "A"));
    assert_false(bw_hma_bank_selected("AB,BA", "A"));
    assert_false(bw_hma_bank_selected("A ", "A"));
}

static void test_content_ids_and_json(void **state)
{
    uint8_t h[32];
    bw_json j;
    (void)state;
    bw_hma_parse_signal(BW_HASH_PDQ, PDQ_A, h, NULL);
    int64_t a = bw_hma_content_id("A", BW_HASH_PDQ, h);
    assert_true(a >= 0 && a < (1ll << 53));
    assert_true(a == bw_hma_content_id("A", BW_HASH_PDQ, h));
    assert_true(a != bw_hma_content_id("B", BW_HASH_PDQ, h));

    bw_match v[2] = {{"A", BW_HASH_PDQ, {0}, 3, 0, NULL, NULL, 0},
                     {"B", BW_HASH_MD5, {0}, 0, 0, NULL, NULL, 0}};
    memcpy(v[0].hash, h, 32);
    bw_matches ms = {v, 2, 2};
    char want[256];
    bw_json_init(&j);
    bw_hma_lookup_json(&j, &ms, NULL);
    snprintf(want, sizeof want,
             "{\"A\":[{\"bank_content_id\":%lld,\"distance\":\"3\"}],\"B\":[{\"bank_content_id\":"
             "%lld,\"distance\":\"-\"}]}",
             (long long)a, (long long)bw_hma_content_id("B", BW_HASH_MD5, v[1].hash));
    assert_string_equal(j.buf, want);
    bw_json_reset(&j);
    bw_hma_raw_lookup_json(&j, &ms, "A", 0);
    snprintf(want, sizeof want, "{\"matches\":[%lld]}", (long long)a);
    assert_string_equal(j.buf, want);
    bw_json_reset(&j);
    bw_list_info li = {"BANK", NULL, 0, 0, {0}, 0, 0, 1.0};
    bw_hma_banks_json(&j, &li, 1);
    assert_string_equal(j.buf, "[{\"name\":\"BANK\",\"matching_enabled_ratio\":1.0}]");
    bw_json_reset(&j);
    li.enabled_ratio = 0.0;
    bw_hma_bank_json(&j, &li);
    assert_string_equal(j.buf, "{\"name\":\"BANK\",\"matching_enabled_ratio\":0.0}");
    bw_json_reset(&j);
    li.enabled_ratio = 0.25;
    bw_hma_bank_json(&j, &li);
    assert_string_equal(j.buf, "{\"name\":\"BANK\",\"matching_enabled_ratio\":0.25}");
    bw_json_reset(&j);
    bw_hma_index_status_json(&j, NULL, 5, NULL);
    assert_string_equal(j.buf, "{\"pdq\":{\"present\":false,\"built_to\":-1,\"size\":0},"
                               "\"video_md5\":{\"present\":false,\"built_to\":-1,\"size\":0}}");
    bw_json_reset(&j);
    const char *routes[] = {"/status", "/c/banks", "/status"};
    bw_hma_site_map_json(&j, routes, 3);
    assert_string_equal(j.buf, "[\"/c/banks\",\"/status\"]");
    bw_json_reset(&j);
    bw_hma_error_json(&j, "bank 'X' not found");
    assert_string_equal(j.buf, "{\"message\":\"bank 'X' not found\"}");
    bw_json_free(&j);
}

static void test_tokens(void **state)
{
    static const char file[] = "# who scopes digest\n"
                               "\n"
                               "alice match,report sha256:" SHA256_ABC "\r\n"
                               "root admin sha256:" SHA256_ABC "0\n";
    static const char good[] = "alice match,report sha256:" SHA256_ABC "\n"
                               "bob curate sha256:" SHA256_ABC "\n";
    bw_tokens *t;
    bw_error err;
    const char *who;
    (void)state;
    /* the second line's digest has 65 digits: the line is named */
    assert_int_equal(bw_tokens_parse(&t, "tokens", file, sizeof file - 1, &err), BW_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "tokens:4:"));
    assert_int_equal(bw_tokens_parse(&t, "t", "a matc sha256:" SHA256_ABC, 78, &err),
                     BW_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "unknown scope 'matc'"));
    assert_int_equal(bw_tokens_parse(&t, "t", "# nothing\n", 10, &err), BW_ERR_EMPTY);
    assert_int_equal(bw_tokens_parse(&t, "t", "a match abc\n", 12, &err), BW_ERR_CORRUPT);

    assert_int_equal(bw_tokens_parse(&t, "t", good, sizeof good - 1, &err), BW_OK);
    assert_int_equal(bw_tokens_count(t), 2);
    /* both entries have the digest of "abc": the last one that matches names the holder */
    assert_int_equal(bw_tokens_check(t, "Bearer abc", BW_SCOPE_CURATE, &who), BW_AUTH_OK);
    assert_string_equal(who, "bob");
    assert_int_equal(bw_tokens_check(t, "Bearer abc", BW_SCOPE_MATCH, &who), BW_AUTH_FORBIDDEN);
    assert_int_equal(bw_tokens_check(t, "bearer   abc  ", BW_SCOPE_CURATE, &who), BW_AUTH_OK);
    assert_int_equal(bw_tokens_check(t, "Bearer abd", BW_SCOPE_CURATE, &who), BW_AUTH_UNKNOWN);
    assert_null(who);
    assert_int_equal(bw_tokens_check(t, "Basic abc", BW_SCOPE_CURATE, &who), BW_AUTH_UNKNOWN);
    assert_int_equal(bw_tokens_check(t, NULL, BW_SCOPE_CURATE, &who), BW_AUTH_UNKNOWN);
    assert_int_equal(bw_tokens_check(t, "Bearer " SHA256_ABC, BW_SCOPE_CURATE, &who),
                     BW_AUTH_UNKNOWN);
    bw_tokens_free(t);

    static const char admin[] = "root admin sha256:" SHA256_ABC "\n";
    assert_int_equal(bw_tokens_parse(&t, "t", admin, sizeof admin - 1, &err), BW_OK);
    assert_int_equal(bw_tokens_check(t, "Bearer abc", BW_SCOPE_REPORT, &who), BW_AUTH_OK);
    bw_tokens_free(t);
    assert_int_equal(bw_scope_parse("curate", 6), BW_SCOPE_CURATE);
    assert_int_equal(bw_scope_parse("curat", 5), 0);
}

/* Uploads: content type names, the signal of each, and the two bodies. */
static void test_uploads(void **state)
{
    bw_hma_content c;
    bw_hma_signal sig;
    bw_hash_result r;
    bw_error err;
    bw_json j;
    (void)state;
    assert_int_equal(bw_hma_content_type("photo", &c, &err), BW_OK);
    assert_int_equal(c, BW_HMA_PHOTO);
    assert_int_equal(bw_hma_content_type("video", &c, &err), BW_OK);
    assert_int_equal(c, BW_HMA_VIDEO);
    assert_int_equal(bw_hma_content_type("file", &c, &err), BW_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "no such content_type: 'file'");

    memset(&r, 0, sizeof r);
    r.kind = BW_KIND_FILE;
    r.has_digests = 1;
    for (int i = 0; i < 16; i++)
        r.digests.md5[i] = (uint8_t)(0xa0 + i);
    assert_int_equal(bw_hma_upload_signal(BW_HMA_PHOTO, &r, &sig, &err), BW_ERR_FORMAT);
    assert_string_equal(err.msg, "photo: the upload is not an image in a format bulwark decodes");
    assert_int_equal(bw_hma_upload_signal(BW_HMA_VIDEO, &r, &sig, &err), BW_OK);
    bw_json_init(&j);
    bw_hma_hash_json(&j, &sig);
    assert_string_equal(j.buf, "{\"video_md5\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\"}");

    r.kind = BW_KIND_IMAGE;
    assert_int_equal(bw_pdq_from_hex(PDQ_A, 64, &r.pdq), BW_OK);
    assert_int_equal(bw_hma_upload_signal(BW_HMA_PHOTO, &r, &sig, &err), BW_OK);
    bw_json_reset(&j);
    bw_hma_hash_json(&j, &sig);
    assert_string_equal(j.buf, "{\"pdq\":\"" PDQ_A "\"}");
    bw_json_reset(&j);
    bw_hma_lookup_upload_json(&j, &sig, NULL, NULL);
    assert_string_equal(j.buf, "{\"pdq\":{}}");
    bw_json_free(&j);
}

/* GET /h/hash?url='s content_type= and types= (blueprints/hashing.py) */
static void test_url_content_and_types(void **state)
{
    bw_hma_content c;
    bw_error err;
    (void)state;
    assert_int_equal(bw_hma_url_content(NULL, "image/jpeg", &c, &err), BW_OK);
    assert_int_equal(c, BW_HMA_PHOTO);
    assert_int_equal(bw_hma_url_content("", "Video/mp4", &c, &err), BW_OK);
    assert_int_equal(c, BW_HMA_VIDEO);
    assert_int_equal(bw_hma_url_content("photo", "text/html", &c, &err), BW_OK);
    assert_int_equal(c, BW_HMA_PHOTO);
    assert_int_equal(bw_hma_url_content("audio", "image/png", &c, &err), BW_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "no such content_type: 'audio'");
    assert_int_equal(bw_hma_url_content(NULL, "text/html", &c, &err), BW_ERR_UNSUPPORTED);
    assert_string_equal(err.msg, "unsupported url ContentType: 'text/html', if you know the "
                                 "expected type, provide it with the content_type query param");
    assert_int_equal(bw_hma_check_types(BW_HMA_PHOTO, NULL, &err), BW_OK);
    assert_int_equal(bw_hma_check_types(BW_HMA_PHOTO, "pdq", &err), BW_OK);
    assert_int_equal(bw_hma_check_types(BW_HMA_PHOTO, " pdq ,,", &err), BW_OK);
    assert_int_equal(bw_hma_check_types(BW_HMA_VIDEO, "video_md5", &err), BW_OK);
    assert_int_equal(bw_hma_check_types(BW_HMA_PHOTO, "pdq,video_md5", &err), BW_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "signal type 'video_md5' doesn't exist or is disabled");
    assert_int_equal(bw_hma_check_types(BW_HMA_VIDEO, "pdq", &err), BW_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "signal type 'pdq' doesn't exist or is disabled");
    assert_int_equal(bw_hma_check_types(BW_HMA_PHOTO, " , ", &err), BW_ERR_ARG);
    assert_string_equal(err.msg, "empty signal type selection");
    assert_int_equal(bw_hma_check_types(BW_HMA_PHOTO, "", &err), BW_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signal_types),
        cmocka_unit_test(test_banks),
        cmocka_unit_test(test_content_ids_and_json),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_uploads),
        cmocka_unit_test(test_url_content_and_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
