/* walk.c -- recursive walk of files and directories (bulwark/walk.h).
 *
 * Entries of a directory are visited in byte order of their names, so the
 * output is the same from run to run. A loop (a link back to a directory
 * being walked) is found by keeping the (device, inode) of every directory
 * on the current path. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core/internal.h"
#include "bulwark/walk.h"

typedef struct dir_id {
    dev_t dev;
    ino_t ino;
} dir_id;

typedef struct walker {
    const bw_walk_opts *opts;
    bw_walk_fn fn;
    void *ctx;
    dir_id *stack;
    size_t depth, cap;
    uint32_t max_depth;
} walker;

static int report(walker *w, const char *path, bw_status st, const char *fmt, const char *arg)
{
    bw_error e;
    bw_walk_entry ent = {path, 0, &e};
    bw__fail(&e, st, fmt, arg);
    return w->fn(w->ctx, &ent);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bw_status walk_path(walker *w, const char *path, int is_root);

static bw_status walk_dir(walker *w, const char *path, const struct stat *st)
{
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    bw_status rc = BW_OK;

    for (size_t i = 0; i < w->depth; i++)
        if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino)
            return report(w, path, BW_ERR_LIMIT, "directory loop: %s leads back to an ancestor",
                          path) ? BW_ERR_INTERRUPTED : BW_OK;
    if (w->depth >= w->max_depth)
        return report(w, path, BW_ERR_LIMIT, "directory nesting too deep at %s", path)
                   ? BW_ERR_INTERRUPTED : BW_OK;
    d = opendir(path);
    if (!d)
        return report(w, path, BW_ERR_IO, "cannot open directory: %s", strerror(errno))
                   ? BW_ERR_INTERRUPTED : BW_OK;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            char **nn;
            cap = cap ? cap * 2 : 64;
            nn = bw__realloc(names, cap * sizeof *names);
            if (!nn) {
                rc = BW_ERR_NOMEM;
                goto out;
            }
            names = nn;
        }
        if (!(names[n] = bw__strdup(e->d_name))) {
            rc = BW_ERR_NOMEM;
            goto out;
        }
        n++;
    }
    qsort(names, n, sizeof *names, cmp_names);
    if (w->depth == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 16;
        dir_id *ns = bw__realloc(w->stack, nc * sizeof *ns);
        if (!ns) {
            rc = BW_ERR_NOMEM;
            goto out;
        }
        w->stack = ns;
        w->cap = nc;
    }
    w->stack[w->depth].dev = st->st_dev;
    w->stack[w->depth].ino = st->st_ino;
    w->depth++;
    for (size_t i = 0; i < n && rc == BW_OK; i++) {
        size_t pl = strlen(path), nl = strlen(names[i]);
        char *child = bw__malloc(pl + nl + 2);
        if (!child) {
            rc = BW_ERR_NOMEM;
            break;
        }
        memcpy(child, path, pl);
        if (pl && path[pl - 1] == '/')
            pl--;
        child[pl] = '/';
        memcpy(child + pl + 1, names[i], nl + 1);
        rc = walk_path(w, child, 0);
        free(child);
    }
    w->depth--;
out:
    closedir(d);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

static bw_status walk_path(walker *w, const char *path, int is_root)
{
    struct stat st;
    int follow = is_root || w->opts->follow_symlinks;
    if ((follow ? stat(path, &st) : lstat(path, &st)) != 0) {
        int e = errno;
        if (e == ELOOP)
            return report(w, path, BW_ERR_LIMIT, "symbolic link loop at %s", path)
                       ? BW_ERR_INTERRUPTED : BW_OK;
        return report(w, path, e == ENOENT ? BW_ERR_NOT_FOUND : BW_ERR_IO, "cannot stat: %s",
                      strerror(e)) ? BW_ERR_INTERRUPTED : BW_OK;
    }
    if (S_ISLNK(st.st_mode))
        return BW_OK; /* not following links: skipped silently, as find(1) does */
    if (S_ISDIR(st.st_mode))
        return walk_dir(w, path, &st);
    if (S_ISREG(st.st_mode)) {
        bw_walk_entry ent = {path, (uint64_t)st.st_size, NULL};
        return w->fn(w->ctx, &ent) ? BW_ERR_INTERRUPTED : BW_OK;
    }
    if (is_root) {
        /* A pipe or character device named on purpose (e.g. /dev/stdin). */
        bw_walk_entry ent = {path, 0, NULL};
        return w->fn(w->ctx, &ent) ? BW_ERR_INTERRUPTED : BW_OK;
    }
    return BW_OK; /* sockets, fifos, devices inside a tree: not content */
}

bw_status bw_walk(const char *root, const bw_walk_opts *opts, bw_walk_fn fn, void *ctx)
{
    static const bw_walk_opts defaults = {0, 0};
    walker w = {opts ? opts : &defaults, fn, ctx, NULL, 0, 0, 0};
    bw_status rc;
    w.max_depth = w.opts->max_depth ? w.opts->max_depth : 4096;
    rc = walk_path(&w, root, 1);
    free(w.stack);
    return rc;
}
