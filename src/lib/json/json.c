/* json.c -- the JSON writer (bulwark/json.h).
 *
 * Appends to a growable buffer; commas are inserted from a per-level
 * "need a comma" flag. Strings are escaped per RFC 8259; a byte sequence
 * that is not valid UTF-8 is written byte by byte as \u00XX so that odd
 * file names still give valid JSON that names every byte. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bulwark/json.h"

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
        nb = realloc(j->buf, ncap);
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
    unsigned c = s[0];
    size_t len;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
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
            snprintf(esc, sizeof esc, "\\u%04x", c);
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
