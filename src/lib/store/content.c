/* content.c -- the content of a list one entry at a time (store.h: HMA's
 * /c routes), the same for every backend: content ids, adding entries as
 * a delta, the state of a piece of content (disabled until a time, a
 * note), deleting one, creating an empty list, a list's ratio.
 *
 * A content id is derived from what the entry is and its list's key (its
 * name, or the name it had before a rename), so it needs no column of its
 * own: a re-import of the same hash into the same list gives the same id. Finding the entry of an id that has no state row reads the
 * list's entries once (and the row kept by bw_store_content_set makes the
 * next time a lookup by key). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include "bulwark/text.h"
#include "core/internal.h"
#include "store/store_internal.h"

int64_t bw_store_content_id(const char *key, bw_hash_kind kind, const uint8_t *hash)
{
    const char *list = key ? key : "";
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    const char *kname = bw_hash_kind_name(kind);
    size_t ln = strlen(list), kn = kname ? strlen(kname) : 0, hn = bw_hash_kind_bytes(kind);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int64_t id = 0;
    if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
        EVP_DigestUpdate(c, list, ln + 1) == 1 && EVP_DigestUpdate(c, kname, kn + 1) == 1 &&
        EVP_DigestUpdate(c, hash, hn) == 1 && EVP_DigestFinal_ex(c, md, &mdlen) == 1) {
        uint64_t v = 0;
        for (int i = 0; i < 7; i++)
            v = v << 8 | md[i];
        id = (int64_t)(v >> 3); /* 56 bits -> 53 */
    }
    EVP_MD_CTX_free(c);
    return id;
}

void bw_content_free(bw_content *c)
{
    if (!c)
        return;
    free(c->list);
    free(c->note);
    free(c->label);
    c->list = c->note = c->label = NULL;
}

int bw_content_enabled(int64_t disable_until, int64_t now)
{
    /* python-threatexchange BankContentConfig.enabled: 0 disabled, 1
     * enabled, else enabled once the time has come */
    if (disable_until == BW_CONTENT_DISABLED)
        return 0;
    return disable_until == BW_CONTENT_ENABLED || disable_until <= now;
}

static bw_status writable(bw_store *s, const char *list, bw_error *err)
{
    if (!s || !list || !*list)
        return bw__fail(err, BW_ERR_ARG, "no store or no list");
    if (s->readonly)
        return bw__fail(err, BW_ERR_ARG, "store opened read-only");
    return BW_OK;
}

/* Whether list holds the entry (kind, bytes) live, whatever its state. */
typedef struct holds {
    const char *list;
    int yes;
} holds;

static int on_hit(void *ctx, const char *list, const bw_entry *e)
{
    holds *h = ctx;
    (void)e;
    if (!strcmp(list, h->list))
        h->yes = 1;
    return h->yes;
}

static bw_status list_holds(bw_store *s, const char *list, bw_hash_kind kind,
                            const uint8_t *bytes, int *yes, bw_error *err)
{
    holds h = {list, 0};
    bw_status r = s->be->find(s, kind, bytes, bw_hash_kind_bytes(kind), -1, on_hit, &h, err);
    *yes = h.yes;
    return r == BW_ERR_INTERRUPTED ? BW_OK : r;
}

/* The live entry of list whose id is id, found by reading its entries. */
typedef struct scan {
    const char *key;
    int64_t id;
    bw_content *out;
    int found, oom;
} scan;

static int on_entry(void *ctx, const bw_entry *e)
{
    scan *x = ctx;
    if (bw_store_content_id(x->key, e->kind, e->hash) != x->id)
        return 0;
    x->out->kind = e->kind;
    memcpy(x->out->hash, e->hash, sizeof x->out->hash);
    if (e->label && !(x->out->label = bw__strdup(e->label)))
        x->oom = 1;
    x->found = 1;
    return 1;
}

/* The content of id in list, inside the caller's transaction: its state
 * row when it has one (and its entry is live), else its entry found by a
 * scan, with no state (enabled, no note). */
static bw_status content_find(bw_store *s, const char *list, int64_t id, bw_content *out,
                              bw_error *err)
{
    int found = 0, live = 0;
    memset(out, 0, sizeof *out);
    bw_status r = s->be->content_state(s, id, out, &found, err);
    if (r != BW_OK)
        return r;
    if (found && strcmp(out->list, list) != 0) {
        bw_content_free(out);
        found = 0;
    }
    if (found) {
        if ((r = list_holds(s, list, out->kind, out->hash, &live, err)) == BW_OK && !live)
            r = bw__fail(err, BW_ERR_NOT_FOUND, "content '%lld' not found", (long long)id);
        if (r != BW_OK)
            bw_content_free(out);
        return r;
    }
    char key[256];
    if ((r = s->be->id_key(s, list, key, sizeof key, err)) != BW_OK)
        return r;
    scan x = {key, id, out, 0, 0};
    r = bw__store_each_entry(s, list, on_entry, &x, err);
    if (r == BW_ERR_INTERRUPTED && x.found)
        r = BW_OK;
    if (r == BW_OK && x.oom)
        r = bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if (r == BW_OK && !x.found)
        r = bw__fail(err, BW_ERR_NOT_FOUND, "content '%lld' not found", (long long)id);
    if (r == BW_OK) {
        out->id = id;
        out->disable_until = BW_CONTENT_ENABLED;
        if (!(out->list = bw__strdup(list)))
            r = bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    if (r != BW_OK)
        bw_content_free(out);
    return r;
}

/* Run fn(s, ctx) in one transaction of mode, committing what it did, or
 * rolling it back when it fails. */
static bw_status in_txn(bw_store *s, int mode, bw_status (*fn)(bw_store *, void *, bw_error *),
                        void *ctx, bw_error *err)
{
    bw_status r = s->be->begin(s, mode, err);
    if (r != BW_OK)
        return r;
    if ((r = fn(s, ctx, err)) == BW_OK)
        return s->be->commit(s, err);
    s->be->rollback(s);
    return r;
}

/* ---------------- reading and keeping state ---------------- */

typedef struct get_args {
    const char *list;
    int64_t id;
    bw_content *out;
} get_args;

static bw_status do_get(bw_store *s, void *ctx, bw_error *err)
{
    get_args *a = ctx;
    return content_find(s, a->list, a->id, a->out, err);
}

bw_status bw_store_content_get(bw_store *s, const char *list, int64_t id, bw_content *out,
                               bw_error *err)
{
    memset(out, 0, sizeof *out);
    if (!s || !list)
        return bw__fail(err, BW_ERR_ARG, "no store or no list");
    get_args a = {list, id, out};
    return in_txn(s, BW__STORE_READ, do_get, &a, err);
}

static bw_status do_set(bw_store *s, void *ctx, bw_error *err)
{
    return s->be->content_put(s, ctx, err);
}

bw_status bw_store_content_set(bw_store *s, const bw_content *c, bw_error *err)
{
    bw_status r = writable(s, c ? c->list : NULL, err);
    if (r != BW_OK)
        return r;
    if (!bw_hash_kind_bytes(c->kind) || c->disable_until < 0)
        return bw__fail(err, BW_ERR_ARG, "invalid content state");
    if (c->note && strlen(c->note) > 255)
        return bw__fail(err, BW_ERR_ARG, "note must be at most 255 characters");
    return in_txn(s, BW__STORE_WRITE, do_set, (void *)c, err);
}

typedef struct delete_args {
    const char *list;
    int64_t id;
    uint64_t *deleted;
} delete_args;

static bw_status do_delete(bw_store *s, void *ctx, bw_error *err)
{
    delete_args *a = ctx;
    bw_content c;
    bw_status r = content_find(s, a->list, a->id, &c, err);
    if (r == BW_ERR_NOT_FOUND) /* nothing to delete: HMA answers {"deleted": 0} */
        return BW_OK;
    if (r == BW_OK)
        r = s->be->content_drop(s, a->list, a->id, c.kind, c.hash, a->deleted, err);
    bw_content_free(&c);
    return r;
}

bw_status bw_store_content_delete(bw_store *s, const char *list, int64_t id, uint64_t *deleted,
                                  bw_error *err)
{
    *deleted = 0;
    bw_status r = writable(s, list, err);
    if (r != BW_OK)
        return r;
    delete_args a = {list, id, deleted};
    return in_txn(s, BW__STORE_WRITE, do_delete, &a, err);
}

/* ---------------- adding content, creating lists ---------------- */

typedef struct add_args {
    const char *list;
    const bw_entry *entries;
    size_t n;
    const char *note;
    int64_t *id;
    size_t *added;
} add_args;

/* A version of list written from the entries of e[0..n) marked new, live
 * in the caller's transaction: a delta, or the list's (empty) version. */
static bw_status write_version(bw_store *s, const char *list, int delta, const bw_entry *e,
                               const unsigned char *fresh, size_t n, bw_error *err)
{
    int64_t vid;
    bw_list_info info;
    memset(&info, 0, sizeof info);
    bw_status r = s->be->writer_begin(s, list, delta ? "bulwark serve /c" : NULL,
                                      (int64_t)time(NULL), delta, &vid, err);
    for (size_t i = 0; i < n && r == BW_OK; i++)
        if (fresh[i])
            r = s->be->writer_add(s, &e[i], err);
    if (r == BW_OK)
        r = s->be->writer_store(s, vid, &info.entries, info.kinds, err);
    if (r == BW_OK && !delta) /* a new list: a key of its own if a renamed one had its name */
        r = s->be->claim_key(s, list, vid, err);
    if (r == BW_OK)
        r = s->be->writer_publish(s, vid, &info, err);
    s->be->writer_end(s);
    return r;
}

static bw_status do_add(bw_store *s, void *ctx, bw_error *err)
{
    add_args *a = ctx;
    int64_t vid;
    bw_status r = s->be->list_id(s, a->list, "store: adding content", &vid, err);
    if (r == BW_OK && vid < 0)
        r = bw__fail(err, BW_ERR_NOT_FOUND, "no list named '%s'", a->list);
    unsigned char *fresh = r == BW_OK ? bw__calloc(a->n, 1) : NULL;
    if (r == BW_OK && !fresh)
        r = bw__fail(err, BW_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < a->n && r == BW_OK; i++) {
        int yes = 0;
        for (size_t k = 0; k < i && !yes; k++) /* the same hash twice in one add */
            yes = fresh[k] && a->entries[k].kind == a->entries[i].kind &&
                  !memcmp(a->entries[k].hash, a->entries[i].hash,
                          bw_hash_kind_bytes(a->entries[i].kind));
        if (!yes)
            r = list_holds(s, a->list, a->entries[i].kind, a->entries[i].hash, &yes, err);
        fresh[i] = !yes;
        *a->added += !yes;
    }
    if (r == BW_OK && *a->added)
        r = write_version(s, a->list, 1, a->entries, fresh, a->n, err);
    free(fresh);
    if (r != BW_OK)
        return r;
    char key[256];
    if ((r = s->be->id_key(s, a->list, key, sizeof key, err)) != BW_OK)
        return r;
    *a->id = bw_store_content_id(key, a->entries[0].kind, a->entries[0].hash);
    if (!a->note)
        return BW_OK;
    bw_content c, k;
    int found = 0;
    if ((r = s->be->content_state(s, *a->id, &c, &found, err)) != BW_OK)
        return r;
    memset(&k, 0, sizeof k);
    k.id = *a->id;
    k.list = (char *)a->list;
    k.kind = a->entries[0].kind;
    memcpy(k.hash, a->entries[0].hash, sizeof k.hash);
    k.disable_until = found ? c.disable_until : BW_CONTENT_ENABLED;
    k.note = (char *)a->note;
    if (found)
        bw_content_free(&c);
    return s->be->content_put(s, &k, err);
}

bw_status bw_store_content_add(bw_store *s, const char *list, const bw_entry *entries, size_t n,
                               const char *note, int64_t *id, size_t *added, bw_error *err)
{
    *id = 0;
    *added = 0;
    bw_status r = writable(s, list, err);
    if (r != BW_OK)
        return r;
    if (!entries || n == 0)
        return bw__fail(err, BW_ERR_ARG, "no content to add");
    for (size_t i = 0; i < n; i++)
        if (!bw_hash_kind_bytes(entries[i].kind))
            return bw__fail(err, BW_ERR_ARG, "invalid hash kind");
    if (note && strlen(note) > 255)
        return bw__fail(err, BW_ERR_ARG, "note must be at most 255 characters");
    add_args a = {list, entries, n, note, id, added};
    return in_txn(s, BW__STORE_WRITE, do_add, &a, err);
}

typedef struct list_args {
    const char *list;
    double ratio;
    int create;
} list_args;

static bw_status do_list(bw_store *s, void *ctx, bw_error *err)
{
    list_args *a = ctx;
    int64_t vid;
    bw_status r = s->be->list_id(s, a->list, "store: creating list", &vid, err);
    if (r != BW_OK)
        return r;
    if (a->create && vid >= 0)
        return bw__fail(err, BW_ERR_EXISTS, "a list named '%s' exists", a->list);
    if (!a->create && vid < 0)
        return bw__fail(err, BW_ERR_NOT_FOUND, "no list named '%s'", a->list);
    if (a->create && (r = write_version(s, a->list, 0, NULL, NULL, 0, err)) != BW_OK)
        return r;
    if (a->create && a->ratio == 1.0) /* the default: no row needed */
        return BW_OK;
    return s->be->ratio_put(s, a->list, a->ratio, err);
}

static bw_status list_op(bw_store *s, const char *list, double ratio, int create, bw_error *err)
{
    bw_status r = writable(s, list, err);
    if (r != BW_OK)
        return r;
    if (create && (strlen(list) > 200 || !bw_text_printable(list, strlen(list))))
        return bw__fail(err, BW_ERR_ARG,
                        "a list name is printable UTF-8 without control characters, at most 200 "
                        "bytes");
    if (!(ratio >= 0.0 && ratio <= 1.0))
        return bw__fail(err, BW_ERR_ARG, "enabled_ratio must be between 0 and 1");
    list_args a = {list, ratio, create};
    return in_txn(s, BW__STORE_WRITE, do_list, &a, err);
}

bw_status bw_store_list_create(bw_store *s, const char *list, double enabled_ratio, bw_error *err)
{
    return list_op(s, list, enabled_ratio, 1, err);
}

bw_status bw_store_list_set_ratio(bw_store *s, const char *list, double enabled_ratio,
                                  bw_error *err)
{
    return list_op(s, list, enabled_ratio, 0, err);
}

typedef struct rename_args {
    const char *from, *to;
} rename_args;

static bw_status do_rename(bw_store *s, void *ctx, bw_error *err)
{
    rename_args *a = ctx;
    int64_t id;
    bw_status r = s->be->list_id(s, a->from, "store: renaming list", &id, err);
    if (r == BW_OK && id < 0)
        r = bw__fail(err, BW_ERR_NOT_FOUND, "no list named '%s'", a->from);
    if (r == BW_OK && (r = s->be->list_id(s, a->to, "store: renaming list", &id, err)) == BW_OK &&
        id >= 0)
        r = bw__fail(err, BW_ERR_EXISTS, "a list named '%s' exists", a->to);
    return r == BW_OK ? s->be->rename(s, a->from, a->to, err) : r;
}

bw_status bw_store_list_rename(bw_store *s, const char *from, const char *to, bw_error *err)
{
    bw_status r = writable(s, from, err);
    if (r != BW_OK)
        return r;
    if (!to || !*to || strlen(to) > 200 || !bw_text_printable(to, strlen(to)))
        return bw__fail(err, BW_ERR_ARG,
                        "a list name is printable UTF-8 without control characters, at most 200 "
                        "bytes");
    if (!strcmp(from, to))
        return BW_OK;
    rename_args a = {from, to};
    return in_txn(s, BW__STORE_WRITE, do_rename, &a, err);
}
