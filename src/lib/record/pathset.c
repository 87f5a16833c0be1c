/* pathset.c -- a set of path strings (open addressing, FNV-1a): the paths
 * a resumed scan already has records for. */
#include <stdlib.h>
#include <string.h>
#include "record/record_internal.h"
#include "core/internal.h"

static uint64_t fnv1a(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* The slot holding path, or the empty slot where it would go. */
static size_t find_slot(char **slots, size_t cap, const char *path, size_t len)
{
    size_t i = (size_t)fnv1a(path, len) & (cap - 1);
    while (slots[i] && !(strncmp(slots[i], path, len) == 0 && slots[i][len] == '\0'))
        i = (i + 1) & (cap - 1);
    return i;
}

static int grow(bw__pathset *s)
{
    size_t ncap = s->cap ? s->cap * 2 : 1024;
    char **ns = bw__calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i])
            ns[find_slot(ns, ncap, s->slots[i], strlen(s->slots[i]))] = s->slots[i];
    free(s->slots);
    s->slots = ns;
    s->cap = ncap;
    return 0;
}

int bw__pathset_add(bw__pathset *s, const char *path, size_t len)
{
    size_t i;
    if ((s->n + 1) * 2 > s->cap && grow(s) != 0)
        return -1;
    i = find_slot(s->slots, s->cap, path, len);
    if (s->slots[i])
        return 0;
    if (!(s->slots[i] = bw__malloc(len + 1)))
        return -1;
    memcpy(s->slots[i], path, len);
    s->slots[i][len] = '\0';
    s->n++;
    return 0;
}

int bw__pathset_has(const bw__pathset *s, const char *path)
{
    if (!s->n)
        return 0;
    return s->slots[find_slot(s->slots, s->cap, path, strlen(path))] != NULL;
}

void bw__pathset_free(bw__pathset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slots[i]);
    free(s->slots);
    memset(s, 0, sizeof *s);
}
