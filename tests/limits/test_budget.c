/* test_budget.c -- the process-wide memory budget (core/budget.c, limit
 * max_memory_bytes) and the limits it came with:
 *
 *   - a reservation larger than the whole budget fails at once, naming the
 *     limit; one that does not fit beside another thread's waits until that
 *     thread releases, then goes on;
 *   - bw_image_decode reserves before it allocates: an image alone larger
 *     than the budget is refused with max_memory_bytes in the message, and
 *     a decoded image holds its bytes until bw_image_free;
 *   - max_pixels and max_dimension errors name their limit;
 *   - max_memory_bytes and max_decode_seconds are settable by name.
 *
 * The images are the demo samples (samples/), whose sizes are known. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "core/internal.h"
#include "bulwark/image.h"
#include "testutil.h"

static void test_too_large(void **state)
{
    bw_limits lim;
    bw_error e;
    (void)state;
    bw_limits_default(&lim);
    lim.max_memory_bytes = 1000;
    assert_int_equal(bw__budget_reserve(&lim, 1001, "a test buffer", &e), BW_ERR_LIMIT);
    assert_non_null(strstr(e.msg, "max_memory_bytes"));
    assert_non_null(strstr(e.msg, "a test buffer"));
    assert_int_equal(bw__budget_used(), 0);
    assert_int_equal(bw__budget_reserve(&lim, 1000, "all of it", &e), BW_OK);
    assert_int_equal(bw__budget_used(), 1000);
    bw__budget_release(1000);
    assert_int_equal(bw__budget_used(), 0);
}

typedef struct waiter {
    bw_limits *lim;
    volatile int reserved;
} waiter;

static void *take_60(void *arg)
{
    waiter *w = arg;
    bw_error e;
    assert_int_equal(bw__budget_reserve(w->lim, 60, "the second", &e), BW_OK);
    w->reserved = 1;
    bw__budget_release(60);
    return NULL;
}

static void test_waits_for_release(void **state)
{
    bw_limits lim;
    bw_error e;
    pthread_t t;
    waiter w = {&lim, 0};
    (void)state;
    bw_limits_default(&lim);
    lim.max_memory_bytes = 100;
    assert_int_equal(bw__budget_reserve(&lim, 60, "the first", &e), BW_OK);
    assert_int_equal(pthread_create(&t, NULL, take_60, &w), 0);
    usleep(200 * 1000);
    assert_int_equal(w.reserved, 0); /* 60 + 60 > 100: still waiting */
    bw__budget_release(60);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(w.reserved, 1);
    assert_int_equal(bw__budget_used(), 0);
}

static void test_decode_reserves(void **state)
{
    size_t len;
    unsigned char *png = bw_test_read_file(bw_test_source("samples/rings.png"), &len);
    bw_limits lim;
    bw_decode_opts o = {1, 0, &lim};
    bw_image img;
    bw_error e;
    /* rings.png is 480x480 RGB: 480*480*3 pixels + 480*480*4 for PDQ */
    const uint64_t need = 480ull * 480 * 3 + 480ull * 480 * 4;
    (void)state;
    assert_non_null(png);
    bw_limits_default(&lim);
    lim.max_memory_bytes = need - 1;
    assert_int_equal(bw_image_decode(png, len, &o, &img, &e), BW_ERR_LIMIT);
    assert_non_null(strstr(e.msg, "max_memory_bytes"));
    assert_non_null(strstr(e.msg, "480x480"));
    assert_int_equal(bw__budget_used(), 0);
    lim.max_memory_bytes = need;
    assert_int_equal(bw_image_decode(png, len, &o, &img, &e), BW_OK);
    assert_int_equal(img.reserved, need);
    assert_int_equal(bw__budget_used(), need);
    bw_image_free(&img);
    assert_int_equal(bw__budget_used(), 0);
    /* the size limits name themselves too, and reserve nothing */
    bw_limits_default(&lim);
    lim.max_pixels = 1000;
    assert_int_equal(bw_image_decode(png, len, &o, &img, &e), BW_ERR_LIMIT);
    assert_non_null(strstr(e.msg, "max_pixels"));
    lim.max_pixels = BW_DEFAULT_MAX_PIXELS;
    lim.max_dimension = 479;
    assert_int_equal(bw_image_decode(png, len, &o, &img, &e), BW_ERR_LIMIT);
    assert_non_null(strstr(e.msg, "max_dimension"));
    assert_int_equal(bw__budget_used(), 0);
    free(png);
}

static void test_named(void **state)
{
    bw_limits lim;
    (void)state;
    bw_limits_default(&lim);
    assert_int_equal(lim.max_memory_bytes, 4ull << 30);
    assert_int_equal(lim.max_decode_seconds, 10);
    assert_int_equal(bw_limits_set(&lim, "max_memory_bytes", 1ull << 20), BW_OK);
    assert_int_equal(lim.max_memory_bytes, 1ull << 20);
    assert_int_equal(bw_limits_set(&lim, "max_decode_seconds", 3), BW_OK);
    assert_int_equal(lim.max_decode_seconds, 3);
    assert_int_equal(bw_limits_set(&lim, "max_decode_seconds", 0), BW_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_waits_for_release),
        cmocka_unit_test(test_decode_reserves),
        cmocka_unit_test(test_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
