/* url.c -- the routes that hash a URL: HMA's GET /h/hash?url= and GET
 * /m/lookup?url= (blueprints/hashing.py hash_media, hash_url_content;
 * matching.py lookup_get). The URL is fetched by the library (bw_fetch)
 * under the policy of --fetch-allow, --fetch-private, --fetch-max-size
 * and --fetch-timeout, into memory only; its bytes are then hashed as
 * POST /h/hash hashes an upload (srv_content_signal), the content type
 * from content_type= or the response's Content-Type, the signal types
 * restricted by types=. Without --fetch-allow, 403 as HMA answers when it
 * may not hash. Statuses as HMA's: 400 for a URL refused ("Invalid or
 * unsafe URL provided") or a fetch that failed ("Failed to fetch URL"),
 * 413 for one over the size cap ("Content too large"), each followed by
 * the library's sentence naming the URL and the reason. */
#include <stdio.h>
#include <string.h>
#include "server.h"

/* A failed fetch's reply. */
static void reply_fetch_error(srv_reply *rp, bw_status st, const bw_error *err)
{
    const char *why = bw_error_message(err);
    if (st == BW_ERR_NOMEM)
        srv_reply_error(rp, 503, "out of memory");
    else if (st == BW_ERR_LIMIT)
        srv_reply_error(rp, 413, "Content too large: %s", why);
    else if (st == BW_ERR_ARG)
        srv_reply_error(rp, 400, "Invalid or unsafe URL provided: %s", why);
    else
        srv_reply_error(rp, 400, "Failed to fetch URL: %s", why);
}

int srv_url_signal(srv_service *svc, const srv_request *rq, const char *url,
                      bw_hma_signal *sig, srv_reply *rp)
{
    const char *hint = srv_param_get(rq->target, "content_type");
    bw_hma_content content;
    bw_fetched f;
    bw_error err;
    bw_status st;
    if (svc->cfg->fetch.nallow == 0) {
        srv_reply_error(rp, 403, "Hashing a URL is disabled on this server");
        return -1;
    }
    /* a bad hint is refused before fetching (HMA finds it after) */
    if (hint && *hint && bw_hma_content_type(hint, &content, &err) != BW_OK) {
        srv_reply_error(rp, 400, "%s", bw_error_message(&err));
        return -1;
    }
    if ((st = bw_fetch(&svc->cfg->fetch, url, &f, &err)) != BW_OK) {
        reply_fetch_error(rp, st, &err);
        return -1;
    }
    int rc = -1;
    if (bw_hma_url_content(hint, f.content_type, &content, &err) != BW_OK)
        srv_reply_error(rp, 400, "%s", bw_error_message(&err));
    else
        rc = srv_content_signal(content, (const char *)f.data, f.len,
                                srv_param_get(rq->target, "types"), sig, rp);
    bw_fetched_free(&f);
    return rc;
}

static void reply_json_free(srv_reply *rp, int status, bw_json *j)
{
    srv_reply_json(rp, status, j);
    bw_json_free(j);
}

/* GET /h/hash?url=: HashResponse, as POST /h/hash; without url, HMA's
 * validation error (HashRequest: url is required). */
void srv_h_hash_get(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    const char *url = srv_param_get(rq->target, "url");
    bw_hma_signal sig;
    bw_json j;
    if (!url) {
        srv_reply_error(rp, 422, "url: Field required");
        return;
    }
    if (srv_url_signal(svc, rq, url, &sig, rp) != 0)
        return;
    bw_json_init(&j);
    bw_hma_hash_json(&j, &sig);
    reply_json_free(rp, 200, &j);
}

/* GET /m/lookup?url=: keyed by signal type as POST /m/lookup answers;
 * with signal_type= as well, only that type's banks (lookup_get elides
 * the outer object: {} when the URL was not hashed with that type). */
void srv_lookup_url(srv_service *svc, const srv_request *rq, const char *url, srv_reply *rp)
{
    const char *banks = srv_param_get(rq->target, "banks");
    const char *only = srv_param_get(rq->target, "signal_type");
    char hex[2 * BW_HASH_MAX_BYTES + 1];
    bw_hma_signal sig;
    bw_matches ms = {0}, none = {0};
    bw_json j;
    if (srv_url_signal(svc, rq, url, &sig, rp) != 0)
        return;
    bw_hex_encode(sig.bytes, bw_hash_kind_bytes(sig.kind), hex);
    if (srv_lookup_signal(svc, sig.type, hex, rp, &ms) != 0)
        return;
    srv_metrics_matches(svc, &ms, banks);
    bw_json_init(&j);
    if (only)
        bw_hma_lookup_json(&j, strcmp(only, sig.type) == 0 ? &ms : &none, banks);
    else
        bw_hma_lookup_upload_json(&j, &sig, &ms, banks);
    bw_matches_free(&ms);
    reply_json_free(rp, 200, &j);
}
