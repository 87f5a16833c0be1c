/* bulwark/match.h -- looking hashes up against the lists of a store: the
 * index (index.h) answers "which hashes", the store (store.h) says which
 * lists hold them and with what label.
 *
 * A bw_matcher loads the index of the chosen lists from a store once and
 * can then be used from any number of threads at once; bw_matcher_reload()
 * rebuilds the index from the store and swaps it in while lookups go on.
 * A matcher notices on its own when another process changes the store (a
 * list imported, re-imported or removed): at most every refresh interval
 * (default BW_MATCHER_REFRESH_MS) a lookup checks the store's data version
 * and, if it moved, an index of just the new list versions is built beside
 * the current one and swapped in (milliseconds, whatever the size of the
 * rest); removals and many small indexes make a thread of the matcher's
 * own rebuild the whole index on a second store connection and swap it in.
 * A store that cannot be reached (a database restart, a network cut)
 * keeps the index there is: a refresh fails and is tried again, and an
 * index hit is answered from what the store last said of that hash under
 * the current index (kept for a few thousand hashes), else it fails.
 * Results are records ready for the interface's `matches` array:
 * {list, kind, hash, distance, label}, nearest first. */
#ifndef BULWARK_MATCH_H
#define BULWARK_MATCH_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "limits.h"
#include "pdq.h"
#include "digest.h"
#include "index.h"
#include "json.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bw_matcher bw_matcher;

/* One match. Strings belong to the bw_matches that holds it. */
typedef struct bw_match {
    char *list;
    bw_hash_kind kind;
    uint8_t hash[BW_HASH_MAX_BYTES];
    int distance;
    int orientation;         /* dihedral orientation of the query (0: as is) */
    char *label;             /* may be NULL */
    char *category;          /* may be NULL */
    int64_t content_id;      /* the entry's (store.h), 0: not known */
} bw_match;

typedef struct bw_matches {
    bw_match *v;
    size_t n, cap;
} bw_matches;

void bw_matches_clear(bw_matches *m);   /* n = 0, keeps the memory */
void bw_matches_free(bw_matches *m);

#define BW_MATCHER_REFRESH_MS 1000

/* Build the index of the named lists (all when nlists is 0) of an open
 * store; a named list that does not exist is BW_ERR_NOT_FOUND. The
 * matcher takes the store: bw_matcher_close closes it, and so does this
 * call when it fails. From here on the store belongs to the matcher, which
 * serialises its use (lookups on any thread, reloads): the caller no
 * longer uses it. index_opts as bw_matcher_open_with. */
bw_status bw_matcher_open_store(bw_matcher **out, bw_store *store, const char *const *lists,
                                size_t nlists, const bw_index_opts *index_opts, bw_error *err);

/* Open the store at db_path (any location bw_store_open takes) and then
 * bw_matcher_open_store. The store must exist: a missing store is
 * BW_ERR_NOT_FOUND ("no store at PATH"; a matcher never creates one), as is
 * a named list that does not exist. */
bw_status bw_matcher_open(bw_matcher **out, const char *db_path, const char *const *lists,
                          size_t nlists, bw_error *err);
/* The same with the index's options (index.h; NULL = defaults): its
 * layout (FAST or COMPACT) and the distance lookups will use. Reloads keep
 * them. */
bw_status bw_matcher_open_with(bw_matcher **out, const char *db_path, const char *const *lists,
                               size_t nlists, const bw_index_opts *index_opts, bw_error *err);
void bw_matcher_close(bw_matcher *m);

/* ---- the index cache: a restart that reads only what changed ----
 *
 * bw_matcher_save keeps the matcher's big index (without the small one
 * beside it) in the file at path with the list versions it holds, the
 * store's identity and the chosen lists; the file is written beside it
 * and renamed over it, so that a crash leaves the old file or the new one
 * whole. bw_matcher_open_cached is bw_matcher_open_store starting from
 * that file when it is this store's and these lists' (*cached 1): the
 * index is built from the file's hashes, then only the list versions that
 * came since are read from the store (bw_matcher_rows_read counts them),
 * and a version of the file gone from the store (a removal, a re-import)
 * asks for a full rebuild in the background, as a change would. A file
 * missing, damaged, or of another store or other lists is not used:
 * *cached 0, the store's full load, and cache_err (may be NULL) says why.
 * index_opts as bw_matcher_open_with; the file does not depend on them. */
bw_status bw_matcher_save(bw_matcher *m, const char *path, bw_error *err);
bw_status bw_matcher_open_cached(bw_matcher **out, bw_store *store, const char *const *lists,
                                 size_t nlists, const bw_index_opts *index_opts,
                                 const char *cache_path, int *cached, bw_error *cache_err,
                                 bw_error *err);

/* Rebuild the index from the store and swap it in (lookups continue). */
bw_status bw_matcher_reload(bw_matcher *m, bw_error *err);

/* Reload only if another connection committed to the store since the
 * index was built; *reloaded (may be NULL) says whether it did. */
bw_status bw_matcher_refresh(bw_matcher *m, int *reloaded, bw_error *err);

/* How often lookups call bw_matcher_refresh: every interval_ms
 * milliseconds at most (0: before every lookup; negative: never). */
void bw_matcher_set_refresh(bw_matcher *m, int interval_ms);

/* The number of lists the current index was built from (0: an empty
 * store, which callers refuse unless told that is fine), and how many
 * times the index has been reloaded after a change. */
uint64_t bw_matcher_list_count(bw_matcher *m);
uint64_t bw_matcher_reloads(bw_matcher *m);
/* How many full rebuilds have run in the background (see below), and
 * whether one is wanted or running now. */
uint64_t bw_matcher_compactions(bw_matcher *m);
int bw_matcher_rebuilding(bw_matcher *m);
/* How many hashes the matcher has read from the store for its index, in
 * all: the first load, each change (only the list versions its index
 * lacks) and each full rebuild. What a node catching up costs. */
uint64_t bw_matcher_rows_read(bw_matcher *m);

/* The index in numbers: the hashes of one kind and the bytes it takes.
 * A change adds a small index beside the big one instead of rebuilding it
 * (*parts, may be NULL: how many there are now, 1 after a full rebuild);
 * a hash in two of them (a list re-imported since the last full rebuild)
 * counts twice until the matcher's background rebuild merges them, which
 * removals and a pile of small indexes ask for. */
size_t bw_matcher_index_count(bw_matcher *m, bw_hash_kind kind, size_t *parts);
size_t bw_matcher_index_bytes(bw_matcher *m);

/* The lists of the store as they are now (only those the matcher was
 * opened with, when it was given names), by name, read under the
 * matcher's lock: what a service shows of its lists between lookups. Free
 * with bw_list_infos_free. */
bw_status bw_matcher_lists(bw_matcher *m, bw_list_info **out, size_t *n, bw_error *err);

/* The current index without what is beside it since its last full
 * rebuild (a reference: bw_index_unref it). */
bw_index *bw_matcher_index(bw_matcher *m);

/* The lookups take m NULL as a matcher without lists: nothing matches. */

/* PDQ lookup within max_distance; with dihedral non-NULL, all 8
 * orientations (q is ignored). Appends to out, nearest first. */
bw_status bw_matcher_pdq(bw_matcher *m, const bw_pdq *q,
                         const bw_pdq dihedral[BW_PDQ_DIHEDRAL_COUNT], int max_distance,
                         bw_matches *out, bw_error *err);

/* Exact lookup of one hash (any kind; PDQ at distance 0). */
bw_status bw_matcher_exact(bw_matcher *m, bw_hash_kind kind, const uint8_t *bytes,
                           bw_matches *out, bw_error *err);

/* MD5, SHA-1 and SHA-256 of a file at once. */
bw_status bw_matcher_digests(bw_matcher *m, const bw_digests *d, bw_matches *out, bw_error *err);

/* Sort nearest first (then list, kind, hash) and drop repeats; the
 * lookups above already do this, for callers merging several. */
void bw_matches_sort(bw_matches *m);

/* Append `[ {list, kind, hash, distance, label}, ... ]` to j (the caller
 * writes the "matches" key first). */
void bw_matches_json(bw_json *j, const bw_matches *m);

/* One answer of `match --json`: {query[, query_bytes], pdq and quality
 * (when hr, which may be NULL, is an image), note (when not NULL),
 * matches}. */
struct bw_hash_result;
void bw_match_answer_json(bw_json *j, const char *query, const struct bw_hash_result *hr,
                          const char *note, const bw_matches *m);
/* A query that failed: {query, error}, and when hr (may be NULL) has the
 * file's digests (read to its end but not decoded) also size, md5, sha1,
 * sha256 and their matches. */
void bw_match_error_json(bw_json *j, const char *query, const char *error,
                         const struct bw_hash_result *hr, const bw_matches *m);

/* Classify a query string: 32/40 hex digits are MD5/SHA-1, 64 are PDQ
 * (and possibly SHA-256: callers look both up). BW_ERR_ARG if it is not a
 * hash. bytes gets bw_hash_kind_bytes(kind) bytes (PDQ packed). */
bw_status bw_match_parse_hash(const char *s, size_t len, bw_hash_kind *kind,
                              uint8_t bytes[BW_HASH_MAX_BYTES]);

/* ---------------- the `match` verb as one operation ---------------- */

#define BW_MATCH_MAX_QUERY 4096   /* bytes of one query line */

/* What to look up: hashes or paths of files (hashed first); "-" reads one
 * query per line from stdin_fd, each answered before the next is read. */
typedef struct bw_match_request {
    const char *const *queries;
    size_t nqueries;
    int stdin_fd;
    bw_matcher *matcher;       /* NULL: no lists, nothing matches */
    int max_distance;          /* PDQ distance (-1: 31) */
    int min_quality;           /* PDQ hashes of images below it are not matched (-1: 50) */
    int dihedral;              /* files: all 8 orientations */
    unsigned jobs;             /* worker threads; 0 or 1: the caller's thread */
    const bw_limits *limits;   /* hashing files (NULL: defaults) */
} bw_match_request;

/* The result of a match record. hr is the file's hash (NULL for a bare
 * hash); digests_only: the file did not decode (the record's status says
 * why), its digests were looked up. */
typedef struct bw_match_answer {
    const char *query;
    const struct bw_hash_result *hr;
    const bw_matches *matches;
    const char *note;
    int digests_only;
} bw_match_answer;

/* Answer every query of req, in order, to sink: result a bw_match_answer
 * (NULL when nothing was looked up), json the `match --json` object. */
struct bw_sink;
bw_status bw_match_run(const bw_match_request *req, const struct bw_sink *sink,
                       uint64_t *failed, bw_error *err);

#ifdef __cplusplus
}
#endif
#endif
