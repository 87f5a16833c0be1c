/* answer_json.c -- the answers of `match --json` (bulwark/match.h): the
 * same bytes for the CLI and the service's lookup routes. */
#include "bulwark/hash.h"
#include "bulwark/match.h"

void bw_match_answer_json(bw_json *j, const char *query, const bw_hash_result *hr,
                          const char *note, const bw_matches *m)
{
    char hex[2 * BW_HASH_MAX_BYTES + 1];
    bw_json_object_begin(j);
    bw_json_path(j, "query", query);
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
    bw_matches_json(j, m);
    bw_json_object_end(j);
}

void bw_match_error_json(bw_json *j, const char *query, const char *error,
                         const bw_hash_result *hr, const bw_matches *m)
{
    bw_json_object_begin(j);
    bw_json_path(j, "query", query);
    bw_json_key(j, "error");
    bw_json_string(j, error);
    if (hr && hr->has_digests) {
        bw_hash_digests_json(j, hr);
        bw_json_key(j, "matches");
        bw_matches_json(j, m);
    }
    bw_json_object_end(j);
}
