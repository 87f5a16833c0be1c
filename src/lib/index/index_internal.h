/* index_internal.h -- the layout of a built bw_index, shared by the index's
 * sources (build.c, query.c, scan.c, exact.c, share.c); not installed.
 *
 * PDQ part: the hashes in id order (64-byte aligned), and one table per
 * 16-bit part of the hash (part p = bits 16p..16p+15), up to 16. A table
 * lists every hash once, grouped by the value of its part: the entries
 * whose part is k are [dir[k], dir[k + 1]). An entry is two arrays wide:
 * `next`, the value of the hash's following part (p + 1, cyclically),
 * which the lookup checks first, 32 entries per instruction, and `ids`,
 * the hash id (3 bytes while there are at most 2^24 hashes, else 4),
 * read only for the few entries that pass. query.c explains why reading
 * the next part is enough to drop nearly every entry. */
#ifndef BW_INDEX_INTERNAL_H
#define BW_INDEX_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "bulwark/index.h"

#define BW__PARTS 16           /* 16-bit parts of a PDQ hash */
#define BW__PART_KEYS 65536    /* values of one part */

typedef struct bw__part_table {
    /* the directory: where the group of key k starts is
     * dbase[k >> dshift] + drel[k], for k = 0 .. 2^(16 + g) */
    uint32_t *dbase;
    uint16_t *drel;
    int dshift;
    uint16_t *next;   /* per entry: the value of part (p + 1) % 16 */
    uint8_t *ids;     /* FAST: per entry the id, idbytes little-endian bytes (+ padding) */
    uint8_t *link;    /* COMPACT: per entry, link_bits bits: the rank of the same
                         hash in its group of table p + 1 (+ 8 bytes of padding) */
} bw__part_table;

typedef struct bw__exact_table {
    size_t n, cap;    /* keys held / allocated */
    size_t key_bytes;
    uint8_t *keys;    /* n * key_bytes, in id order */
    uint32_t *slots;  /* open addressing: id + 1, 0 = empty */
    size_t mask;      /* slots - 1 */
} bw__exact_table;

struct bw_index {
    atomic_int refs;
    bw_index_opts opts;
    size_t n;                      /* PDQ hashes */
    bw_pdq *pdq;                   /* FAST: the hashes in id order (NULL in COMPACT) */
    size_t pdq_bytes;
    uint16_t *col[BW__PARTS];      /* COMPACT, while it is built: part p of every hash in
                                      id order, each freed once the tables that read it
                                      are built (so the hashes and the tables are never
                                      all in memory at once); NULL after */
    int layout;                    /* bw_index_layout */
    int idbytes;                   /* bytes of an id (table entries, perm): 3 or 4 */
    int g;                         /* COMPACT: a group is keyed by its part and the top g
                                      bits of the part before (0 for FAST) */
    int link_bits;                 /* COMPACT: bits of a link */
    uint8_t *perm;                 /* COMPACT, when the hashes were not added in table 15's
                                      order: position in table 15 -> id, ... */
    uint8_t *where;                /* ... and id -> position (idbytes each); else NULL */
    int ntables;                   /* parts with a table (0 = lookups scan) */
    uint8_t scan_at[257];          /* per distance: 1 = lookups scan (decided at build) */
    unsigned active;               /* bit p set: part p has a table */
    bw__part_table t[BW__PARTS];   /* by part */
    bw__exact_table ex[BW_HASH_KIND_COUNT]; /* [BW_HASH_PDQ] unused */
    size_t memory;
};

/* Part p (0..15) of a hash: bits 16p..16p+15. */
static inline unsigned bw__part(const bw_pdq *h, int p)
{
    return (unsigned)(h->w[p >> 2] >> ((p & 3) * 16)) & 0xffffu;
}

/* Key of the group of h in table p: its part p, then the top g bits of
 * part p - 1. */
static inline uint32_t bw__key(const bw_pdq *h, int p, int g)
{
    uint32_t k = bw__part(h, p) << g;
    return g ? k | (bw__part(h, (p + BW__PARTS - 1) % BW__PARTS) >> (16 - g)) : k;
}

/* The same from the columns of a COMPACT index being built. */
static inline uint32_t bw__key_col(uint16_t *const *col, size_t i, int p, int g)
{
    uint32_t k = (uint32_t)col[p][i] << g;
    return g ? k | ((unsigned)col[(p + BW__PARTS - 1) % BW__PARTS][i] >> (16 - g)) : k;
}

/* Where the group of key k starts in a table. */
static inline uint32_t bw__dir(const bw__part_table *tb, uint32_t k)
{
    return tb->dbase[k >> tb->dshift] + tb->drel[k];
}

/* Bits [bit, bit + w) of a packed array (w <= 32, 8 bytes of padding). */
static inline uint32_t bw__bits_get(const uint8_t *a, uint64_t bit, int w)
{
    uint64_t v;
    __builtin_memcpy(&v, a + (bit >> 3), 8);
    return (uint32_t)((v >> (bit & 7)) & ((1ull << w) - 1));
}

/* Set bits [bit, bit + w) of a zeroed packed array to v (v < 2^w). */
static inline void bw__bits_put(uint8_t *a, uint64_t bit, uint32_t v)
{
    uint64_t w;
    __builtin_memcpy(&w, a + (bit >> 3), 8);
    w |= (uint64_t)v << (bit & 7);
    __builtin_memcpy(a + (bit >> 3), &w, 8);
}

static inline uint32_t bw__read_id(const uint8_t *a, size_t i, int idbytes)
{
    uint32_t v;
    __builtin_memcpy(&v, a + i * (size_t)idbytes, 4);
    return idbytes == 4 ? v : (v & 0xffffffu);
}

/* The id stored at entry e of a table (FAST). */
static inline uint32_t bw__entry_id(const bw_index *ix, const bw__part_table *tb, size_t e)
{
    return bw__read_id(tb->ids, e, ix->idbytes);
}

/* Number of bit strings of length n within distance r of a given one. */
double bw__ball(int n, int r);

/* Thresholds for distance d: t[p] for each part (-1 = part not probed),
 * with sum over probed parts of (t[p] + 1) >= d + 1. A hash within d of q
 * then has some part p with distance <= t[p] to q's (pigeonhole), and
 * query.c's stronger rule holds too. Thresholds may exceed 16. */
void bw__thresholds(const bw_index *ix, int d, int t[BW__PARTS]);
/* COMPACT: the choice of g and of the link width, the maps between ids
 * and table-15 positions, reading a hash back, and checking the entries
 * that passed by following their links (compact.c). */
bw_status bw__compact_plan(bw_index *ix, bw_error *err);
bw_status bw__compact_ids(bw_index *ix, size_t *memory, bw_error *err);
bw_status bw__compact_get(const bw_index *ix, uint32_t id, bw_pdq *out);
/* bw_index_pdq_each for a COMPACT index. */
bw_status bw__compact_each(const bw_index *ix, bw_index_pdq_fn fn, void *ctx, bw_error *err);
/* Check the n entries that passed (table ps[i], entry pe[i], part value
 * pv[i] of that table) of a lookup of q (parts qp) at distance d with
 * thresholds t; append the matches to hits. */
bw_status bw__compact_verify(const bw_index *ix, int d, const int *t, const unsigned *qp,
                             size_t n, const uint8_t *ps, const uint32_t *pe, const uint16_t *pv,
                             bw_index_hits *hits, bw_error *err);

/* Build the directory of a table from the group sizes (count[k] for
 * k < nkeys; count is overwritten with the group starts). */
bw_status bw__dir_build(bw__part_table *tb, uint32_t *count, size_t nkeys, size_t *memory,
                        bw_error *err);

/* Estimated time of a lookup through the tables at these thresholds, and
 * of a scan of n hashes, in nanoseconds on the benchmark machine. */
double bw__mih_cost(const bw_index *ix, const int t[BW__PARTS]);
double bw__scan_cost(size_t n);

/* Append every hash of ix within d of q (unsorted) by scanning. */
bw_status bw__scan(const bw_index *ix, const bw_pdq *q, int d, bw_index_hits *hits, bw_error *err);
/* The same through the tables. */
bw_status bw__mih_find(const bw_index *ix, const bw_pdq *q, int d, bw_index_hits *hits,
                       bw_error *err);

/* Make room for `more` hits. */
bw_status bw__hits_reserve(bw_index_hits *hits, size_t more, bw_error *err);

/* Exact tables. */
bw_status bw__exact_add(bw__exact_table *t, const uint8_t *key, bw_error *err);
bw_status bw__exact_build(bw__exact_table *t, bw_error *err);
void bw__exact_free(bw__exact_table *t);
bw_status bw__exact_find(const bw__exact_table *t, const uint8_t *key, bw_hash_kind kind,
                         bw_index_hits *hits, bw_error *err);

void bw__index_free(bw_index *ix);

/* malloc for the large arrays of an index: 64-byte aligned, and from 4 MB
 * on 2 MB aligned and advised to use huge pages (random probes then miss
 * the TLB far less often). Release with free(). NULL on failure. */
void *bw__index_alloc(size_t bytes);

#endif
