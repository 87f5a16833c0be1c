/* tokens.c -- the service's token file (bulwark/auth.h): parsed into a
 * table of (holder, scopes, SHA-256 of the token); a request's bearer
 * token is hashed with OpenSSL's EVP and compared with every entry in
 * constant time (CRYPTO_memcmp, no early exit), so neither the answer's
 * timing nor the file tells a token. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "bulwark/auth.h"
#include "bulwark/digest.h"
#include "bulwark/reader.h"
#include "core/internal.h"

#define TOKEN_FILE_MAX (1u << 20)

typedef struct token {
    char *holder;
    unsigned scopes;
    unsigned char digest[32];
} token;

struct bw_tokens {
    token *v;
    size_t n;
};

unsigned bw_scope_parse(const char *name, size_t len)
{
    static const struct {
        const char *name;
        unsigned bit;
    } scopes[] = {{"match", BW_SCOPE_MATCH},
                  {"curate", BW_SCOPE_CURATE},
                  {"report", BW_SCOPE_REPORT},
                  {"admin", BW_SCOPE_ADMIN}};
    for (size_t i = 0; i < sizeof scopes / sizeof scopes[0]; i++)
        if (strlen(scopes[i].name) == len && memcmp(scopes[i].name, name, len) == 0)
            return scopes[i].bit;
    return 0;
}

/* The next field of a line (separated by spaces or tabs). */
static const char *field(const char **p, const char *end, size_t *len)
{
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
    const char *s = *p;
    while (*p < end && **p != ' ' && **p != '\t')
        (*p)++;
    *len = (size_t)(*p - s);
    return *len ? s : NULL;
}

static bw_status parse_scopes(const char *s, size_t len, unsigned *out, const char *name,
                              size_t lineno, bw_error *err)
{
    *out = 0;
    for (size_t i = 0; i <= len;) {
        size_t e = i;
        while (e < len && s[e] != ',')
            e++;
        unsigned bit = bw_scope_parse(s + i, e - i);
        if (!bit)
            return bw__fail(err, BW_ERR_CORRUPT,
                            "%s:%zu: unknown scope '%.*s' (match, curate, report or admin)",
                            name, lineno, (int)(e - i > 32 ? 32 : e - i), s + i);
        *out |= bit;
        i = e + 1;
    }
    return BW_OK;
}

/* One line: NAME SCOPES sha256:HEX, appended to t. */
static bw_status parse_line(bw_tokens *t, const char *p, const char *end, const char *name,
                            size_t lineno, bw_error *err)
{
    size_t nl, sl, hl, xl;
    const char *n = field(&p, end, &nl), *s = field(&p, end, &sl), *h = field(&p, end, &hl);
    if (!n || !s || !h || field(&p, end, &xl))
        return bw__fail(err, BW_ERR_CORRUPT, "%s:%zu: expected NAME SCOPE[,SCOPE] sha256:HEX",
                        name, lineno);
    token tk = {0};
    bw_status st = parse_scopes(s, sl, &tk.scopes, name, lineno, err);
    if (st != BW_OK)
        return st;
    if (hl != 7 + 64 || memcmp(h, "sha256:", 7) != 0 ||
        bw_hex_decode(h + 7, 64, tk.digest, 32) != BW_OK)
        return bw__fail(err, BW_ERR_CORRUPT,
                        "%s:%zu: the token must be given as sha256:HEX (64 hex digits of its "
                        "SHA-256, never the token itself)", name, lineno);
    token *v = bw__realloc(t->v, (t->n + 1) * sizeof *v);
    if (!v || !(tk.holder = bw__strndup(n, nl))) {
        if (v)
            t->v = v;
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    t->v = v;
    t->v[t->n++] = tk;
    return BW_OK;
}

bw_status bw_tokens_parse(bw_tokens **out, const char *name, const char *text, size_t len,
                          bw_error *err)
{
    bw_tokens *t = bw__calloc(1, sizeof *t);
    bw_status st = t ? BW_OK : bw__fail(err, BW_ERR_NOMEM, "out of memory");
    size_t lineno = 0;
    *out = NULL;
    for (const char *p = text, *end = text + len; st == BW_OK && p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
        const char *q = p;
        lineno++;
        while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        const char *le = e;
        while (le > q && le[-1] == '\r')
            le--;
        if (q < le && *q != '#')
            st = memchr(q, '\0', (size_t)(le - q))
                     ? bw__fail(err, BW_ERR_CORRUPT, "%s:%zu: a NUL byte", name, lineno)
                     : parse_line(t, q, le, name, lineno, err);
        p = nl ? nl + 1 : end;
    }
    if (st == BW_OK && t->n == 0)
        st = bw__fail(err, BW_ERR_EMPTY, "%s: no tokens", name);
    if (st != BW_OK) {
        bw_tokens_free(t);
        return st;
    }
    *out = t;
    return BW_OK;
}

bw_status bw_tokens_load(bw_tokens **out, const char *path, bw_error *err)
{
    bw_reader *r;
    void *data = NULL;
    size_t len = 0;
    *out = NULL;
    bw_status st = bw_reader_open_file(&r, path, err);
    if (st != BW_OK)
        return st;
    st = bw_reader_slurp(r, TOKEN_FILE_MAX, NULL, NULL, &data, &len, err);
    bw_reader_close(r);
    if (st == BW_OK)
        st = bw_tokens_parse(out, path, data, len, err);
    if (data) {
        OPENSSL_cleanse(data, len);
        free(data);
    }
    return st;
}

void bw_tokens_free(bw_tokens *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].holder);
    free(t->v);
    free(t);
}

size_t bw_tokens_count(const bw_tokens *t)
{
    return t ? t->n : 0;
}

bw_auth_result bw_tokens_check(const bw_tokens *t, const char *authorization, unsigned scope,
                               const char **holder)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    const token *hit = NULL;
    if (holder)
        *holder = NULL;
    /* RFC 6750: "Bearer" (any case), one or more spaces, the token */
    if (!t || !authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
        return BW_AUTH_UNKNOWN;
    const char *tok = authorization + 7;
    while (*tok == ' ')
        tok++;
    size_t len = strlen(tok);
    while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
        len--;
    if (!len || EVP_Digest(tok, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return BW_AUTH_UNKNOWN;
    for (size_t i = 0; i < t->n; i++) /* every entry, whatever matched before */
        if (CRYPTO_memcmp(md, t->v[i].digest, 32) == 0)
            hit = &t->v[i];
    OPENSSL_cleanse(md, sizeof md);
    if (!hit)
        return BW_AUTH_UNKNOWN;
    if (holder)
        *holder = hit->holder;
    return hit->scopes & (scope | BW_SCOPE_ADMIN) ? BW_AUTH_OK : BW_AUTH_FORBIDDEN;
}
