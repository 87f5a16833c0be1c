/* hma.c -- the JSON of HMA's routes (bulwark/hma.h): signal types and
 * their validation, bank content ids, and the bodies of raw_lookup,
 * lookup, banks, index status, the site map and errors, each with the keys
 * and types of HMA 1.1.7's schemas (the file each comes from is named at
 * its function). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>
#include "bulwark/digest.h"
#include "bulwark/hma.h"
#include "core/internal.h"

/* ---------------- signal types ---------------- */

/* python-threatexchange's names (signal_type/pdq/signal.py, md5.py). */
static const struct {
    const char *name;
    bw_hash_kind kind;
} signal_types[BW_HMA_SIGNAL_TYPES] = {{"pdq", BW_HASH_PDQ}, {"video_md5", BW_HASH_MD5}};

const char *bw_hma_signal_type_at(size_t i, bw_hash_kind *kind)
{
    if (i >= BW_HMA_SIGNAL_TYPES)
        return NULL;
    if (kind)
        *kind = signal_types[i].kind;
    return signal_types[i].name;
}

bw_status bw_hma_signal_type(const char *name, bw_hash_kind *kind, bw_error *err)
{
    for (size_t i = 0; name && i < BW_HMA_SIGNAL_TYPES; i++)
        if (strcmp(name, signal_types[i].name) == 0) {
            *kind = signal_types[i].kind;
            return BW_OK;
        }
    if (name && strcmp(name, "md5") == 0) {
        *kind = BW_HASH_MD5;
        return BW_OK;
    }
    /* blueprints/matching.py _validate_and_transform_signal_type */
    return bw__fail(err, BW_ERR_NOT_FOUND, "No such SignalType '%.100s'", name ? name : "");
}

static int all_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* MD5: Python's str.strip() then lower() (ASCII whitespace and case). */
static bw_status parse_md5(const char *signal, uint8_t *bytes, bw_error *err)
{
    char hex[33];
    size_t len = strlen(signal), b = 0;
    while (b < len && strchr(" \t\n\r\v\f", signal[b]))
        b++;
    while (len > b && strchr(" \t\n\r\v\f", signal[len - 1]))
        len--;
    if (len - b == 32) {
        for (size_t i = 0; i < 32; i++) {
            char c = signal[b + i];
            hex[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        }
        if (all_lower_hex(hex, 32) && bw_hex_decode(hex, 32, bytes, 16) == BW_OK)
            return BW_OK;
    }
    /* signal_type/md5.py: f"{signal_str!r} is not a valid MD5 hash" */
    return bw__fail(err, BW_ERR_ARG, "invalid signal: '%.80s' is not a valid MD5 hash", signal);
}

bw_status bw_hma_parse_signal(bw_hash_kind kind, const char *signal,
                              uint8_t bytes[BW_HASH_MAX_BYTES], bw_error *err)
{
    if (!signal)
        return bw__fail(err, BW_ERR_ARG, "invalid signal: none given");
    if (kind == BW_HASH_MD5)
        return parse_md5(signal, bytes, err);
    if (kind != BW_HASH_PDQ)
        return bw__fail(err, BW_ERR_ARG, "invalid signal: unsupported signal type");
    /* signal_type/pdq/signal.py validate_signal_str: ^[0-9a-f]{64}$ */
    size_t len = strlen(signal);
    if (len != 64 || !all_lower_hex(signal, 64) || bw_hex_decode(signal, 64, bytes, 32) != BW_OK)
        return bw__fail(err, BW_ERR_ARG, "invalid signal: invalid PDQ hash");
    return BW_OK;
}

/* ---------------- banks and content ids ---------------- */

int64_t bw_hma_content_id(const char *list, bw_hash_kind kind, const uint8_t *hash)
{
    return bw_store_content_id(list, kind, hash);
}

int bw_hma_bank_selected(const char *banks, const char *bank)
{
    /* blueprints/matching.py: set(query.banks.split(",")) if query.banks */
    if (!banks || !*banks)
        return 1;
    size_t n = strlen(bank);
    for (const char *p = banks;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && memcmp(p, bank, n) == 0)
            return 1;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

int bw_hma_bank_name_ok(const char *name)
{
    /* storage/postgres/database.py: re.fullmatch("[A-Z_][A-Z0-9_]*", name) */
    if (!name || !((name[0] >= 'A' && name[0] <= 'Z') || name[0] == '_'))
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return 1;
}

/* ---------------- the bodies ---------------- */

/* A match's bank_content_id: the store's (bw_store_find gives it), or,
 * for a match made by hand, the one its list's name gives. */
static int64_t match_id(const bw_match *x)
{
    return x->content_id ? x->content_id : bw_hma_content_id(x->list, x->kind, x->hash);
}

/* {"bank_content_id": int, "distance": str} (schemas/matching.py
 * MatchWithDistance; distance: SignalSimilarityInfo.pretty_str). */
static void match_json(bw_json *j, const bw_match *x)
{
    char d[16];
    bw_json_object_begin(j);
    bw_json_key(j, "bank_content_id");
    bw_json_int(j, match_id(x));
    bw_json_key(j, "distance");
    if (x->kind == BW_HASH_PDQ) {
        snprintf(d, sizeof d, "%d", x->distance);
        bw_json_string(j, d);
    } else {
        bw_json_string(j, "-");
    }
    bw_json_object_end(j);
}

void bw_hma_raw_lookup_json(bw_json *j, const bw_matches *m, const char *banks,
                            int include_distance)
{
    bw_json_object_begin(j);
    bw_json_key(j, "matches");
    bw_json_array_begin(j);
    for (size_t i = 0; m && i < m->n; i++) {
        if (!bw_hma_bank_selected(banks, m->v[i].list))
            continue;
        if (include_distance)
            match_json(j, &m->v[i]);
        else
            bw_json_int(j, match_id(&m->v[i]));
    }
    bw_json_array_end(j);
    bw_json_object_end(j);
}

void bw_hma_lookup_json(bw_json *j, const bw_matches *m, const char *banks)
{
    bw_json_object_begin(j);
    for (size_t i = 0; m && i < m->n; i++) {
        const char *bank = m->v[i].list;
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(m->v[k].list, bank) == 0;
        if (seen || !bw_hma_bank_selected(banks, bank))
            continue;
        bw_json_key(j, bank);
        bw_json_array_begin(j);
        for (size_t k = i; k < m->n; k++)
            if (strcmp(m->v[k].list, bank) == 0)
                match_json(j, &m->v[k]);
        bw_json_array_end(j);
    }
    bw_json_object_end(j);
}

void bw_hma_bank_json(bw_json *j, const bw_list_info *list)
{
    /* schemas/curation.py BankConfig */
    bw_json_object_begin(j);
    bw_json_key(j, "name");
    bw_json_string(j, list->name);
    bw_json_key(j, "matching_enabled_ratio");
    if (list->enabled_ratio == 0.0 || list->enabled_ratio == 1.0)
        bw_json_fixed(j, list->enabled_ratio, 1);
    else
        bw_json_double(j, list->enabled_ratio);
    bw_json_object_end(j);
}

void bw_hma_banks_json(bw_json *j, const bw_list_info *lists, size_t n)
{
    bw_json_array_begin(j);
    for (size_t i = 0; i < n; i++)
        bw_hma_bank_json(j, &lists[i]);
    bw_json_array_end(j);
}

void bw_hma_index_status_json(bw_json *j, bw_matcher *m, int64_t built_to,
                              const char *only)
{
    bw_hash_kind kind;
    const char *name;
    bw_json_object_begin(j);
    for (size_t i = 0; (name = bw_hma_signal_type_at(i, &kind)) != NULL; i++) {
        if (only && strcmp(only, name) != 0)
            continue;
        bw_json_key(j, name);
        bw_json_object_begin(j);
        bw_json_key(j, "present");
        bw_json_bool(j, m != NULL);
        bw_json_key(j, "built_to");
        bw_json_int(j, m ? built_to : -1);
        bw_json_key(j, "size");
        bw_json_uint(j, m ? bw_matcher_index_count(m, kind, NULL) : 0);
        bw_json_object_end(j);
    }
    bw_json_object_end(j);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void bw_hma_site_map_json(bw_json *j, const char *const *routes, size_t n)
{
    const char **v = n ? bw__malloc(n * sizeof *v) : NULL;
    bw_json_array_begin(j);
    if (v) {
        memcpy(v, routes, n * sizeof *v);
        qsort(v, n, sizeof *v, cmp_str);
        for (size_t i = 0; i < n; i++)
            if (i == 0 || strcmp(v[i], v[i - 1]) != 0) /* one per path, as HMA's set */
                bw_json_string(j, v[i]);
        free(v);
    } else if (n) {
        j->failed = 1;
    }
    bw_json_array_end(j);
}

void bw_hma_error_json(bw_json *j, const char *message)
{
    bw_json_object_begin(j);
    bw_json_key(j, "message");
    bw_json_string(j, message);
    bw_json_object_end(j);
}

/* ---------------- uploads (blueprints/hashing.py, matching.py) ---------------- */

/* HMA's content types (python-threatexchange content_type/photo.py,
 * video.py) and the signal type each is hashed with in HMA's default
 * configuration. */
static const struct {
    const char *name;
    bw_hma_content content;
} content_types[] = {{"photo", BW_HMA_PHOTO}, {"video", BW_HMA_VIDEO}};

bw_status bw_hma_content_type(const char *name, bw_hma_content *out, bw_error *err)
{
    for (size_t i = 0; name && i < sizeof content_types / sizeof content_types[0]; i++)
        if (strcmp(name, content_types[i].name) == 0) {
            *out = content_types[i].content;
            return BW_OK;
        }
    /* blueprints/hashing.py _lookup_content_type */
    return bw__fail(err, BW_ERR_NOT_FOUND, "no such content_type: '%.100s'", name ? name : "");
}

/* The signal type name a content type is hashed with. */
static const char *content_signal_type(bw_hma_content content)
{
    return content == BW_HMA_VIDEO ? "video_md5" : "pdq";
}

bw_status bw_hma_url_content(const char *hint, const char *mime, bw_hma_content *out,
                             bw_error *err)
{
    /* blueprints/hashing.py _parse_request_content_type */
    if (hint && *hint)
        return bw_hma_content_type(hint, out, err);
    if (mime && strncasecmp(mime, "image", 5) == 0) {
        *out = BW_HMA_PHOTO;
        return BW_OK;
    }
    if (mime && strncasecmp(mime, "video", 5) == 0) {
        *out = BW_HMA_VIDEO;
        return BW_OK;
    }
    return bw__fail(err, BW_ERR_UNSUPPORTED,
                    "unsupported url ContentType: '%.60s', if you know the expected type, "
                    "provide it with the content_type query param",
                    mime ? mime : "");
}

bw_status bw_hma_check_types(bw_hma_content content, const char *types, bw_error *err)
{
    /* blueprints/hashing.py _parse_request_signal_type: names split on
     * commas, stripped, blanks skipped; each must be enabled for the
     * content type; none at all is an error */
    const char *want = content_signal_type(content), *p = types;
    int any = 0;
    if (!types)
        return BW_OK;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *a = p, *b = p + n;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        if (b > a) {
            if ((size_t)(b - a) != strlen(want) || strncmp(a, want, (size_t)(b - a)) != 0)
                return bw__fail(err, BW_ERR_NOT_FOUND,
                                "signal type '%.*s' doesn't exist or is disabled",
                                (int)((b - a) > 100 ? 100 : (b - a)), a);
            any = 1;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return any ? BW_OK : bw__fail(err, BW_ERR_ARG, "empty signal type selection");
}

bw_status bw_hma_upload_signal(bw_hma_content content, const bw_hash_result *r,
                               bw_hma_signal *out, bw_error *err)
{
    memset(out, 0, sizeof *out);
    if (content == BW_HMA_VIDEO) {
        if (!r->has_digests)
            return bw__fail(err, BW_ERR_ARG, "video: the upload could not be read");
        out->type = "video_md5";
        out->kind = BW_HASH_MD5;
        memcpy(out->bytes, r->digests.md5, sizeof r->digests.md5);
        return BW_OK;
    }
    if (r->kind != BW_KIND_IMAGE)
        return bw__fail(err, BW_ERR_FORMAT,
                        "photo: the upload is not an image in a format bulwark decodes");
    out->type = "pdq";
    out->kind = BW_HASH_PDQ;
    bw_pdq_pack(&r->pdq, out->bytes);
    return BW_OK;
}

/* The signal as python-threatexchange writes it: lowercase hex. */
static void signal_hex(bw_json *j, const bw_hma_signal *s)
{
    char hex[2 * BW_HASH_MAX_BYTES + 1];
    bw_hex_encode(s->bytes, bw_hash_kind_bytes(s->kind), hex);
    bw_json_string(j, hex);
}

void bw_hma_hash_json(bw_json *j, const bw_hma_signal *s)
{
    /* schemas/hashing.py HashResponse: signal type name -> hash */
    bw_json_object_begin(j);
    bw_json_key(j, s->type);
    signal_hex(j, s);
    bw_json_object_end(j);
}

void bw_hma_lookup_upload_json(bw_json *j, const bw_hma_signal *s, const bw_matches *m,
                               const char *banks)
{
    /* blueprints/matching.py lookup_post: signal type -> TMatchByBank */
    bw_json_object_begin(j);
    bw_json_key(j, s->type);
    bw_hma_lookup_json(j, m, banks);
    bw_json_object_end(j);
}
