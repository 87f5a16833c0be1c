/* fetch.c -- one URL fetched into memory under a policy (bulwark/fetch.h),
 * with libcurl. libcurl never follows a redirect itself: each hop's URL is
 * parsed with curl_url(), its scheme and host checked against the policy,
 * and handed to libcurl as that parsed handle (CURLOPT_CURLU), so that the
 * host checked is the host connected to. The address connected to is
 * checked in the open-socket callback, after DNS; the size cap in the
 * header callback (Content-Length) and the write callback (the body). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <curl/curl.h>
#include "bulwark/fetch.h"
#include "bulwark/version.h"
#include "core/internal.h"

/* ---------------- addresses ---------------- */

/* 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16, and
 * multicast and reserved (224/3). */
static int private_v4(const uint8_t a[4])
{
    return a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 ||
           (a[0] == 100 && (a[1] & 0xc0) == 64) || (a[0] == 169 && a[1] == 254) ||
           (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168);
}

/* ::/96 (::, ::1, IPv4-compatible), IPv4-mapped ::ffff:0:0/96 and NAT64
 * 64:ff9b::/96 by their IPv4 address; fc00::/7, fe80::/10, ff00::/8. */
static int private_v6(const uint8_t a[16])
{
    static const uint8_t zero[12] = {0};
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b};
    if (memcmp(a, zero, 12) == 0 || memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
        return private_v4(a + 12);
    return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff;
}

int bw_fetch_address_private(const char *ip)
{
    uint8_t a[16];
    if (ip && inet_pton(AF_INET, ip, a) == 1)
        return private_v4(a);
    if (ip && inet_pton(AF_INET6, ip, a) == 1)
        return private_v6(a);
    return -1;
}

/* Whether a socket address is private; its text in text. */
static int sockaddr_private(const struct sockaddr *sa, char *text, size_t n)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)(const void *)sa;
        inet_ntop(AF_INET, &s->sin_addr, text, (socklen_t)n);
        return private_v4((const uint8_t *)&s->sin_addr);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)(const void *)sa;
        inet_ntop(AF_INET6, &s->sin6_addr, text, (socklen_t)n);
        return private_v6(s->sin6_addr.s6_addr);
    }
    snprintf(text, n, "(family %d)", sa->sa_family);
    return 1; /* not IP: never */
}

/* ---------------- the allow list ---------------- */

/* An entry's host (its length) and port (0: any); -1 if it is malformed. */
static int entry_split(const char *e, size_t *hostlen, long *port)
{
    const char *colon = strrchr(e, ':'), *close = strchr(e, ']');
    *port = 0;
    *hostlen = strlen(e);
    if (e[0] == '[' && !close)
        return -1;
    if (colon && (!close || colon > close)) {
        char *end;
        if (colon[1] < '0' || colon[1] > '9')
            return -1;
        long p = strtol(colon + 1, &end, 10);
        if (*end || p < 1 || p > 65535)
            return -1;
        *port = p;
        *hostlen = (size_t)(colon - e);
    }
    return *hostlen ? 0 : -1;
}

bw_status bw_fetch_policy_check(const bw_fetch_policy *p, bw_error *err)
{
    for (size_t i = 0; i < p->nallow; i++) {
        size_t n;
        long port;
        if (!p->allow[i] || entry_split(p->allow[i], &n, &port) != 0)
            return bw__fail(err, BW_ERR_ARG, "'%.100s': expected HOST or HOST:PORT (port 1-65535)",
                            p->allow[i] ? p->allow[i] : "");
    }
    return BW_OK;
}

static int host_allowed(const bw_fetch_policy *p, const char *host, long port)
{
    for (size_t i = 0; i < p->nallow; i++) {
        size_t n;
        long eport;
        if (entry_split(p->allow[i], &n, &eport) == 0 && n == strlen(host) &&
            strncasecmp(p->allow[i], host, n) == 0 && (eport == 0 || eport == port))
            return 1;
    }
    return 0;
}

/* ---------------- one hop's URL ---------------- */

/* Parse url and check it against the policy: BW_OK with *out the parsed
 * URL (curl_url_cleanup), or the refusal. from: the URL that redirected
 * here, NULL for the first. */
static bw_status check_url(const bw_fetch_policy *p, const char *url, const char *from,
                           CURLU **out, bw_error *err)
{
    char *scheme = NULL, *host = NULL, *port = NULL;
    bw_status st = BW_OK;
    CURLU *u = curl_url();
    CURLUcode rc;
    if (!u)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if ((rc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME)) != CURLUE_OK)
        st = bw__fail(err, BW_ERR_ARG, "%.100s: not a URL (%s)", url, curl_url_strerror(rc));
    else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
             (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0))
        st = bw__fail(err, BW_ERR_ARG, "%.100s: scheme '%.20s' is not http or https%s%.80s", url,
                      scheme ? scheme : "", from ? ", redirected from " : "", from ? from : "");
    else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
             curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
        st = bw__fail(err, BW_ERR_ARG, "%.100s: no host", url);
    else if (!host_allowed(p, host, strtol(port, NULL, 10)))
        st = from ? bw__fail(err, BW_ERR_ARG, "%.100s: redirect to a host not allowed (%.60s:%s)",
                             from, host, port)
                  : bw__fail(err, BW_ERR_ARG, "%.100s: host not allowed (%.60s:%s)", url, host,
                             port);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    if (st != BW_OK)
        curl_url_cleanup(u);
    else
        *out = u;
    return st;
}

/* ---------------- the transfer ---------------- */

typedef struct xfer {
    const bw_fetch_policy *p;
    unsigned char *buf;
    size_t len, cap;
    int too_large, nomem, refused;
    char addr[INET6_ADDRSTRLEN + 16];
} xfer;

/* The body, in memory, at most max_bytes. */
static size_t on_write(char *ptr, size_t size, size_t n, void *ctx)
{
    xfer *x = ctx;
    size_t add = size * n;
    if (add > x->p->max_bytes - x->len) {
        x->too_large = 1;
        return 0;
    }
    if (x->len + add > x->cap) {
        size_t cap = x->cap ? x->cap : 65536;
        while (cap < x->len + add)
            cap *= 2;
        if (cap > x->p->max_bytes)
            cap = (size_t)x->p->max_bytes;
        unsigned char *b = bw__realloc(x->buf, cap);
        if (!b) {
            x->nomem = 1;
            return 0;
        }
        x->buf = b;
        x->cap = cap;
    }
    memcpy(x->buf + x->len, ptr, add);
    x->len += add;
    return add;
}

/* A declared Content-Length over the cap ends the transfer before its body. */
static size_t on_header(char *b, size_t size, size_t n, void *ctx)
{
    xfer *x = ctx;
    size_t len = size * n;
    if (len > 15 && strncasecmp(b, "content-length:", 15) == 0) {
        char num[32];
        size_t k = len - 15 < sizeof num - 1 ? len - 15 : sizeof num - 1;
        memcpy(num, b + 15, k);
        num[k] = 0;
        if (strtoull(num, NULL, 10) > x->p->max_bytes) {
            x->too_large = 1;
            return 0;
        }
    }
    return len;
}

/* The address connected to, after DNS: private ones refused unless allowed. */
static curl_socket_t on_open(void *ctx, curlsocktype purpose, struct curl_sockaddr *a)
{
    xfer *x = ctx;
    if (purpose != CURLSOCKTYPE_IPCXN)
        return CURL_SOCKET_BAD;
    if (sockaddr_private(&a->addr, x->addr, sizeof x->addr) && !x->p->allow_private) {
        x->refused = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;
static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The options every hop shares. */
static int set_common(CURL *h, xfer *x, char *errbuf)
{
    int bad = 0;
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_PROXY, "") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_USERAGENT, "bulwark/" BW_VERSION_STRING) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_HEADERDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, x) != CURLE_OK;
    return bad ? -1 : 0;
}

/* A failed perform as a bw_status and a sentence. */
static bw_status perform_failed(CURL *h, const xfer *x, CURLcode rc, const char *url,
                                unsigned timeout_ms, const char *errbuf, bw_error *err)
{
    long code = 0;
    if (x->nomem || rc == CURLE_OUT_OF_MEMORY)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if (x->refused)
        return bw__fail(err, BW_ERR_ARG, "%.100s: address %s is private or loopback", url,
                        x->addr);
    if (x->too_large || rc == CURLE_FILESIZE_EXCEEDED)
        return bw__fail(err, BW_ERR_LIMIT, "%.100s: larger than %llu bytes", url,
                        (unsigned long long)x->p->max_bytes);
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return bw__fail(err, BW_ERR_IO, "%.100s: timed out after %u ms", url, timeout_ms);
    if (rc == CURLE_HTTP_RETURNED_ERROR) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        return bw__fail(err, BW_ERR_IO, "%.100s: HTTP status %ld", url, code);
    }
    if (rc == CURLE_UNSUPPORTED_PROTOCOL)
        return bw__fail(err, BW_ERR_ARG, "%.100s: scheme is not http or https", url);
    return bw__fail(err, BW_ERR_IO, "%.100s: %.100s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

/* One hop: BW_OK with *next the redirect's target (malloc'd) or NULL
 * when the body is in x. */
static bw_status hop(CURL *h, xfer *x, CURLU *u, const char *url, int64_t deadline,
                     char **next, bw_error *err)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    unsigned timeout_ms = x->p->timeout_ms ? x->p->timeout_ms : 10000;
    int64_t left = deadline - now_ms();
    long code = 0;
    char *loc = NULL;
    *next = NULL;
    x->len = 0;
    if (left <= 0)
        return bw__fail(err, BW_ERR_IO, "%.100s: timed out after %u ms", url, timeout_ms);
    if (set_common(h, x, errbuf) != 0 || curl_easy_setopt(h, CURLOPT_CURLU, u) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)left) != CURLE_OK ||
        (x->p->max_bytes && curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                                             (curl_off_t)x->p->max_bytes) != CURLE_OK))
        return bw__fail(err, BW_ERR_INTERNAL, "libcurl refused an option");
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK)
        return perform_failed(h, x, rc, url, timeout_ms, errbuf, err);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 300 && code < 400 && curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK &&
        loc) {
        if (!(*next = bw__strdup(loc)))
            return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    return BW_OK;
}

/* The final hop's results into out (the body moves out of x). */
static bw_status take(CURL *h, xfer *x, const char *url, bw_fetched *out, bw_error *err)
{
    char *ct = NULL;
    curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
    out->url = bw__strdup(url);
    out->content_type = ct ? bw__strdup(ct) : NULL;
    if (!out->url || (ct && !out->content_type))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    out->data = x->buf ? x->buf : bw__malloc(1);
    if (!out->data)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    out->len = x->len;
    x->buf = NULL;
    return BW_OK;
}

bw_status bw_fetch(const bw_fetch_policy *p, const char *url, bw_fetched *out, bw_error *err)
{
    bw_status st;
    CURLU *u = NULL, *prev = NULL;
    char *cur = NULL, *from = NULL;
    xfer x = {.p = p};
    memset(out, 0, sizeof *out);
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return bw__fail(err, BW_ERR_INTERNAL, "libcurl: %s", curl_easy_strerror(curl_init_rc));
    CURL *h = curl_easy_init();
    if (!h || !(cur = bw__strdup(url))) {
        curl_easy_cleanup(h);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    int64_t deadline = now_ms() + (p->timeout_ms ? p->timeout_ms : 10000);
    for (unsigned hops = 0;; hops++) {
        char *next = NULL;
        if ((st = check_url(p, cur, from, &u, err)) != BW_OK)
            break;
        st = hop(h, &x, u, cur, deadline, &next, err);
        curl_url_cleanup(prev); /* the handle held it until now */
        prev = u;
        if (st != BW_OK)
            break;
        if (!next) {
            st = take(h, &x, cur, out, err);
            break;
        }
        if (hops >= p->max_redirects) {
            free(next);
            st = bw__fail(err, BW_ERR_ARG, "%.100s: too many redirects (more than %u)", url,
                          p->max_redirects);
            break;
        }
        free(from);
        from = cur;
        cur = next;
    }
    curl_easy_cleanup(h);
    curl_url_cleanup(prev);
    free(cur);
    free(from);
    free(x.buf);
    if (st != BW_OK)
        bw_fetched_free(out);
    return st;
}

void bw_fetched_free(bw_fetched *f)
{
    if (!f)
        return;
    free(f->data);
    free(f->content_type);
    free(f->url);
    memset(f, 0, sizeof *f);
}
