/* scan_queue.c -- `bulwark scan --queue postgresql://... NAME [PATH...]`:
 * a worker of the work queue (the library's bw_queue_run, queue.h: fill
 * from the PATHs, claim, scan, write the records to the database), and
 * `--status` / `--export` of a queue. This file turns the options into the
 * request, prints records (--json) and the summary, and sets the stop
 * flag on Ctrl-C (the batch in hand is finished, the rest left to others). */
#include <signal.h>
#include <string.h>
#include "cli.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    stop_flag = 1;
    signal(sig, SIG_DFL);
}

/* --json: each record this worker wrote, as `scan --json` prints it. */
static void on_record(void *ctx, const bw_sink_record *srec)
{
    (void)ctx;
    cli_emit_json_bytes(srec->json, srec->json_len);
}

int cli_scan_queue_work(const cli_scan_queue *q, const bw_scan_opts *so,
                        const char *const *operands, size_t n, int json, int fail_on_match)
{
    bw_queue_request req;
    bw_queue_state st;
    bw_sink sink = {1, on_record, NULL};
    bw_error err;
    struct sigaction sa;
    bw_status rs;

    memset(&req, 0, sizeof req);
    req.location = q->location;
    req.name = operands[0];
    req.paths = operands + 1;
    req.npaths = n - 1;
    req.scan = *so;
    req.scan.stop = &stop_flag;
    req.lease_seconds = (unsigned)q->lease;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    rs = bw_queue_run(&req, json ? &sink : NULL, &st, &err);
    bw_matcher_close(so->matcher);
    fflush(stdout);
    if (rs != BW_OK && rs != BW_ERR_INTERRUPTED)
        cli_warn("scan", "%s", bw_error_message(&err));
    fprintf(stderr,
            "bulwark: scan: queue %s: %s%llu units added, %llu done (%llu re-claimed, %llu "
            "lost), %llu records (%llu images, %llu archives), %llu matched, %llu errors in "
            "%.2f s\n",
            cli_esc(req.name), st.interrupted ? "interrupted after " : "",
            (unsigned long long)st.added, (unsigned long long)st.done,
            (unsigned long long)st.reclaimed, (unsigned long long)st.lost,
            (unsigned long long)st.records, (unsigned long long)st.totals.images,
            (unsigned long long)st.totals.archives, (unsigned long long)st.totals.matched,
            (unsigned long long)st.totals.errors, st.seconds);
    if (fail_on_match && st.totals.matched)
        return BW_EXIT_MATCHED;
    if (rs == BW_ERR_ARG)
        return BW_EXIT_USAGE;
    return rs != BW_OK || st.totals.errors ? BW_EXIT_SOME_FAILED : BW_EXIT_OK;
}

static void on_export(void *ctx, const bw_sink_record *srec)
{
    (void)ctx;
    cli_emit_json_bytes(srec->json, srec->json_len);
}

/* --status (people's line, or the library's JSON) or --export. */
int cli_scan_queue_report(const cli_scan_queue *q, const char *name, int json)
{
    bw_error err;
    bw_status rs;
    if (q->export_) {
        bw_sink sink = {1, on_export, NULL};
        uint64_t n = 0;
        rs = bw_queue_export(q->location, name, &sink, &n, &err);
        fflush(stdout);
        if (rs != BW_OK) {
            cli_warn("scan", "%s", bw_error_message(&err));
            return BW_EXIT_SOME_FAILED;
        }
        cli_warn("scan", "queue %s: %llu records exported", name, (unsigned long long)n);
        return BW_EXIT_OK;
    }
    bw_queue_status s;
    if ((rs = bw_queue_status_get(q->location, name, &s, &err)) != BW_OK) {
        cli_warn("scan", "%s", bw_error_message(&err));
        return BW_EXIT_SOME_FAILED;
    }
    if (json) {
        bw_json j;
        bw_json_init(&j);
        bw_queue_status_json(&j, name, &s);
        cli_emit_json(&j);
        bw_json_free(&j);
        return BW_EXIT_OK;
    }
    printf("queue %s: %llu units: %llu todo, %llu leased (%llu expired), %llu done; %llu "
           "records; %llu re-claimed; %llu workers\n",
           cli_esc(name), (unsigned long long)s.units, (unsigned long long)s.todo,
           (unsigned long long)s.leased, (unsigned long long)s.expired,
           (unsigned long long)s.done, (unsigned long long)s.results,
           (unsigned long long)s.reclaimed, (unsigned long long)s.workers);
    return BW_EXIT_OK;
}
