/* log.c -- the durable JSON Lines output of a scan and resuming it
 * (bw_scan_log, bulwark/record.h).
 *
 * Writing: records are appended to a buffer and written whole lines at a
 * time; at least once a second (and at the end) the file is fdatasync'd.
 * A crash (kill -9, power loss) can therefore leave at most: the last
 * second of records missing, and one torn last line.
 *
 * Resuming: the file is read from the start; every line that is a whole
 * record (a JSON object with a "path", ending in a newline) is kept, its
 * path remembered and counted. At the first line that is not -- a torn
 * line, garbage, the summary of the previous run -- the file is cut
 * (ftruncate) and appending starts there. Each path kept is skipped by the
 * scan, so no file is recorded twice, and none is lost: whatever was cut
 * off is scanned again. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "core/internal.h"
#include "record/record_internal.h"

#define FLUSH_BYTES (64u << 10)
#define SYNC_NS 1000000000ll

struct bw_scan_log {
    int fd;
    bw__pathset done;
    uint64_t kept;
    bw_scan_totals totals;
    char *buf;
    size_t len, cap;
    int64_t last_sync_ns;
    int unsynced;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static bw_status write_all(int fd, const char *p, size_t n, bw_error *err)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return bw__fail(err, BW_ERR_IO, "cannot write the output: %s", strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
    return BW_OK;
}

/* fsync the directory holding path, so that a new file's name is durable. */
static void sync_parent(const char *path)
{
    char *copy = bw__strdup(path);
    int dfd;
    if (!copy)
        return;
    dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(copy);
}

/* Whether the first line that is not a record may be cut off: what a
 * crash leaves (a torn last record, which starts with '{' and has no
 * newline; zeros, anywhere in a line) or the summary of the previous run.
 * Anything else -- a whole line of text, JSON that is not a record -- means
 * the file is not scan output, and cutting it would destroy it. */
static int cuttable(const char *line, size_t len, int terminated, bw_record_type type)
{
    if (type == BW_RECORD_SUMMARY)
        return 1;
    if (memchr(line, '\0', len))
        return 1;
    return !terminated && len > 0 && line[0] == '{';
}

static bw_status not_scan_output(bw_error *err, const char *path, uint64_t lineno)
{
    return bw__fail(err, BW_ERR_FORMAT,
                    "%s: line %llu is not a scan record (a JSON object with \"path\") nor a "
                    "summary: not bulwark scan output, refusing to resume into it",
                    path, (unsigned long long)lineno);
}

/* Read the existing records; returns the offset just after the last whole
 * record (where the file is cut). */
static bw_status load(bw_scan_log *log, const char *path, const bw_limits *lim, off_t *good_end,
                      bw_error *err)
{
    char *buf = NULL;
    size_t cap = 0, len = 0, start = 0;
    off_t base = 0; /* file offset of buf[0] */
    int eof = 0, stop = 0;
    uint64_t lineno = 0;

    *good_end = 0;
    while (!stop) {
        char *nl = len > start ? memchr(buf + start, '\n', len - start) : NULL;
        if (!nl) {
            ssize_t got;
            if (eof) {
                /* a last line without its newline: torn, unless it is text */
                if (len > start && !cuttable(buf + start, len - start, 0, BW_RECORD_BAD)) {
                    free(buf);
                    return not_scan_output(err, path, lineno + 1);
                }
                break;
            }
            if (start > 0) {
                memmove(buf, buf + start, len - start);
                len -= start;
                base += (off_t)start;
                start = 0;
            }
            if (len > lim->max_line_bytes) {
                /* a line longer than any record we write: zeros are cut */
                if (!memchr(buf, '\0', len)) {
                    free(buf);
                    return not_scan_output(err, path, lineno + 1);
                }
                break;
            }
            if (cap - len < 65536) {
                char *nb = bw__realloc(buf, cap + 65536);
                if (!nb) {
                    free(buf);
                    return bw__fail(err, BW_ERR_NOMEM, "out of memory");
                }
                buf = nb;
                cap += 65536;
            }
            got = read(log->fd, buf + len, cap - len);
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0) {
                free(buf);
                return bw__fail(err, BW_ERR_IO, "cannot read the output to resume: %s",
                                strerror(errno));
            }
            if (got == 0)
                eof = 1;
            len += (size_t)got;
            continue;
        }
        {
            size_t llen = (size_t)(nl - (buf + start));
            bw_record_line l;
            bw_record_type type = BW_RECORD_BAD;
            lineno++;
            if (llen > lim->max_line_bytes ||
                (type = bw_record_parse(buf + start, llen, lim->max_json_depth, &l)) !=
                    BW_RECORD_FILE) {
                if (llen <= lim->max_line_bytes)
                    bw_record_line_free(&l);
                if (!cuttable(buf + start, llen, 1, type)) {
                    free(buf);
                    return not_scan_output(err, path, lineno);
                }
                break;
            }
            if (bw__pathset_add(&log->done, l.path, strlen(l.path)) != 0) {
                bw_record_line_free(&l);
                free(buf);
                return bw__fail(err, BW_ERR_NOMEM, "out of memory");
            }
            bw__scan_totals_count(&log->totals, l.kind, l.image, l.matched, l.appended_error);
            bw_record_line_free(&l);
            log->kept++;
            start += llen + 1;
            *good_end = base + (off_t)start;
        }
    }
    free(buf);
    return BW_OK;
}

bw_status bw_scan_log_open(bw_scan_log **out, const char *path, int resume,
                           const bw_limits *limits, bw_error *err)
{
    bw_scan_log *log;
    struct stat st;
    off_t end = 0;
    bw_status rc;
    int created;

    *out = NULL;
    if (!path)
        return bw__fail(err, BW_ERR_ARG, "no output path");
    if (!(log = bw__calloc(1, sizeof *log)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    created = stat(path, &st) != 0;
    log->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (log->fd < 0) {
        rc = bw__fail(err, BW_ERR_IO, "cannot open the output %s: %s", path, strerror(errno));
        free(log);
        return rc;
    }
    if (flock(log->fd, LOCK_EX | LOCK_NB) != 0) {
        rc = bw__fail(err, BW_ERR_IO, "the output %s is being written by another scan", path);
        goto fail;
    }
    if (resume && (rc = load(log, path, bw__limits(limits), &end, err)) != BW_OK)
        goto fail;
    if (ftruncate(log->fd, end) != 0 || lseek(log->fd, end, SEEK_SET) != end) {
        rc = bw__fail(err, BW_ERR_IO, "cannot prepare the output %s: %s", path, strerror(errno));
        goto fail;
    }
    if (fsync(log->fd) != 0) {
        rc = bw__fail(err, BW_ERR_IO, "cannot sync the output %s: %s", path, strerror(errno));
        goto fail;
    }
    if (created)
        sync_parent(path);
    log->last_sync_ns = now_ns();
    *out = log;
    return BW_OK;
fail:
    close(log->fd);
    bw__pathset_free(&log->done);
    free(log);
    return rc;
}

int bw_scan_log_has(const bw_scan_log *log, const char *path)
{
    return log && bw__pathset_has(&log->done, path);
}

uint64_t bw_scan_log_kept(const bw_scan_log *log)
{
    return log->kept;
}

const bw_scan_totals *bw_scan_log_totals(const bw_scan_log *log)
{
    return &log->totals;
}

static bw_status flush(bw_scan_log *log, bw_error *err)
{
    bw_status st = write_all(log->fd, log->buf, log->len, err);
    log->len = 0;
    return st;
}

bw_status bw_scan_log_sync(bw_scan_log *log, bw_error *err)
{
    bw_status st = flush(log, err);
    if (st != BW_OK)
        return st;
    if (fdatasync(log->fd) != 0)
        return bw__fail(err, BW_ERR_IO, "cannot sync the output: %s", strerror(errno));
    log->last_sync_ns = now_ns();
    log->unsynced = 0;
    return BW_OK;
}

bw_status bw_scan_log_append(bw_scan_log *log, const char *line, size_t len, bw_error *err)
{
    if (log->cap - log->len < len + 1) {
        size_t nc = log->cap ? log->cap : FLUSH_BYTES * 2;
        char *nb;
        while (nc - log->len < len + 1)
            nc *= 2;
        if (!(nb = bw__realloc(log->buf, nc)))
            return bw__fail(err, BW_ERR_NOMEM, "out of memory");
        log->buf = nb;
        log->cap = nc;
    }
    memcpy(log->buf + log->len, line, len);
    log->buf[log->len + len] = '\n';
    log->len += len + 1;
    log->unsynced = 1;
    if (now_ns() - log->last_sync_ns >= SYNC_NS)
        return bw_scan_log_sync(log, err);
    if (log->len >= FLUSH_BYTES)
        return flush(log, err);
    return BW_OK;
}

bw_status bw_scan_log_close(bw_scan_log *log, const char *summary, size_t len, bw_error *err)
{
    bw_status st = BW_OK;
    if (!log)
        return BW_OK;
    if (summary)
        st = bw_scan_log_append(log, summary, len, err);
    if (st == BW_OK)
        st = bw_scan_log_sync(log, err);
    if (close(log->fd) != 0 && st == BW_OK)
        st = bw__fail(err, BW_ERR_IO, "cannot close the output: %s", strerror(errno));
    bw__pathset_free(&log->done);
    free(log->buf);
    free(log);
    return st;
}
