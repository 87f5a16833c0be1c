/* run.c -- the `cluster` verb as a library operation (bw_cluster_run,
 * cluster.h): the inputs hashed through the scanner (or a scan's records
 * read back), grouped, and each group handed to the sink with its JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bulwark/cluster.h"
#include "bulwark/hash.h"
#include "bulwark/json.h"
#include "bulwark/reader.h"
#include "bulwark/scan.h"
#include "bulwark/sink.h"
#include "core/internal.h"

typedef struct crun {
    const bw_sink *sink;
    bw_clusterer *cl;
    uint64_t failed;
    bw_json out;
} crun;

/* An input that failed, to the sink. */
static void failed_input(crun *cr, const char *path, bw_status st, const char *msg)
{
    bw_sink_record rec = {path, st ? st : BW_ERR_IO, msg, NULL, NULL, 0, NULL};
    cr->failed++;
    cr->sink->record(cr->sink->ctx, &rec);
}

static void on_scan_record(void *ctx, const bw_scan_record *rec)
{
    crun *cr = ctx;
    bw_error err;
    if (rec->kind == BW_SCAN_ERROR) {
        failed_input(cr, rec->path, rec->status, rec->error);
        return;
    }
    if (rec->kind != BW_SCAN_FILE)
        return;
    int image = rec->hash->kind == BW_KIND_IMAGE;
    if (bw_clusterer_add(cr->cl, rec->path, rec->hash->digests.sha256,
                         image ? &rec->hash->pdq : NULL, image ? rec->hash->quality : -1,
                         &err) != BW_OK)
        failed_input(cr, rec->path, err.status, bw_error_message(&err));
}

static int on_group(void *ctx, uint64_t id, const char *const *members, size_t n,
                    const char *rep)
{
    crun *cr = ctx;
    bw_cluster_group g = {id, members, n, rep};
    bw_sink_record rec = {rep, BW_OK, NULL, &g, NULL, 0, NULL};
    if (cr->sink->want_json) {
        bw_json_reset(&cr->out);
        bw_cluster_json(&cr->out, id, members, n, rep);
        bw__sink_json(&rec, cr->out.buf, cr->out.len,
                      bw_json_status(&cr->out) == BW_OK);
    }
    cr->sink->record(cr->sink->ctx, &rec);
    return 0;
}

static bw_status read_from(crun *cr, const bw_cluster_request *req, bw_error *err)
{
    bw_error local;
    if (!err)
        err = &local;
    bw_reader *r = NULL;
    uint64_t bad = 0;
    bw_status st = strcmp(req->from, "-") == 0 ? bw_reader_open_fd(&r, req->stdin_fd, 0, err)
                                               : bw_reader_open_file(&r, req->from, err);
    if (st == BW_OK)
        st = bw_clusterer_add_jsonl(cr->cl, r, NULL, &bad, err);
    bw_reader_close(r);
    if (st != BW_OK) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", bw_error_message(err));
        return bw__fail(err, st, "%s: %s", req->from, msg);
    }
    if (bad) {
        char note[600];
        snprintf(note, sizeof note, "%s: %llu lines are not scan records (skipped)", req->from,
                 (unsigned long long)bad);
        bw_sink_record rec = {req->from, BW_OK, NULL, NULL, NULL, 0, note};
        cr->failed++;
        cr->sink->record(cr->sink->ctx, &rec);
    }
    return BW_OK;
}

static bw_status hash_paths(crun *cr, const bw_cluster_request *req, bw_error *err)
{
    bw_scan_opts so;
    bw_scanner *s;
    bw_error e;
    memset(&so, 0, sizeof so);
    so.jobs = req->jobs;
    so.follow_symlinks = req->follow_symlinks;
    so.limits = req->limits;
    so.max_distance = -1;
    so.min_quality = -1;
    bw_status st = bw_scanner_new(&s, &so, on_scan_record, cr, err);
    if (st != BW_OK)
        return st;
    for (size_t i = 0; i < req->npaths; i++)
        if (bw_scanner_add(s, req->paths[i], &e) != BW_OK) {
            failed_input(cr, req->paths[i], e.status, bw_error_message(&e));
            break;
        }
    bw_scanner_free(s);
    return BW_OK;
}

bw_status bw_cluster_run(const bw_cluster_request *req, const bw_sink *sink, uint64_t *failed,
                         bw_error *err)
{
    crun cr = {sink, NULL, 0, {0}};
    if (failed)
        *failed = 0;
    if (!req || !sink || !sink->record || (req->npaths && !req->paths))
        return bw__fail(err, BW_ERR_ARG, "bw_cluster_run: no request or sink");
    bw_status st = bw_clusterer_new(&cr.cl, &req->cluster, err);
    if (st != BW_OK)
        return st;
    bw_json_init(&cr.out);
    st = req->from ? read_from(&cr, req, err) : hash_paths(&cr, req, err);
    if (st == BW_OK)
        st = bw_clusterer_run(cr.cl, on_group, &cr, err);
    bw_clusterer_free(cr.cl);
    bw_json_free(&cr.out);
    if (failed)
        *failed = cr.failed;
    return st;
}
