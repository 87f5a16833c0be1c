/* access.c -- the access log record of `bulwark serve` (bulwark/service.h):
 * one JSON object per request, written here so that the server writes no
 * JSON key of its own. */
#include <stdio.h>
#include <time.h>
#include "bulwark/service.h"

/* ISO 8601 UTC with milliseconds: 2026-12-03T14:14:44.123Z */
static void iso_time(char *out, size_t size, int64_t ms)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (ms < 0 || !gmtime_r(&s, &tm)) {
        snprintf(out, size, "1970-01-01T00:00:00.000Z");
        return;
    }
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static void string_or_null(bw_json *j, const char *key, const char *s)
{
    bw_json_key(j, key);
    if (s)
        bw_json_string(j, s);
    else
        bw_json_null(j);
}

void bw_access_log_json(bw_json *j, const bw_access_record *r)
{
    char when[96];
    iso_time(when, sizeof when, r->time_ms);
    bw_json_object_begin(j);
    bw_json_key(j, "time");
    bw_json_string(j, when);
    string_or_null(j, "remote", r->remote);
    string_or_null(j, "method", r->method);
    string_or_null(j, "route", r->route);
    string_or_null(j, "path", r->path);
    bw_json_key(j, "status");
    bw_json_int(j, r->status);
    bw_json_key(j, "bytes");
    bw_json_uint(j, r->bytes);
    bw_json_key(j, "duration_ms");
    bw_json_fixed(j, r->duration_ms, 3);
    string_or_null(j, "token", r->token);
    bw_json_object_end(j);
}
