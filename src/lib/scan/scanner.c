/* scanner.c -- the scan pipeline (bulwark/scan.h).
 *
 * Reader: bw_scanner_add() runs on the caller's thread. It walks the path
 * (walk.h), opens each file once and sniffs its first bytes: an archive is
 * streamed on this thread (archive.h), each member becoming a job that
 * carries the member's bytes; any other file becomes a job that carries the
 * open descriptor. Problems (a dangling link, a limit hit) become error
 * jobs, a finished archive an archive job, so that every record has its
 * place in the order.
 *
 * Workers: the ordered pool (pool.h) runs work() on -j threads: read the
 * file, hash it (one bw_hasher per thread), look it up, examine its
 * provenance. Deliverer: the pool hands finished jobs back in order on the
 * caller's thread, where done() makes the record and calls the caller's
 * function. The pool's depth bounds the jobs in flight: when the workers
 * fall behind, the reader waits in bw_pool_submit. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/internal.h"
#include "bulwark/archive.h"
#include "bulwark/pool.h"
#include "bulwark/reader.h"
#include "bulwark/walk.h"
#include "scan/scan_internal.h"

typedef enum job_type {
    JOB_DISK,      /* a file on disk: fd */
    JOB_MEMORY,    /* an archive member: data, len */
    JOB_ERROR,     /* err says what failed */
    JOB_ARCHIVE    /* an archive read to its end */
} job_type;

typedef struct job {
    job_type type;
    char *path;
    uint32_t depth;
    int fd;
    void *data;
    size_t len;
    uint64_t disk_bytes;
    bw_status st;
    bw_error err;
    bw_hash_result res;
    bw_matches matches;
    bw_provenance prov;
    int has_prov;
    char format[16];
    uint64_t members;
    int is_file;   /* counts as a file found and done (progress) */
    /* an archive hidden in this file, already walked */
    int has_app, app_failed;
    char app_format[16];
    uint64_t app_offset, app_members;
    bw_error app_err;
} job;

typedef struct worker {
    bw_scanner *s;
    bw_hasher *hasher;
} worker;

struct bw_scanner {
    bw_scan_opts opts;
    bw_limits limits;
    bw_scan_record_fn fn;
    void *ctx;
    bw_pool *pool;
    worker *workers;
    void **worker_ctxs;
    unsigned nworkers;
    bw_scan_progress progress;
    bw_status fatal;   /* NOMEM while submitting */
    volatile sig_atomic_t halt; /* bw__scanner_halt: stop as opts.stop does */
};

static int stopping(const bw_scanner *s)
{
    return s->halt || (s->opts.stop && *s->opts.stop);
}

void bw__scanner_halt(bw_scanner *s)
{
    s->halt = 1;
}

/* ---------------- Workers ---------------- */

/* A file that failed after its bytes were read (a decode error, too large
 * to hold): its digests are still looked up, so that a listed MD5 of an
 * undecodable file matches. The failure stays the record's error. */
static void lookup_digests_only(worker *w, job *jb)
{
    const bw_scan_opts *o = &w->s->opts;
    bw_error e;
    if (!o->matcher || !jb->res.has_digests)
        return;
    bw_matches_clear(&jb->matches);
    if (bw_matcher_digests(o->matcher, &jb->res.digests, &jb->matches, &e) == BW_OK)
        bw_matches_sort(&jb->matches);
    else
        bw_matches_clear(&jb->matches);
}

/* Look up, examine: everything after the bytes were hashed (st). */
static void process_hashed(worker *w, job *jb, const void *data, size_t len)
{
    const bw_scan_opts *o = &w->s->opts;
    if (jb->st != BW_OK) {
        lookup_digests_only(w, jb);
        return;
    }
    if (o->matcher && (jb->st = bw__scan_lookup(o, &jb->res, &jb->matches, &jb->err)) != BW_OK)
        return;
    if (o->provenance && data) {
        bw_provenance_opts po;
        if (o->provenance_opts)
            po = *o->provenance_opts;
        else
            memset(&po, 0, sizeof po);
        po.limits = &w->s->limits;
        jb->st = bw_provenance_examine(data, len, &po, &jb->prov, &jb->err);
        jb->has_prov = jb->st == BW_OK;
    }
}

static void work(void *wctx, void *item)
{
    worker *w = wctx;
    job *jb = item;
    if (jb->type == JOB_DISK) {
        bw_reader *r = NULL;
        void *data = NULL;
        size_t len = 0;
        int fd = jb->fd;
        jb->fd = -1;
        jb->st = bw_reader_open_fd(&r, fd, 1, &jb->err);
        if (jb->st == BW_OK)
            jb->st = bw_hasher_hash_reader_keep(w->hasher, r, &jb->res, &data, &len, &jb->err);
        bw_reader_close(r);
        process_hashed(w, jb, data, len);
        free(data);
    } else if (jb->type == JOB_MEMORY) {
        jb->st = bw_hasher_hash_memory(w->hasher, jb->data, jb->len, &jb->res, &jb->err);
        process_hashed(w, jb, jb->data, jb->len);
        free(jb->data);
        jb->data = NULL;
    } else if (jb->type == JOB_ERROR) {
        lookup_digests_only(w, jb); /* a member or stdin too large, digests streamed */
    }
}

/* ---------------- Delivery, in order, on the caller's thread ---------------- */

static void job_free(job *jb)
{
    if (jb->fd >= 0)
        close(jb->fd);
    free(jb->data);
    free(jb->path);
    bw__scan_matches_release(&jb->matches);
    if (jb->has_prov)
        bw_provenance_free(&jb->prov);
    free(jb);
}

static void done(void *ctx, void *item)
{
    bw_scanner *s = ctx;
    job *jb = item;
    bw_scan_record rec;
    memset(&rec, 0, sizeof rec);
    rec.path = jb->path;
    rec.depth = jb->depth;
    rec.disk_bytes = jb->disk_bytes;
    if (jb->type == JOB_ARCHIVE) {
        rec.kind = BW_SCAN_ARCHIVE;
        rec.archive_format = jb->format;
        rec.archive_members = jb->members;
    } else if (jb->st != BW_OK || jb->type == JOB_ERROR) {
        rec.kind = BW_SCAN_ERROR;
        rec.status = jb->st != BW_OK ? jb->st : BW_ERR_INTERNAL;
        rec.error = bw_error_message(&jb->err);
        if (jb->res.has_digests) {
            rec.hash = &jb->res;
            rec.matches = &jb->matches;
        }
    } else {
        rec.kind = BW_SCAN_FILE;
        rec.hash = &jb->res;
        rec.matches = &jb->matches;
        rec.provenance = jb->has_prov ? &jb->prov : NULL;
    }
    if (jb->has_app && jb->type != JOB_ARCHIVE) {
        rec.appended_format = jb->app_format;
        rec.appended_offset = jb->app_offset;
        rec.appended_members = jb->app_members;
        rec.appended_error = jb->app_failed ? bw_error_message(&jb->app_err) : NULL;
    }
    if (jb->is_file)
        s->progress.done++;
    s->fn(s->ctx, &rec);
    job_free(jb);
}

/* ---------------- The reader ---------------- */

static job *job_new(bw_scanner *s, job_type type, const char *path, uint32_t depth)
{
    job *jb = bw__calloc(1, sizeof *jb);
    if (!jb || !(jb->path = bw__strdup(path))) {
        free(jb);
        s->fatal = BW_ERR_NOMEM;
        return NULL;
    }
    jb->type = type;
    jb->depth = depth;
    jb->fd = -1;
    jb->is_file = type != JOB_ARCHIVE;
    return jb;
}

static int submit(bw_scanner *s, job *jb)
{
    if (!jb)
        return -1;
    if (jb->is_file)
        s->progress.found++;
    bw_pool_submit(s->pool, jb);
    return 0;
}

static int submit_error(bw_scanner *s, const char *path, uint32_t depth, const bw_error *e)
{
    job *jb = job_new(s, JOB_ERROR, path, depth);
    if (!jb)
        return -1;
    jb->st = e->status != BW_OK ? e->status : BW_ERR_INTERNAL;
    jb->err = *e;
    return submit(s, jb);
}

/* Archive walker callbacks: members and problems become jobs. */

static int ar_skip(void *ctx, const char *path)
{
    bw_scanner *s = ctx;
    if (stopping(s))
        return -1;
    return s->opts.skip && s->opts.skip(s->opts.skip_ctx, path) ? 1 : 0;
}

static int ar_member(void *ctx, const char *path, uint32_t depth, void *data, size_t len)
{
    bw_scanner *s = ctx;
    job *jb = job_new(s, JOB_MEMORY, path, depth);
    if (!jb) {
        free(data);
        return 1;
    }
    jb->data = data;
    jb->len = len;
    return submit(s, jb) != 0 || stopping(s);
}

static int ar_problem(void *ctx, const char *path, const bw_error *err)
{
    bw_scanner *s = ctx;
    return submit_error(s, path, 1, err) != 0 || stopping(s);
}

static int ar_nested_done(void *ctx, const char *path, const char *format, uint64_t members)
{
    bw_scanner *s = ctx;
    job *jb = job_new(s, JOB_ARCHIVE, path, 1);
    if (!jb)
        return 1;
    snprintf(jb->format, sizeof jb->format, "%s", format);
    jb->members = members;
    s->progress.archives++;
    return submit(s, jb) != 0 || stopping(s);
}

/* A member too large to hold: an error record that still carries its
 * streamed digests (looked up by the worker). */
static int ar_too_large(void *ctx, const char *path, uint32_t depth, uint64_t size,
                        const bw_digests *d, const bw_error *err)
{
    bw_scanner *s = ctx;
    job *jb = job_new(s, JOB_ERROR, path, depth);
    if (!jb)
        return 1;
    jb->st = err->status != BW_OK ? err->status : BW_ERR_LIMIT;
    jb->err = *err;
    jb->res.digests = *d;
    jb->res.size = size;
    jb->res.has_digests = 1;
    return submit(s, jb) != 0 || stopping(s);
}

static const bw_archive_cb archive_cb = {ar_skip, ar_member, ar_problem, ar_nested_done,
                                         ar_too_large};

/* The record of a top-level archive once its walk ended with st: an
 * archive record, or the error that stopped it. */
static int archive_done(bw_scanner *s, const char *path, uint64_t size, bw_status st,
                        const bw_archive_walk_info *info, const bw_error *e)
{
    job *jb;
    if (st == BW_ERR_INTERRUPTED || s->fatal)
        return -1; /* no record: the archive is not done (resume reopens it) */
    if (st != BW_OK) {
        jb = job_new(s, JOB_ERROR, path, 0);
        if (!jb)
            return -1;
        jb->st = st;
        jb->err = *e;
        jb->is_file = 0; /* the archive's own record, not a file */
    } else {
        jb = job_new(s, JOB_ARCHIVE, path, 0);
        if (!jb)
            return -1;
        snprintf(jb->format, sizeof jb->format, "%s", info->format);
        jb->members = info->members;
    }
    jb->disk_bytes = size;
    return submit(s, jb);
}

/* A top-level archive on disk, open on fd. */
static int scan_archive(bw_scanner *s, const char *path, int fd, uint64_t size)
{
    bw_archive_walk_info info;
    bw_error e;
    s->progress.archives++;
    bw_status st = bw_archive_walk_fd(fd, path, size, &s->limits, &archive_cb, s, &info, &e);
    close(fd);
    return archive_done(s, path, size, st, &info, &e);
}

/* What an archive hidden in a file turned out to be (walk_appended). */
typedef struct appended {
    int found, failed;
    char format[16];
    uint64_t offset, members;
    bw_error err;
} appended;

/* An archive found inside a file (bw_archive_find_embedded_*) at off, of
 * fmt: walk its members (PATH!MEMBER) now, before the file's own record,
 * which then notes it. The file is on fd, or in mem when not NULL.
 * Returns -1 when interrupted (then the file gets no record: resume
 * reopens it). */
static int walk_appended(bw_scanner *s, const char *path, int fd, const void *mem,
                         uint64_t size, uint64_t off, bw_archive_format fmt, appended *out)
{
    bw_archive_walk_info info;
    bw_status st;
    memset(out, 0, sizeof *out);
    s->progress.archives++;
    st = mem ? bw_archive_walk_memory((const unsigned char *)mem + off, (size_t)(size - off), path,
                                      &s->limits, &archive_cb, s, &info, &out->err)
             : bw_archive_walk_fd_at(fd, off, size - off, path, &s->limits, &archive_cb, s, &info,
                                     &out->err);
    if (st == BW_ERR_INTERRUPTED || s->fatal)
        return -1;
    out->found = 1;
    out->failed = st != BW_OK;
    out->offset = off;
    out->members = info.members;
    snprintf(out->format, sizeof out->format, "%s",
             info.format[0] && strcmp(info.format, "none") != 0 ? info.format
                                                                : bw_archive_format_name(fmt));
    return 0;
}

static void job_set_appended(job *jb, const appended *ap)
{
    if (!ap->found)
        return;
    jb->has_app = 1;
    jb->app_failed = ap->failed;
    memcpy(jb->app_format, ap->format, sizeof jb->app_format);
    jb->app_offset = ap->offset;
    jb->app_members = ap->members;
    jb->app_err = ap->err;
}

/* One file from the walk: open it, sniff it, queue it. */
static int scan_file(bw_scanner *s, const char *path, uint64_t size)
{
    unsigned char head[BW_ARCHIVE_SNIFF_BYTES];
    ssize_t got;
    int fd;
    job *jb;
    bw_error e;
    bw_archive_format fmt;
    uint64_t off;
    appended ap = {0};

    if (s->opts.skip && s->opts.skip(s->opts.skip_ctx, path))
        return 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int en = errno;
        bw__fail(&e, en == ENOENT ? BW_ERR_NOT_FOUND : BW_ERR_IO, "cannot open: %s",
                 strerror(en));
        return submit_error(s, path, 0, &e);
    }
    if (s->opts.exclude_ino) {
        struct stat sb;
        if (fstat(fd, &sb) == 0 && (uint64_t)sb.st_ino == s->opts.exclude_ino &&
            (uint64_t)sb.st_dev == s->opts.exclude_dev) {
            close(fd); /* our own output: never a record of itself */
            return 0;
        }
    }
    if (s->limits.archive_max_depth > 0) {
        do
            got = pread(fd, head, sizeof head, 0);
        while (got < 0 && errno == EINTR);
        if (got > 0 && bw_archive_sniff(head, (size_t)got) != BW_ARCHIVE_NONE)
            return scan_archive(s, path, fd, size);
        if (got > 0 && (fmt = bw_archive_find_embedded_fd(fd, size, &off)) != BW_ARCHIVE_NONE &&
            walk_appended(s, path, fd, NULL, size, off, fmt, &ap) != 0) {
            close(fd);
            return -1;
        }
    }
    jb = job_new(s, JOB_DISK, path, 0);
    if (!jb) {
        close(fd);
        return -1;
    }
    job_set_appended(jb, &ap);
    jb->fd = fd;
    jb->disk_bytes = size;
    return submit(s, jb);
}

uint32_t bw_scan_shard_of(const char *path, uint32_t count)
{
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    h ^= h >> 33; /* a finaliser: every bit of the path reaches the low ones */
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return count > 1 ? (uint32_t)(h % count) : 0;
}

static int on_entry(void *ctx, const bw_walk_entry *ent)
{
    bw_scanner *s = ctx;
    if (stopping(s) || s->fatal)
        return 1;
    if (s->opts.shard_count > 1 &&
        bw_scan_shard_of(ent->path, s->opts.shard_count) != s->opts.shard_index)
        return 0; /* another worker's */
    if (ent->error) {
        if (s->opts.skip && s->opts.skip(s->opts.skip_ctx, ent->path))
            return 0;
        return submit_error(s, ent->path, 0, ent->error) != 0;
    }
    return scan_file(s, ent->path, ent->size) != 0 && (stopping(s) || s->fatal);
}

/* ---------------- Public ---------------- */

bw_status bw_scanner_new(bw_scanner **out, const bw_scan_opts *opts, bw_scan_record_fn fn,
                         void *ctx, bw_error *err)
{
    bw_scanner *s;
    bw_hash_opts hopts;
    bw_status st;
    unsigned nthreads;

    *out = NULL;
    if (!opts || !fn)
        return bw__fail(err, BW_ERR_ARG, "scan options and a record function are required");
    if (!(s = bw__calloc(1, sizeof *s)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    s->opts = *opts;
    s->limits = *bw__limits(opts->limits);
    s->opts.limits = &s->limits;
    bw__pdq_thresholds(&s->opts.max_distance, &s->opts.min_quality);
    s->fn = fn;
    s->ctx = ctx;
    nthreads = opts->jobs > 1 ? opts->jobs : 0;
    s->nworkers = nthreads ? nthreads : 1;
    s->workers = bw__calloc(s->nworkers, sizeof *s->workers);
    s->worker_ctxs = bw__calloc(s->nworkers, sizeof *s->worker_ctxs);
    if (!s->workers || !s->worker_ctxs) {
        bw_scanner_free(s);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    hopts.exact = opts->exact;
    hopts.dihedral = opts->dihedral;
    hopts.limits = &s->limits;
    for (unsigned i = 0; i < s->nworkers; i++) {
        s->workers[i].s = s;
        s->worker_ctxs[i] = &s->workers[i];
        if ((st = bw_hasher_new(&s->workers[i].hasher, &hopts, err)) != BW_OK) {
            bw_scanner_free(s);
            return st;
        }
    }
    st = bw_pool_new(&s->pool, nthreads, opts->queue ? opts->queue : 4 * (size_t)s->nworkers,
                     work, s->worker_ctxs, done, s, err);
    if (st != BW_OK) {
        bw_scanner_free(s);
        return st;
    }
    *out = s;
    return BW_OK;
}

bw_status bw_scanner_add(bw_scanner *s, const char *path, bw_error *err)
{
    bw_walk_opts wo = {s->opts.follow_symlinks, 0};
    bw_status st;
    if (!path)
        return bw__fail(err, BW_ERR_ARG, "no path given");
    if (stopping(s))
        return bw__fail(err, BW_ERR_INTERRUPTED, "interrupted");
    st = bw_walk(path, &wo, on_entry, s);
    if (s->fatal)
        return bw__fail(err, s->fatal, "out of memory");
    if (st == BW_ERR_INTERRUPTED || stopping(s))
        return bw__fail(err, BW_ERR_INTERRUPTED, "interrupted");
    if (st != BW_OK)
        return bw__fail(err, st, "%s", bw_strerror(st));
    return BW_OK;
}

/* Bytes that are already in memory under name (stdin): an archive is
 * walked in place and gets its record after its members; anything else
 * is one job. data is owned (freed here or by the job). */
static int scan_memory(bw_scanner *s, const char *name, void *data, size_t len)
{
    job *jb;
    if (s->limits.archive_max_depth > 0 &&
        bw_archive_sniff(data, len < BW_ARCHIVE_SNIFF_BYTES ? len : BW_ARCHIVE_SNIFF_BYTES) !=
            BW_ARCHIVE_NONE) {
        bw_archive_walk_info info;
        bw_error e;
        s->progress.archives++;
        bw_status st = bw_archive_walk_memory(data, len, name, &s->limits, &archive_cb, s, &info, &e);
        free(data);
        return archive_done(s, name, len, st, &info, &e);
    }
    {
        uint64_t off;
        bw_archive_format fmt;
        appended ap = {0};
        if (s->limits.archive_max_depth > 0 &&
            (fmt = bw_archive_find_embedded_memory(data, len, &off)) != BW_ARCHIVE_NONE &&
            walk_appended(s, name, -1, data, len, off, fmt, &ap) != 0) {
            free(data);
            return -1;
        }
        if (!(jb = job_new(s, JOB_MEMORY, name, 0))) {
            free(data);
            return -1;
        }
        job_set_appended(jb, &ap);
    }
    jb->data = data;
    jb->len = len;
    jb->disk_bytes = len;
    return submit(s, jb);
}

/* One input read whole: from fd, or (fd < 0) from the caller's bytes
 * mem[0..mlen), which are copied as a descriptor's would be read. */
static bw_status add_input(bw_scanner *s, const char *name, int fd, const void *mem,
                           size_t mlen, bw_error *err)
{
    bw_reader *r = NULL;
    bw_digester *dg = NULL;
    void *data = NULL;
    size_t len = 0;
    bw_error e;
    bw_status st;
    job *jb;
    int rc;
    if (stopping(s))
        return bw__fail(err, BW_ERR_INTERRUPTED, "interrupted");
    if (s->opts.skip && s->opts.skip(s->opts.skip_ctx, name))
        return BW_OK;
    /* The digests stream beside the read, so that an input over the limit
     * still has them. */
    st = bw_digester_new(&dg, &e);
    if (st == BW_OK)
        st = fd >= 0 ? bw_reader_open_fd(&r, fd, 0, &e) : bw_reader_open_memory(&r, mem, mlen, &e);
    if (st == BW_OK)
        st = bw_reader_slurp(r, s->limits.max_file_bytes, bw_digester_chunk, dg, &data, &len, &e);
    if (st == BW_OK) {
        bw_digester_free(dg);
        bw_reader_close(r);
        rc = scan_memory(s, name, data, len);
    } else if (st == BW_ERR_LIMIT && (jb = job_new(s, JOB_ERROR, name, 0)) != NULL) {
        bw_error e2;
        jb->st = st;
        jb->err = e;
        bw_status ds = bw_digester_drain(dg, r, s->limits.max_stream_bytes, s->opts.stop,
                                         &jb->res.digests, &jb->res.size, &e2);
        if (ds == BW_OK) {
            jb->res.has_digests = 1;
        } else if (ds == BW_ERR_LIMIT) {
            jb->err = e2; /* not even its digests: say which limit */
        }
        bw_digester_free(dg);
        bw_reader_close(r);
        rc = submit(s, jb);
    } else {
        bw_digester_free(dg);
        bw_reader_close(r);
        rc = s->fatal ? -1 : submit_error(s, name, 0, &e);
    }
    if (s->fatal)
        return bw__fail(err, s->fatal, "out of memory");
    if (rc < 0 || stopping(s))
        return bw__fail(err, BW_ERR_INTERRUPTED, "interrupted");
    return BW_OK;
}

bw_status bw_scanner_add_fd(bw_scanner *s, const char *name, int fd, bw_error *err)
{
    if (!name || fd < 0)
        return bw__fail(err, BW_ERR_ARG, "no name or descriptor given");
    return add_input(s, name, fd, NULL, 0, err);
}

bw_status bw_scanner_add_memory(bw_scanner *s, const char *name, const void *data, size_t len,
                                bw_error *err)
{
    if (!name || (!data && len))
        return bw__fail(err, BW_ERR_ARG, "no name or bytes given");
    return add_input(s, name, -1, data ? data : "", len, err);
}

void bw_scanner_finish(bw_scanner *s)
{
    if (s && s->pool)
        bw_pool_finish(s->pool);
}

void bw_scanner_progress(const bw_scanner *s, bw_scan_progress *out)
{
    *out = s->progress;
}

void bw_scanner_free(bw_scanner *s)
{
    if (!s)
        return;
    bw_pool_free(s->pool);
    if (s->workers)
        for (unsigned i = 0; i < s->nworkers; i++)
            bw_hasher_free(s->workers[i].hasher);
    free(s->workers);
    free(s->worker_ctxs);
    free(s);
}
