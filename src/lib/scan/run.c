/* run.c -- the `scan` verb as a library operation (bw_scan_run, scan.h):
 * the scanner over every path, each record's JSON written once and sent
 * both to the durable output (-o) and to the sink, the totals and the
 * summary, resume (the output's records are skipped), the output file kept
 * out of its own scan, and the count of the input on a second thread for a
 * progress display's totals. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "bulwark/scan.h"
#include "bulwark/sink.h"
#include "bulwark/walk.h"
#include "core/internal.h"
#include "scan/scan_internal.h"

/* ---------------- counting the input while it is scanned ---------------- */

typedef struct counter {
    const bw_scan_request *req;
    atomic_ullong files, bytes;
    atomic_int finished, quit;
    pthread_t thread;
    int started;
} counter;

static int stop_set(const bw_scan_request *req)
{
    return req->scan.stop && *req->scan.stop;
}

static int count_entry(void *ctx, const bw_walk_entry *e)
{
    counter *c = ctx;
    if (!e->error) {
        atomic_fetch_add(&c->files, 1);
        atomic_fetch_add(&c->bytes, e->size);
    }
    return atomic_load(&c->quit) || stop_set(c->req);
}

static void *count_main(void *arg)
{
    counter *c = arg;
    bw_walk_opts wo = {c->req->scan.follow_symlinks, 0};
    for (size_t i = 0; i < c->req->npaths && !atomic_load(&c->quit); i++)
        if (strcmp(c->req->paths[i], "-") != 0) /* stdin: not counted ahead */
            bw_walk(c->req->paths[i], &wo, count_entry, c);
    atomic_store(&c->finished, 1);
    return NULL;
}

/* ---------------- the run ---------------- */

typedef struct run {
    const bw_scan_request *req;
    const bw_sink *sink;
    bw_scan_log *log;
    bw_scanner *scanner;
    bw_json out;
    bw_scan_state st;
    counter count;
    double start;
    char note[BW_ERROR_MSG_MAX + 64];
} run;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The state as the progress function and the caller see it. */
static void snapshot(run *rn, bw_scan_stage stage)
{
    rn->st.stage = stage;
    rn->st.seconds = rn->start > 0 ? now() - rn->start : 0;
    if (rn->scanner)
        bw_scanner_progress(rn->scanner, &rn->st.scanner);
    if (rn->st.counting) {
        rn->st.counted_files = atomic_load(&rn->count.files);
        rn->st.counted_bytes = atomic_load(&rn->count.bytes);
        rn->st.counted = atomic_load(&rn->count.finished);
    }
}

static void report(run *rn, bw_scan_stage stage)
{
    if (!rn->req->progress)
        return;
    snapshot(rn, stage);
    rn->req->progress(rn->req->progress_ctx, &rn->st);
}

static void on_record(void *ctx, const bw_scan_record *rec)
{
    run *rn = ctx;
    bw_error err;
    bw_sink_record out = {rec->path, BW_OK, NULL, rec, NULL, 0, NULL};
    int json_ok;

    bw_scan_totals_add(&rn->st.totals, rec);
    bw_scan_totals_add(&rn->st.this_run, rec);
    if (rec->kind == BW_SCAN_FILE)
        rn->st.content_bytes += rec->hash->size;
    if (rec->depth == 0) {
        rn->st.disk_done++;
        rn->st.disk_bytes_done += rec->disk_bytes;
    }
    if (rec->kind == BW_SCAN_ERROR) {
        out.status = rec->status ? rec->status : BW_ERR_IO;
        out.error = rec->error;
    }
    if (rn->log || rn->sink->want_json) {
        bw_json_reset(&rn->out);
        bw_scan_record_json(&rn->out, rec);
    }
    json_ok = bw_json_status(&rn->out) == BW_OK;
    if (rn->log && !rn->st.output_failed) {
        if (!json_ok) {
            snprintf(rn->note, sizeof rn->note, "%s: out of memory writing its record",
                     rec->path);
            out.note = rn->note;
        } else if (bw_scan_log_append(rn->log, rn->out.buf, rn->out.len, &err) != BW_OK) {
            snprintf(rn->note, sizeof rn->note, "%s", bw_error_message(&err));
            out.note = rn->note;
            rn->st.output_failed = 1;
            bw__scanner_halt(rn->scanner);
        }
    }
    if (rn->sink->want_json)
        bw__sink_json(&out, rn->out.buf, rn->out.len, json_ok);
    rn->sink->record(rn->sink->ctx, &out);
    report(rn, BW_SCAN_RUNNING);
}

static int resume_skip(void *ctx, const char *path)
{
    return bw_scan_log_has(ctx, path);
}

/* Open the output (-o), remember its records (resume), and keep the file
 * itself out of the scan. */
static bw_status open_output(run *rn, bw_scan_opts *so, bw_error *err)
{
    const bw_scan_request *req = rn->req;
    struct stat ost;
    bw_status st = bw_scan_log_open(&rn->log, req->output, req->resume, so->limits, err);
    if (st != BW_OK)
        return st;
    rn->st.totals = *bw_scan_log_totals(rn->log);
    rn->st.kept = bw_scan_log_kept(rn->log);
    if (stat(req->output, &ost) == 0) {
        so->exclude_dev = (uint64_t)ost.st_dev;
        so->exclude_ino = (uint64_t)ost.st_ino;
    }
    so->skip = resume_skip;
    so->skip_ctx = rn->log;
    return BW_OK;
}

/* Walk every path into the scanner; stops at the first failure of the run
 * itself (memory, or stop). */
static bw_status add_paths(run *rn, bw_error *err)
{
    const bw_scan_request *req = rn->req;
    bw_error e;
    for (size_t i = 0; i < req->npaths; i++) {
        bw_status st;
        if (strcmp(req->paths[i], "-") != 0)
            st = bw_scanner_add(rn->scanner, req->paths[i], &e);
        else if (req->stdin_data)
            st = bw_scanner_add_memory(rn->scanner, "-", req->stdin_data, req->stdin_len, &e);
        else
            st = bw_scanner_add_fd(rn->scanner, "-", req->stdin_fd, &e);
        if (st == BW_ERR_INTERRUPTED) {
            rn->st.interrupted = 1;
            return BW_OK;
        }
        if (st != BW_OK)
            return bw__fail(err, st, "%s: %s", req->paths[i], bw_error_message(&e));
    }
    return BW_OK;
}

/* The summary line closes the output. */
static bw_status close_output(run *rn, bw_error *err)
{
    bw_json_reset(&rn->out);
    bw_scan_summary_json(&rn->out, &rn->st.totals, rn->st.seconds, rn->st.interrupted);
    if (bw_json_status(&rn->out) != BW_OK) {
        bw_scan_log_close(rn->log, NULL, 0, NULL);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory writing the summary");
    }
    return bw_scan_log_close(rn->log, rn->out.buf, rn->out.len, err);
}

bw_status bw_scan_run(const bw_scan_request *req, const bw_sink *sink, bw_scan_state *out,
                      bw_error *err)
{
    run rn;
    bw_scan_opts so;
    bw_status st, cst;

    memset(&rn, 0, sizeof rn);
    if (out)
        memset(out, 0, sizeof *out);
    if (!req || !sink || !sink->record || (req->npaths && !req->paths))
        return bw__fail(err, BW_ERR_ARG, "bw_scan_run: no request or sink");
    if (req->resume && !req->output)
        return bw__fail(err, BW_ERR_ARG, "resuming needs an output file");
    rn.req = req;
    rn.sink = sink;
    so = req->scan;
    bw_json_init(&rn.out);
    if (req->output && (st = open_output(&rn, &so, err)) != BW_OK) {
        bw_json_free(&rn.out);
        return st;
    }
    if ((st = bw_scanner_new(&rn.scanner, &so, on_record, &rn, err)) != BW_OK) {
        if (rn.log)
            bw_scan_log_close(rn.log, NULL, 0, NULL);
        bw_json_free(&rn.out);
        return st;
    }
    rn.start = now();
    if (req->count_ahead) {
        rn.count.req = req;
        rn.count.started = pthread_create(&rn.count.thread, NULL, count_main, &rn.count) == 0;
        rn.st.counting = rn.count.started;
    }
    report(&rn, BW_SCAN_STARTED);
    st = add_paths(&rn, err);
    bw_scanner_finish(rn.scanner);
    rn.st.interrupted |= stop_set(req) || rn.st.output_failed;
    if (rn.count.started) {
        atomic_store(&rn.count.quit, 1);
        pthread_join(rn.count.thread, NULL);
    }
    snapshot(&rn, BW_SCAN_DONE);
    bw_scanner_free(rn.scanner);
    rn.scanner = NULL;
    if (rn.log) {
        bw_error cerr;
        cst = close_output(&rn, &cerr);
        if (cst != BW_OK && st == BW_OK) {
            st = cst;
            if (err)
                *err = cerr;
        }
    }
    bw_json_free(&rn.out);
    if (req->progress)
        req->progress(req->progress_ctx, &rn.st);
    if (out)
        *out = rn.st;
    return st;
}
