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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

typedef struct prompt_args {
    cli_common c;
    cli_strv policies;
    const char *data;
    int fail_on_block;
} prompt_args;

static const cli_opt prompt_opts[] = {
    CLI_OPT_JSON("one JSON object per prompt (JSON Lines)"),
    CLI_OPT_STRS("policy", "FILE", prompt_args, policies,
                 "add, remove or re-grade terms (repeatable; format in docs/prompt-guard.md)"),
    CLI_OPT_STR("data", 0, "DIR", prompt_args, data,
                "the word lists (default: the source tree's data/prompt, then "
                "/usr/local/share/bulwark/prompt)"),
    CLI_OPT_JOBS,
    CLI_OPT_MAX_LINE("longest prompt, e.g. 64K (default 1M)"),
    CLI_OPT_LIMIT,
    CLI_OPT_FLAG("fail-on-block", prompt_args, fail_on_block,
                 "exit 3 when any prompt is blocked"),
    CLI_OPT_END};

static const cli_cmd prompt_cmd = {
    "prompt",
    "bulwark prompt [--json] [--policy FILE]... [--data DIR] [-j N] [TEXT...]",
    "Prompt guard: decide whether a prompt asks for sexual content of minors.\n"
    "Each TEXT is one prompt; without TEXT, each line of stdin is one prompt.\n"
    "Per prompt: verdict (block, review, allow), categories (sexual_minors,\n"
    "minors, sexual, evasion) and reasons with byte spans into the text.\n\n",
    prompt_opts,
    "Exit: 0 all checked, 1 some prompts could not be checked (each reported),\n"
    "2 usage or word-list error, 3 with --fail-on-block: something was blocked.\n"};

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

int cmd_prompt(int argc, char **argv)
{
    prompt_args a;
    bw_prompt_guard *guard = NULL;
    bw_error err;
    uint64_t failed = 0;
    int first, rc;

    memset(&a, 0, sizeof a);
    cli_common_init(&a.c);
    if ((rc = cli_parse(&prompt_cmd, argc, argv, &a, &first)) != 0)
        return rc < 0 ? BW_EXIT_OK : rc;
    rc = cli_load_prompt_guard("prompt", a.data, &a.policies, &a.c.limits, &guard);
    cli_args_free(&prompt_cmd, &a);
    if (rc != BW_EXIT_OK)
        return rc;
    bw_prompt_request req = {(const char *const *)argv + first, (size_t)(argc - first),
                             STDIN_FILENO, guard, &a.c.limits,
                             first >= argc ? (unsigned)a.c.jobs : 1, NULL, 0};
    run rn = {a.c.json, !a.c.json && cli_stdout_tty(), 0};
    bw_sink sink = {a.c.json, on_record, &rn};
    if (bw_prompt_run(&req, &sink, &failed, &err) != BW_OK) {
        fflush(stdout);
        cli_warn("prompt", "%s", bw_error_message(&err));
        failed = 1;
    }
    fflush(stdout);
    bw_prompt_guard_free(guard);
    if (failed)
        return BW_EXIT_SOME_FAILED;
    return a.fail_on_block && rn.blocked ? BW_EXIT_MATCHED : BW_EXIT_OK;
}
