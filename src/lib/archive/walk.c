/* walk.c -- the archive walker (bulwark/archive.h): stream an archive
 * through libarchive and hand every member file to the caller in memory,
 * opening archives inside archives from the outer member's bytes.
 *
 * One `nest` holds what is counted across a top-level archive and all the
 * archives inside it (members, uncompressed bytes) and, once a limit is
 * hit or a callback asks to stop, the reason the whole walk ends. One call
 * of walk_level() reads one archive, at one depth; a member whose first
 * bytes announce an archive is walked by a nested walk_level() whose input
 * is the outer member: streamed through a read callback (tar family) or
 * read into memory first (zip and 7z need to seek). Nothing touches the
 * disk; member names are only ever names. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "core/internal.h"
#include "bulwark/archive.h"

#define CHUNK 65536

typedef struct nest {
    const bw_limits *lim;
    const bw_archive_cb *cb;
    void *ctx;
    uint64_t compressed;  /* bytes of the top-level archive; 0: unknown */
    uint64_t members, bytes;
    bw_status abort;      /* BW_OK, or why everything stops */
    bw_error abort_err;
} nest;

/* Stop the whole walk with a reason; returns -1 for convenience. */
static int nest_abort(nest *n, bw_status st, const bw_error *why)
{
    if (n->abort == BW_OK) {
        n->abort = st;
        if (why)
            n->abort_err = *why;
        else
            bw__fail(&n->abort_err, st, "%s", bw_strerror(st));
    }
    return -1;
}

/* Count n more uncompressed bytes against the nest's limits. */
static int account_bytes(nest *n, size_t got)
{
    bw_error e;
    n->bytes += got;
    if (n->bytes > n->lim->archive_max_bytes) {
        bw__fail(&e, BW_ERR_LIMIT,
                 "archive too large: more than %llu uncompressed bytes (--max-archive-bytes)",
                 (unsigned long long)n->lim->archive_max_bytes);
        return nest_abort(n, BW_ERR_LIMIT, &e);
    }
    if (n->compressed && n->bytes > BW_ARCHIVE_RATIO_GRACE &&
        n->bytes / n->compressed >= n->lim->archive_max_ratio) {
        bw__fail(&e, BW_ERR_LIMIT,
                 "archive expands too much: more than %u times its size of %llu bytes "
                 "(--max-ratio; a zip bomb?)",
                 n->lim->archive_max_ratio, (unsigned long long)n->compressed);
        return nest_abort(n, BW_ERR_LIMIT, &e);
    }
    return 0;
}

/* The status a libarchive message stands for. */
static bw_status classify(const char *msg)
{
    if (msg && (strcasestr(msg, "truncat") || strcasestr(msg, "premature") ||
                strcasestr(msg, "unexpected end")))
        return BW_ERR_TRUNCATED;
    if (msg && strcasestr(msg, "encrypt"))
        return BW_ERR_UNSUPPORTED;
    return BW_ERR_CORRUPT;
}

/* Fill e from the archive's last error, naming the format. */
static bw_status archive_fail(bw_error *e, struct archive *a, const char *fmt_name)
{
    const char *msg = archive_error_string(a);
    bw_status st = classify(msg);
    if (archive_errno(a) == ENOMEM)
        return bw__fail(e, BW_ERR_NOMEM, "out of memory");
    return bw__fail(e, st, "%s %s archive: %s",
                    st == BW_ERR_TRUNCATED ? "truncated" :
                    st == BW_ERR_UNSUPPORTED ? "unsupported" : "corrupt",
                    fmt_name, msg && *msg ? msg : "cannot read its headers (damaged or truncated)");
}

/* archive_read_data, counted against the limits. Returns bytes (0 at the
 * member's end) or -1: then either n->abort is set, or e says why the
 * member could not be read. */
static la_ssize_t read_data_counted(nest *n, struct archive *a, void *buf, size_t len,
                                    bw_error *e, int count)
{
    la_ssize_t got;
    if (n->abort)
        return -1;
    do
        got = archive_read_data(a, buf, len);
    while (got == ARCHIVE_RETRY);
    if (got < 0) {
        archive_fail(e, a, "member of");
        if (e->status == BW_ERR_NOMEM)
            nest_abort(n, BW_ERR_NOMEM, e);
        return -1;
    }
    if (count && got > 0 && account_bytes(n, (size_t)got) != 0)
        return -1;
    return got;
}

static la_ssize_t read_data(nest *n, struct archive *a, void *buf, size_t len, bw_error *e)
{
    return read_data_counted(n, a, buf, len, e, 1);
}

/* Grow *buf to hold at least need bytes. */
static int grow(unsigned char **buf, size_t *cap, size_t need)
{
    size_t nc = *cap ? *cap : CHUNK;
    unsigned char *nb;
    while (nc < need)
        nc *= 2;
    if (nc == *cap)
        return 0;
    nb = bw__realloc(*buf, nc);
    if (!nb)
        return -1;
    *buf = nb;
    *cap = nc;
    return 0;
}

/* One more read of the member open in a onto (*buf)[*len..]: room for at
 * least `room` more bytes first (grow), then a read of at most `most`
 * bytes, or of all the room there is if that is less. Returns the bytes
 * read, now counted in *len (0 at the member's end), or -1: then either
 * n->abort is set (no memory, a limit), or e says why the member could not
 * be read. */
static la_ssize_t read_more(nest *n, struct archive *a, unsigned char **buf, size_t *cap,
                            size_t *len, size_t room, size_t most, bw_error *e)
{
    la_ssize_t got;
    if (grow(buf, cap, *len + room) != 0)
        return nest_abort(n, BW_ERR_NOMEM, NULL);
    got = read_data(n, a, *buf + *len, *cap - *len < most ? *cap - *len : most, e);
    if (got > 0)
        *len += (size_t)got;
    return got;
}

/* A new libarchive reader for the format the bytes were sniffed as, and
 * only that one: libarchive's bidding among several can take a zip's
 * local header for a tar header ("PK\3\4" then version 45, '-', reads as
 * a name, and on some timestamps the checksum field agrees), and a zip
 * bomb after an image was then read as a tar of one empty file. A
 * compressed stream is opened as the raw format only: its decompressed
 * bytes are one entry, which walk_level() reads as a tar when they start
 * with one and otherwise hands on as a member (libarchive's own bidding
 * would call 512 zeros an empty tar and hide what follows). */
static struct archive *new_reader(bw_archive_format fmt)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    if (fmt == BW_ARCHIVE_TAR)
        archive_read_support_format_tar(a);
    else if (fmt == BW_ARCHIVE_ZIP)
        archive_read_support_format_zip(a);
    else if (fmt == BW_ARCHIVE_7Z)
        archive_read_support_format_7zip(a);
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_lz4(a);
    if (fmt >= BW_ARCHIVE_GZIP)
        archive_read_support_format_raw(a);
    return a;
}

/* "tar.gz", "zip", "gz" ... once the first header has been read. */
static void format_name(struct archive *a, bw_archive_format sniffed, char out[16])
{
    const char *base = NULL, *filt = NULL;
    switch (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) {
    case ARCHIVE_FORMAT_TAR: base = "tar"; break;
    case ARCHIVE_FORMAT_ZIP: base = "zip"; break;
    case ARCHIVE_FORMAT_7ZIP: base = "7z"; break;
    case ARCHIVE_FORMAT_RAW: base = ""; break;
    default: break;
    }
    if (!base) {
        snprintf(out, 16, "%s", bw_archive_format_name(sniffed));
        return;
    }
    if (archive_filter_count(a) > 1) {
        switch (archive_filter_code(a, 0)) {
        case ARCHIVE_FILTER_GZIP: filt = "gz"; break;
        case ARCHIVE_FILTER_BZIP2: filt = "bz2"; break;
        case ARCHIVE_FILTER_XZ: filt = "xz"; break;
        case ARCHIVE_FILTER_ZSTD: filt = "zst"; break;
        case ARCHIVE_FILTER_LZ4: filt = "lz4"; break;
        default: filt = "?"; break;
        }
    }
    snprintf(out, 16, "%s%s%s", base, *base && filt ? "." : "", filt ? filt : "");
}

static bw_status walk_level(nest *n, struct archive *a, const char *name, uint32_t depth,
                            bw_archive_format sniffed, char fmt_out[16], bw_error *err);

/* ---------------- A nested archive streamed from its outer member ---------------- */

typedef struct stream_src {
    nest *n;
    struct archive *outer;
    const unsigned char *head; /* bytes already read from the member to sniff it */
    size_t head_len;
    int head_done;
    unsigned char buf[CHUNK];
    bw_error err;
    int failed;
    int uncounted; /* a tar inside a compressed stream: its members count */
} stream_src;

static la_ssize_t stream_read(struct archive *a, void *ud, const void **out)
{
    stream_src *s = ud;
    la_ssize_t got;
    if (!s->head_done) {
        s->head_done = 1;
        if (s->head_len) {
            *out = s->head;
            return (la_ssize_t)s->head_len;
        }
    }
    got = read_data_counted(s->n, s->outer, s->buf, sizeof s->buf, &s->err, !s->uncounted);
    if (got < 0) {
        s->failed = 1;
        archive_set_error(a, EIO, "%s",
                          s->n->abort ? bw_error_message(&s->n->abort_err)
                                      : bw_error_message(&s->err));
        return -1;
    }
    *out = s->buf;
    return got;
}

/* Walk the member open in outer as an archive of format fmt, depth deep,
 * starting from head[0..len) already read; report the outcome for path. */
static void walk_nested(nest *n, struct archive *outer, unsigned char **bufp, size_t len,
                        const char *path, uint32_t depth, bw_archive_format fmt)
{
    struct archive *a = new_reader(fmt);
    stream_src *s = NULL;
    bw_error e;
    bw_status st;
    char fmt_name[16];
    uint64_t members_before = n->members;
    int opened;

    if (!a) {
        nest_abort(n, BW_ERR_NOMEM, NULL);
        return;
    }
    if (fmt == BW_ARCHIVE_ZIP || fmt == BW_ARCHIVE_7Z) {
        /* These need to seek: read the whole member into memory first. */
        size_t cap = len;
        for (;;) {
            la_ssize_t got;
            if (len > n->lim->max_file_bytes) {
                bw__fail(&e, BW_ERR_LIMIT,
                         "nested archive too large to open: more than %llu bytes "
                         "(--max-file-size)",
                         (unsigned long long)n->lim->max_file_bytes);
                goto failed;
            }
            got = read_more(n, outer, bufp, &cap, &len, CHUNK, CHUNK, &e);
            if (got < 0) {
                if (n->abort)
                    goto out;
                goto failed;
            }
            if (got == 0)
                break;
        }
        opened = archive_read_open_memory(a, *bufp, len);
    } else {
        s = bw__calloc(1, sizeof *s);
        if (!s) {
            nest_abort(n, BW_ERR_NOMEM, NULL);
            goto out;
        }
        s->n = n;
        s->outer = outer;
        s->head = *bufp;
        s->head_len = len;
        opened = archive_read_open2(a, s, NULL, stream_read, NULL, NULL);
    }
    if (n->abort)
        goto out;
    if (opened != ARCHIVE_OK) {
        if (s && s->failed)
            e = s->err;
        else
            archive_fail(&e, a, bw_archive_format_name(fmt));
        goto failed;
    }
    st = walk_level(n, a, path, depth, fmt, fmt_name, &e);
    if (n->abort)
        goto out;
    if (st != BW_OK) {
        if (s && s->failed)
            e = s->err;
        goto failed;
    }
    if (n->cb->nested_done &&
        n->cb->nested_done(n->ctx, path, fmt_name, n->members - members_before) != 0)
        nest_abort(n, BW_ERR_INTERRUPTED, NULL);
    goto out;
failed:
    if (n->cb->problem && n->cb->problem(n->ctx, path, &e) != 0)
        nest_abort(n, BW_ERR_INTERRUPTED, NULL);
out:
    archive_read_free(a);
    free(s);
}

/* ---------------- One member ---------------- */

static void report(nest *n, const char *path, const bw_error *e)
{
    if (n->cb->problem && n->cb->problem(n->ctx, path, e) != 0)
        nest_abort(n, BW_ERR_INTERRUPTED, NULL);
}

/* Read the rest of a member we will not hold, still counting its bytes,
 * through dg when not NULL (*total counts them). Returns 0 when the
 * member was read to its end. */
static int drain(nest *n, struct archive *a, bw_digester *dg, uint64_t *total)
{
    unsigned char *sink = bw__malloc(CHUNK);
    la_ssize_t got;
    bw_error e;
    if (!sink) {
        nest_abort(n, BW_ERR_NOMEM, NULL);
        return -1;
    }
    while ((got = read_data(n, a, sink, CHUNK, &e)) > 0) {
        if (dg)
            bw_digester_update(dg, sink, (size_t)got);
        if (total)
            *total += (uint64_t)got;
    }
    free(sink);
    return got == 0 ? 0 : -1;
}

/* A member over the file size limit (buf holds its first len bytes, the
 * rest is still to be read): stream its digests and report it. */
static void too_large(nest *n, struct archive *a, const char *path, uint32_t depth,
                      const unsigned char *buf, size_t len, const bw_error *why)
{
    bw_digester *dg = NULL;
    bw_digests d;
    bw_error e;
    uint64_t total = len;
    int have = 0;
    if (n->cb->too_large && bw_digester_new(&dg, &e) == BW_OK &&
        bw_digester_reset(dg, &e) == BW_OK) {
        bw_digester_update(dg, buf, len);
        have = drain(n, a, dg, &total) == 0 && bw_digester_final(dg, &d, &e) == BW_OK;
    } else {
        drain(n, a, NULL, NULL);
    }
    bw_digester_free(dg);
    if (n->abort)
        return;
    if (have) {
        if (n->cb->too_large(n->ctx, path, depth, total, &d, why) != 0)
            nest_abort(n, BW_ERR_INTERRUPTED, NULL);
    } else {
        report(n, path, why);
    }
}

/* Read one member file: sniff its first bytes; an archive is walked in
 * turn, anything else goes to the member callback. */
static void walk_embedded(nest *n, const unsigned char *data, size_t len, const char *path,
                          uint32_t depth, bw_archive_format fmt);
static char *member_path(const char *name, struct archive_entry *ent);

/* buf[0..len) (capacity cap, now owned here; may be NULL) holds the
 * member's first bytes already read. */
static void do_member_from(nest *n, struct archive *a, struct archive_entry *ent,
                           const char *path, uint32_t depth, unsigned char *buf, size_t cap,
                           size_t len)
{
    uint64_t max = n->lim->max_file_bytes;
    int64_t hint = archive_entry_size_is_set(ent) ? archive_entry_size(ent) : -1;
    bw_archive_format fmt;
    bw_error e;

    /* The first bytes, enough to sniff. */
    while (len < BW_ARCHIVE_SNIFF_BYTES) {
        la_ssize_t got = read_more(n, a, &buf, &cap, &len, CHUNK, CHUNK, &e);
        if (got < 0) {
            if (!n->abort)
                report(n, path, &e);
            goto out;
        }
        if (got == 0)
            break;
    }
    fmt = bw_archive_sniff(buf, len);
    if (fmt != BW_ARCHIVE_NONE) {
        if (depth >= n->lim->archive_max_depth) {
            bw__fail(&e, BW_ERR_LIMIT,
                     "archive nested too deep: more than %u levels (--max-depth)",
                     n->lim->archive_max_depth);
            report(n, path, &e);
            goto out;
        }
        walk_nested(n, a, &buf, len, path, depth + 1, fmt);
        goto out;
    }
    /* A plain file: the rest of it, within the file size limit. Trust the
     * header's size only as a first allocation, and not beyond 64 MiB. */
    if (hint > 0 && (uint64_t)hint <= max && hint < (64 << 20) &&
        grow(&buf, &cap, (size_t)hint + 1) != 0) {
        nest_abort(n, BW_ERR_NOMEM, NULL);
        goto out;
    }
    for (;;) {
        /* a full buffer doubles; every read fills what room there is */
        la_ssize_t got = read_more(n, a, &buf, &cap, &len, 1, SIZE_MAX, &e);
        if (got < 0) {
            if (!n->abort)
                report(n, path, &e);
            goto out;
        }
        if (got == 0 || len > max)
            break;
    }
    if (len > max) {
        bw__fail(&e, BW_ERR_LIMIT, "file too large: more than %llu bytes (--max-file-size)",
                 (unsigned long long)max);
        too_large(n, a, path, depth, buf, len, &e);
        goto out;
    }
    /* An archive hidden in it (after an image, a zip by its end record):
     * its members first, then the member itself. */
    if (depth < n->lim->archive_max_depth) {
        uint64_t off;
        bw_archive_format ef = bw_archive_find_embedded_memory(buf, len, &off);
        if (ef != BW_ARCHIVE_NONE)
            walk_embedded(n, buf + off, len - (size_t)off, path, depth + 1, ef);
        if (n->abort)
            goto out;
    }
    if (n->cb->member) {
        int stop = n->cb->member(n->ctx, path, depth, buf, len);
        buf = NULL;
        if (stop)
            nest_abort(n, BW_ERR_INTERRUPTED, NULL);
    }
out:
    free(buf);
}

static void do_member(nest *n, struct archive *a, struct archive_entry *ent, const char *path,
                      uint32_t depth)
{
    do_member_from(n, a, ent, path, depth, NULL, 0, 0);
}

/* An archive found inside a member's bytes (bw_archive_find_embedded_*):
 * its members are walked as PATH!MEMBER. It has no record of its own (the
 * member that carries it has), and one that does not open is taken for
 * bytes that only looked like an archive; limits still stop everything. */
static void walk_embedded(nest *n, const unsigned char *data, size_t len, const char *path,
                          uint32_t depth, bw_archive_format fmt)
{
    struct archive *a = new_reader(fmt);
    bw_error e;
    char fmt_name[16];
    if (!a) {
        nest_abort(n, BW_ERR_NOMEM, NULL);
        return;
    }
    if (archive_read_open_memory(a, data, len) == ARCHIVE_OK)
        walk_level(n, a, path, depth, fmt, fmt_name, &e);
    archive_read_free(a);
}

/* ---------------- One archive ---------------- */

/* The one entry of a compressed stream (the raw format): a tar when its
 * bytes start with one -- read through, its members named NAME!MEMBER, the
 * format "tar.gz" -- else one member file, NAME!ENTRY. */
static bw_status walk_raw(nest *n, struct archive *a, struct archive_entry *ent, const char *name,
                          uint32_t depth, char fmt_out[16], bw_error *err)
{
    unsigned char *buf = NULL;
    size_t cap = 0, len = 0;
    bw_error e;
    char *path;
    while (len < BW_ARCHIVE_SNIFF_BYTES) {
        la_ssize_t got = read_more(n, a, &buf, &cap, &len, CHUNK, CHUNK, &e);
        if (got < 0) {
            free(buf);
            if (n->abort)
                return n->abort;
            *err = e;
            return e.status != BW_OK ? e.status : BW_ERR_CORRUPT;
        }
        if (got == 0)
            break;
    }
    if (bw_archive_sniff(buf, len) == BW_ARCHIVE_TAR) {
        struct archive *in = new_reader(BW_ARCHIVE_TAR);
        stream_src *ss = bw__calloc(1, sizeof *ss);
        char filt[8], inner[16];
        bw_status st;
        if (!in || !ss) {
            archive_read_free(in);
            free(ss);
            free(buf);
            nest_abort(n, BW_ERR_NOMEM, NULL);
            return n->abort;
        }
        ss->n = n;
        ss->outer = a;
        ss->head = buf;
        ss->head_len = len;
        ss->uncounted = 1;
        if (archive_read_open2(in, ss, NULL, stream_read, NULL, NULL) != ARCHIVE_OK)
            st = archive_fail(err, in, "tar");
        else
            st = walk_level(n, in, name, depth, BW_ARCHIVE_TAR, inner, err);
        if (st != BW_OK && !n->abort && ss->failed)
            *err = ss->err;
        snprintf(filt, sizeof filt, "%.7s", fmt_out); /* "gz", "zst" ... */
        snprintf(fmt_out, 16, "tar%s%s", *filt ? "." : "", filt);
        archive_read_free(in);
        free(ss);
        free(buf);
        return n->abort ? n->abort : st;
    }
    if (++n->members > n->lim->archive_max_members) {
        free(buf);
        bw__fail(&e, BW_ERR_LIMIT, "too many archive members: more than %llu (--max-members)",
                 (unsigned long long)n->lim->archive_max_members);
        return nest_abort(n, BW_ERR_LIMIT, &e), n->abort;
    }
    if (!(path = member_path(name, ent))) {
        free(buf);
        nest_abort(n, BW_ERR_NOMEM, NULL);
        return n->abort;
    }
    if (n->cb->skip) {
        int sk = n->cb->skip(n->ctx, path);
        if (sk < 0)
            nest_abort(n, BW_ERR_INTERRUPTED, NULL);
        if (sk) {
            free(path);
            free(buf);
            return n->abort;
        }
    }
    do_member_from(n, a, ent, path, depth, buf, cap, len);
    free(path);
    return n->abort;
}


static char *member_path(const char *name, struct archive_entry *ent)
{
    const char *m = archive_entry_pathname(ent);
    size_t nl = strlen(name), ml;
    char *p;
    if (!m)
        m = archive_entry_pathname_utf8(ent);
    if (!m || !*m)
        m = "?";
    ml = strlen(m);
    p = bw__malloc(nl + ml + 2);
    if (!p)
        return NULL;
    memcpy(p, name, nl);
    p[nl] = '!';
    memcpy(p + nl + 1, m, ml + 1);
    return p;
}

static bw_status walk_level(nest *n, struct archive *a, const char *name, uint32_t depth,
                            bw_archive_format sniffed, char fmt_out[16], bw_error *err)
{
    int retries = 0, first = 1;
    snprintf(fmt_out, 16, "%s", bw_archive_format_name(sniffed));
    for (;;) {
        struct archive_entry *ent;
        char *path;
        int r = archive_read_next_header(a, &ent);
        if (n->abort)
            return n->abort;
        if (r == ARCHIVE_EOF)
            break;
        if (r == ARCHIVE_RETRY && ++retries < 16)
            continue;
        if (r == ARCHIVE_FATAL || r == ARCHIVE_RETRY)
            return archive_fail(err, a, first ? bw_archive_format_name(sniffed) : fmt_out);
        retries = 0;
        if (first) {
            format_name(a, sniffed, fmt_out);
            first = 0;
            if ((archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW)
                return r == ARCHIVE_FAILED ? archive_fail(err, a, fmt_out)
                                           : walk_raw(n, a, ent, name, depth, fmt_out, err);
        }
        if (++n->members > n->lim->archive_max_members) {
            bw_error e;
            bw__fail(&e, BW_ERR_LIMIT, "too many archive members: more than %llu (--max-members)",
                     (unsigned long long)n->lim->archive_max_members);
            nest_abort(n, BW_ERR_LIMIT, &e);
            return n->abort;
        }
        if (r == ARCHIVE_FAILED)
            continue; /* this entry cannot be read; the next may */
        if (archive_entry_filetype(ent) != AE_IFREG && archive_entry_filetype(ent) != 0)
            continue; /* directories, links, devices: no content */
        if (archive_entry_hardlink(ent) && archive_entry_size(ent) == 0)
            continue; /* a hard link to a member already seen */
        if (!(path = member_path(name, ent))) {
            nest_abort(n, BW_ERR_NOMEM, NULL);
            return n->abort;
        }
        if (n->cb->skip) {
            int s = n->cb->skip(n->ctx, path);
            if (s < 0)
                nest_abort(n, BW_ERR_INTERRUPTED, NULL);
            if (s) {
                free(path);
                if (n->abort)
                    return n->abort;
                continue;
            }
        }
        if (archive_entry_is_encrypted(ent)) {
            bw_error e;
            bw__fail(&e, BW_ERR_UNSUPPORTED, "encrypted archive member: cannot be read");
            report(n, path, &e);
        } else {
            do_member(n, a, ent, path, depth);
        }
        free(path);
        if (n->abort)
            return n->abort;
    }
    return BW_OK;
}

/* ---------------- The top-level archive ---------------- */

static bw_status walk_top(struct archive *a, int opened, bw_archive_format fmt, const char *name,
                          uint64_t size, const bw_limits *limits, const bw_archive_cb *cb,
                          void *ctx, bw_archive_walk_info *info, bw_error *err)
{
    static const bw_archive_cb no_cb = {NULL, NULL, NULL, NULL, NULL};
    nest n = {bw__limits(limits), cb ? cb : &no_cb, ctx, size, 0, 0, BW_OK, {BW_OK, ""}};
    char fmt_name[16];
    bw_status st;

    snprintf(fmt_name, sizeof fmt_name, "%s", bw_archive_format_name(fmt));
    if (n.lim->archive_max_depth < 1)
        st = bw__fail(err, BW_ERR_LIMIT, "archive nested too deep: more than %u levels "
                      "(--max-depth)", n.lim->archive_max_depth);
    else if (opened != ARCHIVE_OK)
        st = archive_fail(err, a, fmt_name);
    else
        st = walk_level(&n, a, name, 1, fmt, fmt_name, err);
    if (n.abort) {
        st = n.abort;
        if (err)
            *err = n.abort_err;
    }
    if (info) {
        snprintf(info->format, sizeof info->format, "%s", fmt_name);
        info->members = n.members;
        info->bytes = n.bytes;
    }
    archive_read_free(a);
    return st;
}

bw_status bw_archive_walk_fd(int fd, const char *name, uint64_t size, const bw_limits *limits,
                             const bw_archive_cb *cb, void *ctx, bw_archive_walk_info *info,
                             bw_error *err)
{
    unsigned char head[BW_ARCHIVE_SNIFF_BYTES];
    ssize_t got;
    off_t at = lseek(fd, 0, SEEK_CUR);
    bw_archive_format fmt;
    struct archive *a;

    if (info)
        memset(info, 0, sizeof *info);
    if (fd < 0 || !name)
        return bw__fail(err, BW_ERR_ARG, "no archive given");
    got = at >= 0 ? pread(fd, head, sizeof head, at) : -1;
    fmt = got > 0 ? bw_archive_sniff(head, (size_t)got) : BW_ARCHIVE_NONE;
    if (fmt == BW_ARCHIVE_NONE)
        return bw__fail(err, BW_ERR_FORMAT, "not an archive");
    if (!(a = new_reader(fmt)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    return walk_top(a, archive_read_open_fd(a, fd, CHUNK), fmt, name, size, limits, cb, ctx,
                    info, err);
}

bw_status bw_archive_walk_memory(const void *data, size_t len, const char *name,
                                 const bw_limits *limits, const bw_archive_cb *cb, void *ctx,
                                 bw_archive_walk_info *info, bw_error *err)
{
    bw_archive_format fmt = bw_archive_sniff(data, len);
    struct archive *a;
    if (info)
        memset(info, 0, sizeof *info);
    if (!name)
        return bw__fail(err, BW_ERR_ARG, "no archive given");
    if (fmt == BW_ARCHIVE_NONE)
        return bw__fail(err, BW_ERR_FORMAT, "not an archive");
    if (!(a = new_reader(fmt)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    return walk_top(a, archive_read_open_memory(a, data, len), fmt, name, len, limits, cb, ctx,
                    info, err);
}

/* ---------------- A slice of a file: an archive found inside it ---------------- */

typedef struct slice {
    int fd;
    uint64_t base, size, pos;
    unsigned char buf[CHUNK];
} slice;

static la_ssize_t slice_read(struct archive *a, void *ud, const void **out)
{
    slice *s = ud;
    size_t want = s->size - s->pos < CHUNK ? (size_t)(s->size - s->pos) : CHUNK;
    ssize_t got;
    *out = s->buf;
    if (want == 0)
        return 0;
    do
        got = pread(s->fd, s->buf, want, (off_t)(s->base + s->pos));
    while (got < 0 && errno == EINTR);
    if (got < 0) {
        archive_set_error(a, errno, "cannot read: %s", strerror(errno));
        return -1;
    }
    s->pos += (uint64_t)got;
    return got;
}

static la_int64_t slice_seek(struct archive *a, void *ud, la_int64_t off, int whence)
{
    slice *s = ud;
    int64_t to = whence == SEEK_SET ? off : whence == SEEK_CUR ? (int64_t)s->pos + off
                                                               : (int64_t)s->size + off;
    (void)a;
    if (to < 0)
        return ARCHIVE_FATAL;
    s->pos = (uint64_t)to > s->size ? s->size : (uint64_t)to;
    return (la_int64_t)s->pos;
}

static la_int64_t slice_skip(struct archive *a, void *ud, la_int64_t req)
{
    slice *s = ud;
    uint64_t left = s->size - s->pos;
    (void)a;
    if (req <= 0)
        return 0;
    if ((uint64_t)req > left)
        req = (la_int64_t)left;
    s->pos += (uint64_t)req;
    return req;
}

bw_status bw_archive_walk_fd_at(int fd, uint64_t offset, uint64_t size, const char *name,
                                const bw_limits *limits, const bw_archive_cb *cb, void *ctx,
                                bw_archive_walk_info *info, bw_error *err)
{
    unsigned char head[BW_ARCHIVE_SNIFF_BYTES];
    ssize_t got;
    bw_archive_format fmt;
    struct archive *a;
    slice *sl;
    bw_status st;

    if (info)
        memset(info, 0, sizeof *info);
    if (fd < 0 || !name)
        return bw__fail(err, BW_ERR_ARG, "no archive given");
    got = pread(fd, head, size < sizeof head ? (size_t)size : sizeof head, (off_t)offset);
    fmt = got > 0 ? bw_archive_sniff(head, (size_t)got) : BW_ARCHIVE_NONE;
    if (fmt == BW_ARCHIVE_NONE)
        return bw__fail(err, BW_ERR_FORMAT, "not an archive");
    if (!(sl = bw__malloc(sizeof *sl)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    sl->fd = fd;
    sl->base = offset;
    sl->size = size;
    sl->pos = 0;
    if (!(a = new_reader(fmt))) {
        free(sl);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    archive_read_set_callback_data(a, sl);
    archive_read_set_read_callback(a, slice_read);
    archive_read_set_seek_callback(a, slice_seek);
    archive_read_set_skip_callback(a, slice_skip);
    st = walk_top(a, archive_read_open1(a), fmt, name, size, limits, cb, ctx, info, err);
    free(sl);
    return st;
}
