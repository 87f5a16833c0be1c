/* cmd_cluster.c -- `bulwark cluster`: group near-duplicate images (PDQ
 * within --max-distance) and exact duplicates (same SHA-256), from paths
 * (hashed through the scan pipeline: directories and archives too) or from
 * the JSON Lines output of an earlier scan (--from). The options become a
 * bw_cluster_request; bw_cluster_run does the rest and the sink here
 * prints each group. */
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

/* The sink: diagnostics for inputs that failed, then each group. */
static void on_record(void *ctx, const bw_sink_record *rec)
{
    const bw_cluster_group *g = rec->result;
    (void)ctx;
    if (rec->note)
        cli_warn("cluster", "%s", rec->note);
    if (rec->status != BW_OK)
        cli_warn("cluster", "%s: %s", rec->path, rec->error);
    if (!g)
        return;
    if (rec->json) {
        cli_emit_json_bytes(rec->json, rec->json_len);
        return;
    }
    printf("cluster %llu: %zu members, representative %s\n", (unsigned long long)g->id, g->n,
           cli_esc(g->representative));
    for (size_t i = 0; i < g->n; i++)
        printf("  %s\n", cli_esc(g->members[i]));
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
    const char *from = NULL;
    long long jobs = cli_default_jobs(), v;
    int follow = 0, c, json = 0;
    bw_error err;

    bw_limits_default(&limits);
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:h", longopts, NULL)) != -1) {
        switch (c) {
        case O_JSON: json = 1; break;
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
    bw_cluster_request req = {(const char *const *)argv + optind, (size_t)(argc - optind), from,
                              STDIN_FILENO, co, (unsigned)jobs, follow, &limits};
    bw_sink sink = {json, on_record, NULL};
    uint64_t failed = 0;
    if (bw_cluster_run(&req, &sink, &failed, &err) != BW_OK) {
        fflush(stdout);
        cli_warn("cluster", "%s", bw_error_message(&err));
        return from ? BW_EXIT_USAGE : BW_EXIT_SOME_FAILED;
    }
    fflush(stdout);
    return failed ? BW_EXIT_SOME_FAILED : BW_EXIT_OK;
}
