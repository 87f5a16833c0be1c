/* bulwark/archive.h -- reading archives in place: zip, tar, 7z and
 * compressed tar (gzip, bzip2, xz, zstd, lz4), archives inside archives
 * included, with nothing extracted to disk.
 *
 * An archive is recognised by its first bytes (bw_archive_sniff), never by
 * its name, or found where its readers look for it inside another input
 * (bw_archive_find_embedded_*: after an image, a zip by its end record). A
 * compressed stream (gzip, bzip2, xz, zstd, lz4) is a tar when its
 * decompressed bytes start with one (members OUTER!MEMBER, format
 * "tar.gz"), and otherwise one member, the decompressed file (named by the
 * gzip header's name, else "data"), which is then scanned like any member. bw_archive_walk_*() stream the archive through libarchive and
 * hand each member file to a callback as a buffer in memory, named
 * OUTER!MEMBER (nested: a.zip!b.tar!c.jpg). A member that is itself an
 * archive is opened from the outer member's bytes: tar-family members are
 * streamed, zip and 7z members (which need to seek) are held in memory
 * within the member size limit. A member over that limit is not held, but
 * its digests are streamed (the too_large callback).
 *
 * Hostile archives are bounded by the limits in limits.h, counted over the
 * whole nest under one top-level archive: archive_max_depth (nesting),
 * archive_max_members (entries), archive_max_bytes (uncompressed bytes) and
 * archive_max_ratio (uncompressed bytes per byte of the top-level archive,
 * checked once more than BW_ARCHIVE_RATIO_GRACE bytes came out, so that a
 * tiny archive of a small compressible file is not called a bomb). A member
 * larger than max_file_bytes is reported and skipped. Member names are
 * passed on as they are (odd bytes, ../): they are names, never paths on
 * disk. */
#ifndef BULWARK_ARCHIVE_H
#define BULWARK_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "limits.h"
#include "digest.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bw_archive_format {
    BW_ARCHIVE_NONE = 0,
    BW_ARCHIVE_TAR,       /* ustar, GNU, pax, or v7 (checksum verified) */
    BW_ARCHIVE_ZIP,
    BW_ARCHIVE_7Z,
    BW_ARCHIVE_GZIP,      /* compressed streams: a tar inside, or one file */
    BW_ARCHIVE_BZIP2,
    BW_ARCHIVE_XZ,
    BW_ARCHIVE_ZSTD,
    BW_ARCHIVE_LZ4,
    BW_ARCHIVE_FORMAT_COUNT
} bw_archive_format;

/* Bytes bw_archive_sniff wants to see (the tar magic is at offset 257). */
#define BW_ARCHIVE_SNIFF_BYTES 512

/* Ratio checks start once this many uncompressed bytes came out. */
#define BW_ARCHIVE_RATIO_GRACE (1ull << 20)

/* The archive format the first bytes announce, or BW_ARCHIVE_NONE. */
bw_archive_format bw_archive_sniff(const void *data, size_t len);

/* An archive hidden in an input that does not start with one, where the
 * archive's readers find it: right after an image (the end of a JPEG, PNG,
 * GIF or WebP, then sniffed), or a zip by its end-of-central-directory
 * record near the end (whatever precedes it). Returns its format and sets
 * *offset to where it starts, or BW_ARCHIVE_NONE. The _fd form reads with
 * pread (the descriptor's offset is not moved); size is the file's. */
bw_archive_format bw_archive_find_embedded_memory(const void *data, size_t len, uint64_t *offset);
bw_archive_format bw_archive_find_embedded_fd(int fd, uint64_t size, uint64_t *offset);

/* "tar", "zip", "7z", "gz", "bz2", "xz", "zst", "lz4", "none". */
const char *bw_archive_format_name(bw_archive_format format);

/* What the walker reports, on the caller's thread, in archive order. Every
 * callback returns 0 to go on and nonzero to stop the walk (which then
 * returns BW_ERR_INTERRUPTED). Any callback may be NULL. */
typedef struct bw_archive_cb {
    /* Before a member (or a nested archive) is read: return 1 to pass over
     * it unread (e.g. already done by an earlier, interrupted run), -1 to
     * stop, 0 to read it. */
    int (*skip)(void *ctx, const char *path);
    /* A member file's bytes. data is malloc'd and now the callee's to
     * free (even when it returns nonzero); len may be 0. */
    int (*member)(void *ctx, const char *path, uint32_t depth, void *data, size_t len);
    /* A member or a nested archive that could not be read, and why. The
     * walk goes on with the next member. */
    int (*problem)(void *ctx, const char *path, const bw_error *err);
    /* A nested archive was read to its end: its format name (as
     * bw_archive_walk_info.format) and member count. */
    int (*nested_done)(void *ctx, const char *path, const char *format, uint64_t members);
    /* A member file over max_file_bytes: not handed over, but its bytes
     * were streamed through the digests: its size, digests and err (the
     * limit). NULL: problem() is called instead, without the digests. */
    int (*too_large)(void *ctx, const char *path, uint32_t depth, uint64_t size,
                     const bw_digests *digests, const bw_error *err);
} bw_archive_cb;

/* About the top-level archive, when the walk is over. */
typedef struct bw_archive_walk_info {
    char format[16];      /* e.g. "zip", "7z", "tar", "tar.gz", "tar.zst", "gz" */
    uint64_t members;     /* entries seen, nested ones included */
    uint64_t bytes;       /* uncompressed bytes read, nested ones included */
} bw_archive_walk_info;

/* Walk the archive open on fd (read from its current offset; it must be
 * seekable for 7z). name is how its members are prefixed; size is the
 * archive's size in bytes (for the ratio limit; 0 if unknown: no ratio
 * check). Returns BW_OK when the archive was read to its end (members and
 * nested archives may still have been reported through problem()), or the
 * reason the archive as a whole failed: BW_ERR_LIMIT (a limit hit: the
 * rest of the archive is not read), BW_ERR_CORRUPT / _TRUNCATED /
 * _UNSUPPORTED, BW_ERR_INTERRUPTED (a callback stopped it), BW_ERR_NOMEM.
 * info (may be NULL) is filled either way. fd is not closed. */
bw_status bw_archive_walk_fd(int fd, const char *name, uint64_t size, const bw_limits *limits,
                             const bw_archive_cb *cb, void *ctx, bw_archive_walk_info *info,
                             bw_error *err);

/* The archive in bytes [offset, offset + size) of the file open on fd
 * (an archive found by bw_archive_find_embedded_fd), read with pread: the
 * descriptor's offset is not moved. size is also the ratio limit's base. */
bw_status bw_archive_walk_fd_at(int fd, uint64_t offset, uint64_t size, const char *name,
                                const bw_limits *limits, const bw_archive_cb *cb, void *ctx,
                                bw_archive_walk_info *info, bw_error *err);

/* The same over an archive in memory (not copied: must outlive the call). */
bw_status bw_archive_walk_memory(const void *data, size_t len, const char *name,
                                 const bw_limits *limits, const bw_archive_cb *cb, void *ctx,
                                 bw_archive_walk_info *info, bw_error *err);

#ifdef __cplusplus
}
#endif
#endif
