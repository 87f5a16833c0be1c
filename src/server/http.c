/* http.c -- libmicrohttpd under the service: its internal epoll thread
 * pool accepts and reads requests; for each one, in this order, the
 * in-flight bound (503 with Retry-After), the target (400), the route
 * (404, 405 with Allow), the token (401, 403), the declared body size
 * (413, before a byte of it is read) are checked, then the token's (or the
 * address's) rate (429 with Retry-After, --rate); the body is then held in
 * memory up to --max-body (413 beyond, chunked bodies too) and never
 * written anywhere; the route's handler answers on the pool thread.
 * libmicrohttpd takes a reply only once the headers are in or once the
 * whole request is: refusals come at one of those two points. Every reply
 * is counted (metrics.c) and logged (access.c) as it is queued, so a
 * client that has its answer finds it counted. */
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <microhttpd.h>
#include "router.h"
#include "server.h"

/* One request on its way. */
typedef struct req {
    char *uri;                 /* the raw target, as the client sent it */
    int started;               /* the headers have been seen */
    int counted;               /* counted in svc->inflight */
    int refused;               /* answered before its body: the rest is dropped */
    int too_large;             /* the body passed --max-body: dropped, 413 at its end */
    const srv_route *route;
    srv_target target;
    char *name;                /* the NAME segment */
    char *body;
    size_t len, cap;
    int replied;               /* a reply was queued (and counted, logged) */
    struct timespec t0;        /* its headers came (CLOCK_MONOTONIC) */
    int64_t start_ms;          /* the same, Unix ms */
    char method[24];
    char remote[NI_MAXHOST];
    char holder[128];          /* the token's NAME ("": none) */
} req;

/* ---------------- replies ---------------- */

static void reply_set(srv_reply *rp, int status, const char *type, const char *p, size_t n)
{
    free(rp->body);
    rp->body = NULL;
    rp->len = rp->cap = 0;
    rp->status = status;
    rp->type = type;
    if (srv_reply_append(rp, p, n) != 0)
        rp->oom = 1;
}

void srv_reply_json(srv_reply *rp, int status, const bw_json *j)
{
    if (bw_json_status(j) != BW_OK) {
        rp->oom = 1;
        return;
    }
    reply_set(rp, status, "application/json", j->buf, j->len);
}

void srv_reply_text(srv_reply *rp, int status, const char *text)
{
    reply_set(rp, status, "text/plain; charset=utf-8", text, strlen(text));
}

void srv_reply_error(srv_reply *rp, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    bw_json j;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    bw_json_init(&j);
    bw_hma_error_json(&j, msg);
    srv_reply_json(rp, status, &j);
    bw_json_free(&j);
}

int srv_reply_append(srv_reply *rp, const char *p, size_t n)
{
    if (rp->len + n + 1 > rp->cap) {
        size_t cap = rp->cap ? rp->cap : 256;
        while (cap < rp->len + n + 1)
            cap *= 2;
        char *nb = realloc(rp->body, cap);
        if (!nb)
            return -1;
        rp->body = nb;
        rp->cap = cap;
    }
    memcpy(rp->body + rp->len, p, n);
    rp->len += n;
    rp->body[rp->len] = '\0';
    return 0;
}

/* The request counted and logged, with its reply's status and size. */
static void observe(srv_service *svc, req *r, int status, uint64_t bytes)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t us = (int64_t)(t1.tv_sec - r->t0.tv_sec) * 1000000 +
                 (t1.tv_nsec - r->t0.tv_nsec) / 1000;
    srv_observed o = {r->route, status, bytes, r->start_ms, us > 0 ? (uint64_t)us : 0,
                      r->remote, r->method[0] ? r->method : NULL, r->target.path,
                      r->holder[0] ? r->holder : NULL};
    if (status)
        srv_metrics_request(svc, &o);
    srv_access_write(svc->access, &o);
}

/* The connection's deadline (deadline.c), NULL if it has none. */
static srv_conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* Queue the reply (the body handed to libmicrohttpd, which frees it). */
static enum MHD_Result send_reply(srv_service *svc, struct MHD_Connection *c, req *r,
                                  srv_reply *rp)
{
    static const char oom[] = "{\"message\": \"out of memory\"}";
    struct MHD_Response *resp;
    if (rp->oom || !rp->status) {
        free(rp->body);
        rp->body = NULL;
        rp->status = 503;
        rp->type = "application/json";
        resp = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
    } else {
        resp = MHD_create_response_from_buffer(rp->len, rp->body ? rp->body : (void *)"",
                                               rp->body ? MHD_RESPMEM_MUST_FREE
                                                        : MHD_RESPMEM_PERSISTENT);
    }
    r->replied = 1;
    srv_conn *sc = conn_of(c);
    if (sc) /* from now on the watchdog writes no 408 on this connection */
        srv_conn_replying(svc->deadlines, sc);
    observe(svc, r, resp ? rp->status : 0,
            !resp || strcmp(r->method, "HEAD") == 0 ? 0 : rp->oom ? sizeof oom - 1 : rp->len);
    if (!resp) {
        free(rp->body);
        return MHD_NO;
    }
    char retry[16];
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rp->type);
    if (rp->retry_after) {
        snprintf(retry, sizeof retry, "%d", rp->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry);
    }
    if (rp->status == 405 && rp->allow[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rp->allow);
    if (rp->status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    enum MHD_Result queued = MHD_queue_response(c, (unsigned)rp->status, resp);
    MHD_destroy_response(resp);
    return queued;
}

/* Answer now with an error, before (or instead of) reading the body. */
static enum MHD_Result refuse(srv_service *svc, struct MHD_Connection *c, req *r,
                             srv_reply *rp)
{
    r->refused = 1;
    return send_reply(svc, c, r, rp);
}

/* ---------------- the checks before the body ---------------- */

/* The route of the request, or -1 after filling rp with why not. */
static int route_of(srv_service *svc, req *r, const char *method, srv_reply *rp)
{
    const char *why, *name;
    size_t nlen;
    int rc = srv_target_parse(r->uri, strlen(r->uri), &r->target, &why);
    if (rc) {
        srv_reply_error(rp, rc, "%s", why);
        return -1;
    }
    rc = srv_route_find(svc->routes, svc->nroutes, method, r->target.path, &r->route, &name,
                        &nlen, rp->allow, sizeof rp->allow);
    if (rc == 404)
        srv_reply_error(rp, 404, "The requested URL was not found on the server.");
    else if (rc == 405)
        srv_reply_error(rp, 405, "The method is not allowed for the requested URL.");
    else if (!(r->name = strndup(name, nlen)))
        rp->oom = 1;
    return rc || rp->oom ? -1 : 0;
}

/* The token's verdict on the route, or -1 after filling rp. The tokens
 * are read under the read lock (SIGHUP swaps them under the write lock):
 * the holder's name is copied out before it is let go. */
static int authorised(srv_service *svc, struct MHD_Connection *c, req *r, srv_reply *rp)
{
    const char *holder;
    if (!svc->cfg->tokens || !r->route->scope)
        return 0;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    pthread_rwlock_rdlock(&svc->tokens_lock);
    bw_auth_result a = bw_tokens_check(svc->tokens, h, r->route->scope, &holder);
    if (holder)
        snprintf(r->holder, sizeof r->holder, "%s", holder);
    pthread_rwlock_unlock(&svc->tokens_lock);
    if (a == BW_AUTH_OK)
        return 0;
    if (a == BW_AUTH_FORBIDDEN)
        srv_reply_error(rp, 403, "the token of '%.64s' does not have the scope this route needs",
                        r->holder);
    else
        srv_reply_error(rp, 401, "a valid token is required: Authorization: Bearer TOKEN");
    return -1;
}

/* --rate: the token's bucket (the address's without --tokens), or -1
 * after filling rp with 429. The health checks (routes without a scope)
 * are never limited. */
static int within_rate(srv_service *svc, req *r, srv_reply *rp)
{
    char key[sizeof r->holder + sizeof r->remote + 3];
    if (!svc->limiter || !r->route->scope)
        return 0;
    snprintf(key, sizeof key, "%c:%s", r->holder[0] ? 't' : 'a',
             r->holder[0] ? r->holder : r->remote);
    int wait = srv_limiter_take(svc->limiter, key);
    if (!wait)
        return 0;
    srv_reply_error(rp, 429, "too many requests: over %u a second (--rate); retry in %d s",
                    svc->cfg->rate, wait);
    rp->retry_after = wait;
    return -1;
}

/* Who asked: the client's numeric address. */
static void remote_of(struct MHD_Connection *c, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    socklen_t sl = !sa ? 0
                   : sa->sa_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
                                               : (socklen_t)sizeof(struct sockaddr_in);
    if (!sa || getnameinfo(sa, sl, out, (socklen_t)size, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(out, size, "unknown");
}

/* A declared body larger than the limit is refused before it is read. */
static int body_fits(srv_service *svc, struct MHD_Connection *c, srv_reply *rp)
{
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl)
        return 0;
    unsigned long long n = strtoull(cl, NULL, 10);
    if (n <= svc->cfg->max_body)
        return 0;
    srv_reply_error(rp, 413, "request body too large: %llu bytes (limit %llu, --max-body)", n,
                    (unsigned long long)svc->cfg->max_body);
    return -1;
}

/* The first call for a request: its headers are in. */
static enum MHD_Result begin(srv_service *svc, struct MHD_Connection *c, req *r,
                             const char *method)
{
    srv_reply rp = {0};
    unsigned n = atomic_fetch_add(&svc->inflight, 1) + 1;
    r->counted = 1;
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    r->start_ms = srv_now_ms();
    snprintf(r->method, sizeof r->method, "%s", method);
    remote_of(c, r->remote, sizeof r->remote);
    if (atomic_load(&svc->stopping)) {
        srv_reply_error(&rp, 503, "the server is shutting down");
        rp.retry_after = 1;
        return refuse(svc, c, r, &rp);
    }
    if (n > svc->cfg->max_inflight) {
        srv_reply_error(&rp, 503, "too many requests in flight (limit %u, --max-inflight)",
                        svc->cfg->max_inflight);
        rp.retry_after = 1;
        return refuse(svc, c, r, &rp);
    }
    if (route_of(svc, r, method, &rp) != 0 || authorised(svc, c, r, &rp) != 0 ||
        within_rate(svc, r, &rp) != 0 || body_fits(svc, c, &rp) != 0)
        return refuse(svc, c, r, &rp);
    return MHD_YES;
}

/* Body bytes: kept up to the limit. Past it (a chunked body: its size
 * was not declared) the body is dropped and the rest read without being
 * kept, since libmicrohttpd answers only once a request is in; 413 then
 * comes at its end. A body that goes on past twice the limit and a MiB
 * more is cut off by closing the connection. */
static enum MHD_Result take_body(srv_service *svc, req *r, const char *data, size_t *size)
{
    size_t n = *size;
    *size = 0;
    if (r->too_large || r->len + n > svc->cfg->max_body) {
        free(r->body);
        r->body = NULL;
        r->cap = 0;
        r->too_large = 1;
        r->len += n;
        return r->len > 2 * svc->cfg->max_body + (1u << 20) ? MHD_NO : MHD_YES;
    }
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n)
            cap *= 2;
        char *nb = realloc(r->body, cap);
        if (!nb)
            return MHD_NO;
        r->body = nb;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    return MHD_YES;
}

/* The whole request is in: the handler answers. */
static enum MHD_Result finish(srv_service *svc, struct MHD_Connection *c, req *r)
{
    srv_reply rp = {0};
    srv_request rq = {&r->target, r->name, r->route->body ? r->body : NULL,
                      r->route->body ? r->len : 0,
                      MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_CONTENT_TYPE)};
    if (r->too_large)
        srv_reply_error(&rp, 413, "request body too large: over %llu bytes (--max-body)",
                        (unsigned long long)svc->cfg->max_body);
    else
        r->route->handler(svc, &rq, &rp);
    return send_reply(svc, c, r, &rp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
    srv_service *svc = cls;
    req *r = *req_cls;
    (void)version;
    if (!r) { /* the URI callback did not run: take the decoded URL */
        if (!(r = calloc(1, sizeof *r)) || !(r->uri = strdup(url))) {
            free(r);
            return MHD_NO;
        }
        *req_cls = r;
    }
    if (!r->started) {
        r->started = 1;
        return begin(svc, c, r, method);
    }
    if (r->refused) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size)
        return take_body(svc, r, upload, upload_size);
    return finish(svc, c, r);
}

/* Called with the target as sent, before any decoding: the request's
 * state starts here. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    req *r = calloc(1, sizeof *r);
    (void)cls;
    if (r && !(r->uri = strdup(uri))) {
        free(r);
        return NULL;
    }
    if (r) { /* for a 408 before the headers are in; begin() sets them again */
        clock_gettime(CLOCK_MONOTONIC, &r->t0);
        r->start_ms = srv_now_ms();
        remote_of(c, r->remote, sizeof r->remote);
    }
    return r;
}

/* A connection opens or closes: its deadline starts or ends. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    srv_service *svc = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = ci ? srv_conn_open(svc->deadlines, ci->connect_fd, !svc->tls_cert)
                             : NULL;
    } else if (*socket_context) {
        srv_conn_close(svc->deadlines, *socket_context);
        *socket_context = NULL;
    }
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    srv_service *svc = cls;
    req *r = *req_cls;
    (void)toe;
    srv_conn *sc = conn_of(c);
    size_t timed_out = sc ? srv_conn_took_408(svc->deadlines, sc) : 0;
    if (sc) /* the next request's time starts now */
        srv_conn_restart(svc->deadlines, sc);
    if (!r)
        return;
    /* cut off by --timeout with a 408 (logged and counted as such); or the
     * client went away, or was cut off mid-reply: logged, status 0 */
    if (!r->replied && (r->started || timed_out))
        observe(svc, r, timed_out ? 408 : 0, timed_out);
    if (r->counted)
        atomic_fetch_sub(&svc->inflight, 1);
    srv_target_free(&r->target);
    free(r->uri);
    free(r->name);
    free(r->body);
    free(r);
    *req_cls = NULL;
}

/* --max-connections, over every address: a connection accepted past it
 * is closed at once (libmicrohttpd's own limit, per daemon and split
 * between its threads, is set above it). A few accepted together on the
 * pool's threads may pass it by one each. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
    srv_service *svc = cls;
    (void)addr, (void)len;
    return srv_conn_count(svc->deadlines) < svc->cfg->max_connections ? MHD_YES : MHD_NO;
}

int srv_http_tls_supported(void)
{
    return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

/* One daemon per listening socket, all on the same service. Its own
 * idle timeout is a little longer than --timeout, so that the watchdog
 * (deadline.c), which answers 408, is the one that cuts. With --tls-cert,
 * GnuTLS (through libmicrohttpd) on the certificate and key in memory. */
struct MHD_Daemon *srv_http_start(srv_service *svc, int fd, int ipv6)
{
    const srv_config *cfg = svc->cfg;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC;
    struct MHD_OptionItem tls[] = {{MHD_OPTION_HTTPS_MEM_CERT, 0, svc->tls_cert},
                                   {MHD_OPTION_HTTPS_MEM_KEY, 0, svc->tls_key},
                                   {MHD_OPTION_END, 0, NULL}};
    if (ipv6)
        flags |= MHD_USE_IPv6;
    if (svc->tls_cert)
        flags |= MHD_USE_TLS;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, on_accept, svc, on_request, svc, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(cfg->threads > 1 ? cfg->threads : 0),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->timeout + 2,
        MHD_OPTION_ARRAY, svc->tls_cert ? tls : tls + 2,
        MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)(cfg->max_connections * (cfg->threads > 1 ? cfg->threads : 1) + 64),
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)svc,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)svc,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, (void *)svc, MHD_OPTION_END);
    if (!d)
        fprintf(stderr, "bulwark: serve: cannot start the HTTP server (libmicrohttpd)%s\n",
                svc->tls_cert ? ": is --tls-key the key of --tls-cert?" : "");
    return d;
}

void srv_http_quiesce(struct MHD_Daemon *d)
{
    MHD_quiesce_daemon(d);
}

void srv_http_stop(struct MHD_Daemon *d)
{
    MHD_stop_daemon(d);
}
