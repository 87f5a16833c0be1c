/* line.c -- one line of a scan's JSON Lines output read back (resume,
 * cluster --from), parsed with yajl's tree parser. The nesting depth is
 * checked before yajl sees the line: its tree is freed recursively.
 *
 * A name that is not UTF-8 carries its exact bytes in "path_bytes"
 * (base64; "path" then has U+FFFD for each stray byte), which wins.
 * Otherwise the path is taken from the raw string token when the line
 * starts with {"path":" as bulwark writes it: output of bulwark before
 * path_bytes wrote stray bytes as \u00XX, and bw_json never escapes a
 * valid non-ASCII character, so turning \u00XX back into the byte XX gives
 * the original name byte for byte in both (a JSON decoder would give
 * U+00XX instead, and resume would miss it). */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <yajl/yajl_tree.h>
#include "core/internal.h"
#include "record/record_internal.h"

static void put_utf8(char *out, size_t *o, unsigned cp)
{
    if (cp < 0x80) {
        out[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (char)(0xc0 | cp >> 6);
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*o)++] = (char)(0xe0 | cp >> 12);
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*o)++] = (char)(0xf0 | cp >> 18);
        out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    }
}

static int hex4(const char *s, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        *v <<= 4;
        if (c >= '0' && c <= '9') *v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') *v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') *v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    return 0;
}

/* The raw "path" string of a line that starts {"path":"..., unescaped
 * with \u00XX as bytes; NULL if the line does not start so. */
static char *raw_path(const char *s, size_t len)
{
    static const char lead[] = "{\"path\":\"";
    size_t i = sizeof lead - 1, o = 0;
    char *out;
    if (len < i || memcmp(s, lead, i) != 0 || !(out = bw__malloc(len)))
        return NULL;
    while (i < len && s[i] != '"') {
        unsigned cp, lo;
        if (s[i] != '\\') {
            out[o++] = s[i++];
            continue;
        }
        if (i + 1 >= len)
            break;
        switch (s[i + 1]) {
        case '"': case '\\': case '/': out[o++] = s[i + 1]; i += 2; continue;
        case 'b': out[o++] = '\b'; i += 2; continue;
        case 'f': out[o++] = '\f'; i += 2; continue;
        case 'n': out[o++] = '\n'; i += 2; continue;
        case 'r': out[o++] = '\r'; i += 2; continue;
        case 't': out[o++] = '\t'; i += 2; continue;
        case 'u': break;
        default: goto bad;
        }
        if (i + 6 > len || hex4(s + i + 2, &cp) != 0)
            goto bad;
        i += 6;
        if (cp < 0x100) {
            if (cp == 0)
                goto bad;
            out[o++] = (char)cp;
            continue;
        }
        if (cp >= 0xd800 && cp < 0xdc00 && i + 6 <= len && s[i] == '\\' && s[i + 1] == 'u' &&
            hex4(s + i + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 6;
        }
        put_utf8(out, &o, cp);
    }
    if (i >= len)
        goto bad;
    out[o] = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

/* The bytes of a base64 "path_bytes" value; NULL if it is not base64 or
 * holds a NUL. */
static char *b64_path(const char *s)
{
    size_t n = strlen(s), pad = 0;
    unsigned char *out;
    int r;
    if (!n || n % 4 || n > (size_t)INT32_MAX || !(out = bw__malloc(n / 4 * 3 + 1)))
        return NULL;
    r = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
    while (pad < 2 && s[n - 1 - pad] == '=')
        pad++;
    if (r < (int)pad || memchr(out, '\0', (size_t)r - pad)) {
        free(out);
        return NULL;
    }
    out[r - (int)pad] = '\0';
    return (char *)out;
}

static yajl_val get(yajl_val obj, const char *key, yajl_type type)
{
    const char *path[] = {key, NULL};
    return yajl_tree_get(obj, path, type);
}

/* The string of a yajl string value, never NULL. */
static const char *str(yajl_val v)
{
    const char *s = YAJL_IS_STRING(v) ? v->u.string : NULL;
    return s ? s : "";
}

bw_record_type bw_record_parse(const char *text, size_t len, uint32_t max_depth, bw_record_line *out)
{
    char *buf;
    yajl_val root, v;

    memset(out, 0, sizeof *out);
    out->quality = -1;
    if (!len || memchr(text, '\0', len) || bw__json_nesting(text, len) > max_depth)
        return BW_RECORD_BAD;
    if (!(buf = bw__malloc(len + 1)))
        return BW_RECORD_BAD;
    memcpy(buf, text, len);
    buf[len] = '\0';
    root = yajl_tree_parse(buf, NULL, 0);
    free(buf);
    if (!root || !YAJL_IS_OBJECT(root)) {
        yajl_tree_free(root);
        return BW_RECORD_BAD;
    }
    if (get(root, "summary", yajl_t_object)) {
        yajl_tree_free(root);
        return out->type = BW_RECORD_SUMMARY;
    }
    v = get(root, "path", yajl_t_string);
    yajl_val bytes = get(root, "path_bytes", yajl_t_string);
    if (v && bytes)
        out->path = b64_path(str(bytes));
    else if (v && !(out->path = raw_path(text, len)))
        out->path = bw__strdup(str(v));
    if (!out->path) {
        yajl_tree_free(root);
        return BW_RECORD_BAD;
    }
    out->type = BW_RECORD_FILE;
    out->kind = BW_SCAN_FILE;
    if (get(root, "error", yajl_t_string)) {
        out->kind = BW_SCAN_ERROR;
    } else if ((v = get(root, "kind", yajl_t_string))) {
        const char *k = str(v);
        if (strcmp(k, "archive") == 0)
            out->kind = BW_SCAN_ARCHIVE;
        out->image = strcmp(k, "image") == 0;
    }
    if ((v = get(root, "matches", yajl_t_array)))
        out->matched = YAJL_GET_ARRAY(v)->len > 0;
    if ((v = get(root, "appended", yajl_t_object)) && get(v, "error", yajl_t_string))
        out->appended_error = 1;
    if ((v = get(root, "pdq", yajl_t_string)) &&
        bw_pdq_from_hex(str(v), strlen(str(v)), &out->pdq) == BW_OK)
        out->has_pdq = 1;
    if ((v = get(root, "quality", yajl_t_number)) && YAJL_IS_INTEGER(v) &&
        YAJL_GET_INTEGER(v) >= 0 && YAJL_GET_INTEGER(v) <= 100)
        out->quality = (int)YAJL_GET_INTEGER(v);
    if ((v = get(root, "sha256", yajl_t_string)) && strlen(str(v)) == 64 &&
        bw_hex_decode(str(v), 64, out->sha256, 32) == BW_OK)
        out->has_sha256 = 1;
    yajl_tree_free(root);
    return BW_RECORD_FILE;
}

void bw_record_line_free(bw_record_line *l)
{
    free(l->path);
    l->path = NULL;
}
