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
 *   multipart.c multipart/form-data bodies parsed (no HTTP library)
 *   router.c   request targets parsed, routes found (no HTTP library)
 *   deadline.c the watchdog that cuts requests slower than --timeout */
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
    const char *listen;          /* HOST:PORT (port 0: any free port) */
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
} srv_config;

/* Run until SIGTERM or SIGINT; returns the exit code. */
int srv_run(const srv_config *cfg);

/* ---- what http.c, routes.c and serve.c share ---- */

/* The deadline of every connection's current request (deadline.c): a
 * watchdog cuts a connection whose request takes longer than --timeout. */
typedef struct srv_deadlines srv_deadlines;
typedef struct srv_conn srv_conn;
srv_deadlines *srv_deadlines_start(unsigned seconds);
void srv_deadlines_stop(srv_deadlines *dl);
srv_conn *srv_conn_open(srv_deadlines *dl, int fd);
void srv_conn_restart(srv_deadlines *dl, srv_conn *c); /* a reply went out */
void srv_conn_close(srv_deadlines *dl, srv_conn *c);

typedef struct srv_service {
    const srv_config *cfg;
    bw_tokens *tokens;
    _Atomic(bw_matcher *) matcher; /* NULL until the index is loaded */
    atomic_int stopping;
    atomic_uint inflight;
    const struct srv_route *routes;
    size_t nroutes;
    srv_deadlines *deadlines;
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

/* Look up an HMA signal (type name, signal string) in the matcher, as
 * GET /m/lookup does (routes.c): 0 with the matches, or -1 after the
 * error reply (400 bad signal, 503 before the index is loaded). */
int srv_lookup_signal(srv_service *svc, const char *type, const char *signal, srv_reply *rp,
                      bw_matches *ms);

/* The upload routes (upload.c): POST /h/hash, POST /m/lookup, POST
 * /v1/scan, POST /v1/provenance; and GET /h/hash?url= (403: no fetching). */
void srv_h_hash_get(srv_service *svc, const srv_request *rq, srv_reply *rp);
void srv_h_hash_post(srv_service *svc, const srv_request *rq, srv_reply *rp);
void srv_h_lookup_post(srv_service *svc, const srv_request *rq, srv_reply *rp);
void srv_h_v1_scan(srv_service *svc, const srv_request *rq, srv_reply *rp);
void srv_h_v1_provenance(srv_service *svc, const srv_request *rq, srv_reply *rp);

/* The route table (routes.c). */
extern const struct srv_route srv_routes[];
extern const size_t srv_nroutes;

/* Start libmicrohttpd on the listening socket fd (http.c); NULL after
 * printing why. srv_http_quiesce stops accepting; srv_http_stop ends it. */
struct MHD_Daemon;
struct MHD_Daemon *srv_http_start(srv_service *svc, int fd, int ipv6);
void srv_http_quiesce(struct MHD_Daemon *d);
void srv_http_stop(struct MHD_Daemon *d);

#endif
