/* bulwark/json.h -- a small JSON writer into a growable buffer.
 *
 * Records (hash results, matches, verdicts) are turned into JSON by the
 * library so that the CLI and the server write the same bytes. Strings are
 * escaped as RFC 8259 requires; a byte that is not part of valid UTF-8
 * (an odd file name) is written as U+FFFD, so output is always valid JSON.
 * Paths keep their exact bytes with bw_json_path. Commas are placed
 * automatically. */
#ifndef BULWARK_JSON_H
#define BULWARK_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BW_JSON_MAX_NEST 32

typedef struct bw_json {
    char *buf;
    size_t len, cap;
    int depth;
    int need_comma[BW_JSON_MAX_NEST];
    int after_key;
    int failed;               /* an allocation failed: buf is incomplete */
} bw_json;

void bw_json_init(bw_json *j);
void bw_json_reset(bw_json *j);  /* empty it, keep the memory */
void bw_json_free(bw_json *j);

void bw_json_object_begin(bw_json *j);
void bw_json_object_end(bw_json *j);
void bw_json_array_begin(bw_json *j);
void bw_json_array_end(bw_json *j);
void bw_json_key(bw_json *j, const char *key);
void bw_json_string(bw_json *j, const char *s);
void bw_json_string_n(bw_json *j, const char *s, size_t n);
/* key: path as a string; when path is not valid UTF-8, also key_bytes:
 * the exact bytes in base64 (RFC 4648), since the string then holds U+FFFD
 * for each stray byte (interface.md, extension notes). */
void bw_json_path(bw_json *j, const char *key, const char *path);
/* The n bytes as a base64 string value (RFC 4648, with padding). */
void bw_json_base64(bw_json *j, const void *bytes, size_t n);
/* Whether the n bytes at s are valid UTF-8 (no overlongs, surrogates). */
int bw_json_utf8_valid(const char *s, size_t n);
void bw_json_int(bw_json *j, int64_t v);
void bw_json_uint(bw_json *j, uint64_t v);
void bw_json_double(bw_json *j, double v);
/* v with exactly `decimals` digits after the point (0..9), as printf's
 * %.*f: for values whose precision is fixed, e.g. timestamps in seconds. */
void bw_json_fixed(bw_json *j, double v, int decimals);
void bw_json_bool(bw_json *j, int v);
void bw_json_null(bw_json *j);

/* BW_ERR_NOMEM if any write failed, else BW_OK. */
bw_status bw_json_status(const bw_json *j);

#ifdef __cplusplus
}
#endif
#endif
