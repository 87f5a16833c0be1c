/* import.c -- the front of list import (bulwark/lists.h): format names,
 * sniffing the format from the first bytes, running the chosen parser, and
 * bw_list_import, which streams the entries into a new version of a list
 * and commits it in one transaction (or leaves the store untouched). */
#include <string.h>
#include <strings.h>
#include "core/internal.h"
#include "lists/lists_internal.h"

static const char *const format_names[BW_LIST_FORMAT_COUNT] = {"auto", "hex", "te", "vics", "csv"};

const char *bw_list_format_name(bw_list_format f)
{
    return (unsigned)f < BW_LIST_FORMAT_COUNT ? format_names[f] : "?";
}

bw_status bw_list_format_parse(const char *name, bw_list_format *f)
{
    for (int i = 0; i < BW_LIST_FORMAT_COUNT; i++)
        if (name && strcasecmp(name, format_names[i]) == 0) {
            *f = (bw_list_format)i;
            return BW_OK;
        }
    return BW_ERR_ARG;
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The first line that is not blank or a comment decides. */
bw_list_format bw__sniff(bw__src *s)
{
    const char *b = (const char *)s->buf + s->pos;
    size_t n = s->len - s->pos, i = 0;
    if (n >= 3 && (unsigned char)b[0] == 0xef && (unsigned char)b[1] == 0xbb &&
        (unsigned char)b[2] == 0xbf)
        i = 3;
    for (;;) {
        while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
            i++;
        if (i < n && b[i] == '#') {
            while (i < n && b[i] != '\n')
                i++;
            continue;
        }
        break;
    }
    if (i >= n)
        return BW_LIST_HEX;
    if (b[i] == '{' || b[i] == '[')
        return BW_LIST_VICS;
    size_t tok = i;
    while (tok < n && b[tok] != '\n' && b[tok] != ',' && b[tok] != ' ' && b[tok] != '\t')
        tok++;
    size_t len = tok - i;
    int hex = len > 0;
    for (size_t k = i; k < tok && hex; k++)
        hex = is_hex(b[k]);
    char sep = tok < n ? b[tok] : '\n';
    if (hex && (len == 32 || len == 40 || len == 64)) {
        /* `<hash>,<digits>,<time>,...`: an HMA / ThreatExchange CSV export */
        if (sep == ',' && tok + 1 < n && b[tok + 1] >= '0' && b[tok + 1] <= '9') {
            size_t commas = 0;
            for (size_t k = tok; k < n && b[k] != '\n'; k++)
                commas += b[k] == ',';
            if (commas >= 2)
                return BW_LIST_TE;
        }
        return BW_LIST_HEX;
    }
    if (sep == ' ' && len > 0 && len <= 32) {
        int word = 1;
        for (size_t k = i; k < tok && word; k++)
            word = (b[k] >= 'a' && b[k] <= 'z') || (b[k] >= '0' && b[k] <= '9') || b[k] == '_';
        if (word)
            return BW_LIST_TE;
    }
    if (sep == ',')
        return BW_LIST_CSV;
    return BW_LIST_HEX;
}

bw_status bw_list_parse(bw_reader *r, const bw_import_opts *opts, bw_entry_fn fn, void *ctx,
                        bw_import_stats *stats, bw_error *err)
{
    static const bw_import_opts defaults = {0};
    bw_import_stats local;
    bw__parse p;
    bw_status st;
    memset(&p, 0, sizeof p);
    p.o = opts ? opts : &defaults;
    p.lim = bw__limits(p.o->limits);
    p.fn = fn;
    p.ctx = ctx;
    p.st = stats ? stats : &local;
    memset(p.st, 0, sizeof *p.st);
    if (!r)
        return bw__fail(err, BW_ERR_ARG, "no input");
    if (p.o->kind < 0 || p.o->kind > BW_HASH_KIND_COUNT)
        return bw__fail(err, BW_ERR_ARG, "invalid hash kind");
    if ((st = bw__src_init(&p.src, r, err)) != BW_OK)
        return st;
    if ((st = bw__src_fill(&p.src, 4096, err)) != BW_OK)
        goto done;
    if (p.src.len == 0) {
        st = bw__fail(err, BW_ERR_EMPTY, "empty list file");
        goto done;
    }
    bw_list_format f = p.o->format;
    if (f == BW_LIST_AUTO)
        f = bw__sniff(&p.src);
    p.st->format = f;
    switch (f) {
    case BW_LIST_HEX: st = bw__parse_hex(&p, err); break;
    case BW_LIST_TE: st = bw__parse_te(&p, err); break;
    case BW_LIST_CSV: st = bw__parse_csv(&p, err); break;
    case BW_LIST_VICS: st = bw__parse_vics(&p, err); break;
    default: st = bw__fail(err, BW_ERR_ARG, "unknown list format"); break;
    }
    if (st == BW_OK && p.st->entries == 0) {
        if (p.st->skipped)
            st = bw__fail(err, BW_ERR_CORRUPT, "no valid hashes (%llu bad lines skipped, first at line %llu)",
                          (unsigned long long)p.st->skipped, (unsigned long long)p.st->first_bad_line);
        else
            st = bw__fail(err, BW_ERR_EMPTY, "no hashes in the %s file",
                          bw_list_format_name(f));
    }
done:
    bw__src_free(&p.src);
    return st;
}

typedef struct import_ctx {
    bw_list_writer *w;
    bw_error *err;
    bw_status st;
} import_ctx;

static int add_entry(void *ctx, const bw_entry *e)
{
    import_ctx *ic = ctx;
    ic->st = bw_list_writer_add(ic->w, e, ic->err);
    return ic->st != BW_OK;
}

bw_status bw_list_import(bw_store *s, const char *name, const char *source, bw_reader *r,
                         const bw_import_opts *opts, bw_import_stats *stats, bw_list_info **info,
                         bw_error *err)
{
    bw_import_stats local;
    import_ctx ic = {0};
    bw_status st;
    bw_list_info res;
    if (info)
        *info = NULL;
    if (!stats)
        stats = &local;
    if ((st = bw_store_list_begin(s, name, source, &ic.w, err)) != BW_OK)
        return st;
    ic.err = err;
    st = bw_list_parse(r, opts, add_entry, &ic, stats, err);
    if (st == BW_ERR_INTERRUPTED && ic.st != BW_OK)
        st = ic.st;
    if (st != BW_OK) {
        bw_list_writer_abort(ic.w);
        return st;
    }
    bw_list_writer_set_skipped(ic.w, stats->skipped);
    if ((st = bw_list_writer_commit(ic.w, &res, err)) != BW_OK)
        return st;
    stats->duplicates = res.duplicates;
    if (info)
        return bw_store_list_get(s, name, info, err);
    return BW_OK;
}
