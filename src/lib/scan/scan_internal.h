/* scan_internal.h -- what the sources of src/lib/scan share: the lookup
 * step of the pipeline, and the run's way to halt the scanner. Not
 * installed. */
#ifndef BW_SCAN_INTERNAL_H
#define BW_SCAN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "bulwark/scan.h"

/* ---- lookup.c: matching one hashed file against the matcher ---- */

/* Look r up (PDQ within the distance, dihedral when asked, and the three
 * digests); out is cleared first. */
bw_status bw__scan_lookup(const bw_scan_opts *opts, const bw_hash_result *r, bw_matches *out,
                          bw_error *err);
void bw__scan_matches_release(bw_matches *m);

/* ---- scanner.c ---- */

/* Stop s soon, as its opts.stop does (the run call stops the scan when its
 * output cannot be written). Called on the caller's thread. */
void bw__scanner_halt(bw_scanner *s);

#endif
