/* fuzz_prompt_policy.c -- libFuzzer target for the prompt guard's word-list
 * and policy parser: any bytes as a list file, then as a policy applied on
 * top; errors are fine, crashes and leaks are not. When the text parses,
 * the result is compiled into a guard and one prompt is checked. */
#include <stdint.h>
#include <stdlib.h>
#include "bulwark/prompt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bw_prompt_lists *base;
    bw_prompt_lists *l = NULL;
    bw_prompt_guard *g = NULL;
    bw_prompt_scratch *s = NULL;
    bw_prompt_result r;
    bw_error err;
    bw_limits lim;
    (void)base;
    bw_limits_default(&lim);
    lim.max_line_bytes = 4096;
    if (bw_prompt_lists_new(&l, &lim, &err) != BW_OK)
        return 0;
    if (bw_prompt_lists_load_text(l, "fuzz.txt", "xx", (const char *)data, size, &err) ==
            BW_OK &&
        bw_prompt_lists_apply_policy_text(l, "fuzz.policy", (const char *)data, size, &err) ==
            BW_OK &&
        bw_prompt_lists_count(l) < 64 && bw_prompt_guard_compile(l, &lim, &g, &err) == BW_OK &&
        bw_prompt_scratch_new(g, &s, &err) == BW_OK)
        (void)bw_prompt_check(g, s, (const char *)data, size < 256 ? size : 256, &r, &err);
    bw_prompt_scratch_free(s);
    bw_prompt_guard_free(g);
    bw_prompt_lists_free(l);
    return 0;
}
