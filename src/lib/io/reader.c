/* reader.c -- the reader family (bulwark/reader.h).
 *
 * A bw_reader is a pointer to a const table of operations plus the state
 * those operations work on, as Redis's rio is. One section per kind of
 * source: a file descriptor (files and stdin), memory, and readers built
 * from caller-supplied operations (archive members). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/internal.h"
#include "bulwark/reader.h"

struct bw_reader {
    const bw_reader_ops *ops;
    void *state;
};

static bw_status reader_new(bw_reader **out, const bw_reader_ops *ops, void *state, bw_error *err)
{
    bw_reader *r = bw__malloc(sizeof *r);
    if (!r) {
        ops->close(state);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    r->ops = ops;
    r->state = state;
    *out = r;
    return BW_OK;
}

/* ---------------- File descriptor reader ---------------- */

typedef struct fd_state {
    int fd;
    int own;
    int64_t size;   /* -1 unless a regular file */
} fd_state;

/* read(2), retrying on EINTR. */
static bw_status fd_read(void *state, void *buf, size_t len, size_t *got, bw_error *err)
{
    fd_state *s = state;
    for (;;) {
        ssize_t n = read(s->fd, buf, len);
        if (n >= 0) {
            *got = (size_t)n;
            return BW_OK;
        }
        if (errno == EINTR)
            continue;
        *got = 0;
        return bw__fail(err, BW_ERR_IO, "read failed: %s", strerror(errno));
    }
}

static int64_t fd_size(void *state)
{
    return ((fd_state *)state)->size;
}

static void fd_close(void *state)
{
    fd_state *s = state;
    if (s->own)
        close(s->fd);
    free(s);
}

static const bw_reader_ops fd_ops = {fd_read, fd_size, fd_close};

static bw_status open_fd(bw_reader **out, int fd, int own, bw_error *err)
{
    struct stat st;
    fd_state *s = bw__malloc(sizeof *s);
    if (!s) {
        if (own)
            close(fd);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    s->fd = fd;
    s->own = own;
    s->size = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        s->size = (int64_t)st.st_size;
    return reader_new(out, &fd_ops, s, err);
}

bw_status bw_reader_open_file(bw_reader **out, const char *path, bw_error *err)
{
    struct stat st;
    int fd;
    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return bw__fail(err, e == ENOENT ? BW_ERR_NOT_FOUND : BW_ERR_IO, "cannot open: %s",
                        strerror(e));
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return bw__fail(err, BW_ERR_ARG, "is a directory");
    }
    return open_fd(out, fd, 1, err);
}

bw_status bw_reader_open_fd(bw_reader **out, int fd, int own_fd, bw_error *err)
{
    *out = NULL;
    if (fd < 0)
        return bw__fail(err, BW_ERR_ARG, "invalid file descriptor");
    return open_fd(out, fd, own_fd, err);
}

/* ---------------- Memory reader ---------------- */

typedef struct mem_state {
    const unsigned char *data;
    size_t len, pos;
} mem_state;

static bw_status mem_read(void *state, void *buf, size_t len, size_t *got, bw_error *err)
{
    mem_state *s = state;
    size_t left = s->len - s->pos;
    (void)err;
    if (len > left)
        len = left;
    if (len)
        memcpy(buf, s->data + s->pos, len);
    s->pos += len;
    *got = len;
    return BW_OK;
}

static int64_t mem_size(void *state)
{
    return (int64_t)((mem_state *)state)->len;
}

static void mem_close(void *state)
{
    free(state);
}

static const bw_reader_ops mem_ops = {mem_read, mem_size, mem_close};

bw_status bw_reader_open_memory(bw_reader **out, const void *data, size_t len, bw_error *err)
{
    mem_state *s;
    *out = NULL;
    if (!data && len)
        return bw__fail(err, BW_ERR_ARG, "NULL buffer");
    s = bw__malloc(sizeof *s);
    if (!s)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    s->data = data;
    s->len = len;
    s->pos = 0;
    return reader_new(out, &mem_ops, s, err);
}

/* ---------------- Caller-supplied operations ---------------- */

bw_status bw_reader_open_ops(bw_reader **out, const bw_reader_ops *ops, void *state, bw_error *err)
{
    *out = NULL;
    if (!ops || !ops->read || !ops->size || !ops->close)
        return bw__fail(err, BW_ERR_ARG, "incomplete reader operations");
    return reader_new(out, ops, state, err);
}

/* ---------------- Common operations ---------------- */

bw_status bw_reader_read(bw_reader *r, void *buf, size_t len, size_t *got, bw_error *err)
{
    return r->ops->read(r->state, buf, len, got, err);
}

int64_t bw_reader_size(const bw_reader *r)
{
    return r->ops->size(r->state);
}

void bw_reader_close(bw_reader *r)
{
    if (r) {
        r->ops->close(r->state);
        free(r);
    }
}

/* Grow *buf to at least need bytes (doubling), never past most. */
static int grow(unsigned char **buf, size_t *cap, size_t need, size_t most)
{
    size_t ncap = *cap ? *cap : 65536;
    unsigned char *nb;
    while (ncap < need)
        ncap *= 2;
    if (ncap > most)
        ncap = most;
    nb = bw__realloc(*buf, ncap);
    if (!nb)
        return -1;
    *buf = nb;
    *cap = ncap;
    return 0;
}

bw_status bw_reader_slurp(bw_reader *r, uint64_t max_bytes, bw_chunk_fn on_chunk, void *ctx,
                          void **data, size_t *len, bw_error *err)
{
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    int64_t hint = bw_reader_size(r);
    /* the buffer never grows past the limit and one byte to see the end
     * by: the check comes before the allocation */
    size_t most = max_bytes >= SIZE_MAX ? SIZE_MAX : (size_t)max_bytes + 1;
    bw_status st;

    *data = NULL;
    *len = 0;
    if (hint > 0 && (uint64_t)hint > max_bytes)
        return bw__fail(err, BW_ERR_LIMIT, "file too large: %lld bytes (limit max_file_bytes=%llu)",
                        (long long)hint, (unsigned long long)max_bytes);
    /* One byte more than a known size, so that the end is seen in one read. */
    if (grow(&buf, &cap, hint > 0 ? (size_t)hint + 1 : 65536, most) != 0)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    for (;;) {
        size_t got = 0;
        if (n == cap && grow(&buf, &cap, cap + 1, most) != 0) {
            free(buf);
            return bw__fail(err, BW_ERR_NOMEM, "out of memory");
        }
        st = bw_reader_read(r, buf + n, cap - n, &got, err);
        if (st != BW_OK) {
            free(buf);
            return st;
        }
        if (got == 0)
            break;
        if (on_chunk)
            on_chunk(ctx, buf + n, got);
        if ((uint64_t)(n + got) > max_bytes) {
            free(buf);
            return bw__fail(err, BW_ERR_LIMIT,
                            "file too large: more than %llu bytes (limit max_file_bytes)",
                            (unsigned long long)max_bytes);
        }
        n += got;
    }
    *data = buf;
    *len = n;
    return BW_OK;
}

bw_status bw_reader_drain(bw_reader *r, bw_chunk_fn on_chunk, void *ctx, uint64_t max_bytes,
                          const volatile sig_atomic_t *stop, uint64_t *bytes,
                          bw_error *err)
{
    unsigned char *buf = bw__malloc(65536);
    uint64_t total = 0;
    bw_status st = BW_OK;
    if (bytes)
        *bytes = 0;
    if (!buf)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    for (;;) {
        size_t got = 0;
        if (stop && *stop) {
            st = bw__fail(err, BW_ERR_INTERRUPTED, "interrupted while reading");
            break;
        }
        if ((st = bw_reader_read(r, buf, 65536, &got, err)) != BW_OK || got == 0)
            break;
        if (max_bytes && total + got > max_bytes) {
            st = bw__fail(err, BW_ERR_LIMIT,
                          "input too large to hash: more than %llu bytes (limit max_stream_bytes)",
                          (unsigned long long)max_bytes);
            break;
        }
        if (on_chunk)
            on_chunk(ctx, buf, got);
        total += got;
    }
    free(buf);
    if (bytes)
        *bytes = total;
    return st;
}
