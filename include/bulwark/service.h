/* bulwark/service.h -- what `bulwark serve` writes about itself, as the
 * library writes every JSON shape (docs/design.md): its access log record.
 *
 * One record per request, one JSON object on one line (docs/serve.md,
 * "Access log"): {"time", "remote", "method", "route", "path", "status",
 * "bytes", "duration_ms", "token"}. The path is the request's path
 * without its query string (queries carry hashes), the token is the
 * token's NAME from the token file, never the token; a body is never
 * part of a record. */
#ifndef BULWARK_SERVICE_H
#define BULWARK_SERVICE_H

#include <stddef.h>
#include <stdint.h>
#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bw_access_record {
    int64_t time_ms;           /* when the request came, Unix milliseconds (UTC) */
    const char *remote;        /* the client's address, numeric ("127.0.0.1") */
    const char *method;        /* as the client sent it */
    const char *route;         /* the route's pattern ("/c/bank/<bank_name>"), NULL: none */
    const char *path;          /* the path, without the query; NULL: none */
    int status;                /* the HTTP status sent, 0: none (the client went away) */
    uint64_t bytes;            /* bytes of the reply's body */
    double duration_ms;        /* from the request's headers to its reply */
    const char *token;         /* the token's NAME, NULL: no known token */
} bw_access_record;

/* The record as one JSON object (no newline): time as ISO 8601 UTC with
 * milliseconds ("2026-12-03T14:14:44.123Z"), duration_ms with three
 * decimals, route, path and token null when NULL. */
void bw_access_log_json(bw_json *j, const bw_access_record *r);

#ifdef __cplusplus
}
#endif
#endif
