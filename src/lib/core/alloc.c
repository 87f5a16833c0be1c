/* alloc.c -- libbulwark's allocator (core/internal.h): malloc and friends,
 * counted, with a switch that makes the nth allocation (and, persistent,
 * every later one) fail, for tests/core/test_alloc_fail.c. Two relaxed
 * atomics per allocation: nothing measurable next to the allocation. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"

static atomic_uint_fast64_t seen, failed, fail_at;
static atomic_int fail_persistent;

static int should_fail(void)
{
    uint64_t at = atomic_load_explicit(&fail_at, memory_order_relaxed);
    uint64_t n = atomic_fetch_add_explicit(&seen, 1, memory_order_relaxed) + 1;
    if (!at || n < at || (n > at && !atomic_load_explicit(&fail_persistent, memory_order_relaxed)))
        return 0;
    atomic_fetch_add_explicit(&failed, 1, memory_order_relaxed);
    return 1;
}

void bw__alloc_fail(uint64_t nth, int persistent)
{
    atomic_store(&fail_at, 0);
    atomic_store(&seen, 0);
    atomic_store(&failed, 0);
    atomic_store(&fail_persistent, persistent);
    atomic_store(&fail_at, nth);
}

uint64_t bw__alloc_count(void)
{
    return atomic_load(&seen);
}

uint64_t bw__alloc_failed(void)
{
    return atomic_load(&failed);
}

void *bw__malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n);
}

void *bw__calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : calloc(n, size);
}

void *bw__realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n);
}

char *bw__strdup(const char *s)
{
    return should_fail() ? NULL : strdup(s);
}

char *bw__strndup(const char *s, size_t n)
{
    return should_fail() ? NULL : strndup(s, n);
}
