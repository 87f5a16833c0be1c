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
    "                     [--dihedral] [--index fast|compact] HASH|PATH...\n"
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
    "  --index LAYOUT     the hash index in memory: compact (default; about 46\n"
    "                     bytes per PDQ hash) or fast (about 112 bytes, lookups\n"
    "                     about 1.4x as fast); distances over 64 always use fast\n"
    "\n"
    "Exit: 0 all queries answered, 1 some failed (each reported), 2 usage error.\n";

typedef struct run {
    bw_matcher *m;
    bw_hasher *hasher;
    int json, dihedral, max_distance, min_quality;
    int failed;
    bw_matches matches;
    bw_json out;
} run;

static void report_error(run *rn, const char *query, const char *msg)
{
    rn->failed = 1;
    if (rn->json) {
        bw_json j;
        bw_json_init(&j);
        bw_json_object_begin(&j);
        bw_json_key(&j, "query");
        bw_json_string(&j, query);
        bw_json_key(&j, "error");
        bw_json_string(&j, msg);
        bw_json_object_end(&j);
        cli_emit_json(&j);
        bw_json_free(&j);
    } else {
        cli_warn("match", "%s: %s", query, msg);
    }
}

static void print_result(run *rn, const char *query, const bw_hash_result *hr, const char *note);

/* A file that failed to hash after its bytes were read: the error, its
 * digests and their matches ({"query", "error", "size", "md5", "sha1",
 * "sha256", "matches"}). Counts as failed. */
static void report_error_digests(run *rn, const char *path, const char *msg,
                                 const bw_hash_result *hr)
{
    bw_error err;
    rn->failed = 1;
    if (bw_matcher_digests(rn->m, &hr->digests, &rn->matches, &err) != BW_OK) {
        report_error(rn, path, bw_error_message(&err));
        return;
    }
    bw_matches_sort(&rn->matches);
    if (rn->json) {
        char hex[65];
        bw_json *j = &rn->out;
        bw_json_reset(j);
        bw_json_object_begin(j);
        bw_json_key(j, "query");
        bw_json_string(j, path);
        bw_json_key(j, "error");
        bw_json_string(j, msg);
        bw_json_key(j, "size");
        bw_json_uint(j, hr->size);
        bw_hex_encode(hr->digests.md5, 16, hex);
        bw_json_key(j, "md5");
        bw_json_string(j, hex);
        bw_hex_encode(hr->digests.sha1, 20, hex);
        bw_json_key(j, "sha1");
        bw_json_string(j, hex);
        bw_hex_encode(hr->digests.sha256, 32, hex);
        bw_json_key(j, "sha256");
        bw_json_string(j, hex);
        bw_json_key(j, "matches");
        bw_matches_json(j, &rn->matches);
        bw_json_object_end(j);
        cli_emit_json(j);
        return;
    }
    cli_warn("match", "%s: %s", path, msg);
    print_result(rn, path, NULL, "digests only: the file did not decode");
}

static void print_result(run *rn, const char *query, const bw_hash_result *hr, const char *note)
{
    char hex[2 * BW_HASH_MAX_BYTES + 1];
    if (rn->json) {
        bw_json *j = &rn->out;
        bw_json_reset(j);
        bw_json_object_begin(j);
        bw_json_key(j, "query");
        bw_json_string(j, query);
        if (hr && hr->kind == BW_KIND_IMAGE) {
            bw_pdq_to_hex(&hr->pdq, hex);
            bw_json_key(j, "pdq");
            bw_json_string(j, hex);
            bw_json_key(j, "quality");
            bw_json_int(j, hr->quality);
        }
        if (note) {
            bw_json_key(j, "note");
            bw_json_string(j, note);
        }
        bw_json_key(j, "matches");
        bw_matches_json(j, &rn->matches);
        bw_json_object_end(j);
        cli_emit_json(j);
        return;
    }
    if (rn->matches.n == 0) {
        printf("%s: no match%s%s\n", query, note ? " -- " : "", note ? note : "");
        return;
    }
    printf("%s: %zu match%s%s%s\n", query, rn->matches.n, rn->matches.n == 1 ? "" : "es",
           note ? " -- " : "", note ? note : "");
    for (size_t i = 0; i < rn->matches.n; i++) {
        const bw_match *x = &rn->matches.v[i];
        bw_hex_encode(x->hash, bw_hash_kind_bytes(x->kind), hex);
        printf("  %-20s %-6s %3d  %s  %s\n", x->list, bw_hash_kind_name(x->kind), x->distance, hex,
               x->label ? x->label : "");
    }
}

static void query_hash(run *rn, const char *q, bw_hash_kind kind, const uint8_t *bytes)
{
    bw_error err;
    bw_status st;
    if (kind == BW_HASH_PDQ) {
        bw_pdq h;
        bw_pdq_unpack(bytes, &h);
        /* a bare hash has no image to turn: --dihedral cannot apply */
        st = bw_matcher_pdq(rn->m, &h, NULL, rn->max_distance, &rn->matches, &err);
        if (st == BW_OK)
            st = bw_matcher_exact(rn->m, BW_HASH_SHA256, bytes, &rn->matches, &err);
    } else {
        st = bw_matcher_exact(rn->m, kind, bytes, &rn->matches, &err);
    }
    if (st != BW_OK) {
        report_error(rn, q, bw_error_message(&err));
        return;
    }
    bw_matches_sort(&rn->matches);
    print_result(rn, q, NULL, NULL);
}

static void query_file(run *rn, const char *path)
{
    bw_error err;
    bw_reader *r;
    bw_hash_result hr;
    const char *note = NULL;
    char notebuf[96];
    bw_status st = bw_reader_open_file(&r, path, &err);
    if (st == BW_OK) {
        st = bw_hasher_hash_reader(rn->hasher, r, &hr, &err);
        bw_reader_close(r);
    }
    if (st != BW_OK && hr.has_digests) {
        /* undecodable or too large: its exact hashes still come from the bytes */
        report_error_digests(rn, path, bw_error_message(&err), &hr);
        return;
    }
    if (st != BW_OK) {
        report_error(rn, path, bw_error_message(&err));
        return;
    }
    st = bw_matcher_digests(rn->m, &hr.digests, &rn->matches, &err);
    if (st == BW_OK && hr.kind == BW_KIND_IMAGE) {
        if (hr.quality < rn->min_quality) {
            snprintf(notebuf, sizeof notebuf, "PDQ not matched: quality %d is below %d", hr.quality,
                     rn->min_quality);
            note = notebuf;
        } else {
            st = bw_matcher_pdq(rn->m, &hr.pdq, rn->dihedral && hr.has_dihedral ? hr.dihedral : NULL,
                                rn->max_distance, &rn->matches, &err);
        }
    }
    if (st != BW_OK) {
        report_error(rn, path, bw_error_message(&err));
        return;
    }
    bw_matches_sort(&rn->matches);
    print_result(rn, path, &hr, note);
}

static void query(run *rn, const char *q)
{
    bw_hash_kind kind;
    uint8_t bytes[BW_HASH_MAX_BYTES];
    bw_matches_clear(&rn->matches);
    if (bw_match_parse_hash(q, strlen(q), &kind, bytes) == BW_OK && access(q, F_OK) != 0)
        query_hash(rn, q, kind, bytes);
    else
        query_file(rn, q);
}

static void from_stdin(run *rn)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        char *q = line;
        while (*q == ' ' || *q == '\t')
            q++;
        if (!*q)
            continue;
        if (strlen(q) > 4096) {
            report_error(rn, "-", "query line longer than 4096 bytes");
            continue;
        }
        query(rn, q);
    }
    free(line);
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
        {NULL, 0, NULL, 0}};
    run rn = {0};
    const char *db = NULL;
    const char **lists = NULL;
    size_t nlists = 0;
    long long v;
    int c, stdin_used = 0;
    bw_error err;
    bw_index_opts iopts = {.layout = BW_INDEX_COMPACT};

    rn.max_distance = BW_PDQ_DEFAULT_MAX_DISTANCE;
    rn.min_quality = BW_PDQ_DEFAULT_MIN_QUALITY;
    lists = calloc((size_t)argc + 1, sizeof *lists);
    if (!lists)
        return cli_warn("match", "out of memory"), BW_EXIT_SOME_FAILED;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'J': rn.json = 1; break;
        case 'H': rn.dihedral = 1; break;
        case 'D': db = optarg; break;
        case 'I':
            if ((c = cli_parse_index_layout("match", optarg, &iopts.layout)) != 0)
                return free(lists), c;
            break;
        case 'l': lists[nlists++] = optarg; break;
        case 'd':
            if ((v = cli_parse_uint(optarg)) < 0 || v > 256) {
                free(lists);
                return cli_usage_error("match", "--max-distance takes a number from 0 to 256");
            }
            rn.max_distance = (int)v;
            break;
        case 'q':
            if ((v = cli_parse_uint(optarg)) < 0 || v > 100) {
                free(lists);
                return cli_usage_error("match", "--min-quality takes a number from 0 to 100");
            }
            rn.min_quality = (int)v;
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
    const char *path = cli_db_path(db);
    if (!path) {
        free(lists);
        cli_warn("match", "cannot find or create the store directory (set --db or BULWARK_DB)");
        return BW_EXIT_USAGE;
    }
    iopts.design_distance = rn.max_distance;
    if (bw_matcher_open_with(&rn.m, path, lists, nlists, &iopts, &err) != BW_OK) {
        free(lists);
        cli_warn("match", "%s", bw_error_message(&err));
        return err.status == BW_ERR_NOT_FOUND ? BW_EXIT_USAGE : BW_EXIT_SOME_FAILED;
    }
    free(lists);
    bw_hash_opts ho = {0, rn.dihedral, NULL};
    if (bw_hasher_new(&rn.hasher, &ho, &err) != BW_OK) {
        cli_warn("match", "%s", bw_error_message(&err));
        bw_matcher_close(rn.m);
        return BW_EXIT_SOME_FAILED;
    }
    bw_json_init(&rn.out);
    for (int i = optind; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0)
            from_stdin(&rn);
        else
            query(&rn, argv[i]);
        fflush(stdout);
    }
    bw_json_free(&rn.out);
    bw_matches_free(&rn.matches);
    bw_hasher_free(rn.hasher);
    bw_matcher_close(rn.m);
    return rn.failed ? BW_EXIT_SOME_FAILED : BW_EXIT_OK;
}
