/* test_prompt.c -- the prompt guard against hand-written expectations.
 *
 * cases.tsv holds minimal, clinical cases (verdict, categories, text) for
 * each language, obfuscation and must-not-block context; every one must
 * give exactly the expected verdict and categories. The other tests check
 * spans into the original text, bad input (invalid UTF-8, NUL bytes, a
 * pile of combining marks, the line limit), policy files, list errors and
 * sharing one guard between threads. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "testutil.h"
#include "bulwark/prompt.h"
#include "prompt/prompt_internal.h"

static bw_prompt_lists *lists;
static bw_prompt_guard *guard;

static int setup(void **state)
{
    bw_error err;
    (void)state;
    if (bw_prompt_lists_new(&lists, NULL, &err) != BW_OK ||
        bw_prompt_lists_load_dir(lists, bw_test_source("data/prompt"), &err) != BW_OK ||
        bw_prompt_guard_compile(lists, NULL, &guard, &err) != BW_OK) {
        fprintf(stderr, "setup: %s\n", bw_error_message(&err));
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    bw_prompt_guard_free(guard);
    bw_prompt_lists_free(lists);
    return 0;
}

/* \u{XXXX} escapes of the case file -> UTF-8 (in place: never longer). */
static size_t unescape(char *s)
{
    char *r = s, *w = s;
    while (*r) {
        if (r[0] == '\\' && r[1] == 'u' && r[2] == '{') {
            char *end;
            unsigned long c = strtoul(r + 3, &end, 16);
            if (*end == '}') {
                if (c < 0x80) {
                    *w++ = (char)c;
                } else if (c < 0x800) {
                    *w++ = (char)(0xC0 | (c >> 6));
                    *w++ = (char)(0x80 | (c & 0x3F));
                } else if (c < 0x10000) {
                    *w++ = (char)(0xE0 | (c >> 12));
                    *w++ = (char)(0x80 | ((c >> 6) & 0x3F));
                    *w++ = (char)(0x80 | (c & 0x3F));
                } else {
                    *w++ = (char)(0xF0 | (c >> 18));
                    *w++ = (char)(0x80 | ((c >> 12) & 0x3F));
                    *w++ = (char)(0x80 | ((c >> 6) & 0x3F));
                    *w++ = (char)(0x80 | (c & 0x3F));
                }
                r = end + 1;
                continue;
            }
        }
        *w++ = *r++;
    }
    *w = '\0';
    return (size_t)(w - s);
}

static unsigned parse_categories(const char *s)
{
    char buf[128], *save = NULL, *tok;
    unsigned c = 0;
    snprintf(buf, sizeof buf, "%s", s);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (strcmp(tok, "sexual_minors") == 0)
            c |= BW_PROMPT_CAT_SEXUAL_MINORS;
        else if (strcmp(tok, "minors") == 0)
            c |= BW_PROMPT_CAT_MINORS;
        else if (strcmp(tok, "sexual") == 0)
            c |= BW_PROMPT_CAT_SEXUAL;
        else if (strcmp(tok, "evasion") == 0)
            c |= BW_PROMPT_CAT_EVASION;
        else if (strcmp(tok, "-") != 0)
            fail_msg("unknown category '%s' in cases.tsv", tok);
    }
    return c;
}

static void cats_str(unsigned c, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s%s%s%s", c & BW_PROMPT_CAT_SEXUAL_MINORS ? "sexual_minors," : "",
             c & BW_PROMPT_CAT_MINORS ? "minors," : "", c & BW_PROMPT_CAT_SEXUAL ? "sexual," : "",
             c & BW_PROMPT_CAT_EVASION ? "evasion," : "", c ? "" : "-");
}

static void test_cases(void **state)
{
    bw_tsv tsv;
    bw_prompt_scratch *s;
    bw_error err;
    int cv, cc, ct, failures = 0, ran = 0;
    (void)state;
    assert_int_equal(bw_test_tsv_load(bw_test_source("tests/prompt/cases.tsv"), &tsv), 0);
    cv = bw_test_tsv_col(&tsv, "verdict");
    cc = bw_test_tsv_col(&tsv, "categories");
    ct = bw_test_tsv_col(&tsv, "text");
    assert_true(cv >= 0 && cc >= 0 && ct >= 0);
    assert_int_equal(bw_prompt_scratch_new(guard, &s, &err), BW_OK);
    for (size_t i = 1; i < tsv.nrows; i++) {
        char **row = tsv.rows[i], got_c[96], want_c[96];
        bw_prompt_result r;
        size_t len;
        unsigned want;
        if (row[0][0] == '#')
            continue;
        assert_int_equal(tsv.nfields[i], 3);
        len = unescape(row[ct]);
        ran++;
        if (bw_prompt_check(guard, s, row[ct], len, &r, &err) != BW_OK) {
            fprintf(stderr, "case %zu: error %s: %s\n", i + 1, bw_error_message(&err), row[ct]);
            failures++;
            continue;
        }
        want = parse_categories(row[cc]);
        if (strcmp(bw_prompt_verdict_name(r.verdict), row[cv]) != 0 ||
            (strcmp(row[cc], "*") != 0 && r.categories != want)) {
            cats_str(r.categories, got_c, sizeof got_c);
            cats_str(want, want_c, sizeof want_c);
            fprintf(stderr, "case %zu: want %s %s, got %s %s: %s\n", i + 1, row[cv], want_c,
                    bw_prompt_verdict_name(r.verdict), got_c, row[ct]);
            failures++;
        }
    }
    fprintf(stderr, "prompt cases: %d run, %d failed\n", ran, failures);
    bw_prompt_scratch_free(s);
    bw_test_tsv_free(&tsv);
    assert_true(ran >= 300);
    assert_int_equal(failures, 0);
}

/* One reason that must be there: category, term, span. */
static void expect_reason(bw_prompt_scratch *s, const char *text, size_t len, unsigned cat,
                          const char *term, size_t start, size_t end)
{
    bw_prompt_result r;
    bw_error err;
    int found = 0;
    assert_int_equal(bw_prompt_check(guard, s, text, len, &r, &err), BW_OK);
    for (size_t i = 0; i < r.nreasons; i++)
        if (r.reasons[i].category == cat && strcmp(r.reasons[i].term, term) == 0 &&
            r.reasons[i].start == start && r.reasons[i].end == end)
            found = 1;
    if (!found) {
        fprintf(stderr, "no reason %s %s [%zu,%zu] for '%s'; got:\n",
                bw_prompt_category_name(cat), term, start, end, text);
        for (size_t i = 0; i < r.nreasons; i++)
            fprintf(stderr, "  %s %s [%zu,%zu]\n", bw_prompt_category_name(r.reasons[i].category),
                    r.reasons[i].term, r.reasons[i].start, r.reasons[i].end);
    }
    assert_true(found);
}

#define EXPECT(s, lit, cat, term, a, b) expect_reason(s, lit, sizeof lit - 1, cat, term, a, b)

static void test_spans(void **state)
{
    bw_prompt_scratch *s;
    bw_error err;
    (void)state;
    assert_int_equal(bw_prompt_scratch_new(guard, &s, &err), BW_OK);
    EXPECT(s, "a naked child", BW_PROMPT_CAT_SEXUAL, "naked", 2, 7);
    EXPECT(s, "a naked child", BW_PROMPT_CAT_MINORS, "child", 8, 13);
    /* Cyrillic a is two bytes: the span covers it */
    EXPECT(s, "n\xd0\xb0ked child", BW_PROMPT_CAT_SEXUAL, "naked", 0, 6);
    EXPECT(s, "n\xd0\xb0ked child", BW_PROMPT_CAT_EVASION, "naked", 0, 6);
    EXPECT(s, "n\xd0\xb0ked child", BW_PROMPT_CAT_MINORS, "child", 7, 12);
    /* zero-width space inside the word (3 bytes) */
    EXPECT(s, "na\xe2\x80\x8b" "ked kid", BW_PROMPT_CAT_SEXUAL, "naked", 0, 8);
    EXPECT(s, "na\xe2\x80\x8b" "ked kid", BW_PROMPT_CAT_MINORS, "kid", 9, 12);
    /* separators: the whole spelt-out word */
    EXPECT(s, "kid n.a.k.e.d", BW_PROMPT_CAT_SEXUAL, "naked", 4, 13);
    EXPECT(s, "kid n a k e d", BW_PROMPT_CAT_EVASION, "naked", 4, 13);
    /* leetspeak */
    EXPECT(s, "n4k3d k1ds", BW_PROMPT_CAT_SEXUAL, "naked", 0, 5);
    EXPECT(s, "n4k3d k1ds", BW_PROMPT_CAT_MINORS, "kids", 6, 10);
    /* full-width letters are three bytes each */
    EXPECT(s, "\xef\xbd\x8e\xef\xbd\x95\xef\xbd\x84\xef\xbd\x85 kid", BW_PROMPT_CAT_SEXUAL,
           "nude", 0, 12);
    /* ages: the number and its unit */
    EXPECT(s, "nude, 12 year old", BW_PROMPT_CAT_MINORS, "age 12", 6, 17);
    EXPECT(s, "12yo nude", BW_PROMPT_CAT_MINORS, "age 12", 0, 4);
    EXPECT(s, "girl, 12, nude", BW_PROMPT_CAT_MINORS, "age 12", 6, 8);
    EXPECT(s, "\xe5\x8d\x81\xe4\xba\x8c\xe5\xb2\x81 \xe8\xa3\xb8", BW_PROMPT_CAT_MINORS,
           "age 12", 0, 9); /* 十二岁 */
    EXPECT(s, "5th grader nude", BW_PROMPT_CAT_MINORS, "grade 5", 0, 10);
    /* prefix terms show the whole word */
    EXPECT(s, "nacktes kind", BW_PROMPT_CAT_SEXUAL, "nackt*", 0, 7);
    /* weighting syntax */
    EXPECT(s, "((child)), (nude:1.3)", BW_PROMPT_CAT_MINORS, "child", 2, 7);
    EXPECT(s, "((child)), (nude:1.3)", BW_PROMPT_CAT_SEXUAL, "nude", 12, 16);
    /* a term that only means sexual content of minors */
    EXPECT(s, "see lolicon", BW_PROMPT_CAT_SEXUAL_MINORS, "lolicon", 4, 11);
    /* repeated letters */
    EXPECT(s, "naaaaked kid", BW_PROMPT_CAT_SEXUAL, "naked", 0, 8);
    /* an invisible character between two terms: each keeps its own span
     * in the original bytes (U+200B is 3 bytes, NUL 1, U+2060 3) */
    EXPECT(s, "nude\xe2\x80\x8b" "child", BW_PROMPT_CAT_SEXUAL, "nude", 0, 4);
    EXPECT(s, "nude\xe2\x80\x8b" "child", BW_PROMPT_CAT_MINORS, "child", 7, 12);
    EXPECT(s, "nude\xe2\x80\x8b" "child", BW_PROMPT_CAT_EVASION, "child", 7, 12);
    EXPECT(s, "nude\0child", BW_PROMPT_CAT_MINORS, "child", 5, 10);
    EXPECT(s, "a nude\xe2\x81\xa0" "child", BW_PROMPT_CAT_SEXUAL, "nude", 2, 6);
    EXPECT(s, "a nude\xe2\x81\xa0" "child", BW_PROMPT_CAT_MINORS, "child", 9, 14);
    /* glued compounds: split inside the word */
    EXPECT(s, "x nakedgirl", BW_PROMPT_CAT_SEXUAL, "naked", 2, 7);
    EXPECT(s, "x nakedgirl", BW_PROMPT_CAT_MINORS, "girl", 7, 11);
    EXPECT(s, "x nakedgirl", BW_PROMPT_CAT_EVASION, "naked", 2, 7);
    EXPECT(s, "nudechild", BW_PROMPT_CAT_MINORS, "child", 4, 9);
    EXPECT(s, "n4k3dk1d", BW_PROMPT_CAT_SEXUAL, "naked", 0, 5);
    EXPECT(s, "n4k3dk1d", BW_PROMPT_CAT_MINORS, "kid", 5, 8);
    /* Cyrillic letters are 2 bytes: голый|ребенок */
    EXPECT(s, "\xd0\xb3\xd0\xbe\xd0\xbb\xd1\x8b\xd0\xb9\xd1\x80\xd0\xb5\xd0\xb1\xd0\xb5\xd0\xbd"
              "\xd0\xbe\xd0\xba",
           BW_PROMPT_CAT_MINORS, "ребенок", 10, 24);
    bw_prompt_scratch_free(s);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_bad_input(void **state)
{
    bw_prompt_scratch *s;
    bw_prompt_result r;
    bw_error err;
    char *big;
    size_t n;
    double t0;
    (void)state;
    assert_int_equal(bw_prompt_scratch_new(guard, &s, &err), BW_OK);
    /* invalid UTF-8: an error that names the byte */
    assert_int_equal(bw_prompt_check(guard, s, "nude \xff kid", 10, &r, &err), BW_ERR_CORRUPT);
    assert_non_null(strstr(bw_error_message(&err), "invalid UTF-8 at byte 5"));
    assert_int_equal(bw_prompt_check(guard, s, "kid \xc3", 5, &r, &err), BW_ERR_CORRUPT);
    assert_int_equal(bw_prompt_check(guard, s, "\xed\xa0\x80", 3, &r, &err), BW_ERR_CORRUPT);
    assert_int_equal(bw_prompt_check(guard, s, "\xc0\xaf", 2, &r, &err), BW_ERR_CORRUPT);
    /* the scratch is still good after an error */
    assert_int_equal(bw_prompt_check(guard, s, "naked child", 11, &r, &err), BW_OK);
    assert_int_equal(r.verdict, BW_PROMPT_BLOCK);
    /* NUL bytes inside a word are removed like zero-width characters */
    assert_int_equal(bw_prompt_check(guard, s, "na\0ked child", 12, &r, &err), BW_OK);
    assert_int_equal(r.verdict, BW_PROMPT_BLOCK);
    assert_true(r.categories & BW_PROMPT_CAT_EVASION);
    assert_int_equal(bw_prompt_check(guard, s, "\0\0\0", 3, &r, &err), BW_OK);
    assert_int_equal(r.verdict, BW_PROMPT_ALLOW);
    /* empty */
    assert_int_equal(bw_prompt_check(guard, s, "", 0, &r, &err), BW_OK);
    assert_int_equal(r.verdict, BW_PROMPT_ALLOW);
    /* 100,000 combining marks on one letter: linear, and the word still reads */
    n = 4 + 100000 * 2 + 6;
    big = malloc(n);
    assert_non_null(big);
    memcpy(big, "nude", 4);
    for (size_t i = 0; i < 100000; i++) {
        big[4 + 2 * i] = (char)0xCC;
        big[5 + 2 * i] = (char)0x81; /* U+0301 */
    }
    memcpy(big + 4 + 200000, " child", 6);
    t0 = now();
    assert_int_equal(bw_prompt_check(guard, s, big, n, &r, &err), BW_OK);
    assert_true(now() - t0 < 5.0);
    assert_int_equal(r.verdict, BW_PROMPT_BLOCK);
    free(big);
    /* a prompt of 1 MiB of one repeated term: bounded time, a verdict */
    n = 1u << 20;
    big = malloc(n);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = "kid nude "[i % 9];
    t0 = now();
    assert_int_equal(bw_prompt_check(guard, s, big, n, &r, &err), BW_OK);
    assert_true(now() - t0 < 20.0);
    assert_int_equal(r.verdict, BW_PROMPT_BLOCK);
    /* and one word of 1 MiB with no spaces */
    memset(big, 'a', n);
    assert_int_equal(bw_prompt_check(guard, s, big, n, &r, &err), BW_OK);
    assert_int_equal(r.verdict, BW_PROMPT_ALLOW);
    /* long glued words that start with terms: the compound split is bounded */
    for (size_t i = 0; i < n; i++)
        big[i] = i % 200 == 199 ? ' ' : "nudekid"[(i % 200) % 7];
    t0 = now();
    assert_int_equal(bw_prompt_check(guard, s, big, n, &r, &err), BW_OK);
    assert_true(now() - t0 < 20.0);
    for (size_t i = 0; i < n; i++)
        big[i] = "n.a.k.e.d."[i % 10];
    assert_int_equal(bw_prompt_check(guard, s, big, n, &r, &err), BW_OK);
    assert_int_equal(r.verdict, BW_PROMPT_ALLOW);
    free(big);
    bw_prompt_scratch_free(s);
}

static void test_line_limit(void **state)
{
    bw_limits lim;
    bw_prompt_guard *g;
    bw_prompt_scratch *s;
    bw_prompt_result r;
    bw_error err;
    char text[65];
    (void)state;
    bw_limits_default(&lim);
    assert_int_equal(lim.max_line_bytes, BW_DEFAULT_MAX_LINE_BYTES);
    lim.max_line_bytes = 64;
    assert_int_equal(bw_prompt_guard_compile(lists, &lim, &g, &err), BW_OK);
    assert_int_equal(bw_prompt_scratch_new(g, &s, &err), BW_OK);
    memset(text, 'x', sizeof text);
    assert_int_equal(bw_prompt_check(g, s, text, 64, &r, &err), BW_OK);
    assert_int_equal(bw_prompt_check(g, s, text, 65, &r, &err), BW_ERR_LIMIT);
    assert_non_null(strstr(bw_error_message(&err), "prompt too long: 65 bytes (limit 64"));
    bw_prompt_scratch_free(s);
    bw_prompt_guard_free(g);
    /* the limit also bounds the lines of list and policy files */
    {
        bw_prompt_lists *l;
        char line[80];
        assert_int_equal(bw_prompt_lists_new(&l, &lim, &err), BW_OK);
        snprintf(line, sizeof line, "sexual %070d\n", 1);
        assert_int_equal(bw_prompt_lists_load_text(l, "t.txt", "en", line, strlen(line), &err),
                         BW_ERR_LIMIT);
        assert_non_null(strstr(bw_error_message(&err), "t.txt:1: line too long"));
        bw_prompt_lists_free(l);
    }
}

static bw_prompt_verdict verdict_of(bw_prompt_guard *g, const char *text)
{
    bw_prompt_scratch *s;
    bw_prompt_result r;
    bw_error err;
    bw_prompt_verdict v;
    assert_int_equal(bw_prompt_scratch_new(g, &s, &err), BW_OK);
    assert_int_equal(bw_prompt_check(g, s, text, strlen(text), &r, &err), BW_OK);
    v = r.verdict;
    bw_prompt_scratch_free(s);
    return v;
}

static void test_policy(void **state)
{
    static const char policy[] = "# a local policy\n"
                                 "sexual zorblax\n"          /* add */
                                 "remove naked\n"            /* remove */
                                 "minor girl\n"              /* re-grade: ambig -> minor */
                                 "csam,nofuzzy quuxword\n";  /* add a blocking term */
    bw_prompt_lists *l;
    bw_prompt_guard *g;
    bw_error err;
    (void)state;
    assert_int_equal(bw_prompt_lists_new(&l, NULL, &err), BW_OK);
    assert_int_equal(bw_prompt_lists_load_dir(l, bw_test_source("data/prompt"), &err), BW_OK);
    assert_int_equal(bw_prompt_lists_apply_policy_text(l, "local.policy", policy,
                                                       sizeof policy - 1, &err),
                     BW_OK);
    assert_int_equal(bw_prompt_guard_compile(l, NULL, &g, &err), BW_OK);
    assert_int_equal(verdict_of(g, "zorblax child"), BW_PROMPT_BLOCK);
    assert_int_equal(verdict_of(g, "naked child"), BW_PROMPT_ALLOW);
    assert_int_equal(verdict_of(g, "nude child"), BW_PROMPT_BLOCK);
    assert_int_equal(verdict_of(g, "girl nude"), BW_PROMPT_BLOCK);
    assert_int_equal(verdict_of(g, "quuxword"), BW_PROMPT_BLOCK);
    /* the shipped guard is not changed by another guard's policy */
    assert_int_equal(verdict_of(guard, "naked child"), BW_PROMPT_BLOCK);
    assert_int_equal(verdict_of(guard, "girl nude"), BW_PROMPT_REVIEW);
    bw_prompt_guard_free(g);

    /* errors name the file, the line and the problem */
    assert_int_equal(bw_prompt_lists_apply_policy_text(l, "p", "remove nosuchterm\n", 18, &err),
                     BW_ERR_NOT_FOUND);
    assert_non_null(strstr(bw_error_message(&err), "p:1: no term 'nosuchterm'"));
    assert_int_equal(bw_prompt_lists_apply_policy_text(l, "p", "\nminr kid\n", 10, &err),
                     BW_ERR_CORRUPT);
    assert_non_null(strstr(bw_error_message(&err), "p:2: unknown class 'minr'"));
    assert_int_equal(bw_prompt_lists_apply_policy_text(l, "p", "minor,loud kid\n", 15, &err),
                     BW_ERR_CORRUPT);
    assert_non_null(strstr(bw_error_message(&err), "unknown flag 'loud'"));
    assert_int_equal(bw_prompt_lists_apply_policy_text(l, "p", "minor\n", 6, &err),
                     BW_ERR_CORRUPT);
    assert_int_equal(bw_prompt_lists_apply_policy_text(l, "p", "num kid\n", 8, &err),
                     BW_ERR_CORRUPT);
    assert_int_equal(bw_prompt_lists_apply_policy_text(l, "p", "minor ...\n", 10, &err),
                     BW_ERR_CORRUPT);
    assert_non_null(strstr(bw_error_message(&err), "has no letters"));
    assert_int_equal(bw_prompt_lists_apply_policy_text(l, "p", "minor k\xffid\n", 10, &err),
                     BW_ERR_CORRUPT);
    assert_int_equal(bw_prompt_lists_apply_policy_text(l, "p", "minor \0kid\n", 11, &err),
                     BW_ERR_CORRUPT);
    /* remove belongs to policies; conflicting classes between lists */
    assert_int_equal(bw_prompt_lists_load_text(l, "x.txt", "xx", "remove kid\n", 11, &err),
                     BW_ERR_CORRUPT);
    assert_int_equal(bw_prompt_lists_load_text(l, "x.txt", "xx", "adult kid\n", 10, &err),
                     BW_ERR_CORRUPT);
    assert_non_null(strstr(bw_error_message(&err), "already 'minor'"));
    bw_prompt_lists_free(l);
}

static void test_lists_errors(void **state)
{
    bw_prompt_lists *l;
    bw_error err;
    (void)state;
    assert_int_equal(bw_prompt_lists_new(&l, NULL, &err), BW_OK);
    assert_int_equal(bw_prompt_lists_load_dir(l, "/nonexistent/prompt", &err), BW_ERR_NOT_FOUND);
    assert_int_equal(bw_prompt_lists_load_dir(l, bw_test_source("include/bulwark"), &err),
                     BW_ERR_NOT_FOUND);
    assert_int_equal(bw_prompt_lists_apply_policy(l, "/nonexistent.policy", &err),
                     BW_ERR_NOT_FOUND);
    assert_int_equal(bw_prompt_lists_count(l), 0);
    /* an empty guard allows everything */
    {
        bw_prompt_guard *g;
        assert_int_equal(bw_prompt_guard_compile(l, NULL, &g, &err), BW_OK);
        assert_int_equal(verdict_of(g, "anything at all"), BW_PROMPT_ALLOW);
        bw_prompt_guard_free(g);
    }
    bw_prompt_lists_free(l);
    assert_true(bw_prompt_lists_count(lists) > 1000);
}

/* The fold table does not depend on the lists: every set of lists shares
 * the one built for the process, and it outlives any one of them. */
static void test_fold_shared(void **state)
{
    bw_prompt_lists *a, *b;
    bw_prompt_guard *g;
    bw_error err;
    (void)state;
    assert_int_equal(bw_prompt_lists_new(&a, NULL, &err), BW_OK);
    assert_int_equal(bw_prompt_lists_new(&b, NULL, &err), BW_OK);
    assert_ptr_equal(a->fold, lists->fold);
    assert_ptr_equal(b->fold, lists->fold);
    bw_prompt_lists_free(a);
    assert_int_equal(bw_prompt_lists_load_text(b, "t.txt", "xx", "minor kid\nsexual nude\n", 22,
                                               &err), BW_OK);
    assert_int_equal(bw_prompt_guard_compile(b, NULL, &g, &err), BW_OK);
    bw_prompt_lists_free(b);
    assert_int_equal(verdict_of(g, "nude kid"), BW_PROMPT_BLOCK);
    assert_int_equal(verdict_of(g, "kid"), BW_PROMPT_ALLOW);
    bw_prompt_guard_free(g);
}

typedef struct thread_arg {
    int blocked, allowed;
} thread_arg;

static void *thread_main(void *p)
{
    thread_arg *a = p;
    bw_prompt_scratch *s;
    bw_prompt_result r;
    bw_error err;
    if (bw_prompt_scratch_new(guard, &s, &err) != BW_OK)
        return NULL;
    for (int i = 0; i < 2000; i++) {
        const char *t = i % 2 ? "n4k3d k1d" : "kids swimming lessons";
        if (bw_prompt_check(guard, s, t, strlen(t), &r, &err) != BW_OK)
            continue;
        a->blocked += r.verdict == BW_PROMPT_BLOCK;
        a->allowed += r.verdict == BW_PROMPT_ALLOW;
    }
    bw_prompt_scratch_free(s);
    return NULL;
}

static void test_threads(void **state)
{
    pthread_t th[4];
    thread_arg a[4];
    (void)state;
    memset(a, 0, sizeof a);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, thread_main, &a[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(a[i].blocked, 1000);
        assert_int_equal(a[i].allowed, 1000);
    }
}

/* Lists made and freed in several threads at once, each compiled from a
 * small list text (the fold table is built once per process and shared:
 * fold.c); every guard reads look-alikes and invisible characters. */
static void *lists_thread(void *p)
{
    static const char list[] = "minor child\nsexual naked\n";
    static const char text[] = "n\xd0\xb0ked\xe2\x80\x8b" "child";
    int *ok = p;
    for (int i = 0; i < 20; i++) {
        bw_prompt_lists *l = NULL;
        bw_prompt_guard *g = NULL;
        bw_prompt_scratch *s = NULL;
        bw_prompt_result r;
        bw_error err;
        if (bw_prompt_lists_new(&l, NULL, &err) == BW_OK &&
            bw_prompt_lists_load_text(l, "t.txt", "xx", list, sizeof list - 1, &err) == BW_OK &&
            bw_prompt_guard_compile(l, NULL, &g, &err) == BW_OK &&
            bw_prompt_scratch_new(g, &s, &err) == BW_OK &&
            bw_prompt_check(g, s, text, sizeof text - 1, &r, &err) == BW_OK &&
            r.verdict == BW_PROMPT_BLOCK && (r.categories & BW_PROMPT_CAT_EVASION))
            (*ok)++;
        bw_prompt_scratch_free(s);
        bw_prompt_guard_free(g);
        bw_prompt_lists_free(l);
    }
    return NULL;
}

static void test_lists_threads(void **state)
{
    pthread_t th[4];
    int ok[4] = {0};
    (void)state;
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, lists_thread, &ok[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(ok[i], 20);
    }
}

static void test_json(void **state)
{
    bw_prompt_scratch *s;
    bw_prompt_result r;
    bw_error err;
    bw_json j;
    (void)state;
    assert_int_equal(bw_prompt_scratch_new(guard, &s, &err), BW_OK);
    assert_int_equal(bw_prompt_check(guard, s, "naked child", 11, &r, &err), BW_OK);
    bw_json_init(&j);
    bw_prompt_result_json(&j, "naked child", 11, &r);
    assert_int_equal(bw_json_status(&j), BW_OK);
    assert_string_equal(
        j.buf, "{\"text\":\"naked child\",\"verdict\":\"block\","
               "\"categories\":[\"sexual_minors\",\"minors\",\"sexual\"],"
               "\"reasons\":[{\"category\":\"sexual\",\"term\":\"naked\",\"span\":[0,5]},"
               "{\"category\":\"minors\",\"term\":\"child\",\"span\":[6,11]}]}");
    bw_json_free(&j);
    bw_prompt_scratch_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),       cmocka_unit_test(test_spans),
        cmocka_unit_test(test_bad_input),   cmocka_unit_test(test_line_limit),
        cmocka_unit_test(test_policy),      cmocka_unit_test(test_lists_errors),
        cmocka_unit_test(test_threads),     cmocka_unit_test(test_json),
        cmocka_unit_test(test_lists_threads),
        cmocka_unit_test(test_fold_shared),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
