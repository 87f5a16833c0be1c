/* writer.c -- writing one version of a list atomically (store.h), the
 * same for every backend.
 *
 * bw_store_list_begin() opens one write transaction in which the backend
 * creates a version of the list that is not live yet and a scratch table;
 * entries stream into the scratch table (bw_list_writer_add). At commit
 * the backend moves them into the version, each (kind, hash) once, and
 * says how many it kept: the rest of what was added are the duplicates.
 * Then the previous live version of the name is dropped, the new one goes
 * live with its counts, and the transaction commits. Until that commit
 * nothing is visible; a crash or kill -9 before it rolls back. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bulwark/text.h"
#include "core/internal.h"
#include "store/store_internal.h"

struct bw_list_writer {
    bw_store *s;
    char *name;
    int64_t id;
    uint64_t added, skipped;
};

bw_status bw_store_list_begin(bw_store *s, const char *name, const char *source,
                              bw_list_writer **out, bw_error *err)
{
    bw_status r;
    *out = NULL;
    if (!s || !name || !*name)
        return bw__fail(err, BW_ERR_ARG, "a list needs a name");
    if (strlen(name) > 200)
        return bw__fail(err, BW_ERR_ARG, "list name too long (max 200 bytes)");
    if (!bw_text_printable(name, strlen(name)))
        return bw__fail(err, BW_ERR_ARG,
                        "a list name is printable UTF-8 without control characters");
    if (s->readonly)
        return bw__fail(err, BW_ERR_ARG, "store opened read-only");
    bw_list_writer *w = bw__calloc(1, sizeof *w);
    if (!w)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    w->s = s;
    if (!(w->name = bw__strdup(name))) {
        free(w);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    if ((r = s->be->begin(s, BW__STORE_WRITE, err)) != BW_OK) {
        free(w->name);
        free(w);
        return r;
    }
    if ((r = s->be->writer_begin(s, name, source, (int64_t)time(NULL), 0, &w->id, err)) != BW_OK) {
        bw_list_writer_abort(w);
        return r;
    }
    *out = w;
    return BW_OK;
}

bw_status bw_list_writer_add(bw_list_writer *w, const bw_entry *e, bw_error *err)
{
    if (!bw_hash_kind_bytes(e->kind))
        return bw__fail(err, BW_ERR_ARG, "invalid hash kind");
    bw_status r = w->s->be->writer_add(w->s, e, err);
    if (r == BW_OK)
        w->added++;
    return r;
}

void bw_list_writer_set_skipped(bw_list_writer *w, uint64_t skipped)
{
    if (w)
        w->skipped = skipped;
}

bw_status bw_list_writer_commit(bw_list_writer *w, bw_list_info *info, bw_error *err)
{
    bw_store *s = w->s;
    bw_list_info c;
    memset(&c, 0, sizeof c);
    int64_t live = -1;
    bw_status r = s->be->writer_store(s, w->id, &c.entries, c.kinds, err);
    /* a new list: a key of its own if a renamed one had its name (store.h) */
    if (r == BW_OK && (r = s->be->list_id(s, w->name, "store: writing list", &live, err)) == BW_OK &&
        live < 0)
        r = s->be->claim_key(s, w->name, w->id, err);
    if (r == BW_OK) {
        c.duplicates = w->added - c.entries;
        c.skipped = w->skipped;
        r = s->be->writer_publish(s, w->id, &c, err);
    }
    if (r == BW_OK)
        r = s->be->commit(s, err);
    if (r != BW_OK) {
        bw_list_writer_abort(w);
        return r;
    }
    s->be->writer_end(s);
    if (info)
        *info = c; /* name and source NULL: the caller has them */
    free(w->name);
    free(w);
    return BW_OK;
}

void bw_list_writer_abort(bw_list_writer *w)
{
    if (!w)
        return;
    w->s->be->writer_end(w->s);
    w->s->be->rollback(w->s);
    free(w->name);
    free(w);
}
