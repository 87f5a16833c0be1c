/* run.c -- the `prompt` verb as a library operation (bw_prompt_run,
 * prompt.h): prompts from the request, or one per line of a descriptor
 * (a line longer than max_line_bytes is reported and skipped without being
 * held), checked by the guard on an ordered pool of workers (each with its
 * own scratch), handed to the sink in input order with their JSON. The
 * JSON is written on the worker, where the reasons are still valid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include "bulwark/json.h"
#include "bulwark/pool.h"
#include "bulwark/prompt.h"
#include "bulwark/sink.h"
#include "core/internal.h"

typedef struct job {
    size_t lineno;     /* 0 for prompts given in the request */
    char *text;
    size_t len;
    int too_long;      /* skipped: longer than max_line_bytes */
    size_t long_len;
    bw_status st;
    char msg[160];
    bw_prompt_answer answer;
    char *json;        /* the record's JSON, when the sink wants it */
    size_t json_len;
} job;

typedef struct worker {
    const bw_prompt_request *req;
    bw_prompt_scratch *scratch;
    bw_json j;
    int json;          /* the sink wants JSON */
} worker;

typedef struct run {
    const bw_sink *sink;
    uint64_t failed;
} run;

static void keep_json(worker *w, job *jb)
{
    if (bw_json_status(&w->j) == BW_OK && (jb->json = bw__malloc(w->j.len + 1)) != NULL) {
        memcpy(jb->json, w->j.buf, w->j.len + 1);
        jb->json_len = w->j.len;
    }
}

static void work(void *wctx, void *item)
{
    worker *w = wctx;
    job *jb = item;
    bw_prompt_result r;
    bw_error err;
    if (jb->too_long) {
        jb->st = BW_ERR_LIMIT;
        snprintf(jb->msg, sizeof jb->msg, "prompt too long: %zu bytes or more (limit %u, --max-line)",
                 jb->long_len, bw__limits(w->req->limits)->max_line_bytes);
    } else if ((jb->st = bw_prompt_check(w->req->guard, w->scratch, jb->text, jb->len, &r,
                                         &err)) != BW_OK) {
        snprintf(jb->msg, sizeof jb->msg, "%s", bw_error_message(&err));
    } else {
        jb->answer.verdict = r.verdict;
        jb->answer.categories = r.categories;
    }
    if (!w->json)
        return;
    bw_json_reset(&w->j);
    if (jb->st == BW_OK)
        bw_prompt_result_json(&w->j, jb->text, jb->len, &r);
    else
        bw_prompt_error_json(&w->j, jb->lineno, jb->text, jb->len, jb->msg);
    keep_json(w, jb);
}

static void done(void *ctx, void *item)
{
    run *rn = ctx;
    job *jb = item;
    jb->answer.lineno = jb->lineno;
    jb->answer.text = jb->text;
    jb->answer.len = jb->len;
    bw_sink_record rec = {jb->text ? jb->text : "", jb->st, jb->st ? jb->msg : NULL, &jb->answer,
                          jb->json, jb->json_len, NULL};
    if (rn->sink->want_json)
        bw__sink_json(&rec, jb->json, jb->json_len, jb->json != NULL);
    if (jb->st != BW_OK)
        rn->failed++;
    rn->sink->record(rn->sink->ctx, &rec);
    free(jb->json);
    free(jb->text);
    free(jb);
}

static int submit(bw_pool *pool, size_t lineno, const char *text, size_t len, int too_long)
{
    job *jb = bw__calloc(1, sizeof *jb);
    if (!jb)
        return -1;
    jb->lineno = lineno;
    if (too_long) {
        jb->too_long = 1;
        jb->long_len = len;
    } else {
        if (!(jb->text = bw__malloc(len + 1))) {
            free(jb);
            return -1;
        }
        memcpy(jb->text, text, len);
        jb->text[len] = '\0';
        jb->len = len;
    }
    return bw_pool_submit(pool, jb) == BW_OK ? 0 : -1;
}

/* Where the lines come from: a descriptor, or bytes in memory read as if
 * they came through one. */
typedef struct line_source {
    int fd;
    const char *mem;
    size_t len, pos;
} line_source;

static ssize_t source_read(line_source *src, char *buf, size_t n)
{
    if (!src->mem)
        return read(src->fd, buf, n);
    if (n > src->len - src->pos)
        n = src->len - src->pos;
    memcpy(buf, src->mem + src->pos, n);
    src->pos += n;
    return (ssize_t)n;
}

/* stdin, one prompt per line; a line longer than max is reported and
 * skipped without being kept. */
static int read_lines(bw_pool *pool, line_source *src, size_t max)
{
    size_t cap = 65536, have = 0, lineno = 0, skipping = 0;
    char *buf = bw__malloc(cap);
    int eof = 0;
    if (!buf)
        return -1;
    while (!eof || have) {
        char *nl;
        if (!eof && have < cap) {
            ssize_t got = source_read(src, buf + have, cap - have);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                eof = 1;
            else
                have += (size_t)got;
        }
        while ((nl = memchr(buf, '\n', have)) != NULL || (eof && have)) {
            size_t n = nl ? (size_t)(nl - buf) : have, line = n;
            lineno++;
            if (skipping) {
                if (submit(pool, lineno, NULL, skipping + n, 1))
                    goto oom;
                skipping = 0;
            } else {
                if (line && buf[line - 1] == '\r')
                    line--;
                if (line > max) {
                    if (submit(pool, lineno, NULL, line, 1))
                        goto oom;
                } else if (submit(pool, lineno, buf, line, 0)) {
                    goto oom;
                }
            }
            n = nl ? n + 1 : n;
            memmove(buf, buf + n, have - n);
            have -= n;
        }
        if (have == cap) {
            if (cap > max + 2) {
                /* no newline within the limit: drop what we have, remember the length */
                skipping += have;
                have = 0;
            } else {
                char *nb = bw__realloc(buf, cap * 2);
                if (!nb)
                    goto oom;
                buf = nb;
                cap *= 2;
            }
        }
        if (skipping && eof && !have) {
            lineno++;
            if (submit(pool, lineno, NULL, skipping, 1))
                goto oom;
            skipping = 0;
        }
    }
    free(buf);
    return 0;
oom:
    free(buf);
    return -1;
}

bw_status bw_prompt_run(const bw_prompt_request *req, const bw_sink *sink, uint64_t *failed,
                        bw_error *err)
{
    run rn = {sink, 0};
    bw_pool *pool = NULL;
    if (failed)
        *failed = 0;
    if (!req || !req->guard || !sink || !sink->record || (req->ntexts && !req->texts))
        return bw__fail(err, BW_ERR_ARG, "bw_prompt_run: no request, guard or sink");
    uint32_t max = bw__limits(req->limits)->max_line_bytes;
    unsigned nthreads = req->jobs > 1 ? req->jobs : 0, nw = nthreads ? nthreads : 1;
    worker *ws = bw__calloc(nw, sizeof *ws);
    void **ctxs = bw__calloc(nw, sizeof *ctxs);
    bw_status st = ws && ctxs ? BW_OK : bw__fail(err, BW_ERR_NOMEM, "out of memory");
    for (unsigned i = 0; st == BW_OK && i < nw; i++) {
        ws[i].req = req;
        ws[i].json = sink->want_json;
        bw_json_init(&ws[i].j);
        ctxs[i] = &ws[i];
        st = bw_prompt_scratch_new(req->guard, &ws[i].scratch, err);
    }
    if (st == BW_OK)
        st = bw_pool_new(&pool, nthreads, 0, work, ctxs, done, &rn, err);
    line_source src = {req->lines_fd, req->lines, req->lines ? req->lines_len : 0, 0};
    if (st == BW_OK) {
        if (req->ntexts) {
            for (size_t i = 0; i < req->ntexts && st == BW_OK; i++) {
                size_t n = strlen(req->texts[i]);
                if (submit(pool, 0, req->texts[i], n, n > max) != 0)
                    st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
            }
        } else if (read_lines(pool, &src, max) != 0) {
            st = bw__fail(err, BW_ERR_NOMEM, "out of memory reading the prompts");
        }
        bw_pool_free(pool);
    }
    for (unsigned i = 0; ws && i < nw; i++) {
        bw_prompt_scratch_free(ws[i].scratch);
        bw_json_free(&ws[i].j);
    }
    free(ws);
    free(ctxs);
    if (failed)
        *failed = rn.failed;
    return st;
}
