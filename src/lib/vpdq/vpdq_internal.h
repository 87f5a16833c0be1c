/* vpdq_internal.h -- what the vPDQ sources share; not installed. */
#ifndef BW_VPDQ_INTERNAL_H
#define BW_VPDQ_INTERNAL_H

#include <stdint.h>
#include "bulwark/vpdq.h"

/* FFmpeg's demuxer name for a container bw_vpdq_sniff named. */
const char *bw__vpdq_demuxer(const char *container);

/* Read exactly n bytes at off; 0 on success. */
typedef int (*bw__vpdq_read_at_fn)(void *ctx, uint64_t off, void *buf, size_t n);

/* Walk the top-level ISO-BMFF boxes of a size-byte MP4/MOV: BW_ERR_TRUNCATED
 * when a box runs past the end, BW_ERR_CORRUPT for an impossible size. */
bw_status bw__vpdq_check_boxes(bw__vpdq_read_at_fn read_at, void *ctx, uint64_t size,
                               const char *container, bw_error *err);

#endif
