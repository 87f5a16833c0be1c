/* fuzz_hma_json.c -- libFuzzer target for the JSON bodies of HMA's routes
 * that bulwark parses (src/lib/hma/curation.c): POST /c/banks and PUT
 * /c/bank/NAME, PUT /c/bank/NAME/content/ID, POST /c/bank/NAME/signal,
 * the metadata of POST /c/bank/NAME/content and POST /m/compare. Any bytes go to every parser: each accepts or refuses
 * with a message, never crashes or leaks; what parses is within its
 * bounds (a ratio in [0, 1], a note of at most 255 bytes, 1 to 4 signals). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bulwark/hma.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    bw_error err;
    bw_hma_bank_request b;
    if (bw_hma_parse_bank_request(body, size, &b, &err) == BW_OK && b.has_ratio &&
        !(b.ratio >= 0.0 && b.ratio <= 1.0))
        abort();
    bw_hma_content_update u;
    if (bw_hma_parse_content_update(body, size, 1700000000, &u, &err) == BW_OK &&
        ((u.has_until && u.disable_until_ts < 0) || strlen(u.note) > BW_HMA_NOTE_MAX))
        abort();
    bw_hma_signals s;
    if (bw_hma_parse_signals(body, size, &s, &err) == BW_OK &&
        (s.n < 1 || s.n > BW_HMA_MAX_SIGNALS || strlen(s.note) > BW_HMA_NOTE_MAX))
        abort();
    if (bw_hma_check_content_metadata(body, size, &err) != BW_OK &&
        strncmp(bw_error_message(&err), "metadata ", 9) != 0 && err.status != BW_ERR_NOMEM)
        abort(); /* a refusal is always about the metadata */
    bw_json j;
    bw_json_init(&j);
    if (bw_hma_compare_json(&j, body, size, &err) == BW_OK && bw_json_status(&j) == BW_OK &&
        (j.len == 0 || j.buf[0] != '{'))
        abort();
    bw_json_free(&j);
    return 0;
}
