/* bulwark/walk.h -- walking paths: files, directories (recursively, in
 * byte order of names), with symlink loops detected.
 *
 * The callback sees every regular file once, and every problem (a loop,
 * an unreadable directory, a dangling link) as an entry with an error, so
 * that a caller can report it and go on. */
#ifndef BULWARK_WALK_H
#define BULWARK_WALK_H

#include <stdint.h>
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bw_walk_opts {
    int follow_symlinks;   /* 1: follow links to files and directories */
    uint32_t max_depth;    /* directory depth; 0: 4096 */
} bw_walk_opts;

typedef struct bw_walk_entry {
    const char *path;      /* the path as the caller will name it */
    uint64_t size;         /* bytes, for regular files */
    const bw_error *error; /* NULL, or what went wrong with this path */
} bw_walk_entry;

/* Return 0 to go on, nonzero to stop the walk (bw_walk then returns
 * BW_ERR_INTERRUPTED). */
typedef int (*bw_walk_fn)(void *ctx, const bw_walk_entry *entry);

/* Walk one path. Symlinks named directly as root are always followed.
 * Errors about entries go to fn; bw_walk itself fails only on NOMEM or
 * when fn stops it. */
bw_status bw_walk(const char *root, const bw_walk_opts *opts, bw_walk_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
