/* fuzz_decode.c -- libFuzzer target for the image decoders: the bytes go
 * through bw_hasher_hash_memory (sniff, decode, PDQ with the dihedral
 * hashes) on both paths, exact and fast, and through bw_image_probe.
 * Limits are lowered (4 megapixels, 64 MB of decoder memory) so that the
 * fuzzer explores parsers rather than allocators; the limits themselves are
 * tested in tests/image. The seed corpus is fuzz/corpus/decode/: tiny
 * valid files of every format and variant, and broken ones. */
#include <stddef.h>
#include <stdint.h>
#include "bulwark/hash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bw_hasher *hashers[2];
    static bw_limits lim;
    bw_hash_result r;
    bw_format f;
    uint32_t w, h;

    if (!hashers[0]) {
        bw_limits_default(&lim);
        lim.max_pixels = 4u << 20;
        lim.max_decode_bytes = 64u << 20;
        lim.max_jpeg_scans = 100;
        for (int k = 0; k < 2; k++) {
            bw_hash_opts o = {k, 1, &lim};
            if (bw_hasher_new(&hashers[k], &o, NULL) != BW_OK)
                return 0;
        }
    }
    for (int k = 0; k < 2; k++)
        (void)bw_hasher_hash_memory(hashers[k], data, size, &r, NULL);
    (void)bw_image_probe(data, size, &f, &w, &h, NULL);
    return 0;
}
