/* json.c -- the JSON writer (bulwark/json.h).
 *
 * Appends to a growable buffer; commas are inserted from a per-level
 * "need a comma" flag. Strings are escaped per RFC 8259; a byte that is
 * not part of valid UTF-8 is written as U+FFFD (\ufffd), so output is
 * always valid JSON and two different names never look alike as a byte
 * and a character would; bw_json_path adds the exact bytes as base64. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "bulwark/json.h"
#include "bulwark/text.h"
#include "core/internal.h"

void bw_json_init(bw_json *j)
{
    memset(j, 0, sizeof *j);
}

void bw_json_reset(bw_json *j)
{
    char *buf = j->buf;
    size_t cap = j->cap;
    memset(j, 0, sizeof *j);
    j->buf = buf;
    j->cap = cap;
    if (buf)
        buf[0] = '\0';
}

void bw_json_free(bw_json *j)
{
    free(j->buf);
    memset(j, 0, sizeof *j);
}

bw_status bw_json_status(const bw_json *j)
{
    return j->failed ? BW_ERR_NOMEM : BW_OK;
}

/* Make room for n more bytes plus a NUL. */
static int reserve(bw_json *j, size_t n)
{
    if (j->failed)
        return -1;
    if (j->len + n + 1 > j->cap) {
        size_t ncap = j->cap ? j->cap : 256;
        char *nb;
        while (ncap < j->len + n + 1)
            ncap *= 2;
        nb = bw__realloc(j->buf, ncap);
        if (!nb) {
            j->failed = 1;
            return -1;
        }
        j->buf = nb;
        j->cap = ncap;
    }
    return 0;
}

static void put(bw_json *j, const char *s, size_t n)
{
    if (reserve(j, n) != 0)
        return;
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = '\0';
}

/* Before any value: a comma if a sibling came before (not after a key). */
static void value_prefix(bw_json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->depth > 0 && j->depth <= BW_JSON_MAX_NEST) {
        if (j->need_comma[j->depth - 1])
            put(j, ",", 1);
        j->need_comma[j->depth - 1] = 1;
    }
}

static void open_level(bw_json *j, char c)
{
    value_prefix(j);
    put(j, &c, 1);
    if (j->depth < BW_JSON_MAX_NEST)
        j->need_comma[j->depth] = 0;
    j->depth++;
}

static void close_level(bw_json *j, char c)
{
    if (j->depth > 0)
        j->depth--;
    put(j, &c, 1);
}

void bw_json_object_begin(bw_json *j) { open_level(j, '{'); }
void bw_json_object_end(bw_json *j) { close_level(j, '}'); }
void bw_json_array_begin(bw_json *j) { open_level(j, '['); }
void bw_json_array_end(bw_json *j) { close_level(j, ']'); }

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    uint32_t cp;
    return bw_utf8_next((const char *)s, n, &cp);
}

static void put_escaped(bw_json *j, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, run = 0;
    put(j, "\"", 1);
    while (i < n) {
        unsigned char c = s[i];
        size_t ul = c < 0x80 ? 1 : utf8_len(s + i, n - i);
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F && ul) {
            i += ul;
            run += ul;
            continue;
        }
        if (run)
            put(j, (const char *)s + i - run, run);
        run = 0;
        switch (c) {
        case '"': put(j, "\\\"", 2); break;
        case '\\': put(j, "\\\\", 2); break;
        case '\n': put(j, "\\n", 2); break;
        case '\r': put(j, "\\r", 2); break;
        case '\t': put(j, "\\t", 2); break;
        default: {
            char esc[8];
            /* a control character as itself; a stray byte as U+FFFD */
            snprintf(esc, sizeof esc, "\\u%04x", ul ? c : 0xfffdu);
            put(j, esc, 6);
        }
        }
        i++;
    }
    if (run)
        put(j, (const char *)s + n - run, run);
    put(j, "\"", 1);
}

void bw_json_key(bw_json *j, const char *key)
{
    value_prefix(j);
    put_escaped(j, key, strlen(key));
    put(j, ":", 1);
    j->after_key = 1;
}

void bw_json_string_n(bw_json *j, const char *s, size_t n)
{
    value_prefix(j);
    put_escaped(j, s, n);
}

int bw_json_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0, ul; i < n; i += ul)
        if (!(ul = s[i] < 0x80 ? 1 : utf8_len(s + i, n - i)))
            return 0;
    return 1;
}

void bw_json_path(bw_json *j, const char *key, const char *path)
{
    size_t n = path ? strlen(path) : 0;
    bw_json_key(j, key);
    bw_json_string(j, path);
    if (!path || bw_json_utf8_valid(path, n))
        return;
    char bkey[64];
    snprintf(bkey, sizeof bkey, "%s_bytes", key);
    bw_json_key(j, bkey);
    bw_json_base64(j, path, n);
}

void bw_json_base64(bw_json *j, const void *bytes, size_t n)
{
    size_t b64 = 4 * ((n + 2) / 3);
    value_prefix(j);
    if (n > (size_t)INT32_MAX || reserve(j, b64 + 2) != 0) {
        j->failed = 1;
        return;
    }
    j->buf[j->len++] = '"';
    if (n)
        j->len += (size_t)EVP_EncodeBlock((unsigned char *)j->buf + j->len, bytes, (int)n);
    j->buf[j->len++] = '"';
    j->buf[j->len] = '\0';
}

void bw_json_string(bw_json *j, const char *s)
{
    if (!s) {
        bw_json_null(j);
        return;
    }
    bw_json_string_n(j, s, strlen(s));
}

void bw_json_int(bw_json *j, int64_t v)
{
    char b[32];
    int n = snprintf(b, sizeof b, "%lld", (long long)v);
    value_prefix(j);
    put(j, b, (size_t)n);
}

void bw_json_uint(bw_json *j, uint64_t v)
{
    char b[32];
    int n = snprintf(b, sizeof b, "%llu", (unsigned long long)v);
    value_prefix(j);
    put(j, b, (size_t)n);
}

void bw_json_double(bw_json *j, double v)
{
    char b[40];
    int n;
    if (!isfinite(v)) {
        bw_json_null(j);
        return;
    }
    n = snprintf(b, sizeof b, "%.6g", v);
    value_prefix(j);
    put(j, b, (size_t)n);
}

void bw_json_fixed(bw_json *j, double v, int decimals)
{
    char b[64];
    int n;
    if (!isfinite(v) || fabs(v) >= 1e15) {
        bw_json_double(j, v);
        return;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;
    n = snprintf(b, sizeof b, "%.*f", decimals, v);
    value_prefix(j);
    put(j, b, (size_t)n);
}

void bw_json_bool(bw_json *j, int v)
{
    value_prefix(j);
    put(j, v ? "true" : "false", v ? 4 : 5);
}

void bw_json_null(bw_json *j)
{
    value_prefix(j);
    put(j, "null", 4);
}
