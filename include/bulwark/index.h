/* bulwark/index.h -- the in-memory hash index: "every PDQ hash within
 * distance D of q" and "is this digest known", for tens of millions of
 * hashes, from any number of threads at once.
 *
 * An index is built once from hashes added to a builder (or from an array
 * of PDQ hashes) and is then immutable: lookups never lock and may run on
 * any thread concurrently. Each added hash gets an id: its position among
 * the hashes of its kind, in the order they were added (0, 1, 2, ...);
 * lookups return ids, and bw_index_pdq()/bw_index_digest() give the hash
 * back. Duplicates are kept (each with its own id): callers that want one
 * id per distinct hash add each hash once.
 *
 * PDQ lookups are exact -- every hash within the distance is returned, for
 * any distance 0..256 -- by multi-index hashing: the 256 bits are split
 * into 16 parts of 16 bits, one table per part; a hash within D of q has,
 * by the pigeonhole principle, some part within a small radius of q's, so
 * probing every table within its radius finds it, and each entry carries
 * its hash's next part so that nearly no other hash is fetched (see
 * docs/lists.md). For each query the radii follow D, and when probing
 * would cost more than reading every hash the lookup scans instead (SIMD
 * popcount, chosen at run time from the CPU).
 * Exact kinds (MD5, SHA-1, SHA-256) live in hash tables.
 *
 * Sharing and reloading: an index is reference counted. A bw_index_slot
 * holds "the current index"; readers take a reference with
 * bw_index_slot_get() and drop it with bw_index_unref(); a reload builds a
 * new index and bw_index_slot_set() swaps it in. Lookups already running
 * finish on the old index, which is freed when its last reader lets go.
 *
 *     bw_index_builder *b; bw_index *ix; bw_index_hits hits = {0};
 *     bw_index_builder_new(&b, NULL, &err);
 *     for (...) bw_index_builder_add_pdq(b, &hash[i], &err);
 *     bw_index_build(b, &ix, &err);            (consumes b)
 *     bw_index_find_pdq(ix, &q, 31, &hits, &err);
 *     for (i < hits.n) hits.v[i].id, hits.v[i].distance   (nearest first)
 *     bw_index_hits_free(&hits); bw_index_unref(ix);
 */
#ifndef BULWARK_INDEX_H
#define BULWARK_INDEX_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "pdq.h"
#include "kinds.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A PDQ hash as 32 bytes in the order of its hex text (byte 0 holds bits
 * 255..248): the form the store keeps, so that byte order = text order. */
void bw_pdq_pack(const bw_pdq *hash, uint8_t out[32]);
void bw_pdq_unpack(const uint8_t in[32], bw_pdq *hash);

typedef struct bw_index bw_index;
typedef struct bw_index_builder bw_index_builder;

/* How PDQ lookups are answered. AUTO picks per query from the cost model;
 * the others force one method (tests and benchmarks compare them). */
typedef enum bw_index_method {
    BW_INDEX_AUTO = 0,
    BW_INDEX_MIH,       /* multi-index hashing (still exact) */
    BW_INDEX_SCAN       /* compare q with every hash */
} bw_index_method;

/* How the PDQ part is laid out in memory (docs/lists.md has the figures).
 * FAST keeps a copy of every hash and an id per table entry (~112 bytes
 * per hash); COMPACT keeps no copy of the hashes: each table entry links
 * to the same hash's entry in the next table, and a hash that passes the
 * tables' checks is read back by following the links (~47 bytes per hash
 * on random hashes, a little more on lists with large clusters; lookups at
 * large distances, which FAST answers by scanning, are slow: at 10 million
 * hashes about 1,400 lookups/s at distance 48 and 90 at 64, against 2,400
 * and 220 for FAST and 70 for a scan). With method AUTO, COMPACT applies
 * from BW_INDEX_COMPACT_MIN hashes on and when design_distance is at most
 * BW_INDEX_COMPACT_MAX_DISTANCE; otherwise the index is FAST (small
 * indexes: their directories would outweigh them). Method MIH makes any
 * non-empty index COMPACT; method SCAN makes it FAST. */
typedef enum bw_index_layout {
    BW_INDEX_FAST = 0,
    BW_INDEX_COMPACT
} bw_index_layout;

#define BW_INDEX_COMPACT_MIN 65536
#define BW_INDEX_COMPACT_MAX_DISTANCE 64

typedef struct bw_index_opts {
    bw_index_method method;  /* default AUTO */
    int design_distance;     /* the distance lookups will use, which the cost model weighs
                                when it decides whether tables pay at all and COMPACT
                                whether it applies; 0 = 31 */
    int tables;              /* 0 = all 16 (when they pay); 1..15 = that many, spread over
                                the parts: less memory, slower lookups (docs/lists.md);
                                COMPACT always builds all 16 */
    bw_index_layout layout;  /* default FAST */
} bw_index_opts;

/* One result of a lookup. orientation is the dihedral orientation of the
 * query that matched (BW_PDQ_ORIG..., see pdq.h), 0 for plain lookups. */
typedef struct bw_index_hit {
    uint32_t id;
    uint16_t distance;
    uint8_t orientation;
    uint8_t kind;            /* bw_hash_kind */
} bw_index_hit;

/* A growable result array owned by the caller; reuse it between lookups
 * (the find functions append; clear n to start again). */
typedef struct bw_index_hits {
    bw_index_hit *v;
    size_t n, cap;
} bw_index_hits;

void bw_index_hits_free(bw_index_hits *hits);

/* ---- building ---- */

/* opts may be NULL (defaults). */
bw_status bw_index_builder_new(bw_index_builder **out, const bw_index_opts *opts, bw_error *err);
bw_status bw_index_builder_add_pdq(bw_index_builder *b, const bw_pdq *hash, bw_error *err);
/* Add a hash of any kind as raw bytes (bw_hash_kind_bytes(kind) of them;
 * PDQ in bw_pdq_pack order). */
bw_status bw_index_builder_add(bw_index_builder *b, bw_hash_kind kind, const uint8_t *bytes,
                               bw_error *err);
/* Reserve room for n more hashes of a kind (optional, saves reallocations). */
bw_status bw_index_builder_reserve(bw_index_builder *b, bw_hash_kind kind, size_t n, bw_error *err);
/* Build the index and free the builder (also on failure). */
bw_status bw_index_build(bw_index_builder *b, bw_index **out, bw_error *err);
void bw_index_builder_free(bw_index_builder *b);

/* Build straight from an array of PDQ hashes (copied; ids = array
 * positions). What `cluster` uses for all-pairs search. */
bw_status bw_index_build_pdq(const bw_pdq *hashes, size_t n, const bw_index_opts *opts,
                             bw_index **out, bw_error *err);

/* ---- looking up (thread-safe on a built index) ---- */

/* Append every PDQ hash within max_distance (0..256) of q to hits, nearest
 * first (ties by id). */
bw_status bw_index_find_pdq(const bw_index *ix, const bw_pdq *q, int max_distance,
                            bw_index_hits *hits, bw_error *err);

/* Many lookups at once: the same hits as one bw_index_find_pdq per query,
 * appended query after query, query i's being hits->v[first[i] ..
 * first[i + 1]) (nearest first, ties by id); first must hold nq + 1
 * entries. On failure hits and first may hold part of the results. */
bw_status bw_index_find_pdq_batch(const bw_index *ix, const bw_pdq *q, size_t nq,
                                  int max_distance, bw_index_hits *hits, size_t *first,
                                  bw_error *err);

/* The same for the 8 dihedral orientations of one image (pdq.h order):
 * each id at most once, at its smallest distance, with the orientation
 * that gave it. */
bw_status bw_index_find_pdq_dihedral(const bw_index *ix, const bw_pdq q[BW_PDQ_DIHEDRAL_COUNT],
                                     int max_distance, bw_index_hits *hits, bw_error *err);

/* Append every id whose hash equals bytes (kind MD5/SHA1/SHA256, or PDQ at
 * distance 0), distance 0. */
bw_status bw_index_find_exact(const bw_index *ix, bw_hash_kind kind, const uint8_t *bytes,
                              bw_index_hits *hits, bw_error *err);

/* The PDQ hash with this id, copied to *out; BW_ERR_ARG if out of range.
 * (A COMPACT index rebuilds it from its tables: 16 memory reads.) */
bw_status bw_index_pdq_get(const bw_index *ix, uint32_t id, bw_pdq *out);
/* The same as a pointer into a FAST index (NULL if out of range, and
 * always NULL for a COMPACT index, which holds no copy of the hashes). */
const bw_pdq *bw_index_pdq(const bw_index *ix, uint32_t id);
const uint8_t *bw_index_digest(const bw_index *ix, bw_hash_kind kind, uint32_t id);

/* Every PDQ hash of the index, each once, in batches of up to 4096 and in
 * no promised order (COMPACT: table 15's, the walks of a batch in
 * lockstep, many times faster than bw_index_pdq_get id by id). fn
 * returning non-zero stops: BW_ERR_INTERRUPTED. */
typedef int (*bw_index_pdq_fn)(void *ctx, const bw_pdq *hashes, size_t n);
bw_status bw_index_pdq_each(const bw_index *ix, bw_index_pdq_fn fn, void *ctx, bw_error *err);

/* Hashes of a kind in the index. */
size_t bw_index_count(const bw_index *ix, bw_hash_kind kind);
/* Bytes of memory the index holds. */
size_t bw_index_memory_bytes(const bw_index *ix);

/* How a lookup at this distance would be answered, for benchmarks and
 * docs: tables used, estimated cost relative to a scan (<1: cheaper). */
typedef struct bw_index_plan_info {
    int method;              /* BW_INDEX_MIH or BW_INDEX_SCAN */
    int tables;              /* tables built */
    int substring_bits;      /* bits per part (16) */
    int directory_bits;      /* bits addressed directly per table (16) */
    int tables_probed;       /* tables probed at this distance */
    int max_radius;          /* largest radius probed */
    double cost_vs_scan;
    int layout;              /* bw_index_layout actually built */
    int link_bits;           /* COMPACT: bits of a link per table entry */
} bw_index_plan_info;
void bw_index_plan(const bw_index *ix, int max_distance, bw_index_plan_info *info);

/* ---- sharing ---- */

/* Take another reference (returns ix). */
bw_index *bw_index_ref(bw_index *ix);
/* Drop a reference; the last one frees the index. NULL is fine. */
void bw_index_unref(bw_index *ix);

typedef struct bw_index_slot bw_index_slot;

/* A holder of the current index; initial may be NULL (a reference is taken). */
bw_status bw_index_slot_new(bw_index_slot **out, bw_index *initial, bw_error *err);
/* A reference to the current index (NULL if none); bw_index_unref it. */
bw_index *bw_index_slot_get(bw_index_slot *slot);
/* Swap in ix (a reference is taken); the previous index is released. */
void bw_index_slot_set(bw_index_slot *slot, bw_index *ix);
void bw_index_slot_free(bw_index_slot *slot);

#ifdef __cplusplus
}
#endif
#endif
