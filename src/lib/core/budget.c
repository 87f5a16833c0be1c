/* budget.c -- the memory budget every thread of the process shares (limit
 * max_memory_bytes) and the per-image CPU-time limit (max_decode_seconds).
 *
 * The budget is a counting semaphore over bytes: a decoder reserves what an
 * image will need (pixels, its own large scratch, PDQ's float copy) before
 * allocating any of it, and the bytes go back when the image is freed. A
 * reservation that does not fit waits until other threads release; one
 * larger than the whole budget fails at once, naming the limit. So `-j N`
 * cannot multiply the peak: N workers hold at most max_memory_bytes of
 * decoding memory between them.
 *
 * Only a thread that holds nothing waits. A thread that already holds part
 * of the budget and asks for more takes it even when that goes over: two
 * such threads could otherwise wait for each other for ever. Decoders keep
 * this rare by reserving once per image, up front (image_internal.h). */
#include <pthread.h>
#include <time.h>
#include "core/internal.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static uint64_t used;              /* reserved by every thread */
static _Thread_local uint64_t held; /* reserved by this one */

bw_status bw__budget_reserve(const bw_limits *lim, uint64_t bytes, const char *what,
                             bw_error *err)
{
    uint64_t cap = bw__limits(lim)->max_memory_bytes;
    if (bytes == 0)
        return BW_OK;
    if (bytes > cap)
        return bw__fail(err, BW_ERR_LIMIT,
                        "%s needs %llu bytes of memory (limit max_memory_bytes=%llu)", what,
                        (unsigned long long)bytes, (unsigned long long)cap);
    pthread_mutex_lock(&mu);
    while (held == 0 && used + bytes > cap)
        pthread_cond_wait(&cv, &mu);
    used += bytes;
    held += bytes;
    pthread_mutex_unlock(&mu);
    return BW_OK;
}

void bw__budget_release(uint64_t bytes)
{
    if (bytes == 0)
        return;
    pthread_mutex_lock(&mu);
    used = used > bytes ? used - bytes : 0;
    held = held > bytes ? held - bytes : 0;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

uint64_t bw__budget_used(void)
{
    uint64_t u;
    pthread_mutex_lock(&mu);
    u = used;
    pthread_mutex_unlock(&mu);
    return u;
}

uint64_t bw__cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int bw__over_time(uint64_t start_ns, const bw_limits *lim)
{
    uint64_t limit = (uint64_t)bw__limits(lim)->max_decode_seconds * 1000000000ull;
    return bw__cpu_ns() - start_ns > limit;
}
