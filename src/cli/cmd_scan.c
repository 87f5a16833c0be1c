/* cmd_scan.c -- `bulwark scan`: walk folders, archives and dataset shards;
 * one record per file (hashes, matches against the lists, provenance when
 * asked), a durable -o output that --resume continues, a progress bar.
 *
 * The pipeline is the library's (scan.h); this file does the command
 * line: options, opening the lists, the output file, printing, the
 * progress bar (with a second thread that counts the input while the scan
 * runs, for the total and the ETA), and Ctrl-C (SIGINT sets a flag, the
 * scanner stops reading, what is in flight is finished and written). */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

/* ---------------- Counting the input while it is scanned ---------------- */

typedef struct counter {
    char **paths;
    int npaths;
    int follow;
    atomic_ullong files, bytes;
    atomic_int finished, quit;
} counter;

static int count_entry(void *ctx, const bw_walk_entry *e)
{
    counter *c = ctx;
    if (!e->error) {
        atomic_fetch_add(&c->files, 1);
        atomic_fetch_add(&c->bytes, e->size);
    }
    return atomic_load(&c->quit) || stop_flag;
}

static void *count_main(void *arg)
{
    counter *c = arg;
    bw_walk_opts wo = {c->follow, 0};
    for (int i = 0; i < c->npaths && !atomic_load(&c->quit); i++)
        if (strcmp(c->paths[i], "-") != 0) /* stdin: not counted ahead */
            bw_walk(c->paths[i], &wo, count_entry, c);
    atomic_store(&c->finished, 1);
    return NULL;
}

/* ---------------- The run ---------------- */

typedef struct run {
    int json;
    int human;
    int matches_only;     /* with -o and without --json: print matched records only */
    int progress;
    bw_scan_log *log;
    bw_json out;
    bw_scan_totals totals;   /* the whole output's, resumed records included */
    bw_scan_totals this_run;
    uint64_t content_bytes, disk_done, disk_bytes_done;
    double start, last_draw;
    int output_failed;
    bw_scanner *scanner;
    counter *count;
} run;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

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

static void draw_progress(run *rn, int final)
{
    bw_scan_progress p;
    double t = now(), el = t - rn->start;
    unsigned long long cfiles = atomic_load(&rn->count->files);
    unsigned long long cbytes = atomic_load(&rn->count->bytes);
    int counted = atomic_load(&rn->count->finished);
    unsigned long long total, left_disk;
    char eta[32], bar[21];
    double frac;

    if (!final && t - rn->last_draw < 0.2)
        return;
    rn->last_draw = t;
    bw_scanner_progress(rn->scanner, &p);
    left_disk = cfiles > rn->disk_done ? cfiles - rn->disk_done : 0;
    total = p.found > p.done + left_disk ? p.found : p.done + left_disk;
    frac = cbytes ? (double)rn->disk_bytes_done / (double)cbytes : 0;
    if (frac > 1)
        frac = 1;
    if (counted && rn->disk_bytes_done > 0 && el > 0.5)
        fmt_duration(eta, sizeof eta, el * (double)(cbytes - (rn->disk_bytes_done < cbytes ?
                                                                  rn->disk_bytes_done : cbytes)) /
                                          (double)rn->disk_bytes_done);
    else
        snprintf(eta, sizeof eta, "--");
    for (int i = 0; i < 20; i++)
        bar[i] = i < (int)(frac * 20) ? '=' : ' ';
    bar[20] = '\0';
    fprintf(stderr, "\r\033[K[%s] %llu/%llu%s files  %.1f img/s  %.1f MB/s  %llu matched  ETA %s",
            bar, (unsigned long long)p.done, total, counted ? "" : "+",
            el > 0 ? (double)rn->this_run.images / el : 0.0,
            el > 0 ? (double)rn->content_bytes / el / 1e6 : 0.0,
            (unsigned long long)rn->totals.matched, eta);
    if (final)
        fputs("\r\033[K", stderr);
    fflush(stderr);
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

static void on_record(void *ctx, const bw_scan_record *rec)
{
    run *rn = ctx;
    bw_error err;
    int matched = rec->kind != BW_SCAN_ARCHIVE && rec->hash && rec->matches && rec->matches->n;

    bw_scan_totals_add(&rn->totals, rec);
    bw_scan_totals_add(&rn->this_run, rec);
    if (rec->kind == BW_SCAN_FILE)
        rn->content_bytes += rec->hash->size;
    if (rec->depth == 0) {
        rn->disk_done++;
        rn->disk_bytes_done += rec->disk_bytes;
    }
    bw_json_reset(&rn->out);
    bw_scan_record_json(&rn->out, rec);
    if (rn->log && !rn->output_failed) {
        if (bw_json_status(&rn->out) != BW_OK) {
            cli_warn("scan", "%s: out of memory writing its record", rec->path);
        } else if (bw_scan_log_append(rn->log, rn->out.buf, rn->out.len, &err) != BW_OK) {
            cli_warn("scan", "%s", bw_error_message(&err));
            rn->output_failed = 1;
            stop_flag = 1;
        }
    }
    if (rn->progress)
        fputs("\r\033[K", stderr);
    if (rec->kind == BW_SCAN_ERROR && (!rn->json || rn->log))
        cli_warn("scan", "%s: %s", rec->path, rec->error);
    if (rn->json) {
        cli_emit_json(&rn->out);
    } else if ((rec->kind == BW_SCAN_FILE && !rn->matches_only) || matched) {
        print_human(rec);
    }
    if (rn->progress)
        draw_progress(rn, 0);
}

static int resume_skip(void *ctx, const char *path)
{
    return bw_scan_log_has(ctx, path);
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
    counter cnt;
    pthread_t count_thread;
    int count_started = 0;
    const char *out_path = NULL, *db = NULL;
    char **lists = NULL;
    size_t nlists = 0;
    int resume = 0, fail_on_match = 0, progress = -1, c, rc = BW_EXIT_OK, allow_empty = 0;
    long long jobs = cli_default_jobs(), v;
    uint64_t u = 0;
    bw_error err;
    int interrupted = 0;
    struct sigaction sa;
    bw_index_opts iopts = {0};

    memset(&so, 0, sizeof so);
    memset(&rn, 0, sizeof rn);
    memset(&cnt, 0, sizeof cnt);
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
    if (out_path) {
        if (bw_scan_log_open(&rn.log, out_path, resume, &limits, &err) != BW_OK) {
            cli_warn("scan", "%s", bw_error_message(&err));
            bw_matcher_close(so.matcher);
            return BW_EXIT_USAGE;
        }
        rn.totals = *bw_scan_log_totals(rn.log);
        {
            struct stat ost; /* the output inside the tree is not scanned */
            if (stat(out_path, &ost) == 0) {
                so.exclude_dev = (uint64_t)ost.st_dev;
                so.exclude_ino = (uint64_t)ost.st_ino;
            }
        }
        if (resume && bw_scan_log_kept(rn.log))
            cli_warn("scan", "resuming: %llu records already in %s",
                     (unsigned long long)bw_scan_log_kept(rn.log), out_path);
        so.skip = resume_skip;
        so.skip_ctx = rn.log;
        rn.matches_only = !rn.json;
    }
    rn.progress = progress == 1 || (progress == -1 && cli_stderr_tty());
    bw_json_init(&rn.out);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    if (bw_scanner_new(&rn.scanner, &so, on_record, &rn, &err) != BW_OK) {
        cli_warn("scan", "%s", bw_error_message(&err));
        bw_scan_log_close(rn.log, NULL, 0, NULL);
        bw_matcher_close(so.matcher);
        bw_json_free(&rn.out);
        return BW_EXIT_SOME_FAILED;
    }
    rn.start = now();
    rn.count = &cnt;
    if (rn.progress) {
        cnt.paths = argv + optind;
        cnt.npaths = argc - optind;
        cnt.follow = so.follow_symlinks;
        count_started = pthread_create(&count_thread, NULL, count_main, &cnt) == 0;
        if (!count_started)
            atomic_store(&cnt.finished, 1);
    }
    for (int i = optind; i < argc; i++) {
        bw_status st = strcmp(argv[i], "-") == 0
                           ? bw_scanner_add_fd(rn.scanner, "-", STDIN_FILENO, &err)
                           : bw_scanner_add(rn.scanner, argv[i], &err);
        if (st == BW_ERR_INTERRUPTED) {
            interrupted = 1;
            break;
        }
        if (st != BW_OK) {
            cli_warn("scan", "%s: %s", argv[i], bw_error_message(&err));
            rc = BW_EXIT_SOME_FAILED;
            break;
        }
    }
    bw_scanner_finish(rn.scanner);
    interrupted |= stop_flag != 0;
    if (count_started) {
        atomic_store(&cnt.quit, 1);
        pthread_join(count_thread, NULL);
    }
    if (rn.progress)
        draw_progress(&rn, 1);
    bw_scanner_free(rn.scanner);
    {
        double secs = now() - rn.start;
        bw_json_reset(&rn.out);
        bw_scan_summary_json(&rn.out, &rn.totals, secs, interrupted);
        if (rn.log && bw_scan_log_close(rn.log, rn.out.buf, rn.out.len, &err) != BW_OK) {
            cli_warn("scan", "%s", bw_error_message(&err));
            rc = BW_EXIT_SOME_FAILED;
        }
        fflush(stdout); /* the records first, then the summary after them */
        fprintf(stderr,
                "bulwark: scan: %s%llu files (%llu images, %llu archives), %llu matched, "
                "%llu errors in %.2f s%s\n",
                interrupted ? "interrupted after " : "",
                (unsigned long long)rn.totals.files, (unsigned long long)rn.totals.images,
                (unsigned long long)rn.totals.archives, (unsigned long long)rn.totals.matched,
                (unsigned long long)rn.totals.errors, secs,
                resume && rn.log ? " (totals include the resumed records)" : "");
    }
    bw_matcher_close(so.matcher);
    bw_json_free(&rn.out);
    fflush(stdout);
    if (fail_on_match && rn.totals.matched)
        return BW_EXIT_MATCHED;
    if (rc != BW_EXIT_OK || interrupted || rn.totals.errors || rn.output_failed)
        return BW_EXIT_SOME_FAILED;
    return BW_EXIT_OK;
}
