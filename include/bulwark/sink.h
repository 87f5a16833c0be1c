/* bulwark/sink.h -- where a verb's records go. Every verb of the tool is a
 * library operation in three parts, as libvips's operations are: a
 * request struct (what to do, filled by any front door from its own
 * syntax), a run call (bw_hash_run, ...: the whole pipeline -- walk, pool,
 * decode, hash, look up), and a sink, which receives each record in input
 * order on the caller's thread with the record's JSON already written by
 * the library. The CLI's sink prints; the service's sink will stream the
 * same bytes to a socket. */
#ifndef BULWARK_SINK_H
#define BULWARK_SINK_H

#include <stddef.h>
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One record of a verb. */
typedef struct bw_sink_record {
    const char *path;       /* the input the record is about ("-": stdin) */
    bw_status status;       /* BW_OK, or why this input failed */
    const char *error;      /* the message when status is not BW_OK */
    const void *result;     /* the verb's own result (bw_hash_result * for hash), or
                             * NULL when nothing was computed; valid during the call */
    const char *json;       /* the record as JSON (no newline), when the sink wants it */
    size_t json_len;
    const char *note;       /* a problem that did not stop this record (an unreadable
                             * sidecar, ...), for a diagnostic; NULL: none */
} bw_sink_record;

typedef struct bw_sink {
    int want_json;          /* write each record's JSON into bw_sink_record.json */
    void (*record)(void *ctx, const bw_sink_record *rec);
    void *ctx;
} bw_sink;

#ifdef __cplusplus
}
#endif
#endif
