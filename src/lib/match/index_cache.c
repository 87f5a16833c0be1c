/* index_cache.c -- a matcher's index kept in a file (index_cache.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "core/internal.h"
#include "match/index_cache.h"

#define MAGIC "bulwark-ixcache1"
#define MAGIC_LEN 16
#define ID_LEN (BW_STORE_ID_SIZE - 1)
#define SUM_LEN 32
#define CHUNK 4096 /* hashes read at a time */

/* ---------------- writing ---------------- */

typedef struct wr {
    FILE *f;
    EVP_MD_CTX *md;
    int bad;
} wr;

static void put(wr *w, const void *p, size_t n)
{
    if (w->bad || !n)
        return;
    if (fwrite(p, 1, n, w->f) != n || EVP_DigestUpdate(w->md, p, n) != 1)
        w->bad = 1;
}

static void put_u64(wr *w, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put(w, b, 8);
}

/* A batch of PDQ hashes, packed. */
static int put_pdqs(void *ctx, const bw_pdq *h, size_t n)
{
    wr *w = ctx;
    uint8_t buf[CHUNK * 32];
    for (size_t i = 0; i < n && !w->bad;) {
        size_t m = 0;
        for (; m < CHUNK && i < n; m++, i++)
            bw_pdq_pack(&h[i], buf + m * 32);
        put(w, buf, m * 32);
    }
    return w->bad;
}

static void put_index(wr *w, const bw_index *ix)
{
    uint8_t buf[CHUNK * 32];
    put_u64(w, bw_index_count(ix, BW_HASH_PDQ));
    if (!w->bad && bw_index_pdq_each(ix, put_pdqs, w, NULL) != BW_OK)
        w->bad = 1;
    for (int k = 1; k < BW_HASH_KIND_COUNT && !w->bad; k++) {
        size_t n = bw_index_count(ix, (bw_hash_kind)k), kb = bw_hash_kind_bytes((bw_hash_kind)k);
        put_u64(w, n);
        for (size_t i = 0; i < n && !w->bad;) {
            size_t m = 0;
            for (; m < CHUNK && i < n; m++, i++)
                memcpy(buf + m * kb, bw_index_digest(ix, (bw_hash_kind)k, (uint32_t)i), kb);
            put(w, buf, m * kb);
        }
    }
}

bw_status bw__ixcache_write(const char *path, const bw__ixcache_key *key, const bw_index *ix,
                            const int64_t *ids, size_t nids, bw_error *err)
{
    size_t plen = strlen(path);
    char *tmp = bw__malloc(plen + 12);
    if (!tmp)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp-XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        bw_status st = bw__fail(err, BW_ERR_IO, "%s: cannot write the index cache: %s", path,
                                strerror(errno));
        free(tmp);
        return st;
    }
    wr w = {fdopen(fd, "wb"), EVP_MD_CTX_new(), 0};
    uint8_t sum[EVP_MAX_MD_SIZE];
    unsigned sumlen = 0;
    w.bad = !w.f || !w.md || EVP_DigestInit_ex(w.md, EVP_sha256(), NULL) != 1;
    put(&w, MAGIC, MAGIC_LEN);
    put(&w, key->store_id, ID_LEN);
    put_u64(&w, key->nlists);
    for (size_t i = 0; i < key->nlists; i++) {
        put_u64(&w, strlen(key->lists[i]));
        put(&w, key->lists[i], strlen(key->lists[i]));
    }
    put_u64(&w, nids);
    for (size_t i = 0; i < nids; i++)
        put_u64(&w, (uint64_t)ids[i]);
    put_index(&w, ix);
    if (!w.bad && EVP_DigestFinal_ex(w.md, sum, &sumlen) == 1 && sumlen == SUM_LEN) {
        if (fwrite(sum, 1, SUM_LEN, w.f) != SUM_LEN)
            w.bad = 1;
    } else {
        w.bad = 1;
    }
    int e = 0;
    if (!w.bad && (fflush(w.f) != 0 || fsync(fileno(w.f)) != 0))
        w.bad = 1, e = errno;
    if (w.f ? fclose(w.f) != 0 : close(fd) != 0)
        w.bad = 1, e = e ? e : errno;
    EVP_MD_CTX_free(w.md);
    if (!w.bad && rename(tmp, path) != 0)
        w.bad = 1, e = errno;
    bw_status st = BW_OK;
    if (w.bad) {
        unlink(tmp);
        st = bw__fail(err, BW_ERR_IO, "%s: cannot write the index cache: %s", path,
                      e ? strerror(e) : "write error");
    }
    free(tmp);
    return st;
}

/* ---------------- reading ---------------- */

typedef struct rd {
    FILE *f;
    EVP_MD_CTX *md;
    uint64_t left; /* bytes of the file not read yet */
} rd;

static bw_status get(rd *r, void *p, size_t n, bw_error *err)
{
    if (n > r->left || fread(p, 1, n, r->f) != n)
        return bw__fail(err, BW_ERR_TRUNCATED, "index cache: ends early");
    r->left -= n;
    if (EVP_DigestUpdate(r->md, p, n) != 1)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    return BW_OK;
}

/* A count of items of size each, no more than the bytes left can hold. */
static bw_status get_count(rd *r, size_t each, uint64_t *v, bw_error *err)
{
    uint8_t b[8];
    bw_status st = get(r, b, 8, err);
    *v = 0;
    for (int i = 7; st == BW_OK && i >= 0; i--)
        *v = *v << 8 | b[i];
    if (st == BW_OK && *v > r->left / each)
        return bw__fail(err, BW_ERR_CORRUPT, "index cache: a count of %llu is past its end",
                        (unsigned long long)*v);
    return st;
}

static bw_status check_key(rd *r, const bw__ixcache_key *key, bw_error *err)
{
    char buf[256];
    uint64_t n = 0, len = 0;
    bw_status st = get(r, buf, MAGIC_LEN, err);
    if (st == BW_OK && memcmp(buf, MAGIC, MAGIC_LEN) != 0)
        return bw__fail(err, BW_ERR_FORMAT, "not an index cache of this bulwark");
    if (st == BW_OK && (st = get(r, buf, ID_LEN, err)) == BW_OK &&
        memcmp(buf, key->store_id, ID_LEN) != 0)
        return bw__fail(err, BW_ERR_ARG, "the index cache is of another store");
    if (st == BW_OK && (st = get_count(r, 8, &n, err)) == BW_OK && n != key->nlists)
        return bw__fail(err, BW_ERR_ARG, "the index cache is of other lists");
    for (size_t i = 0; st == BW_OK && i < n; i++) {
        size_t want = strlen(key->lists[i]);
        if ((st = get_count(r, 1, &len, err)) != BW_OK)
            break;
        if (len != want || len > sizeof buf)
            return bw__fail(err, BW_ERR_ARG, "the index cache is of other lists");
        if ((st = get(r, buf, (size_t)len, err)) == BW_OK && memcmp(buf, key->lists[i], want))
            return bw__fail(err, BW_ERR_ARG, "the index cache is of other lists");
    }
    return st;
}

static bw_status get_ids(rd *r, int64_t **ids, size_t *nids, bw_error *err)
{
    uint64_t n = 0;
    bw_status st = get_count(r, 8, &n, err);
    if (st != BW_OK)
        return st;
    int64_t *v = n ? bw__malloc((size_t)n * sizeof *v) : NULL;
    if (n && !v)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == BW_OK && i < n; i++) {
        uint8_t b[8];
        uint64_t x = 0;
        if ((st = get(r, b, 8, err)) != BW_OK)
            break;
        for (int j = 7; j >= 0; j--)
            x = x << 8 | b[j];
        v[i] = (int64_t)x;
        if (i && v[i] <= v[i - 1])
            st = bw__fail(err, BW_ERR_CORRUPT, "index cache: its list versions are out of order");
    }
    if (st != BW_OK) {
        free(v);
        return st;
    }
    *ids = v;
    *nids = (size_t)n;
    return BW_OK;
}

static bw_status get_hashes(rd *r, bw_index_builder *b, bw_error *err)
{
    uint8_t buf[CHUNK * 32];
    bw_status st = BW_OK;
    for (int k = 0; k < BW_HASH_KIND_COUNT && st == BW_OK; k++) {
        size_t kb = bw_hash_kind_bytes((bw_hash_kind)k);
        uint64_t n = 0;
        if ((st = get_count(r, kb, &n, err)) != BW_OK ||
            (n && (st = bw_index_builder_reserve(b, (bw_hash_kind)k, (size_t)n, err)) != BW_OK))
            break;
        while (n && st == BW_OK) {
            size_t m = n < CHUNK ? (size_t)n : CHUNK;
            if ((st = get(r, buf, m * kb, err)) != BW_OK)
                break;
            for (size_t i = 0; i < m && st == BW_OK; i++)
                st = bw_index_builder_add(b, (bw_hash_kind)k, buf + i * kb, err);
            n -= m;
        }
    }
    return st;
}

bw_status bw__ixcache_read(FILE *f, uint64_t size, const bw__ixcache_key *key,
                           const bw_index_opts *opts, bw_index **ix, int64_t **ids, size_t *nids,
                           bw_error *err)
{
    rd r = {f, EVP_MD_CTX_new(), size};
    bw_index_builder *b = NULL;
    int64_t *v = NULL;
    size_t nv = 0;
    uint8_t sum[EVP_MAX_MD_SIZE], want[SUM_LEN];
    unsigned sumlen = 0;
    *ix = NULL;
    *ids = NULL;
    *nids = 0;
    bw_status st = r.md && EVP_DigestInit_ex(r.md, EVP_sha256(), NULL) == 1
                       ? BW_OK : bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if (st == BW_OK && size < SUM_LEN)
        st = bw__fail(err, BW_ERR_TRUNCATED, "index cache: ends early");
    r.left = size >= SUM_LEN ? size - SUM_LEN : 0; /* the sum is not counted */
    if (st == BW_OK)
        st = check_key(&r, key, err);
    if (st == BW_OK)
        st = get_ids(&r, &v, &nv, err);
    if (st == BW_OK)
        st = bw_index_builder_new(&b, opts, err);
    if (st == BW_OK)
        st = get_hashes(&r, b, err);
    if (st == BW_OK && r.left)
        st = bw__fail(err, BW_ERR_CORRUPT, "index cache: %llu bytes past its hashes",
                      (unsigned long long)r.left);
    if (st == BW_OK && (EVP_DigestFinal_ex(r.md, sum, &sumlen) != 1 || sumlen != SUM_LEN ||
                        fread(want, 1, SUM_LEN, f) != SUM_LEN || memcmp(sum, want, SUM_LEN)))
        st = bw__fail(err, BW_ERR_CORRUPT, "index cache: its checksum does not match");
    EVP_MD_CTX_free(r.md);
    if (st == BW_OK) {
        st = bw_index_build(b, ix, err); /* frees b */
        b = NULL;
    }
    bw_index_builder_free(b);
    if (st != BW_OK) {
        free(v);
        return st;
    }
    *ids = v;
    *nids = nv;
    return BW_OK;
}
