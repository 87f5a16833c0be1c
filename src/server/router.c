/* router.c -- request targets parsed and routes found (router.h). The
 * target is untrusted bytes: every escape is checked, an escaped NUL or a
 * dot segment is refused rather than "normalised", and the decoded
 * strings live in one buffer no larger than twice the target. */
#include <stdlib.h>
#include <string.h>
#include <bulwark/digest.h>
#include "router.h"

/* Decode s[0..n) into out (NUL-terminated); plus: '+' is a space.
 * Returns the end of out, or NULL with *why set. */
static char *decode(const char *s, size_t n, int plus, char *out, const char **why)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            uint8_t byte;
            if (i + 2 >= n || bw_hex_decode(s + i + 1, 2, &byte, 1) != BW_OK) {
                *why = "a bad %-escape in the request target";
                return NULL;
            }
            c = (char)byte;
            if (c == '\0') {
                *why = "an escaped NUL byte in the request target";
                return NULL;
            }
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        *out++ = c;
    }
    *out++ = '\0';
    return out;
}

/* A decoded path with a "." or ".." segment is refused: nothing here
 * serves files, but no path should mean two things. */
static int has_dot_segment(const char *p)
{
    for (const char *s = p; *s;) {
        const char *e = strchr(s + 1, '/');
        size_t n = e ? (size_t)(e - s) - 1 : strlen(s) - 1;
        if ((n == 1 && s[1] == '.') || (n == 2 && s[1] == '.' && s[2] == '.'))
            return 1;
        if (!e)
            break;
        s = e;
    }
    return 0;
}

/* The query's parameters, decoded into out. */
static int parse_query(const char *q, size_t n, srv_target *t, char *out, const char **why)
{
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && q[e] != '&')
            e++;
        if (e > i) {
            const char *eq = memchr(q + i, '=', e - i);
            size_t kn = eq ? (size_t)(eq - (q + i)) : e - i;
            if (t->nparams == SRV_MAX_PARAMS) {
                *why = "too many query parameters";
                return 400;
            }
            srv_param *p = &t->params[t->nparams++];
            p->key = out;
            if (!(out = decode(q + i, kn, 1, out, why)))
                return 400;
            p->value = out;
            size_t vs = eq ? kn + 1 : e - i;
            if (!(out = decode(q + i + vs, e - i - vs, 1, out, why)))
                return 400;
        }
        i = e + 1;
    }
    return 0;
}

int srv_target_parse(const char *uri, size_t len, srv_target *t, const char **why)
{
    memset(t, 0, sizeof *t);
    *why = NULL;
    if (len > SRV_MAX_TARGET) {
        *why = "request target too long";
        return 400;
    }
    if (len == 0 || uri[0] != '/' || memchr(uri, '\0', len)) {
        *why = "the request target must be a path starting with '/'";
        return 400;
    }
    if (!(t->mem = malloc(2 * len + 4))) {
        *why = "out of memory";
        return 503;
    }
    const char *qm = memchr(uri, '?', len);
    size_t pn = qm ? (size_t)(qm - uri) : len;
    char *out = decode(uri, pn, 0, t->mem, why);
    int rc = out ? 0 : 400;
    t->path = t->mem;
    if (rc == 0 && has_dot_segment(t->path)) {
        *why = "a '.' or '..' segment in the path";
        rc = 400;
    }
    if (rc == 0 && qm)
        rc = parse_query(qm + 1, len - pn - 1, t, out, why);
    if (rc != 0)
        srv_target_free(t);
    return rc;
}

void srv_target_free(srv_target *t)
{
    free(t->mem);
    memset(t, 0, sizeof *t);
}

const char *srv_param_get(const srv_target *t, const char *key)
{
    for (size_t i = 0; i < t->nparams; i++)
        if (strcmp(t->params[i].key, key) == 0)
            return t->params[i].value;
    return NULL;
}

/* Whether the segment of path at p fits, up to the next '/' or the end:
 * its length, or 0 when it is empty. */
static size_t segment(const char *p)
{
    return strcspn(p, "/");
}

/* Whether path fits the row's pattern; the NAME segment if it has one. A
 * pattern holds at most two "*" segments (/c/bank/NAME/content/ID): the
 * first is the NAME, the second is left in the path for the handler. */
static int path_fits(const char *pattern, const char *path, const char **name, size_t *nlen)
{
    const char *pa = pattern, *p = path;
    int stars = 0;
    *name = path + strlen(path);
    *nlen = 0;
    while (*pa) {
        if (*pa == '*') {
            size_t n = segment(p);
            if (n == 0)
                return 0;
            if (stars++ == 0) {
                *name = p;
                *nlen = n;
            }
            pa++;
            p += n;
            continue;
        }
        if (*pa != *p)
            return 0;
        pa++;
        p++;
    }
    return *p == '\0';
}

static void allow_add(char *allow, size_t size, const char *method)
{
    size_t have = strlen(allow);
    if (strstr(allow, method) || have + strlen(method) + 3 > size)
        return;
    if (have)
        strcat(allow, ", ");
    strcat(allow, method);
}

int srv_route_find(const srv_route *table, size_t n, const char *method, const char *path,
                   const srv_route **route, const char **name, size_t *name_len, char *allow,
                   size_t allow_size)
{
    int path_known = 0;
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    *route = NULL;
    if (allow_size)
        allow[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *nm;
        size_t nl;
        if (!path_fits(table[i].path, path, &nm, &nl))
            continue;
        path_known = 1;
        if (strcmp(table[i].method, m) == 0) {
            *route = &table[i];
            *name = nm;
            *name_len = nl;
            return 0;
        }
        if (allow_size)
            allow_add(allow, allow_size, table[i].method);
    }
    return path_known ? 405 : 404;
}
