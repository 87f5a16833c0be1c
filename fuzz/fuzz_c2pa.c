/* fuzz_c2pa.c -- libFuzzer target for the whole C2PA reader: the bytes as
 * an asset (JPEG/PNG/RIFF/BMFF framing, XMP, the store inside it, claims,
 * assertions, COSE, hard bindings), then as a sidecar store for an empty
 * asset. The watermark decoder is skipped (it has its own target). */
#include <stddef.h>
#include <stdint.h>
#include "bulwark/provenance.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bw_provenance_opts opts = {0};
    bw_provenance p;
    opts.no_watermark = 1;
    if (bw_provenance_examine(data, size, &opts, &p, NULL) == BW_OK)
        bw_provenance_free(&p);
    opts.sidecar = data;
    opts.sidecar_len = size;
    if (bw_provenance_examine("\xFF\xD8\xFF\xD9", 4, &opts, &p, NULL) == BW_OK)
        bw_provenance_free(&p);
    return 0;
}
