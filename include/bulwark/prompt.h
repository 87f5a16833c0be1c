/* bulwark/prompt.h -- the prompt guard: refuse requests for sexual content
 * of minors before an image or a text is generated.
 *
 * Word lists (data/prompt/<lang>.txt, format in docs/prompt-guard.md) are
 * loaded into a bw_prompt_lists, changed by policy files (add, remove,
 * re-grade terms), then compiled once into an immutable bw_prompt_guard:
 * one Vectorscan literal database over the normalised forms, so the cost
 * of a check does not grow with the number of terms. A guard may be shared
 * by any number of threads; each thread checks with its own scratch.
 *
 * A check normalises the prompt (NFKC case folding, diacritics, confusable
 * look-alikes, zero-width characters, separators inside words, leetspeak,
 * repeated letters, generator weighting syntax), finds the terms, ages and
 * school grades, and applies the rules: a verdict (block, review, allow),
 * categories, and reasons whose spans are byte offsets into the ORIGINAL
 * text. */
#ifndef BULWARK_PROMPT_H
#define BULWARK_PROMPT_H

#include <stddef.h>
#include "status.h"
#include "limits.h"
#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bw_prompt_verdict {
    BW_PROMPT_ALLOW = 0,
    BW_PROMPT_REVIEW = 1,
    BW_PROMPT_BLOCK = 2
} bw_prompt_verdict;

/* Categories, as bits of bw_prompt_result.categories. */
#define BW_PROMPT_CAT_SEXUAL_MINORS 0x1u /* sexual content of minors (blocks) */
#define BW_PROMPT_CAT_MINORS 0x2u        /* a minor is referred to */
#define BW_PROMPT_CAT_SEXUAL 0x4u        /* sexual content */
#define BW_PROMPT_CAT_EVASION 0x8u       /* obfuscation was undone to find the terms */

typedef struct bw_prompt_reason {
    unsigned category;  /* exactly one BW_PROMPT_CAT_* bit */
    const char *term;   /* the term as the word list writes it, or "age 12", "grade 3" */
    size_t start, end;  /* byte span [start, end) in the original text */
} bw_prompt_reason;

typedef struct bw_prompt_result {
    bw_prompt_verdict verdict;
    unsigned categories;              /* BW_PROMPT_CAT_* bits */
    size_t nreasons;
    const bw_prompt_reason *reasons;  /* in text order; valid until the scratch is reused */
} bw_prompt_result;

typedef struct bw_prompt_lists bw_prompt_lists;
typedef struct bw_prompt_guard bw_prompt_guard;
typedef struct bw_prompt_scratch bw_prompt_scratch;

/* An empty set of lists. limits (NULL: defaults) bounds the line length of
 * the files read into it (max_line_bytes). Building the normaliser's
 * tables with ICU takes a few tens of milliseconds. */
bw_status bw_prompt_lists_new(bw_prompt_lists **out, const bw_limits *limits, bw_error *err);
void bw_prompt_lists_free(bw_prompt_lists *lists);

/* Load every <lang>.txt of a directory (sorted by name; <lang> is the
 * language the terms belong to). BW_ERR_NOT_FOUND if it has none. */
bw_status bw_prompt_lists_load_dir(bw_prompt_lists *lists, const char *dir, bw_error *err);

/* Load one word-list file, or word-list text from memory, as language lang.
 * name is used in error messages ("en.txt:12: unknown class 'minr'"). */
bw_status bw_prompt_lists_load_file(bw_prompt_lists *lists, const char *path, const char *lang,
                                    bw_error *err);
bw_status bw_prompt_lists_load_text(bw_prompt_lists *lists, const char *name, const char *lang,
                                    const char *text, size_t len, bw_error *err);

/* Apply a policy file: the word-list format, where a line adds a term or
 * re-grades an existing one, and `remove TERM` drops one. Terms a policy
 * adds belong to language "policy". */
bw_status bw_prompt_lists_apply_policy(bw_prompt_lists *lists, const char *path, bw_error *err);
bw_status bw_prompt_lists_apply_policy_text(bw_prompt_lists *lists, const char *name,
                                            const char *text, size_t len, bw_error *err);

/* Number of terms loaded. */
size_t bw_prompt_lists_count(const bw_prompt_lists *lists);

/* Compile the lists into a guard (the lists stay usable and unchanged).
 * limits (NULL: defaults): max_line_bytes is the longest prompt checked. */
bw_status bw_prompt_guard_compile(const bw_prompt_lists *lists, const bw_limits *limits,
                                  bw_prompt_guard **out, bw_error *err);
void bw_prompt_guard_free(bw_prompt_guard *guard);

/* Per-thread working memory for checks against one guard. */
bw_status bw_prompt_scratch_new(const bw_prompt_guard *guard, bw_prompt_scratch **out,
                                bw_error *err);
void bw_prompt_scratch_free(bw_prompt_scratch *scratch);

/* Check one prompt of len bytes (UTF-8; NUL bytes allowed). Fails with
 * BW_ERR_CORRUPT for invalid UTF-8 ("invalid UTF-8 at byte 17") and
 * BW_ERR_LIMIT for a prompt longer than max_line_bytes; a caller that
 * guards a generator should treat a failed check as block. */
bw_status bw_prompt_check(const bw_prompt_guard *guard, bw_prompt_scratch *scratch,
                          const char *text, size_t len, bw_prompt_result *result, bw_error *err);

/* "allow", "review", "block". */
const char *bw_prompt_verdict_name(bw_prompt_verdict verdict);

/* "sexual_minors", "minors", "sexual", "evasion" for one category bit. */
const char *bw_prompt_category_name(unsigned category);

/* A prompt that could not be checked: {line (when lineno is not 0), text
 * (when not NULL), error}. A caller that guards a generator blocks it. */
void bw_prompt_error_json(bw_json *j, uint64_t lineno, const char *text, size_t len,
                          const char *error);

/* The interface.md object: {text, verdict, categories, reasons}. */
void bw_prompt_result_json(bw_json *j, const char *text, size_t len,
                           const bw_prompt_result *result);

/* ---------------- the `prompt` verb as one operation ---------------- */

/* What to check: texts (ntexts of them), or, when ntexts is 0, one prompt
 * per line of lines_fd (a line over limits->max_line_bytes is an error
 * record, never held in memory) or of the bytes at lines (a request body:
 * the same records as the same bytes on lines_fd). */
typedef struct bw_prompt_request {
    const char *const *texts;
    size_t ntexts;
    int lines_fd;
    const bw_prompt_guard *guard;
    const bw_limits *limits;   /* max_line_bytes (NULL: defaults) */
    unsigned jobs;             /* worker threads; 0 or 1: the caller's thread */
    const char *lines;         /* when not NULL (and ntexts is 0): the lines_len bytes here
                                  are read instead of lines_fd, with the same records */
    size_t lines_len;
} bw_prompt_request;

/* The result of a prompt record (also given for a failed one). */
typedef struct bw_prompt_answer {
    size_t lineno;             /* 0 for texts given in the request */
    const char *text;          /* NULL for a line skipped as too long */
    size_t len;
    bw_prompt_verdict verdict;
    unsigned categories;
} bw_prompt_answer;

/* Check every prompt of req, in order, to sink (path: the text). A caller
 * that guards a generator treats a failed record as block. */
struct bw_sink;
bw_status bw_prompt_run(const bw_prompt_request *req, const struct bw_sink *sink,
                        uint64_t *failed, bw_error *err);

#ifdef __cplusplus
}
#endif
#endif
