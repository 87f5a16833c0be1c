/* lookup.c -- the lookup step of the scan pipeline: one hashed file
 * against the loaded lists (match.h). Runs on the worker threads; a
 * bw_matcher may be used from any number of threads at once.
 *
 * (Placeholder until the matcher lands: no matches.) */
#include <string.h>
#include "core/internal.h"
#include "scan/scan_internal.h"

bw_status bw__scan_lookup(const bw_scan_opts *opts, const bw_hash_result *r, bw_matches *out,
                          bw_error *err)
{
    (void)opts;
    (void)r;
    (void)err;
    out->n = 0;
    return BW_OK;
}

void bw__scan_matches_release(bw_matches *m)
{
    memset(m, 0, sizeof *m);
}

void bw__scan_matches_json(bw_json *j, const bw_matches *m)
{
    (void)m;
    bw_json_key(j, "matches");
    bw_json_array_begin(j);
    bw_json_array_end(j);
}
