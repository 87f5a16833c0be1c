/* bulwark/record.h -- a scan's records as data: written as JSON (one
 * object per record, the bytes every front door sends), counted into
 * totals and a summary, kept in a durable JSON Lines output that a later
 * run resumes (bw_scan_log), and read back one line at a time
 * (bw_record_parse: resume, `cluster --from`, anything reading a scan).
 *
 * Reading back is lossless for names: a path that is not UTF-8 is taken
 * from its "path_bytes" (json.h). */
#ifndef BULWARK_RECORD_H
#define BULWARK_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "limits.h"
#include "json.h"
#include "pdq.h"
#include "scan.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The record as one JSON object (no newline). */
void bw_scan_record_json(bw_json *j, const bw_scan_record *rec);

/* ---------------- durable output and resume ---------------- */

/* bw_scan_totals: scan.h (the state of a run holds them). */

/* Count a record into totals. */
void bw_scan_totals_add(bw_scan_totals *t, const bw_scan_record *rec);

/* The summary object {"summary": {files, images, matched, errors, seconds,
 * archives[, interrupted]}}. */
void bw_scan_summary_json(bw_json *j, const bw_scan_totals *t, double seconds, int interrupted);

typedef struct bw_scan_log bw_scan_log;

/* Open a JSON Lines output. resume 0: created, or emptied if it exists.
 * resume 1: the records already in it are kept and their paths remembered
 * (bw_scan_log_has) and counted (bw_scan_log_totals); whatever follows the
 * last whole record (a torn line, a summary, garbage after a crash) is cut
 * off first. The file is locked against a second scan writing it at the
 * same time. limits->max_line_bytes bounds a line read back. */
bw_status bw_scan_log_open(bw_scan_log **out, const char *path, int resume,
                           const bw_limits *limits, bw_error *err);

/* Whether a record for path is in the file (from before this run). */
int bw_scan_log_has(const bw_scan_log *log, const char *path);

/* Records kept from before, and their totals. */
uint64_t bw_scan_log_kept(const bw_scan_log *log);
const bw_scan_totals *bw_scan_log_totals(const bw_scan_log *log);

/* Append one record line (the newline is added). Lines are written whole;
 * they are forced to the disk (fdatasync) at least once a second, so that
 * after a crash at most the last second is lost -- and redone on resume. */
bw_status bw_scan_log_append(bw_scan_log *log, const char *line, size_t len, bw_error *err);

/* Write out and fdatasync what was appended. */
bw_status bw_scan_log_sync(bw_scan_log *log, bw_error *err);

/* Append the summary line (may be NULL: none), sync and close. log is
 * freed even on failure. */
bw_status bw_scan_log_close(bw_scan_log *log, const char *summary, size_t len, bw_error *err);

/* ---------------- reading a record back ---------------- */

typedef enum bw_record_type {
    BW_RECORD_BAD = 0,      /* not a JSON object with a string "path" (or a summary) */
    BW_RECORD_FILE,         /* a record (of any bw_scan_kind) */
    BW_RECORD_SUMMARY
} bw_record_type;

/* What a line of scan output says, as far as readers need it. */
typedef struct bw_record_line {
    bw_record_type type;
    char *path;             /* malloc'd (records): the exact bytes */
    bw_scan_kind kind;      /* FILE, ARCHIVE or ERROR */
    int image;              /* kind "image" */
    int matched;            /* a non-empty "matches" array */
    int appended_error;     /* "appended": {..., "error"}: a hidden archive failed */
    int has_pdq;
    bw_pdq pdq;
    int quality;            /* -1 when absent */
    int has_sha256;
    uint8_t sha256[32];
} bw_record_line;

/* Parse one line (no newline; need not be NUL-terminated). max_depth
 * bounds JSON nesting. Free with bw_record_line_free. */
bw_record_type bw_record_parse(const char *text, size_t len, uint32_t max_depth,
                               bw_record_line *out);
void bw_record_line_free(bw_record_line *l);

#ifdef __cplusplus
}
#endif
#endif
