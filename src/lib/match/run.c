/* run.c -- the `match` verb as a library operation (bw_match_run,
 * match.h): each query -- a hash, or a file hashed first -- is looked up
 * on an ordered pool of workers, one hasher each, and handed to the sink in
 * input order with its JSON. Queries from a descriptor ("-") are read one
 * line at a time and each is answered before the next is read, so a
 * long-lived `match -` is interactive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bulwark/hash.h"
#include "bulwark/json.h"
#include "bulwark/match.h"
#include "bulwark/pool.h"
#include "bulwark/reader.h"
#include "bulwark/sink.h"
#include "core/internal.h"

/* One query on its way through the pool. */
typedef struct job {
    char *q;
    int have_hr;
    int digests_only;  /* the file did not decode: its digests were looked up */
    bw_hash_result hr;
    bw_matches matches;
    char note[96];
    bw_status st;
    bw_error err;
} job;

typedef struct run {
    const bw_match_request *req;
    bw_matcher *m;
    int dihedral, max_distance, min_quality;
    const bw_sink *sink;
    uint64_t failed;
    bw_pool *pool;
    bw_json out;
} run;

typedef struct worker {
    run *rn;
    bw_hasher *hasher;
} worker;

static bw_status query_hash(run *rn, job *jb, bw_hash_kind kind, const uint8_t *bytes)
{
    if (kind == BW_HASH_PDQ) {
        bw_pdq h;
        bw_status st;
        bw_pdq_unpack(bytes, &h);
        /* a bare hash has no image to turn: --dihedral cannot apply */
        st = bw_matcher_pdq(rn->m, &h, NULL, rn->max_distance, &jb->matches, &jb->err);
        if (st != BW_OK)
            return st;
        return bw_matcher_exact(rn->m, BW_HASH_SHA256, bytes, &jb->matches, &jb->err);
    }
    return bw_matcher_exact(rn->m, kind, bytes, &jb->matches, &jb->err);
}

static bw_status query_file(run *rn, bw_hasher *hasher, job *jb)
{
    bw_reader *r;
    bw_status st = bw_reader_open_file(&r, jb->q, &jb->err);
    if (st == BW_OK) {
        st = bw_hasher_hash_reader(hasher, r, &jb->hr, &jb->err);
        bw_reader_close(r);
    }
    if (st != BW_OK && jb->hr.has_digests) {
        /* undecodable or too large: its exact hashes still come from the
         * bytes, and are looked up; the query still counts as failed */
        bw_error lookup_err;
        jb->have_hr = jb->digests_only = 1;
        if (bw_matcher_digests(rn->m, &jb->hr.digests, &jb->matches, &lookup_err) != BW_OK)
            jb->err = lookup_err;
        return st;
    }
    if (st != BW_OK)
        return st;
    jb->have_hr = 1;
    st = bw_matcher_digests(rn->m, &jb->hr.digests, &jb->matches, &jb->err);
    if (st != BW_OK || jb->hr.kind != BW_KIND_IMAGE)
        return st;
    if (jb->hr.quality < rn->min_quality) {
        snprintf(jb->note, sizeof jb->note, "PDQ not matched: quality %d is below %d",
                 jb->hr.quality, rn->min_quality);
        return BW_OK;
    }
    return bw_matcher_pdq(rn->m, &jb->hr.pdq,
                          rn->dihedral && jb->hr.has_dihedral ? jb->hr.dihedral : NULL,
                          rn->max_distance, &jb->matches, &jb->err);
}

static void work(void *wctx, void *item)
{
    worker *w = wctx;
    job *jb = item;
    bw_hash_kind kind;
    uint8_t bytes[BW_HASH_MAX_BYTES];
    bw_error_clear(&jb->err);
    if (bw_match_parse_hash(jb->q, strlen(jb->q), &kind, bytes) == BW_OK && access(jb->q, F_OK) != 0)
        jb->st = query_hash(w->rn, jb, kind, bytes);
    else
        jb->st = query_file(w->rn, w->hasher, jb);
    if (jb->st == BW_OK)
        bw_matches_sort(&jb->matches);
}

static void done(void *ctx, void *item)
{
    run *rn = ctx;
    job *jb = item;
    bw_match_answer a = {jb->q, jb->have_hr && !jb->digests_only ? &jb->hr : NULL, &jb->matches,
                         jb->note[0] ? jb->note : NULL, jb->digests_only};
    bw_sink_record rec = {jb->q, jb->st, NULL, &a, NULL, 0, NULL};
    if (jb->st != BW_OK) {
        rec.error = bw_error_message(&jb->err);
        rn->failed++;
        if (!jb->digests_only)
            rec.result = NULL;
    }
    if (rn->sink->want_json) {
        bw_json_reset(&rn->out);
        if (jb->st == BW_OK)
            bw_match_answer_json(&rn->out, jb->q, a.hr, a.note, &jb->matches);
        else
            bw_match_error_json(&rn->out, jb->q, rec.error, jb->digests_only ? &jb->hr : NULL,
                                &jb->matches);
        bw__sink_json(&rec, rn->out.buf, rn->out.len,
                      bw_json_status(&rn->out) == BW_OK);
    }
    rn->sink->record(rn->sink->ctx, &rec);
    if (jb->have_hr)
        bw_hash_result_free(&jb->hr);
    bw_matches_free(&jb->matches);
    free(jb->q);
    free(jb);
}

/* A query that never reached a worker (out of memory, a line too long). */
static void refused(run *rn, const char *q, bw_status st, const char *msg)
{
    bw_sink_record rec = {q, st, msg, NULL, NULL, 0, NULL};
    rn->failed++;
    if (rn->sink->want_json) {
        bw_json_reset(&rn->out);
        bw_match_error_json(&rn->out, q, msg, NULL, NULL);
        bw__sink_json(&rec, rn->out.buf, rn->out.len, bw_json_status(&rn->out) == BW_OK);
    }
    rn->sink->record(rn->sink->ctx, &rec);
}

static void submit(run *rn, const char *q)
{
    job *jb = bw__calloc(1, sizeof *jb);
    if (!jb || !(jb->q = bw__strdup(q))) {
        free(jb);
        refused(rn, q, BW_ERR_NOMEM, "out of memory");
        return;
    }
    bw_pool_submit(rn->pool, jb);
}

/* One query per line of fd; blank lines are passed over. */
static void from_fd(run *rn, int fd)
{
    int dupfd = dup(fd);
    FILE *f = dupfd >= 0 ? fdopen(dupfd, "r") : NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    if (!f) {
        if (dupfd >= 0)
            close(dupfd);
        refused(rn, "-", BW_ERR_IO, "cannot read the queries");
        return;
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        char *q = line;
        while (*q == ' ' || *q == '\t')
            q++;
        if (!*q)
            continue;
        if (strlen(q) > BW_MATCH_MAX_QUERY) {
            bw_pool_finish(rn->pool); /* the answers before it first */
            refused(rn, "-", BW_ERR_LIMIT, "query line longer than 4096 bytes");
            continue;
        }
        submit(rn, q);
        bw_pool_finish(rn->pool); /* answered before the next line is read */
    }
    free(line);
    fclose(f);
}

bw_status bw_match_run(const bw_match_request *req, const bw_sink *sink, uint64_t *failed,
                       bw_error *err)
{
    if (failed)
        *failed = 0;
    if (!req || !sink || !sink->record || (req->nqueries && !req->queries))
        return bw__fail(err, BW_ERR_ARG, "bw_match_run: no request or sink");
    run rn = {req, req->matcher, req->dihedral,
              req->max_distance >= 0 ? req->max_distance : BW_PDQ_DEFAULT_MAX_DISTANCE,
              req->min_quality >= 0 ? req->min_quality : BW_PDQ_DEFAULT_MIN_QUALITY,
              sink, 0, NULL, {0}};
    unsigned nthreads = req->jobs > 1 ? req->jobs : 0, nw = nthreads ? nthreads : 1;
    worker *ws = bw__calloc(nw, sizeof *ws);
    void **ctxs = bw__calloc(nw, sizeof *ctxs);
    bw_hash_opts ho = {0, req->dihedral, req->limits};
    bw_status st = ws && ctxs ? BW_OK : bw__fail(err, BW_ERR_NOMEM, "out of memory");
    for (unsigned i = 0; st == BW_OK && i < nw; i++) {
        ws[i].rn = &rn;
        ctxs[i] = &ws[i];
        st = bw_hasher_new(&ws[i].hasher, &ho, err);
    }
    if (st == BW_OK)
        st = bw_pool_new(&rn.pool, nthreads, 0, work, ctxs, done, &rn, err);
    if (st == BW_OK) {
        bw_json_init(&rn.out);
        for (size_t i = 0; i < req->nqueries; i++) {
            if (strcmp(req->queries[i], "-") == 0) {
                bw_pool_finish(rn.pool);
                from_fd(&rn, req->stdin_fd);
            } else {
                submit(&rn, req->queries[i]);
            }
        }
        bw_pool_free(rn.pool);
        bw_json_free(&rn.out);
    }
    for (unsigned i = 0; ws && i < nw; i++)
        bw_hasher_free(ws[i].hasher);
    free(ws);
    free(ctxs);
    if (failed)
        *failed = rn.failed;
    return st;
}
