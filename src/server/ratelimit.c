/* ratelimit.c -- --rate N: each token (or, without --tokens, each remote
 * address) may make N requests a second, in bursts of up to N. The bucket
 * is GCRA's form of a token bucket: one number per key, the "theoretical
 * arrival time" (TAT); a request at t is let through when max(TAT, t) - t
 * is at most (N - 1)/N s, and moves TAT on by 1/N s; otherwise it is
 * refused with the time until it would pass (Retry-After).
 *
 * Memory is bounded: a fixed table of SETS x WAYS buckets, each key in the
 * set its seeded hash picks. A key not in its set takes a free bucket, a
 * full one (TAT passed: the same as a fresh bucket), or else the one that
 * fills soonest; an evicted key starts again with a full bucket, which
 * only ever lets more through. Each set has a mutex held over a few
 * compares (only when --rate is given; the lookups' counters take no
 * lock). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include "server.h"

#define SETS 1024
#define WAYS 4

typedef struct bucket {
    uint64_t key;   /* the key's hash, 0: free */
    int64_t tat;    /* ns, CLOCK_MONOTONIC */
} bucket;

typedef struct set {
    pthread_mutex_t lock;
    bucket b[WAYS];
} set;

struct srv_limiter {
    int64_t interval;  /* ns between requests: 1 s / rate */
    int64_t slack;     /* how far TAT may run ahead: (rate - 1) intervals */
    uint64_t seed;
    set sets[SETS];
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

srv_limiter *srv_limiter_new(unsigned rate)
{
    srv_limiter *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->interval = 1000000000 / (int64_t)(rate ? rate : 1);
    l->slack = (int64_t)(rate ? rate - 1 : 0) * l->interval;
    if (getrandom(&l->seed, sizeof l->seed, 0) != (ssize_t)sizeof l->seed)
        l->seed = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32);
    for (size_t i = 0; i < SETS; i++)
        pthread_mutex_init(&l->sets[i].lock, NULL);
    return l;
}

void srv_limiter_free(srv_limiter *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < SETS; i++)
        pthread_mutex_destroy(&l->sets[i].lock);
    free(l);
}

/* FNV-1a over the seed and the key, then splitmix64's finaliser; never 0. */
static uint64_t hash_key(uint64_t seed, const char *key)
{
    uint64_t h = 1469598103934665603ull ^ seed;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h ? h : 1;
}

/* The key's bucket in its set: its own, a free or full one, else the one
 * that fills soonest (set locked). */
static bucket *find(set *s, uint64_t key, int64_t now)
{
    bucket *pick = NULL;
    for (int i = 0; i < WAYS; i++)
        if (s->b[i].key == key)
            return &s->b[i];
    for (int i = 0; i < WAYS; i++) {
        bucket *b = &s->b[i];
        if (!b->key || b->tat <= now) {
            pick = b;
            break;
        }
        if (!pick || b->tat < pick->tat)
            pick = b;
    }
    pick->key = key;
    pick->tat = now;
    return pick;
}

int srv_limiter_take(srv_limiter *l, const char *key)
{
    uint64_t h = hash_key(l->seed, key);
    set *s = &l->sets[h % SETS];
    int64_t now = now_ns(), wait = 0;
    pthread_mutex_lock(&s->lock);
    bucket *b = find(s, h, now);
    int64_t tat = b->tat > now ? b->tat : now;
    if (tat - now > l->slack)
        wait = tat - now - l->slack;
    else
        b->tat = tat + l->interval;
    pthread_mutex_unlock(&s->lock);
    if (!wait)
        return 0;
    return (int)((wait + 999999999) / 1000000000);
}
