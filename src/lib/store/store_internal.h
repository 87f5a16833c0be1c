/* store_internal.h -- the store's backend table: what the backend-neutral
 * code of the store (store.c: opening, list metadata, lookups; writer.c:
 * writing a list version; load.c: merging the lists into an index) asks
 * of a backend, as curl's vtls asks a TLS library or SQLite's VFS an
 * operating system. sqlite.c is the one backend today; PostgreSQL comes in
 * a later issue. Not installed.
 *
 * A backend's connection is a struct of its own whose first member is the
 * bw_store (as a file of an SQLite VFS starts with the VFS's base struct):
 * the neutral code holds the bw_store, the backend casts it to its own
 * type.
 *
 * Conventions of the table: every call that can fail fills err with a
 * message naming the step ("store: reading entries: disk I/O error"); a
 * callback returning non-zero stops a stream, and the call then returns
 * BW_ERR_INTERRUPTED without touching err (the neutral code says why). */
#ifndef BW_STORE_INTERNAL_H
#define BW_STORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "bulwark/store.h"

typedef struct bw__store_backend bw__store_backend;

struct bw_store {
    const bw__store_backend *be;
    int readonly;
    char *location;       /* as opened (bw__store_reopen), set by store.c */
    int flags;
    uint64_t rows_read;   /* hashes read for indexes (load.c), bw_store_rows_read */
};

/* A stream of rows of one list, read in order (see hashes, pdq_blocks). */
typedef struct bw__store_cursor {
    bw_store *s;
    void *impl;           /* the backend's (NULL: nothing open) */
    const char *what;     /* the step its errors name */
} bw__store_cursor;

/* One row of a cursor: n hashes of 32 (PDQ blocks) or one hash (n = 1) of
 * len bytes at data, the backend's until the next row. */
typedef struct bw__store_row {
    uint64_t n;
    const uint8_t *data;
    size_t len;
} bw__store_row;

/* One live list: id is the backend's for this version of it; the
 * strings of li are the backend's until the call returns. */
typedef int (*bw__store_list_fn)(void *ctx, int64_t id, const bw_list_info *li);

enum { BW__STORE_READ = 0, BW__STORE_WRITE = 1 };

struct bw__store_backend {
    const char *name;
    /* Connect to location with bw_store_open's flags and errors; the
     * caller sets (*out)->be and readonly. close frees everything. */
    bw_status (*open)(bw_store **out, const char *location, int flags, bw_error *err);
    void (*close)(bw_store *s);

    /* One transaction at a time per connection; READ gives a consistent
     * snapshot, WRITE excludes other writers. rollback does nothing when
     * no transaction is open. */
    bw_status (*begin)(bw_store *s, int mode, bw_error *err);
    bw_status (*commit)(bw_store *s, bw_error *err);
    void (*rollback)(bw_store *s);

    /* Change detection: a number that moves when another connection
     * commits (bw_store_data_version). */
    bw_status (*data_version)(bw_store *s, int64_t *version, bw_error *err);
    /* Optional (NULL: the backend announces nothing, callers poll
     * data_version): wait up to timeout_ms, outside a transaction, for
     * another connection's commit to be announced; *version the data
     * version announced (> 0), 0 when none came in time. */
    bw_status (*wait_change)(bw_store *s, int timeout_ms, int64_t *version, bw_error *err);

    /* List metadata. lists: every live version by name (a list's version
     * first, then its deltas by id), or only those of the one called name
     * (when not NULL), with the list's enabled_ratio. list_id: -1 when there is none; what
     * names the caller's step in a database error. remove: the version
     * id and its entries. */
    bw_status (*lists)(bw_store *s, const char *name, bw__store_list_fn fn, void *ctx,
                       bw_error *err);
    bw_status (*count)(bw_store *s, uint64_t *n, bw_error *err);
    bw_status (*list_id)(bw_store *s, const char *name, const char *what, int64_t *id,
                         bw_error *err);
    bw_status (*remove)(bw_store *s, int64_t id, bw_error *err);

    /* Entries: all of list id by kind then hash (export), and every live
     * entry of one hash (nb bytes) with its list's name, by list name. */
    bw_status (*entries)(bw_store *s, int64_t id, bw_entry_fn fn, void *ctx, bw_error *err);
    /* find: now >= 0 leaves out disabled content and lists of ratio 0
     * at Unix time now (store.h); now < 0 finds every live entry. */
    bw_status (*find)(bw_store *s, bw_hash_kind kind, const uint8_t *bytes, size_t nb,
                      int64_t now, bw_store_hit_fn fn, void *ctx, bw_error *err);
    bw_status (*check)(bw_store *s, bw_error *err);

    /* For the index: the sorted hashes of one kind of list id, one per
     * row; and the list's PDQ hashes packed in blocks (sorted across
     * blocks), pdq_count saying how many its blocks hold (pdq_blocks and
     * pdq_count NULL: the backend keeps no blocks, the index reads the
     * PDQ entries). next gives *more = 0 at the end; close is safe on a
     * cursor that was never opened (impl NULL). */
    bw_status (*hashes)(bw_store *s, int64_t id, bw_hash_kind kind, bw__store_cursor *c,
                        bw_error *err);
    bw_status (*pdq_blocks)(bw_store *s, int64_t id, bw__store_cursor *c, bw_error *err);
    bw_status (*pdq_count)(bw_store *s, int64_t id, uint64_t *n, bw_error *err);
    bw_status (*next)(bw__store_cursor *c, bw__store_row *row, int *more, bw_error *err);
    void (*cursor_close)(bw__store_cursor *c);

    /* The list writer, inside a WRITE transaction (one writer at a time
     * per connection): writer_begin creates a version of list name that is
     * not live yet (*id) and an empty scratch table; writer_add appends an
     * entry to the scratch table; writer_store moves the scratch rows into
     * the version, each (kind, hash) once keeping the first added
     * (*stored of them, kinds[] per kind); writer_publish drops the live
     * version of the same name and makes this one live with the counts of
     * info (entries, duplicates, skipped, kinds); writer_end drops the
     * scratch state (after a commit or before a rollback). */
    bw_status (*writer_begin)(bw_store *s, const char *name, const char *source,
                              int64_t imported_at, int delta, int64_t *id, bw_error *err);
    bw_status (*writer_add)(bw_store *s, const bw_entry *e, bw_error *err);
    bw_status (*writer_store)(bw_store *s, int64_t id, uint64_t *stored,
                              uint64_t kinds[BW_HASH_KIND_COUNT], bw_error *err);
    bw_status (*writer_publish)(bw_store *s, int64_t id, const bw_list_info *info,
                                bw_error *err);
    void (*writer_end)(bw_store *s);

    /* Content state (store.h, bw_content), inside a transaction:
     * content_state reads the state kept for id (*found 0: none; the
     * strings of out malloc'd, label NULL); content_put keeps c's
     * (list, kind, hash, disable_until, note) for c->id; content_drop
     * deletes the entry (kind, hash) from every live version of list,
     * lowering their counts, and the state of id (*deleted: the entries
     * that went); ratio_put keeps a list's enabled_ratio; forget drops
     * the state and ratio of a list (its removal). Every write moves the
     * data version. */
    bw_status (*content_state)(bw_store *s, int64_t id, bw_content *out, int *found,
                               bw_error *err);
    bw_status (*content_put)(bw_store *s, const bw_content *c, bw_error *err);
    bw_status (*content_drop)(bw_store *s, const char *list, int64_t id, bw_hash_kind kind,
                              const uint8_t *hash, uint64_t *deleted, bw_error *err);
    bw_status (*ratio_put)(bw_store *s, const char *list, double ratio, bw_error *err);
    bw_status (*forget)(bw_store *s, const char *list, bw_error *err);

    /* Content ids (store.h): id_key gives the key of list (its name when
     * it has none of its own) into out (n bytes); rename renames every
     * row of list `from` (versions, ratio, content state), `from` staying
     * its key; claim_key, for a list `name` about to get its first
     * version vid, gives it a key of its own when a renamed list's key is
     * `name`. find sets each hit's content_id from its list's key. */
    bw_status (*id_key)(bw_store *s, const char *list, char *out, size_t n, bw_error *err);
    bw_status (*rename)(bw_store *s, const char *from, const char *to, bw_error *err);
    bw_status (*claim_key)(bw_store *s, const char *name, int64_t vid, bw_error *err);
    /* the store's random identity (store.h), 32 hex digits and a NUL */
    bw_status (*identity)(bw_store *s, char out[BW_STORE_ID_SIZE], bw_error *err);
};

/* What a backend does with the schema version it found (store.c): BW_OK
 * with *migrate 0 (current) or 1 (older: migrate forward, unless
 * readonly, which is an error), or the error of a newer version. */
bw_status bw__store_version_check(int64_t version, int readonly, int *migrate, bw_error *err);

/* Every entry of every live version of list name (its own, then its
 * deltas'), in the caller's transaction or none (store.c); fn stopping is
 * BW_ERR_INTERRUPTED, with err untouched. */
bw_status bw__store_each_entry(bw_store *s, const char *name, bw_entry_fn fn, void *ctx,
                               bw_error *err);

/* The backends (sqlite.c, postgres.c). */
extern const bw__store_backend bw__store_sqlite;
extern const bw__store_backend bw__store_postgres;

#endif
