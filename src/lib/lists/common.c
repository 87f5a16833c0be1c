/* common.c -- helpers every list format uses: parsing a hex hash token
 * (kind from its length), trimming, message excerpts, reporting a bad line
 * (fail with its number, or count it under --skip-bad) and handing an
 * entry on. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "core/internal.h"
#include "bulwark/digest.h"
#include "lists/lists_internal.h"

const char *bw__parse_hex_hash(const char *s, size_t len, int kind, bw_hash_kind *out,
                               uint8_t bytes[BW_HASH_MAX_BYTES])
{
    bw_hash_kind k;
    if (kind > 0) {
        k = (bw_hash_kind)(kind - 1);
        if (len != 2 * bw_hash_kind_bytes(k))
            return k == BW_HASH_MD5 ? "not an MD5 hash (want 32 hex digits)"
                   : k == BW_HASH_SHA1 ? "not a SHA-1 hash (want 40 hex digits)"
                   : k == BW_HASH_PDQ ? "not a PDQ hash (want 64 hex digits)"
                                      : "not a SHA-256 hash (want 64 hex digits)";
    } else if (len == 32) {
        k = BW_HASH_MD5;
    } else if (len == 40) {
        k = BW_HASH_SHA1;
    } else if (len == 64) {
        k = BW_HASH_PDQ;
    } else {
        return "not a hash (want 32, 40 or 64 hex digits)";
    }
    if (bw_hex_decode(s, len, bytes, len / 2) != BW_OK)
        return "not a hash (a character is not a hex digit)";
    *out = k;
    return NULL;
}

void bw__trim(const char **s, size_t *len)
{
    while (*len && ((*s)[0] == ' ' || (*s)[0] == '\t' || (*s)[0] == '\r' || (*s)[0] == '\n')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t' || (*s)[*len - 1] == '\r' ||
                    (*s)[*len - 1] == '\n'))
        (*len)--;
}

const char *bw__excerpt(const char *s, size_t len, char out[64])
{
    size_t o = 0;
    for (size_t i = 0; i < len && o < 44; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out[o++] = (char)c;
        } else {
            o += (size_t)snprintf(out + o, 64 - o, "\\x%02x", c);
        }
    }
    if (o > 48)
        o = 48;
    if (len > 40 && o <= 60) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

bw_status bw__bad_line(bw__parse *p, uint64_t line, bw_status status, bw_error *err,
                       const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->o->skip_bad) {
        p->st->skipped++;
        if (!p->st->first_bad_line)
            p->st->first_bad_line = line;
        return BW_OK;
    }
    return bw__fail(err, status, "line %llu: %s", (unsigned long long)line, msg);
}

bw_status bw__emit(bw__parse *p, const bw_entry *e, bw_error *err)
{
    p->st->entries++;
    if ((unsigned)e->kind < BW_HASH_KIND_COUNT)
        p->st->kinds[e->kind]++;
    if (p->fn && p->fn(p->ctx, e))
        return bw__fail(err, BW_ERR_INTERRUPTED, "stopped");
    return BW_OK;
}

bw_status bw__next_line(bw__parse *p, const char **line, size_t *len, int *got, bw_error *err)
{
    int toolong;
    for (;;) {
        bw_status st = bw__src_line(&p->src, p->lim->max_line_bytes, line, len, got, &toolong, err);
        if (st != BW_OK && toolong) {
            bw_error_clear(err);
            p->st->lines++;
            if ((st = bw__bad_line(p, p->src.line, BW_ERR_LIMIT, err,
                                   "longer than the line limit (%u bytes)",
                                   p->lim->max_line_bytes)) != BW_OK)
                return st;
            continue;
        }
        if (st != BW_OK || !*got)
            return st;
        p->st->lines++;
        bw__trim(line, len);
        if (*len == 0 || (*line)[0] == '#')
            continue;
        /* a NUL would silently cut the label (or hash) kept from it */
        if (memchr(*line, '\0', *len)) {
            if ((st = bw__bad_line(p, p->src.line, BW_ERR_CORRUPT, err, "%s",
                                   "holds a NUL byte")) != BW_OK)
                return st;
            continue;
        }
        return BW_OK;
    }
}
