/* bulwark/status.h -- the one status enum every libbulwark call returns,
 * and the error record that carries a sentence about what went wrong.
 *
 * Every fallible public function returns bw_status and, when the caller
 * passes a bw_error, fills it with a message that names the problem
 * ("truncated JPEG", "image too large: 60000x60000"). The library never
 * prints: the message is for the caller to show. */
#ifndef BULWARK_STATUS_H
#define BULWARK_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bw_status {
    BW_OK = 0,
    BW_ERR_NOMEM,        /* an allocation failed */
    BW_ERR_IO,           /* reading or writing failed (errno-like) */
    BW_ERR_NOT_FOUND,    /* no such file, list, entry */
    BW_ERR_ARG,          /* the caller passed something invalid */
    BW_ERR_FORMAT,       /* input is not in any format we know */
    BW_ERR_UNSUPPORTED,  /* a known format, but a variant we do not handle */
    BW_ERR_CORRUPT,      /* malformed input */
    BW_ERR_TRUNCATED,    /* input ends before it should */
    BW_ERR_LIMIT,        /* input exceeds a configured limit (see limits.h) */
    BW_ERR_DB,           /* the store (SQLite) reported an error */
    BW_ERR_EMPTY,        /* zero-byte or otherwise empty input */
    BW_ERR_INTERRUPTED,  /* stopped on request */
    BW_ERR_INTERNAL,     /* a bug: should not happen */
    BW_ERR_EXISTS,       /* it is there already (a list of that name) */
    BW_STATUS_COUNT
} bw_status;

/* A short constant sentence for a status code; never NULL. */
const char *bw_strerror(bw_status status);

/* Error detail: the status plus a message naming the problem. */
#define BW_ERROR_MSG_MAX 256
typedef struct bw_error {
    bw_status status;
    char msg[BW_ERROR_MSG_MAX];
} bw_error;

/* Reset an error record to BW_OK with an empty message. */
void bw_error_clear(bw_error *err);

/* The message if one was set, else bw_strerror(err->status). */
const char *bw_error_message(const bw_error *err);

#ifdef __cplusplus
}
#endif
#endif
