/* fuzz_jumbf.c -- libFuzzer target for the JUMBF box reader and the CBOR
 * skimmer/decoder: the bytes as a JUMBF superbox (every content box of the
 * tree then skimmed and decoded as CBOR), and the bytes as one CBOR item. */
#include <stddef.h>
#include <stdint.h>
#include "bulwark/limits.h"
#include "provenance/c2pa/c2pa_internal.h"

static void walk(const bw__jbox *b, int depth)
{
    for (size_t i = 0; i < b->nkids; i++) {
        const bw__jbox *k = &b->kids[i];
        if (k->type == BW__FOURCC('j', 'u', 'm', 'b')) {
            walk(k, depth + 1);
        } else {
            cbor_item_t *it = bw__cbor_decode(k->data, k->data_len, BW_DEFAULT_MAX_CBOR_DEPTH, 1, NULL);
            if (it)
                cbor_decref(&it);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bw__jbox *root = NULL;
    cbor_item_t *it;
    if (bw__jumbf_parse(data, size, NULL, &root, NULL) == BW_OK) {
        walk(root, 0);
        bw__jumbf_free(root);
    }
    if ((it = bw__cbor_decode(data, size, BW_DEFAULT_MAX_CBOR_DEPTH, 1, NULL)))
        cbor_decref(&it);
    return 0;
}
