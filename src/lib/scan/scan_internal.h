/* scan_internal.h -- what the sources of src/lib/scan share: the lookup
 * step of the pipeline, a set of paths (resume), and reading back one line
 * of a scan's JSON Lines output (resume, cluster --from). Not installed. */
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
/* "matches": [...] into an open object. */
void bw__scan_matches_json(bw_json *j, const bw_matches *m);

/* ---- pathset.c: a set of strings (open addressing, FNV-1a) ---- */

typedef struct bw__pathset {
    char **slots;
    size_t cap, n;
} bw__pathset;

/* 0, or -1 when out of memory. Adding a path already there is fine. */
int bw__pathset_add(bw__pathset *s, const char *path, size_t len);
int bw__pathset_has(const bw__pathset *s, const char *path);
void bw__pathset_free(bw__pathset *s);

/* ---- line.c: one line of scan output, read back with yajl ---- */

typedef enum bw__line_type {
    BW__LINE_BAD = 0,       /* not a JSON object with a string "path" (or a summary) */
    BW__LINE_RECORD,
    BW__LINE_SUMMARY
} bw__line_type;

typedef struct bw__line {
    bw__line_type type;
    char *path;             /* malloc'd (records) */
    bw_scan_kind kind;      /* FILE, ARCHIVE or ERROR */
    int image;              /* kind "image" */
    int matched;            /* a non-empty "matches" array */
    int appended_error;     /* "appended": {..., "error"}: a hidden archive failed */
    int has_pdq;
    bw_pdq pdq;
    int quality;            /* -1 when absent */
    int has_sha256;
    uint8_t sha256[32];
} bw__line;

/* Parse one line (no newline; need not be NUL-terminated). max_depth
 * bounds JSON nesting. Free with bw__line_free. */
bw__line_type bw__line_parse(const char *text, size_t len, uint32_t max_depth, bw__line *out);
void bw__line_free(bw__line *l);

#endif
