/* record_internal.h -- what the sources of src/lib/record share: a set of
 * paths (the records kept for resume). Not installed. */
#ifndef BW_RECORD_INTERNAL_H
#define BW_RECORD_INTERNAL_H

#include <stddef.h>
#include "bulwark/record.h"

/* ---- pathset.c: a set of strings (open addressing, FNV-1a) ---- */

typedef struct bw__pathset {
    char **slots;
    size_t cap, n;
} bw__pathset;

/* 0, or -1 when out of memory. Adding a path already there is fine. */
int bw__pathset_add(bw__pathset *s, const char *path, size_t len);
int bw__pathset_has(const bw__pathset *s, const char *path);
void bw__pathset_free(bw__pathset *s);

#endif
