/* matcher.c -- looking hashes up against the lists of a store
 * (bulwark/match.h): the index answers which hashes are near, the store
 * says which lists hold them and with what label. The matcher owns a
 * bw_store handle (whatever its backend: it only calls store.h) and keeps
 * the current index in a bw_index_slot, so lookups run concurrently and a
 * reload swaps a freshly built index in; the one store connection is
 * shared under a mutex, taken only when a lookup found something.
 *
 * A long-lived matcher (match on stdin, a long scan, the server) must not
 * go blind when a list is re-imported or removed by another process: at
 * most once per refresh interval a lookup asks the store whether any other
 * connection has committed since the index was built
 * (bw_store_data_version; for SQLite PRAGMA data_version, a read of the
 * connection's own counter, no I/O), and if so one thread rebuilds the
 * index and swaps it in while the others go on with the old one. Entries
 * are always read from the store by hash, never by a row id kept in the
 * index, so an index a moment old can miss a new hash but never names a
 * deleted row. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include "bulwark/match.h"
#include "bulwark/store.h"
#include "core/internal.h"

struct bw_matcher {
    pthread_mutex_t lock;  /* guards store */
    pthread_mutex_t reload; /* one refresh at a time */
    bw_store *store;
    char **lists;
    size_t nlists;
    bw_index_slot *slot;
    bw_index_opts iopts;
    int64_t data_version;   /* of the store when the index was built */
    uint64_t list_count;    /* lists the index was built from */
    atomic_int refresh_ms;  /* <0: never; 0: every lookup */
    atomic_llong last_check_ms;
    atomic_ullong reloads;
};

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

/* ---------------- the matcher ---------------- */

/* Build the index from the store as it is now and swap it in. The data
 * version is read first: a commit landing during the build only causes
 * one more reload later. */
static bw_status load(bw_matcher *m, bw_error *err)
{
    bw_index *ix;
    bw_status st;
    int64_t version = 0;
    uint64_t count = m->nlists;
    pthread_mutex_lock(&m->lock);
    st = bw_store_data_version(m->store, &version, err);
    if (st == BW_OK && !m->nlists)
        st = bw_store_list_count(m->store, &count, err);
    if (st == BW_OK)
        st = bw_store_build_index(m->store, (const char *const *)m->lists, m->nlists, &m->iopts,
                                  &ix, err);
    if (st == BW_OK) {
        m->data_version = version;
        m->list_count = count;
    }
    pthread_mutex_unlock(&m->lock);
    if (st != BW_OK)
        return st;
    bw_index_slot_set(m->slot, ix);
    bw_index_unref(ix);
    return BW_OK;
}

/* The refresh, with m->reload held. */
static bw_status refresh_locked(bw_matcher *m, int *reloaded, bw_error *err)
{
    int64_t version = 0;
    bw_status st;
    atomic_store(&m->last_check_ms, now_ms());
    pthread_mutex_lock(&m->lock);
    st = bw_store_data_version(m->store, &version, err);
    int changed = st == BW_OK && version != m->data_version;
    pthread_mutex_unlock(&m->lock);
    if (changed && (st = load(m, err)) == BW_OK) {
        atomic_fetch_add(&m->reloads, 1);
        if (reloaded)
            *reloaded = 1;
    }
    return st;
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
        pthread_mutex_lock(&m->lock);
        n = m->list_count;
        pthread_mutex_unlock(&m->lock);
    }
    return n;
}

uint64_t bw_matcher_reloads(bw_matcher *m)
{
    return m ? atomic_load(&m->reloads) : 0;
}

/* Called by every lookup: a refresh when the interval has passed, by
 * whichever thread gets there first (the others do not wait). A failed
 * refresh keeps the index there is and is tried again next interval. */
static void maybe_refresh(bw_matcher *m)
{
    int every = atomic_load(&m->refresh_ms);
    if (every < 0 || now_ms() - atomic_load(&m->last_check_ms) < every)
        return;
    if (pthread_mutex_trylock(&m->reload) != 0)
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

bw_status bw_matcher_open_store(bw_matcher **out, bw_store *store, const char *const *lists,
                                size_t nlists, const bw_index_opts *index_opts, bw_error *err)
{
    bw_status st;
    *out = NULL;
    if (!store)
        return bw__fail(err, BW_ERR_ARG, "no store");
    bw_matcher *m = bw__calloc(1, sizeof *m);
    if (!m) {
        bw_store_close(store);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    m->store = store;
    pthread_mutex_init(&m->lock, NULL);
    pthread_mutex_init(&m->reload, NULL);
    atomic_init(&m->refresh_ms, BW_MATCHER_REFRESH_MS);
    atomic_init(&m->last_check_ms, now_ms());
    atomic_init(&m->reloads, 0);
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
    if ((st = bw_index_slot_new(&m->slot, NULL, err)) != BW_OK || (st = load(m, err)) != BW_OK) {
        bw_matcher_close(m);
        return st;
    }
    *out = m;
    return BW_OK;
}

void bw_matcher_close(bw_matcher *m)
{
    if (!m)
        return;
    bw_index_slot_free(m->slot);
    bw_store_close(m->store);
    for (size_t i = 0; i < m->nlists; i++)
        free(m->lists[i]);
    free(m->lists);
    pthread_mutex_destroy(&m->lock);
    pthread_mutex_destroy(&m->reload);
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
    pthread_mutex_lock(&m->lock);
    bw_status st = bw_store_lists(m->store, out, n, err);
    pthread_mutex_unlock(&m->lock);
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
    return m ? bw_index_slot_get(m->slot) : NULL;
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
    memcpy(x->hash, e->hash, sizeof x->hash);
    x->distance = f->distance;
    x->orientation = f->orientation;
    f->out->n++;
    return 0;
}

/* The list entries of every index hit. */
static bw_status resolve(bw_matcher *m, const bw_index *ix, const bw_index_hits *hits,
                         bw_matches *out, bw_error *err)
{
    bw_status st = BW_OK;
    if (hits->n == 0)
        return BW_OK;
    pthread_mutex_lock(&m->lock);
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
        st = bw_store_find(m->store, kind, bytes, on_entry, &f, err);
        if (st == BW_ERR_INTERRUPTED && f.st != BW_OK)
            st = bw__fail(err, f.st, "out of memory");
    }
    pthread_mutex_unlock(&m->lock);
    return st;
}

/* The end of every lookup: the index's hits (found with status st) as
 * matches, nearest first; the hits and the index reference released. */
static bw_status finish_lookup(bw_matcher *m, bw_index *ix, bw_status st, bw_index_hits *hits,
                               bw_matches *out, bw_error *err)
{
    if (st == BW_OK)
        st = resolve(m, ix, hits, out, err);
    bw_index_hits_free(hits);
    bw_index_unref(ix);
    if (st == BW_OK)
        bw_matches_sort(out);
    return st;
}

bw_status bw_matcher_pdq(bw_matcher *m, const bw_pdq *q,
                         const bw_pdq dihedral[BW_PDQ_DIHEDRAL_COUNT], int max_distance,
                         bw_matches *out, bw_error *err)
{
    bw_index_hits hits = {0};
    bw_status st;
    if (!m && out)
        return BW_OK; /* no lists: nothing matches */
    if (!m || !out || (!q && !dihedral))
        return bw__fail(err, BW_ERR_ARG, "invalid arguments to bw_matcher_pdq");
    maybe_refresh(m);
    bw_index *ix = bw_index_slot_get(m->slot);
    if (dihedral)
        st = bw_index_find_pdq_dihedral(ix, dihedral, max_distance, &hits, err);
    else
        st = bw_index_find_pdq(ix, q, max_distance, &hits, err);
    return finish_lookup(m, ix, st, &hits, out, err);
}

bw_status bw_matcher_exact(bw_matcher *m, bw_hash_kind kind, const uint8_t *bytes,
                           bw_matches *out, bw_error *err)
{
    bw_index_hits hits = {0};
    if (!m && out)
        return BW_OK; /* no lists: nothing matches */
    if (!m || !out || !bytes)
        return bw__fail(err, BW_ERR_ARG, "invalid arguments to bw_matcher_exact");
    maybe_refresh(m);
    bw_index *ix = bw_index_slot_get(m->slot);
    bw_status st = bw_index_find_exact(ix, kind, bytes, &hits, err);
    return finish_lookup(m, ix, st, &hits, out, err);
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
