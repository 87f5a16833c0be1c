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

typedef struct run {
    int json, color;
    int blocked;
} run;

/* Human output: verdict, categories, the text (printable, shortened). */
static void print_human(const run *rn, const bw_prompt_answer *a)
{
    static const unsigned cats[] = {BW_PROMPT_CAT_SEXUAL_MINORS, BW_PROMPT_CAT_MINORS,
                                    BW_PROMPT_CAT_SEXUAL, BW_PROMPT_CAT_EVASION};
    const char *colour = "", *reset = "";
    char catbuf[64] = "-";
    size_t n = 0;
    for (size_t i = 0; i < 4; i++)
        if (a->categories & cats[i])
            n += (size_t)snprintf(catbuf + n, sizeof catbuf - n, "%s%s", n ? "," : "",
                                  bw_prompt_category_name(cats[i]));
    if (rn->color) {
        colour = a->verdict == BW_PROMPT_BLOCK    ? "\033[31m"
                 : a->verdict == BW_PROMPT_REVIEW ? "\033[33m"
                                                  : "\033[32m";
        reset = "\033[0m";
    }
    printf("%s%-7s%s %-40s ", colour, bw_prompt_verdict_name(a->verdict), reset, catbuf);
    for (size_t i = 0; i < a->len && i < 200; i++) {
        unsigned char c = (unsigned char)a->text[i];
        if (c < 0x20 || c == 0x7F)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    if (a->len > 200)
        fputs("...", stdout);
    putchar('\n');
}

/* The sink: each prompt's record in input order. */
static void on_record(void *ctx, const bw_sink_record *rec)
{
    run *rn = ctx;
    const bw_prompt_answer *a = rec->result;
    if (rec->status == BW_OK && a->verdict == BW_PROMPT_BLOCK)
        rn->blocked = 1;
    if (rn->json) {
        cli_emit_json_bytes(rec->json, rec->json_len);
    } else if (rec->status != BW_OK) { /* for people, errors are diagnostics */
        if (a->lineno)
            cli_warn("prompt", "line %zu: %s", a->lineno, rec->error);
        else
            cli_warn("prompt", "%s", rec->error);
    } else {
        print_human(rn, a);
    }
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
    int npolicies = 0, json = 0, fail_on_block = 0, c;
    long long jobs = cli_default_jobs(), v;
    bw_prompt_lists *lists = NULL;
    bw_prompt_guard *guard = NULL;
    bw_error err;
    run rn = {0, 0, 0};
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

    {
        bw_prompt_request req = {(const char *const *)argv + optind, (size_t)(argc - optind),
                                 STDIN_FILENO, guard, &limits,
                                 optind >= argc ? (unsigned)jobs : 1};
        bw_sink sink = {json, on_record, &rn};
        uint64_t failed = 0;
        rn.json = json;
        rn.color = !json && cli_stdout_tty();
        if (bw_prompt_run(&req, &sink, &failed, &err) != BW_OK) {
            fflush(stdout);
            cli_warn("prompt", "%s", bw_error_message(&err));
            failed = 1;
        }
        fflush(stdout);
        if (failed)
            rc = BW_EXIT_SOME_FAILED;
        else if (fail_on_block && rn.blocked)
            rc = BW_EXIT_MATCHED;
    }
out:
    bw_prompt_guard_free(guard);
    bw_prompt_lists_free(lists);
    free(policies);
    return rc;
}
