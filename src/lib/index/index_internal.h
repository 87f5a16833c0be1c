/* index_internal.h -- the layout of a built bw_index, shared by the index's
 * sources (build.c, query.c, scan.c, exact.c, share.c); not installed.
 *
 * PDQ part: the hashes in id order (64-byte aligned), and up to
 * BW__MIH_MAX_TABLES multi-index tables. Table t covers `bits` consecutive
 * bits of the hash starting at bit `start` (its substring key). The key's
 * top `pbits` bits pick a bucket: one 64-byte cache line holding up to 15
 * entries and the bucket's entry count, so that a probe costs one memory
 * access. Each entry packs the key's low `rbits` bits above the hash id
 * (`rest << posbits | id`), and a hash is fetched only when the whole
 * substring is within the probe radius. A bucket with more than 15
 * entries (clustered lists) keeps 14 inline and, in its last slot, where
 * the rest start in the table's overflow array. */
#ifndef BW_INDEX_INTERNAL_H
#define BW_INDEX_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "bulwark/index.h"

#define BW__MIH_MAX_TABLES 16
#define BW__MIH_MAX_BITS 32

#define BW__BUCKET_SLOTS 15

typedef struct bw__bucket {
    uint32_t e[BW__BUCKET_SLOTS];
    uint32_t count;   /* entries of this bucket, inline and overflow */
} bw__bucket;

typedef struct bw__mih_table {
    uint16_t start;   /* first bit of the substring */
    uint8_t bits;     /* substring length */
    uint8_t pbits;    /* bucket-number bits (top of the key) */
    uint8_t rbits;    /* key bits kept in each entry */
    bw__bucket *bk;   /* 2^pbits buckets */
    size_t novf;      /* entries in the overflow array */
    uint32_t *ovf_e;  /* the overflow runs, bucket by bucket */
} bw__mih_table;

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
    bw_pdq *pdq;
    int posbits;                   /* bits of an id inside a table entry */
    int ntables;
    bw__mih_table t[BW__MIH_MAX_TABLES];
    bw__exact_table ex[BW_HASH_KIND_COUNT]; /* [BW_HASH_PDQ] unused */
    size_t memory;
};

/* Substring of `bits` (<= 32) bits of h starting at bit `start`. */
static inline uint32_t bw__sub(const bw_pdq *h, unsigned start, unsigned bits)
{
    unsigned wi = start >> 6, off = start & 63;
    uint64_t v = h->w[wi] >> off;
    if (off + bits > 64 && wi < 3)
        v |= h->w[wi + 1] << (64 - off);
    return (uint32_t)(v & ((bits >= 64 ? 0 : (1ull << bits)) - 1));
}

/* Number of bit strings of length n within distance r of a given one. */
double bw__ball(int n, int r);

/* Estimated cost (in units of one random memory access) of a MIH lookup
 * at these radii; radius[t] < 0 skips table t. */
double bw__mih_cost(const bw_index *ix, const int *radius);
/* Estimated cost of scanning n hashes. */
double bw__scan_cost(size_t n);
/* Radii for distance d over ix's tables (sum of radius+1 >= d+1). */
void bw__mih_radii(const bw_index *ix, int d, int *radius);

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
