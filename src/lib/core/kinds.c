/* kinds.c -- the hash kinds: names, sizes, parsing (bulwark/kinds.h). */
#include <string.h>
#include <strings.h>
#include "bulwark/kinds.h"

static const char *const kind_names[BW_HASH_KIND_COUNT] = {"pdq", "md5", "sha1", "sha256"};
static const size_t kind_bytes[BW_HASH_KIND_COUNT] = {32, 16, 20, 32};

const char *bw_hash_kind_name(bw_hash_kind kind)
{
    return (unsigned)kind < BW_HASH_KIND_COUNT ? kind_names[kind] : NULL;
}

size_t bw_hash_kind_bytes(bw_hash_kind kind)
{
    return (unsigned)kind < BW_HASH_KIND_COUNT ? kind_bytes[kind] : 0;
}

bw_status bw_hash_kind_parse(const char *name, bw_hash_kind *kind)
{
    for (int k = 0; k < BW_HASH_KIND_COUNT; k++) {
        if (name && strcasecmp(name, kind_names[k]) == 0) {
            *kind = (bw_hash_kind)k;
            return BW_OK;
        }
    }
    return BW_ERR_ARG;
}
