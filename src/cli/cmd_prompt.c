/* cmd_prompt.c -- `bulwark prompt`: the prompt guard on the command line.
 *
 * Prompts come from the arguments, or one per line of stdin (batch mode
 * for auditing datasets). The word lists are found in --data DIR, else the
 * source tree's data/prompt, else the installed share/bulwark/prompt; policy
 * files are applied in order; the guard is compiled once and shared by -j
 * workers, each with its own scratch. Results come back in input order
 * through the ordered pool. A line that is not valid UTF-8 or is longer
 * than --max-line gets an error object of its own and the batch goes on;
 * an over-long line is skipped without being held in memory. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

#ifndef BW_SOURCE_DATA_DIR
#define BW_SOURCE_DATA_DIR ""
#endif
#ifndef BW_INSTALL_DATA_DIR
#define BW_INSTALL_DATA_DIR "/usr/local/share/bulwark"
#endif

static const char usage_text[] =
    "usage: bulwark prompt [--json] [--policy FILE]... [--data DIR] [-j N] [TEXT...]\n"
    "\n"
    "Prompt guard: decide whether a prompt asks for sexual content of minors.\n"
    "Each TEXT is one prompt; without TEXT, each line of stdin is one prompt.\n"
    "Per prompt: verdict (block, review, allow), categories (sexual_minors,\n"
    "minors, sexual, evasion) and reasons with byte spans into the text.\n"
    "\n"
    "  --json             one JSON object per prompt (JSON Lines)\n"
    "  --policy FILE      add, remove or re-grade terms (repeatable; format in\n"
    "                     docs/prompt-guard.md)\n"
    "  --data DIR         the word lists (default: the source tree's data/prompt,\n"
    "                     then " BW_INSTALL_DATA_DIR "/prompt)\n"
    "  -j, --jobs N       worker threads (default: all cores)\n"
    "  --max-line SIZE    longest prompt, e.g. 64K (default 1M)\n"
    CLI_LIMIT_HELP
    "  --fail-on-block    exit 3 when any prompt is blocked\n"
    "\n"
    "Exit: 0 all checked, 1 some prompts could not be checked (each reported),\n"
    "2 usage or word-list error, 3 with --fail-on-block: something was blocked.\n";

typedef struct job {
    size_t lineno;     /* 0 for command-line arguments */
    char *text;
    size_t len;
    int too_long;      /* skipped: longer than --max-line */
    size_t long_len;
    char *out;         /* formatted output line(s) */
    size_t out_len;
    int failed, blocked;
    int to_stderr;     /* human-mode error: a diagnostic */
} job;

typedef struct worker {
    const bw_prompt_guard *guard;
    bw_prompt_scratch *scratch;
    bw_json j;
    int json, color;
    uint32_t max_line;
} worker;

typedef struct run {
    int failed, blocked;
} run;

static char *dup_json(bw_json *j, size_t *len)
{
    char *p;
    if (bw_json_status(j) != BW_OK)
        return NULL;
    if (!(p = malloc(j->len + 2)))
        return NULL;
    memcpy(p, j->buf, j->len);
    p[j->len] = '\n';
    p[j->len + 1] = '\0';
    *len = j->len + 1;
    return p;
}

static void format_error(worker *w, job *jb, const char *msg)
{
    jb->failed = 1;
    bw_json_reset(&w->j);
    if (w->json) {
        bw_prompt_error_json(&w->j, jb->lineno, jb->text, jb->len, msg);
        jb->out = dup_json(&w->j, &jb->out_len);
    } else { /* for people, errors are diagnostics: stderr */
        size_t n = strlen(msg) + 64;
        if ((jb->out = malloc(n)) != NULL) {
            if (jb->lineno)
                snprintf(jb->out, n, "bulwark: prompt: line %zu: %s\n", jb->lineno, msg);
            else
                snprintf(jb->out, n, "bulwark: prompt: %s\n", msg);
            jb->out_len = strlen(jb->out);
            jb->to_stderr = 1;
        }
    }
}

/* Human output: verdict, categories, the text (printable, shortened). */
static void format_human(worker *w, job *jb, const bw_prompt_result *r)
{
    static const unsigned cats[] = {BW_PROMPT_CAT_SEXUAL_MINORS, BW_PROMPT_CAT_MINORS,
                                    BW_PROMPT_CAT_SEXUAL, BW_PROMPT_CAT_EVASION};
    const char *colour = "", *reset = "";
    char catbuf[64] = "-";
    size_t n = 0, cap = jb->len * 4 + 256;
    char *o = malloc(cap);
    if (!o)
        return;
    for (size_t i = 0; i < 4; i++)
        if (r->categories & cats[i])
            n += (size_t)snprintf(catbuf + n, sizeof catbuf - n, "%s%s", n ? "," : "",
                                  bw_prompt_category_name(cats[i]));
    if (w->color) {
        colour = r->verdict == BW_PROMPT_BLOCK    ? "\033[31m"
                 : r->verdict == BW_PROMPT_REVIEW ? "\033[33m"
                                                  : "\033[32m";
        reset = "\033[0m";
    }
    n = (size_t)snprintf(o, cap, "%s%-7s%s %-40s ", colour,
                         bw_prompt_verdict_name(r->verdict), reset, catbuf);
    for (size_t i = 0; i < jb->len && i < 200; i++) {
        unsigned char c = (unsigned char)jb->text[i];
        if (c < 0x20 || c == 0x7F)
            n += (size_t)snprintf(o + n, cap - n, "\\x%02x", c);
        else
            o[n++] = (char)c;
    }
    if (jb->len > 200)
        n += (size_t)snprintf(o + n, cap - n, "...");
    o[n++] = '\n';
    jb->out = o;
    jb->out_len = n;
}

static void work(void *wctx, void *item)
{
    worker *w = wctx;
    job *jb = item;
    bw_prompt_result r;
    bw_error err;
    char msg[128];
    if (jb->too_long) {
        snprintf(msg, sizeof msg, "prompt too long: %zu bytes or more (limit %u, --max-line)",
                 jb->long_len, w->max_line);
        format_error(w, jb, msg);
        return;
    }
    if (bw_prompt_check(w->guard, w->scratch, jb->text, jb->len, &r, &err) != BW_OK) {
        format_error(w, jb, bw_error_message(&err));
        return;
    }
    jb->blocked = r.verdict == BW_PROMPT_BLOCK;
    if (w->json) {
        bw_json_reset(&w->j);
        bw_prompt_result_json(&w->j, jb->text, jb->len, &r);
        jb->out = dup_json(&w->j, &jb->out_len);
        if (!jb->out)
            format_error(w, jb, "out of memory");
    } else {
        format_human(w, jb, &r);
    }
}

static void done(void *ctx, void *item)
{
    run *rn = ctx;
    job *jb = item;
    if (jb->out)
        fwrite(jb->out, 1, jb->out_len, jb->to_stderr ? stderr : stdout);
    else
        cli_warn("prompt", "out of memory formatting a result"), jb->failed = 1;
    rn->failed |= jb->failed;
    rn->blocked |= jb->blocked;
    free(jb->out);
    free(jb->text);
    free(jb);
}

static int submit(bw_pool *pool, size_t lineno, const char *text, size_t len, int too_long)
{
    job *jb = calloc(1, sizeof *jb);
    if (!jb)
        return -1;
    jb->lineno = lineno;
    if (too_long) {
        jb->too_long = 1;
        jb->long_len = len;
    } else {
        if (!(jb->text = malloc(len + 1))) {
            free(jb);
            return -1;
        }
        memcpy(jb->text, text, len);
        jb->text[len] = '\0';
        jb->len = len;
    }
    return bw_pool_submit(pool, jb) == BW_OK ? 0 : -1;
}

/* stdin, one prompt per line; a line longer than max is reported and
 * skipped without being kept. */
static int read_lines(bw_pool *pool, size_t max)
{
    size_t cap = 65536, have = 0, lineno = 0, skipping = 0;
    char *buf = malloc(cap);
    int eof = 0;
    if (!buf)
        return -1;
    while (!eof || have) {
        char *nl;
        if (!eof && have < cap) {
            size_t got = fread(buf + have, 1, cap - have, stdin);
            have += got;
            if (got == 0)
                eof = 1;
        }
        while ((nl = memchr(buf, '\n', have)) != NULL || (eof && have)) {
            size_t n = nl ? (size_t)(nl - buf) : have, line = n;
            lineno++;
            if (skipping) {
                if (submit(pool, lineno, NULL, skipping + n, 1))
                    goto oom;
                skipping = 0;
            } else {
                if (line && buf[line - 1] == '\r')
                    line--;
                if (line > max) {
                    if (submit(pool, lineno, NULL, line, 1))
                        goto oom;
                } else if (submit(pool, lineno, buf, line, 0)) {
                    goto oom;
                }
            }
            n = nl ? n + 1 : n;
            memmove(buf, buf + n, have - n);
            have -= n;
        }
        if (have == cap) {
            if (cap > max + 2) {
                /* no newline within the limit: drop what we have, remember the length */
                skipping += have;
                have = 0;
            } else {
                char *nb = realloc(buf, cap * 2);
                if (!nb)
                    goto oom;
                buf = nb;
                cap *= 2;
            }
        }
        if (skipping && eof && !have) {
            lineno++;
            if (submit(pool, lineno, NULL, skipping, 1))
                goto oom;
            skipping = 0;
        }
    }
    free(buf);
    return 0;
oom:
    free(buf);
    return -1;
}

static const char source_root[] = BW_SOURCE_DATA_DIR;

static int is_dir(const char *p)
{
    struct stat st;
    return p && *p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int cmd_prompt(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'J'},         {"policy", required_argument, NULL, 'p'},
        {"data", required_argument, NULL, 'd'},   {"jobs", required_argument, NULL, 'j'},
        {"max-line", required_argument, NULL, 'L'},
        {"fail-on-block", no_argument, NULL, 'F'}, {"limit", required_argument, NULL, 1000}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    bw_limits limits;
    const char *data = NULL;
    const char **policies = NULL;
    int npolicies = 0, json = 0, fail_on_block = 0, c, nthreads, nw;
    long long jobs = cli_default_jobs(), v;
    bw_prompt_lists *lists = NULL;
    bw_prompt_guard *guard = NULL;
    worker *workers = NULL;
    void **wctx = NULL;
    bw_pool *pool = NULL;
    bw_error err;
    run rn = {0, 0};
    int rc = BW_EXIT_OK;
    char srcdir[4096], instdir[4096];

    bw_limits_default(&limits);
    policies = calloc((size_t)argc + 1, sizeof *policies);
    if (!policies)
        return cli_warn("prompt", "out of memory"), BW_EXIT_SOME_FAILED;
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'J': json = 1; break;
        case 'p': policies[npolicies++] = optarg; break;
        case 'd': data = optarg; break;
        case 'F': fail_on_block = 1; break;
        case 'j':
            if ((jobs = cli_parse_uint(optarg)) < 1 || jobs > 1024) {
                free(policies);
                return cli_usage_error("prompt", "-j takes a number from 1 to 1024");
            }
            break;
        case 'L':
            if ((v = cli_parse_size(optarg)) < 1 || v > (1ll << 30)) {
                free(policies);
                return cli_usage_error("prompt", "--max-line takes a size from 1 to 1G, e.g. 64K");
            }
            limits.max_line_bytes = (uint32_t)v;
            break;
        case 1000:
            if (cli_set_limit("prompt", &limits, optarg) != 0) {
                free(policies);
                return BW_EXIT_USAGE;
            }
            break;
        case 'h': free(policies); fputs(usage_text, stdout); return BW_EXIT_OK;
        default: free(policies); return cli_usage_error("prompt", "unknown option");
        }
    }
    snprintf(srcdir, sizeof srcdir, "%s/prompt", BW_SOURCE_DATA_DIR);
    snprintf(instdir, sizeof instdir, "%s/prompt", BW_INSTALL_DATA_DIR);
    if (!data)
        data = source_root[0] && is_dir(srcdir) ? srcdir : instdir;

    /* --max-line is about prompts: the word lists are read with the defaults */
    if (bw_prompt_lists_new(&lists, NULL, &err) != BW_OK ||
        bw_prompt_lists_load_dir(lists, data, &err) != BW_OK) {
        cli_warn("prompt", "%s", bw_error_message(&err));
        rc = BW_EXIT_USAGE;
        goto out;
    }
    for (int i = 0; i < npolicies; i++)
        if (bw_prompt_lists_apply_policy(lists, policies[i], &err) != BW_OK) {
            cli_warn("prompt", "%s: %s", policies[i], bw_error_message(&err));
            rc = BW_EXIT_USAGE;
            goto out;
        }
    if (bw_prompt_guard_compile(lists, &limits, &guard, &err) != BW_OK) {
        cli_warn("prompt", "%s", bw_error_message(&err));
        rc = BW_EXIT_USAGE;
        goto out;
    }
    bw_prompt_lists_free(lists);
    lists = NULL;

    nthreads = jobs > 1 && optind >= argc ? (int)jobs : 0;
    nw = nthreads ? nthreads : 1;
    workers = calloc((size_t)nw, sizeof *workers);
    wctx = calloc((size_t)nw, sizeof *wctx);
    if (!workers || !wctx) {
        cli_warn("prompt", "out of memory");
        rc = BW_EXIT_SOME_FAILED;
        goto out;
    }
    for (int i = 0; i < nw; i++) {
        workers[i].guard = guard;
        workers[i].json = json;
        workers[i].color = !json && cli_stdout_tty();
        workers[i].max_line = limits.max_line_bytes;
        bw_json_init(&workers[i].j);
        wctx[i] = &workers[i];
        if (bw_prompt_scratch_new(guard, &workers[i].scratch, &err) != BW_OK) {
            cli_warn("prompt", "%s", bw_error_message(&err));
            rc = BW_EXIT_SOME_FAILED;
            goto out;
        }
    }
    if (bw_pool_new(&pool, (unsigned)nthreads, 0, work, wctx, done, &rn, &err) != BW_OK) {
        cli_warn("prompt", "%s", bw_error_message(&err));
        rc = BW_EXIT_SOME_FAILED;
        goto out;
    }
    if (optind < argc) {
        for (int i = optind; i < argc; i++) {
            size_t n = strlen(argv[i]);
            if (submit(pool, 0, argv[i], n, n > limits.max_line_bytes) != 0)
                rn.failed = 1;
        }
    } else if (read_lines(pool, limits.max_line_bytes) != 0) {
        cli_warn("prompt", "out of memory reading stdin");
        rn.failed = 1;
    }
    bw_pool_free(pool);
    pool = NULL;
    fflush(stdout);
    if (rn.failed)
        rc = BW_EXIT_SOME_FAILED;
    else if (fail_on_block && rn.blocked)
        rc = BW_EXIT_MATCHED;
out:
    if (pool)
        bw_pool_free(pool);
    if (workers)
        for (int i = 0; i < nw; i++) {
            bw_prompt_scratch_free(workers[i].scratch);
            bw_json_free(&workers[i].j);
        }
    free(workers);
    free(wctx);
    bw_prompt_guard_free(guard);
    bw_prompt_lists_free(lists);
    free(policies);
    return rc;
}
