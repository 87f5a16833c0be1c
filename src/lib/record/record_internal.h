/* record_internal.h -- what the sources of src/lib/record share: a set of
 * paths (the records kept for resume) and the counting of the totals. Not
 * installed. */
#ifndef BW_RECORD_INTERNAL_H
#define BW_RECORD_INTERNAL_H

#include <stddef.h>
#include "bulwark/record.h"

/* ---- pathset.c: a set of strings (open addressing, FNV-1a) ---- */

typedef struct bw__pathset {
    char **slots;
    size_t cap, n;
} bw__pathset;

/* 0, or -1 when out of memory. Adding a path already there is fine. */
int bw__pathset_add(bw__pathset *s, const char *path, size_t len);
int bw__pathset_has(const bw__pathset *s, const char *path);
void bw__pathset_free(bw__pathset *s);

/* ---- record_json.c: the totals ---- */

/* Count one record of this kind into t: whether it is an image, has a
 * match, and (a file) carries the error of an archive hidden in it. The
 * one rule for a record being written (bw_scan_totals_add) and one read
 * back for resume (log.c). */
void bw__scan_totals_count(bw_scan_totals *t, bw_scan_kind kind, int image, int matched,
                           int appended_error);

#endif
