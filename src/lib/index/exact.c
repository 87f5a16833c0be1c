/* exact.c -- the exact-match tables of an index (MD5, SHA-1, SHA-256):
 * the digests in id order and an open-addressing table of ids (linear
 * probing, at most half full), hashed from the digest's own bytes. */
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "index/index_internal.h"

static uint64_t key_hash(const uint8_t *k)
{
    uint64_t a, b;
    memcpy(&a, k, 8);
    memcpy(&b, k + 8, 8);
    a ^= b * 0x9e3779b97f4a7c15ull;
    a ^= a >> 33;
    a *= 0xff51afd7ed558ccdull;
    a ^= a >> 33;
    a *= 0xc4ceb9fe1a85ec53ull;
    return a ^ (a >> 33);
}

bw_status bw__exact_add(bw__exact_table *t, const uint8_t *key, bw_error *err)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        if (cap >= ((size_t)1 << 31))
            return bw__fail(err, BW_ERR_LIMIT, "too many hashes of one kind for one index");
        uint8_t *k = bw__realloc(t->keys, cap * t->key_bytes);
        if (!k)
            return bw__fail(err, BW_ERR_NOMEM, "out of memory for the exact-hash table");
        t->keys = k;
        t->cap = cap;
    }
    memcpy(t->keys + t->n * t->key_bytes, key, t->key_bytes);
    t->n++;
    return BW_OK;
}

bw_status bw__exact_build(bw__exact_table *t, bw_error *err)
{
    size_t slots = 16;
    while (slots < t->n * 2)
        slots *= 2;
    t->slots = bw__calloc(slots, sizeof *t->slots);
    if (!t->slots)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory for the exact-hash table");
    t->mask = slots - 1;
    for (size_t i = 0; i < t->n; i++) {
        size_t s = key_hash(t->keys + i * t->key_bytes) & t->mask;
        while (t->slots[s])
            s = (s + 1) & t->mask;
        t->slots[s] = (uint32_t)(i + 1);
    }
    return BW_OK;
}

void bw__exact_free(bw__exact_table *t)
{
    free(t->keys);
    free(t->slots);
    t->keys = NULL;
    t->slots = NULL;
    t->n = t->cap = 0;
}

bw_status bw__exact_find(const bw__exact_table *t, const uint8_t *key, bw_hash_kind kind,
                         bw_index_hits *hits, bw_error *err)
{
    if (!t->slots || t->n == 0)
        return BW_OK;
    size_t s = key_hash(key) & t->mask;
    for (uint32_t v; (v = t->slots[s]) != 0; s = (s + 1) & t->mask) {
        if (memcmp(t->keys + (size_t)(v - 1) * t->key_bytes, key, t->key_bytes) != 0)
            continue;
        bw_status st = bw__hits_reserve(hits, 1, err);
        if (st != BW_OK)
            return st;
        bw_index_hit *h = &hits->v[hits->n++];
        h->id = v - 1;
        h->distance = 0;
        h->orientation = 0;
        h->kind = (uint8_t)kind;
    }
    return BW_OK;
}
