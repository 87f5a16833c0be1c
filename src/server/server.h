/* server.h -- `bulwark serve`, the HTTP front door (docs/serve.md). The
 * server is as thin as the CLI: it routes a request (router.h), checks
 * its token and limits, and answers with what the library computes and
 * writes (match.h, hma.h, lists.h, prompt.h); no JSON key is written here.
 *
 *   serve.c    the life of the process: the listening socket, the
 *              matcher loaded behind it, signals, the drain on SIGTERM
 *   http.c     libmicrohttpd: requests in, limits, tokens, replies out
 *   routes.c   the route table and one small handler per route
 *   upload.c   the handlers of the upload routes (hash, look up, scan,
 *              provenance of a request body, held in memory only)
 *   url.c      GET /h/hash?url= and GET /m/lookup?url=: a URL fetched
 *              (bulwark/fetch.h, --fetch-allow), then hashed as an upload
 *   multipart.c multipart/form-data bodies parsed (no HTTP library)
 *   router.c   request targets parsed, routes found (no HTTP library)
 *   deadline.c the watchdog that cuts requests slower than --timeout
 *   metrics.c  the counters behind GET /metrics, in Prometheus's text
 *   access.c   the JSON access log (--log), one write(2) per line
 *   ratelimit.c the per-token (or per-address) token buckets of --rate
 *   routes_ops.c the operations' routes: /metrics, /openapi.json
 *   curate.c   HMA's curation writes: banks, bank content */
#ifndef BW_SERVER_H
#define BW_SERVER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <bulwark/bulwark.h>
#include "router.h"

/* What the verb's options say (src/cli/cmd_serve.c fills it). */
typedef struct srv_config {
    const char *const *listen;   /* HOST:PORT each (port 0: any free port) */
    size_t nlisten;              /* at least one, at most SRV_MAX_LISTEN */
    const char *tls_cert;        /* PEM files: both or neither (NULL: plain HTTP) */
    const char *tls_key;
    const char *db;              /* the store's location */
    const char *tokens;          /* the token file, NULL: none (loopback only) */
    unsigned threads;            /* libmicrohttpd's pool */
    uint64_t max_body;           /* bytes of one request body */
    unsigned max_inflight;       /* requests at once; more get 503 */
    unsigned max_connections;    /* connections at once */
    unsigned timeout;            /* seconds one request (or an idle connection) may take */
    int allow_empty;             /* start without a store: wait for one */
    bw_index_opts iopts;
    const bw_prompt_guard *guard;
    const char *log;             /* the access log's file, NULL or "-": stderr */
    unsigned rate;               /* requests per second per token (or address), 0: no limit */
    bw_fetch_policy fetch;       /* ?url= fetching: --fetch-allow etc.; no hosts: off (403) */
    const char *db_read;         /* lookups and index loads read here (a replica), NULL: db */
    unsigned stale_after;        /* seconds without reaching the store before INDEX-STALE, 0: never */
    const char *index_cache;     /* the index kept in this file between runs, NULL: none */
} srv_config;

#define SRV_MAX_LISTEN 16         /* --listen addresses */

/* Run until SIGTERM or SIGINT; returns the exit code. */
int srv_run(const srv_config *cfg);

/* ---- what http.c, routes.c and serve.c share ---- */

/* The deadline of every connection's current request (deadline.c): a
 * watchdog cuts a connection whose request takes longer than --timeout,
 * with a 408 when no reply was started on it (and it is not TLS: plain). */
typedef struct srv_deadlines srv_deadlines;
typedef struct srv_conn srv_conn;
srv_deadlines *srv_deadlines_start(unsigned seconds);
void srv_deadlines_stop(srv_deadlines *dl);
srv_conn *srv_conn_open(srv_deadlines *dl, int fd, int plain);
void srv_conn_replying(srv_deadlines *dl, srv_conn *c); /* a reply is being queued */
void srv_conn_restart(srv_deadlines *dl, srv_conn *c);  /* a reply went out */
/* The 408's body bytes if one was sent and not asked for before, else 0. */
size_t srv_conn_took_408(srv_deadlines *dl, srv_conn *c);
void srv_conn_close(srv_deadlines *dl, srv_conn *c);
size_t srv_conn_count(srv_deadlines *dl); /* connections open, on every address */

/* The counters of GET /metrics (metrics.c): lock-free atomics, one add
 * per event. */
typedef struct srv_metrics srv_metrics;
/* The access log (access.c). */
typedef struct srv_access srv_access;
/* The token buckets of --rate (ratelimit.c). */
typedef struct srv_limiter srv_limiter;

typedef struct srv_service {
    const srv_config *cfg;
    /* the tokens, swapped by SIGHUP (srv_tokens_reload): requests read
     * them under the read lock, the swap takes the write lock */
    pthread_rwlock_t tokens_lock;
    bw_tokens *tokens;
    _Atomic(bw_matcher *) matcher; /* NULL until the index is loaded */
    atomic_int stopping;
    atomic_uint inflight;
    const struct srv_route *routes;
    size_t nroutes;
    srv_deadlines *deadlines;
    srv_metrics *metrics;
    srv_access *access;
    srv_limiter *limiter;          /* NULL: no --rate */
    _Atomic int64_t index_built_ms; /* when the index in use was built (Unix ms), 0: none */
    _Atomic int64_t index_ok_ms;   /* when the store last answered a refresh (Unix ms) */
    char *tls_cert, *tls_key;      /* the PEM bytes of --tls-cert/--tls-key, NULL: plain */
} srv_service;

/* One request as a handler sees it. */
typedef struct srv_request {
    const struct srv_target *target;
    const char *name;            /* the NAME segment, decoded ("" if none) */
    const char *body;            /* the request body (NULL: none) */
    size_t body_len;
    const char *content_type;    /* its Content-Type header (NULL: none) */
} srv_request;

/* The answer a handler fills in. */
typedef struct srv_reply {
    int status;
    const char *type;            /* Content-Type */
    char *body;                  /* malloc'd */
    size_t len, cap;
    int retry_after;             /* seconds, 0: no Retry-After */
    char allow[64];              /* 405: the Allow header */
    int oom;                     /* the body could not be made */
} srv_reply;

/* The reply's body: j's bytes (JSON) with a status; text; an error as
 * HMA writes one ({"message": ...}, printf-style). */
void srv_reply_json(srv_reply *rp, int status, const bw_json *j);
void srv_reply_text(srv_reply *rp, int status, const char *text);
void srv_reply_error(srv_reply *rp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Append n bytes (JSON Lines); 0, or -1 when out of memory. */
int srv_reply_append(srv_reply *rp, const char *p, size_t n);

/* Whether the index is stale: the store has not answered a refresh for
 * --stale-after seconds (serve.c). */
int srv_index_stale(srv_service *svc);

/* Look up an HMA signal (type name, signal string) in the matcher, as
 * GET /m/lookup does (routes.c): 0 with the matches, or -1 after the
 * error reply (400 bad signal, 503 before the index is loaded). */
int srv_lookup_signal(srv_service *svc, const char *type, const char *signal, srv_reply *rp,
                      bw_matches *ms);

/* The HMA signal of len bytes of a content type, as POST /h/hash hashes
 * an upload, after HMA's types= check: 0, or -1 after the error reply
 * (upload.c). */
int srv_content_signal(bw_hma_content content, const char *data, size_t len, const char *types,
                       bw_hma_signal *sig, srv_reply *rp);

/* The URL routes (url.c): GET /h/hash?url=, and GET /m/lookup when it has
 * a url (routes.c's handler hands it over). 403 without --fetch-allow. */
void srv_h_hash_get(srv_service *svc, const srv_request *rq, srv_reply *rp);
void srv_lookup_url(srv_service *svc, const srv_request *rq, const char *url, srv_reply *rp);
/* The HMA signal of the URL's content (content_type=, types= of rq): 0,
 * or -1 after the reply (403 without --fetch-allow). */
int srv_url_signal(srv_service *svc, const srv_request *rq, const char *url, bw_hma_signal *sig,
                   srv_reply *rp);

/* The upload routes (upload.c): POST /h/hash, POST /m/lookup, POST
 * /v1/scan, POST /v1/provenance. */
void srv_h_hash_post(srv_service *svc, const srv_request *rq, srv_reply *rp);
void srv_h_lookup_post(srv_service *svc, const srv_request *rq, srv_reply *rp);
void srv_h_v1_scan(srv_service *svc, const srv_request *rq, srv_reply *rp);
void srv_h_v1_provenance(srv_service *svc, const srv_request *rq, srv_reply *rp);
/* The HMA signal of the request's upload (multipart/form-data, one file
 * in a field photo or video): 0, or -1 after the reply (upload.c). */
int srv_upload_signal(const srv_request *rq, bw_hma_signal *sig, srv_reply *rp);

/* The curation writes (curate.c): POST /c/banks, PUT|DELETE
 * /c/bank/NAME, POST /c/bank/NAME/signal and /content, GET|PUT|DELETE
 * /c/bank/NAME/content/ID. */
void srv_h_bank_create(srv_service *svc, const srv_request *rq, srv_reply *rp);
void srv_h_bank_update(srv_service *svc, const srv_request *rq, srv_reply *rp);
void srv_h_bank_delete(srv_service *svc, const srv_request *rq, srv_reply *rp);
void srv_h_bank_signal(srv_service *svc, const srv_request *rq, srv_reply *rp);
void srv_h_bank_content_add(srv_service *svc, const srv_request *rq, srv_reply *rp);
void srv_h_content_get(srv_service *svc, const srv_request *rq, srv_reply *rp);
void srv_h_content_update(srv_service *svc, const srv_request *rq, srv_reply *rp);
void srv_h_content_delete(srv_service *svc, const srv_request *rq, srv_reply *rp);

/* ---- operations (metrics.c, access.c, ratelimit.c, routes_ops.c) ---- */

/* What one answered request was, for the metrics and the access log. */
typedef struct srv_observed {
    const struct srv_route *route; /* NULL: none matched */
    int status;                    /* 0: no reply (the client went away) */
    uint64_t bytes;
    int64_t start_ms;              /* Unix ms of its headers */
    uint64_t micros;               /* from its headers to its reply */
    const char *remote, *method, *path, *token;
} srv_observed;

srv_metrics *srv_metrics_new(size_t nroutes);
void srv_metrics_free(srv_metrics *m);
/* A request answered: its route's counters and latency. */
void srv_metrics_request(srv_service *svc, const srv_observed *o);
/* Matches answered, counted by list (banks: HMA's filter, NULL: all). */
void srv_metrics_matches(srv_service *svc, const bw_matches *ms, const char *banks);
/* A SIGHUP's reload of the tokens: ok or not. */
void srv_metrics_token_reload(srv_service *svc, int ok);
/* The exposition (text format 0.0.4) into rp; -1 when out of memory. */
int srv_metrics_write(srv_service *svc, srv_reply *rp);

/* Open the access log (path NULL or "-": stderr); NULL after a message. */
srv_access *srv_access_open(const char *path);
void srv_access_close(srv_access *a);
void srv_access_write(srv_access *a, const srv_observed *o);

/* rate requests a second per key, bursts of rate; a bounded table. */
srv_limiter *srv_limiter_new(unsigned rate);
void srv_limiter_free(srv_limiter *l);
/* 0: the request may go; else the seconds to wait (Retry-After). */
int srv_limiter_take(srv_limiter *l, const char *key);

/* SIGHUP: read the token file again and swap it in; a file that does not
 * load keeps the tokens there are, and says why on stderr. */
void srv_tokens_reload(srv_service *svc);

/* The current time, Unix milliseconds. */
int64_t srv_now_ms(void);

/* The operations' handlers (routes_ops.c). */
void srv_h_metrics(srv_service *svc, const srv_request *rq, srv_reply *rp);
void srv_h_openapi(srv_service *svc, const srv_request *rq, srv_reply *rp);

/* The route table (routes.c). */
extern const struct srv_route srv_routes[];
extern const size_t srv_nroutes;

/* Start libmicrohttpd on the listening socket fd (http.c); NULL after
 * printing why. srv_http_quiesce stops accepting; srv_http_stop ends it. */
struct MHD_Daemon;
int srv_http_tls_supported(void); /* libmicrohttpd was built with GnuTLS */
struct MHD_Daemon *srv_http_start(srv_service *svc, int fd, int ipv6);
void srv_http_quiesce(struct MHD_Daemon *d);
void srv_http_stop(struct MHD_Daemon *d);

#endif
