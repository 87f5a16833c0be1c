/* cmd_scan.c -- `bulwark scan`: walk folders, archives and dataset shards;
 * one record per file (hashes, matches against the lists, provenance when
 * asked), a durable -o output that --resume continues, a progress bar.
 *
 * The scan is the library's bw_scan_run (scan.h: the pipeline, the -o
 * output and its resume, the count of the input ahead); this file turns
 * the command line into its request, prints each record (the sink), draws
 * the progress bar from the run's state, and sets the stop flag on Ctrl-C
 * (the scanner stops reading, what is in flight is finished and written). */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static const char usage_text[] =
    "usage: bulwark scan [--json] [-o OUT.jsonl] [--resume] [--list NAME]...\n"
    "                    [--fail-on-match] [OPTIONS] PATH...\n"
    "\n"
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
    "archive, held in memory up to --max-file-size), named '-'.\n"
    "\n"
    "  --json               one JSON object per record on stdout (JSON Lines)\n"
    "  -o, --output FILE    write the records to FILE (JSON Lines), durably; the\n"
    "                       last line is the summary. stdout then shows only\n"
    "                       matches (or every record with --json). FILE itself\n"
    "                       is never scanned\n"
    "  --resume             continue an interrupted scan into the same -o FILE:\n"
    "                       files already recorded are skipped, none is lost;\n"
    "                       a FILE that is not scan output is refused (exit 2)\n"
    "  --list NAME          match against this list (repeatable; default: all)\n"
    "  --max-distance D     PDQ match distance, 0-256 (default 31)\n"
    "  --min-quality Q      do not match PDQ hashes below quality Q (default 50)\n"
    "  --dihedral           also match the 8 rotations and flips of each image\n"
    "  --fail-on-match      exit 3 if anything matched\n"
    "  --db PATH            the store (default: $BULWARK_DB, else the user's data dir)\n"
    CLI_ALLOW_EMPTY_HELP
    CLI_INDEX_HELP
    "  --provenance         examine each file for AI-generation markers\n"
    "  --exact              decode at full resolution (the reference's hashes)\n"
    "  --follow-symlinks    follow symbolic links inside directories\n"
    "  -j, --jobs N         worker threads (default: all cores)\n"
    "  --progress           draw the progress bar even when stderr is not a TTY\n"
    "  --no-progress        never draw it\n"
    "\n"
    "Limits for hostile input (a limit hit is reported and the scan goes on):\n"
    "  --max-depth N        archives nested deeper than N are not opened (default 4;\n"
    "                       0: archives are hashed as plain files)\n"
    "  --max-members N      entries in one archive, nested included (default 1000000)\n"
    "  --max-archive-bytes S  uncompressed bytes of one archive (default 64G)\n"
    "  --max-ratio N        uncompressed:compressed ratio of one archive (default 200)\n"
    "  --max-file-size S    largest file or member read into memory (default 1G);\n"
    "                       larger ones still get their digests (streamed)\n"
    CLI_LIMIT_HELP
    "  --max-pixels N       largest image to decode, in pixels (default 128000000)\n"
    "\n"
    "Exit: 0 all scanned, 1 some inputs failed (each reported) or interrupted,\n"
    "2 usage error, 3 with --fail-on-match: something matched.\n";

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

static int set_limit_u64(const char *opt, const char *arg, int size, uint64_t *out)
{
    long long v = size ? cli_parse_size(arg) : cli_parse_uint(arg);
    if (v < (size ? 1 : 0))
        return cli_usage_error("scan", "%s takes %s", opt,
                               size ? "a size such as 512M" : "a non-negative number");
    *out = (uint64_t)v;
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
    enum { O_JSON = 256, O_RESUME, O_LIST, O_FAIL, O_MAXD, O_MINQ, O_DIH, O_DB, O_INDEX, O_PROV,
           O_EXACT, O_FOLLOW, O_PROG, O_NOPROG, O_DEPTH, O_MEMBERS, O_ABYTES, O_RATIO,
           O_FSIZE, O_PIXELS, O_QUEUE };
    static const struct option longopts[] = {
        {"json", no_argument, NULL, O_JSON},
        {"output", required_argument, NULL, 'o'},
        {"resume", no_argument, NULL, O_RESUME},
        {"list", required_argument, NULL, O_LIST},
        {"fail-on-match", no_argument, NULL, O_FAIL},
        {"max-distance", required_argument, NULL, O_MAXD},
        {"min-quality", required_argument, NULL, O_MINQ},
        {"dihedral", no_argument, NULL, O_DIH},
        {"db", required_argument, NULL, O_DB},
        {"index", required_argument, NULL, O_INDEX},
        {"provenance", no_argument, NULL, O_PROV},
        {"exact", no_argument, NULL, O_EXACT},
        {"follow-symlinks", no_argument, NULL, O_FOLLOW},
        {"jobs", required_argument, NULL, 'j'},
        {"progress", no_argument, NULL, O_PROG},
        {"no-progress", no_argument, NULL, O_NOPROG},
        {"max-depth", required_argument, NULL, O_DEPTH},
        {"max-members", required_argument, NULL, O_MEMBERS},
        {"max-archive-bytes", required_argument, NULL, O_ABYTES},
        {"max-ratio", required_argument, NULL, O_RATIO},
        {"max-file-size", required_argument, NULL, O_FSIZE},
        {"max-pixels", required_argument, NULL, O_PIXELS},
        {"queue", required_argument, NULL, O_QUEUE},
        {"limit", required_argument, NULL, 1000}, {"help", no_argument, NULL, 'h'},
        {"allow-empty", no_argument, NULL, 1001},
        {NULL, 0, NULL, 0}};
    bw_limits limits;
    bw_scan_opts so;
    run rn;
    const char *out_path = NULL, *db = NULL;
    char **lists = NULL;
    size_t nlists = 0;
    int resume = 0, fail_on_match = 0, progress = -1, c, rc = BW_EXIT_OK, allow_empty = 0;
    long long jobs = cli_default_jobs(), v;
    uint64_t u = 0;
    bw_index_opts iopts = {0};

    memset(&so, 0, sizeof so);
    memset(&rn, 0, sizeof rn);
    so.max_distance = -1;
    so.min_quality = -1;
    iopts.layout = BW_INDEX_COMPACT;
    bw_limits_default(&limits);
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:j:h", longopts, NULL)) != -1) {
        switch (c) {
        case O_JSON: rn.json = 1; break;
        case 'o': out_path = optarg; break;
        case O_RESUME: resume = 1; break;
        case O_LIST: {
            char **nl = realloc(lists, (nlists + 1) * sizeof *lists);
            if (!nl)
                return cli_warn("scan", "out of memory"), BW_EXIT_USAGE;
            lists = nl;
            lists[nlists++] = optarg;
            break;
        }
        case O_FAIL: fail_on_match = 1; break;
        case O_MAXD:
            if ((v = cli_parse_uint(optarg)) < 0 || v > 256)
                return free(lists), cli_usage_error("scan", "--max-distance takes 0 to 256");
            so.max_distance = (int)v;
            break;
        case O_MINQ:
            if ((v = cli_parse_uint(optarg)) < 0 || v > 100)
                return free(lists), cli_usage_error("scan", "--min-quality takes 0 to 100");
            so.min_quality = (int)v;
            break;
        case O_DIH: so.dihedral = 1; break;
        case O_DB: db = optarg; break;
        case O_INDEX:
            if ((c = cli_parse_index_layout("scan", optarg, &iopts.layout)) != 0)
                return free(lists), c;
            break;
        case O_PROV: so.provenance = 1; break;
        case O_EXACT: so.exact = 1; break;
        case O_FOLLOW: so.follow_symlinks = 1; break;
        case 'j':
            if ((jobs = cli_parse_uint(optarg)) < 1 || jobs > 1024)
                return free(lists), cli_usage_error("scan", "-j takes a number from 1 to 1024");
            break;
        case O_PROG: progress = 1; break;
        case O_NOPROG: progress = 0; break;
        case O_DEPTH:
            /* one message for every bad value (-1, x, 65) */
            if ((v = cli_parse_uint(optarg)) < 0 || v > 64)
                return free(lists), cli_usage_error("scan", "--max-depth takes 0 to 64");
            u = (uint64_t)v;
            limits.archive_max_depth = (uint32_t)u;
            break;
        case O_MEMBERS:
            if (set_limit_u64("--max-members", optarg, 0, &u))
                return free(lists), BW_EXIT_USAGE;
            limits.archive_max_members = u;
            break;
        case O_ABYTES:
            if (set_limit_u64("--max-archive-bytes", optarg, 1, &u))
                return free(lists), BW_EXIT_USAGE;
            limits.archive_max_bytes = u;
            break;
        case O_RATIO:
            if ((v = cli_parse_uint(optarg)) < 1 || v > 1000000)
                return free(lists), cli_usage_error("scan", "--max-ratio takes 1 to 1000000");
            u = (uint64_t)v;
            limits.archive_max_ratio = (uint32_t)u;
            break;
        case O_FSIZE:
            if (set_limit_u64("--max-file-size", optarg, 1, &u))
                return free(lists), BW_EXIT_USAGE;
            limits.max_file_bytes = u;
            break;
        case O_PIXELS:
            if ((v = cli_parse_uint(optarg)) < 1)
                return free(lists), cli_usage_error("scan", "--max-pixels takes a positive number");
            limits.max_pixels = (uint64_t)v;
            break;
        case O_QUEUE:
            if ((v = cli_parse_uint(optarg)) < 1 || v > 65536)
                return free(lists), cli_usage_error("scan", "--queue takes 1 to 65536");
            so.queue = (size_t)v;
            break;
        case 1000:
            if (cli_set_limit("scan", &limits, optarg) != 0) {
                free(lists);
                return BW_EXIT_USAGE;
            }
            break;
        case 1001: allow_empty = 1; break;
        case 'h': fputs(usage_text, stdout); free(lists); return BW_EXIT_OK;
        default: free(lists); return cli_usage_error("scan", "unknown option");
        }
    }
    if (optind >= argc)
        return free(lists), cli_usage_error("scan", "no PATH given");
    if (resume && !out_path)
        return free(lists), cli_usage_error("scan", "--resume needs -o OUT.jsonl");
    for (int i = optind, dash = 0; i < argc; i++)
        if (strcmp(argv[i], "-") == 0) {
            if (dash++)
                return free(lists), cli_usage_error("scan", "'-' (stdin) may be given once");
            if (resume)
                return free(lists), cli_usage_error("scan", "--resume cannot continue stdin ('-')");
        }

    so.jobs = (unsigned)jobs;
    so.limits = &limits;
    so.stop = &stop_flag;
    iopts.design_distance = so.max_distance >= 0 ? so.max_distance : 0;
    rc = cli_open_matcher("scan", db, (const char *const *)lists, nlists, &iopts, allow_empty,
                          &so.matcher);
    free(lists);
    if (rc != BW_EXIT_OK)
        return rc;
    rn.output = out_path;
    rn.matches_only = out_path && !rn.json;
    rn.progress = progress == 1 || (progress == -1 && cli_stderr_tty());
    return run_scan(&rn, &so, (const char *const *)argv + optind, (size_t)(argc - optind),
                    resume, fail_on_match);
}
