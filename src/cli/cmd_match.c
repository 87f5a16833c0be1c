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

/* One query on its way through the pool: looked up (and its file hashed)
 * on a worker, printed in input order on the main thread. */
typedef struct job {
    char *q;
    int have_hr;
    int digests_only;  /* the file did not decode: its digests were looked up */
    bw_hash_result hr;
    bw_matches matches;
    char note[96];
    bw_status st;
    bw_error err;
} job;

typedef struct run {
    bw_matcher *m;
    int json, dihedral, max_distance, min_quality;
    unsigned jobs;
    int failed;
    bw_pool *pool;
    void **worker_ctxs; /* the pool keeps using them */
    bw_json out;
} run;

/* What each worker thread has of its own. */
typedef struct worker {
    run *rn;
    bw_hasher *hasher;
} worker;

static void report_error(run *rn, const char *query, const char *msg)
{
    rn->failed = 1;
    if (rn->json) {
        bw_json j;
        bw_json_init(&j);
        bw_match_error_json(&j, query, msg, NULL, NULL);
        cli_emit_json(&j);
        bw_json_free(&j);
    } else {
        cli_warn("match", "%s: %s", query, msg);
    }
}

static void print_result(run *rn, const job *jb)
{
    char hex[2 * BW_HASH_MAX_BYTES + 1];
    const char *query = jb->q, *note = jb->note[0] ? jb->note : NULL;
    const bw_matches *ms = &jb->matches;
    if (rn->json) {
        bw_json_reset(&rn->out);
        bw_match_answer_json(&rn->out, query, jb->have_hr ? &jb->hr : NULL, note, ms);
        cli_emit_json(&rn->out);
        return;
    }
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

/* A file that failed to hash after its bytes were read: the error, its
 * digests and their matches ({"query", "error", "size", "md5", "sha1",
 * "sha256", "matches"}). Counts as failed. */
static void report_error_digests(run *rn, job *jb)
{
    const char *msg = bw_error_message(&jb->err);
    rn->failed = 1;
    if (rn->json) {
        bw_json_reset(&rn->out);
        bw_match_error_json(&rn->out, jb->q, msg, &jb->hr, &jb->matches);
        cli_emit_json(&rn->out);
        return;
    }
    cli_warn("match", "%s: %s", jb->q, msg);
    jb->have_hr = 0; /* no PDQ to show */
    snprintf(jb->note, sizeof jb->note, "digests only: the file did not decode");
    print_result(rn, jb);
    jb->have_hr = 1; /* done() frees it */
}

static bw_status query_hash(run *rn, job *jb, bw_hash_kind kind, const uint8_t *bytes)
{
    if (kind == BW_HASH_PDQ) {
        bw_pdq h;
        bw_status st;
        bw_pdq_unpack(bytes, &h);
        /* a bare hash has no image to turn: --dihedral cannot apply */
        st = bw_matcher_pdq(rn->m, &h, NULL, rn->max_distance, &jb->matches, &jb->err);
        if (st != BW_OK)
            return st;
        return bw_matcher_exact(rn->m, BW_HASH_SHA256, bytes, &jb->matches, &jb->err);
    }
    return bw_matcher_exact(rn->m, kind, bytes, &jb->matches, &jb->err);
}

static bw_status query_file(run *rn, bw_hasher *hasher, job *jb)
{
    bw_reader *r;
    bw_status st = bw_reader_open_file(&r, jb->q, &jb->err);
    if (st == BW_OK) {
        st = bw_hasher_hash_reader(hasher, r, &jb->hr, &jb->err);
        bw_reader_close(r);
    }
    if (st != BW_OK && jb->hr.has_digests) {
        /* undecodable or too large: its exact hashes still come from the
         * bytes, and are looked up; the query still counts as failed */
        bw_error lookup_err;
        jb->have_hr = jb->digests_only = 1;
        if (bw_matcher_digests(rn->m, &jb->hr.digests, &jb->matches, &lookup_err) != BW_OK)
            jb->err = lookup_err;
        return st;
    }
    if (st != BW_OK)
        return st;
    jb->have_hr = 1;
    st = bw_matcher_digests(rn->m, &jb->hr.digests, &jb->matches, &jb->err);
    if (st != BW_OK || jb->hr.kind != BW_KIND_IMAGE)
        return st;
    if (jb->hr.quality < rn->min_quality) {
        snprintf(jb->note, sizeof jb->note, "PDQ not matched: quality %d is below %d",
                 jb->hr.quality, rn->min_quality);
        return BW_OK;
    }
    return bw_matcher_pdq(rn->m, &jb->hr.pdq,
                          rn->dihedral && jb->hr.has_dihedral ? jb->hr.dihedral : NULL,
                          rn->max_distance, &jb->matches, &jb->err);
}

static void work(void *wctx, void *item)
{
    worker *w = wctx;
    job *jb = item;
    bw_hash_kind kind;
    uint8_t bytes[BW_HASH_MAX_BYTES];
    bw_error_clear(&jb->err);
    if (bw_match_parse_hash(jb->q, strlen(jb->q), &kind, bytes) == BW_OK && access(jb->q, F_OK) != 0)
        jb->st = query_hash(w->rn, jb, kind, bytes);
    else
        jb->st = query_file(w->rn, w->hasher, jb);
    if (jb->st == BW_OK)
        bw_matches_sort(&jb->matches);
}

static void done(void *ctx, void *item)
{
    run *rn = ctx;
    job *jb = item;
    if (jb->digests_only)
        report_error_digests(rn, jb);
    else if (jb->st != BW_OK)
        report_error(rn, jb->q, bw_error_message(&jb->err));
    else
        print_result(rn, jb);
    fflush(stdout); /* a query on stdin gets its answer now, not at the end */
    if (jb->have_hr)
        bw_hash_result_free(&jb->hr);
    bw_matches_free(&jb->matches);
    free(jb->q);
    free(jb);
}

static void submit(run *rn, const char *q)
{
    job *jb = calloc(1, sizeof *jb);
    if (!jb || !(jb->q = strdup(q))) {
        free(jb);
        report_error(rn, q, "out of memory");
        return;
    }
    bw_pool_submit(rn->pool, jb);
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
            bw_pool_finish(rn->pool); /* the answers before it first */
            report_error(rn, "-", "query line longer than 4096 bytes");
            continue;
        }
        submit(rn, q);
        /* a query typed or piped in one at a time is answered before the
         * next line is read: a long-lived `match -` is interactive */
        bw_pool_finish(rn->pool);
    }
    free(line);
}

/* The workers' hashers and the pool (-j 1: everything on this thread). */
static int start_pool(run *rn, worker **ws_out, bw_error *err)
{
    unsigned nthreads = rn->jobs > 1 ? rn->jobs : 0, nw = nthreads ? nthreads : 1;
    worker *ws = calloc(nw, sizeof *ws);
    void **ctxs = calloc(nw, sizeof *ctxs);
    bw_hash_opts ho = {0, rn->dihedral, NULL};
    bw_status st = BW_OK;
    if (!ws || !ctxs) {
        bw_error_clear(err);
        err->status = st = BW_ERR_NOMEM;
        snprintf(err->msg, sizeof err->msg, "out of memory");
    }
    for (unsigned i = 0; st == BW_OK && i < nw; i++) {
        ws[i].rn = rn;
        ctxs[i] = &ws[i];
        st = bw_hasher_new(&ws[i].hasher, &ho, err);
    }
    if (st == BW_OK)
        st = bw_pool_new(&rn->pool, nthreads, 0, work, ctxs, done, rn, err);
    rn->worker_ctxs = ctxs;
    *ws_out = ws;
    return st == BW_OK ? 0 : -1;
}

static void stop_pool(run *rn, worker *ws)
{
    unsigned nw = rn->jobs > 1 ? rn->jobs : 1;
    bw_pool_free(rn->pool);
    for (unsigned i = 0; ws && i < nw; i++)
        bw_hasher_free(ws[i].hasher);
    free(ws);
    free(rn->worker_ctxs);
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
    rn.jobs = cli_default_jobs();
    const char *db = NULL;
    const char **lists = NULL;
    size_t nlists = 0;
    long long v;
    int c, stdin_used = 0, allow_empty = 0;
    bw_error err;
    bw_index_opts iopts = {.layout = BW_INDEX_COMPACT};

    rn.max_distance = BW_PDQ_DEFAULT_MAX_DISTANCE;
    rn.min_quality = BW_PDQ_DEFAULT_MIN_QUALITY;
    lists = calloc((size_t)argc + 1, sizeof *lists);
    if (!lists)
        return cli_warn("match", "out of memory"), BW_EXIT_SOME_FAILED;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hj:", longopts, NULL)) != -1) {
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
            if ((c = cli_parse_range("match", "--max-distance", optarg, 0, 256, &v)) != 0)
                return free(lists), c;
            rn.max_distance = (int)v;
            break;
        case 'q':
            if ((c = cli_parse_range("match", "--min-quality", optarg, 0, 100, &v)) != 0)
                return free(lists), c;
            rn.min_quality = (int)v;
            break;
        case 'E': allow_empty = 1; break;
        case 'j':
            if ((c = cli_parse_range("match", "-j", optarg, 1, 1024, &v)) != 0)
                return free(lists), c;
            rn.jobs = (unsigned)v;
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
    iopts.design_distance = rn.max_distance;
    c = cli_open_matcher("match", db, lists, nlists, &iopts, allow_empty, &rn.m);
    free(lists);
    if (c != BW_EXIT_OK)
        return c;
    worker *ws = NULL;
    if (start_pool(&rn, &ws, &err) != 0) {
        cli_warn("match", "%s", bw_error_message(&err));
        stop_pool(&rn, ws);
        bw_matcher_close(rn.m);
        return BW_EXIT_SOME_FAILED;
    }
    bw_json_init(&rn.out);
    for (int i = optind; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0) {
            bw_pool_finish(rn.pool);
            from_stdin(&rn);
        } else {
            submit(&rn, argv[i]);
        }
    }
    stop_pool(&rn, ws);
    bw_json_free(&rn.out);
    bw_matcher_close(rn.m);
    fflush(stdout);
    return rn.failed ? BW_EXIT_SOME_FAILED : BW_EXIT_OK;
}
