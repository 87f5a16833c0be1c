/* parse_hex.c -- the `hex` list format: one hash per line, an optional
 * label after a tab or comma, '#' comments and blank lines ignored; the
 * kind comes from the number of digits (32 MD5, 40 SHA-1, 64 PDQ unless
 * --kind says SHA-256). */
#include <string.h>
#include "core/internal.h"
#include "lists/lists_internal.h"

bw_status bw__parse_hex(bw__parse *p, bw_error *err)
{
    const char *line;
    size_t len;
    int got;
    char ex[64], label[1024];
    for (;;) {
        bw_status st = bw__next_line(p, &line, &len, &got, err);
        if (st != BW_OK || !got)
            return st;
        size_t hl = 0;
        while (hl < len && line[hl] != '\t' && line[hl] != ',' && line[hl] != ' ')
            hl++;
        bw_entry e;
        memset(&e, 0, sizeof e);
        const char *why = bw__parse_hex_hash(line, hl, p->o->kind, &e.kind, e.hash);
        if (why) {
            if ((st = bw__bad_line(p, p->src.line, BW_ERR_CORRUPT, err, "%s: '%s'", why,
                                   bw__excerpt(line, hl, ex))) != BW_OK)
                return st;
            continue;
        }
        const char *lab = line + hl;
        size_t ll = len - hl;
        while (ll && (lab[0] == '\t' || lab[0] == ',' || lab[0] == ' ')) {
            lab++;
            ll--;
        }
        bw__trim(&lab, &ll);
        if (ll) {
            if (ll >= sizeof label)
                ll = sizeof label - 1;
            memcpy(label, lab, ll);
            label[ll] = '\0';
            e.label = label;
        }
        if ((st = bw__emit(p, &e, err)) != BW_OK)
            return st;
    }
}
