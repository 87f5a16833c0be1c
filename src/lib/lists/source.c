/* source.c -- the buffered line source the list parsers read from: it
 * pulls from a bw_reader in 64 KB chunks, hands out one line at a time
 * (LF or CRLF) with its number, and refuses lines longer than the
 * max_line_bytes limit without ever holding more than that in memory. */
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "lists/lists_internal.h"

#define CHUNK (64 * 1024)

bw_status bw__src_init(bw__src *s, bw_reader *r, bw_error *err)
{
    memset(s, 0, sizeof *s);
    s->r = r;
    s->cap = CHUNK * 2;
    s->buf = bw__malloc(s->cap);
    if (!s->buf)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    return BW_OK;
}

void bw__src_free(bw__src *s)
{
    free(s->buf);
    s->buf = NULL;
}

bw_status bw__src_fill(bw__src *s, size_t want, bw_error *err)
{
    while (!s->eof && s->len - s->pos < want) {
        if (s->pos > 0) {
            memmove(s->buf, s->buf + s->pos, s->len - s->pos);
            s->len -= s->pos;
            s->pos = 0;
        }
        if (s->cap - s->len < CHUNK) {
            size_t cap = s->cap * 2;
            uint8_t *b = bw__realloc(s->buf, cap);
            if (!b)
                return bw__fail(err, BW_ERR_NOMEM, "out of memory");
            s->buf = b;
            s->cap = cap;
        }
        size_t got = 0;
        bw_status st = bw_reader_read(s->r, s->buf + s->len, s->cap - s->len, &got, err);
        if (st != BW_OK)
            return st;
        if (got == 0)
            s->eof = 1;
        s->len += got;
    }
    return BW_OK;
}

bw_status bw__src_line(bw__src *s, size_t max, const char **line, size_t *len, int *got,
                       int *toolong, bw_error *err)
{
    size_t scanned = 0;
    *got = 0;
    *toolong = 0;
    for (;;) {
        uint8_t *start = s->buf + s->pos;
        size_t avail = s->len - s->pos;
        uint8_t *nl = scanned < avail ? memchr(start + scanned, '\n', avail - scanned) : NULL;
        if (nl || (s->eof && avail > 0)) {
            size_t n = nl ? (size_t)(nl - start) : avail;
            s->pos += n + (nl ? 1 : 0);
            s->consumed += n + (nl ? 1 : 0);
            s->line++;
            if (n > max) {
                *toolong = 1;
                return bw__fail(err, BW_ERR_LIMIT, "line %llu: longer than the line limit (%zu bytes)",
                                (unsigned long long)s->line, max);
            }
            if (n && start[n - 1] == '\r')
                n--;
            *line = (const char *)start;
            *len = n;
            *got = 1;
            return BW_OK;
        }
        if (s->eof)
            return BW_OK;
        scanned = avail;
        if (avail > max + 1) {
            /* discard the over-long line up to its end, keeping memory bounded */
            s->line++;
            uint64_t lineno = s->line;
            for (;;) {
                s->consumed += s->len - s->pos;
                s->pos = s->len;
                bw_status st = bw__src_fill(s, 1, err);
                if (st != BW_OK)
                    return st;
                if (s->len == s->pos)
                    break;
                uint8_t *e = memchr(s->buf + s->pos, '\n', s->len - s->pos);
                if (e) {
                    size_t k = (size_t)(e - (s->buf + s->pos)) + 1;
                    s->pos += k;
                    s->consumed += k;
                    break;
                }
            }
            *toolong = 1;
            return bw__fail(err, BW_ERR_LIMIT, "line %llu: longer than the line limit (%zu bytes)",
                            (unsigned long long)lineno, max);
        }
        bw_status st = bw__src_fill(s, avail + CHUNK, err);
        if (st != BW_OK)
            return st;
        scanned = avail;
        if (s->pos != 0) /* fill may have moved the data */
            scanned = 0;
    }
}
