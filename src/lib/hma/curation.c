/* curation.c -- HMA's /c routes (blueprints/curation.py, schemas/
 * curation.py): the request bodies, parsed from untrusted bytes with
 * yajl's tree parser after a bound on size and nesting, and the response
 * bodies. Facts from HMA, never its code: a bank's ratio comes from
 * enabled_ratio, else from enabled; disable_until_ts is an integer (or a
 * string of one, flask_utils.str_to_type), not negative, at most five
 * years ahead; a note is a string of at most 255 characters; content is
 * added from a JSON object of signal type name -> signal, with an optional
 * note. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>
#include "bulwark/hma.h"
#include "core/internal.h"

/* The body as a JSON object, or NULL after err (HMA: "this endpoint
 * expects a json object payload"). */
static yajl_val parse_object(const char *body, size_t n, bw_error *err)
{
    char why[128];
    if (!body || n == 0)
        return bw__fail(err, BW_ERR_ARG, "a JSON object body is required"), NULL;
    if (n > BW_HMA_MAX_JSON)
        return bw__fail(err, BW_ERR_LIMIT, "JSON body larger than %d bytes", BW_HMA_MAX_JSON),
               NULL;
    if (memchr(body, '\0', n) || bw__json_nesting(body, n) > BW_HMA_MAX_DEPTH)
        return bw__fail(err, BW_ERR_ARG, "malformed JSON body"), NULL;
    char *buf = bw__malloc(n + 1);
    if (!buf)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory"), NULL;
    memcpy(buf, body, n);
    buf[n] = '\0';
    why[0] = '\0';
    yajl_val v = yajl_tree_parse(buf, why, sizeof why);
    free(buf);
    if (!v) {
        why[strcspn(why, "\r\n")] = '\0';
        return bw__fail(err, BW_ERR_ARG, "malformed JSON body%s%s", why[0] ? ": " : "", why), NULL;
    }
    if (!YAJL_IS_OBJECT(v)) {
        yajl_tree_free(v);
        return bw__fail(err, BW_ERR_ARG, "this endpoint expects a json object payload"), NULL;
    }
    return v;
}

/* The value of key in object o, or NULL. */
static yajl_val member(yajl_val o, const char *key)
{
    for (size_t i = 0; i < o->u.object.len; i++)
        if (!strcmp(o->u.object.keys[i], key))
            return o->u.object.values[i];
    return NULL;
}

/* A note: a string of at most 255 characters (code points), or null / ""
 * for none (curation.py _validate_note). */
static bw_status read_note(yajl_val v, char *out, bw_error *err)
{
    out[0] = '\0';
    if (!v || YAJL_IS_NULL(v) || (YAJL_IS_FALSE(v)))
        return BW_OK;
    if (!YAJL_IS_STRING(v))
        return bw__fail(err, BW_ERR_ARG, "note should be a string");
    const char *s = v->u.string;
    size_t chars = 0, n = strlen(s);
    for (size_t i = 0; i < n; i++)
        chars += ((unsigned char)s[i] & 0xc0) != 0x80;
    if (chars > BW_HMA_NOTE_MAX || n > BW_HMA_NOTE_MAX * 4)
        return bw__fail(err, BW_ERR_ARG, "note must be at most 255 characters");
    if (n > BW_HMA_NOTE_MAX) /* fits the buffer only when it is ASCII */
        return bw__fail(err, BW_ERR_ARG, "note must be at most 255 bytes here");
    memcpy(out, s, n + 1);
    return BW_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bw_status bw_hma_check_content_metadata(const char *body, size_t n, bw_error *err)
{
    bw_error scratch;
    yajl_val o = parse_object(body, n, &scratch), v;
    bw_status st = BW_OK;
    if (!o || !(v = member(o, "metadata")) || YAJL_IS_NULL(v)) {
        yajl_tree_free(o);
        return BW_OK; /* not a JSON object, or no metadata: HMA looks no further */
    }
    if (!YAJL_IS_OBJECT(v)) {
        yajl_tree_free(o);
        return bw__fail(err, BW_ERR_ARG, "metadata should be a json object");
    }
    static const char *const known[] = {"content_id", "content_uri", "json"};
    const char **bad = bw__malloc((v->u.object.len + 1) * sizeof *bad);
    size_t nbad = 0;
    if (!bad) {
        yajl_tree_free(o);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < v->u.object.len; i++) {
        int ok = 0;
        for (size_t k = 0; k < sizeof known / sizeof *known && !ok; k++)
            ok = !strcmp(v->u.object.keys[i], known[k]);
        for (size_t k = 0; k < nbad && !ok; k++) /* a key twice: named once, as a set */
            ok = !strcmp(v->u.object.keys[i], bad[k]);
        if (!ok)
            bad[nbad++] = v->u.object.keys[i];
    }
    if (nbad) {
        char msg[BW_ERROR_MSG_MAX];
        size_t len = (size_t)snprintf(msg, sizeof msg, "metadata contains unexpected keys: ");
        qsort(bad, nbad, sizeof *bad, cmp_str);
        for (size_t i = 0; i < nbad && len < sizeof msg; i++)
            len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s", i ? " ," : "", bad[i]);
        st = bw__fail(err, BW_ERR_ARG, "%s", msg);
    }
    free(bad);
    yajl_tree_free(o);
    return st;
}

bw_status bw_hma_parse_bank_request(const char *body, size_t n, bw_hma_bank_request *out,
                                    bw_error *err)
{
    memset(out, 0, sizeof *out);
    yajl_val o = parse_object(body, n, err), v;
    bw_status st = BW_OK;
    if (!o)
        return err ? err->status : BW_ERR_ARG;
    if ((v = member(o, "name")) && !YAJL_IS_NULL(v)) {
        const char *name = YAJL_IS_STRING(v) ? v->u.string : NULL;
        if (!name || strlen(name) >= sizeof out->name)
            st = bw__fail(err, BW_ERR_ARG, "name: Input should be a valid string");
        else {
            snprintf(out->name, sizeof out->name, "%s", name);
            out->has_name = 1;
        }
    }
    if (st == BW_OK && (v = member(o, "enabled")) && !YAJL_IS_NULL(v)) {
        if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
            st = bw__fail(err, BW_ERR_ARG, "enabled: Input should be a valid boolean");
        else {
            out->has_ratio = 1;
            out->ratio = YAJL_IS_TRUE(v) ? 1.0 : 0.0;
        }
    }
    if (st == BW_OK && (v = member(o, "enabled_ratio")) && !YAJL_IS_NULL(v)) {
        if (!YAJL_IS_NUMBER(v) || !isfinite(YAJL_GET_DOUBLE(v)))
            st = bw__fail(err, BW_ERR_ARG, "enabled_ratio: Input should be a valid number");
        else if (YAJL_GET_DOUBLE(v) < 0.0 || YAJL_GET_DOUBLE(v) > 1.0)
            st = bw__fail(err, BW_ERR_ARG, "enabled_ratio must be between 0.0 and 1.0");
        else {
            out->has_ratio = 1;
            out->ratio = YAJL_GET_DOUBLE(v);
        }
    }
    yajl_tree_free(o);
    return st;
}

/* An integer as flask_utils.str_to_type(value, int) reads one: a JSON
 * integer, or a string of decimal digits with an optional sign. */
static int read_int(yajl_val v, int64_t *out)
{
    if (YAJL_IS_INTEGER(v)) {
        *out = YAJL_GET_INTEGER(v);
        return 1;
    }
    if (!YAJL_IS_STRING(v))
        return 0;
    const char *s = v->u.string, *p = s;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '+' || *p == '-')
        p++;
    if (!isdigit((unsigned char)*p) || strlen(p) > 18)
        return 0;
    char *end;
    long long x = strtoll(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return 0;
    *out = x;
    return 1;
}

bw_status bw_hma_parse_content_update(const char *body, size_t n, int64_t now,
                                      bw_hma_content_update *out, bw_error *err)
{
    memset(out, 0, sizeof *out);
    yajl_val o = parse_object(body, n, err), v;
    bw_status st = BW_OK;
    if (!o)
        return err ? err->status : BW_ERR_ARG;
    if ((v = member(o, "disable_until_ts"))) {
        int64_t t = 0;
        const int64_t five_years = (int64_t)365 * 5 * 86400;
        if (!read_int(v, &t))
            st = bw__fail(err, BW_ERR_ARG, "Invalid int: '%.60s'",
                          YAJL_IS_STRING(v) ? v->u.string : "");
        else if (t < 0)
            st = bw__fail(err, BW_ERR_ARG, "disable_until_ts must be a non-negative integer");
        else if (t > now + five_years)
            st = bw__fail(err, BW_ERR_ARG,
                          "disable_until_ts must be less than 5 years in the future");
        else {
            out->has_until = 1;
            out->disable_until_ts = t;
        }
    }
    if (st == BW_OK && (v = member(o, "note"))) {
        if ((st = read_note(v, out->note, err)) == BW_OK)
            out->has_note = 1;
    }
    yajl_tree_free(o);
    return st;
}

bw_status bw_hma_parse_signals(const char *body, size_t n, bw_hma_signals *out, bw_error *err)
{
    memset(out, 0, sizeof *out);
    yajl_val o = parse_object(body, n, err);
    bw_status st = BW_OK;
    if (!o)
        return err ? err->status : BW_ERR_ARG;
    for (size_t i = 0; i < o->u.object.len && st == BW_OK; i++) {
        const char *key = o->u.object.keys[i];
        yajl_val v = o->u.object.values[i];
        bw_hash_kind kind;
        if (!strcmp(key, "note")) {
            if ((st = read_note(v, out->note, err)) == BW_OK)
                out->has_note = out->note[0] != '\0';
            continue;
        }
        if (bw_hma_signal_type(key, &kind, NULL) != BW_OK) {
            st = bw__fail(err, BW_ERR_ARG, "No such signal type %.100s", key);
            break;
        }
        if (out->n == BW_HMA_MAX_SIGNALS) {
            st = bw__fail(err, BW_ERR_ARG, "too many signals (at most %d)", BW_HMA_MAX_SIGNALS);
            break;
        }
        bw_hma_signal *s = &out->v[out->n];
        bw_error e2;
        if (!YAJL_IS_STRING(v) || bw_hma_parse_signal(kind, v->u.string, s->bytes, &e2) != BW_OK) {
            st = bw__fail(err, BW_ERR_ARG, "Invalid %.60s signal: %s", key,
                          YAJL_IS_STRING(v) ? bw_error_message(&e2) : "not a string");
            break;
        }
        s->kind = kind;
        s->type = kind == BW_HASH_PDQ ? "pdq" : "video_md5";
        for (size_t k = 0; k < out->n; k++)
            if (out->v[k].kind == kind)
                st = bw__fail(err, BW_ERR_ARG, "signal type %.60s given twice", s->type);
        out->n++;
    }
    if (st == BW_OK && out->n == 0)
        st = bw__fail(err, BW_ERR_ARG, "No signals given");
    yajl_tree_free(o);
    return st;
}

/* ---------------- the bodies ---------------- */

static void signals_json(bw_json *j, const bw_hma_signal *v, size_t n)
{
    char hex[2 * BW_HASH_MAX_BYTES + 1];
    bw_json_object_begin(j);
    for (size_t i = 0; i < n; i++) {
        bw_json_key(j, v[i].type);
        bw_hex_encode(v[i].bytes, bw_hash_kind_bytes(v[i].kind), hex);
        bw_json_string(j, hex);
    }
    bw_json_object_end(j);
}

void bw_hma_content_added_json(bw_json *j, int64_t id, const bw_hma_signal *v, size_t n)
{
    bw_json_object_begin(j);
    bw_json_key(j, "id");
    bw_json_int(j, id);
    bw_json_key(j, "signals");
    signals_json(j, v, n);
    bw_json_object_end(j);
}

/* The content's one signal. */
static bw_hma_signal content_signal(const bw_content *c)
{
    bw_hma_signal s;
    memset(&s, 0, sizeof s);
    s.kind = c->kind;
    s.type = c->kind == BW_HASH_PDQ ? "pdq" : c->kind == BW_HASH_MD5 ? "video_md5"
                                                                      : bw_hash_kind_name(c->kind);
    memcpy(s.bytes, c->hash, sizeof s.bytes);
    return s;
}

void bw_hma_content_json(bw_json *j, const bw_content *c, const bw_list_info *bank,
                         int include_signals)
{
    bw_json_object_begin(j);
    bw_json_key(j, "id");
    bw_json_int(j, c->id);
    bw_json_key(j, "disable_until_ts");
    bw_json_int(j, c->disable_until);
    bw_json_key(j, "original_media_uri");
    bw_json_null(j);
    bw_json_key(j, "bank");
    bw_hma_bank_json(j, bank);
    if (include_signals) {
        bw_hma_signal s = content_signal(c);
        bw_json_key(j, "signals");
        signals_json(j, &s, 1);
    }
    if (c->note) {
        bw_json_key(j, "note");
        bw_json_string(j, c->note);
    }
    bw_json_object_end(j);
}

void bw_hma_content_config_json(bw_json *j, const bw_content *c, const bw_list_info *bank)
{
    bw_json_object_begin(j);
    bw_json_key(j, "id");
    bw_json_int(j, c->id);
    bw_json_key(j, "disable_until_ts");
    bw_json_int(j, c->disable_until);
    bw_json_key(j, "collab_metadata");
    bw_json_object_begin(j);
    bw_json_object_end(j);
    bw_json_key(j, "original_media_uri");
    bw_json_null(j);
    bw_json_key(j, "bank");
    bw_hma_bank_json(j, bank);
    bw_json_key(j, "user_metadata");
    bw_json_null(j);
    bw_json_key(j, "note");
    if (c->note)
        bw_json_string(j, c->note);
    else
        bw_json_null(j);
    bw_json_object_end(j);
}

void bw_hma_deleted_json(bw_json *j, uint64_t n)
{
    bw_json_object_begin(j);
    bw_json_key(j, "deleted");
    bw_json_uint(j, n);
    bw_json_object_end(j);
}

/* ---------------- POST /m/compare ---------------- */

#define COMPARE_MAX 8

bw_status bw_hma_compare_json(bw_json *j, const char *body, size_t n, bw_error *err)
{
    struct {
        const char *key;
        int match, distance; /* distance -1: none (an exact kind) */
    } res[COMPARE_MAX];
    size_t nres = 0;
    bw_error e2;
    yajl_val o = parse_object(body, n, &e2);
    if (!o) /* blueprints/matching.py: type(request_data) != dict */
        return bw__fail(err, e2.status == BW_ERR_NOMEM ? BW_ERR_NOMEM : BW_ERR_ARG,
                        "Request input was not a dict");
    bw_status st = BW_OK;
    for (size_t i = 0; i < o->u.object.len && st == BW_OK; i++) {
        const char *key = o->u.object.keys[i];
        yajl_val v = o->u.object.values[i];
        uint8_t a[BW_HASH_MAX_BYTES], b[BW_HASH_MAX_BYTES];
        bw_hash_kind kind;
        if (!YAJL_IS_ARRAY(v))
            st = bw__fail(err, BW_ERR_ARG, "Comparison hashes for %.100s was not a list", key);
        else if (v->u.array.len != 2)
            st = bw__fail(err, BW_ERR_ARG, "Comparison hash list length must be exactly 2");
        else if (bw_hma_signal_type(key, &kind, &e2) != BW_OK)
            st = bw__fail(err, BW_ERR_ARG, "%s", bw_error_message(&e2));
        else if (nres == COMPARE_MAX)
            st = bw__fail(err, BW_ERR_ARG, "at most %d signal types at once", COMPARE_MAX);
        else if (!YAJL_IS_STRING(v->u.array.values[0]) || !YAJL_IS_STRING(v->u.array.values[1]))
            st = bw__fail(err, BW_ERR_ARG, "Invalid %.100s hash: not a string", key);
        else if (bw_hma_parse_signal(kind, v->u.array.values[0]->u.string, a, &e2) != BW_OK ||
                 bw_hma_parse_signal(kind, v->u.array.values[1]->u.string, b, &e2) != BW_OK)
        {
            /* HMA words it with the ValueError's own text ("invalid PDQ hash") */
            const char *why = bw_error_message(&e2), *pre = "invalid signal: ";
            if (!strncmp(why, pre, strlen(pre)))
                why += strlen(pre);
            st = bw__fail(err, BW_ERR_ARG, "Invalid %.100s hash: %s", key, why);
        } else {
            res[nres].key = key;
            if (kind == BW_HASH_PDQ) {
                bw_pdq pa, pb;
                bw_pdq_unpack(a, &pa);
                bw_pdq_unpack(b, &pb);
                res[nres].distance = bw_pdq_distance(&pa, &pb);
                res[nres].match = res[nres].distance <= BW_PDQ_DEFAULT_MAX_DISTANCE;
            } else {
                res[nres].distance = -1;
                res[nres].match = !memcmp(a, b, bw_hash_kind_bytes(kind));
            }
            nres++;
        }
    }
    if (st == BW_OK) {
        bw_json_object_begin(j);
        for (size_t i = 0; i < nres; i++) {
            bw_json_key(j, res[i].key);
            bw_json_array_begin(j);
            bw_json_bool(j, res[i].match);
            bw_json_object_begin(j);
            if (res[i].distance >= 0) {
                bw_json_key(j, "distance");
                bw_json_int(j, res[i].distance);
            }
            bw_json_object_end(j);
            bw_json_array_end(j);
        }
        bw_json_object_end(j);
    }
    yajl_tree_free(o);
    return st;
}
