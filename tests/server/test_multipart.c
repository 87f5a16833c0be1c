/* test_multipart.c -- the multipart/form-data parser of uploads
 * (src/server/multipart.c): boundaries from the Content-Type (token,
 * quoted, case of the media type, the 70-character bound, RFC 2046's
 * characters), parts with their names, filenames and types, CRLF rules
 * (the first delimiter opening the body or after a preamble, bare LF not
 * a line end, an empty part), boundary-like bytes inside data, and every
 * refusal: truncation, bad headers, too many parts. The bodies are
 * written out here by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "multipart.h"

#define CT "multipart/form-data; boundary=XyZ"

static mp_form form; /* large: not on the stack of each test */

static int parse(const char *ct, const char *body, const char **why)
{
    return mp_parse(ct, body, strlen(body), &form, why);
}

static void assert_part(size_t i, const char *name, const char *filename, const char *data)
{
    assert_true(i < form.n);
    assert_string_equal(form.parts[i].name, name);
    assert_string_equal(form.parts[i].filename, filename ? filename : "");
    assert_int_equal(form.parts[i].has_filename, filename != NULL);
    assert_int_equal(form.parts[i].len, strlen(data));
    assert_memory_equal(form.parts[i].data, data, strlen(data));
}

static void assert_refused(const char *ct, const char *body, const char *why_part)
{
    const char *why = NULL;
    assert_int_equal(parse(ct, body, &why), -1);
    assert_non_null(why);
    if (!strstr(why, why_part))
        fail_msg("why: \"%s\", expected it to contain \"%s\"", why, why_part);
}

static void test_boundary(void **state)
{
    char b[MP_MAX_BOUNDARY + 1];
    const char *why;
    char ct[200];
    (void)state;
    assert_int_equal(mp_boundary(CT, b, &why), 0);
    assert_string_equal(b, "XyZ");
    assert_int_equal(mp_boundary("Multipart/Form-Data ; charset=utf-8;boundary=\"a b:c\"", b,
                                 &why), 0);
    assert_string_equal(b, "a b:c");
    assert_int_equal(mp_boundary("multipart/form-data; boundary=\"q\\\"x\"", b, &why), -1);
    assert_string_equal(why, "the multipart boundary has a character RFC 2046 does not allow");
    /* 70 characters are allowed, 71 are not */
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=%070d", 7);
    assert_int_equal(mp_boundary(ct, b, &why), 0);
    assert_int_equal(strlen(b), 70);
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=%071d", 7);
    assert_int_equal(mp_boundary(ct, b, &why), -1);
    assert_string_equal(why, "the multipart boundary is longer than 70 characters");
    assert_int_equal(mp_boundary("multipart/form-data", b, &why), -1);
    assert_string_equal(why, "the Content-Type has no multipart boundary");
    assert_int_equal(mp_boundary("multipart/form-data; boundary=", b, &why), -1);
    assert_string_equal(why, "the multipart boundary is empty");
    assert_int_equal(mp_boundary("multipart/form-data; boundary=\"ab ", b, &why), -1);
    assert_string_equal(why, "an unterminated quoted string in a header parameter");
    assert_int_equal(mp_boundary("multipart/form-data; boundary=\"ab \"", b, &why), -1);
    assert_string_equal(why, "the multipart boundary ends in a space");
    assert_int_equal(mp_boundary("multipart/form-data; boundary=a; boundary=b", b, &why), -1);
    assert_string_equal(why, "a header parameter given twice");
    assert_int_equal(mp_boundary("multipart/mixed; boundary=a", b, &why), -1);
    assert_string_equal(why, "the Content-Type is not multipart/form-data");
    assert_int_equal(mp_boundary("application/octet-stream", b, &why), -1);
    assert_int_equal(mp_is_form("multipart/form-data;boundary=x"), 1);
    assert_int_equal(mp_is_form("multipart/form-datax"), 0);
    assert_int_equal(mp_is_form(NULL), 0);
}

static void test_parts(void **state)
{
    const char *why;
    (void)state;
    /* as curl -F sends it: the first delimiter opens the body */
    assert_int_equal(parse(CT, "--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"photo\"; filename=\"a.png\"\r\n"
                               "Content-Type: image/png\r\n"
                               "\r\n"
                               "PNGDATA\r\n"
                               "--XyZ--\r\n", &why), 0);
    assert_int_equal(form.n, 1);
    assert_part(0, "photo", "a.png", "PNGDATA");
    assert_string_equal(form.parts[0].type, "image/png");

    /* a preamble, a quoted boundary, a field without a filename, an
     * unquoted name, padding after a delimiter, an epilogue */
    assert_int_equal(parse("multipart/form-data; boundary=\"a b\"",
                           "ignored preamble\r\n--a b\r\n"
                           "content-disposition: FORM-DATA; name=text\r\n\r\n"
                           "hello\r\n--a b \t\r\n"
                           "Content-Disposition: form-data; name=\"video\"; filename=\"v.mp4\"\r\n"
                           "\r\n"
                           "two\r\nlines\r\n--a b--epilogue\r\n", &why), 0);
    assert_int_equal(form.n, 2);
    assert_part(0, "text", NULL, "hello");
    assert_part(1, "video", "v.mp4", "two\r\nlines");
    assert_string_equal(form.parts[1].type, "");

    /* an empty part, its delimiter right after the empty line, and an
     * empty filename (a file field left empty) */
    assert_int_equal(parse(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"; filename=\"\"\r\n"
                               "\r\n--XyZ--", &why), 0);
    assert_part(0, "a", "", "");
    /* an empty form */
    assert_int_equal(parse(CT, "--XyZ--\r\n", &why), 0);
    assert_int_equal(form.n, 0);
}

/* Bytes that look like the boundary but are not a delimiter are data. */
static void test_boundary_like_data(void **state)
{
    const char *why;
    (void)state;
    assert_int_equal(parse(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n"
                               "a--XyZ\r\n"   /* not after CRLF */
                               "\r\n--XyZW\r\n" /* after CRLF, but a longer word */
                               "\n--XyZ\r\n"    /* after a bare LF */
                               "\r\n-- XyZ"     /* not the boundary */
                               "\r\n--XyZ--", &why), 0);
    assert_int_equal(form.n, 1);
    assert_part(0, "f", NULL, "a--XyZ\r\n\r\n--XyZW\r\n\n--XyZ\r\n\r\n-- XyZ");
}

static void test_crlf(void **state)
{
    (void)state;
    /* bare LF line ends: no delimiter is found at all */
    assert_refused(CT, "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\nx\n--XyZ--\n",
                   "no multipart boundary delimiter in the body");
    /* a part's headers ending in a bare LF */
    assert_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\n\nx\r\n--XyZ--",
                   "truncated multipart body");
    /* the boundary of the body is not the header's */
    assert_refused(CT, "--Other\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--Other--",
                   "no multipart boundary delimiter in the body");
    assert_refused(CT, "", "no multipart boundary delimiter in the body");
}

static void test_truncated(void **state)
{
    (void)state;
    assert_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a\"\r\n"
                       "\r\nPNGDATA",
                   "truncated multipart body: no closing boundary delimiter");
    assert_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a\"\r\n"
                       "\r\nPNGDATA\r\n--XyZ",
                   "truncated multipart body: no closing boundary delimiter");
    assert_refused(CT, "--XyZ\r\nContent-Disposition: form-da",
                   "truncated multipart body: a part's headers do not end");
    /* the closing delimiter is missing although the part ended */
    assert_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--XyZ\r\n",
                   "truncated multipart body");
}

static void test_bad_headers(void **state)
{
    char *big;
    const char *why;
    (void)state;
    assert_refused(CT, "--XyZ\r\nContent-Disposition form-data\r\n\r\nx\r\n--XyZ--",
                   "a part header line without a name and ':'");
    assert_refused(CT, "--XyZ\r\nContent-Disposition: form-data;\r\n name=\"a\"\r\n\r\nx\r\n--XyZ--",
                   "obsolete line folding");
    assert_refused(CT, "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--",
                   "a part without a Content-Disposition header");
    assert_refused(CT, "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--XyZ--",
                   "not form-data");
    assert_refused(CT, "--XyZ\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nx\r\n--XyZ--",
                   "a part without a name");
    assert_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nx\r\n--XyZ--",
                   "a part without a name");
    assert_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--XyZ--",
                   "unterminated quoted string");
    assert_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n"
                       "Content-Disposition: form-data; name=\"b\"\r\n\r\nx\r\n--XyZ--",
                   "two Content-Disposition headers");
    assert_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name\r\n\r\nx\r\n--XyZ--",
                   "without '=' and a value");
    /* a NUL inside a header (not a C string end) */
    static const char nul[] = "--XyZ\r\nContent-Disposition: form-data; name=\"a\0b\"\r\n\r\nx\r\n--XyZ--";
    assert_int_equal(mp_parse(CT, nul, sizeof nul - 1, &form, &why), -1);
    assert_string_equal(why, "a NUL byte in a part header");
    /* a header block over 8192 bytes */
    big = malloc(10000);
    assert_non_null(big);
    strcpy(big, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Long: ");
    size_t at = strlen(big);
    memset(big + at, 'a', 8200);
    big[at + 8200] = '\0';
    strcat(big, "\r\n\r\nx\r\n--XyZ--");
    assert_refused(CT, big, "a part's headers are over 8192 bytes");
    free(big);
}

static void test_too_many_parts(void **state)
{
    char body[4096] = "";
    const char *why;
    (void)state;
    for (int i = 0; i < 16; i++)
        snprintf(body + strlen(body), sizeof body - strlen(body),
                 "--XyZ\r\nContent-Disposition: form-data; name=\"p%d\"\r\n\r\nv\r\n", i);
    strcat(body, "--XyZ--");
    assert_int_equal(parse(CT, body, &why), 0);
    assert_int_equal(form.n, 16);
    assert_part(15, "p15", NULL, "v");
    body[strlen(body) - 7] = '\0';
    strcat(body, "--XyZ\r\nContent-Disposition: form-data; name=\"p16\"\r\n\r\nv\r\n--XyZ--");
    assert_refused(CT, body, "too many parts in the multipart body (limit 16)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundary),
        cmocka_unit_test(test_parts),
        cmocka_unit_test(test_boundary_like_data),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_too_many_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
