/* store.c -- the store of hash lists (bulwark/store.h), the part that is
 * the same for every backend: choosing the backend from the location,
 * list metadata (gathering the backend's rows into bw_list_info arrays),
 * removal in one write transaction, reading entries back and finding which
 * lists hold a hash. Every read and write of the data goes through the
 * backend table (store_internal.h); the SQLite backend is sqlite.c. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>
#include <openssl/evp.h>
#include "core/internal.h"
#include "store/store_internal.h"

/* The backend a location names: a PostgreSQL connection URI, else the
 * path of an SQLite file. */
static bw_status pick_backend(const char *location, const bw__store_backend **be, bw_error *err)
{
    static const char *const postgres[] = {"postgresql://", "postgres://"};
    for (size_t i = 0; i < sizeof postgres / sizeof *postgres; i++)
        if (strncasecmp(location, postgres[i], strlen(postgres[i])) == 0)
            return (void)err, *be = &bw__store_postgres, BW_OK;
    *be = &bw__store_sqlite;
    return BW_OK;
}

bw_status bw__store_version_check(int64_t version, int readonly, int *migrate, bw_error *err)
{
    *migrate = 0;
    if (version > BW_STORE_SCHEMA_VERSION)
        return bw__fail(err, BW_ERR_UNSUPPORTED,
                        "store schema version %d is newer than this build knows (%d)", (int)version,
                        BW_STORE_SCHEMA_VERSION);
    if (version == BW_STORE_SCHEMA_VERSION)
        return BW_OK;
    if (readonly)
        return bw__fail(err, BW_ERR_UNSUPPORTED, "store schema version %d needs migrating",
                        (int)version);
    *migrate = 1;
    return BW_OK;
}

void bw_store_location_safe(const char *location, char *out, size_t n)
{
    const char *scheme = strstr(location, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
    if (colon) /* user:password@host */
        snprintf(out, n, "%.*s:***%s", (int)(colon - location), location, at);
    else
        snprintf(out, n, "%s", location);
    char *pw = strstr(out, "password=");
    if (pw) { /* ?password=... up to the next parameter */
        const char *rest = strchr(location + (pw - out), '&');
        char tail[256];
        snprintf(tail, sizeof tail, "%s", rest ? rest : "");
        snprintf(pw, n - (size_t)(pw - out), "password=***%s", tail);
    }
}

bw_status bw_store_open(bw_store **out, const char *path, int flags, bw_error *err)
{
    const bw__store_backend *be = NULL;
    bw_status r;
    *out = NULL;
    if (!path || !*path)
        return bw__fail(err, BW_ERR_ARG, "no store path");
    if ((r = pick_backend(path, &be, err)) != BW_OK || (r = be->open(out, path, flags, err)) != BW_OK)
        return r;
    (*out)->be = be;
    (*out)->readonly = (flags & BW_STORE_READONLY) != 0;
    (*out)->flags = flags;
    if (!((*out)->location = bw__strdup(path))) {
        be->close(*out);
        *out = NULL;
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    return BW_OK;
}

bw_status bw_store_reopen(bw_store *s, bw_store **out, bw_error *err)
{
    return bw_store_reopen_with(s, 0, out, err);
}

bw_status bw_store_reopen_with(bw_store *s, int flags, bw_store **out, bw_error *err)
{
    *out = NULL;
    if (!s)
        return bw__fail(err, BW_ERR_ARG, "no store");
    return bw_store_open(out, s->location, s->flags | flags | BW_STORE_MUST_EXIST, err);
}

void bw_store_close(bw_store *s)
{
    if (s) {
        char *location = s->location;
        s->be->close(s);
        free(location);
    }
}

/* ---------------- list metadata ---------------- */

void bw_list_infos_free(bw_list_info *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].source);
    }
    free(v);
}

typedef struct infos {
    bw_list_info *v;
    size_t len, cap;
} infos;

/* Keep a copy of the backend's row (a bw__store_list_fn); a list's
 * deltas come right after it, and are counted into it. */
static int keep_info(void *ctx, int64_t id, const bw_list_info *li)
{
    infos *x = ctx;
    (void)id;
    if (x->len && li->name && x->v[x->len - 1].name && !strcmp(x->v[x->len - 1].name, li->name)) {
        bw_list_info *c = &x->v[x->len - 1];
        c->entries += li->entries;
        c->duplicates += li->duplicates;
        for (int k = 0; k < BW_HASH_KIND_COUNT; k++)
            c->kinds[k] += li->kinds[k];
        return 0;
    }
    if (x->len == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 8;
        bw_list_info *nv = bw__realloc(x->v, cap * sizeof *nv);
        if (!nv)
            return 1;
        x->v = nv;
        x->cap = cap;
    }
    bw_list_info *c = &x->v[x->len];
    *c = *li;
    c->name = li->name ? bw__strdup(li->name) : NULL;
    c->source = li->source ? bw__strdup(li->source) : NULL;
    x->len++; /* counted before the check: bw_list_infos_free frees it */
    return (li->name && !c->name) || (li->source && !c->source);
}

/* The rows of every list, or of the one called name. */
static bw_status gather(bw_store *s, const char *name, infos *x, bw_error *err)
{
    memset(x, 0, sizeof *x);
    bw_status r = s->be->lists(s, name, keep_info, x, err);
    if (r == BW_ERR_INTERRUPTED)
        r = bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if (r != BW_OK) {
        bw_list_infos_free(x->v, x->len);
        memset(x, 0, sizeof *x);
    }
    return r;
}

bw_status bw_store_lists(bw_store *s, bw_list_info **out, size_t *n, bw_error *err)
{
    infos x;
    bw_status r = gather(s, NULL, &x, err);
    *out = x.v;
    *n = x.len;
    return r;
}

bw_status bw_store_list_get(bw_store *s, const char *name, bw_list_info **out, bw_error *err)
{
    infos x;
    bw_status r = gather(s, name, &x, err);
    *out = NULL;
    if (r == BW_OK && x.len == 0)
        r = bw__fail(err, BW_ERR_NOT_FOUND, "no list named '%s'", name);
    if (r == BW_OK)
        *out = x.v;
    else
        bw_list_infos_free(x.v, x.len);
    return r;
}

bw_status bw_store_data_version(bw_store *s, int64_t *version, bw_error *err)
{
    return s->be->data_version(s, version, err);
}

bw_status bw_store_identity(bw_store *s, char out[BW_STORE_ID_SIZE], bw_error *err)
{
    out[0] = '\0';
    if (!s)
        return bw__fail(err, BW_ERR_ARG, "no store");
    bw_status st = s->be->identity(s, out, err);
    if (st == BW_OK && strspn(out, "0123456789abcdef") != BW_STORE_ID_SIZE - 1) {
        out[0] = '\0';
        return bw__fail(err, BW_ERR_DB, "store: its identity is damaged");
    }
    return st;
}

bw_status bw_store_wait_change(bw_store *s, int timeout_ms, int64_t *version, bw_error *err)
{
    *version = 0;
    if (!s)
        return bw__fail(err, BW_ERR_ARG, "no store");
    if (!s->be->wait_change)
        return bw__fail(err, BW_ERR_UNSUPPORTED, "the %s store announces no changes: poll its "
                        "data version", s->be->name);
    return s->be->wait_change(s, timeout_ms, version, err);
}

uint64_t bw_store_rows_read(const bw_store *s)
{
    return s ? s->rows_read : 0;
}

bw_status bw_store_list_count(bw_store *s, uint64_t *n, bw_error *err)
{
    return s->be->count(s, n, err);
}

/* The id of the live list called name: NOT_FOUND when there is none. */
static bw_status find_list(bw_store *s, const char *name, const char *what, int64_t *id,
                           bw_error *err)
{
    bw_status r = s->be->list_id(s, name, what, id, err);
    if (r == BW_OK && *id < 0)
        r = bw__fail(err, BW_ERR_NOT_FOUND, "no list named '%s'", name);
    return r;
}

bw_status bw_store_list_remove(bw_store *s, const char *name, bw_error *err)
{
    bw_status r;
    int64_t id;
    if (s->readonly)
        return bw__fail(err, BW_ERR_ARG, "store opened read-only");
    if ((r = s->be->begin(s, BW__STORE_WRITE, err)) != BW_OK)
        return r;
    /* the list's version, then its deltas, then its content state */
    if ((r = find_list(s, name, "store: removing list", &id, err)) != BW_OK) {
        s->be->rollback(s);
        return r;
    }
    while (r == BW_OK && id >= 0 && (r = s->be->remove(s, id, err)) == BW_OK)
        r = s->be->list_id(s, name, "store: removing list", &id, err);
    if (r == BW_OK)
        r = s->be->forget(s, name, err);
    if (r != BW_OK) {
        s->be->rollback(s);
        return r;
    }
    return s->be->commit(s, err);
}

/* The ids of every live version of list name (its version, then its
 * deltas): a malloc'd array, *n 0 when there is no such list. */
typedef struct version_ids {
    int64_t *v;
    size_t n, cap;
} version_ids;

static int keep_id(void *ctx, int64_t id, const bw_list_info *li)
{
    version_ids *x = ctx;
    (void)li;
    if (x->n == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 4;
        int64_t *v = bw__realloc(x->v, cap * sizeof *v);
        if (!v)
            return 1;
        x->v = v;
        x->cap = cap;
    }
    x->v[x->n++] = id;
    return 0;
}

static bw_status versions_of(bw_store *s, const char *name, version_ids *x, bw_error *err)
{
    memset(x, 0, sizeof *x);
    bw_status r = s->be->lists(s, name, keep_id, x, err);
    if (r == BW_ERR_INTERRUPTED)
        r = bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if (r != BW_OK) {
        free(x->v);
        memset(x, 0, sizeof *x);
    }
    return r;
}

/* ---------------- reading entries ---------------- */

bw_status bw_store_list_entries(bw_store *s, const char *name, bw_entry_fn fn, void *ctx,
                                bw_error *err)
{
    bw_status r = bw__store_each_entry(s, name, fn, ctx, err);
    return r == BW_ERR_INTERRUPTED ? bw__fail(err, r, "stopped") : r;
}

bw_status bw__store_each_entry(bw_store *s, const char *name, bw_entry_fn fn, void *ctx,
                               bw_error *err)
{
    version_ids x;
    bw_status r = versions_of(s, name, &x, err);
    if (r == BW_OK && x.n == 0)
        r = bw__fail(err, BW_ERR_NOT_FOUND, "no list named '%s'", name);
    for (size_t i = 0; i < x.n && r == BW_OK; i++)
        r = s->be->entries(s, x.v[i], fn, ctx, err);
    free(x.v);
    return r;
}

bw_status bw_store_find(bw_store *s, bw_hash_kind kind, const uint8_t *bytes, bw_store_hit_fn fn,
                        void *ctx, bw_error *err)
{
    size_t nb = bw_hash_kind_bytes(kind);
    if (!nb || !bytes)
        return bw__fail(err, BW_ERR_ARG, "invalid hash kind");
    bw_status r = s->be->find(s, kind, bytes, nb, (int64_t)time(NULL), fn, ctx, err);
    return r == BW_ERR_INTERRUPTED ? bw__fail(err, r, "stopped") : r;
}

bw_status bw_store_check(bw_store *s, bw_error *err)
{
    return s->be->check(s, err);
}
