/* cbor_util.c -- safe use of libcbor for C2PA claims, assertions, COSE.
 *
 * libcbor's decoder recurses once per nesting level and allocates arrays
 * and maps from their declared counts, so untrusted bytes are first walked
 * by bw__cbor_skim: an iterative reader with an explicit stack that checks
 * the nesting against max_cbor_depth and every declared length or count
 * against the bytes that remain (an item takes at least one byte), before
 * anything is allocated. Only then does bw__cbor_decode hand them to
 * cbor_load. The rest are small lookups over decoded items. */
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "provenance/c2pa/c2pa_internal.h"

typedef struct skim_level {
    uint64_t left;      /* items still to come (definite containers) */
    int indefinite;     /* ends with a break byte instead */
} skim_level;

bw_status bw__cbor_skim(const uint8_t *data, size_t len, uint32_t max_depth, size_t *used,
                        bw_error *err)
{
    skim_level *stack;
    size_t pos = 0, depth = 0;
    bw_status st = BW_OK;
    if (max_depth == 0)
        max_depth = 1;
    if (!(stack = bw__malloc(((size_t)max_depth + 1) * sizeof *stack)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory reading CBOR");
    for (;;) {
        uint8_t ib, major, ai;
        uint64_t val = 0;
        int complete = 1;
        if (pos >= len) {
            st = bw__fail(err, BW_ERR_TRUNCATED, "truncated CBOR");
            break;
        }
        ib = data[pos++];
        major = ib >> 5;
        ai = ib & 31;
        if (ai >= 24 && ai <= 27) {
            size_t n = (size_t)1 << (ai - 24);
            if (len - pos < n) {
                st = bw__fail(err, BW_ERR_TRUNCATED, "truncated CBOR");
                break;
            }
            for (size_t i = 0; i < n; i++)
                val = val << 8 | data[pos + i];
            pos += n;
        } else if (ai < 24) {
            val = ai;
        } else if (ai != 31) {
            st = bw__fail(err, BW_ERR_CORRUPT, "malformed CBOR (reserved length)");
            break;
        }
        if (ai == 31) {
            if (major == 7) { /* break */
                if (depth == 0 || !stack[depth - 1].indefinite) {
                    st = bw__fail(err, BW_ERR_CORRUPT, "malformed CBOR (stray break)");
                    break;
                }
                depth--;
            } else if (major == 0 || major == 1 || major == 6) {
                st = bw__fail(err, BW_ERR_CORRUPT, "malformed CBOR (indefinite integer)");
                break;
            } else {
                if (depth >= max_depth) {
                    st = bw__fail(err, BW_ERR_LIMIT, "CBOR nested deeper than max_cbor_depth (%u)",
                                  (unsigned)max_depth);
                    break;
                }
                stack[depth].left = 0;
                stack[depth].indefinite = 1;
                depth++;
                complete = 0;
            }
        } else if (major == 2 || major == 3) {
            if (val > len - pos) {
                st = bw__fail(err, BW_ERR_TRUNCATED,
                              "CBOR string of %llu bytes runs past the end (%zu left)",
                              (unsigned long long)val, len - pos);
                break;
            }
            pos += (size_t)val;
        } else if (major == 4 || major == 5 || major == 6) {
            uint64_t items = major == 6 ? 1 : val;
            if (major == 5) {
                if (items > (len - pos) / 2 + 1) {
                    st = bw__fail(err, BW_ERR_TRUNCATED,
                                  "CBOR map declares %llu pairs, more than the bytes left",
                                  (unsigned long long)items);
                    break;
                }
                items *= 2;
            }
            if (items > len - pos) {
                st = bw__fail(err, BW_ERR_TRUNCATED,
                              "CBOR array declares %llu items, more than the bytes left",
                              (unsigned long long)items);
                break;
            }
            if (items > 0) {
                if (depth >= max_depth) {
                    st = bw__fail(err, BW_ERR_LIMIT, "CBOR nested deeper than max_cbor_depth (%u)",
                                  (unsigned)max_depth);
                    break;
                }
                stack[depth].left = items;
                stack[depth].indefinite = 0;
                depth++;
                complete = 0;
            }
        }
        /* An item ended: count it against the containers it closes. */
        if (complete) {
            while (depth > 0 && !stack[depth - 1].indefinite) {
                if (--stack[depth - 1].left > 0)
                    break;
                depth--;
            }
        }
        if (depth == 0 && complete)
            break;
    }
    free(stack);
    if (st == BW_OK && used)
        *used = pos;
    return st;
}

cbor_item_t *bw__cbor_decode(const uint8_t *data, size_t len, uint32_t max_depth,
                             int allow_trailing, bw_error *err)
{
    struct cbor_load_result res;
    cbor_item_t *item;
    size_t used = 0;
    if (bw__cbor_skim(data, len, max_depth, &used, err) != BW_OK)
        return NULL;
    if (used != len && !allow_trailing) {
        bw__fail(err, BW_ERR_CORRUPT, "%zu stray bytes after CBOR item", len - used);
        return NULL;
    }
    /* libcbor 0.8 rejects one-byte tag heads 6..20 (0xC6..0xD4) as
     * unassigned, COSE_Sign1's tag 18 among them. A tag around the whole
     * item tells us nothing the caller checks, so it is dropped here. */
    while (used > 1 && data[0] >= 0xC6 && data[0] <= 0xD4) {
        data++;
        used--;
    }
    item = cbor_load(data, used, &res);
    if (!item || res.error.code != CBOR_ERR_NONE) {
        if (item)
            cbor_decref(&item);
        bw__fail(err, res.error.code == CBOR_ERR_MEMERROR ? BW_ERR_NOMEM : BW_ERR_CORRUPT,
                 "malformed CBOR at byte %zu", res.error.position);
        return NULL;
    }
    return item;
}

cbor_item_t *bw__cbor_untag(cbor_item_t *item)
{
    /* A borrowed pointer: cbor_tag_item adds a reference, which is
     * dropped again at once (the tag still holds its own). */
    while (item && cbor_isa_tag(item)) {
        cbor_item_t *inner = cbor_tag_item(item), *ref = inner;
        cbor_decref(&ref);
        item = inner;
    }
    return item;
}

int bw__cbor_text_is(const cbor_item_t *item, const char *s)
{
    size_t n = strlen(s);
    return item && cbor_isa_string(item) && cbor_string_is_definite(item) &&
           cbor_string_length(item) == n && memcmp(cbor_string_handle(item), s, n) == 0;
}

cbor_item_t *bw__cbor_get(const cbor_item_t *map, const char *key)
{
    struct cbor_pair *pairs;
    if (!map || !cbor_isa_map(map))
        return NULL;
    pairs = cbor_map_handle(map);
    for (size_t i = 0; i < cbor_map_size(map); i++)
        if (bw__cbor_text_is(pairs[i].key, key))
            return pairs[i].value;
    return NULL;
}

int bw__cbor_int(const cbor_item_t *item, int64_t *v)
{
    uint64_t u;
    if (!item || !(cbor_isa_uint(item) || cbor_isa_negint(item)))
        return 0;
    u = cbor_get_int(item);
    if (u > INT64_MAX)
        return 0;
    *v = cbor_isa_uint(item) ? (int64_t)u : -1 - (int64_t)u;
    return 1;
}

cbor_item_t *bw__cbor_get_int(const cbor_item_t *map, int64_t key)
{
    struct cbor_pair *pairs;
    if (!map || !cbor_isa_map(map))
        return NULL;
    pairs = cbor_map_handle(map);
    for (size_t i = 0; i < cbor_map_size(map); i++) {
        int64_t k;
        if (bw__cbor_int(pairs[i].key, &k) && k == key)
            return pairs[i].value;
    }
    return NULL;
}

char *bw__cbor_text(const cbor_item_t *item)
{
    char *s;
    size_t n;
    if (!item || !cbor_isa_string(item) || !cbor_string_is_definite(item))
        return NULL;
    n = cbor_string_length(item);
    if (!(s = bw__malloc(n + 1)))
        return NULL;
    if (n)
        memcpy(s, cbor_string_handle(item), n);
    s[n] = '\0';
    return s;
}

const uint8_t *bw__cbor_bytes(const cbor_item_t *item, size_t *len)
{
    if (!item || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item))
        return NULL;
    *len = cbor_bytestring_length(item);
    return cbor_bytestring_handle(item) ? cbor_bytestring_handle(item) : (const uint8_t *)"";
}
