/* upload.c -- the routes that take a file in the request body: HMA's
 * POST /h/hash and POST /m/lookup (blueprints/hashing.py
 * hash_media_from_form_data, matching.py lookup_post: multipart/form-data,
 * one file in a field named after its content type, "photo" or "video"),
 * and bulwark's POST /v1/scan and POST /v1/provenance (the body is the
 * file, or a multipart/form-data body with one file), answered with the
 * records of `scan --json -` and `provenance --json -` on the same bytes.
 * The body is the buffer http.c holds (at most --max-body): it is hashed
 * from there and never written anywhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "multipart.h"
#include "server.h"

/* HMA's words when there is no file (hash_media_from_form_data). */
#define NO_UPLOAD "Missing multipart/form-data file upload"

/* A library failure on the upload: 503 when memory ran out, else 400 with
 * the library's sentence ("image too large: 60000x60000 ..."). */
static void reply_upload_error(srv_reply *rp, bw_status st, const bw_error *err)
{
    if (st == BW_ERR_NOMEM)
        srv_reply_error(rp, 503, "out of memory");
    else
        srv_reply_error(rp, 400, "%s", bw_error_message(err));
}

/* The one file part of a multipart/form-data body (HMA's request.files:
 * the parts with a filename): 0 with *file, or -1 after the reply. */
static int form_file(const srv_request *rq, mp_form *f, const mp_part **file, srv_reply *rp)
{
    const char *why;
    size_t files = 0;
    if (!mp_is_form(rq->content_type)) {
        srv_reply_error(rp, 400, NO_UPLOAD);
        return -1;
    }
    if (mp_parse(rq->content_type, rq->body, rq->body_len, f, &why) != 0) {
        srv_reply_error(rp, 400, "malformed multipart/form-data body: %s", why);
        return -1;
    }
    for (size_t i = 0; i < f->n; i++)
        if (f->parts[i].has_filename && files++ == 0)
            *file = &f->parts[i];
    if (files == 0)
        srv_reply_error(rp, 400, NO_UPLOAD);
    else if (files > 1)
        srv_reply_error(rp, 400, "Only one file allowed per request");
    return files == 1 ? 0 : -1;
}

/* A photo's hash result (its PDQ): the library's decoder and its limits
 * on the bytes in memory. */
static bw_status hash_photo(const char *data, size_t len, bw_hash_result *r, bw_error *err)
{
    bw_hasher *h = NULL;
    bw_hash_opts opts = {0, 0, NULL};
    bw_status st = bw_hasher_new(&h, &opts, err);
    if (st == BW_OK)
        st = bw_hasher_hash_memory(h, data, len, r, err);
    bw_hasher_free(h);
    return st;
}

/* A video's: the digests of its bytes (video_md5), nothing decoded. */
static bw_status hash_video(const char *data, size_t len, bw_hash_result *r, bw_error *err)
{
    bw_digester *d = NULL;
    bw_status st = bw_digester_new(&d, err);
    memset(r, 0, sizeof *r);
    if (st == BW_OK) {
        bw_digester_update(d, data, len);
        st = bw_digester_final(d, &r->digests, err);
    }
    bw_digester_free(d);
    r->size = len;
    r->has_digests = st == BW_OK;
    return st;
}

int srv_content_signal(bw_hma_content content, const char *data, size_t len, const char *types,
                       bw_hma_signal *sig, srv_reply *rp)
{
    bw_hash_result r;
    bw_error err;
    bw_status st;
    memset(&r, 0, sizeof r);
    if (bw_hma_check_types(content, types, &err) != BW_OK) {
        srv_reply_error(rp, 400, "%s", bw_error_message(&err));
        return -1;
    }
    st = content == BW_HMA_PHOTO ? hash_photo(data, len, &r, &err)
                                 : hash_video(data, len, &r, &err);
    if (st == BW_OK)
        st = bw_hma_upload_signal(content, &r, sig, &err);
    bw_hash_result_free(&r);
    if (st != BW_OK) {
        reply_upload_error(rp, st, &err);
        return -1;
    }
    return 0;
}

/* The HMA signal of the request's upload (types= as HMA reads it from
 * the query): 0, or -1 after the reply. */
int srv_upload_signal(const srv_request *rq, bw_hma_signal *sig, srv_reply *rp)
{
    mp_form f;
    const mp_part *file = NULL;
    bw_hma_content content;
    bw_error err;
    if (form_file(rq, &f, &file, rp) != 0)
        return -1;
    if (bw_hma_content_type(file->name, &content, &err) != BW_OK) {
        srv_reply_error(rp, 400, "%s", bw_error_message(&err));
        return -1;
    }
    return srv_content_signal(content, file->data, file->len, srv_param_get(rq->target, "types"),
                              sig, rp);
}

static void reply_json_free(srv_reply *rp, int status, bw_json *j)
{
    srv_reply_json(rp, status, j);
    bw_json_free(j);
}

void srv_h_hash_post(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    bw_hma_signal sig;
    bw_json j;
    (void)svc;
    if (srv_upload_signal(rq, &sig, rp) != 0)
        return;
    bw_json_init(&j);
    bw_hma_hash_json(&j, &sig);
    reply_json_free(rp, 200, &j);
}

void srv_h_lookup_post(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    bw_hma_signal sig;
    bw_matches ms = {0};
    char hex[2 * BW_HASH_MAX_BYTES + 1];
    bw_json j;
    if (srv_upload_signal(rq, &sig, rp) != 0)
        return;
    bw_hex_encode(sig.bytes, bw_hash_kind_bytes(sig.kind), hex);
    if (srv_lookup_signal(svc, sig.type, hex, rp, &ms) != 0)
        return;
    srv_metrics_matches(svc, &ms, srv_param_get(rq->target, "banks"));
    bw_json_init(&j);
    bw_hma_lookup_upload_json(&j, &sig, &ms, srv_param_get(rq->target, "banks"));
    bw_matches_free(&ms);
    reply_json_free(rp, 200, &j);
}

/* ---------------- bulwark's own ---------------- */

/* The file of /v1/scan and /v1/provenance: a multipart/form-data body's
 * one file, or the body itself. 0, or -1 after the reply. */
static int body_file(const srv_request *rq, mp_form *f, const char **data, size_t *len,
                     srv_reply *rp)
{
    const mp_part *file = NULL;
    if (!mp_is_form(rq->content_type)) {
        *data = rq->body ? rq->body : "";
        *len = rq->body_len;
        return 0;
    }
    if (form_file(rq, f, &file, rp) != 0)
        return -1;
    *data = file->data;
    *len = file->len;
    return 0;
}

/* Each record's JSON and a newline, as the verbs print them with --json. */
static void jsonl_record(void *ctx, const bw_sink_record *rec)
{
    srv_reply *rp = ctx;
    if (!rec->json || srv_reply_append(rp, rec->json, rec->json_len) != 0 ||
        srv_reply_append(rp, "\n", 1) != 0)
        rp->oom = 1;
}

/* /v1/scan's records: each line, and its matches counted by list in
 * /metrics as the lookup routes count theirs. */
typedef struct scan_out {
    srv_service *svc;
    srv_reply *rp;
} scan_out;

static void scan_record(void *ctx, const bw_sink_record *rec)
{
    scan_out *o = ctx;
    const bw_scan_record *r = rec->result;
    if (r && r->kind == BW_SCAN_FILE && r->matches && r->matches->n)
        srv_metrics_matches(o->svc, r->matches, NULL);
    jsonl_record(o->rp, rec);
}

void srv_h_v1_scan(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    static const char *const stdin_path[] = {"-"};
    mp_form f;
    const char *data;
    size_t len;
    bw_scan_request req;
    scan_out o = {svc, rp};
    bw_sink sink = {1, scan_record, &o};
    bw_error err;
    bw_status st;
    if (body_file(rq, &f, &data, &len, rp) != 0)
        return;
    bw_matcher *m = atomic_load(&svc->matcher);
    if (!m) { /* as the HMA routes answer before the index is loaded */
        srv_reply_error(rp, 503, "index not yet ready");
        rp->retry_after = 1;
        return;
    }
    memset(&req, 0, sizeof req);
    req.paths = stdin_path;
    req.npaths = 1;
    req.stdin_fd = -1;
    req.stdin_data = data;
    req.stdin_len = len;
    req.scan.jobs = 1; /* on this request's thread */
    req.scan.matcher = m;
    req.scan.max_distance = -1;
    req.scan.min_quality = -1;
    rp->status = 200;
    rp->type = "application/x-ndjson";
    if ((st = bw_scan_run(&req, &sink, NULL, &err)) != BW_OK)
        srv_reply_error(rp, st == BW_ERR_NOMEM ? 503 : 500, "%s", bw_error_message(&err));
}

void srv_h_v1_provenance(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    static const char *const stdin_path[] = {"-"};
    mp_form f;
    const char *data;
    size_t len;
    bw_sink sink = {1, jsonl_record, rp};
    bw_error err;
    bw_status st;
    (void)svc;
    if (body_file(rq, &f, &data, &len, rp) != 0)
        return;
    bw_provenance_request req = {stdin_path, 1, -1, {0}, 0, data, len};
    rp->status = 200;
    rp->type = "application/x-ndjson";
    if ((st = bw_provenance_run(&req, &sink, NULL, &err)) != BW_OK)
        srv_reply_error(rp, st == BW_ERR_NOMEM ? 503 : 500, "%s", bw_error_message(&err));
}
