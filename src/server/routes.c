/* routes.c -- the route table of `bulwark serve` and one handler per
 * route. A handler reads the request's parameters, calls the library
 * (match.h for lookups, hma.h for HMA's bodies, lists.h and prompt.h for
 * bulwark's own) and fills the reply; every body is the library's JSON.
 * HMA's routes keep HMA 1.1.7's paths, parameters, status codes and
 * messages (blueprints/matching.py, curation.py, app.py; docs/serve.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "router.h"
#include "server.h"

/* The matcher, or NULL after answering 503 as HMA does before its index
 * is loaded (blueprints/matching.py query_index: "index not yet ready"). */
static bw_matcher *ready(srv_service *svc, srv_reply *rp)
{
    bw_matcher *m = atomic_load(&svc->matcher);
    if (!m) {
        srv_reply_error(rp, 503, "index not yet ready");
        rp->retry_after = 1;
    }
    return m;
}

/* A JSON body from the writer, then the writer freed. */
static void reply_json_free(srv_reply *rp, int status, bw_json *j)
{
    srv_reply_json(rp, status, j);
    bw_json_free(j);
}

/* A failed library call: 500 with its message. */
static void reply_failure(srv_reply *rp, const bw_error *err)
{
    srv_reply_error(rp, 500, "%s", bw_error_message(err));
}

/* ---------------- status (app.py) ---------------- */

static void h_status(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    (void)rq;
    if (!atomic_load(&svc->matcher))
        srv_reply_text(rp, 503, "INDEX-NOT-LOADED");
    else if (srv_index_stale(svc))
        srv_reply_text(rp, 503, "INDEX-STALE");
    else
        srv_reply_text(rp, 200, "I-AM-ALIVE");
}

static void h_status_live(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    (void)svc, (void)rq;
    srv_reply_text(rp, 200, "I-AM-ALIVE");
}

static void h_site_map(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    const char *sites[64];
    size_t n = 0;
    bw_json j;
    (void)rq;
    for (size_t i = 0; i < svc->nroutes && n < 64; i++)
        sites[n++] = svc->routes[i].site;
    bw_json_init(&j);
    bw_hma_site_map_json(&j, sites, n);
    reply_json_free(rp, 200, &j);
}

/* ---------------- matching (blueprints/matching.py) ---------------- */

/* A boolean query value as pydantic reads one; -1 if it is none. */
static int parse_bool(const char *v)
{
    static const char *const yes[] = {"1", "on", "t", "true", "y", "yes"};
    static const char *const no[] = {"0", "off", "f", "false", "n", "no"};
    for (size_t i = 0; i < 6; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
        if (strcasecmp(v, no[i]) == 0)
            return 0;
    }
    return -1;
}

/* Look up the request's signal_type and signal (query_index): 0 with the
 * matches, or -1 after the error reply. */
int srv_lookup_signal(srv_service *svc, const char *type, const char *signal, srv_reply *rp,
                      bw_matches *ms)
{
    bw_error err;
    bw_hash_kind kind;
    uint8_t bytes[BW_HASH_MAX_BYTES];
    if (bw_hma_signal_type(type, &kind, &err) != BW_OK ||
        bw_hma_parse_signal(kind, signal, bytes, &err) != BW_OK) {
        srv_reply_error(rp, 400, "%s", bw_error_message(&err));
        return -1;
    }
    bw_matcher *m = ready(svc, rp);
    if (!m)
        return -1;
    bw_status st;
    if (kind == BW_HASH_PDQ) {
        bw_pdq q;
        bw_pdq_unpack(bytes, &q);
        st = bw_matcher_pdq(m, &q, NULL, BW_PDQ_DEFAULT_MAX_DISTANCE, ms, &err);
    } else {
        st = bw_matcher_exact(m, kind, bytes, ms, &err);
    }
    if (st != BW_OK) {
        bw_matches_free(ms);
        reply_failure(rp, &err);
        return -1;
    }
    return 0;
}

/* A required query field, or NULL after HMA's (pydantic's) 422. */
static const char *required(const srv_request *rq, const char *key, srv_reply *rp)
{
    const char *v = srv_param_get(rq->target, key);
    if (!v)
        srv_reply_error(rp, 422, "%s: Field required", key);
    return v;
}

static void h_raw_lookup(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    const char *signal, *type, *dist = srv_param_get(rq->target, "include_distance");
    int with_distance = dist ? parse_bool(dist) : 0;
    bw_matches ms = {0};
    bw_json j;
    if (!(signal = required(rq, "signal", rp)) || !(type = required(rq, "signal_type", rp)))
        return;
    if (with_distance < 0) {
        srv_reply_error(rp, 422, "include_distance: Input should be a valid boolean");
        return;
    }
    if (srv_lookup_signal(svc, type, signal, rp, &ms) != 0)
        return;
    srv_metrics_matches(svc, &ms, srv_param_get(rq->target, "banks"));
    bw_json_init(&j);
    bw_hma_raw_lookup_json(&j, &ms, srv_param_get(rq->target, "banks"), with_distance);
    bw_matches_free(&ms);
    reply_json_free(rp, 200, &j);
}

static void h_lookup(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    const char *signal = srv_param_get(rq->target, "signal");
    const char *type = srv_param_get(rq->target, "signal_type");
    bw_matches ms = {0};
    bw_json j;
    const char *url = srv_param_get(rq->target, "url");
    if (url && *url) { /* HMA's lookup by URL: fetched, hashed, looked up (url.c) */
        srv_lookup_url(svc, rq, url, rp);
        return;
    }
    if (!signal || !type || !*signal || !*type) {
        srv_reply_error(rp, 400, "Either url or both signal and signal_type are required");
        return;
    }
    if (srv_lookup_signal(svc, type, signal, rp, &ms) != 0)
        return;
    srv_metrics_matches(svc, &ms, srv_param_get(rq->target, "banks"));
    bw_json_init(&j);
    bw_hma_lookup_json(&j, &ms, srv_param_get(rq->target, "banks"));
    bw_matches_free(&ms);
    reply_json_free(rp, 200, &j);
}

/* The newest import time of the lists, -1 when there are none. */
static int64_t newest_import(bw_list_info *lists, size_t n)
{
    int64_t t = -1;
    for (size_t i = 0; i < n; i++)
        if (lists[i].imported_at > t)
            t = lists[i].imported_at;
    return t;
}

static void h_index_status(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    const char *only = srv_param_get(rq->target, "signal_type");
    bw_hash_kind kind;
    bw_list_info *lists = NULL;
    size_t n = 0;
    bw_error err;
    bw_json j;
    if (only && bw_hma_signal_type(only, &kind, NULL) != BW_OK) {
        srv_reply_error(rp, 400, "No such signal type '%.100s'", only);
        return;
    }
    bw_matcher *m = atomic_load(&svc->matcher);
    if (m && bw_matcher_lists(m, &lists, &n, &err) != BW_OK) {
        reply_failure(rp, &err);
        return;
    }
    bw_json_init(&j);
    bw_hma_index_status_json(&j, m, newest_import(lists, n), only);
    bw_list_infos_free(lists, n);
    reply_json_free(rp, 200, &j);
}

/* POST /m/compare: the distance of each pair (matching.py compare). */
static void h_compare(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    bw_json j;
    bw_error err;
    (void)svc;
    bw_json_init(&j);
    bw_status st = bw_hma_compare_json(&j, rq->body, rq->body_len, &err);
    if (st == BW_OK)
        srv_reply_json(rp, 200, &j);
    else
        srv_reply_error(rp, st == BW_ERR_NOMEM ? 503 : 400, "%s", bw_error_message(&err));
    bw_json_free(&j);
}

/* ---------------- banks (blueprints/curation.py) ---------------- */

/* A handler's answer from the store's lists as they are now. */
typedef void (*lists_fn)(const srv_request *rq, srv_reply *rp, const bw_list_info *lists,
                         size_t n);

static void with_lists(srv_service *svc, const srv_request *rq, srv_reply *rp, lists_fn fn)
{
    bw_list_info *lists = NULL;
    size_t n = 0;
    bw_error err;
    bw_matcher *m = ready(svc, rp);
    if (!m)
        return;
    if (bw_matcher_lists(m, &lists, &n, &err) != BW_OK) {
        reply_failure(rp, &err);
        return;
    }
    fn(rq, rp, lists, n);
    bw_list_infos_free(lists, n);
}

static void banks_body(const srv_request *rq, srv_reply *rp, const bw_list_info *lists, size_t n)
{
    bw_json j;
    (void)rq;
    bw_json_init(&j);
    bw_hma_banks_json(&j, lists, n);
    reply_json_free(rp, 200, &j);
}

static void bank_body(const srv_request *rq, srv_reply *rp, const bw_list_info *lists, size_t n)
{
    bw_json j;
    for (size_t i = 0; i < n; i++)
        if (strcmp(lists[i].name, rq->name) == 0) {
            bw_json_init(&j);
            bw_hma_bank_json(&j, &lists[i]);
            reply_json_free(rp, 200, &j);
            return;
        }
    srv_reply_error(rp, 404, "bank '%.200s' not found", rq->name);
}

static void h_banks(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    with_lists(svc, rq, rp, banks_body);
}

static void h_bank(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    with_lists(svc, rq, rp, bank_body);
}

/* ---------------- bulwark's own (/v1) ---------------- */

/* The one hash parameter of /v1/lookup: its kind and bytes, or -1 after
 * the error reply. */
static int v1_query(const srv_request *rq, srv_reply *rp, const char **hex, bw_hash_kind *kind,
                    uint8_t *bytes)
{
    static const char *const keys[] = {"pdq", "md5", "sha1", "sha256"};
    static const bw_hash_kind kinds[] = {BW_HASH_PDQ, BW_HASH_MD5, BW_HASH_SHA1, BW_HASH_SHA256};
    int found = 0;
    for (size_t i = 0; i < 4; i++) {
        const char *v = srv_param_get(rq->target, keys[i]);
        if (v && found++ == 0) {
            *hex = v;
            *kind = kinds[i];
        }
    }
    if (found != 1) {
        srv_reply_error(rp, 400, "give exactly one of pdq=, md5=, sha1= or sha256= (hex)");
        return -1;
    }
    size_t nb = bw_hash_kind_bytes(*kind);
    if (strlen(*hex) != 2 * nb || bw_hex_decode(*hex, 2 * nb, bytes, nb) != BW_OK) {
        srv_reply_error(rp, 400, "%s: expected %zu hex digits", bw_hash_kind_name(*kind), 2 * nb);
        return -1;
    }
    return 0;
}

/* max_distance: 0..256, default 31; -1 after the error reply. */
static int v1_distance(const srv_request *rq, srv_reply *rp)
{
    const char *v = srv_param_get(rq->target, "max_distance");
    char *end;
    if (!v)
        return BW_PDQ_DEFAULT_MAX_DISTANCE;
    long d = strtol(v, &end, 10);
    if (!*v || *end || d < 0 || d > 256) {
        srv_reply_error(rp, 400, "max_distance takes a number from 0 to 256");
        return -1;
    }
    return (int)d;
}

static void h_v1_lookup(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    const char *hex = NULL;
    bw_hash_kind kind = BW_HASH_PDQ;
    uint8_t bytes[BW_HASH_MAX_BYTES];
    bw_matches ms = {0};
    bw_error err;
    bw_status st;
    bw_json j;
    int dist;
    if (v1_query(rq, rp, &hex, &kind, bytes) != 0 || (dist = v1_distance(rq, rp)) < 0)
        return;
    bw_matcher *m = ready(svc, rp);
    if (!m)
        return;
    if (kind == BW_HASH_PDQ) {
        bw_pdq q;
        bw_pdq_unpack(bytes, &q);
        st = bw_matcher_pdq(m, &q, NULL, dist, &ms, &err);
    } else {
        st = bw_matcher_exact(m, kind, bytes, &ms, &err);
    }
    if (st != BW_OK) {
        bw_matches_free(&ms);
        reply_failure(rp, &err);
        return;
    }
    srv_metrics_matches(svc, &ms, NULL);
    bw_json_init(&j); /* as `match --json HEX` answers it */
    bw_match_answer_json(&j, hex, NULL, NULL, &ms);
    bw_matches_free(&ms);
    reply_json_free(rp, 200, &j);
}

/* JSON Lines, as `lists ls --json`. */
static void lists_body(const srv_request *rq, srv_reply *rp, const bw_list_info *lists,
                       size_t n)
{
    bw_json j;
    (void)rq;
    rp->status = 200;
    rp->type = "application/x-ndjson";
    bw_json_init(&j);
    for (size_t i = 0; i < n && !rp->oom; i++) {
        bw_json_reset(&j);
        bw_list_info_json(&j, &lists[i], 0);
        if (bw_json_status(&j) != BW_OK || srv_reply_append(rp, j.buf, j.len) != 0 ||
            srv_reply_append(rp, "\n", 1) != 0)
            rp->oom = 1;
    }
    bw_json_free(&j);
}

static void h_v1_lists(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    with_lists(svc, rq, rp, lists_body);
}

/* The prompt sink: each record's JSON and a newline, as `prompt --json`. */
static void prompt_record(void *ctx, const bw_sink_record *rec)
{
    srv_reply *rp = ctx;
    if (srv_reply_append(rp, rec->json, rec->json_len) != 0 || srv_reply_append(rp, "\n", 1) != 0)
        rp->oom = 1;
}

static void h_v1_prompt(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    bw_error err;
    uint64_t failed = 0;
    bw_prompt_request req = {NULL, 0, -1, svc->cfg->guard, NULL, 1,
                             rq->body ? rq->body : "", rq->body_len};
    bw_sink sink = {1, prompt_record, rp};
    rp->status = 200;
    rp->type = "application/x-ndjson";
    if (bw_prompt_run(&req, &sink, &failed, &err) != BW_OK) {
        reply_failure(rp, &err);
    }
}

/* ---------------- the table ---------------- */

const srv_route srv_routes[] = {
    {"GET", "/status", 0, 0, h_status, "/status"},
    {"GET", "/status/live", 0, 0, h_status_live, "/status/live"},
    {"GET", "/site-map", BW_SCOPE_MATCH, 0, h_site_map, "/site-map"},
    {"GET", "/m/raw_lookup", BW_SCOPE_MATCH, 0, h_raw_lookup, "/m/raw_lookup"},
    {"GET", "/m/lookup", BW_SCOPE_MATCH, 0, h_lookup, "/m/lookup"},
    {"POST", "/m/lookup", BW_SCOPE_MATCH, 1, srv_h_lookup_post, "/m/lookup"},
    {"GET", "/h/hash", BW_SCOPE_MATCH, 0, srv_h_hash_get, "/h/hash"},
    {"POST", "/h/hash", BW_SCOPE_MATCH, 1, srv_h_hash_post, "/h/hash"},
    {"POST", "/m/compare", BW_SCOPE_MATCH, 1, h_compare, "/m/compare"},
    {"GET", "/m/index/status", BW_SCOPE_MATCH, 0, h_index_status, "/m/index/status"},
    {"GET", "/c/banks", BW_SCOPE_MATCH, 0, h_banks, "/c/banks"},
    {"POST", "/c/banks", BW_SCOPE_CURATE, 1, srv_h_bank_create, "/c/banks"},
    {"GET", "/c/bank/*", BW_SCOPE_MATCH, 0, h_bank, "/c/bank/<bank_name>"},
    {"PUT", "/c/bank/*", BW_SCOPE_CURATE, 1, srv_h_bank_update, "/c/bank/<bank_name>"},
    {"DELETE", "/c/bank/*", BW_SCOPE_CURATE, 0, srv_h_bank_delete, "/c/bank/<bank_name>"},
    {"POST", "/c/bank/*/content", BW_SCOPE_CURATE, 1, srv_h_bank_content_add,
     "/c/bank/<bank_name>/content"},
    {"POST", "/c/bank/*/signal", BW_SCOPE_CURATE, 1, srv_h_bank_signal,
     "/c/bank/<bank_name>/signal"},
    {"GET", "/c/bank/*/content/*", BW_SCOPE_MATCH, 0, srv_h_content_get,
     "/c/bank/<bank_name>/content/<int:content_id>"},
    {"PUT", "/c/bank/*/content/*", BW_SCOPE_CURATE, 1, srv_h_content_update,
     "/c/bank/<bank_name>/content/<int:content_id>"},
    {"DELETE", "/c/bank/*/content/*", BW_SCOPE_CURATE, 0, srv_h_content_delete,
     "/c/bank/<bank_name>/content/<int:content_id>"},
    {"GET", "/v1/lookup", BW_SCOPE_MATCH, 0, h_v1_lookup, "/v1/lookup"},
    {"GET", "/v1/lists", BW_SCOPE_MATCH, 0, h_v1_lists, "/v1/lists"},
    {"POST", "/v1/prompt", BW_SCOPE_MATCH, 1, h_v1_prompt, "/v1/prompt"},
    {"POST", "/v1/scan", BW_SCOPE_MATCH, 1, srv_h_v1_scan, "/v1/scan"},
    {"POST", "/v1/provenance", BW_SCOPE_MATCH, 1, srv_h_v1_provenance, "/v1/provenance"},
    /* operations (routes_ops.c) */
    {"GET", "/metrics", BW_SCOPE_ADMIN, 0, srv_h_metrics, "/metrics"},
    {"GET", "/openapi.json", BW_SCOPE_MATCH, 0, srv_h_openapi, "/openapi.json"},
};
const size_t srv_nroutes = sizeof srv_routes / sizeof srv_routes[0];
