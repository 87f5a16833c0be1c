/* digest.c -- MD5, SHA-1 and SHA-256 in one pass (bulwark/digest.h), with
 * OpenSSL 3's EVP interface; the digest algorithms are fetched once per
 * digester and the contexts reused from file to file. */
#include <stdlib.h>
#include <openssl/evp.h>
#include "core/internal.h"
#include "bulwark/digest.h"
#include "bulwark/reader.h"

struct bw_digester {
    EVP_MD *md[3];
    EVP_MD_CTX *ctx[3];
    uint64_t bytes;
};

static const char *const names[3] = {"MD5", "SHA1", "SHA256"};

void bw_digester_free(bw_digester *d)
{
    if (!d)
        return;
    for (int i = 0; i < 3; i++) {
        EVP_MD_CTX_free(d->ctx[i]);
        EVP_MD_free(d->md[i]);
    }
    free(d);
}

bw_status bw_digester_new(bw_digester **out, bw_error *err)
{
    bw_digester *d = bw__calloc(1, sizeof *d);
    *out = NULL;
    if (!d)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    for (int i = 0; i < 3; i++) {
        d->md[i] = EVP_MD_fetch(NULL, names[i], NULL);
        d->ctx[i] = EVP_MD_CTX_new();
        if (!d->md[i] || !d->ctx[i]) {
            bw_digester_free(d);
            return bw__fail(err, BW_ERR_INTERNAL, "OpenSSL cannot provide %s", names[i]);
        }
    }
    if (bw_digester_reset(d, err) != BW_OK) {
        bw_digester_free(d);
        return BW_ERR_INTERNAL;
    }
    *out = d;
    return BW_OK;
}

bw_status bw_digester_reset(bw_digester *d, bw_error *err)
{
    d->bytes = 0;
    for (int i = 0; i < 3; i++)
        if (EVP_DigestInit_ex2(d->ctx[i], d->md[i], NULL) != 1)
            return bw__fail(err, BW_ERR_INTERNAL, "%s init failed", names[i]);
    return BW_OK;
}

void bw_digester_update(bw_digester *d, const void *data, size_t len)
{
    for (int i = 0; i < 3; i++)
        EVP_DigestUpdate(d->ctx[i], data, len);
    d->bytes += len;
}

uint64_t bw_digester_bytes(const bw_digester *d)
{
    return d->bytes;
}

bw_status bw_digester_drain(bw_digester *d, bw_reader *r, uint64_t max_total,
                            const volatile sig_atomic_t *stop, bw_digests *out, uint64_t *total,
                            bw_error *err)
{
    /* at least one byte more is refused when the limit is already reached */
    uint64_t rest = max_total > d->bytes ? max_total - d->bytes : 1;
    bw_status st = bw_reader_drain(r, bw_digester_chunk, d, rest, stop, NULL, err);
    if (st == BW_OK)
        st = bw_digester_final(d, out, err);
    if (st == BW_OK)
        *total = d->bytes;
    return st;
}

void bw_digester_chunk(void *digester, const void *data, size_t len)
{
    bw_digester_update(digester, data, len);
}

bw_status bw_digester_final(bw_digester *d, bw_digests *out, bw_error *err)
{
    unsigned char *dst[3] = {out->md5, out->sha1, out->sha256};
    for (int i = 0; i < 3; i++)
        if (EVP_DigestFinal_ex(d->ctx[i], dst[i], NULL) != 1)
            return bw__fail(err, BW_ERR_INTERNAL, "%s final failed", names[i]);
    return BW_OK;
}

void bw_hex_encode(const uint8_t *bytes, size_t n, char *out)
{
    static const char hexd[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexd[bytes[i] >> 4];
        out[2 * i + 1] = hexd[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bw_status bw_hex_decode(const char *hex, size_t hexlen, uint8_t *bytes, size_t n)
{
    if (hexlen != 2 * n)
        return BW_ERR_ARG;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return BW_ERR_ARG;
        bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    return BW_OK;
}
