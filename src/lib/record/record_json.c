/* record_json.c -- a scan record, the running totals and the summary as
 * JSON (bulwark/record.h). The same bytes for the CLI and any other front
 * door. */
#include "core/internal.h"
#include "record/record_internal.h"

/* "appended": {"format", "offset", "members"[, "error"]} */
static void matches_json(bw_json *j, const bw_matches *m)
{
    bw_json_key(j, "matches");
    bw_matches_json(j, m);
}

static void appended_json(bw_json *j, const bw_scan_record *rec)
{
    if (!rec->appended_format)
        return;
    bw_json_key(j, "appended");
    bw_json_object_begin(j);
    bw_json_key(j, "format");
    bw_json_string(j, rec->appended_format);
    bw_json_key(j, "offset");
    bw_json_uint(j, rec->appended_offset);
    bw_json_key(j, "members");
    bw_json_uint(j, rec->appended_members);
    if (rec->appended_error) {
        bw_json_key(j, "error");
        bw_json_string(j, rec->appended_error);
    }
    bw_json_object_end(j);
}

void bw_scan_record_json(bw_json *j, const bw_scan_record *rec)
{
    switch (rec->kind) {
    case BW_SCAN_FILE:
        bw_hash_result_json(j, rec->path, rec->hash, 1);
        if (rec->matches)
            matches_json(j, rec->matches);
        if (rec->provenance)
            bw_provenance_json_fields(j, rec->provenance);
        appended_json(j, rec);
        bw_json_object_end(j);
        break;
    case BW_SCAN_ARCHIVE:
        bw_json_object_begin(j);
        bw_json_path(j, "path", rec->path);
        bw_json_key(j, "kind");
        bw_json_string(j, "archive");
        bw_json_key(j, "format");
        bw_json_string(j, rec->archive_format ? rec->archive_format : "unknown");
        bw_json_key(j, "members");
        bw_json_uint(j, rec->archive_members);
        bw_json_object_end(j);
        break;
    case BW_SCAN_ERROR:
        /* the digests (and their matches) of a file read to its end */
        bw_hash_error_json(j, rec->path, rec->error ? rec->error : bw_strerror(rec->status),
                           rec->hash, 1);
        if (rec->hash && rec->hash->has_digests && rec->matches)
            matches_json(j, rec->matches);
        appended_json(j, rec);
        bw_json_object_end(j);
        break;
    }
}

void bw__scan_totals_count(bw_scan_totals *t, bw_scan_kind kind, int image, int matched,
                           int appended_error)
{
    switch (kind) {
    case BW_SCAN_FILE:
        t->files++;
        if (image)
            t->images++;
        if (matched)
            t->matched++;
        if (appended_error)
            t->errors++; /* the archive hidden in it failed (a limit, corrupt) */
        break;
    case BW_SCAN_ARCHIVE:
        t->archives++;
        break;
    case BW_SCAN_ERROR:
        t->errors++;
        if (matched)
            t->matched++; /* a digest match of a file that did not decode */
        break;
    }
}

void bw_scan_totals_add(bw_scan_totals *t, const bw_scan_record *rec)
{
    bw__scan_totals_count(t, rec->kind, rec->hash && rec->hash->kind == BW_KIND_IMAGE,
                          rec->matches && rec->matches->n, rec->appended_error != NULL);
}

void bw_scan_summary_json(bw_json *j, const bw_scan_totals *t, double seconds, int interrupted)
{
    bw_json_object_begin(j);
    bw_json_key(j, "summary");
    bw_json_object_begin(j);
    bw_json_key(j, "files");
    bw_json_uint(j, t->files);
    bw_json_key(j, "images");
    bw_json_uint(j, t->images);
    bw_json_key(j, "matched");
    bw_json_uint(j, t->matched);
    bw_json_key(j, "errors");
    bw_json_uint(j, t->errors);
    bw_json_key(j, "seconds");
    bw_json_double(j, seconds);
    bw_json_key(j, "archives");
    bw_json_uint(j, t->archives);
    if (interrupted) {
        bw_json_key(j, "interrupted");
        bw_json_bool(j, 1);
    }
    bw_json_object_end(j);
    bw_json_object_end(j);
}
