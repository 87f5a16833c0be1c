/* routes_ops.c -- the operations' routes of `bulwark serve`: GET /metrics
 * (metrics.c writes the exposition) and GET /openapi.json.
 *
 * The OpenAPI document is a data file, data/openapi.json, compiled into
 * the tool at build time (cmake/embed.cmake makes a C array of its bytes)
 * and served as it is. A data file rather than a document built here from
 * the route table: its schemas are JSON, reviewed as JSON, and C strings
 * of JSON Schema would be neither readable nor checkable; the route table
 * is kept honest instead by tests/server/openapi.sh, which fails when the
 * document's paths and the table's routes (/site-map) differ, and which
 * validates every GET route's real answers against the document's
 * schemas. */
#include <stddef.h>
#include "router.h"
#include "server.h"

/* data/openapi.json's bytes (made by cmake/embed.cmake). */
extern const unsigned char srv_openapi_json[];
extern const size_t srv_openapi_json_len;

void srv_h_metrics(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    (void)rq;
    rp->status = 200;
    rp->type = "text/plain; version=0.0.4; charset=utf-8";
    if (srv_metrics_write(svc, rp) != 0)
        rp->oom = 1;
}

void srv_h_openapi(srv_service *svc, const srv_request *rq, srv_reply *rp)
{
    (void)svc, (void)rq;
    rp->status = 200;
    rp->type = "application/json";
    if (srv_reply_append(rp, (const char *)srv_openapi_json, srv_openapi_json_len) != 0)
        rp->oom = 1;
}
