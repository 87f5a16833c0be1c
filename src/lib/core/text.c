/* text.c -- UTF-8 decoding and escaping names for people's output
 * (bulwark/text.h), and the one format for times shown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bulwark/text.h"
#include "core/internal.h"

size_t bw_utf8_next(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned c = s[0];
    size_t len;
    uint32_t v;
    if (!n)
        return 0;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; }
    else return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
        (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* Characters that are valid but change what a terminal shows. */
static int invisible(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) ||       /* C1 controls (CSI is 0x9B) */
           cp == 0x2028 || cp == 0x2029 ||     /* line and paragraph separators */
           (cp >= 0x200E && cp <= 0x200F) ||   /* LRM, RLM */
           (cp >= 0x202A && cp <= 0x202E) ||   /* embeddings and overrides */
           (cp >= 0x2066 && cp <= 0x2069) ||   /* isolates */
           cp == 0x061C;                       /* Arabic letter mark */
}

int bw_text_printable(const char *s, size_t n)
{
    for (size_t i = 0, ul; i < n; i += ul) {
        uint32_t cp;
        if (!(ul = bw_utf8_next(s + i, n - i, &cp)) || cp < 0x20 || cp == 0x7F || invisible(cp))
            return 0;
    }
    return 1;
}

const char *bw_text_safe(const char *s, size_t n, char **buf, size_t *cap)
{
    size_t o = 0;
    for (size_t i = 0; i <= n;) {
        char esc[12];
        const char *piece = esc;
        size_t plen;
        uint32_t cp = 0;
        size_t ul = i < n ? bw_utf8_next(s + i, n - i, &cp) : 1;
        unsigned char c = i < n ? (unsigned char)s[i] : 0;
        if (i == n) {
            piece = "";
            plen = 1; /* the terminating NUL */
        } else if (!ul) {
            plen = (size_t)snprintf(esc, sizeof esc, "\\x%02x", c);
            ul = 1;
        } else if (c == '\\') {
            piece = "\\\\", plen = 2;
        } else if (c == '\n') {
            piece = "\\n", plen = 2;
        } else if (c == '\r') {
            piece = "\\r", plen = 2;
        } else if (c == '\t') {
            piece = "\\t", plen = 2;
        } else if (c < 0x20 || c == 0x7F) {
            plen = (size_t)snprintf(esc, sizeof esc, "\\x%02x", c);
        } else if (invisible(cp)) {
            plen = (size_t)snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
        } else {
            piece = s + i, plen = ul;
        }
        if (o + plen > *cap || !*buf) {
            size_t ncap = *cap ? *cap : 64;
            while (ncap < o + plen)
                ncap *= 2;
            char *nb = bw__realloc(*buf, ncap);
            if (!nb)
                return NULL;
            *buf = nb;
            *cap = ncap;
        }
        memcpy(*buf + o, piece, plen);
        o += plen;
        i += ul;
    }
    return *buf;
}

void bw_text_iso_time(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, 32, "%s", "1970-01-01T00:00:00Z");
}

uint32_t bw__json_nesting(const char *s, size_t n)
{
    uint32_t d = 0, max = 0;
    int in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '[' || c == '{') {
            if (++d > max)
                max = d;
        } else if ((c == ']' || c == '}') && d) {
            d--;
        }
    }
    return max;
}
