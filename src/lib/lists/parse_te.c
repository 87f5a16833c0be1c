/* parse_te.c -- the `te` list format: what ThreatExchange tools write.
 *
 *  - python-threatexchange local signal files (its LocalFileSignalExchange
 *    reads one signal per line as `<signal_type> <value>`, split at the
 *    first space): `pdq <64 hex>`, `video_md5 <32 hex>` (also `md5`,
 *    `photo_md5`, `sha1`, `sha256`). Other signal types (url, raw_text,
 *    trend_query, ...) have no hash kind here: counted and left out.
 *  - HMA / ThreatExchange CSV exports: `<pdq hex>,<id>,<time>,<tags>` per
 *    line (as in the CSV files of HMA's sample_data): the id becomes the label, the
 *    space-separated tags the category, the ISO time the added-time. */
#include <string.h>
#include <strings.h>
#include <time.h>
#include "core/internal.h"
#include "lists/lists_internal.h"

static int signal_kind(const char *s, size_t n)
{
    static const struct {
        const char *name;
        int kind;
    } map[] = {{"pdq", BW_HASH_PDQ},       {"video_md5", BW_HASH_MD5}, {"photo_md5", BW_HASH_MD5},
               {"md5", BW_HASH_MD5},       {"sha1", BW_HASH_SHA1},     {"sha256", BW_HASH_SHA256},
               {"pdq_hash", BW_HASH_PDQ}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strlen(map[i].name) == n && strncasecmp(map[i].name, s, n) == 0)
            return map[i].kind;
    return -1;
}

/* A signal type name: lowercase letters, digits, '_' (as SignalType.get_name()). */
static int is_signal_name(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

/* "2020-07-31T18:47:52+0000" -> Unix seconds (0 if it does not parse). */
static int64_t parse_time(const char *s, size_t n)
{
    struct tm tm;
    char buf[32];
    if (n < 19 || n >= sizeof buf)
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end)
        return 0;
    return (int64_t)timegm(&tm);
}

static bw_status csv_line(bw__parse *p, const char *line, size_t len, bw_error *err)
{
    const char *f[4], *cur = line;
    size_t fl[4], nf = 0, rem = len;
    char ex[64], label[256], cat[1024];
    /* id, time and tags; the tags field takes the rest of the line */
    while (nf < 3) {
        const char *c = memchr(cur, ',', rem);
        if (!c)
            break;
        f[nf] = cur;
        fl[nf++] = (size_t)(c - cur);
        rem -= (size_t)(c - cur) + 1;
        cur = c + 1;
    }
    f[nf] = cur;
    fl[nf++] = rem;
    bw_entry e;
    memset(&e, 0, sizeof e);
    bw__trim(&f[0], &fl[0]);
    const char *why = bw__parse_hex_hash(f[0], fl[0], p->o->kind, &e.kind, e.hash);
    if (why)
        return bw__bad_line(p, p->src.line, BW_ERR_CORRUPT, err, "%s: '%s'", why,
                            bw__excerpt(f[0], fl[0], ex));
    if (nf > 1) {
        bw__trim(&f[1], &fl[1]);
        if (fl[1] && fl[1] < sizeof label) {
            memcpy(label, f[1], fl[1]);
            label[fl[1]] = '\0';
            e.label = label;
        }
    }
    if (nf > 2) {
        bw__trim(&f[2], &fl[2]);
        e.added_at = parse_time(f[2], fl[2]);
    }
    if (nf > 3) {
        bw__trim(&f[3], &fl[3]);
        if (fl[3]) {
            size_t n = fl[3] < sizeof cat ? fl[3] : sizeof cat - 1;
            memcpy(cat, f[3], n);
            cat[n] = '\0';
            e.category = cat;
        }
    }
    return bw__emit(p, &e, err);
}

bw_status bw__parse_te(bw__parse *p, bw_error *err)
{
    const char *line;
    size_t len;
    int got;
    char ex[64];
    for (;;) {
        bw_status st = bw__next_line(p, &line, &len, &got, err);
        if (st != BW_OK || !got)
            return st;
        const char *sp = memchr(line, ' ', len);
        const char *comma = memchr(line, ',', len);
        if (comma && (!sp || comma < sp)) {
            if ((st = csv_line(p, line, len, err)) != BW_OK)
                return st;
            continue;
        }
        size_t tl = sp ? (size_t)(sp - line) : len;
        if (!sp || !is_signal_name(line, tl)) {
            if ((st = bw__bad_line(p, p->src.line, BW_ERR_CORRUPT, err,
                                   "not a ThreatExchange signal line ('<type> <value>'): '%s'",
                                   bw__excerpt(line, len, ex))) != BW_OK)
                return st;
            continue;
        }
        int kind = signal_kind(line, tl);
        if (kind < 0) {
            p->st->other_signals++;
            continue;
        }
        const char *v = sp + 1;
        size_t vl = len - tl - 1;
        bw__trim(&v, &vl);
        bw_entry e;
        memset(&e, 0, sizeof e);
        const char *why = bw__parse_hex_hash(v, vl, kind + 1, &e.kind, e.hash);
        if (why) {
            if ((st = bw__bad_line(p, p->src.line, BW_ERR_CORRUPT, err, "%.*s signal: %s: '%s'",
                                   (int)tl, line, why, bw__excerpt(v, vl, ex))) != BW_OK)
                return st;
            continue;
        }
        if ((st = bw__emit(p, &e, err)) != BW_OK)
            return st;
    }
}
