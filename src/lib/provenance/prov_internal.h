/* prov_internal.h -- how the provenance sources plug into
 * bw_provenance_examine (provenance.c). Each source appends signals to the
 * result and never fails on damaged input (it notes the damage instead);
 * a non-OK status means NOMEM or a bug. */
#ifndef BW_PROV_INTERNAL_H
#define BW_PROV_INTERNAL_H

#include "bulwark/provenance.h"
#include "bulwark/image.h"

/* Append a signal (strings copied; any may be NULL). */
bw_status bw__prov_add_signal(bw_provenance *p, bw_signal_type type, const char *generator,
                              const char *detail, int verified, int ai, const char *prompt);

/* Append a string to a string array (copied). */
bw_status bw__prov_add_string(char ***arr, size_t *n, const char *s);

/* C2PA: find, parse and validate the manifest store (c2pa_*.c). Fills
 * p->c2pa and adds a BW_SIGNAL_C2PA signal when a store is present. */
bw_status bw__prov_c2pa(const uint8_t *data, size_t len, bw_format fmt,
                        const bw_provenance_opts *opts, bw_provenance *p);

/* Metadata: IPTC/XMP digital source type, PNG text chunks, EXIF
 * (meta_*.c). Adds one signal per finding. */
bw_status bw__prov_metadata(const uint8_t *data, size_t len, bw_format fmt,
                            const bw_provenance_opts *opts, bw_provenance *p);

/* Invisible watermark (watermark.c) on decoded pixels (RGB, full size). */
bw_status bw__prov_watermark(const bw_image *img, const bw_provenance_opts *opts,
                             bw_provenance *p);

#endif
