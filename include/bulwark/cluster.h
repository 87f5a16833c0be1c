/* bulwark/cluster.h -- grouping near-duplicates: files whose PDQ hashes are
 * within a distance of each other, and exact duplicates (same SHA-256),
 * so that a person triaging a collection looks at one image per group.
 *
 * Items are added (from hashing, or from a scan's JSON Lines output); the
 * all-pairs search is exact: a self-join over 16-bit substrings up to
 * distance 47, the PDQ index (index.h) queried for every hash beyond;
 * union-find joins each such pair and
 * each pair with the same SHA-256 into groups. Groups are numbered from 1
 * in the order of their first member; members are listed in input order;
 * the representative is the member of highest PDQ quality (the first of
 * those on a tie; the first member for groups without PDQ hashes).
 * PDQ hashes below min_quality (default 50, as the reference) join groups
 * only through their SHA-256: flat images hash alike without being alike. */
#ifndef BULWARK_CLUSTER_H
#define BULWARK_CLUSTER_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "limits.h"
#include "pdq.h"
#include "reader.h"
#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bw_cluster_opts {
    int max_distance;   /* PDQ distance that joins two items (-1: 31) */
    int min_quality;    /* PDQ hashes below this quality are not compared (-1: 50) */
    unsigned jobs;      /* threads for the all-pairs search (0 or 1: the caller's) */
} bw_cluster_opts;

typedef struct bw_clusterer bw_clusterer;

bw_status bw_clusterer_new(bw_clusterer **out, const bw_cluster_opts *opts, bw_error *err);
void bw_clusterer_free(bw_clusterer *c);

/* Add one item (path is copied). sha256 and pdq may be NULL. */
bw_status bw_clusterer_add(bw_clusterer *c, const char *path, const uint8_t sha256[32],
                           const bw_pdq *pdq, int quality, bw_error *err);

/* Add the file records of a scan's (or `hash --json`'s) JSON Lines output
 * read from r: their path, sha256, pdq and quality. Archive and error
 * records and the summary are passed over; a line that is not a JSON
 * object with a "path" is counted in *bad (may be NULL) and skipped. A
 * line longer than limits->max_line_bytes is BW_ERR_LIMIT naming it. */
bw_status bw_clusterer_add_jsonl(bw_clusterer *c, bw_reader *r, const bw_limits *limits,
                                 uint64_t *bad, bw_error *err);

/* Items added so far. */
size_t bw_clusterer_count(const bw_clusterer *c);

/* One group of two or more: id from 1, members' paths in input order. */
typedef int (*bw_cluster_fn)(void *ctx, uint64_t id, const char *const *members, size_t n,
                             const char *representative);

/* Group the items and call fn once per group, in id order (nonzero from
 * fn stops: BW_ERR_INTERRUPTED). May be called once. */
bw_status bw_clusterer_run(bw_clusterer *c, bw_cluster_fn fn, void *ctx, bw_error *err);

/* {"cluster": id, "members": [...], "representative": path} */
void bw_cluster_json(bw_json *j, uint64_t id, const char *const *members, size_t n,
                     const char *representative);

/* ---------------- the `cluster` verb as one operation ---------------- */

/* What to group: paths (hashed through the scan pipeline: directories and
 * archives too), or the records of an earlier scan read from `from` ("-":
 * stdin_fd). */
typedef struct bw_cluster_request {
    const char *const *paths;
    size_t npaths;
    const char *from;          /* NULL: hash the paths */
    int stdin_fd;
    bw_cluster_opts cluster;   /* max_distance, min_quality, jobs of the pair search */
    unsigned jobs;             /* hashing threads */
    int follow_symlinks;
    const bw_limits *limits;   /* NULL: defaults */
} bw_cluster_request;

/* One group, the result of a group record. */
typedef struct bw_cluster_group {
    uint64_t id;
    const char *const *members;
    size_t n;
    const char *representative;
} bw_cluster_group;

/* Hash or read the inputs, group them, and hand the sink: a record per
 * input that failed (status, error), a note for lines of `from` that are
 * not scan records, then one record per group (result: bw_cluster_group,
 * json: the `cluster --json` object), in id order. *failed (may be NULL)
 * counts failed inputs and skipped lines. Fails itself when `from` cannot
 * be read, or when it cannot start or finish the grouping. */
struct bw_sink;
bw_status bw_cluster_run(const bw_cluster_request *req, const struct bw_sink *sink,
                         uint64_t *failed, bw_error *err);

#ifdef __cplusplus
}
#endif
#endif
