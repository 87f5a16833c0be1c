/* curate.c -- HMA's curation writes (blueprints/curation.py): banks made,
 * changed and removed, content added from signals or an upload, read,
 * disabled until a time and deleted. Each request opens a connection of
 * its own to the store (curation is rare beside lookups, and a connection
 * per request needs no lock), writes through the library (store.h), and
 * then refreshes the matcher so that this process matches what it wrote at
 * once; other processes and nodes follow at the commit on PostgreSQL's
 * change feed (serve.c's refresher), else within its 500 ms.
 * Every body is the library's (hma.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "multipart.h"
#include "server.h"

static void reply_json_free(srv_reply *rp, int status, bw_json *j)
{
    srv_reply_json(rp, status, j);
    bw_json_free(j);
}

/* A connection to the store for one request, or NULL after the reply. */
static bw_store *store_open(srv_service *svc, srv_reply *rp)
{
    bw_store *s = NULL;
    bw_error err;
    if (!svc->cfg->db || bw_store_open(&s, svc->cfg->db, BW_STORE_MUST_EXIST, &err) != BW_OK) {
        srv_reply_error(rp, 503, "the store cannot be opened now");
        rp->retry_after = 1;
        return NULL;
    }
    return s;
}

/* What this process wrote, matched from the next request on. */
static void written(srv_service *svc)
{
    bw_matcher *m = atomic_load(&svc->matcher);
    bw_error err;
    if (m)
        (void)bw_matcher_refresh(m, NULL, &err); /* else the refresher's next turn */
}

/* A failed library call: 400 for what the caller gave, 503 for memory,
 * else 500 with its message. */
static void reply_status(srv_reply *rp, bw_status st, const bw_error *err)
{
    int code = st == BW_ERR_ARG || st == BW_ERR_LIMIT ? 400 : st == BW_ERR_NOMEM ? 503 : 500;
    srv_reply_error(rp, code, "%s", bw_error_message(err));
}

/* The bank rq->name as the store has it, or -1 after the 404 (curation.py:
 * "bank 'NAME' not found"). */
static int bank_get(bw_store *s, const srv_request *rq, bw_list_info **bank, srv_reply *rp)
{
    bw_error err;
    bw_status st = bw_store_list_get(s, rq->name, bank, &err);
    if (st == BW_ERR_NOT_FOUND)
        srv_reply_error(rp, 404, "bank '%.200s' not found", rq->name);
    else if (st != BW_OK)
        reply_status(rp, st, &err);
    return st == BW_OK ? 0 : -1;
}

static void bank_reply(srv_reply *rp, int status, bw_store *s, const char *name)
{
    bw_list_info *bank;
    bw_error err;
    bw_json j;
    bw_status st = bw_store_list_get(s, name, &bank, &err);
    if (st != BW_OK) {
        reply_status(rp, st, &err);
        return;
    }
    bw_json_init(&j);
    bw_hma_bank_json(&j, bank);
    bw_list_infos_free(bank, 1);
    reply_json_free(rp, status, &j);
}

/* ---------------- banks ---------------- */

/* POST /c/banks: 201 with the bank; 400 a bad name; 403 one that is
 * there (curation.py bank_create). */
void srv_h_bank_create(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    bw_hma_bank_request b;
    bw_error err;
    bw_status st = bw_hma_parse_bank_request(rq->body, rq->body_len, &b, &err);
    if (st != BW_OK) {
        reply_status(rp, st, &err);
        return;
    }
    if (!b.has_name) {
        srv_reply_error(rp, 422, "name: Field required");
        return;
    }
    if (!bw_hma_bank_name_ok(b.name)) {
        srv_reply_error(rp, 400, "Bank names must be UPPER_WITH_UNDERSCORE");
        return;
    }
    bw_store *s = store_open(svc, rp);
    if (!s)
        return;
    st = bw_store_list_create(s, b.name, b.has_ratio ? b.ratio : 1.0, &err);
    if (st == BW_ERR_EXISTS)
        srv_reply_error(rp, 403, "Bank already exists");
    else if (st != BW_OK)
        reply_status(rp, st, &err);
    else {
        written(svc);
        bank_reply(rp, 201, s, b.name);
    }
    bw_store_close(s);
}

/* PUT /c/bank/NAME: a new name (its content ids kept: store.h), the ratio
 * from enabled_ratio or enabled; 400 a bad name, 403 one taken
 * (curation.py bank_update). */
void srv_h_bank_update(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    bw_hma_bank_request b;
    bw_list_info *bank;
    bw_error err;
    bw_status st = bw_hma_parse_bank_request(rq->body, rq->body_len, &b, &err);
    if (st != BW_OK) {
        reply_status(rp, st, &err);
        return;
    }
    if (b.has_name && !bw_hma_bank_name_ok(b.name)) {
        srv_reply_error(rp, 400, "Bank names must be UPPER_WITH_UNDERSCORE");
        return;
    }
    bw_store *s = store_open(svc, rp);
    if (!s)
        return;
    const char *name = b.has_name ? b.name : rq->name;
    if (bank_get(s, rq, &bank, rp) == 0) {
        bw_list_infos_free(bank, 1);
        if (b.has_name && (st = bw_store_list_rename(s, rq->name, b.name, &err)) != BW_OK) {
            if (st == BW_ERR_EXISTS)
                srv_reply_error(rp, 403, "Bank name already exists");
            else
                reply_status(rp, st, &err);
        } else if (b.has_ratio &&
                   (st = bw_store_list_set_ratio(s, name, b.ratio, &err)) != BW_OK)
            reply_status(rp, st, &err);
        else {
            written(svc);
            bank_reply(rp, 200, s, name);
        }
    }
    bw_store_close(s);
}

/* DELETE /c/bank/NAME: {"message": "Done"}, whether it was there or not
 * (curation.py bank_delete). */
void srv_h_bank_delete(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    bw_error err;
    bw_store *s = store_open(svc, rp);
    if (!s)
        return;
    bw_status st = bw_store_list_remove(s, rq->name, &err);
    if (st != BW_OK && st != BW_ERR_NOT_FOUND)
        reply_status(rp, st, &err);
    else {
        written(svc);
        srv_reply_error(rp, 200, "Done");
    }
    bw_store_close(s);
}

/* ---------------- adding content ---------------- */

/* Add the signals to the bank: {"id", "signals"}. */
static void add_signals(srv_service *svc, const srv_request *rq, const bw_hma_signal *v, size_t n,
                        const char *note, srv_reply *rp)
{
    bw_entry e[BW_HMA_MAX_SIGNALS];
    bw_list_info *bank;
    bw_error err;
    int64_t id = 0;
    size_t added = 0;
    bw_json j;
    bw_store *s = store_open(svc, rp);
    if (!s)
        return;
    if (bank_get(s, rq, &bank, rp) != 0) {
        bw_store_close(s);
        return;
    }
    bw_list_infos_free(bank, 1);
    memset(e, 0, sizeof e);
    for (size_t i = 0; i < n && i < BW_HMA_MAX_SIGNALS; i++) {
        e[i].kind = v[i].kind;
        memcpy(e[i].hash, v[i].bytes, sizeof e[i].hash);
        e[i].added_at = (int64_t)time(NULL);
    }
    bw_status st = bw_store_content_add(s, rq->name, e, n, note, &id, &added, &err);
    bw_store_close(s);
    if (st == BW_ERR_NOT_FOUND) {
        srv_reply_error(rp, 404, "bank '%.200s' not found", rq->name);
        return;
    }
    if (st != BW_OK) {
        reply_status(rp, st, &err);
        return;
    }
    written(svc);
    bw_json_init(&j);
    bw_hma_content_added_json(&j, id, v, n);
    reply_json_free(rp, 200, &j);
}

/* POST /c/bank/NAME/signal: {"pdq": "HEX", ..., "note"?}. */
void srv_h_bank_signal(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    bw_hma_signals sig;
    bw_error err;
    bw_status st = bw_hma_parse_signals(rq->body, rq->body_len, &sig, &err);
    if (st != BW_OK) {
        reply_status(rp, st, &err);
        return;
    }
    add_signals(svc, rq, sig.v, sig.n, sig.has_note ? sig.note : NULL, rp);
}

/* POST /c/bank/NAME/content: ?url= (fetched as GET /h/hash?url= fetches,
 * url.c), or a multipart upload (field photo or video, as POST /h/hash),
 * with an optional "note" field (curation.py bank_add_content). */
void srv_h_bank_content_add(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    bw_hma_signal sig;
    char note[BW_HMA_NOTE_MAX + 1] = "";
    mp_form f;
    const char *why;
    const char *url = srv_param_get(rq->target, "url");
    bw_error err;
    if (rq->content_type && !strncasecmp(rq->content_type, "application/json", 16) &&
        bw_hma_check_content_metadata(rq->body, rq->body_len, &err) != BW_OK) {
        reply_status(rp, err.status, &err); /* HMA checks it, then keeps none of it */
        return;
    }
    if (url ? srv_url_signal(svc, rq, url, &sig, rp) != 0 : srv_upload_signal(rq, &sig, rp) != 0)
        return;
    if (mp_is_form(rq->content_type) &&
        mp_parse(rq->content_type, rq->body, rq->body_len, &f, &why) == 0)
        for (size_t i = 0; i < f.n; i++)
            if (!f.parts[i].has_filename && !strcmp(f.parts[i].name, "note")) {
                if (f.parts[i].len > BW_HMA_NOTE_MAX) {
                    srv_reply_error(rp, 400, "note must be at most 255 characters");
                    return;
                }
                memcpy(note, f.parts[i].data, f.parts[i].len);
                note[f.parts[i].len] = '\0';
            }
    add_signals(svc, rq, &sig, 1, note[0] ? note : NULL, rp);
}

/* ---------------- one piece of content ---------------- */

/* The ID segment of /c/bank/NAME/content/ID (Flask's int converter: digits
 * only, else 404). */
static int content_id(const srv_request *rq, int64_t *id, srv_reply *rp)
{
    const char *p = strrchr(rq->target->path, '/');
    char *end;
    p = p ? p + 1 : "";
    long long v = *p >= '0' && *p <= '9' && strlen(p) <= 18 ? strtoll(p, &end, 10) : -1;
    if (v < 0 || *end) {
        srv_reply_error(rp, 404, "The requested URL was not found on the server.");
        return -1;
    }
    *id = v;
    return 0;
}

/* The bank and the content of a request, or -1 after the 404. */
static int content_get(bw_store *s, const srv_request *rq, bw_list_info **bank, bw_content *c,
                       srv_reply *rp)
{
    bw_error err;
    int64_t id;
    if (content_id(rq, &id, rp) != 0 || bank_get(s, rq, bank, rp) != 0)
        return -1;
    bw_status st = bw_store_content_get(s, rq->name, id, c, &err);
    if (st == BW_OK)
        return 0;
    bw_list_infos_free(*bank, 1);
    if (st == BW_ERR_NOT_FOUND)
        srv_reply_error(rp, 404, "content '%lld' not found", (long long)id);
    else
        reply_status(rp, st, &err);
    return -1;
}

void srv_h_content_get(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    bw_list_info *bank;
    bw_content c;
    bw_json j;
    const char *sig = srv_param_get(rq->target, "include_signals");
    bw_store *s = store_open(svc, rp);
    if (!s)
        return;
    if (content_get(s, rq, &bank, &c, rp) == 0) {
        bw_json_init(&j);
        bw_hma_content_json(&j, &c, bank, sig && !strcasecmp(sig, "true"));
        reply_json_free(rp, 200, &j);
        bw_content_free(&c);
        bw_list_infos_free(bank, 1);
    }
    bw_store_close(s);
}

/* PUT /c/bank/NAME/content/ID {"disable_until_ts"?, "note"?}: the content
 * as it is now, matched (or not) from the next lookup. */
void srv_h_content_update(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    bw_hma_content_update u;
    bw_list_info *bank;
    bw_content c;
    bw_error err;
    bw_json j;
    bw_status st = bw_hma_parse_content_update(rq->body, rq->body_len, (int64_t)time(NULL), &u,
                                               &err);
    if (st != BW_OK) {
        reply_status(rp, st, &err);
        return;
    }
    bw_store *s = store_open(svc, rp);
    if (!s)
        return;
    if (content_get(s, rq, &bank, &c, rp) == 0) {
        if (u.has_until)
            c.disable_until = u.disable_until_ts;
        if (u.has_note) {
            free(c.note);
            c.note = u.note[0] ? strdup(u.note) : NULL;
        }
        if ((st = bw_store_content_set(s, &c, &err)) != BW_OK)
            reply_status(rp, st, &err);
        else {
            written(svc);
            bw_json_init(&j);
            bw_hma_content_config_json(&j, &c, bank);
            reply_json_free(rp, 200, &j);
        }
        bw_content_free(&c);
        bw_list_infos_free(bank, 1);
    }
    bw_store_close(s);
}

/* DELETE /c/bank/NAME/content/ID: {"deleted": n}. */
void srv_h_content_delete(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    bw_list_info *bank;
    bw_error err;
    bw_json j;
    int64_t id;
    uint64_t n = 0;
    if (content_id(rq, &id, rp) != 0)
        return;
    bw_store *s = store_open(svc, rp);
    if (!s)
        return;
    if (bank_get(s, rq, &bank, rp) == 0) {
        bw_list_infos_free(bank, 1);
        bw_status st = bw_store_content_delete(s, rq->name, id, &n, &err);
        if (st != BW_OK)
            reply_status(rp, st, &err);
        else {
            written(svc);
            bw_json_init(&j);
            bw_hma_deleted_json(&j, n);
            reply_json_free(rp, 200, &j);
        }
    }
    bw_store_close(s);
}
