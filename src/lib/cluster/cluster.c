/* cluster.c -- near-duplicate groups (bulwark/cluster.h).
 *
 * Items are kept in arrays in input order. bw_clusterer_run():
 *   1. exact duplicates: item numbers sorted by SHA-256, equal neighbours
 *      joined;
 *   2. near duplicates: the PDQ hashes of quality >= min_quality are
 *      joined with themselves: up to distance 47 by the substring
 *      self-join of pairs.c (a million hashes in seconds); beyond, they go
 *      into a bw_index (index.h) and every hash asks it for its neighbours
 *      (on `jobs` threads: the index is immutable and thread-safe). Each
 *      pair found is joined;
 *   3. joining is union-find (union by size, path halving); groups of two
 *      or more are numbered by their first member and listed in input
 *      order, with the highest-quality member as representative. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "bulwark/cluster.h"
#include "bulwark/index.h"
#include "bulwark/record.h"
#include "cluster/cluster_internal.h"

typedef struct item {
    char *path;
    uint8_t sha256[32];
    bw_pdq pdq;
    int16_t quality;     /* -1: none */
    uint8_t has_sha, has_pdq;
} item;

struct bw_clusterer {
    bw_cluster_opts opts;
    item *v;
    size_t n, cap;
    uint32_t *parent, *size;
    const uint32_t *item_of;  /* during join_near */
    int ran;
};

bw_status bw_clusterer_new(bw_clusterer **out, const bw_cluster_opts *opts, bw_error *err)
{
    bw_clusterer *c = bw__calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    c->opts.max_distance = -1;
    c->opts.min_quality = -1;
    if (opts)
        c->opts = *opts;
    bw__pdq_thresholds(&c->opts.max_distance, &c->opts.min_quality);
    *out = c;
    return BW_OK;
}

void bw_clusterer_free(bw_clusterer *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].path);
    free(c->v);
    free(c->parent);
    free(c->size);
    free(c);
}

size_t bw_clusterer_count(const bw_clusterer *c)
{
    return c->n;
}

bw_status bw_clusterer_add(bw_clusterer *c, const char *path, const uint8_t sha256[32],
                           const bw_pdq *pdq, int quality, bw_error *err)
{
    item *it;
    if (!path)
        return bw__fail(err, BW_ERR_ARG, "an item needs a path");
    if (c->n >= UINT32_MAX - 1)
        return bw__fail(err, BW_ERR_LIMIT, "too many items to cluster");
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 1024;
        item *nv = bw__realloc(c->v, nc * sizeof *nv);
        if (!nv)
            return bw__fail(err, BW_ERR_NOMEM, "out of memory");
        c->v = nv;
        c->cap = nc;
    }
    it = &c->v[c->n];
    memset(it, 0, sizeof *it);
    if (!(it->path = bw__strdup(path)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if (sha256) {
        memcpy(it->sha256, sha256, 32);
        it->has_sha = 1;
    }
    if (pdq) {
        it->pdq = *pdq;
        it->has_pdq = 1;
    }
    it->quality = (int16_t)(quality < 0 ? -1 : quality > 100 ? 100 : quality);
    c->n++;
    return BW_OK;
}

/* ---------------- Reading a scan's JSON Lines ---------------- */

bw_status bw_clusterer_add_jsonl(bw_clusterer *c, bw_reader *r, const bw_limits *limits,
                                 uint64_t *bad, bw_error *err)
{
    const bw_limits *lim = bw__limits(limits);
    char *buf = NULL;
    size_t cap = 0, len = 0, start = 0;
    uint64_t lineno = 0, nbad = 0;
    int eof = 0;
    bw_status st = BW_OK;

    for (;;) {
        char *nl = len > start ? memchr(buf + start, '\n', len - start) : NULL;
        size_t llen;
        bw_record_line l;
        if (!nl && !eof) {
            size_t got = 0;
            if (start) {
                memmove(buf, buf + start, len - start);
                len -= start;
                start = 0;
            }
            if (len > lim->max_line_bytes) {
                st = bw__fail(err, BW_ERR_LIMIT, "line %llu: longer than %u bytes (--max-line)",
                              (unsigned long long)lineno + 1, lim->max_line_bytes);
                break;
            }
            if (cap - len < 65536) {
                char *nb = bw__realloc(buf, cap + 65536);
                if (!nb) {
                    st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
                    break;
                }
                buf = nb;
                cap += 65536;
            }
            if ((st = bw_reader_read(r, buf + len, cap - len, &got, err)) != BW_OK)
                break;
            if (got == 0)
                eof = 1;
            len += got;
            continue;
        }
        if (!nl && start == len)
            break;
        llen = nl ? (size_t)(nl - (buf + start)) : len - start;
        lineno++;
        if (llen > lim->max_line_bytes) {
            st = bw__fail(err, BW_ERR_LIMIT, "line %llu: longer than %u bytes (--max-line)",
                          (unsigned long long)lineno, lim->max_line_bytes);
            break;
        }
        if (llen && !(llen == 1 && buf[start] == '\r')) {
            bw_record_type t = bw_record_parse(buf + start, llen, lim->max_json_depth, &l);
            if (t == BW_RECORD_BAD) {
                nbad++;
            } else if (t == BW_RECORD_FILE && l.kind == BW_SCAN_FILE &&
                       (l.has_sha256 || l.has_pdq)) {
                st = bw_clusterer_add(c, l.path, l.has_sha256 ? l.sha256 : NULL,
                                      l.has_pdq ? &l.pdq : NULL, l.quality, err);
            }
            bw_record_line_free(&l);
            if (st != BW_OK)
                break;
        }
        start += llen + (nl ? 1 : 0);
    }
    free(buf);
    if (bad)
        *bad = nbad;
    return st;
}

/* ---------------- Union-find ---------------- */

static uint32_t find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static void join(bw_clusterer *c, uint32_t a, uint32_t b)
{
    a = find(c->parent, a);
    b = find(c->parent, b);
    if (a == b)
        return;
    if (c->size[a] < c->size[b]) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    c->parent[b] = a;
    c->size[a] += c->size[b];
}

/* A pair from the self-join: index ids -> item numbers. */
static void join_pair(void *ctx, uint32_t a, uint32_t b)
{
    bw_clusterer *c = ctx;
    join(c, c->item_of[a], c->item_of[b]);
}

/* ---------------- Exact duplicates ---------------- */

static const item *sort_items;

static int cmp_sha(const void *a, const void *b)
{
    const item *x = &sort_items[*(const uint32_t *)a], *y = &sort_items[*(const uint32_t *)b];
    int d = memcmp(x->sha256, y->sha256, 32);
    if (d)
        return d;
    return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

static bw_status join_exact(bw_clusterer *c, bw_error *err)
{
    uint32_t *idx = bw__malloc((c->n ? c->n : 1) * sizeof *idx);
    size_t m = 0;
    if (!idx)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].has_sha)
            idx[m++] = (uint32_t)i;
    sort_items = c->v; /* qsort has no context argument; run() is not reentrant per object */
    qsort(idx, m, sizeof *idx, cmp_sha);
    for (size_t k = 1; k < m; k++)
        if (memcmp(c->v[idx[k]].sha256, c->v[idx[k - 1]].sha256, 32) == 0)
            join(c, idx[k], idx[k - 1]);
    free(idx);
    return BW_OK;
}

/* ---------------- Near duplicates: all pairs through the index ---------------- */

typedef struct pair {
    uint32_t a, b;
} pair;

typedef struct search {
    const bw_index *ix;
    const bw_pdq *hashes;
    const uint32_t *item_of;   /* index id -> item number */
    size_t from, to;
    int d;
    pair *pairs;
    size_t npairs, cap;
    bw_status st;
    bw_error err;
} search;

static void *search_main(void *arg)
{
    search *s = arg;
    bw_index_hits hits = {0};
    for (size_t i = s->from; i < s->to && s->st == BW_OK; i++) {
        hits.n = 0;
        s->st = bw_index_find_pdq(s->ix, &s->hashes[i], s->d, &hits, &s->err);
        for (size_t k = 0; s->st == BW_OK && k < hits.n; k++) {
            uint32_t j = hits.v[k].id;
            if (j <= i)
                continue; /* each pair once, from its lower id */
            if (s->npairs == s->cap) {
                size_t nc = s->cap ? s->cap * 2 : 4096;
                pair *np = bw__realloc(s->pairs, nc * sizeof *np);
                if (!np) {
                    s->st = bw__fail(&s->err, BW_ERR_NOMEM, "out of memory");
                    break;
                }
                s->pairs = np;
                s->cap = nc;
            }
            s->pairs[s->npairs].a = s->item_of[i];
            s->pairs[s->npairs].b = s->item_of[j];
            s->npairs++;
        }
    }
    bw_index_hits_free(&hits);
    return NULL;
}

static bw_status join_near(bw_clusterer *c, bw_error *err)
{
    bw_pdq *hashes = bw__malloc((c->n ? c->n : 1) * sizeof *hashes);
    uint32_t *item_of = bw__malloc((c->n ? c->n : 1) * sizeof *item_of);
    unsigned nthreads = c->opts.jobs > 1 ? c->opts.jobs : 1;
    search *ss = NULL;
    pthread_t *th = NULL;
    char *started = NULL;
    bw_index *ix = NULL;
    size_t m = 0;
    bw_status st = BW_OK;

    if (!hashes || !item_of) {
        st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].has_pdq && c->v[i].quality >= c->opts.min_quality) {
            hashes[m] = c->v[i].pdq;
            item_of[m++] = (uint32_t)i;
        }
    if (m < 2)
        goto out;
    if (c->opts.max_distance <= BW__PAIRS_MAX_DISTANCE) {
        c->item_of = item_of;
        st = bw__pdq_pairs(hashes, m, c->opts.max_distance, nthreads, join_pair, c, err);
        goto out;
    }
    {
        bw_index_opts io = {BW_INDEX_AUTO, c->opts.max_distance, 0, BW_INDEX_FAST};
        if ((st = bw_index_build_pdq(hashes, m, &io, &ix, err)) != BW_OK)
            goto out;
    }
    if (nthreads > m)
        nthreads = (unsigned)m;
    ss = bw__calloc(nthreads, sizeof *ss);
    th = bw__calloc(nthreads, sizeof *th);
    if (!ss || !th) {
        st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (unsigned t = 0; t < nthreads; t++) {
        ss[t].ix = ix;
        ss[t].hashes = hashes;
        ss[t].item_of = item_of;
        ss[t].from = m * t / nthreads;
        ss[t].to = m * (t + 1) / nthreads;
        ss[t].d = c->opts.max_distance;
    }
    started = bw__calloc(nthreads, sizeof *started);
    if (!started) {
        st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (unsigned t = 1; t < nthreads; t++)
        started[t] = pthread_create(&th[t], NULL, search_main, &ss[t]) == 0;
    search_main(&ss[0]);
    for (unsigned t = 1; t < nthreads; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            search_main(&ss[t]); /* no thread: its share here */
    }
    for (unsigned t = 0; t < nthreads; t++) {
        if (ss[t].st != BW_OK && st == BW_OK) {
            st = ss[t].st;
            if (err)
                *err = ss[t].err;
        }
        for (size_t k = 0; k < ss[t].npairs; k++)
            join(c, ss[t].pairs[k].a, ss[t].pairs[k].b);
    }
out:
    if (ss)
        for (unsigned t = 0; t < nthreads; t++)
            free(ss[t].pairs);
    free(ss);
    free(th);
    free(started);
    bw_index_unref(ix);
    free(hashes);
    free(item_of);
    return st;
}

/* ---------------- Groups ---------------- */

bw_status bw_clusterer_run(bw_clusterer *c, bw_cluster_fn fn, void *ctx, bw_error *err)
{
    uint32_t *group = NULL, *first = NULL, *order = NULL, *start = NULL, *fill = NULL;
    const char **paths = NULL;
    uint64_t ngroups = 0;
    bw_status st;

    if (c->ran)
        return bw__fail(err, BW_ERR_ARG, "bw_clusterer_run may be called once");
    c->ran = 1;
    c->parent = bw__malloc((c->n ? c->n : 1) * sizeof *c->parent);
    c->size = bw__malloc((c->n ? c->n : 1) * sizeof *c->size);
    if (!c->parent || !c->size)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->n; i++) {
        c->parent[i] = (uint32_t)i;
        c->size[i] = 1;
    }
    if ((st = join_exact(c, err)) != BW_OK || (st = join_near(c, err)) != BW_OK)
        return st;

    /* Number the groups of two or more by their first member. */
    group = bw__malloc((c->n + 1) * sizeof *group);  /* item -> group id (0: alone) */
    first = bw__malloc((c->n + 1) * sizeof *first);  /* root -> group id */
    if (!group || !first) {
        st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < c->n; i++)
        first[i] = 0;
    for (size_t i = 0; i < c->n; i++) {
        uint32_t r = find(c->parent, (uint32_t)i);
        if (c->size[r] < 2) {
            group[i] = 0;
            continue;
        }
        if (!first[r])
            first[r] = (uint32_t)++ngroups;
        group[i] = first[r];
    }
    /* Counting sort of members by group, keeping input order: the members
     * of group g are order[start[g] .. start[g + 1]). */
    start = bw__calloc(ngroups + 2, sizeof *start);
    fill = bw__calloc(ngroups + 2, sizeof *fill);
    order = bw__malloc((c->n + 1) * sizeof *order);
    paths = bw__malloc((c->n + 1) * sizeof *paths);
    if (!start || !fill || !order || !paths) {
        st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < c->n; i++)
        if (group[i])
            start[group[i] + 1]++;
    for (uint64_t g = 2; g <= ngroups + 1; g++)
        start[g] += start[g - 1];
    memcpy(fill, start, (ngroups + 2) * sizeof *fill);
    for (size_t i = 0; i < c->n; i++)
        if (group[i])
            order[fill[group[i]]++] = (uint32_t)i;
    for (uint64_t g = 1; g <= ngroups; g++) {
        size_t a = start[g], b = start[g + 1], rep = order[a];
        int best = -2;
        for (size_t k = a; k < b; k++) {
            const item *it = &c->v[order[k]];
            int q = it->has_pdq ? it->quality : -1;
            if (q > best) {
                best = q;
                rep = order[k];
            }
            paths[k - a] = it->path;
        }
        if (fn(ctx, g, paths, b - a, c->v[rep].path) != 0) {
            st = bw__fail(err, BW_ERR_INTERRUPTED, "stopped");
            goto out;
        }
    }
out:
    free(group);
    free(first);
    free(fill);
    free(order);
    free(start);
    free(paths);
    return st;
}

void bw_cluster_json(bw_json *j, uint64_t id, const char *const *members, size_t n,
                     const char *representative)
{
    bw_json_object_begin(j);
    bw_json_key(j, "cluster");
    bw_json_uint(j, id);
    bw_json_key(j, "members");
    bw_json_array_begin(j);
    int exact = 1;
    for (size_t i = 0; i < n; i++) {
        bw_json_string(j, members[i]);
        exact &= bw_json_utf8_valid(members[i], strlen(members[i]));
    }
    bw_json_array_end(j);
    if (!exact) { /* the exact bytes of each member, as bw_json_path */
        bw_json_key(j, "members_bytes");
        bw_json_array_begin(j);
        for (size_t i = 0; i < n; i++)
            if (bw_json_utf8_valid(members[i], strlen(members[i])))
                bw_json_null(j);
            else
                bw_json_base64(j, members[i], strlen(members[i]));
        bw_json_array_end(j);
    }
    bw_json_path(j, "representative", representative);
    bw_json_object_end(j);
}
