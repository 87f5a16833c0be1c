/* cmd_scan.c -- `bulwark scan`: walk folders, archives and dataset shards;
 * one record per file (hashes, matches against the lists, provenance when
 * asked), a durable -o output that --resume continues, a progress bar.
 *
 * The scan is the library's bw_scan_run (scan.h: the pipeline, the -o
 * output and its resume, the count of the input ahead); this file turns
 * the command line into its request, prints each record (the sink), draws
 * the progress bar from the run's state, and sets the stop flag on Ctrl-C
 * (the scanner stops reading, what is in flight is finished and written). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

typedef struct scan_args {
    cli_common c;
    const char *output;
    int resume, fail_on_match, dihedral, provenance, exact;
    int progress;           /* 1 --progress, 0 --no-progress, -1: when stderr is a terminal */
    long long in_flight;    /* --in-flight N (or the deprecated --queue N) */
    cli_scan_queue queue;   /* --queue postgresql://... NAME, --lease, --status, --export */
    uint32_t shard[2];      /* --shard K/N: K-1 and N */
} scan_args;

/* --queue URI (the work queue), or --queue N: the old name of --in-flight. */
static int opt_queue(const char *verb, const cli_opt *o, const char *arg, void *field)
{
    cli_scan_queue *q = field;
    char *end;
    long long n;
    (void)o;
    if (bw_queue_location(arg)) {
        q->location = arg;
        return 0;
    }
    n = strtoll(arg, &end, 10);
    if (end == arg || *end || n < 1 || n > 65536)
        return cli_usage_error(verb, "--queue takes postgresql://... (a work queue) or, as "
                               "--in-flight, a number from 1 to 65536");
    q->in_flight = n;
    return 0;
}

static int opt_shard(const char *verb, const cli_opt *o, const char *arg, void *field)
{
    uint32_t *sh = field;
    unsigned k, n;
    char end;
    (void)o;
    if (sscanf(arg, "%u/%u%c", &k, &n, &end) != 2 || n < 1 || n > 65536 || k < 1 || k > n)
        return cli_usage_error(verb, "--shard takes K/N, 1 <= K <= N <= 65536, e.g. 2/5");
    sh[0] = k - 1;
    sh[1] = n;
    return 0;
}

static const cli_opt scan_opts[] = {
    CLI_OPT_JSON("one JSON object per record on stdout (JSON Lines)"),
    CLI_OPT_STR("output", 'o', "FILE", scan_args, output,
                "write the records to FILE (JSON Lines), durably; the last line is the summary. "
                "stdout then shows only matches (or every record with --json). FILE itself is "
                "never scanned"),
    CLI_OPT_FLAG("resume", scan_args, resume,
                 "continue an interrupted scan into the same -o FILE: files already recorded "
                 "are skipped, none is lost; a FILE that is not scan output is refused (exit 2)"),
    CLI_OPT_LISTS,
    CLI_OPT_MAX_DISTANCE("PDQ match distance, 0-256 (default 31)"),
    CLI_OPT_MIN_QUALITY("do not match PDQ hashes below quality Q (default 50)"),
    CLI_OPT_FLAG("dihedral", scan_args, dihedral,
                 "also match the 8 rotations and flips of each image"),
    CLI_OPT_FLAG("fail-on-match", scan_args, fail_on_match, "exit 3 if anything matched"),
    CLI_OPT_DB,
    CLI_OPT_ALLOW_EMPTY,
    CLI_OPT_INDEX,
    CLI_OPT_FLAG("provenance", scan_args, provenance,
                 "examine each file for AI-generation markers"),
    CLI_OPT_FLAG("exact", scan_args, exact, "decode at full resolution (the reference's hashes)"),
    CLI_OPT_FOLLOW,
    CLI_OPT_JOBS,
    CLI_OPT_SET("progress", scan_args, progress, 1,
                "draw the progress bar even when stderr is not a TTY"),
    CLI_OPT_SET("no-progress", scan_args, progress, 0, "never draw it"),
    CLI_OPT_CALL("shard", "K/N", scan_args, shard, opt_shard,
                 "scan only shard K of N: the files whose path falls in it (a hash of the path), "
                 "for N workers (a Slurm array, an Indexed Job) given the same PATHs; archives go "
                 "whole; not with '-'"),
    CLI_OPT_NUM("in-flight", 0, "N", scan_args, in_flight, 1, 65536,
                "records in flight at most (default: 4 per worker)"),
    CLI_OPT_HEADING("Work queue (any number of workers over one input, in PostgreSQL):"),
    CLI_OPT_CALL("queue", "URI", scan_args, queue, opt_queue,
                 "work on queue NAME (the first operand) in the PostgreSQL database URI "
                 "(postgresql://...): fill it from the PATHs (once, however many workers are "
                 "given the same ones), claim units, scan them and write their records to the "
                 "database until none is left. --queue N (a number) is the deprecated name of "
                 "--in-flight"),
    CLI_OPT_NUM("lease", 0, "SECONDS", scan_args, queue.lease, 1, 86400,
                "with --queue: a claimed unit not finished within SECONDS goes back to the "
                "queue, for a worker that died (default 60)"),
    CLI_OPT_FLAG("status", scan_args, queue.status,
                 "with --queue URI NAME: print the queue's progress (units todo, leased, "
                 "done; records), JSON with --json"),
    CLI_OPT_FLAG("export", scan_args, queue.export_,
                 "with --queue URI NAME: write every record of the queue on stdout, in unit "
                 "order: the JSON Lines of `scan --json` over the same PATHs"),
    CLI_OPT_HEADING("Limits for hostile input (a limit hit is reported and the scan goes on):"),
    CLI_OPT_MAX_DEPTH("archives nested deeper than N are not opened (default 4; 0: archives "
                      "are hashed as plain files)"),
    CLI_OPT_NUM("max-members", 0, "N", scan_args, c.limits.archive_max_members, 0, LLONG_MAX,
                "entries in one archive, nested included (default 1000000)"),
    CLI_OPT_SIZE("max-archive-bytes", "S", scan_args, c.limits.archive_max_bytes, 1, LLONG_MAX,
                 "uncompressed bytes of one archive (default 64G)"),
    CLI_OPT_NUM("max-ratio", 0, "N", scan_args, c.limits.archive_max_ratio, 1, 1000000,
                "uncompressed:compressed ratio of one archive (default 200)"),
    CLI_OPT_MAX_FILE_SIZE,
    CLI_OPT_MAX_PIXELS,
    CLI_OPT_LIMIT,
    CLI_OPT_END};

static const cli_cmd scan_cmd = {
    "scan",
    "bulwark scan [--json] [-o OUT.jsonl] [--resume] [--list NAME]...\n"
    "                    [--fail-on-match] [OPTIONS] PATH...\n"
    "       bulwark scan --queue postgresql://... [--lease S] [OPTIONS] NAME [PATH...]\n"
    "       bulwark scan --queue postgresql://... NAME --status|--export",
    "Scan files, directory trees and archives: one record per file with its\n"
    "hashes (as `hash`) and its matches against the hash lists of the store.\n"
    "Archives (zip, tar, tar.gz/.bz2/.xz/.zst/.lz4, 7z, WebDataset shards) are\n"
    "recognised by their bytes and read in place, archives inside archives\n"
    "too, and where their readers find them inside other files (a zip, 7z or\n"
    "tar after an image, a zip after any prefix); members are named\n"
    "ARCHIVE!MEMBER. Nothing is extracted to disk. Every file read to its end\n"
    "has its MD5/SHA-1/SHA-256 and is matched on them, even if it does not\n"
    "decode (its record then has both the digests and the error).\n"
    "PATH '-' reads one input from stdin (an upload piped in: a file or an\n"
    "archive, held in memory up to --max-file-size), named '-'.\n\n",
    scan_opts,
    "Exit: 0 all scanned, 1 some inputs failed (each reported) or interrupted,\n"
    "2 usage error, 3 with --fail-on-match: something matched.\n"};

/* Set by SIGINT/SIGTERM; the scanner polls it. */
static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    stop_flag = 1;
    signal(sig, SIG_DFL); /* a second Ctrl-C ends it at once */
}

typedef struct run {
    int json;
    const char *output;   /* -o FILE, or NULL */
    int matches_only;     /* with -o and without --json: print matched records only */
    int progress;         /* draw the bar on stderr */
    double last_draw;
} run;

static void fmt_duration(char *out, size_t n, double s)
{
    if (s < 0 || s > 359999)
        snprintf(out, n, "--");
    else if (s >= 3600)
        snprintf(out, n, "%dh%02dm", (int)s / 3600, (int)s / 60 % 60);
    else if (s >= 60)
        snprintf(out, n, "%dm%02ds", (int)s / 60, (int)s % 60);
    else
        snprintf(out, n, "%ds", (int)s);
}

/* The progress bar: files done of those found or counted, the rate, the
 * matches, and the ETA from the bytes on disk done of those counted. */
static void draw_progress(const bw_scan_state *st)
{
    double el = st->seconds;
    unsigned long long cbytes = st->counted_bytes, done_b = st->disk_bytes_done;
    unsigned long long left_disk =
        st->counted_files > st->disk_done ? st->counted_files - st->disk_done : 0;
    unsigned long long total = st->scanner.found > st->scanner.done + left_disk
                                   ? st->scanner.found : st->scanner.done + left_disk;
    double frac = cbytes ? (double)done_b / (double)cbytes : 0;
    char eta[32], bar[21];

    if (frac > 1)
        frac = 1;
    if (st->counted && done_b > 0 && el > 0.5)
        fmt_duration(eta, sizeof eta,
                     el * (double)(cbytes - (done_b < cbytes ? done_b : cbytes)) / (double)done_b);
    else
        snprintf(eta, sizeof eta, "--");
    for (int i = 0; i < 20; i++)
        bar[i] = i < (int)(frac * 20) ? '=' : ' ';
    bar[20] = '\0';
    fprintf(stderr, "\r\033[K[%s] %llu/%llu%s files  %.1f img/s  %.1f MB/s  %llu matched  ETA %s",
            bar, (unsigned long long)st->scanner.done, total, st->counted ? "" : "+",
            el > 0 ? (double)st->this_run.images / el : 0.0,
            el > 0 ? (double)st->content_bytes / el / 1e6 : 0.0,
            (unsigned long long)st->totals.matched, eta);
    if (st->stage == BW_SCAN_DONE)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

static void on_progress(void *ctx, const bw_scan_state *st)
{
    run *rn = ctx;
    if (st->stage == BW_SCAN_STARTED && st->kept)
        cli_warn("scan", "resuming: %llu records already in %s", (unsigned long long)st->kept,
                 rn->output);
    if (!rn->progress || (st->stage == BW_SCAN_RUNNING && st->seconds - rn->last_draw < 0.2))
        return;
    rn->last_draw = st->seconds;
    draw_progress(st);
}

static void print_human(const bw_scan_record *rec)
{
    if (rec->kind == BW_SCAN_ERROR) {
        /* a file that did not decode, matched on its digests */
        bw_hash_result digests_only = *rec->hash;
        digests_only.kind = BW_KIND_FILE;
        cli_print_hash_line(rec->path, &digests_only);
    } else {
        cli_print_hash_line(rec->path, rec->hash);
    }
    for (size_t i = 0; rec->matches && i < rec->matches->n; i++) {
        const bw_match *m = &rec->matches->v[i];
        printf("%s%s:%s distance %d%s%s%s", i ? ", " : "  MATCH ", cli_esc(m->list),
               bw_hash_kind_name(m->kind), m->distance, m->label ? " \"" : "",
               m->label ? cli_esc(m->label) : "", m->label ? "\"" : "");
    }
    putchar('\n');
}

/* The sink: the record as JSON, or the people's line (matches only with
 * -o); failures on stderr. */
static void on_record(void *ctx, const bw_sink_record *srec)
{
    run *rn = ctx;
    const bw_scan_record *rec = srec->result;
    int matched = rec->kind != BW_SCAN_ARCHIVE && rec->hash && rec->matches && rec->matches->n;

    if (rn->progress)
        fputs("\r\033[K", stderr);
    if (srec->note)
        cli_warn("scan", "%s", srec->note);
    if (rec->kind == BW_SCAN_ERROR && (!rn->json || rn->output))
        cli_warn("scan", "%s: %s", rec->path, rec->error);
    if (rn->json)
        cli_emit_json_bytes(srec->json, srec->json_len);
    else if ((rec->kind == BW_SCAN_FILE && !rn->matches_only) || matched)
        print_human(rec);
}

/* --resume needs -o; neither it nor --shard takes stdin. */
static int check_resume(const scan_args *a, int argc, char **argv, int first)
{
    if (a->resume && !a->output)
        return cli_usage_error("scan", "--resume needs -o OUT.jsonl");
    for (int i = first; i < argc; i++)
        if (strcmp(argv[i], "-") == 0 && (a->resume || a->shard[1] > 1))
            return cli_usage_error("scan", a->resume ? "--resume cannot continue stdin ('-')"
                                                     : "--shard cannot split stdin ('-')");
    return 0;
}

/* --queue URI NAME [PATH...]: a NAME; not with -o, --resume, --shard or
 * '-'; --status, --export and --lease only with a queue. */
static int check_queue(const scan_args *a, int argc, char **argv, int first)
{
    const cli_scan_queue *q = &a->queue;
    if (!q->location)
        return cli_usage_error("scan", "--%s needs --queue postgresql://... NAME",
                               q->status ? "status" : q->export_ ? "export" : "lease");
    if (first >= argc || !*argv[first])
        return cli_usage_error("scan", "--queue needs the queue's NAME");
    if (q->status && q->export_)
        return cli_usage_error("scan", "--status and --export do not go together");
    if ((q->status || q->export_) && argc - first > 1)
        return cli_usage_error("scan", "--%s takes the queue's NAME only, no PATH",
                               q->status ? "status" : "export");
    if (a->output || a->resume || a->shard[1] > 1)
        return cli_usage_error("scan", "--queue does not go with %s (the records go to the "
                               "database: --export writes them)",
                               a->output ? "-o" : a->resume ? "--resume" : "--shard");
    for (int i = first + 1; i < argc; i++)
        if (strcmp(argv[i], "-") == 0)
            return cli_usage_error("scan", "--queue cannot share stdin ('-')");
    return 0;
}

/* The request, the run, the summary on stderr, the exit code. */
static int run_scan(run *rn, const bw_scan_opts *so, const char *const *paths, size_t npaths,
                    int resume, int fail_on_match)
{
    bw_scan_request req;
    bw_scan_state st;
    bw_sink sink = {rn->json, on_record, rn};
    bw_error err;
    struct sigaction sa;
    bw_status rs;

    memset(&req, 0, sizeof req);
    req.paths = paths;
    req.npaths = npaths;
    req.stdin_fd = STDIN_FILENO;
    req.scan = *so;
    req.output = rn->output;
    req.resume = resume;
    req.count_ahead = rn->progress;
    req.progress = on_progress;
    req.progress_ctx = rn;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    rs = bw_scan_run(&req, &sink, &st, &err);
    bw_matcher_close(so->matcher);
    fflush(stdout); /* the records first, then the summary after them */
    if (rs != BW_OK)
        cli_warn("scan", "%s", bw_error_message(&err));
    if (st.stage == BW_SCAN_NOT_STARTED)
        return rs == BW_ERR_NOMEM ? BW_EXIT_SOME_FAILED : BW_EXIT_USAGE;
    fprintf(stderr,
            "bulwark: scan: %s%llu files (%llu images, %llu archives), %llu matched, "
            "%llu errors in %.2f s%s\n",
            st.interrupted ? "interrupted after " : "", (unsigned long long)st.totals.files,
            (unsigned long long)st.totals.images, (unsigned long long)st.totals.archives,
            (unsigned long long)st.totals.matched, (unsigned long long)st.totals.errors,
            st.seconds, resume ? " (totals include the resumed records)" : "");
    if (fail_on_match && st.totals.matched)
        return BW_EXIT_MATCHED;
    if (rs != BW_OK || st.interrupted || st.totals.errors || st.output_failed)
        return BW_EXIT_SOME_FAILED;
    return BW_EXIT_OK;
}

int cmd_scan(int argc, char **argv)
{
    scan_args a;
    bw_scan_opts so;
    run rn;
    int first, rc;

    memset(&a, 0, sizeof a);
    cli_common_init(&a.c);
    a.progress = -1;
    if ((rc = cli_parse(&scan_cmd, argc, argv, &a, &first)) != 0)
        return rc < 0 ? BW_EXIT_OK : rc;
    if (a.queue.location || a.queue.status || a.queue.export_ || a.queue.lease) {
        rc = check_queue(&a, argc, argv, first);
        if (rc != 0 || a.queue.status || a.queue.export_) {
            cli_args_free(&scan_cmd, &a);
            return rc ? rc : cli_scan_queue_report(&a.queue, argv[first], a.c.json);
        }
    }
    if ((rc = cli_check_operands("scan", argc, argv, first, "no PATH given")) != 0 ||
        (rc = check_resume(&a, argc, argv, first)) != 0) {
        cli_args_free(&scan_cmd, &a);
        return rc;
    }
    memset(&so, 0, sizeof so);
    so.jobs = (unsigned)a.c.jobs;
    so.queue = (size_t)(a.in_flight ? a.in_flight : a.queue.in_flight);
    so.follow_symlinks = a.c.follow_symlinks;
    so.exact = a.exact;
    so.dihedral = a.dihedral;
    so.limits = &a.c.limits;
    so.max_distance = a.c.max_distance;
    so.min_quality = a.c.min_quality;
    so.provenance = a.provenance;
    so.stop = &stop_flag;
    so.shard_index = a.shard[0];
    so.shard_count = a.shard[1];
    rc = cli_open_lists("scan", &a.c, &so.matcher);
    cli_args_free(&scan_cmd, &a);
    if (rc != BW_EXIT_OK)
        return rc;
    if (a.queue.location)
        return cli_scan_queue_work(&a.queue, &so, (const char *const *)argv + first,
                                   (size_t)(argc - first), a.c.json, a.fail_on_match);
    memset(&rn, 0, sizeof rn);
    rn.json = a.c.json;
    rn.output = a.output;
    rn.matches_only = a.output && !a.c.json;
    rn.progress = a.progress == 1 || (a.progress == -1 && cli_stderr_tty());
    return run_scan(&rn, &so, (const char *const *)argv + first, (size_t)(argc - first),
                    a.resume, a.fail_on_match);
}
