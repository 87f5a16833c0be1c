/* parse_vics.c -- the `vics` list format: Project VIC's VICS JSON (1.x and
 * 2.0), read with yajl's streaming parser so that a file of any size is
 * never held in memory.
 *
 * Media records are the objects in the top-level "value" array (VICS 2.0
 * lists media there directly) and in any "Media" or "MediaFiles" array
 * (VICS 1.x: value[].Media[]). From a record we take MD5, SHA1 and SHA256
 * (hex strings), Category (number or string; inherited by nested media
 * files) and MediaID (the label). A PhotoDNA value is skipped and counted:
 * PhotoDNA cannot be computed openly. A hash field of the wrong JSON type
 * or not a valid hash makes the record bad (its line is reported). The
 * input is fed to yajl one line at a time, so the line of every event is
 * known. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yajl/yajl_parse.h>
#include "core/internal.h"
#include "lists/lists_internal.h"

#define MAX_RECORDS 8

enum { F_NONE = 0, F_MD5, F_SHA1, F_SHA256, F_CATEGORY, F_PHOTODNA, F_MEDIAID };

typedef struct record {
    int depth;                       /* frame depth of its map */
    int have[4];                     /* by bw_hash_kind */
    uint8_t hash[4][BW_HASH_MAX_BYTES];
    char category[64];
    char label[128];
    int bad;
    uint64_t bad_line;
    char why[160];
} record;

typedef struct vics {
    bw__parse *p;
    bw_error *err;
    bw_status status;                /* set when a callback stops the parse */
    uint64_t line;
    uint64_t since_event;            /* bytes fed since the last callback */
    int depth;
    uint32_t max_depth;
    /* per frame: is it a map, do its elements (array) count as records */
    uint8_t *is_map, *records;
    char key[64];                    /* the last key of the innermost map */
    int field;                       /* what that key names in a record */
    record rec[MAX_RECORDS];
    int nrec;
} vics;

static record *cur_record(vics *v)
{
    /* a field belongs to the record whose map is the innermost frame */
    if (v->nrec && v->rec[v->nrec - 1].depth == v->depth)
        return &v->rec[v->nrec - 1];
    return NULL;
}

static void mark_bad(vics *v, record *r, const char *fmt, const char *what)
{
    if (r->bad)
        return;
    r->bad = 1;
    r->bad_line = v->line;
    snprintf(r->why, sizeof r->why, fmt, what);
}

static const char *field_name(int f)
{
    switch (f) {
    case F_MD5: return "MD5";
    case F_SHA1: return "SHA1";
    case F_SHA256: return "SHA256";
    case F_CATEGORY: return "Category";
    case F_MEDIAID: return "MediaID";
    default: return "PhotoDNA";
    }
}

/* A value that is not a string arrived for the current key. */
static int non_string(vics *v, const char *type)
{
    record *r = cur_record(v);
    v->since_event = 0;
    if (r && (v->field == F_MD5 || v->field == F_SHA1 || v->field == F_SHA256)) {
        char fmt[96];
        snprintf(fmt, sizeof fmt, "%s is %s, not a hex string", field_name(v->field), "%s");
        mark_bad(v, r, fmt, type);
    }
    return 1;
}

static int cb_null(void *ctx)
{
    ((vics *)ctx)->since_event = 0;
    return 1;
}

static int cb_bool(void *ctx, int b)
{
    (void)b;
    return non_string(ctx, "a boolean");
}

static int cb_number(void *ctx, const char *s, size_t n)
{
    vics *v = ctx;
    record *r = cur_record(v);
    v->since_event = 0;
    if (r && (v->field == F_CATEGORY || v->field == F_MEDIAID)) {
        char *dst = v->field == F_CATEGORY ? r->category : r->label;
        size_t cap = v->field == F_CATEGORY ? sizeof r->category : sizeof r->label;
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(dst, s, k);
        dst[k] = '\0';
        return 1;
    }
    return non_string(v, "a number");
}

static int cb_string(void *ctx, const unsigned char *s, size_t n)
{
    vics *v = ctx;
    record *r = cur_record(v);
    v->since_event = 0;
    if (!r)
        return 1;
    switch (v->field) {
    case F_MD5:
    case F_SHA1:
    case F_SHA256: {
        bw_hash_kind want = v->field == F_MD5 ? BW_HASH_MD5 : v->field == F_SHA1 ? BW_HASH_SHA1
                                                                                 : BW_HASH_SHA256;
        bw_hash_kind k;
        uint8_t bytes[BW_HASH_MAX_BYTES];
        const char *sv = (const char *)s;
        bw__trim(&sv, &n);
        if (n == 0)
            return 1; /* "" = not given */
        const char *why = bw__parse_hex_hash(sv, n, (int)want + 1, &k, bytes);
        if (why) {
            char fmt[96];
            snprintf(fmt, sizeof fmt, "%s %s", field_name(v->field), "%s");
            mark_bad(v, r, fmt, why);
            return 1;
        }
        memcpy(r->hash[want], bytes, bw_hash_kind_bytes(want));
        r->have[want] = 1;
        return 1;
    }
    case F_CATEGORY:
    case F_MEDIAID: {
        char *dst = v->field == F_CATEGORY ? r->category : r->label;
        size_t cap = v->field == F_CATEGORY ? sizeof r->category : sizeof r->label;
        size_t k = n < cap - 1 ? n : cap - 1;
        if (memchr(s, '\0', n)) { /* "\u0000" would cut the label */
            mark_bad(v, r, "%s holds a NUL character", field_name(v->field));
            return 1;
        }
        memcpy(dst, s, k);
        dst[k] = '\0';
        return 1;
    }
    case F_PHOTODNA:
        if (n)
            v->p->st->photodna++;
        return 1;
    default:
        return 1;
    }
}

static int push(vics *v, int is_map)
{
    v->since_event = 0;
    if ((uint32_t)v->depth >= v->max_depth) {
        v->status = bw__fail(v->err, BW_ERR_LIMIT, "line %llu: JSON nested deeper than %u levels",
                             (unsigned long long)v->line, v->max_depth);
        return 0;
    }
    record *r = cur_record(v);
    int parent_map = v->depth > 0 && v->is_map[v->depth - 1];
    int parent_records = v->depth > 0 && !v->is_map[v->depth - 1] && v->records[v->depth - 1];
    int records = 0;
    if (!is_map && parent_map) {
        /* arrays whose elements are media records */
        records = (v->depth == 1 && strcasecmp(v->key, "value") == 0) ||
                  strcasecmp(v->key, "Media") == 0 || strcasecmp(v->key, "MediaFiles") == 0;
    }
    if (r && (v->field == F_MD5 || v->field == F_SHA1 || v->field == F_SHA256))
        non_string(v, is_map ? "an object" : "an array");
    v->is_map[v->depth] = (uint8_t)is_map;
    v->records[v->depth] = (uint8_t)records;
    v->depth++;
    v->field = F_NONE;
    v->key[0] = '\0';
    if (is_map && parent_records) {
        if (v->nrec == MAX_RECORDS) {
            v->status = bw__fail(v->err, BW_ERR_LIMIT, "line %llu: media records nested too deeply",
                                 (unsigned long long)v->line);
            return 0;
        }
        record *nr = &v->rec[v->nrec++];
        memset(nr, 0, sizeof *nr);
        nr->depth = v->depth;
        if (v->nrec > 1) /* nested media files inherit their record's category */
            memcpy(nr->category, v->rec[v->nrec - 2].category, sizeof nr->category);
    }
    return 1;
}

static int cb_start_map(void *ctx)
{
    return push(ctx, 1);
}

static int cb_start_array(void *ctx)
{
    return push(ctx, 0);
}

static int finish_record(vics *v, record *r)
{
    bw__parse *p = v->p;
    p->st->lines++;
    if (r->bad) {
        bw_status st = bw__bad_line(p, r->bad_line, BW_ERR_CORRUPT, v->err, "%s", r->why);
        if (st != BW_OK) {
            v->status = st;
            return 0;
        }
        return 1;
    }
    for (int k = BW_HASH_MD5; k <= BW_HASH_SHA256; k++) {
        if (!r->have[k])
            continue;
        bw_entry e;
        memset(&e, 0, sizeof e);
        e.kind = (bw_hash_kind)k;
        memcpy(e.hash, r->hash[k], bw_hash_kind_bytes(e.kind));
        e.label = r->label[0] ? r->label : NULL;
        e.category = r->category[0] ? r->category : NULL;
        bw_status st = bw__emit(p, &e, v->err);
        if (st != BW_OK) {
            v->status = st;
            return 0;
        }
    }
    return 1;
}

static int pop(vics *v)
{
    v->since_event = 0;
    if (v->depth <= 0)
        return 1;
    int ok = 1;
    if (v->nrec && v->rec[v->nrec - 1].depth == v->depth) {
        ok = finish_record(v, &v->rec[v->nrec - 1]);
        v->nrec--;
    }
    v->depth--;
    v->field = F_NONE;
    v->key[0] = '\0';
    return ok;
}

static int cb_end(void *ctx)
{
    return pop(ctx);
}

static int cb_map_key(void *ctx, const unsigned char *k, size_t n)
{
    vics *v = ctx;
    size_t c = n < sizeof v->key - 1 ? n : sizeof v->key - 1;
    v->since_event = 0;
    memcpy(v->key, k, c);
    v->key[c] = '\0';
    v->field = F_NONE;
    if (cur_record(v)) {
        if (!strcasecmp(v->key, "MD5"))
            v->field = F_MD5;
        else if (!strcasecmp(v->key, "SHA1"))
            v->field = F_SHA1;
        else if (!strcasecmp(v->key, "SHA256"))
            v->field = F_SHA256;
        else if (!strcasecmp(v->key, "Category"))
            v->field = F_CATEGORY;
        else if (!strcasecmp(v->key, "PhotoDNA"))
            v->field = F_PHOTODNA;
        else if (!strcasecmp(v->key, "MediaID"))
            v->field = F_MEDIAID;
    }
    return 1;
}

static const yajl_callbacks callbacks = {
    cb_null, cb_bool, NULL, NULL, cb_number, cb_string, cb_start_map, cb_map_key, cb_end,
    cb_start_array, cb_end,
};

static bw_status yajl_failure(vics *v, yajl_handle h, const unsigned char *text, size_t len,
                              int at_end)
{
    unsigned char *msg = yajl_get_error(h, 0, text, len);
    char clean[128];
    bw__excerpt((const char *)msg, strlen((const char *)msg), clean);
    for (char *c = clean; *c; c++)
        if (*c == '\n')
            *c = ' ';
    bw_status st;
    if (at_end && strstr((const char *)msg, "premature EOF"))
        st = bw__fail(v->err, BW_ERR_TRUNCATED, "line %llu: JSON ends early (truncated file)",
                      (unsigned long long)v->line);
    else
        st = bw__fail(v->err, BW_ERR_CORRUPT, "line %llu: invalid JSON: %s",
                      (unsigned long long)v->line, clean);
    yajl_free_error(h, msg);
    return st;
}

bw_status bw__parse_vics(bw__parse *p, bw_error *err)
{
    vics v;
    bw__src *s = &p->src;
    bw_status st = BW_OK;
    int any = 0;
    memset(&v, 0, sizeof v);
    v.p = p;
    v.err = err;
    v.line = 1;
    v.max_depth = p->lim->max_json_depth ? p->lim->max_json_depth : 1;
    v.is_map = bw__calloc(v.max_depth + 1, 1);
    v.records = bw__calloc(v.max_depth + 1, 1);
    yajl_handle h = yajl_alloc(&callbacks, NULL, &v);
    if (!h || !v.is_map || !v.records) {
        st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (;;) {
        if ((st = bw__src_fill(s, 1, err)) != BW_OK)
            goto done;
        size_t avail = s->len - s->pos;
        if (avail == 0)
            break;
        const unsigned char *piece = s->buf + s->pos;
        const unsigned char *nl = memchr(piece, '\n', avail);
        size_t n = nl ? (size_t)(nl - piece) + 1 : avail;
        for (size_t i = 0; i < n && !any; i++)
            any = piece[i] != ' ' && piece[i] != '\t' && piece[i] != '\r' && piece[i] != '\n';
        v.since_event += n;
        yajl_status ys = yajl_parse(h, piece, n);
        if (ys == yajl_status_client_canceled) {
            st = v.status;
            goto done;
        }
        if (ys != yajl_status_ok) {
            st = yajl_failure(&v, h, piece, n, 0);
            goto done;
        }
        if (v.since_event > p->lim->max_line_bytes) {
            st = bw__fail(err, BW_ERR_LIMIT, "line %llu: a JSON value longer than the line limit (%u bytes)",
                          (unsigned long long)v.line, p->lim->max_line_bytes);
            goto done;
        }
        s->pos += n;
        if (nl)
            v.line++;
    }
    if (!any) {
        st = bw__fail(err, BW_ERR_EMPTY, "empty VICS file");
        goto done;
    }
    yajl_status ys = yajl_complete_parse(h);
    if (ys == yajl_status_client_canceled)
        st = v.status;
    else if (ys != yajl_status_ok)
        st = yajl_failure(&v, h, (const unsigned char *)"", 0, 1);
done:
    if (h)
        yajl_free(h);
    free(v.is_map);
    free(v.records);
    return st;
}
