/* bulwark/scan.h -- scanning: paths in (files, directory trees, archives
 * and archives inside them), one record per file out, in walk order.
 *
 * The pipeline: the caller's thread walks the paths and streams archives
 * (the reader); -j worker threads read, decode, hash and look each file up
 * against the loaded lists (and, when asked, examine its provenance); the
 * finished records come back on the caller's thread in the order the
 * reader found them (the writer), through an ordered pool of bounded depth,
 * so memory stays bounded however large the input: when the workers fall
 * behind the reader waits. See docs/scan.md.
 *
 * Record kinds, as JSON (bw_scan_record_json):
 *   a file      the `hash` record (hash.h) plus "matches" (and
 *               provenance fields when asked for)
 *   an archive  {"path", "kind": "archive", "format", "members"}, written
 *               after all its members: it marks the archive as done
 *   a failure   {"path", "error"}: a file or member that could not be
 *               read, a walk problem, or an archive that failed as a whole
 *               (a limit hit: bomb, too many members; corrupt; truncated);
 *               a file that was read to its end but not decoded also has
 *               "size", "md5", "sha1", "sha256" and "matches"
 *   a file with an archive appended (a zip after a JPEG ...): its members
 *               PATH!MEMBER first, then the file's own record with
 *               "appended": {"format", "offset", "members"[, "error"]}
 *
 * The records as JSON, the durable output (bw_scan_log) and reading a
 * record back are the record module's (record.h, included below). */
#ifndef BULWARK_SCAN_H
#define BULWARK_SCAN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "limits.h"
#include "hash.h"
#include "match.h"
#include "provenance.h"
#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bw_scanner bw_scanner;

typedef struct bw_scan_opts {
    unsigned jobs;              /* worker threads; 0 or 1: all on the caller's thread */
    size_t queue;               /* records in flight at most (0: 4 per worker) */
    int follow_symlinks;        /* walk: follow symbolic links (loops are reported) */
    int exact;                  /* decode at full resolution (hash.h) */
    int dihedral;               /* 8 dihedral hashes, and match all of them */
    const bw_limits *limits;    /* NULL: defaults. archive_max_depth 0: archives are
                                   hashed as plain files, never opened */
    bw_matcher *matcher;        /* NULL: no matching */
    int max_distance;           /* PDQ match distance (0..256; -1: default 31) */
    int min_quality;            /* PDQ hashes below this quality are not matched
                                   (-1: default 50); digests always are */
    int provenance;             /* examine provenance (provenance.h) */
    const bw_provenance_opts *provenance_opts;  /* may be NULL */
    /* Resume: return nonzero for a path already recorded (a file, a member
     * or an archive, which is then passed over unread). May be NULL. */
    int (*skip)(void *ctx, const char *path);
    void *skip_ctx;
    /* Set (e.g. by a SIGINT handler) to stop soon: no new input is read,
     * records in flight are still delivered. May be NULL. */
    const volatile sig_atomic_t *stop;
    /* A file never to scan, by device and inode (the scan's own output,
     * when it lies inside the tree being scanned). exclude_ino 0: none. */
    uint64_t exclude_dev, exclude_ino;
    /* Work splitting (--shard K/N): with shard_count > 1, only the files
     * on disk whose path falls in shard shard_index (0-based) are scanned,
     * by bw_scan_shard_of; an archive goes whole with its own path. N
     * workers given the same paths, one per shard, scan disjoint sets whose
     * union is the whole input. */
    uint32_t shard_index, shard_count;
} bw_scan_opts;

/* The shard (0..count-1) of a path: FNV-1a of its bytes, finalised as
 * MurmurHash3's fmix64, modulo count.
 * The same on every machine for the same path string. */
uint32_t bw_scan_shard_of(const char *path, uint32_t count);

typedef enum bw_scan_kind {
    BW_SCAN_FILE = 0,           /* a file or member, hashed */
    BW_SCAN_ARCHIVE,            /* an archive read to its end */
    BW_SCAN_ERROR               /* something that failed (error says what) */
} bw_scan_kind;

/* One record, valid during the callback only. */
typedef struct bw_scan_record {
    bw_scan_kind kind;
    const char *path;           /* on disk, or ARCHIVE!MEMBER */
    uint32_t depth;             /* 0: on disk; n: inside n archives */
    const char *error;          /* BW_SCAN_ERROR: what went wrong */
    bw_status status;           /* BW_SCAN_ERROR: its status */
    const bw_hash_result *hash; /* BW_SCAN_FILE */
    const bw_matches *matches;  /* BW_SCAN_FILE: may be empty (n == 0) */
    const bw_provenance *provenance; /* BW_SCAN_FILE, when examined; else NULL */
    const char *archive_format; /* BW_SCAN_ARCHIVE: "zip", "tar.gz", ... */
    uint64_t archive_members;   /* BW_SCAN_ARCHIVE: entries, nested ones included */
    uint64_t disk_bytes;        /* bytes of a file on disk this record completes
                                   (an archive's size on its archive record) */
    /* BW_SCAN_FILE or _ERROR of a file with an archive hidden in it (after
     * its image, or a zip found by its end record), whose members came
     * before this record as PATH!MEMBER; NULL: none */
    const char *appended_format;
    uint64_t appended_offset;   /* where that archive starts in the file */
    uint64_t appended_members;
    const char *appended_error; /* why it could not be read to its end, or NULL */
} bw_scan_record;

/* Called on the caller's thread, in order, once per record. */
typedef void (*bw_scan_record_fn)(void *ctx, const bw_scan_record *rec);

/* Counters, for a progress display (read on the caller's thread). */
typedef struct bw_scan_progress {
    uint64_t found;             /* files and members found so far (records to come) */
    uint64_t done;              /* of those, delivered */
    uint64_t archives;          /* archives opened */
} bw_scan_progress;

bw_status bw_scanner_new(bw_scanner **out, const bw_scan_opts *opts, bw_scan_record_fn fn,
                         void *ctx, bw_error *err);

/* Scan one path: a file (an archive is opened in place), or a directory,
 * walked recursively in byte order of names. Records are delivered while
 * this runs; some may still be in flight when it returns. Fails only for
 * BW_ERR_NOMEM or BW_ERR_INTERRUPTED (stop was set); everything else is a
 * record. */
bw_status bw_scanner_add(bw_scanner *s, const char *path, bw_error *err);

/* Scan what can be read from fd (a pipe: an upload streamed on stdin) as
 * one input called name: read whole into memory (at most the
 * max_file_bytes limit), then, when it is an archive, walked in place
 * (members name!member, and the archive's own record), else hashed as one
 * file. fd is not closed. Fails as bw_scanner_add; a read error, an empty
 * input or the limit is a record. */
bw_status bw_scanner_add_fd(bw_scanner *s, const char *name, int fd, bw_error *err);

/* The same over bytes in memory (an upload a server holds): they are
 * read as a descriptor's would be (copied, at most max_file_bytes; over
 * it, a record with the digests), so that the records are those of
 * bw_scanner_add_fd on the same bytes. data is not kept after the call. */
bw_status bw_scanner_add_memory(bw_scanner *s, const char *name, const void *data, size_t len,
                                bw_error *err);

/* Deliver every record still in flight. */
void bw_scanner_finish(bw_scanner *s);

void bw_scanner_progress(const bw_scanner *s, bw_scan_progress *out);

/* finish, then free. */
void bw_scanner_free(bw_scanner *s);

/* ---------------- the `scan` verb as one operation ---------------- */

/* Where a run stands: passed to the request's progress function before the
 * first record (BW_SCAN_STARTED: the output is open, `kept` known), after
 * each record (BW_SCAN_RUNNING) and at the end (BW_SCAN_DONE), on the
 * caller's thread; also what bw_scan_run leaves in *out. */
typedef enum bw_scan_stage {
    BW_SCAN_NOT_STARTED = 0,    /* the run failed before its first input */
    BW_SCAN_STARTED,
    BW_SCAN_RUNNING,
    BW_SCAN_DONE
} bw_scan_stage;

typedef struct bw_scan_totals {
    uint64_t files;             /* file records (images included) */
    uint64_t images;
    uint64_t archives;
    uint64_t matched;           /* file records with at least one match */
    uint64_t errors;
} bw_scan_totals;

typedef struct bw_scan_state {
    bw_scan_stage stage;
    double seconds;             /* since the first input was opened */
    uint64_t kept;              /* records kept from the output being resumed */
    bw_scan_totals totals;      /* the whole output's, resumed records included */
    bw_scan_totals this_run;    /* this run's records only */
    uint64_t content_bytes;     /* bytes of the files hashed in this run */
    uint64_t disk_done;         /* inputs on disk finished (members not counted) */
    uint64_t disk_bytes_done;   /* and their size on disk */
    bw_scan_progress scanner;   /* the pipeline's counters (found, done, archives) */
    int counting;               /* count_ahead: the count below is running or done */
    int counted;                /* ... and it has finished: the totals are final */
    uint64_t counted_files;     /* files and bytes on disk under the paths */
    uint64_t counted_bytes;
    int interrupted;            /* stop was set (or the output failed) before the end */
    int output_failed;          /* writing the output failed; the scan was stopped */
} bw_scan_state;

/* A scan: paths ("-": one input read from stdin_fd) and the pipeline's
 * options; optionally a durable JSON Lines output (output: the file,
 * which is itself never scanned; the last line is the summary) that a
 * later run with resume continues, skipping what it holds. */
typedef struct bw_scan_request {
    const char *const *paths;
    size_t npaths;
    int stdin_fd;
    bw_scan_opts scan;          /* jobs, limits, matcher, distances, provenance, stop */
    const char *output;         /* NULL: no output file */
    int resume;                 /* with output: continue it */
    int count_ahead;            /* count the inputs on a second thread (progress totals) */
    void (*progress)(void *ctx, const bw_scan_state *st);  /* may be NULL */
    void *progress_ctx;
    /* Not NULL: the path "-" is these bytes (bw_scanner_add_memory), not
     * stdin_fd: an upload held in memory, scanned as `scan -` would. */
    const void *stdin_data;
    size_t stdin_len;
} bw_scan_request;

/* Run a scan: each record goes to sink in order (result: the
 * bw_scan_record; json: its JSON object, which is also the output's line;
 * note: a failure to write the output, which stops the scan). Returns
 * BW_OK when every input was walked (records may still report failures:
 * out->totals.errors); otherwise the status of what stopped it: the output
 * could not be opened (out->stage BW_SCAN_NOT_STARTED: nothing was done),
 * memory ran out, or the summary could not be written. *out (may be NULL)
 * gets the final state. */
struct bw_sink;
bw_status bw_scan_run(const bw_scan_request *req, const struct bw_sink *sink,
                      bw_scan_state *out, bw_error *err);

#ifdef __cplusplus
}
#endif

/* The records as JSON, their totals, the durable output and reading it
 * back: record.h (which needs bw_scan_record above). */
#include "record.h"
#endif
