/* fuzz_ixcache.c -- libFuzzer target for the index cache reader
 * (src/lib/match/index_cache.c, what `serve --index-cache` starts from):
 * the bytes are read as a cache file of the store "0...0" (32 zeros) with
 * no lists chosen, both index layouts, and whatever index they build is
 * asked once. Every count is bounded by the file's size, so a hostile
 * count is an error, not an allocation. The seed corpus is
 * fuzz/corpus/ixcache/: caches written by tools/ixcache_seed.py (every
 * kind, none, one list named) and cut or altered copies. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include "bulwark/index.h"
#include "match/index_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bw__ixcache_key key = {"00000000000000000000000000000000", NULL, 0};
    for (int layout = 0; layout < 2; layout++) {
        bw_index_opts opts = {0};
        opts.layout = layout ? BW_INDEX_COMPACT : BW_INDEX_FAST;
        FILE *f = fmemopen((void *)data, size ? size : 1, "rb");
        if (!f)
            return 0;
        bw_index *ix = NULL;
        int64_t *ids = NULL;
        size_t nids = 0;
        bw_error err;
        if (bw__ixcache_read(f, size, &key, &opts, &ix, &ids, &nids, &err) == BW_OK) {
            bw_pdq q = {{0}};
            bw_index_hits hits = {0};
            bw_index_find_pdq(ix, &q, 31, &hits, &err);
            bw_index_hits_free(&hits);
            bw_index_unref(ix);
            free(ids);
        }
        fclose(f);
    }
    return 0;
}
