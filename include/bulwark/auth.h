/* bulwark/auth.h -- the service's bearer tokens, kept hashed.
 *
 * A token file has one line per token (interface.md, `serve`):
 *
 *     NAME SCOPE[,SCOPE...] sha256:HEX
 *
 * NAME names the token's holder (for the log), the scopes are among
 * `match`, `curate`, `report` and `admin` (admin grants every scope), and
 * HEX is the SHA-256 of the token itself, 64 hex digits: the file never
 * holds a token, so reading it gives no one access. Blank lines and lines
 * starting with '#' are skipped. A request's token is hashed and compared
 * with every entry's digest in constant time. */
#ifndef BULWARK_AUTH_H
#define BULWARK_AUTH_H

#include <stddef.h>
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bw_tokens bw_tokens;

/* The scopes, as bits. */
#define BW_SCOPE_MATCH 0x1u
#define BW_SCOPE_CURATE 0x2u
#define BW_SCOPE_REPORT 0x4u
#define BW_SCOPE_ADMIN 0x8u

/* "match", "curate", "report", "admin" to its bit; 0 if unknown. */
unsigned bw_scope_parse(const char *name, size_t len);

/* Read a token file (parse: the text of one, name for messages). A bad
 * line fails the whole file with its number: "tokens.txt:3: unknown scope
 * 'matc'" (BW_ERR_CORRUPT). A file without tokens is BW_ERR_EMPTY. */
bw_status bw_tokens_load(bw_tokens **out, const char *path, bw_error *err);
bw_status bw_tokens_parse(bw_tokens **out, const char *name, const char *text, size_t len,
                          bw_error *err);
void bw_tokens_free(bw_tokens *t);
size_t bw_tokens_count(const bw_tokens *t);

typedef enum bw_auth_result {
    BW_AUTH_OK = 0,         /* known, and has the scope */
    BW_AUTH_UNKNOWN,        /* no token, or not one of the file's: 401 */
    BW_AUTH_FORBIDDEN       /* known, but without the scope: 403 */
} bw_auth_result;

/* Check an `Authorization` header's value ("Bearer TOKEN"; NULL: none)
 * for the scope (one BW_SCOPE_* bit). *holder (may be NULL) gets the
 * token's NAME when it is known. */
bw_auth_result bw_tokens_check(const bw_tokens *t, const char *authorization, unsigned scope,
                               const char **holder);

#ifdef __cplusplus
}
#endif
#endif
