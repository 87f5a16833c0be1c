/* export.c -- writing a stored list back out (bulwark/lists.h): `hex`
 * (`<hash>[\t<label>]` per line after '#' comment lines naming the list)
 * or `te` (`<signal_type> <hash>` per line, as python-threatexchange's
 * local signal files: pdq, md5, sha1, sha256), or JSON Lines; and the JSON
 * of a list's description (`lists ls --json`). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "bulwark/digest.h"
#include "bulwark/json.h"
#include "bulwark/text.h"
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

void bw_list_info_json(bw_json *j, const bw_list_info *li, int leave_open)
{
    char when[32];
    bw_json_object_begin(j);
    bw_json_key(j, "name");
    bw_json_string(j, li->name);
    bw_json_key(j, "kinds");
    bw_json_object_begin(j);
    for (int k = 0; k < BW_HASH_KIND_COUNT; k++) {
        bw_json_key(j, bw_hash_kind_name((bw_hash_kind)k));
        bw_json_uint(j, li->kinds[k]);
    }
    bw_json_object_end(j);
    bw_json_key(j, "entries");
    bw_json_uint(j, li->entries);
    bw_json_key(j, "source");
    bw_json_string(j, li->source); /* NULL: null */
    bw_json_key(j, "imported_at");
    bw_text_iso_time(li->imported_at, when);
    bw_json_string(j, when);
    bw_json_key(j, "duplicates");
    bw_json_uint(j, li->duplicates);
    bw_json_key(j, "skipped");
    bw_json_uint(j, li->skipped);
    if (!leave_open)
        bw_json_object_end(j);
}

void bw_list_import_json(bw_json *j, const bw_list_info *li, const bw_import_stats *stats)
{
    bw_list_info_json(j, li, 1);
    bw_json_key(j, "format");
    bw_json_string(j, bw_list_format_name(stats->format));
    bw_json_key(j, "photodna_skipped");
    bw_json_uint(j, stats->photodna);
    bw_json_object_end(j);
}

void bw_list_removed_json(bw_json *j, const bw_list_info *li)
{
    bw_list_info_json(j, li, 1);
    bw_json_key(j, "removed");
    bw_json_bool(j, 1);
    bw_json_object_end(j);
}

typedef struct json_ctx {
    const char *list;
    bw_json j;
    bw_write_fn fn;
    void *ctx;
    bw_error *err;
    bw_status st;
} json_ctx;

static int write_entry_json(void *ctx, const bw_entry *e)
{
    json_ctx *x = ctx;
    char hex[2 * BW_HASH_MAX_BYTES + 1], when[32];
    size_t nb = bw_hash_kind_bytes(e->kind);
    if (!nb)
        return 0;
    bw_hex_encode(e->hash, nb, hex);
    bw_json_reset(&x->j);
    bw_json_object_begin(&x->j);
    bw_json_key(&x->j, "list");
    bw_json_string(&x->j, x->list);
    bw_json_key(&x->j, "kind");
    bw_json_string(&x->j, bw_hash_kind_name(e->kind));
    bw_json_key(&x->j, "hash");
    bw_json_string(&x->j, hex);
    bw_json_key(&x->j, "label");
    bw_json_string(&x->j, e->label);
    bw_json_key(&x->j, "category");
    bw_json_string(&x->j, e->category);
    bw_json_key(&x->j, "added_at");
    if (e->added_at) {
        bw_text_iso_time(e->added_at, when);
        bw_json_string(&x->j, when);
    } else {
        bw_json_null(&x->j);
    }
    bw_json_object_end(&x->j);
    if (bw_json_status(&x->j) != BW_OK) {
        x->st = bw__fail(x->err, BW_ERR_NOMEM, "out of memory");
        return 1;
    }
    x->j.buf[x->j.len] = '\n'; /* reserve() keeps a byte for the NUL */
    x->st = x->fn(x->ctx, x->j.buf, x->j.len + 1, x->err);
    return x->st != BW_OK;
}

bw_status bw_list_export_json(bw_store *s, const char *name, bw_write_fn fn, void *ctx,
                              bw_error *err)
{
    json_ctx x = {name, {0}, fn, ctx, err, BW_OK};
    bw_list_info *li;
    bw_status st = bw_store_list_get(s, name, &li, err);
    if (st != BW_OK)
        return st;
    bw_list_infos_free(li, 1);
    bw_json_init(&x.j);
    st = bw_store_list_entries(s, name, write_entry_json, &x, err);
    bw_json_free(&x.j);
    if (st == BW_ERR_INTERRUPTED && x.st != BW_OK)
        return x.st;
    return st;
}
