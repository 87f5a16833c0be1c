/* cmd_match.c -- `bulwark match`: look hashes or files up in the lists of
 * the store. A query is a hash (32 hex digits MD5, 40 SHA-1, 64 PDQ --
 * also looked up as SHA-256) or the path of a file, which is hashed first
 * (PDQ for images, MD5/SHA-1/SHA-256 for every file). `-` reads one query
 * per line from stdin. One result per query, in order. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static const char usage_text[] =
    "usage: bulwark match [--json] [--list NAME]... [--max-distance D] [--min-quality Q]\n"
    "                     [--dihedral] [--index fast|compact] [-j N] HASH|PATH...\n"
    "\n"
    "Look hashes or files up in the hash lists of the store (--db PATH). A query\n"
    "is a hash (32 hex digits MD5, 40 SHA-1, 64 PDQ -- also tried as SHA-256) or\n"
    "a file, which is hashed first; '-' reads one query per line from stdin.\n"
    "PDQ matches are every list hash within the distance, nearest first; exact\n"
    "kinds match at distance 0.\n"
    "\n"
    "  --json             one JSON object per query: query, pdq (when hashed),\n"
    "                     matches:[{list, kind, hash, distance, label}]\n"
    "  --list NAME        only these lists (repeatable; default all)\n"
    "  --max-distance D   PDQ distance threshold, 0..256 (default 31)\n"
    "  --min-quality Q    do not match PDQ hashes of images below quality Q\n"
    "                     (default 50)\n"
    "  --dihedral         also match the 7 rotations/flips of each image\n"
    "  --db PATH          the store\n"
    "  --allow-empty      run even if the store is missing or has no lists\n"
    "                     (otherwise that is an error: nothing would match)\n"
    "  -j, --jobs N       worker threads for the queries named on the command\n"
    "                     line (default: all cores); stdin is answered line by line\n"
    "  --index LAYOUT     the hash index in memory: compact (default; about 46\n"
    "                     bytes per PDQ hash) or fast (about 112 bytes, lookups\n"
    "                     about 1.4x as fast); distances over 64 always use fast\n"
    "\n"
    "Exit: 0 all queries answered, 1 some failed (each reported), 2 usage error.\n";

typedef struct run {
    int json;
    bw_matcher *m;
    bw_match_request req;
} run;

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
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'J'},
        {"list", required_argument, NULL, 'l'},
        {"max-distance", required_argument, NULL, 'd'},
        {"min-quality", required_argument, NULL, 'q'},
        {"dihedral", no_argument, NULL, 'H'},
        {"db", required_argument, NULL, 'D'},
        {"index", required_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},
        {"allow-empty", no_argument, NULL, 'E'},
        {"jobs", required_argument, NULL, 'j'},
        {NULL, 0, NULL, 0}};
    run rn = {0};
    rn.req.jobs = cli_default_jobs();
    const char *db = NULL;
    const char **lists = NULL;
    size_t nlists = 0;
    long long v;
    int c, stdin_used = 0, allow_empty = 0;
    bw_error err;
    bw_index_opts iopts = {.layout = BW_INDEX_COMPACT};

    rn.req.max_distance = BW_PDQ_DEFAULT_MAX_DISTANCE;
    rn.req.min_quality = BW_PDQ_DEFAULT_MIN_QUALITY;
    lists = calloc((size_t)argc + 1, sizeof *lists);
    if (!lists)
        return cli_warn("match", "out of memory"), BW_EXIT_SOME_FAILED;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hj:", longopts, NULL)) != -1) {
        switch (c) {
        case 'J': rn.json = 1; break;
        case 'H': rn.req.dihedral = 1; break;
        case 'D': db = optarg; break;
        case 'I':
            if ((c = cli_parse_index_layout("match", optarg, &iopts.layout)) != 0)
                return free(lists), c;
            break;
        case 'l': lists[nlists++] = optarg; break;
        case 'd':
            if ((c = cli_parse_range("match", "--max-distance", optarg, 0, 256, &v)) != 0)
                return free(lists), c;
            rn.req.max_distance = (int)v;
            break;
        case 'q':
            if ((c = cli_parse_range("match", "--min-quality", optarg, 0, 100, &v)) != 0)
                return free(lists), c;
            rn.req.min_quality = (int)v;
            break;
        case 'E': allow_empty = 1; break;
        case 'j':
            if ((c = cli_parse_range("match", "-j", optarg, 1, 1024, &v)) != 0)
                return free(lists), c;
            rn.req.jobs = (unsigned)v;
            break;
        case 'h': fputs(usage_text, stdout); free(lists); return BW_EXIT_OK;
        default: free(lists); return cli_usage_error("match", "unknown option");
        }
    }
    if (optind >= argc) {
        free(lists);
        return cli_usage_error("match", "no HASH or PATH given ('-' reads them from stdin)");
    }
    for (int i = optind; i < argc; i++)
        if (strcmp(argv[i], "-") == 0 && stdin_used++) {
            free(lists);
            return cli_usage_error("match", "'-' (stdin) may be given once");
        }
    iopts.design_distance = rn.req.max_distance;
    c = cli_open_matcher("match", db, lists, nlists, &iopts, allow_empty, &rn.m);
    free(lists);
    if (c != BW_EXIT_OK)
        return c;
    rn.req.queries = (const char *const *)argv + optind;
    rn.req.nqueries = (size_t)(argc - optind);
    rn.req.stdin_fd = STDIN_FILENO;
    rn.req.matcher = rn.m;
    bw_sink sink = {rn.json, on_record, NULL};
    uint64_t failed = 0;
    bw_status st = bw_match_run(&rn.req, &sink, &failed, &err);
    bw_matcher_close(rn.m);
    fflush(stdout);
    if (st != BW_OK) {
        cli_warn("match", "%s", bw_error_message(&err));
        return BW_EXIT_SOME_FAILED;
    }
    return failed ? BW_EXIT_SOME_FAILED : BW_EXIT_OK;
}
