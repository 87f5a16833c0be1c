/* status.c -- bw_strerror and the error record (bulwark/status.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "core/internal.h"

static const char *const messages[BW_STATUS_COUNT] = {
    [BW_OK] = "success",
    [BW_ERR_NOMEM] = "out of memory",
    [BW_ERR_IO] = "input/output error",
    [BW_ERR_NOT_FOUND] = "not found",
    [BW_ERR_ARG] = "invalid argument",
    [BW_ERR_FORMAT] = "unknown format",
    [BW_ERR_UNSUPPORTED] = "unsupported variant of the format",
    [BW_ERR_CORRUPT] = "corrupt input",
    [BW_ERR_TRUNCATED] = "truncated input",
    [BW_ERR_LIMIT] = "input exceeds a limit",
    [BW_ERR_DB] = "database error",
    [BW_ERR_EMPTY] = "empty input",
    [BW_ERR_INTERRUPTED] = "interrupted",
    [BW_ERR_INTERNAL] = "internal error",
    [BW_ERR_EXISTS] = "already exists",
};

const char *bw_strerror(bw_status status)
{
    if ((unsigned)status >= BW_STATUS_COUNT || !messages[status])
        return "unknown status";
    return messages[status];
}

void bw_error_clear(bw_error *err)
{
    if (err) {
        err->status = BW_OK;
        err->msg[0] = '\0';
    }
}

const char *bw_error_message(const bw_error *err)
{
    if (!err)
        return "";
    return err->msg[0] ? err->msg : bw_strerror(err->status);
}

bw_status bw__fail(bw_error *err, bw_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->status = status;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}
