/* bulwark/store.h -- the store of hash lists. A store is opened from a
 * location, and the location picks the backend: a path is an SQLite
 * database (WAL, foreign keys on, schema version with forward
 * migrations); a "postgresql://" URI names a PostgreSQL database, which
 * comes in a later release (BW_ERR_UNSUPPORTED for now). Every call below
 * means the same on every backend: the merge of lists into an index, the
 * counting of duplicates and the atomic swap of a list version are
 * written once, over the backend table of src/lib/store/store_internal.h.
 *
 * A list has a name, a source, an import time and its entries; an entry
 * has a kind (pdq, md5, sha1, sha256), the hash, and an optional label,
 * category and added-time. Within one list a hash of a kind is kept once
 * (later duplicates are counted, not stored).
 *
 * Writing a list is atomic: bw_store_list_begin() opens one transaction in
 * which a new version of the list is written; bw_list_writer_commit() drops
 * the previous version of the same name and makes the new one visible in
 * that same transaction. A crash or kill at any point before the commit
 * leaves the previous version intact.
 *
 * A bw_store is one connection to the store: use it from one thread at a
 * time (open one per thread, or hand it to a bw_matcher, which serialises
 * its use: see bw_matcher_open_store in match.h). */
#ifndef BULWARK_STORE_H
#define BULWARK_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "index.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BW_STORE_SCHEMA_VERSION 5

typedef struct bw_store bw_store;

enum {
    BW_STORE_READONLY = 1,   /* open an existing store without writing */
    BW_STORE_MUST_EXIST = 2, /* do not create it: a missing store is BW_ERR_NOT_FOUND */
    BW_STORE_LOOKUPS = 4     /* a connection for a matcher's lookups, which read a few
                              * pages a hit: SQLite gives it a 4 MB page cache, not the
                              * 64 MB an import wants */
};

/* Open (creating it and its tables if needed, unless BW_STORE_MUST_EXIST
 * or READONLY) the store at path, and migrate an older schema forward. A
 * newer schema than this build knows is BW_ERR_UNSUPPORTED. A store that
 * is missing is BW_ERR_NOT_FOUND "no store at PATH" (the parent directory
 * is never created). A "postgresql://" (or "postgres://") location is a
 * libpq connection URI: the PostgreSQL backend (docs/design.md). */
bw_status bw_store_open(bw_store **out, const char *path, int flags, bw_error *err);
void bw_store_close(bw_store *s);

/* location as it may be shown (messages, logs): a password in a
 * PostgreSQL URI (user:PASSWORD@ or password=) becomes ***. */
void bw_store_location_safe(const char *location, char *out, size_t n);

/* One entry of a list. Strings may be NULL; added_at 0 = unknown. */
typedef struct bw_entry {
    bw_hash_kind kind;
    uint8_t hash[BW_HASH_MAX_BYTES];   /* bw_hash_kind_bytes(kind) used; PDQ packed */
    const char *label;
    const char *category;
    int64_t added_at;                  /* Unix seconds */
    int64_t content_id;                /* bw_store_find's hits only: the entry's content id */
} bw_entry;

/* Called once per entry; return non-zero to stop (the caller's function
 * then returns BW_ERR_INTERRUPTED). */
typedef int (*bw_entry_fn)(void *ctx, const bw_entry *e);

/* What the store knows about one list. */
typedef struct bw_list_info {
    char *name;
    char *source;                       /* may be NULL */
    int64_t imported_at;                /* Unix seconds */
    uint64_t entries;
    uint64_t kinds[BW_HASH_KIND_COUNT]; /* entries per kind */
    uint64_t duplicates;                /* lines that repeated an entry */
    uint64_t skipped;                   /* bad lines skipped (--skip-bad) */
    double enabled_ratio;               /* HMA's matching_enabled_ratio: 0 matches nothing */
} bw_list_info;

/* All lists, by name. Free with bw_list_infos_free. */
bw_status bw_store_lists(bw_store *s, bw_list_info **out, size_t *n, bw_error *err);
void bw_list_infos_free(bw_list_info *v, size_t n);
/* One list (BW_ERR_NOT_FOUND if none). Free with bw_list_infos_free(v, 1). */
bw_status bw_store_list_get(bw_store *s, const char *name, bw_list_info **out, bw_error *err);

/* The store's data version as this connection sees it: it changes when
 * another connection commits to the store (SQLite: PRAGMA data_version). */
bw_status bw_store_data_version(bw_store *s, int64_t *version, bw_error *err);

/* The store's identity: 32 lowercase hex digits drawn at random when the
 * store was made (or migrated to schema 4), the same on every connection
 * and on a replica, different for another store even at the same
 * location: what a file kept beside a store (an index cache, match.h)
 * checks that it belongs to this one. */
#define BW_STORE_ID_SIZE 33 /* with its NUL */
bw_status bw_store_identity(bw_store *s, char out[BW_STORE_ID_SIZE], bw_error *err);

/* The change feed: wait up to timeout_ms for another connection's commit
 * to be announced, outside a transaction. PostgreSQL: every write
 * transaction announces its new data version on the channel bw_changes
 * (NOTIFY, delivered at its commit), and this connection LISTENs to it
 * from its first call (again after a lost connection is made anew, at the
 * next call: an announcement missed meanwhile is not replayed, so a
 * watcher also compares data versions). *version: the highest data
 * version announced, 0 when none came in time. BW_ERR_UNSUPPORTED: the
 * backend announces nothing (SQLite; poll bw_store_data_version). A
 * connection of its own is best: the wait holds it. */
bw_status bw_store_wait_change(bw_store *s, int timeout_ms, int64_t *version, bw_error *err);

/* How many hashes (rows of entries, or hashes in PDQ blocks) this
 * connection has read to build indexes, in all: what a catch-up costs. */
uint64_t bw_store_rows_read(const bw_store *s);

/* How many lists the store holds. */
bw_status bw_store_list_count(bw_store *s, uint64_t *n, bw_error *err);

/* Remove a list and its entries (BW_ERR_NOT_FOUND if none). */
bw_status bw_store_list_remove(bw_store *s, const char *name, bw_error *err);

/* Every entry of a list, ordered by kind then hash. */
bw_status bw_store_list_entries(bw_store *s, const char *name, bw_entry_fn fn, void *ctx,
                                bw_error *err);

/* ---- writing one list version atomically ---- */

typedef struct bw_list_writer bw_list_writer;

/* Begin a new version of list `name` (an existing one stays visible until
 * commit). source may be NULL. */
bw_status bw_store_list_begin(bw_store *s, const char *name, const char *source,
                              bw_list_writer **out, bw_error *err);
/* Add an entry (streamed to a scratch table; repeats are dropped and
 * counted at commit, keeping the first one's label). */
bw_status bw_list_writer_add(bw_list_writer *w, const bw_entry *e, bw_error *err);
/* Record how many bad lines were skipped (kept with the list). */
void bw_list_writer_set_skipped(bw_list_writer *w, uint64_t skipped);
/* Swap the new version in (replacing an older one of the same name) and
 * free w. On failure nothing changes. */
bw_status bw_list_writer_commit(bw_list_writer *w, bw_list_info *info, bw_error *err);
/* Throw the new version away and free w. */
void bw_list_writer_abort(bw_list_writer *w);

/* ---- reading for the index ---- */

/* Build an index of every distinct hash of the named lists (all lists
 * when nlists is 0), one id per distinct (kind, hash), from one consistent
 * snapshot. PDQ hashes are read in blocks of packed 32-byte hashes where
 * the backend keeps them (SQLite does). opts may be NULL. */
bw_status bw_store_build_index(bw_store *s, const char *const *lists, size_t nlists,
                               const bw_index_opts *opts, bw_index **out, bw_error *err);

/* Keeping an index fresh without rebuilding it whole (match.h's matcher):
 * every list version is a number of its own that never comes back (a
 * re-import is a new version, a removal drops one), so an index can say
 * which versions it holds, and a change is the versions it lacks -- a
 * small index of just their hashes, built beside the big one -- and the
 * versions it holds that are gone, whose rows the store no longer finds
 * (nothing to rebuild for a lookup to be right).
 *
 * bw_store_build_index, leaving out the versions in known[] (sorted;
 * nknown 0: none), giving the versions it read in *ids (sorted, malloc'd;
 * ids NULL: not wanted). strict: a named list that is not in the store is
 * BW_ERR_NOT_FOUND (otherwise it is simply not there). */
bw_status bw_store_build_index_versions(bw_store *s, const char *const *lists, size_t nlists,
                                        const int64_t *known, size_t nknown, int strict,
                                        const bw_index_opts *opts, bw_index **out, int64_t **ids,
                                        size_t *nids, bw_error *err);

/* The live versions of the named lists (all when nlists is 0), sorted,
 * malloc'd. */
bw_status bw_store_live_versions(bw_store *s, const char *const *lists, size_t nlists,
                                 int64_t **ids, size_t *n, bw_error *err);

/* A second connection to the store s was opened on (its location and
 * flags, but never creating it): for work beside s's, such as a full
 * index rebuild while s serves lookups. */
bw_status bw_store_reopen(bw_store *s, bw_store **out, bw_error *err);

/* The same with flags (BW_STORE_*) added to s's. */
bw_status bw_store_reopen_with(bw_store *s, int flags, bw_store **out, bw_error *err);

/* ---- the content of a list, one entry at a time (HMA's /c routes) ----
 *
 * An entry is a piece of content with an id of its own: the first 53 bits
 * of SHA-256(key NUL kind-name NUL hash), the same for the same hash in
 * the same list across re-imports and renames, exact in a JavaScript
 * number. A list's key is its name, unless it was renamed (the key stays
 * the name it had) or took the name a renamed list had (the key is made
 * unique). Content
 * can be disabled -- at once, for good or until a time -- and given a
 * note; that state is kept by id beside the entries (a re-import keeps
 * it), and a disabled entry, or every entry of a list whose
 * enabled_ratio is 0, is not found by bw_store_find.
 *
 * Adding content does not rewrite the list: the new entries become a
 * small version of their own (a delta) beside the list's version, live in
 * the same transaction, so that an index already holding the list only
 * has to add them (bw_store_build_index_versions). An import of the list
 * replaces its version and its deltas; bw_store_lists shows a list with
 * its deltas as one. */
#define BW_CONTENT_DISABLED 0   /* disable_until: disabled until enabled again */
#define BW_CONTENT_ENABLED 1    /* disable_until: enabled (other values: a Unix time) */

int64_t bw_store_content_id(const char *key, bw_hash_kind kind, const uint8_t *hash);

typedef struct bw_content {
    int64_t id;
    char *list;
    bw_hash_kind kind;
    uint8_t hash[BW_HASH_MAX_BYTES];
    int64_t disable_until;   /* HMA's disable_until_ts: BW_CONTENT_*, or enabled from this time */
    char *note;              /* may be NULL */
    char *label;             /* the entry's, may be NULL */
} bw_content;
void bw_content_free(bw_content *c); /* its strings */

/* Whether content in state disable_until matches at Unix time now. */
int bw_content_enabled(int64_t disable_until, int64_t now);

/* Add n entries (n >= 1) to the existing list `list` as one delta; *id is
 * the content id of entries[0]. Entries the list already holds are not
 * added again (*added counts the new ones). note, when not NULL, is kept
 * with entries[0]'s id. BW_ERR_NOT_FOUND: no such list. */
bw_status bw_store_content_add(bw_store *s, const char *list, const bw_entry *entries, size_t n,
                               const char *note, int64_t *id, size_t *added, bw_error *err);
/* The live entry of `list` whose content id is id, with its state
 * (BW_ERR_NOT_FOUND: none). An entry that has no state yet is found by
 * reading the list's entries (time in proportion to its size). */
bw_status bw_store_content_get(bw_store *s, const char *list, int64_t id, bw_content *out,
                               bw_error *err);
/* Keep c's disable_until and note for c->id (c as bw_store_content_get
 * gave it). */
bw_status bw_store_content_set(bw_store *s, const bw_content *c, bw_error *err);
/* Remove the entry of content id from list (its deltas included) with its
 * state; *deleted: how many entries went (0: there was none). */
bw_status bw_store_content_delete(bw_store *s, const char *list, int64_t id, uint64_t *deleted,
                                  bw_error *err);
/* Create an empty list (BW_ERR_EXISTS if there is one of that name). */
bw_status bw_store_list_create(bw_store *s, const char *list, double enabled_ratio, bw_error *err);
/* Rename a list, keeping its content ids (BW_ERR_NOT_FOUND: no list
 * `from`; BW_ERR_EXISTS: a list named `to`). */
bw_status bw_store_list_rename(bw_store *s, const char *from, const char *to, bw_error *err);
/* Set a list's enabled_ratio (0 .. 1; BW_ERR_NOT_FOUND: no such list). */
bw_status bw_store_list_set_ratio(bw_store *s, const char *list, double enabled_ratio,
                                  bw_error *err);

/* Every list entry holding exactly this hash: calls fn with the entry and
 * the name of its list. */
typedef int (*bw_store_hit_fn)(void *ctx, const char *list, const bw_entry *e);
bw_status bw_store_find(bw_store *s, bw_hash_kind kind, const uint8_t *bytes, bw_store_hit_fn fn,
                        void *ctx, bw_error *err);

/* The backend's own consistency check, BW_ERR_CORRUPT naming what is
 * wrong (SQLite: PRAGMA integrity_check, then foreign_key_check). */
bw_status bw_store_check(bw_store *s, bw_error *err);

#ifdef __cplusplus
}
#endif
#endif
