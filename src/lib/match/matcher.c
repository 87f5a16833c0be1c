/* matcher.c -- looking hashes up against the lists of a store
 * (bulwark/match.h): the index answers which hashes are near, the store
 * says which lists hold them and with what label. The matcher owns a
 * bw_store handle (whatever its backend: it only calls store.h) and keeps
 * the current view of the index, so lookups run concurrently and a change swaps a new
 * view in. A lookup goes to the store only when the index found
 * something; it takes a free connection of a small pool (the first is the
 * matcher's own store, which builds, changes and list reads also use) and
 * opens one more only when every one is busy, up to POOL_MAX: a node holds
 * as many connections as lookups that were ever at the store at once.
 *
 * A long-lived matcher (match on stdin, a long scan, the server) must not
 * go blind when a list is re-imported or removed by another process: at
 * most once per refresh interval a lookup (or the server's refresher,
 * bw_matcher_refresh) asks the store whether any other connection has
 * committed since (bw_store_data_version; for SQLite PRAGMA data_version,
 * a read of the connection's own counter, no I/O). If so, the big index
 * is not rebuilt. The index is a view of two parts: the base, built from
 * every list, and beside it a small index of the list versions that came
 * since (each version is a number that never comes back, store.h), built
 * anew from all of them at each change: a list of a thousand hashes
 * beside ten million takes milliseconds. A lookup asks both parts. A
 * removed version needs nothing for lookups to be right: entries are
 * always read from the store by hash, never by a row id kept in the
 * index, so a part a moment old can miss a new hash but never names a
 * deleted row. A version of the base gone (a removal, a re-import), or
 * the small part grown past an eighth of the base, asks for a full
 * rebuild, which a thread of the matcher's own runs on a second
 * connection to the store while lookups go on with the view there is; it
 * then swaps in its base with what came while it was built.
 *
 * Every hash read from the store for a view is counted (rows_read: what
 * a catch-up costs, full or a part). A store that cannot be reached keeps
 * the view there is; an index hit is then answered from the store's last
 * answers for that hash under this view (a small cache, dropped whenever
 * the view changes), so the hashes being looked up go on matching. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdatomic.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include "bulwark/match.h"
#include "bulwark/store.h"
#include "core/internal.h"
#include "match/index_cache.h"

#define MAX_PARTS 2          /* the base and the small index beside it */
#define CACHE_SLOTS 4096     /* the store's answers kept for when it is unreachable */
#define CACHE_HITS 8         /* list entries kept per hash (more: not kept) */
#define CACHE_LOCKS 64       /* the cache's slots are guarded in stripes */
#define POOL_MAX 16          /* connections to the store, the first one included */

/* The store's last answer for one hash: the lists holding it. */
typedef struct cached {
    uint64_t gen;             /* the view it was right for (0: empty) */
    bw_hash_kind kind;
    uint8_t hash[BW_HASH_MAX_BYTES];
    size_t n;
    char *list[CACHE_HITS], *label[CACHE_HITS], *category[CACHE_HITS];
    int64_t added_at[CACHE_HITS], content_id[CACHE_HITS];
} cached;

/* What lookups ask: immutable once published, freed by its last user. */
typedef struct view {
    atomic_int refs;
    size_t n;                 /* parts; part 0 is the base */
    bw_index *ix[MAX_PARTS];
    int64_t *ids[MAX_PARTS];  /* the list versions of each part, sorted */
    size_t nids[MAX_PARTS];
} view;

/* A connection to the store and the lock of whoever uses it. */
typedef struct conn {
    pthread_mutex_t lock;
    bw_store *s;
} conn;

struct bw_matcher {
    conn pool[POOL_MAX];    /* pool[0]: the store (builds, changes, lists, lookups);
                             * the others opened as lookups find every one busy */
    atomic_int npool;       /* connections open */
    pthread_mutex_t grow;   /* one connection opened at a time */
    atomic_llong grow_after_ms; /* a failed open: not tried again before then */
    pthread_mutex_t reload; /* one refresh or swap at a time; guards the fields to ---- */
    pthread_mutex_t vlock;  /* guards cur (held only to take a reference) */
    view *cur;
    char **lists;
    size_t nlists;
    bw_index_opts iopts;
    int64_t data_version;   /* of the store when the view was made */
    uint64_t list_count;    /* lists the view holds */
    /* ---- */
    pthread_mutex_t clock;  /* the compactor's state below */
    pthread_cond_t wake;
    pthread_t compactor;
    int compactor_started, compact_wanted, compacting, closing;
    bw_store *store2;       /* the compactor's own connection */
    atomic_int refresh_ms;  /* <0: never; 0: every lookup */
    atomic_llong last_check_ms;
    atomic_ullong reloads;
    atomic_ullong compactions;
    atomic_ullong rows_read;  /* hashes read from the store for views */
    atomic_ullong gen;        /* moves with every view published */
    cached *cache;            /* CACHE_SLOTS (NULL: none) */
    pthread_mutex_t cache_lock[CACHE_LOCKS]; /* slot i: cache_lock[i % CACHE_LOCKS] */
};

static void cache_drop(cached *c);

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void free_match(bw_match *m)
{
    free(m->list);
    free(m->label);
    free(m->category);
}

void bw_matches_clear(bw_matches *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        free_match(&m->v[i]);
    m->n = 0;
}

void bw_matches_free(bw_matches *m)
{
    if (!m)
        return;
    bw_matches_clear(m);
    free(m->v);
    m->v = NULL;
    m->cap = 0;
}

static int cmp_match(const void *a, const void *b)
{
    const bw_match *x = a, *y = b;
    if (x->distance != y->distance)
        return x->distance < y->distance ? -1 : 1;
    int c = strcmp(x->list ? x->list : "", y->list ? y->list : "");
    if (c)
        return c;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return memcmp(x->hash, y->hash, sizeof x->hash);
}

void bw_matches_sort(bw_matches *m)
{
    if (!m || m->n < 2)
        return;
    qsort(m->v, m->n, sizeof *m->v, cmp_match);
    /* the same list entry reached twice (e.g. PDQ and SHA-256 of one
     * query): keep the first, which is the nearest */
    size_t w = 0;
    for (size_t i = 0; i < m->n; i++) {
        int dup = 0;
        for (size_t j = 0; j < w && !dup; j++)
            dup = m->v[j].kind == m->v[i].kind && !strcmp(m->v[j].list, m->v[i].list) &&
                  !memcmp(m->v[j].hash, m->v[i].hash, sizeof m->v[i].hash);
        if (dup)
            free_match(&m->v[i]);
        else
            m->v[w++] = m->v[i];
    }
    m->n = w;
}

/* ---------------- the view ---------------- */

static void view_put(view *v)
{
    if (!v || atomic_fetch_sub(&v->refs, 1) != 1)
        return;
    for (size_t i = 0; i < v->n; i++) {
        bw_index_unref(v->ix[i]);
        free(v->ids[i]);
    }
    free(v);
}

static view *view_get(bw_matcher *m)
{
    pthread_mutex_lock(&m->vlock);
    view *v = m->cur;
    if (v)
        atomic_fetch_add(&v->refs, 1);
    pthread_mutex_unlock(&m->vlock);
    return v;
}

/* Publish v (the matcher's reference is the one v was made with). */
static void view_set(bw_matcher *m, view *v)
{
    pthread_mutex_lock(&m->vlock);
    view *old = m->cur;
    m->cur = v;
    atomic_fetch_add(&m->gen, 1);
    pthread_mutex_unlock(&m->vlock);
    view_put(old);
}

/* A view of one part (ix and ids are taken, also on failure). */
static view *view_new(bw_index *ix, int64_t *ids, size_t nids)
{
    view *v = bw__calloc(1, sizeof *v);
    if (!v) {
        bw_index_unref(ix);
        free(ids);
        return NULL;
    }
    atomic_init(&v->refs, 1);
    v->n = 1;
    v->ix[0] = ix;
    v->ids[0] = ids;
    v->nids[0] = nids;
    return v;
}

/* Append a copy of part i of from to v (a reference to its index). */
static int view_add_part(view *v, const view *from, size_t i)
{
    int64_t *ids = from->nids[i] ? bw__malloc(from->nids[i] * sizeof *ids) : NULL;
    if (from->nids[i] && !ids)
        return -1;
    if (ids)
        memcpy(ids, from->ids[i], from->nids[i] * sizeof *ids);
    v->ix[v->n] = bw_index_ref(from->ix[i]);
    v->ids[v->n] = ids;
    v->nids[v->n++] = from->nids[i];
    return 0;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int has_id(const int64_t *ids, size_t n, int64_t id)
{
    return n && bsearch(&id, ids, n, sizeof id, cmp_id) != NULL;
}

/* ---------------- building ---------------- */

/* Build the index of every chosen list on store s: a view of one part. */
static bw_status build_full(bw_matcher *m, bw_store *s, view **out, bw_error *err)
{
    bw_index *ix;
    int64_t *ids;
    size_t nids;
    uint64_t before = bw_store_rows_read(s);
    bw_status st = bw_store_build_index_versions(s, (const char *const *)m->lists, m->nlists, NULL,
                                                 0, 1, &m->iopts, &ix, &ids, &nids, err);
    atomic_fetch_add(&m->rows_read, bw_store_rows_read(s) - before);
    if (st != BW_OK)
        return st;
    if (!(*out = view_new(ix, ids, nids)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    return BW_OK;
}

/* Build the index from the store as it is now and swap it in whole, on
 * the lookups' connection, with m->reload held. The data version is read
 * first: a commit landing during the build only causes one more check. */
static bw_status load(bw_matcher *m, bw_error *err)
{
    bw_status st;
    int64_t version = 0;
    view *v = NULL;
    pthread_mutex_lock(&m->pool[0].lock);
    st = bw_store_data_version(m->pool[0].s, &version, err);
    if (st == BW_OK)
        st = build_full(m, m->pool[0].s, &v, err);
    pthread_mutex_unlock(&m->pool[0].lock);
    if (st != BW_OK)
        return st;
    m->data_version = version;
    m->list_count = v->nids[0];
    view_set(m, v);
    return BW_OK;
}

static void *compactor(void *arg);

/* Ask the compactor for a full rebuild (it starts on the first request). */
static void want_compaction(bw_matcher *m)
{
    pthread_mutex_lock(&m->clock);
    if (!m->closing) {
        m->compact_wanted = 1;
        if (!m->compactor_started)
            m->compactor_started = pthread_create(&m->compactor, NULL, compactor, m) == 0;
        pthread_cond_signal(&m->wake);
    }
    pthread_mutex_unlock(&m->clock);
}

/* Hashes in the index ix, of every kind. */
static size_t index_size(const bw_index *ix)
{
    size_t n = 0;
    for (int k = 0; k < BW_HASH_KIND_COUNT; k++)
        n += bw_index_count(ix, (bw_hash_kind)k);
    return n;
}

/* The change since the view, with m->reload held: the part beside the
 * base is built anew from every live version the base lacks -- small next
 * to the base, so milliseconds -- and the view becomes base + that part.
 * *asked: a full rebuild is wanted (a version of the base gone, or the
 * part grown past an eighth of the base). */
static bw_status apply_change(bw_matcher *m, int64_t version, int *asked, bw_error *err)
{
    view *v = view_get(m), *nv = NULL; /* never NULL: open loaded one */
    size_t nlive = 0, nids = 0, gone = 0;
    int64_t *live = NULL, *ids = NULL;
    bw_index *ix = NULL;
    bw_status st;
    pthread_mutex_lock(&m->pool[0].lock);
    const char *const *names = (const char *const *)m->lists;
    uint64_t before = bw_store_rows_read(m->pool[0].s);
    st = bw_store_live_versions(m->pool[0].s, names, m->nlists, &live, &nlive, err);
    if (st == BW_OK)
        st = bw_store_build_index_versions(m->pool[0].s, names, m->nlists, v->ids[0], v->nids[0], 0,
                                           &m->iopts, &ix, &ids, &nids, err);
    atomic_fetch_add(&m->rows_read, bw_store_rows_read(m->pool[0].s) - before);
    pthread_mutex_unlock(&m->pool[0].lock);
    for (size_t i = 0; st == BW_OK && i < v->nids[0]; i++)
        gone += !has_id(live, nlive, v->ids[0][i]);
    if (st == BW_OK && !(nv = bw__calloc(1, sizeof *nv)))
        st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if (st == BW_OK && view_add_part(nv, v, 0) != 0)
        st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if (nv)
        atomic_init(&nv->refs, 1);
    if (st == BW_OK) {
        size_t part = 0, base = index_size(v->ix[0]);
        if (nids) {
            part = index_size(ix);
            nv->ix[1] = ix;
            nv->ids[1] = ids;
            nv->nids[1] = nids;
            nv->n = 2;
            ix = NULL, ids = NULL;
        }
        m->data_version = version;
        m->list_count = nlive;
        *asked = gone > 0 || part > base / 8 + 65536;
        view_set(m, nv);
        nv = NULL;
    }
    view_put(nv); /* a failure half way: its parts' references go back */
    bw_index_unref(ix);
    free(ids);
    free(live);
    view_put(v);
    return st;
}

/* The refresh, with m->reload held. */
static bw_status refresh_locked(bw_matcher *m, int *reloaded, bw_error *err)
{
    int64_t version = 0;
    int asked = 0;
    bw_status st;
    atomic_store(&m->last_check_ms, now_ms());
    pthread_mutex_lock(&m->pool[0].lock);
    st = bw_store_data_version(m->pool[0].s, &version, err);
    int changed = st == BW_OK && version != m->data_version;
    pthread_mutex_unlock(&m->pool[0].lock);
    if (changed && (st = apply_change(m, version, &asked, err)) == BW_OK) {
        atomic_fetch_add(&m->reloads, 1);
        if (reloaded)
            *reloaded = 1;
        if (asked)
            want_compaction(m);
    }
    return st;
}

typedef struct merging {
    bw_index_builder *b;
    bw_status st;
    bw_error *err;
} merging;

static int merge_pdqs(void *ctx, const bw_pdq *h, size_t n)
{
    merging *g = ctx;
    for (size_t i = 0; i < n && g->st == BW_OK; i++)
        g->st = bw_index_builder_add_pdq(g->b, &h[i], g->err);
    return g->st != BW_OK;
}

/* The compaction without the store, when it can be: one base built from
 * the hashes of the view's parts, read back from the indexes themselves
 * (bw_index_pdq_each, the exact tables), the parts none of whose versions
 * is live left out. A part that holds a version gone beside live ones
 * (a list of it removed or re-imported) cannot be taken apart -- the
 * index does not say which version a hash came from -- so then *full is
 * set and nothing is built: the rebuild from the store drops them. 0, or
 * -1 when the store could not be read or memory ran out. */
static int merge_views(bw_matcher *m, view **out, int *full)
{
    bw_error err;
    int64_t *live = NULL, *ids = NULL;
    size_t nlive = 0, nids = 0, cap = 0;
    int keep[MAX_PARTS] = {0};
    *out = NULL;
    *full = 0;
    if (bw_store_live_versions(m->store2, (const char *const *)m->lists, m->nlists, &live, &nlive,
                               &err) != BW_OK) {
        free(live);
        return -1;
    }
    view *v = view_get(m);
    for (size_t i = 0; i < v->n; i++) {
        size_t alive = 0;
        for (size_t k = 0; k < v->nids[i]; k++)
            alive += has_id(live, nlive, v->ids[i][k]);
        keep[i] = alive > 0;
        cap += alive;
        if (alive && alive < v->nids[i])
            *full = 1;
    }
    if (*full) {
        view_put(v);
        free(live);
        return 0;
    }
    merging g = {NULL, BW_OK, &err};
    g.st = bw_index_builder_new(&g.b, &m->iopts, &err);
    if (g.st == BW_OK && !(ids = bw__malloc((cap ? cap : 1) * sizeof *ids)))
        g.st = bw__fail(&err, BW_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < v->n && g.st == BW_OK; i++) {
        if (!keep[i])
            continue;
        for (size_t k = 0; k < v->nids[i]; k++)
            if (has_id(live, nlive, v->ids[i][k]))
                ids[nids++] = v->ids[i][k];
        g.st = bw_index_builder_reserve(g.b, BW_HASH_PDQ, bw_index_count(v->ix[i], BW_HASH_PDQ),
                                        &err);
        if (g.st == BW_OK && bw_index_pdq_each(v->ix[i], merge_pdqs, &g, &err) != BW_OK &&
            g.st == BW_OK)
            g.st = BW_ERR_INTERRUPTED;
        for (int kind = 1; kind < BW_HASH_KIND_COUNT && g.st == BW_OK; kind++) {
            size_t n = bw_index_count(v->ix[i], (bw_hash_kind)kind);
            for (size_t id = 0; id < n && g.st == BW_OK; id++)
                g.st = bw_index_builder_add(g.b, (bw_hash_kind)kind,
                                            bw_index_digest(v->ix[i], (bw_hash_kind)kind,
                                                            (uint32_t)id),
                                            &err);
        }
    }
    view_put(v);
    free(live);
    bw_index *ix = NULL;
    if (g.st == BW_OK) {
        g.st = bw_index_build(g.b, &ix, &err); /* consumes the builder */
        g.b = NULL;
    }
    bw_index_builder_free(g.b);
    if (g.st != BW_OK) {
        free(ids);
        return -1;
    }
    qsort(ids, nids, sizeof *ids, cmp_id);
    size_t w = 0; /* a version in two parts once */
    for (size_t i = 0; i < nids; i++)
        if (!w || ids[w - 1] != ids[i])
            ids[w++] = ids[i];
    return (*out = view_new(ix, ids, w)) ? 0 : -1;
}

/* One compaction -- in memory (merge_views), or when that says so a full
 * rebuild on the compactor's connection -- then the swap: the new
 * base with the parts of the view that hold a version the base lacks and
 * that is still live (it came while the base was built), each keeping
 * only those versions. Live is read with m->reload held, so no part can
 * come between that read and the swap. A failure keeps the view there is
 * (-1: the compactor tries again later). */
static int compact_once(bw_matcher *m)
{
    view *full = NULL;
    int64_t *live = NULL;
    size_t nlive = 0;
    int whole = 0;
    if (!m->store2 && bw_store_reopen(m->pool[0].s, &m->store2, NULL) != BW_OK)
        return -1;
    if (merge_views(m, &full, &whole) != 0)
        return -1;
    if (whole && build_full(m, m->store2, &full, NULL) != BW_OK)
        return -1;
    pthread_mutex_lock(&m->reload);
    if (bw_store_live_versions(m->store2, (const char *const *)m->lists, m->nlists, &live,
                               &nlive, NULL) != BW_OK) {
        pthread_mutex_unlock(&m->reload);
        view_put(full);
        return -1;
    }
    view *v = view_get(m);
    for (size_t i = 1; v && i < v->n && full->n < MAX_PARTS; i++) {
        int64_t *keep = bw__malloc(v->nids[i] * sizeof *keep + 1);
        size_t nk = 0;
        for (size_t k = 0; keep && k < v->nids[i]; k++)
            if (has_id(live, nlive, v->ids[i][k]) &&
                !has_id(full->ids[0], full->nids[0], v->ids[i][k]))
                keep[nk++] = v->ids[i][k];
        if (!nk) {
            free(keep);
            continue;
        }
        full->ix[full->n] = bw_index_ref(v->ix[i]);
        full->ids[full->n] = keep;
        full->nids[full->n++] = nk;
    }
    view_put(v);
    free(live);
    m->list_count = nlive; /* a lookup may have skipped a refresh meanwhile */
    view_set(m, full);
    atomic_fetch_add(&m->compactions, 1);
    pthread_mutex_unlock(&m->reload);
    return 0;
}

static void *compactor(void *arg)
{
    bw_matcher *m = arg;
    pthread_mutex_lock(&m->clock);
    for (;;) {
        while (!m->compact_wanted && !m->closing)
            pthread_cond_wait(&m->wake, &m->clock);
        if (m->closing)
            break;
        m->compact_wanted = 0;
        m->compacting = 1;
        pthread_mutex_unlock(&m->clock);
        int failed = compact_once(m) != 0;
        pthread_mutex_lock(&m->clock);
        m->compacting = 0;
        if (failed && !m->closing) { /* again in a second */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            m->compact_wanted = 1;
            pthread_cond_timedwait(&m->wake, &m->clock, &ts);
        }
    }
    pthread_mutex_unlock(&m->clock);
    return NULL;
}

bw_status bw_matcher_refresh(bw_matcher *m, int *reloaded, bw_error *err)
{
    if (reloaded)
        *reloaded = 0;
    if (!m)
        return bw__fail(err, BW_ERR_ARG, "no matcher");
    pthread_mutex_lock(&m->reload);
    bw_status st = refresh_locked(m, reloaded, err);
    pthread_mutex_unlock(&m->reload);
    return st;
}

void bw_matcher_set_refresh(bw_matcher *m, int interval_ms)
{
    if (m)
        atomic_store(&m->refresh_ms, interval_ms);
}

uint64_t bw_matcher_list_count(bw_matcher *m)
{
    uint64_t n = 0;
    if (m) {
        pthread_mutex_lock(&m->reload);
        n = m->list_count;
        pthread_mutex_unlock(&m->reload);
    }
    return n;
}

uint64_t bw_matcher_reloads(bw_matcher *m)
{
    return m ? atomic_load(&m->reloads) : 0;
}

uint64_t bw_matcher_rows_read(bw_matcher *m)
{
    return m ? atomic_load(&m->rows_read) : 0;
}

uint64_t bw_matcher_compactions(bw_matcher *m)
{
    return m ? atomic_load(&m->compactions) : 0;
}

int bw_matcher_rebuilding(bw_matcher *m)
{
    int busy = 0;
    if (m) {
        pthread_mutex_lock(&m->clock);
        busy = m->compact_wanted || m->compacting;
        pthread_mutex_unlock(&m->clock);
    }
    return busy;
}

size_t bw_matcher_index_count(bw_matcher *m, bw_hash_kind kind, size_t *parts)
{
    size_t n = 0;
    view *v = m ? view_get(m) : NULL;
    for (size_t i = 0; v && i < v->n; i++)
        n += bw_index_count(v->ix[i], kind);
    if (parts)
        *parts = v ? v->n : 0;
    view_put(v);
    return n;
}

size_t bw_matcher_index_bytes(bw_matcher *m)
{
    size_t n = 0;
    view *v = m ? view_get(m) : NULL;
    for (size_t i = 0; v && i < v->n; i++)
        n += bw_index_memory_bytes(v->ix[i]);
    view_put(v);
    return n;
}

/* Called by every lookup: a refresh when the interval has passed, by
 * whichever thread gets there first (the others do not wait, unless the
 * interval is 0, which promises a check before every lookup: then a lookup
 * waits out a refresh or a compaction's swap). A failed refresh keeps the
 * index there is and is tried again next interval. */
static void maybe_refresh(bw_matcher *m)
{
    int every = atomic_load(&m->refresh_ms);
    if (every < 0 || now_ms() - atomic_load(&m->last_check_ms) < every)
        return;
    if (every == 0)
        pthread_mutex_lock(&m->reload);
    else if (pthread_mutex_trylock(&m->reload) != 0)
        return;
    refresh_locked(m, NULL, NULL);
    pthread_mutex_unlock(&m->reload);
}

bw_status bw_matcher_open(bw_matcher **out, const char *db_path, const char *const *lists,
                          size_t nlists, bw_error *err)
{
    return bw_matcher_open_with(out, db_path, lists, nlists, NULL, err);
}

bw_status bw_matcher_open_with(bw_matcher **out, const char *db_path, const char *const *lists,
                               size_t nlists, const bw_index_opts *index_opts, bw_error *err)
{
    bw_store *s;
    *out = NULL;
    bw_status st = bw_store_open(&s, db_path, BW_STORE_MUST_EXIST, err);
    return st == BW_OK ? bw_matcher_open_store(out, s, lists, nlists, index_opts, err) : st;
}

/* A matcher of store with nothing loaded yet (the store is closed when
 * this fails). */
static bw_status matcher_new(bw_matcher **out, bw_store *store, const char *const *lists,
                             size_t nlists, const bw_index_opts *index_opts, bw_error *err)
{
    *out = NULL;
    if (!store)
        return bw__fail(err, BW_ERR_ARG, "no store");
    bw_matcher *m = bw__calloc(1, sizeof *m);
    if (!m) {
        bw_store_close(store);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < POOL_MAX; i++)
        pthread_mutex_init(&m->pool[i].lock, NULL);
    for (size_t i = 0; i < CACHE_LOCKS; i++)
        pthread_mutex_init(&m->cache_lock[i], NULL);
    pthread_mutex_init(&m->grow, NULL);
    m->pool[0].s = store;
    atomic_init(&m->npool, 1);
    atomic_init(&m->grow_after_ms, 0);
    pthread_mutex_init(&m->reload, NULL);
    pthread_mutex_init(&m->vlock, NULL);
    pthread_mutex_init(&m->clock, NULL);
    pthread_cond_init(&m->wake, NULL);
    atomic_init(&m->refresh_ms, BW_MATCHER_REFRESH_MS);
    atomic_init(&m->compactions, 0);
    atomic_init(&m->last_check_ms, now_ms());
    atomic_init(&m->reloads, 0);
    atomic_init(&m->rows_read, 0);
    atomic_init(&m->gen, 1);
    m->cache = bw__calloc(CACHE_SLOTS, sizeof *m->cache); /* NULL: lookups need the store */
    if (index_opts)
        m->iopts = *index_opts;
    if (nlists && !(m->lists = bw__calloc(nlists, sizeof *m->lists))) {
        bw_matcher_close(m);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < nlists; i++) {
        if (!(m->lists[i] = bw__strdup(lists[i]))) {
            bw_matcher_close(m);
            return bw__fail(err, BW_ERR_NOMEM, "out of memory");
        }
        m->nlists++;
    }
    *out = m;
    return BW_OK;
}

bw_status bw_matcher_open_store(bw_matcher **out, bw_store *store, const char *const *lists,
                                size_t nlists, const bw_index_opts *index_opts, bw_error *err)
{
    bw_matcher *m;
    bw_status st = matcher_new(&m, store, lists, nlists, index_opts, err);
    if (st == BW_OK && (st = load(m, err)) != BW_OK) {
        bw_matcher_close(m);
        m = NULL;
    }
    *out = m;
    return st;
}

/* ---------------- the index cache ---------------- */

/* What m's cache file is for, read on its own connection. */
static bw_status cache_key(bw_matcher *m, bw__ixcache_key *key, bw_error *err)
{
    pthread_mutex_lock(&m->pool[0].lock);
    bw_status st = bw_store_identity(m->pool[0].s, key->store_id, err);
    pthread_mutex_unlock(&m->pool[0].lock);
    key->lists = (const char *const *)m->lists;
    key->nlists = m->nlists;
    return st;
}

bw_status bw_matcher_save(bw_matcher *m, const char *path, bw_error *err)
{
    bw__ixcache_key key;
    if (!m || !path)
        return bw__fail(err, BW_ERR_ARG, "no matcher or no path");
    bw_status st = cache_key(m, &key, err);
    if (st != BW_OK)
        return st;
    view *v = view_get(m);
    st = bw__ixcache_write(path, &key, v->ix[0], v->ids[0], v->nids[0], err);
    view_put(v);
    return st;
}

/* Start from the cache at path: its index as the base, then the change
 * since (apply_change: only the versions the base lacks are read). */
static bw_status load_cached(bw_matcher *m, const char *path, bw_error *err)
{
    bw__ixcache_key key;
    bw_index *ix = NULL;
    int64_t *ids = NULL, version = 0;
    size_t nids = 0;
    int asked = 0;
    struct stat sb;
    bw_status st = cache_key(m, &key, err);
    if (st != BW_OK)
        return st;
    FILE *f = fopen(path, "rb");
    if (!f)
        return bw__fail(err, errno == ENOENT ? BW_ERR_NOT_FOUND : BW_ERR_IO, "%s: %s", path,
                        errno == ENOENT ? "no index cache yet" : strerror(errno));
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode))
        st = bw__fail(err, BW_ERR_IO, "%s: not a regular file", path);
    if (st == BW_OK)
        st = bw__ixcache_read(f, (uint64_t)sb.st_size, &key, &m->iopts, &ix, &ids, &nids, err);
    fclose(f);
    if (st != BW_OK) {
        bw_error inner = *err;
        return bw__fail(err, st, "%s: %s", path, bw_error_message(&inner));
    }
    view *v = view_new(ix, ids, nids);
    if (!v)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    view_set(m, v);
    pthread_mutex_lock(&m->pool[0].lock);
    st = bw_store_data_version(m->pool[0].s, &version, err);
    pthread_mutex_unlock(&m->pool[0].lock);
    if (st == BW_OK && (st = apply_change(m, version, &asked, err)) == BW_OK && asked)
        want_compaction(m);
    return st;
}

bw_status bw_matcher_open_cached(bw_matcher **out, bw_store *store, const char *const *lists,
                                 size_t nlists, const bw_index_opts *index_opts,
                                 const char *cache_path, int *cached, bw_error *cache_err,
                                 bw_error *err)
{
    bw_matcher *m;
    bw_error scratch;
    *cached = 0;
    bw_status st = matcher_new(&m, store, lists, nlists, index_opts, err);
    for (size_t i = 0; st == BW_OK && i < nlists; i++) { /* a named list must be there */
        bw_list_info *li = NULL;
        st = bw_store_list_get(m->pool[0].s, lists[i], &li, err);
        bw_list_infos_free(li, 1);
    }
    if (st == BW_OK && cache_path &&
        load_cached(m, cache_path, cache_err ? cache_err : &scratch) == BW_OK)
        *cached = 1;
    else if (st == BW_OK)
        st = load(m, err);
    if (st != BW_OK && m) {
        bw_matcher_close(m);
        m = NULL;
    }
    *out = m;
    return st;
}

void bw_matcher_close(bw_matcher *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->clock);
    m->closing = 1;
    pthread_cond_signal(&m->wake);
    int started = m->compactor_started;
    pthread_mutex_unlock(&m->clock);
    if (started)
        pthread_join(m->compactor, NULL);
    view_put(m->cur);
    for (size_t i = 0; m->cache && i < CACHE_SLOTS; i++)
        cache_drop(&m->cache[i]);
    free(m->cache);
    bw_store_close(m->store2);
    for (int i = 0; i < atomic_load(&m->npool); i++)
        bw_store_close(m->pool[i].s);
    for (size_t i = 0; i < m->nlists; i++)
        free(m->lists[i]);
    free(m->lists);
    for (size_t i = 0; i < POOL_MAX; i++)
        pthread_mutex_destroy(&m->pool[i].lock);
    for (size_t i = 0; i < CACHE_LOCKS; i++)
        pthread_mutex_destroy(&m->cache_lock[i]);
    pthread_mutex_destroy(&m->grow);
    pthread_mutex_destroy(&m->reload);
    pthread_mutex_destroy(&m->vlock);
    pthread_mutex_destroy(&m->clock);
    pthread_cond_destroy(&m->wake);
    free(m);
}

bw_status bw_matcher_reload(bw_matcher *m, bw_error *err)
{
    if (!m)
        return bw__fail(err, BW_ERR_ARG, "no matcher");
    pthread_mutex_lock(&m->reload);
    bw_status st = load(m, err);
    atomic_store(&m->last_check_ms, now_ms());
    pthread_mutex_unlock(&m->reload);
    return st;
}

bw_status bw_matcher_lists(bw_matcher *m, bw_list_info **out, size_t *n, bw_error *err)
{
    *out = NULL;
    *n = 0;
    if (!m)
        return BW_OK; /* no store: no lists */
    pthread_mutex_lock(&m->pool[0].lock);
    bw_status st = bw_store_lists(m->pool[0].s, out, n, err);
    pthread_mutex_unlock(&m->pool[0].lock);
    if (st != BW_OK || !m->nlists)
        return st;
    size_t w = 0; /* keep the chosen lists */
    for (size_t i = 0; i < *n; i++) {
        int want = 0;
        for (size_t k = 0; k < m->nlists && !want; k++)
            want = !strcmp(m->lists[k], (*out)[i].name);
        if (want)
            (*out)[w++] = (*out)[i];
        else {
            free((*out)[i].name);
            free((*out)[i].source);
        }
    }
    *n = w;
    return BW_OK;
}

bw_index *bw_matcher_index(bw_matcher *m)
{
    view *v = m ? view_get(m) : NULL;
    bw_index *ix = v ? bw_index_ref(v->ix[0]) : NULL;
    view_put(v);
    return ix;
}

typedef struct found {
    bw_matcher *m;
    bw_matches *out;
    int distance, orientation;
    bw_status st;
} found;

static int on_entry(void *ctx, const char *list, const bw_entry *e)
{
    found *f = ctx;
    if (f->m->nlists) {
        int want = 0;
        for (size_t i = 0; i < f->m->nlists && !want; i++)
            want = !strcmp(f->m->lists[i], list);
        if (!want)
            return 0;
    }
    if (f->out->n == f->out->cap) {
        size_t cap = f->out->cap ? f->out->cap * 2 : 8;
        bw_match *v = bw__realloc(f->out->v, cap * sizeof *v);
        if (!v) {
            f->st = BW_ERR_NOMEM;
            return 1;
        }
        f->out->v = v;
        f->out->cap = cap;
    }
    bw_match *x = &f->out->v[f->out->n];
    memset(x, 0, sizeof *x);
    x->list = bw__strdup(list);
    x->label = e->label ? bw__strdup(e->label) : NULL;
    x->category = e->category ? bw__strdup(e->category) : NULL;
    if (!x->list || (e->label && !x->label) || (e->category && !x->category)) {
        free_match(x);
        f->st = BW_ERR_NOMEM;
        return 1;
    }
    x->kind = e->kind;
    x->content_id = e->content_id;
    memcpy(x->hash, e->hash, sizeof x->hash);
    x->distance = f->distance;
    x->orientation = f->orientation;
    f->out->n++;
    return 0;
}

/* ---------------- the store's last answers ---------------- */

static void cache_drop(cached *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->list[i]);
        free(c->label[i]);
        free(c->category[i]);
    }
    c->n = 0;
    c->gen = 0;
}

static size_t cache_index(bw_hash_kind kind, const uint8_t *bytes)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)kind; /* FNV-1a */
    for (size_t i = 0; i < bw_hash_kind_bytes(kind); i++)
        h = (h ^ bytes[i]) * 1099511628211ull;
    return h % CACHE_SLOTS;
}

/* One answer of the store, to the lookup (on_entry) and kept in c; past
 * CACHE_HITS entries, or out of memory, it is not kept. */
typedef struct keep {
    found *f;
    cached *c;
    int full;
} keep;

static int on_entry_kept(void *ctx, const char *list, const bw_entry *e)
{
    keep *k = ctx;
    cached *c = k->c;
    if (on_entry(k->f, list, e))
        return 1;
    if (k->full || c->n == CACHE_HITS) {
        k->full = 1;
        return 0;
    }
    size_t i = c->n++;
    c->list[i] = bw__strdup(list);
    c->label[i] = e->label ? bw__strdup(e->label) : NULL;
    c->category[i] = e->category ? bw__strdup(e->category) : NULL;
    c->added_at[i] = e->added_at;
    c->content_id[i] = e->content_id;
    if (!c->list[i] || (e->label && !c->label[i]) || (e->category && !c->category[i]))
        k->full = 1;
    return 0;
}

/* Whether slot c holds the answer for (kind, bytes) under view gen;
 * with its stripe held. */
static int cache_has(const cached *c, uint64_t gen, bw_hash_kind kind, const uint8_t *bytes)
{
    return c->gen == gen && c->kind == kind && !memcmp(c->hash, bytes, bw_hash_kind_bytes(kind));
}

/* Find (kind, bytes) on store s, keeping its answer for this view; with
 * the store unreachable, the answer kept for this view if there is one.
 * The caller holds s's connection; the slot's stripe is taken here only
 * to read or replace the slot, never across the store's call. */
static bw_status find(bw_matcher *m, bw_store *s, bw_hash_kind kind, const uint8_t *bytes,
                      found *f, bw_error *err)
{
    uint64_t gen = atomic_load(&m->gen);
    size_t nb = bw_hash_kind_bytes(kind);
    if (!m->cache)
        return bw_store_find(s, kind, bytes, on_entry, f, err);
    size_t slot = cache_index(kind, bytes);
    cached *c = &m->cache[slot];
    pthread_mutex_t *stripe = &m->cache_lock[slot % CACHE_LOCKS];
    pthread_mutex_lock(stripe);
    int hit = cache_has(c, gen, kind, bytes);
    pthread_mutex_unlock(stripe);
    if (hit) { /* kept already: the store's answer, or the kept one if it is away */
        bw_status st = bw_store_find(s, kind, bytes, on_entry, f, err);
        if (st != BW_ERR_DB)
            return st;
        pthread_mutex_lock(stripe);
        if (!cache_has(c, gen, kind, bytes)) { /* replaced meanwhile: nothing kept */
            pthread_mutex_unlock(stripe);
            return st;
        }
        for (size_t i = 0; i < c->n && f->st == BW_OK; i++) {
            bw_entry e = {kind, {0}, c->label[i], c->category[i], c->added_at[i],
                          c->content_id[i]};
            memcpy(e.hash, bytes, nb);
            on_entry(f, c->list[i], &e);
        }
        pthread_mutex_unlock(stripe);
        return f->st == BW_OK ? BW_OK : bw__fail(err, f->st, "out of memory");
    }
    cached fresh = {0};
    keep k = {f, &fresh, 0};
    bw_status st = bw_store_find(s, kind, bytes, on_entry_kept, &k, err);
    if (st != BW_OK || k.full) {
        cache_drop(&fresh);
        return st;
    }
    fresh.gen = gen;
    fresh.kind = kind;
    memcpy(fresh.hash, bytes, nb);
    pthread_mutex_lock(stripe);
    cached old = *c;
    *c = fresh;
    pthread_mutex_unlock(stripe);
    cache_drop(&old);
    return BW_OK;
}

/* A connection for a lookup: a free one (this thread's last first), else
 * a new one while there are fewer than POOL_MAX, else this thread's last
 * one, waited for. Returned locked. */
static conn *conn_take(bw_matcher *m)
{
    static _Thread_local unsigned last;
    int n = atomic_load(&m->npool);
    for (int k = 0; k < n; k++) {
        conn *c = &m->pool[(last + (unsigned)k) % (unsigned)n];
        if (pthread_mutex_trylock(&c->lock) == 0) {
            last = (unsigned)(c - m->pool);
            return c;
        }
    }
    if (n < POOL_MAX && now_ms() >= atomic_load(&m->grow_after_ms) &&
        pthread_mutex_trylock(&m->grow) == 0) {
        bw_store *s = NULL;
        n = atomic_load(&m->npool);
        if (n < POOL_MAX && bw_store_reopen_with(m->pool[0].s, BW_STORE_LOOKUPS, &s, NULL) == BW_OK) {
            conn *c = &m->pool[n];
            pthread_mutex_lock(&c->lock);
            c->s = s;
            atomic_store(&m->npool, n + 1);
            pthread_mutex_unlock(&m->grow);
            last = (unsigned)n;
            return c;
        }
        if (n < POOL_MAX) /* the store is away: not again for a second */
            atomic_store(&m->grow_after_ms, now_ms() + 1000);
        pthread_mutex_unlock(&m->grow);
    }
    conn *c = &m->pool[last % (unsigned)atomic_load(&m->npool)];
    pthread_mutex_lock(&c->lock);
    return c;
}

/* The list entries of every index hit. */
static bw_status resolve(bw_matcher *m, const bw_index *ix, const bw_index_hits *hits,
                         bw_matches *out, bw_error *err)
{
    bw_status st = BW_OK;
    if (hits->n == 0)
        return BW_OK;
    conn *c = conn_take(m);
    for (size_t i = 0; i < hits->n && st == BW_OK; i++) {
        uint8_t bytes[BW_HASH_MAX_BYTES];
        bw_hash_kind kind = (bw_hash_kind)hits->v[i].kind;
        if (kind == BW_HASH_PDQ) {
            bw_pdq h;
            if ((st = bw_index_pdq_get(ix, hits->v[i].id, &h)) != BW_OK) {
                st = bw__fail(err, st, "index hit %u out of range", (unsigned)hits->v[i].id);
                break;
            }
            bw_pdq_pack(&h, bytes);
        } else
            memcpy(bytes, bw_index_digest(ix, kind, hits->v[i].id), bw_hash_kind_bytes(kind));
        found f = {m, out, hits->v[i].distance, hits->v[i].orientation, BW_OK};
        st = find(m, c->s, kind, bytes, &f, err);
        if (st == BW_ERR_INTERRUPTED && f.st != BW_OK)
            st = bw__fail(err, f.st, "out of memory");
    }
    pthread_mutex_unlock(&c->lock);
    return st;
}

/* One lookup: the hits of every part of the view (q, or the dihedral
 * orientations, or the exact bytes) as matches, nearest first; the same
 * list entry reached through two parts is one match (bw_matches_sort). */
typedef struct query {
    const bw_pdq *q, *dihedral;
    int max_distance;
    bw_hash_kind kind;
    const uint8_t *bytes;   /* exact lookups */
} query;

static bw_status lookup(bw_matcher *m, const query *qq, bw_matches *out, bw_error *err)
{
    bw_index_hits hits = {0};
    bw_status st = BW_OK;
    maybe_refresh(m);
    view *v = view_get(m);
    for (size_t i = 0; v && i < v->n && st == BW_OK; i++) {
        hits.n = 0;
        if (qq->bytes)
            st = bw_index_find_exact(v->ix[i], qq->kind, qq->bytes, &hits, err);
        else if (qq->dihedral)
            st = bw_index_find_pdq_dihedral(v->ix[i], qq->dihedral, qq->max_distance, &hits, err);
        else
            st = bw_index_find_pdq(v->ix[i], qq->q, qq->max_distance, &hits, err);
        if (st == BW_OK)
            st = resolve(m, v->ix[i], &hits, out, err);
    }
    bw_index_hits_free(&hits);
    view_put(v);
    if (st == BW_OK)
        bw_matches_sort(out);
    return st;
}

bw_status bw_matcher_pdq(bw_matcher *m, const bw_pdq *q,
                         const bw_pdq dihedral[BW_PDQ_DIHEDRAL_COUNT], int max_distance,
                         bw_matches *out, bw_error *err)
{
    if (!m && out)
        return BW_OK; /* no lists: nothing matches */
    if (!m || !out || (!q && !dihedral))
        return bw__fail(err, BW_ERR_ARG, "invalid arguments to bw_matcher_pdq");
    query qq = {q, dihedral, max_distance, BW_HASH_PDQ, NULL};
    return lookup(m, &qq, out, err);
}

bw_status bw_matcher_exact(bw_matcher *m, bw_hash_kind kind, const uint8_t *bytes,
                           bw_matches *out, bw_error *err)
{
    if (!m && out)
        return BW_OK; /* no lists: nothing matches */
    if (!m || !out || !bytes)
        return bw__fail(err, BW_ERR_ARG, "invalid arguments to bw_matcher_exact");
    query qq = {NULL, NULL, 0, kind, bytes};
    return lookup(m, &qq, out, err);
}

bw_status bw_matcher_digests(bw_matcher *m, const bw_digests *d, bw_matches *out, bw_error *err)
{
    bw_status st = bw_matcher_exact(m, BW_HASH_MD5, d->md5, out, err);
    if (st == BW_OK)
        st = bw_matcher_exact(m, BW_HASH_SHA1, d->sha1, out, err);
    if (st == BW_OK)
        st = bw_matcher_exact(m, BW_HASH_SHA256, d->sha256, out, err);
    return st;
}

void bw_matches_json(bw_json *j, const bw_matches *m)
{
    char hex[2 * BW_HASH_MAX_BYTES + 1];
    bw_json_array_begin(j);
    for (size_t i = 0; m && i < m->n; i++) {
        const bw_match *x = &m->v[i];
        bw_json_object_begin(j);
        bw_json_key(j, "list");
        bw_json_string(j, x->list);
        bw_json_key(j, "kind");
        bw_json_string(j, bw_hash_kind_name(x->kind));
        bw_json_key(j, "hash");
        bw_hex_encode(x->hash, bw_hash_kind_bytes(x->kind), hex);
        bw_json_string(j, hex);
        bw_json_key(j, "distance");
        bw_json_int(j, x->distance);
        bw_json_key(j, "label");
        if (x->label)
            bw_json_string(j, x->label);
        else
            bw_json_null(j);
        if (x->category) {
            bw_json_key(j, "category");
            bw_json_string(j, x->category);
        }
        if (x->orientation) {
            static const char *const names[BW_PDQ_DIHEDRAL_COUNT] = {
                "orig", "rot90", "rot180", "rot270", "flipx", "flipy", "transpose", "transverse"};
            bw_json_key(j, "orientation");
            bw_json_string(j, names[x->orientation & 7]);
        }
        bw_json_object_end(j);
    }
    bw_json_array_end(j);
}

bw_status bw_match_parse_hash(const char *s, size_t len, bw_hash_kind *kind,
                              uint8_t bytes[BW_HASH_MAX_BYTES])
{
    while (len && (s[0] == ' ' || s[0] == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n'))
        len--;
    bw_hash_kind k;
    if (len == 32)
        k = BW_HASH_MD5;
    else if (len == 40)
        k = BW_HASH_SHA1;
    else if (len == 64)
        k = BW_HASH_PDQ;
    else
        return BW_ERR_ARG;
    if (bw_hex_decode(s, len, bytes, len / 2) != BW_OK)
        return BW_ERR_ARG;
    *kind = k;
    return BW_OK;
}
