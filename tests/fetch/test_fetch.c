/* test_fetch.c -- bulwark/fetch.h without a network: the private-address
 * classifier on literal addresses (each range's edges), the allow list's
 * entries, and the refusals that come before a byte is sent (a scheme
 * other than http/https, a host not allowed, a loopback address when the
 * policy does not allow private ones). The fetches themselves, redirects,
 * caps and timeouts: tests/server/fetch.sh against a local origin. */
#include <string.h>
#include "testutil.h"
#include <bulwark/bulwark.h>

static void test_private_v4(void **state)
{
    (void)state;
    static const char *const priv[] = {
        "127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255", "172.16.0.1",
        "172.31.255.255", "192.168.0.1", "192.168.255.255", "169.254.169.254", "0.0.0.0",
        "0.1.2.3", "100.64.0.1", "100.127.255.255", "224.0.0.1", "255.255.255.255"};
    static const char *const pub[] = {"8.8.8.8", "172.15.255.255", "172.32.0.1",
                                      "192.167.1.1", "169.253.1.1", "100.63.255.255",
                                      "100.128.0.1", "11.0.0.1", "126.255.255.255",
                                      "223.255.255.255", "1.1.1.1"};
    for (size_t i = 0; i < sizeof priv / sizeof priv[0]; i++) {
        if (bw_fetch_address_private(priv[i]) != 1)
            fail_msg("%s should be private", priv[i]);
    }
    for (size_t i = 0; i < sizeof pub / sizeof pub[0]; i++) {
        if (bw_fetch_address_private(pub[i]) != 0)
            fail_msg("%s should be public", pub[i]);
    }
}

static void test_private_v6(void **state)
{
    (void)state;
    assert_int_equal(bw_fetch_address_private("::1"), 1);
    assert_int_equal(bw_fetch_address_private("::"), 1);
    assert_int_equal(bw_fetch_address_private("fc00::1"), 1);
    assert_int_equal(bw_fetch_address_private("fdff:ffff::1"), 1);
    assert_int_equal(bw_fetch_address_private("fe80::1"), 1);
    assert_int_equal(bw_fetch_address_private("febf::1"), 1);
    assert_int_equal(bw_fetch_address_private("ff02::1"), 1);
    assert_int_equal(bw_fetch_address_private("::ffff:127.0.0.1"), 1);
    assert_int_equal(bw_fetch_address_private("::ffff:10.1.2.3"), 1);
    assert_int_equal(bw_fetch_address_private("::ffff:192.168.1.1"), 1);
    assert_int_equal(bw_fetch_address_private("64:ff9b::a9fe:a9fe"), 1); /* 169.254.169.254 */
    assert_int_equal(bw_fetch_address_private("::ffff:8.8.8.8"), 0);
    assert_int_equal(bw_fetch_address_private("2001:4860:4860::8888"), 0);
    assert_int_equal(bw_fetch_address_private("fec0::1"), 0);
    assert_int_equal(bw_fetch_address_private("fbff::1"), 0);
    assert_int_equal(bw_fetch_address_private("localhost"), -1);
    assert_int_equal(bw_fetch_address_private("256.0.0.1"), -1);
    assert_int_equal(bw_fetch_address_private(""), -1);
    assert_int_equal(bw_fetch_address_private(NULL), -1);
}

static void test_policy_check(void **state)
{
    (void)state;
    bw_error err;
    const char *good[] = {"example.org", "example.org:8080", "[::1]:80", "[::1]", "127.0.0.1:1"};
    bw_fetch_policy p = {good, 5, 0, 1024, 1000, 5};
    assert_int_equal(bw_fetch_policy_check(&p, &err), BW_OK);
    const char *const bad[] = {"", "example.org:", "example.org:0", "example.org:65536",
                               "example.org:x", ":80", "[::1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p.allow = &bad[i];
        p.nallow = 1;
        if (bw_fetch_policy_check(&p, &err) != BW_ERR_ARG)
            fail_msg("'%s' should be refused", bad[i]);
    }
    assert_string_equal(err.msg, "'[::1': expected HOST or HOST:PORT (port 1-65535)");
}

static void test_refusals(void **state)
{
    (void)state;
    bw_error err;
    bw_fetched f;
    const char *allow[] = {"127.0.0.1:1", "Example.ORG:8080"};
    bw_fetch_policy p = {allow, 2, 0, 1024, 2000, 5};
    assert_int_equal(bw_fetch(&p, "file:///etc/passwd", &f, &err), BW_ERR_ARG);
    assert_string_equal(err.msg, "file:///etc/passwd: scheme 'file' is not http or https");
    assert_null(f.data);
    assert_int_equal(bw_fetch(&p, "ftp://127.0.0.1:1/x", &f, &err), BW_ERR_ARG);
    assert_string_equal(err.msg, "ftp://127.0.0.1:1/x: scheme 'ftp' is not http or https");
    assert_int_equal(bw_fetch(&p, "http://example.org/a.jpg", &f, &err), BW_ERR_ARG);
    assert_string_equal(err.msg, "http://example.org/a.jpg: host not allowed (example.org:80)");
    assert_int_equal(bw_fetch(&p, "http://127.0.0.2:1/", &f, &err), BW_ERR_ARG);
    assert_string_equal(err.msg, "http://127.0.0.2:1/: host not allowed (127.0.0.2:1)");
    assert_int_equal(bw_fetch(&p, "not a url", &f, &err), BW_ERR_ARG);
    /* allowed, but the address is loopback: refused before connecting */
    assert_int_equal(bw_fetch(&p, "http://127.0.0.1:1/a.jpg", &f, &err), BW_ERR_ARG);
    assert_string_equal(err.msg, "http://127.0.0.1:1/a.jpg: address 127.0.0.1 is private or loopback");
    /* private allowed: a real connection, refused by the closed port */
    p.allow_private = 1;
    assert_int_equal(bw_fetch(&p, "http://127.0.0.1:1/a.jpg", &f, &err), BW_ERR_IO);
    bw_fetched_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_private_v4),
        cmocka_unit_test(test_private_v6),
        cmocka_unit_test(test_policy_check),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
