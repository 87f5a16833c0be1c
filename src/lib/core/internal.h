/* internal.h -- helpers shared by libbulwark's sources; not installed.
 * Internal names carry a double underscore (bw__). */
#ifndef BW_INTERNAL_H
#define BW_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "bulwark/status.h"
#include "bulwark/limits.h"

#if defined(__GNUC__)
#define BW__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BW__PRINTF(a, b)
#endif

/* Set err (if not NULL) to status with a printf-style message; returns
 * status so that callers can `return bw__fail(err, ...)`. */
bw_status bw__fail(bw_error *err, bw_status status, const char *fmt, ...) BW__PRINTF(3, 4);

/* The PDQ match thresholds of a cluster or scan (core/limits.c): a
 * negative max_distance or min_quality becomes its default (bulwark/pdq.h),
 * a distance over 256 is 256. */
void bw__pdq_thresholds(int *max_distance, int *min_quality);

/* limits or the defaults when NULL. */
static inline const bw_limits *bw__limits(const bw_limits *l)
{
    return l ? l : bw_limits_defaults();
}

/* a*b, or 0 with *overflow set when it does not fit in size_t. */
static inline size_t bw__mul(size_t a, size_t b, int *overflow)
{
    size_t r;
    if (__builtin_mul_overflow(a, b, &r)) {
        *overflow = 1;
        return 0;
    }
    return r;
}

/* The process-wide memory budget (core/budget.c, limit max_memory_bytes).
 * reserve waits while the bytes do not fit (unless this thread already
 * holds some), fails with BW_ERR_LIMIT naming `what` and the limit when
 * they exceed the whole budget; release gives them back. */
bw_status bw__budget_reserve(const bw_limits *lim, uint64_t bytes, const char *what,
                             bw_error *err);
void bw__budget_release(uint64_t bytes);
uint64_t bw__budget_used(void); /* for tests */

/* Every allocation of libbulwark goes through these (core/alloc.c): the
 * same as malloc and friends (free() frees them), counted, and made to
 * fail on demand so that tests can run an operation with each of its
 * allocations failing in turn, as SQLite's malloc-failure tests do. */
void *bw__malloc(size_t n);
void *bw__calloc(size_t n, size_t size);
void *bw__realloc(void *p, size_t n);
char *bw__strdup(const char *s);
char *bw__strndup(const char *s, size_t n);
/* From the nth allocation on (counting from this call; 0: never), fail:
 * only that one, or with persistent every one after it too. */
void bw__alloc_fail(uint64_t nth, int persistent);
/* Allocations since the last bw__alloc_fail, and how many were failed. */
uint64_t bw__alloc_count(void);
uint64_t bw__alloc_failed(void);

/* The deepest nesting of [ and { outside strings in s[0..n) (text.c): a
 * bound checked before yajl's tree parser sees untrusted JSON, whose tree
 * is freed recursively. Text yajl would reject anyway may give any count
 * (it then fails to parse). */
uint32_t bw__json_nesting(const char *s, size_t n);

/* Point a sink record's JSON (bulwark/sink.h) at the len bytes of buf, or,
 * when writing them failed (ok 0), at {"error":"out of memory"}. */
struct bw_sink_record;
void bw__sink_json(struct bw_sink_record *rec, const char *buf, size_t len, int ok);

/* assert(), checked in debug and sanitizer builds (BW_ASSERTS), free in
 * release builds: for what the code itself guarantees, never for input.
 * bw__testcase(X) marks a branch a test must reach (documentation, as
 * SQLite's testcase()). */
#ifdef BW_ASSERTS
#include <assert.h>
#define bw__assert(x) assert(x)
#else
#define bw__assert(x) ((void)0)
#endif
#define bw__testcase(x) ((void)(x))

/* This thread's CPU time in ns, and whether max_decode_seconds have passed
 * since start_ns. */
uint64_t bw__cpu_ns(void);
int bw__over_time(uint64_t start_ns, const bw_limits *lim);

#endif
