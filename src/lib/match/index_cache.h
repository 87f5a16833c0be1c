/* index_cache.h -- the index of a matcher kept in a file between runs
 * (bw_matcher_save, bw_matcher_open_cached in bulwark/match.h): what a
 * node restarting reads instead of every hash of the store.
 *
 * The file, all integers unsigned 64-bit little-endian:
 *   "bulwark-ixcache1"            16 bytes
 *   store identity                32 hex digits (bw_store_identity)
 *   nlists, then each name        its length, its bytes (the matcher's
 *                                 chosen lists; 0: all of them)
 *   nids, then each id            the list versions the index holds
 *   for each kind (PDQ, MD5, SHA-1, SHA-256)
 *                                 count, then count hashes of the kind's
 *                                 size (PDQ packed, bw_pdq_pack)
 *   SHA-256 of everything above   32 bytes
 * It is written to a temporary file beside it, synced and renamed over
 * the old one, so that a crash leaves the old file or the new one whole. */
#ifndef BW_MATCH_INDEX_CACHE_H
#define BW_MATCH_INDEX_CACHE_H

#include <stdio.h>
#include "bulwark/index.h"
#include "bulwark/store.h"

/* What a cache file is for: the store and the chosen lists. */
typedef struct bw__ixcache_key {
    char store_id[BW_STORE_ID_SIZE];
    const char *const *lists;
    size_t nlists;
} bw__ixcache_key;

/* Write ix (holding the versions ids) to path, atomically. */
bw_status bw__ixcache_write(const char *path, const bw__ixcache_key *key, const bw_index *ix,
                            const int64_t *ids, size_t nids, bw_error *err);

/* Read a cache from f (size bytes long, as fstat says; what bounds every
 * count in it) and build its index with opts. A file of another store or
 * other lists is BW_ERR_ARG; one that is not a cache, or damaged, or
 * short, BW_ERR_FORMAT / BW_ERR_CORRUPT / BW_ERR_TRUNCATED; each names
 * what is wrong. *ix and *ids (sorted, malloc'd) only on BW_OK. */
bw_status bw__ixcache_read(FILE *f, uint64_t size, const bw__ixcache_key *key,
                           const bw_index_opts *opts, bw_index **ix, int64_t **ids, size_t *nids,
                           bw_error *err);

#endif
