/* run.c -- the `provenance` verb as a library operation
 * (bw_provenance_run, provenance.h): each input read whole (stdin, or
 * the caller's bytes, for "-"), its sidecar NAME.c2pa found beside it, examined, and handed to the
 * sink with its JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bulwark/hash.h"
#include "bulwark/json.h"
#include "bulwark/provenance.h"
#include "bulwark/reader.h"
#include "bulwark/sink.h"
#include "core/internal.h"

/* Read a whole file, or for "-" the request's bytes or its fd. */
static bw_status slurp(const bw_provenance_request *req, const char *path, uint64_t max,
                       void **data, size_t *len, bw_error *err)
{
    bw_reader *r = NULL;
    bw_status st;
    if (strcmp(path, "-") != 0)
        st = bw_reader_open_file(&r, path, err);
    else if (req->stdin_data)
        st = bw_reader_open_memory(&r, req->stdin_data, req->stdin_len, err);
    else
        st = bw_reader_open_fd(&r, req->stdin_fd, 0, err);
    if (st == BW_OK)
        st = bw_reader_slurp(r, max, NULL, NULL, data, len, err);
    bw_reader_close(r);
    return st;
}

/* NAME.c2pa for NAME.ext (or PATH.c2pa when there is no extension); NULL
 * when the input is itself a .c2pa or there is no such file. */
static char *sidecar_path(const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    size_t stem;
    char *s;
    if (strcmp(path, "-") == 0)
        return NULL;
    if (dot && (!slash || dot > slash) && strcmp(dot, ".c2pa") == 0)
        return NULL;
    stem = dot && (!slash || dot > slash + 1) ? (size_t)(dot - path) : strlen(path);
    if (!(s = bw__malloc(stem + 6)))
        return NULL;
    memcpy(s, path, stem);
    memcpy(s + stem, ".c2pa", 6);
    if (access(s, R_OK) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

/* One input: read, its sidecar, examine, the record to the sink. */
static int one(const bw_provenance_request *req, const bw_sink *sink, bw_json *out,
               const char *path)
{
    void *data = NULL, *side = NULL;
    size_t len = 0, side_len = 0;
    char *sp, note[1200] = "";
    bw_error err;
    bw_provenance res;
    bw_provenance_opts opts = req->opts;
    const bw_limits *lim = bw__limits(opts.limits);
    bw_error_clear(&err);
    memset(&res, 0, sizeof res);
    bw_status st = slurp(req, path, lim->max_file_bytes, &data, &len, &err);
    if (st == BW_OK && req->sidecars && (sp = sidecar_path(path))) {
        bw_error serr;
        if (slurp(req, sp, lim->max_file_bytes, &side, &side_len, &serr) != BW_OK)
            snprintf(note, sizeof note, "%s: %s", sp, bw_error_message(&serr));
        free(sp);
    }
    opts.sidecar = side;
    opts.sidecar_len = side_len;
    if (st == BW_OK)
        st = bw_provenance_examine(data, len, &opts, &res, &err);
    bw_sink_record rec = {path, st, NULL, st == BW_OK ? &res : NULL, NULL, 0,
                          note[0] ? note : NULL};
    if (st != BW_OK)
        rec.error = bw_error_message(&err);
    if (sink->want_json) {
        bw_json_reset(out);
        if (st == BW_OK)
            bw_provenance_json(out, path, &res);
        else
            bw_hash_error_json(out, path, rec.error, NULL, 0);
        bw__sink_json(&rec, out->buf, out->len, bw_json_status(out) == BW_OK);
    }
    sink->record(sink->ctx, &rec);
    if (st == BW_OK)
        bw_provenance_free(&res);
    free(data);
    free(side);
    return st != BW_OK;
}

bw_status bw_provenance_run(const bw_provenance_request *req, const bw_sink *sink,
                            uint64_t *failed, bw_error *err)
{
    bw_json out;
    uint64_t nfailed = 0;
    if (failed)
        *failed = 0;
    if (!req || !sink || !sink->record || (req->npaths && !req->paths))
        return bw__fail(err, BW_ERR_ARG, "bw_provenance_run: no request or sink");
    bw_json_init(&out);
    for (size_t i = 0; i < req->npaths; i++)
        nfailed += (uint64_t)one(req, sink, &out, req->paths[i]);
    bw_json_free(&out);
    if (failed)
        *failed = nfailed;
    return BW_OK;
}
