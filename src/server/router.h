/* router.h -- the service's routes as a table, and the parsing of a
 * request target. No HTTP library here: the bytes of the target come in,
 * a decoded path, the query parameters and the route go out, so that the
 * fuzz target (fuzz/fuzz_router.c) drives exactly what the server runs.
 *
 * A route is one row: method, path, the scope a token needs, the handler.
 * A path is literal ("/m/raw_lookup") or holds a NAME segment, written
 * "*" (as in /c/bank/NAME: any non-empty segment without a slash), which the handler
 * gets decoded, and perhaps a second one (/c/bank/NAME/content/ID), which
 * the handler reads from the path. The router answers 404 when no path matches, 405 (with
 * the methods that would do) when the path matches but not the method. */
#ifndef BW_SERVER_ROUTER_H
#define BW_SERVER_ROUTER_H

#include <stddef.h>

/* At most this many query parameters, and this many bytes of target. */
#define SRV_MAX_PARAMS 32
#define SRV_MAX_TARGET 8192

typedef struct srv_param {
    const char *key, *value;   /* decoded, NUL-terminated */
} srv_param;

/* A parsed request target: "/path?k=v&k2=v2". */
typedef struct srv_target {
    char *path;                /* decoded */
    srv_param params[SRV_MAX_PARAMS];
    size_t nparams;
    char *mem;                 /* holds the strings; free with srv_target_free */
} srv_target;

/* Parse the target (len bytes). 0, or 400 with *why saying what is wrong:
 * not starting with '/', a bad %-escape, an escaped NUL, a path segment
 * "." or "..", too long, too many parameters. Percent-escapes are decoded
 * in the path and in keys and values, '+' is a space in the query. */
int srv_target_parse(const char *uri, size_t len, srv_target *t, const char **why);
void srv_target_free(srv_target *t);

/* The first value of a parameter, or NULL. */
const char *srv_param_get(const srv_target *t, const char *key);

struct srv_request;
struct srv_reply;
struct srv_service;
typedef void (*srv_handler)(struct srv_service *svc, const struct srv_request *rq,
                            struct srv_reply *rp);

typedef struct srv_route {
    const char *method;        /* "GET", "POST" (HEAD is served as GET) */
    const char *path;          /* literal, or with one or two "*" segments */
    unsigned scope;            /* BW_SCOPE_* a token needs; 0: public */
    int body;                  /* reads a request body */
    srv_handler handler;
    const char *site;          /* as /site-map shows it ("/c/bank/<bank_name>") */
} srv_route;

/* Find the route of method and path in table (n rows). Returns 0 with
 * *route and the NAME segment (name, name_len; empty for a literal path),
 * 404, or 405 with allow (a buffer of allow_size bytes) listing the
 * methods the path has, comma-separated. */
int srv_route_find(const srv_route *table, size_t n, const char *method, const char *path,
                   const srv_route **route, const char **name, size_t *name_len, char *allow,
                   size_t allow_size);

#endif
