/* parse_csv.c -- the `csv` list format: a header row names the columns;
 * hash columns are pdq, md5, sha1, sha256 (that kind) or hash/hex/signal
 * (kind from the length); label/name/id/media_id/content_id gives the
 * label, category/tags/classification the category. Fields may be quoted
 * ("a, b" with "" for a quote) but not span lines. A row yields one entry
 * per non-empty hash cell. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/internal.h"
#include "lists/lists_internal.h"

#define MAX_COLS 64

enum { COL_OTHER = 0, COL_HASH, COL_LABEL, COL_CATEGORY };

typedef struct col {
    int role;
    int kind;     /* for COL_HASH: bw_hash_kind + 1, or 0 = from the length */
} col;

/* Split one line into fields, unquoting in place into buf. Returns the
 * field count or -1 for an unterminated quote. */
static int split(const char *line, size_t len, char *buf, const char **f, size_t *fl, int max)
{
    int n = 0;
    size_t i = 0, o = 0;
    for (;;) {
        if (n == max)
            return n;
        f[n] = buf + o;
        size_t start = o;
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i < len && line[i] == '"') {
            i++;
            for (;;) {
                if (i >= len)
                    return -1;
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"') {
                        buf[o++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                buf[o++] = line[i++];
            }
            while (i < len && line[i] != ',')
                i++;
        } else {
            while (i < len && line[i] != ',')
                buf[o++] = line[i++];
        }
        fl[n] = o - start;
        buf[o++] = '\0';
        n++;
        if (i >= len)
            return n;
        i++; /* the comma */
    }
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

static col classify(const char *name, size_t n)
{
    char h[64];
    col c = {COL_OTHER, 0};
    bw_hash_kind k;
    bw__trim(&name, &n);
    if (n == 0 || n >= sizeof h)
        return c;
    memcpy(h, name, n);
    h[n] = '\0';
    lower(h);
    if (bw_hash_kind_parse(h, &k) == BW_OK || strcmp(h, "pdq_hash") == 0 || strcmp(h, "sha-1") == 0 ||
        strcmp(h, "sha-256") == 0) {
        if (strcmp(h, "pdq_hash") == 0)
            k = BW_HASH_PDQ;
        else if (strcmp(h, "sha-1") == 0)
            k = BW_HASH_SHA1;
        else if (strcmp(h, "sha-256") == 0)
            k = BW_HASH_SHA256;
        c.role = COL_HASH;
        c.kind = (int)k + 1;
    } else if (!strcmp(h, "hash") || !strcmp(h, "hex") || !strcmp(h, "signal") ||
               !strcmp(h, "signal_value") || !strcmp(h, "value")) {
        c.role = COL_HASH;
    } else if (!strcmp(h, "label") || !strcmp(h, "name") || !strcmp(h, "id") ||
               !strcmp(h, "media_id") || !strcmp(h, "mediaid") || !strcmp(h, "content_id")) {
        c.role = COL_LABEL;
    } else if (!strcmp(h, "category") || !strcmp(h, "tags") || !strcmp(h, "classification")) {
        c.role = COL_CATEGORY;
    }
    return c;
}

bw_status bw__parse_csv(bw__parse *p, bw_error *err)
{
    const char *line;
    size_t len;
    int got, ncols = -1, nhash = 0;
    col cols[MAX_COLS];
    const char *f[MAX_COLS];
    size_t fl[MAX_COLS];
    char ex[64];
    char *buf = bw__malloc((size_t)p->lim->max_line_bytes + MAX_COLS + 1);
    bw_status st = BW_OK;
    if (!buf)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    for (;;) {
        st = bw__next_line(p, &line, &len, &got, err);
        if (st != BW_OK || !got)
            break;
        int n = split(line, len, buf, f, fl, MAX_COLS);
        if (ncols < 0) {
            /* the header */
            if (n < 0) {
                st = bw__fail(err, BW_ERR_CORRUPT, "line %llu: unterminated quote in the CSV header",
                              (unsigned long long)p->src.line);
                break;
            }
            ncols = n;
            for (int i = 0; i < n; i++) {
                cols[i] = classify(f[i], fl[i]);
                nhash += cols[i].role == COL_HASH;
            }
            if (nhash == 0) {
                st = bw__fail(err, BW_ERR_FORMAT,
                              "line %llu: no hash column in the CSV header (want pdq, md5, sha1, "
                              "sha256 or hash)",
                              (unsigned long long)p->src.line);
                break;
            }
            continue;
        }
        if (n < 0) {
            if ((st = bw__bad_line(p, p->src.line, BW_ERR_CORRUPT, err, "unterminated quote")) != BW_OK)
                break;
            continue;
        }
        const char *label = NULL, *category = NULL;
        for (int i = 0; i < n && i < ncols; i++) {
            if (cols[i].role == COL_LABEL && fl[i] && !label)
                label = f[i];
            if (cols[i].role == COL_CATEGORY && fl[i] && !category)
                category = f[i];
        }
        int bad = 0;
        for (int i = 0; i < n && i < ncols && !bad; i++) {
            if (cols[i].role != COL_HASH)
                continue;
            const char *h = f[i];
            size_t hl = fl[i];
            bw__trim(&h, &hl);
            if (hl == 0)
                continue;
            bw_entry e;
            memset(&e, 0, sizeof e);
            int kind = cols[i].kind ? cols[i].kind : p->o->kind;
            const char *why = bw__parse_hex_hash(h, hl, kind, &e.kind, e.hash);
            if (why) {
                bad = 1;
                st = bw__bad_line(p, p->src.line, BW_ERR_CORRUPT, err, "column %d: %s: '%s'", i + 1,
                                  why, bw__excerpt(h, hl, ex));
                break;
            }
            e.label = label;
            e.category = category;
            if ((st = bw__emit(p, &e, err)) != BW_OK)
                break;
        }
        if (st != BW_OK)
            break;
    }
    free(buf);
    if (st == BW_OK && ncols < 0)
        return bw__fail(err, BW_ERR_EMPTY, "empty CSV file (no header row)");
    return st;
}
