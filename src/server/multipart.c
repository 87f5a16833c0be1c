/* multipart.c -- multipart/form-data parsed from memory (multipart.h). The
 * body is untrusted bytes: every length is checked against what is left,
 * a part's data is never copied (it points into the body), the header
 * values kept are bounded, and whatever is not what RFC 7578 and RFC 2046
 * allow is refused with a sentence rather than guessed at. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "multipart.h"

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* RFC 2046 bchars: DIGIT / ALPHA / "'()+_,-./:=?" and space. */
static int is_bchar(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

/* The main value of a header (up to its first ';'), trimmed, equals want
 * (case-insensitively). */
static int main_value_is(const char *v, size_t n, const char *want)
{
    size_t i = 0, e;
    while (i < n && is_ows(v[i]))
        i++;
    e = i;
    while (e < n && v[e] != ';')
        e++;
    while (e > i && is_ows(v[e - 1]))
        e--;
    return e - i == strlen(want) && strncasecmp(v + i, want, e - i) == 0;
}

/* One parameter's value (token or quoted-string) from v[*i..n) into out
 * (cap bytes with its NUL; out NULL: checked, not kept). */
static int param_value(const char *v, size_t n, size_t *i, char *out, size_t cap,
                       const char **why)
{
    size_t o = 0, k = *i;
    int quoted = k < n && v[k] == '"';
    if (quoted)
        k++;
    for (; k < n; k++) {
        char c = v[k];
        if (quoted && c == '"')
            break;
        if (!quoted && (c == ';' || is_ows(c)))
            break;
        if (quoted && c == '\\') {
            if (++k == n)
                break;
            c = v[k];
        }
        if (c == '\0' || c == '\r' || c == '\n') {
            *why = "a control character in a header parameter";
            return -1;
        }
        if (out && o + 1 >= cap) {
            *why = "a header parameter value too long";
            return -1;
        }
        if (out)
            out[o] = c;
        o++;
    }
    if (quoted && k >= n) {
        *why = "an unterminated quoted string in a header parameter";
        return -1;
    }
    if (out)
        out[o] = '\0';
    *i = quoted ? k + 1 : k;
    return 0;
}

/* The parameter key of a header value v (n bytes, main value first) into
 * out: 1 when it was there, 0 when not, -1 with *why when the parameters
 * are malformed or key is given twice. */
static int param_get(const char *v, size_t n, const char *key, char *out, size_t cap,
                     const char **why)
{
    size_t i = 0, klen = strlen(key);
    int found = 0;
    while (i < n && v[i] != ';')
        i++;
    while (i < n) {
        size_t ks;
        i++; /* the ';' */
        while (i < n && is_ows(v[i]))
            i++;
        if (i == n)
            break; /* a trailing ';' */
        ks = i;
        while (i < n && v[i] != '=' && v[i] != ';' && !is_ows(v[i]))
            i++;
        size_t kn = i - ks;
        while (i < n && is_ows(v[i]))
            i++;
        if (kn == 0 || i == n || v[i] != '=') {
            *why = "a header parameter without '=' and a value";
            return -1;
        }
        i++;
        while (i < n && is_ows(v[i]))
            i++;
        int mine = kn == klen && strncasecmp(v + ks, key, klen) == 0;
        if (mine && found) {
            *why = "a header parameter given twice";
            return -1;
        }
        if (param_value(v, n, &i, mine ? out : NULL, cap, why) != 0)
            return -1;
        found |= mine;
        while (i < n && is_ows(v[i]))
            i++;
        if (i < n && v[i] != ';') {
            *why = "a header parameter followed by junk";
            return -1;
        }
    }
    return found;
}

int mp_is_form(const char *content_type)
{
    return content_type &&
           main_value_is(content_type, strlen(content_type), "multipart/form-data");
}

int mp_boundary(const char *content_type, char out[MP_MAX_BOUNDARY + 1], const char **why)
{
    char b[MP_MAX_BOUNDARY + 2];
    size_t n;
    int rc;
    if (!mp_is_form(content_type)) {
        *why = "the Content-Type is not multipart/form-data";
        return -1;
    }
    rc = param_get(content_type, strlen(content_type), "boundary", b, sizeof b, why);
    if (rc < 0) {
        if (strcmp(*why, "a header parameter value too long") == 0)
            *why = "the multipart boundary is longer than 70 characters";
        return -1;
    }
    if (rc == 0) {
        *why = "the Content-Type has no multipart boundary";
        return -1;
    }
    n = strlen(b);
    if (n == 0 || n > MP_MAX_BOUNDARY) {
        *why = n ? "the multipart boundary is longer than 70 characters"
                 : "the multipart boundary is empty";
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (!is_bchar(b[i])) {
            *why = "the multipart boundary has a character RFC 2046 does not allow";
            return -1;
        }
    if (b[n - 1] == ' ') {
        *why = "the multipart boundary ends in a space";
        return -1;
    }
    memcpy(out, b, n + 1);
    return 0;
}

/* What follows "--" boundary at body[i]: a delimiter line (spaces or
 * tabs, CRLF: *after past it) or the close delimiter ("--"); 0 when
 * neither (the bytes are data). */
static int delim_tail(const char *body, size_t len, size_t i, size_t *after, int *close)
{
    if (i + 2 <= len && body[i] == '-' && body[i + 1] == '-') {
        *close = 1;
        *after = i + 2;
        return 1;
    }
    while (i < len && is_ows(body[i]))
        i++;
    if (i + 2 <= len && body[i] == '\r' && body[i + 1] == '\n') {
        *close = 0;
        *after = i + 2;
        return 1;
    }
    return 0;
}

/* The next delimiter "\r\n--" boundary at or after from: its start (*at,
 * where the data before it ends), *after, *close. 0, or -1 when none. */
static int next_delim(const char *body, size_t len, size_t from, const char *dl, size_t dn,
                      size_t *at, size_t *after, int *close)
{
    while (from < len) {
        const char *p = memmem(body + from, len - from, dl, dn);
        if (!p)
            return -1;
        size_t k = (size_t)(p - body);
        if (delim_tail(body, len, k + dn, after, close)) {
            *at = k;
            return 0;
        }
        from = k + 1;
    }
    return -1;
}

/* Copy a trimmed header value (n bytes) into out. */
static int keep_value(const char *v, size_t n, char *out, const char **why)
{
    while (n && is_ows(*v))
        v++, n--;
    while (n && is_ows(v[n - 1]))
        n--;
    if (n > MP_MAX_VALUE) {
        *why = "a part's Content-Type is too long";
        return -1;
    }
    memcpy(out, v, n);
    out[n] = '\0';
    return 0;
}

/* Content-Disposition: form-data; name="..."[; filename="..."]. */
static int disposition(const char *v, size_t n, mp_part *p, const char **why)
{
    int rc;
    if (!main_value_is(v, n, "form-data")) {
        *why = "a part's Content-Disposition is not form-data";
        return -1;
    }
    rc = param_get(v, n, "name", p->name, sizeof p->name, why);
    if (rc == 1 && !p->name[0])
        rc = 0; /* name="" names nothing */
    if (rc == 0)
        *why = "a part without a name in its Content-Disposition";
    if (rc <= 0)
        return -1;
    rc = param_get(v, n, "filename", p->filename, sizeof p->filename, why);
    if (rc < 0)
        return -1;
    p->has_filename = rc;
    return 0;
}

/* One header line (n bytes, no CRLF) of a part; Content-Disposition's
 * value is kept in *cd (*cdn bytes) and read once every line is in. */
static int header_line(const char *l, size_t n, mp_part *p, const char **cd, size_t *cdn,
                       const char **why)
{
    const char *colon = memchr(l, ':', n);
    size_t kn;
    if (memchr(l, '\0', n)) {
        *why = "a NUL byte in a part header";
        return -1;
    }
    if (is_ows(l[0])) {
        *why = "a folded part header (obsolete line folding)";
        return -1;
    }
    if (!colon || colon == l) {
        *why = "a part header line without a name and ':'";
        return -1;
    }
    kn = (size_t)(colon - l);
    for (size_t i = 0; i < kn; i++)
        if (l[i] <= ' ' || l[i] == 127) {
            *why = "a part header name with a space or a control character";
            return -1;
        }
    const char *v = colon + 1;
    size_t vn = n - kn - 1;
    if (kn == 19 && strncasecmp(l, "Content-Disposition", 19) == 0) {
        if (*cd) {
            *why = "a part with two Content-Disposition headers";
            return -1;
        }
        *cd = v;
        *cdn = vn;
        return 0;
    }
    if (kn == 12 && strncasecmp(l, "Content-Type", 12) == 0)
        return keep_value(v, vn, p->type, why);
    return 0; /* other headers (Content-Transfer-Encoding ...) are ignored */
}

/* A part's headers from body[*pos]: up to and past the empty line. */
static int part_headers(const char *body, size_t len, size_t *pos, mp_part *p, const char **why)
{
    size_t start = *pos, i = *pos, lines = 0, cdn = 0;
    const char *cd = NULL;
    for (;;) {
        size_t room = len - i;
        const char *e = room >= 2 ? memmem(body + i, room, "\r\n", 2) : NULL;
        size_t end = e ? (size_t)(e - body) + 2 : len; /* past this line */
        if (end - start > MP_MAX_HEADER_BYTES) {
            *why = "a part's headers are over 8192 bytes";
            return -1;
        }
        if (!e) {
            *why = "truncated multipart body: a part's headers do not end";
            return -1;
        }
        size_t n = (size_t)(e - (body + i));
        if (n == 0) {
            *pos = i + 2;
            break;
        }
        if (++lines > MP_MAX_HEADERS) {
            *why = "a part with more than 16 header lines";
            return -1;
        }
        if (header_line(body + i, n, p, &cd, &cdn, why) != 0)
            return -1;
        i += n + 2;
    }
    if (!cd) {
        *why = "a part without a Content-Disposition header";
        return -1;
    }
    return disposition(cd, cdn, p, why);
}

int mp_parse(const char *content_type, const char *body, size_t len, mp_form *f,
             const char **why)
{
    char b[MP_MAX_BOUNDARY + 1], dl[MP_MAX_BOUNDARY + 5];
    size_t dn, pos, at, after;
    int close = 0;
    memset(f, 0, sizeof *f);
    *why = NULL;
    if (mp_boundary(content_type, b, why) != 0)
        return -1;
    dn = (size_t)snprintf(dl, sizeof dl, "\r\n--%s", b);
    if (!body)
        body = "", len = 0;
    /* the first delimiter may open the body (no CRLF before it) */
    if (len >= dn - 2 && memcmp(body, dl + 2, dn - 2) == 0 &&
        delim_tail(body, len, dn - 2, &after, &close)) {
        pos = after;
    } else if (next_delim(body, len, 0, dl, dn, &at, &after, &close) == 0) {
        pos = after;
    } else {
        *why = "no multipart boundary delimiter in the body";
        return -1;
    }
    while (!close) {
        if (f->n == MP_MAX_PARTS) {
            *why = "too many parts in the multipart body (limit 16)";
            return -1;
        }
        mp_part *p = &f->parts[f->n];
        if (part_headers(body, len, &pos, p, why) != 0)
            return -1;
        /* an empty part's delimiter may share the empty line's CRLF */
        if (next_delim(body, len, pos - 2, dl, dn, &at, &after, &close) != 0) {
            *why = "truncated multipart body: no closing boundary delimiter";
            return -1;
        }
        p->data = body + pos;
        p->len = at > pos ? at - pos : 0;
        f->n++;
        pos = after;
    }
    return 0;
}
