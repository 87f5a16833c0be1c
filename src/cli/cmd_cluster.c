/* cmd_cluster.c -- `bulwark cluster`: group near-duplicate images (PDQ
 * within --max-distance) and exact duplicates (same SHA-256), from paths
 * (hashed through the scan pipeline: directories and archives too) or from
 * the JSON Lines output of an earlier scan (--from). The options become a
 * bw_cluster_request; bw_cluster_run does the rest and the sink here
 * prints each group. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

typedef struct cluster_args {
    cli_common c;
    const char *from;
} cluster_args;

static const cli_opt cluster_opts[] = {
    CLI_OPT_JSON("{\"cluster\": id, \"members\": [...], \"representative\": path}"),
    CLI_OPT_MAX_DISTANCE("PDQ distance that joins two images, 0-256 (default 31)"),
    CLI_OPT_MIN_QUALITY("images of lower PDQ quality join only by SHA-256 (default 50)"),
    CLI_OPT_STR("from", 0, "FILE", cluster_args, from,
                "read the hashes from `scan --json`/-o output ('-': stdin)"),
    CLI_OPT_JOBS,
    CLI_OPT_FOLLOW,
    CLI_OPT_MAX_DEPTH("archives nested deeper are not opened (default 4)"),
    CLI_OPT_LIMIT,
    CLI_OPT_END};

static const cli_cmd cluster_cmd = {
    "cluster",
    "bulwark cluster [--json] [--max-distance D] PATH...\n"
    "       bulwark cluster [--json] [--max-distance D] --from SCAN.jsonl",
    "Group near-duplicates: images whose PDQ hashes are within D bits, and files\n"
    "with the same SHA-256. One group per line, for groups of two or more; the\n"
    "representative is the member of highest PDQ quality.\n\n",
    cluster_opts,
    "Exit: 0 done, 1 some inputs failed (each reported), 2 usage error.\n"};

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
    cluster_args a;
    bw_error err;
    uint64_t failed = 0;
    int first, rc;

    memset(&a, 0, sizeof a);
    cli_common_init(&a.c);
    if ((rc = cli_parse(&cluster_cmd, argc, argv, &a, &first)) != 0)
        return rc < 0 ? BW_EXIT_OK : rc;
    if (a.from && first < argc)
        return cli_usage_error("cluster", "give PATHs or --from, not both");
    if (!a.from && first >= argc)
        return cli_usage_error("cluster", "no PATH given (or --from SCAN.jsonl)");
    bw_cluster_opts co = {a.c.max_distance, a.c.min_quality, (unsigned)a.c.jobs};
    bw_cluster_request req = {(const char *const *)argv + first, (size_t)(argc - first), a.from,
                              STDIN_FILENO, co, (unsigned)a.c.jobs, a.c.follow_symlinks,
                              &a.c.limits};
    bw_sink sink = {a.c.json, on_record, NULL};
    if (bw_cluster_run(&req, &sink, &failed, &err) != BW_OK) {
        fflush(stdout);
        cli_warn("cluster", "%s", bw_error_message(&err));
        return a.from ? BW_EXIT_USAGE : BW_EXIT_SOME_FAILED;
    }
    fflush(stdout);
    return failed ? BW_EXIT_SOME_FAILED : BW_EXIT_OK;
}
