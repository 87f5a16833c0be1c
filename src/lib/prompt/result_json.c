/* result_json.c -- a prompt guard result as the interface.md object:
 * {"text", "verdict", "categories": [...], "reasons": [{"category", "term",
 * "span": [start, end]}]}, spans in bytes of the original text. */
#include "prompt/prompt_internal.h"

static const unsigned cat_order[] = {BW_PROMPT_CAT_SEXUAL_MINORS, BW_PROMPT_CAT_MINORS,
                                     BW_PROMPT_CAT_SEXUAL, BW_PROMPT_CAT_EVASION};

void bw_prompt_result_json(bw_json *j, const char *text, size_t len, const bw_prompt_result *r)
{
    bw_json_object_begin(j);
    bw_json_key(j, "text");
    bw_json_string_n(j, text ? text : "", text ? len : 0);
    bw_json_key(j, "verdict");
    bw_json_string(j, bw_prompt_verdict_name(r->verdict));
    bw_json_key(j, "categories");
    bw_json_array_begin(j);
    for (size_t i = 0; i < sizeof cat_order / sizeof cat_order[0]; i++)
        if (r->categories & cat_order[i])
            bw_json_string(j, bw_prompt_category_name(cat_order[i]));
    bw_json_array_end(j);
    bw_json_key(j, "reasons");
    bw_json_array_begin(j);
    for (size_t i = 0; i < r->nreasons; i++) {
        const bw_prompt_reason *x = &r->reasons[i];
        bw_json_object_begin(j);
        bw_json_key(j, "category");
        bw_json_string(j, bw_prompt_category_name(x->category));
        bw_json_key(j, "term");
        bw_json_string(j, x->term);
        bw_json_key(j, "span");
        bw_json_array_begin(j);
        bw_json_uint(j, x->start);
        bw_json_uint(j, x->end);
        bw_json_array_end(j);
        bw_json_object_end(j);
    }
    bw_json_array_end(j);
    bw_json_object_end(j);
}

void bw_prompt_error_json(bw_json *j, uint64_t lineno, const char *text, size_t len,
                          const char *error)
{
    bw_json_object_begin(j);
    if (lineno) {
        bw_json_key(j, "line");
        bw_json_uint(j, lineno);
    }
    if (text) {
        bw_json_key(j, "text");
        bw_json_string_n(j, text, len);
    }
    bw_json_key(j, "error");
    bw_json_string(j, error);
    bw_json_object_end(j);
}
