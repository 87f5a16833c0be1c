/* lookup.c -- the lookup step of the scan pipeline: one hashed file
 * against the loaded lists (match.h). Runs on the worker threads: a
 * bw_matcher may be used from any number of threads at once, so lookups
 * run in parallel with no lock. An image's PDQ hash (all 8 dihedral ones
 * with --dihedral) is looked up within the distance when its quality is at
 * least min_quality; every file's MD5, SHA-1 and SHA-256 are looked up
 * exactly. Matches come out nearest first. */
#include <string.h>
#include "core/internal.h"
#include "scan/scan_internal.h"

bw_status bw__scan_lookup(const bw_scan_opts *opts, const bw_hash_result *r, bw_matches *out,
                          bw_error *err)
{
    bw_status st;
    bw_matches_clear(out);
    if (r->kind == BW_KIND_IMAGE && r->quality >= opts->min_quality) {
        st = bw_matcher_pdq(opts->matcher, &r->pdq,
                            opts->dihedral && r->has_dihedral ? r->dihedral : NULL,
                            opts->max_distance, out, err);
        if (st != BW_OK)
            return st;
    }
    st = bw_matcher_digests(opts->matcher, &r->digests, out, err);
    if (st != BW_OK)
        return st;
    bw_matches_sort(out);
    return BW_OK;
}

void bw__scan_matches_release(bw_matches *m)
{
    bw_matches_free(m);
    memset(m, 0, sizeof *m);
}
