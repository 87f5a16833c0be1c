/* export.c -- writing a stored list back out (bulwark/lists.h): `hex`
 * (`<hash>[\t<label>]` per line after '#' comment lines naming the list)
 * or `te` (`<signal_type> <hash>` per line, as python-threatexchange's
 * local signal files: pdq, md5, sha1, sha256). */
#include <stdio.h>
#include <string.h>
#include "bulwark/digest.h"
#include "core/internal.h"
#include "lists/lists_internal.h"

typedef struct export_ctx {
    bw_list_format format;
    bw_write_fn fn;
    void *ctx;
    bw_error *err;
    bw_status st;
} export_ctx;

/* Tabs and line breaks in a label would break the line format. */
static size_t clean_label(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (; in && *in && o + 1 < cap; in++)
        out[o++] = (*in == '\t' || *in == '\n' || *in == '\r') ? ' ' : *in;
    out[o] = '\0';
    return o;
}

static int write_entry(void *ctx, const bw_entry *e)
{
    export_ctx *x = ctx;
    char line[1400], hex[2 * BW_HASH_MAX_BYTES + 1];
    size_t nb = bw_hash_kind_bytes(e->kind);
    if (!nb)
        return 0;
    bw_hex_encode(e->hash, nb, hex);
    int n;
    if (x->format == BW_LIST_TE) {
        /* python-threatexchange's only MD5 signal type is video_md5 */
        const char *type = e->kind == BW_HASH_MD5 ? "video_md5" : bw_hash_kind_name(e->kind);
        n = snprintf(line, sizeof line, "%s %s\n", type, hex);
    } else {
        char lab[1024];
        if (e->label && clean_label(e->label, lab, sizeof lab))
            n = snprintf(line, sizeof line, "%s\t%s\n", hex, lab);
        else
            n = snprintf(line, sizeof line, "%s\n", hex);
    }
    if (n < 0)
        return 0;
    x->st = x->fn(x->ctx, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, x->err);
    return x->st != BW_OK;
}

bw_status bw_list_export(bw_store *s, const char *name, bw_list_format format, bw_write_fn fn,
                         void *ctx, bw_error *err)
{
    export_ctx x = {format, fn, ctx, err, BW_OK};
    bw_list_info *li;
    bw_status st;
    if (format != BW_LIST_HEX && format != BW_LIST_TE)
        return bw__fail(err, BW_ERR_ARG, "lists export writes hex or te, not %s",
                        bw_list_format_name(format));
    if ((st = bw_store_list_get(s, name, &li, err)) != BW_OK)
        return st;
    if (format == BW_LIST_HEX) {
        char head[600];
        int n = snprintf(head, sizeof head, "# bulwark list %s%s%s: %llu entries\n", li->name,
                         li->source ? ", source: " : "", li->source ? li->source : "",
                         (unsigned long long)li->entries);
        for (int i = 0; i < n && i < (int)sizeof head - 1; i++)
            if (head[i] == '\n' && i != n - 1)
                head[i] = ' ';
        st = fn(ctx, head, (size_t)n < sizeof head ? (size_t)n : sizeof head - 1, err);
    }
    bw_list_infos_free(li, 1);
    if (st != BW_OK)
        return st;
    st = bw_store_list_entries(s, name, write_entry, &x, err);
    if (st == BW_ERR_INTERRUPTED && x.st != BW_OK)
        return x.st;
    return st;
}
