/* cmd_match.c -- `bulwark match`: look hashes or files up in the lists of
 * the store. A query is a hash (32 hex digits MD5, 40 SHA-1, 64 PDQ --
 * also looked up as SHA-256) or the path of a file, which is hashed first
 * (PDQ for images, MD5/SHA-1/SHA-256 for every file). `-` reads one query
 * per line from stdin. One result per query, in order. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

typedef struct match_args {
    cli_common c;
    int dihedral;
} match_args;

static const cli_opt match_opts[] = {
    CLI_OPT_JSON("one JSON object per query: query, pdq (when hashed), matches:[{list, kind, "
                 "hash, distance, label}]"),
    CLI_OPT_LISTS,
    CLI_OPT_MAX_DISTANCE("PDQ distance threshold, 0..256 (default 31)"),
    CLI_OPT_MIN_QUALITY("do not match PDQ hashes of images below quality Q (default 50)"),
    CLI_OPT_FLAG("dihedral", match_args, dihedral,
                 "also match the 7 rotations/flips of each image"),
    CLI_OPT_DB,
    CLI_OPT_ALLOW_EMPTY,
    {CLI_NUM, "jobs", 'j', "N", CLI_C(jobs), 1, 1024, NULL,
     "worker threads for the queries named on the command line (default: all cores); stdin "
     "is answered line by line"},
    CLI_OPT_INDEX,
    CLI_OPT_END};

static const cli_cmd match_cmd = {
    "match",
    "bulwark match [--json] [--list NAME]... [--max-distance D] [--min-quality Q]\n"
    "                     [--dihedral] [--index fast|compact] [-j N] HASH|PATH...",
    "Look hashes or files up in the hash lists of the store (--db PATH). A query\n"
    "is a hash (32 hex digits MD5, 40 SHA-1, 64 PDQ -- also tried as SHA-256) or\n"
    "a file, which is hashed first; '-' reads one query per line from stdin.\n"
    "PDQ matches are every list hash within the distance, nearest first; exact\n"
    "kinds match at distance 0.\n\n",
    match_opts,
    "Exit: 0 all queries answered, 1 some failed (each reported), 2 usage error.\n"};

/* The people's lines of one answer. */
static void print_answer(const bw_match_answer *a)
{
    char hex[2 * BW_HASH_MAX_BYTES + 1];
    const char *query = a->query, *note = a->note;
    const bw_matches *ms = a->matches;
    if (ms->n == 0) {
        printf("%s: no match%s%s\n", cli_esc(query), note ? " -- " : "", note ? note : "");
        return;
    }
    printf("%s: %zu match%s%s%s\n", cli_esc(query), ms->n, ms->n == 1 ? "" : "es",
           note ? " -- " : "", note ? note : "");
    for (size_t i = 0; i < ms->n; i++) {
        const bw_match *x = &ms->v[i];
        bw_hex_encode(x->hash, bw_hash_kind_bytes(x->kind), hex);
        printf("  %-20s %-6s %3d  %s  %s\n", cli_esc(x->list), bw_hash_kind_name(x->kind),
               x->distance, hex, x->label ? cli_esc(x->label) : "");
    }
}

/* The sink: each answer in input order; flushed, as `match -` is
 * interactive. */
static void on_record(void *ctx, const bw_sink_record *rec)
{
    const bw_match_answer *a = rec->result;
    (void)ctx;
    if (rec->json) {
        cli_emit_json_bytes(rec->json, rec->json_len);
    } else if (rec->status != BW_OK) {
        cli_warn("match", "%s: %s", rec->path, rec->error);
        if (a && a->digests_only) {
            bw_match_answer shown = *a;
            shown.note = "digests only: the file did not decode";
            print_answer(&shown);
        }
    } else {
        print_answer(a);
    }
    fflush(stdout);
}

int cmd_match(int argc, char **argv)
{
    match_args a;
    bw_match_request req;
    bw_error err;
    uint64_t failed = 0;
    int first, rc;

    memset(&a, 0, sizeof a);
    cli_common_init(&a.c);
    if ((rc = cli_parse(&match_cmd, argc, argv, &a, &first)) != 0)
        return rc < 0 ? BW_EXIT_OK : rc;
    if ((rc = cli_check_operands("match", argc, argv, first,
                                 "no HASH or PATH given ('-' reads them from stdin)")) != 0) {
        cli_args_free(&match_cmd, &a);
        return rc;
    }
    memset(&req, 0, sizeof req);
    rc = cli_open_lists("match", &a.c, &req.matcher);
    cli_args_free(&match_cmd, &a);
    if (rc != BW_EXIT_OK)
        return rc;
    req.queries = (const char *const *)argv + first;
    req.nqueries = (size_t)(argc - first);
    req.stdin_fd = STDIN_FILENO;
    req.max_distance = a.c.max_distance;
    req.min_quality = a.c.min_quality;
    req.dihedral = a.dihedral;
    req.jobs = (unsigned)a.c.jobs;
    bw_sink sink = {a.c.json, on_record, NULL};
    bw_status st = bw_match_run(&req, &sink, &failed, &err);
    bw_matcher_close(req.matcher);
    fflush(stdout);
    if (st != BW_OK) {
        cli_warn("match", "%s", bw_error_message(&err));
        return BW_EXIT_SOME_FAILED;
    }
    return failed ? BW_EXIT_SOME_FAILED : BW_EXIT_OK;
}
