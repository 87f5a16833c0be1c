/* share.c -- sharing an index between threads: reference counting, and
 * the slot that holds "the current index" so that a reload can swap a new
 * one in while lookups continue on the old one. The slot's mutex guards
 * only the pointer and the reference taken on it, never a lookup. */
#include <pthread.h>
#include <stdlib.h>
#include "core/internal.h"
#include "index/index_internal.h"

bw_index *bw_index_ref(bw_index *ix)
{
    if (ix)
        atomic_fetch_add_explicit(&ix->refs, 1, memory_order_relaxed);
    return ix;
}

void bw_index_unref(bw_index *ix)
{
    if (ix && atomic_fetch_sub_explicit(&ix->refs, 1, memory_order_acq_rel) == 1)
        bw__index_free(ix);
}

struct bw_index_slot {
    pthread_mutex_t lock;
    bw_index *cur;
};

bw_status bw_index_slot_new(bw_index_slot **out, bw_index *initial, bw_error *err)
{
    bw_index_slot *s = bw__calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return bw__fail(err, BW_ERR_INTERNAL, "cannot create a mutex");
    }
    s->cur = bw_index_ref(initial);
    *out = s;
    return BW_OK;
}

bw_index *bw_index_slot_get(bw_index_slot *slot)
{
    bw_index *ix;
    if (!slot)
        return NULL;
    pthread_mutex_lock(&slot->lock);
    ix = bw_index_ref(slot->cur);
    pthread_mutex_unlock(&slot->lock);
    return ix;
}

void bw_index_slot_set(bw_index_slot *slot, bw_index *ix)
{
    bw_index *old;
    if (!slot)
        return;
    bw_index_ref(ix);
    pthread_mutex_lock(&slot->lock);
    old = slot->cur;
    slot->cur = ix;
    pthread_mutex_unlock(&slot->lock);
    bw_index_unref(old);
}

void bw_index_slot_free(bw_index_slot *slot)
{
    if (!slot)
        return;
    bw_index_unref(slot->cur);
    pthread_mutex_destroy(&slot->lock);
    free(slot);
}
