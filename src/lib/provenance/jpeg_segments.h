/* jpeg_segments.h -- walking the marker segments of a JPEG file up to its
 * image data (internal). Both provenance readers use it: the metadata
 * reader (APP1 EXIF/XMP, APP13 IPTC) and the C2PA locator (APP11 JUMBF). */
#ifndef BW_JPEG_SEGMENTS_H
#define BW_JPEG_SEGMENTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct bw__jpeg_iter {
    const uint8_t *d;
    size_t n, pos;
    const char *damage; /* why the walk stopped early, or NULL */
} bw__jpeg_iter;

typedef struct bw__jpeg_seg {
    uint8_t marker;        /* the byte after 0xFF, e.g. 0xE1 for APP1 */
    const uint8_t *data;   /* the payload after the 2-byte length */
    size_t len;            /* payload bytes */
    size_t offset;         /* file offset of the segment's 0xFF */
} bw__jpeg_seg;

/* Start after the SOI marker; 0 if d does not begin with one. */
int bw__jpeg_iter_init(bw__jpeg_iter *it, const uint8_t *d, size_t n);

/* The next segment that carries a payload (fill bytes and stand-alone
 * markers are skipped); 0 at SOS or EOI, at the end of the bytes, or on
 * damage ("JPEG marker expected", "truncated JPEG segment"). */
int bw__jpeg_next(bw__jpeg_iter *it, bw__jpeg_seg *seg);

#endif
