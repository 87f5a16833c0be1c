/* cmd_cluster.c -- `bulwark cluster`: group near-duplicate images (PDQ
 * within --max-distance) and exact duplicates (same SHA-256), from paths
 * (hashed here, through the scan pipeline: directories and archives too)
 * or from the JSON Lines output of an earlier scan (--from). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static const char usage_text[] =
    "usage: bulwark cluster [--json] [--max-distance D] PATH...\n"
    "       bulwark cluster [--json] [--max-distance D] --from SCAN.jsonl\n"
    "\n"
    "Group near-duplicates: images whose PDQ hashes are within D bits, and files\n"
    "with the same SHA-256. One group per line, for groups of two or more; the\n"
    "representative is the member of highest PDQ quality.\n"
    "\n"
    "  --json             {\"cluster\": id, \"members\": [...], \"representative\": path}\n"
    "  --max-distance D   PDQ distance that joins two images, 0-256 (default 31)\n"
    "  --min-quality Q    images of lower PDQ quality join only by SHA-256 (default 50)\n"
    "  --from FILE        read the hashes from `scan --json`/-o output ('-': stdin)\n"
    "  -j, --jobs N       worker threads (default: all cores)\n"
    "  --follow-symlinks  follow symbolic links inside directories\n"
    "  --max-depth N      archives nested deeper are not opened (default 4)\n"
    CLI_LIMIT_HELP
    "\n"
    "Exit: 0 done, 1 some inputs failed (each reported), 2 usage error.\n";

typedef struct crun {
    bw_clusterer *cl;
    int failed;
    int json;
    bw_json out;
} crun;

static void on_record(void *ctx, const bw_scan_record *rec)
{
    crun *cr = ctx;
    bw_error err;
    if (rec->kind == BW_SCAN_ERROR) {
        cli_warn("cluster", "%s: %s", rec->path, rec->error);
        cr->failed = 1;
        return;
    }
    if (rec->kind != BW_SCAN_FILE)
        return;
    if (bw_clusterer_add(cr->cl, rec->path, rec->hash->digests.sha256,
                         rec->hash->kind == BW_KIND_IMAGE ? &rec->hash->pdq : NULL,
                         rec->hash->kind == BW_KIND_IMAGE ? rec->hash->quality : -1,
                         &err) != BW_OK) {
        cli_warn("cluster", "%s: %s", rec->path, bw_error_message(&err));
        cr->failed = 1;
    }
}

static int on_group(void *ctx, uint64_t id, const char *const *members, size_t n,
                    const char *rep)
{
    crun *cr = ctx;
    if (cr->json) {
        bw_json_reset(&cr->out);
        bw_cluster_json(&cr->out, id, members, n, rep);
        cli_emit_json(&cr->out);
        return 0;
    }
    printf("cluster %llu: %zu members, representative %s\n", (unsigned long long)id, n,
           cli_esc(rep));
    for (size_t i = 0; i < n; i++)
        printf("  %s\n", cli_esc(members[i]));
    return 0;
}

static int read_from(crun *cr, const char *from)
{
    bw_reader *r = NULL;
    bw_error err;
    uint64_t bad = 0;
    bw_status st = strcmp(from, "-") == 0 ? bw_reader_open_fd(&r, STDIN_FILENO, 0, &err)
                                          : bw_reader_open_file(&r, from, &err);
    if (st == BW_OK)
        st = bw_clusterer_add_jsonl(cr->cl, r, NULL, &bad, &err);
    bw_reader_close(r);
    if (st != BW_OK) {
        cli_warn("cluster", "%s: %s", from, bw_error_message(&err));
        return BW_EXIT_USAGE;
    }
    if (bad) {
        cli_warn("cluster", "%s: %llu lines are not scan records (skipped)", from,
                 (unsigned long long)bad);
        cr->failed = 1;
    }
    return BW_EXIT_OK;
}

static int hash_paths(crun *cr, char **paths, int n, unsigned jobs, int follow,
                      const bw_limits *limits)
{
    bw_scan_opts so;
    bw_scanner *s;
    bw_error err;
    memset(&so, 0, sizeof so);
    so.jobs = jobs;
    so.follow_symlinks = follow;
    so.limits = limits;
    so.max_distance = -1;
    so.min_quality = -1;
    if (bw_scanner_new(&s, &so, on_record, cr, &err) != BW_OK) {
        cli_warn("cluster", "%s", bw_error_message(&err));
        return BW_EXIT_SOME_FAILED;
    }
    for (int i = 0; i < n; i++)
        if (bw_scanner_add(s, paths[i], &err) != BW_OK) {
            cli_warn("cluster", "%s: %s", paths[i], bw_error_message(&err));
            cr->failed = 1;
            break;
        }
    bw_scanner_free(s);
    return BW_EXIT_OK;
}

int cmd_cluster(int argc, char **argv)
{
    enum { O_JSON = 256, O_MAXD, O_MINQ, O_FROM, O_FOLLOW, O_DEPTH };
    static const struct option longopts[] = {
        {"json", no_argument, NULL, O_JSON},
        {"max-distance", required_argument, NULL, O_MAXD},
        {"min-quality", required_argument, NULL, O_MINQ},
        {"from", required_argument, NULL, O_FROM},
        {"jobs", required_argument, NULL, 'j'},
        {"follow-symlinks", no_argument, NULL, O_FOLLOW},
        {"max-depth", required_argument, NULL, O_DEPTH},
        {"limit", required_argument, NULL, 1000}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    bw_cluster_opts co = {-1, -1, 0};
    bw_limits limits;
    crun cr;
    const char *from = NULL;
    long long jobs = cli_default_jobs(), v;
    int follow = 0, c, rc;
    bw_error err;

    memset(&cr, 0, sizeof cr);
    bw_limits_default(&limits);
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:h", longopts, NULL)) != -1) {
        switch (c) {
        case O_JSON: cr.json = 1; break;
        case O_MAXD:
            if ((v = cli_parse_uint(optarg)) < 0 || v > 256)
                return cli_usage_error("cluster", "--max-distance takes 0 to 256");
            co.max_distance = (int)v;
            break;
        case O_MINQ:
            if ((v = cli_parse_uint(optarg)) < 0 || v > 100)
                return cli_usage_error("cluster", "--min-quality takes 0 to 100");
            co.min_quality = (int)v;
            break;
        case O_FROM: from = optarg; break;
        case 'j':
            if ((jobs = cli_parse_uint(optarg)) < 1 || jobs > 1024)
                return cli_usage_error("cluster", "-j takes a number from 1 to 1024");
            break;
        case O_FOLLOW: follow = 1; break;
        case O_DEPTH:
            if ((v = cli_parse_uint(optarg)) < 0 || v > 64)
                return cli_usage_error("cluster", "--max-depth takes 0 to 64");
            limits.archive_max_depth = (uint32_t)v;
            break;
        case 1000:
            if (cli_set_limit("cluster", &limits, optarg) != 0) {
                return BW_EXIT_USAGE;
            }
            break;
        case 'h': fputs(usage_text, stdout); return BW_EXIT_OK;
        default: return cli_usage_error("cluster", "unknown option");
        }
    }
    if (from && optind < argc)
        return cli_usage_error("cluster", "give PATHs or --from, not both");
    if (!from && optind >= argc)
        return cli_usage_error("cluster", "no PATH given (or --from SCAN.jsonl)");
    co.jobs = (unsigned)jobs;
    if (bw_clusterer_new(&cr.cl, &co, &err) != BW_OK) {
        cli_warn("cluster", "%s", bw_error_message(&err));
        return BW_EXIT_SOME_FAILED;
    }
    bw_json_init(&cr.out);
    rc = from ? read_from(&cr, from)
              : hash_paths(&cr, argv + optind, argc - optind, (unsigned)jobs, follow, &limits);
    if (rc == BW_EXIT_OK && bw_clusterer_run(cr.cl, on_group, &cr, &err) != BW_OK) {
        cli_warn("cluster", "%s", bw_error_message(&err));
        rc = BW_EXIT_SOME_FAILED;
    }
    bw_clusterer_free(cr.cl);
    bw_json_free(&cr.out);
    fflush(stdout);
    if (rc != BW_EXIT_OK)
        return rc;
    return cr.failed ? BW_EXIT_SOME_FAILED : BW_EXIT_OK;
}
