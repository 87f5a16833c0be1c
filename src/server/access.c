/* access.c -- the JSON access log of `bulwark serve`: one line per
 * request (bulwark/service.h writes it), on stderr or appended to --log
 * FILE (opened O_APPEND). Each line goes out in one write(2), so lines
 * from the pool's threads never interleave; a line is kept short (its
 * strings are cut) so that it stays one atomic write on a pipe too. The
 * request's body and query string are never part of it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "server.h"

#define LINE_MAX_BYTES 4000 /* under PIPE_BUF: one write to a pipe is atomic */
#define FIELD_MAX 256       /* bytes of a path or method kept in a line */

struct srv_access {
    int fd;
    int owned;
};

srv_access *srv_access_open(const char *path)
{
    srv_access *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->fd = STDERR_FILENO;
    if (path && strcmp(path, "-") != 0) {
        a->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (a->fd < 0) {
            fprintf(stderr, "bulwark: serve: --log %s: %s\n", path, strerror(errno));
            free(a);
            return NULL;
        }
        a->owned = 1;
    }
    return a;
}

void srv_access_close(srv_access *a)
{
    if (a && a->owned)
        close(a->fd);
    free(a);
}

/* s cut to FIELD_MAX bytes (at a UTF-8 boundary) into buf. */
static const char *cut(const char *s, char *buf)
{
    size_t n;
    if (!s || (n = strlen(s)) < FIELD_MAX)
        return s;
    n = FIELD_MAX - 1;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

void srv_access_write(srv_access *a, const srv_observed *o)
{
    char path[FIELD_MAX], method[FIELD_MAX], token[FIELD_MAX];
    bw_access_record r = {o->start_ms, o->remote, cut(o->method, method),
                          o->route ? o->route->site : NULL, cut(o->path, path), o->status,
                          o->bytes, (double)o->micros / 1e3, cut(o->token, token)};
    char line[LINE_MAX_BYTES + 1];
    bw_json j;
    if (!a)
        return;
    bw_json_init(&j);
    bw_access_log_json(&j, &r);
    if (bw_json_status(&j) == BW_OK && j.len < LINE_MAX_BYTES) {
        memcpy(line, j.buf, j.len);
        line[j.len] = '\n';
        ssize_t w;
        do
            w = write(a->fd, line, j.len + 1);
        while (w < 0 && errno == EINTR);
    }
    bw_json_free(&j);
}
