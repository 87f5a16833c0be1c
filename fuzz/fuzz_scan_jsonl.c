/* fuzz_scan_jsonl.c -- libFuzzer target for reading back a scan's JSON
 * Lines output (what `cluster --from` and `scan --resume` parse): any
 * bytes, line by line, into a clusterer, which is then run. */
#include <stdint.h>
#include <stdlib.h>
#include "bulwark/cluster.h"

static int on_group(void *ctx, uint64_t id, const char *const *m, size_t n, const char *rep)
{
    (void)ctx;
    (void)id;
    (void)m;
    (void)n;
    (void)rep;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bw_clusterer *c;
    bw_reader *r;
    bw_limits lim;
    uint64_t bad;
    bw_limits_default(&lim);
    lim.max_line_bytes = 4096;
    if (bw_clusterer_new(&c, NULL, NULL) != BW_OK)
        return 0;
    if (bw_reader_open_memory(&r, data, size, NULL) == BW_OK) {
        if (bw_clusterer_add_jsonl(c, r, &lim, &bad, NULL) == BW_OK)
            bw_clusterer_run(c, on_group, NULL, NULL);
        bw_reader_close(r);
    }
    bw_clusterer_free(c);
    return 0;
}
