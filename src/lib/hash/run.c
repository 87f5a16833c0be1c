/* run.c -- the `hash` verb as a library operation (bw_hash_run, hash.h):
 * the walk runs on the caller's thread and feeds an ordered pool of
 * hashers, one per worker; each finished record goes to the sink in input
 * order, with its JSON written here. */
#include <stdlib.h>
#include <string.h>
#include "bulwark/hash.h"
#include "bulwark/json.h"
#include "bulwark/pool.h"
#include "bulwark/sink.h"
#include "bulwark/walk.h"
#include "core/internal.h"

typedef struct job {
    char *path;
    int from_stdin, fd;
    bw_error walk_err; /* set when the walk itself reported a problem */
    int walk_failed;
    bw_status st;
    bw_error err;
    bw_hash_result res;
} job;

typedef struct run {
    const bw_hash_request *req;
    const bw_sink *sink;
    uint64_t failed;
    int nomem;
    bw_pool *pool;
    bw_json out;
} run;

static void work(void *wctx, void *item)
{
    bw_hasher *h = wctx;
    job *jb = item;
    bw_reader *r = NULL;
    if (jb->walk_failed)
        return;
    bw_error_clear(&jb->err);
    jb->st = jb->from_stdin ? bw_reader_open_fd(&r, jb->fd, 0, &jb->err)
                            : bw_reader_open_file(&r, jb->path, &jb->err);
    if (jb->st == BW_OK)
        jb->st = bw_hasher_hash_reader(h, r, &jb->res, &jb->err);
    bw_reader_close(r);
}

static void done(void *ctx, void *item)
{
    run *rn = ctx;
    job *jb = item;
    bw_sink_record rec = {jb->path, BW_OK, NULL, &jb->res, NULL, 0, NULL};
    if (jb->walk_failed) {
        rec.status = jb->walk_err.status ? jb->walk_err.status : BW_ERR_IO;
        rec.error = bw_error_message(&jb->walk_err);
        rec.result = NULL;
    } else if (jb->st != BW_OK) {
        rec.status = jb->st;
        rec.error = bw_error_message(&jb->err);
    }
    if (rec.status != BW_OK)
        rn->failed++;
    if (rn->sink->want_json) {
        bw_json_reset(&rn->out);
        if (rec.status != BW_OK)
            bw_hash_error_json(&rn->out, jb->path, rec.error, rec.result, 0);
        else
            bw_hash_result_json(&rn->out, jb->path, &jb->res, 0);
        bw__sink_json(&rec, rn->out.buf, rn->out.len,
                      bw_json_status(&rn->out) == BW_OK);
    }
    rn->sink->record(rn->sink->ctx, &rec);
    bw_hash_result_free(&jb->res);
    free(jb->path);
    free(jb);
}

static int submit(run *rn, const char *path, int from_stdin, const bw_error *walk_err)
{
    job *jb = bw__calloc(1, sizeof *jb);
    if (!jb || !(jb->path = bw__strdup(path))) {
        free(jb);
        rn->nomem = 1;
        return -1;
    }
    jb->from_stdin = from_stdin;
    jb->fd = rn->req->stdin_fd;
    if (walk_err) {
        jb->walk_failed = 1;
        jb->walk_err = *walk_err;
    }
    bw_pool_submit(rn->pool, jb);
    return 0;
}

static int on_entry(void *ctx, const bw_walk_entry *e)
{
    return submit(ctx, e->path, 0, e->error);
}

bw_status bw_hash_run(const bw_hash_request *req, const bw_sink *sink, uint64_t *failed,
                      bw_error *err)
{
    run rn = {req, sink, 0, 0, NULL, {0}};
    bw_walk_opts wopts = {req ? req->follow_symlinks : 0, 0};
    bw_status st = BW_OK;
    if (failed)
        *failed = 0;
    if (!req || !sink || !sink->record || (req->npaths && !req->paths))
        return bw__fail(err, BW_ERR_ARG, "bw_hash_run: no request or sink");
    unsigned nthreads = req->jobs > 1 ? req->jobs : 0, nw = nthreads ? nthreads : 1;
    bw_hasher **hashers = bw__calloc(nw, sizeof *hashers);
    if (!hashers)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    for (unsigned i = 0; i < nw && st == BW_OK; i++)
        if ((st = bw_hasher_new(&hashers[i], &req->hash, err)) == BW_OK)
            st = bw_hasher_set_video(hashers[i], &req->video, err);
    if (st == BW_OK)
        st = bw_pool_new(&rn.pool, nthreads, 0, work, (void **)hashers, done, &rn, err);
    if (st == BW_OK) {
        bw_json_init(&rn.out);
        for (size_t i = 0; i < req->npaths && !rn.nomem; i++) {
            if (strcmp(req->paths[i], "-") == 0)
                submit(&rn, "-", 1, NULL);
            else if (bw_walk(req->paths[i], &wopts, on_entry, &rn) == BW_ERR_NOMEM)
                rn.nomem = 1;
        }
        bw_pool_free(rn.pool);
        bw_json_free(&rn.out);
        if (rn.nomem)
            st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    for (unsigned i = 0; i < nw; i++)
        bw_hasher_free(hashers[i]);
    free(hashers);
    if (failed)
        *failed = rn.failed;
    return st;
}
