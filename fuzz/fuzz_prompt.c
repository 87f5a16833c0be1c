/* fuzz_prompt.c -- libFuzzer target for the prompt guard's normaliser and
 * matcher: any bytes as one prompt, checked against the shipped word lists
 * (data/prompt, found next to this file), with a line limit small enough to
 * keep runs fast. Invalid UTF-8 must give an error, never a crash; every
 * reason's span must lie inside the text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bulwark/prompt.h"

static bw_prompt_guard *guard;
static bw_prompt_scratch *scratch;

static void init(void)
{
    char dir[4096];
    const char *slash = strrchr(__FILE__, '/');
    size_t n = slash ? (size_t)(slash - __FILE__) : 1;
    bw_prompt_lists *lists = NULL;
    bw_limits lim;
    bw_error err;
    snprintf(dir, sizeof dir, "%.*s/../data/prompt", (int)n, slash ? __FILE__ : ".");
    bw_limits_default(&lim);
    lim.max_line_bytes = 1u << 16;
    if (bw_prompt_lists_new(&lists, &lim, &err) != BW_OK ||
        bw_prompt_lists_load_dir(lists, dir, &err) != BW_OK ||
        bw_prompt_guard_compile(lists, &lim, &guard, &err) != BW_OK ||
        bw_prompt_scratch_new(guard, &scratch, &err) != BW_OK)
        abort();
    bw_prompt_lists_free(lists);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bw_prompt_result r;
    bw_error err;
    if (!guard)
        init();
    if (bw_prompt_check(guard, scratch, (const char *)data, size, &r, &err) != BW_OK)
        return 0;
    if (r.verdict > BW_PROMPT_BLOCK)
        abort();
    for (size_t i = 0; i < r.nreasons; i++)
        if (r.reasons[i].start > r.reasons[i].end || r.reasons[i].end > size ||
            !r.reasons[i].term)
            abort();
    return 0;
}
