/* pdq_internal.h -- what pdq.c and pdq_scaled.c share; not installed. */
#ifndef BW_PDQ_INTERNAL_H
#define BW_PDQ_INTERNAL_H

#include "bulwark/pdq.h"

/* PDQ of an image decoded at reduced scale (full_width/height > width/height):
 * the 64x64 buffer the full-resolution pipeline would have sampled,
 * computed from the scaled pixels, then quality, DCT and bits as usual. */
bw_status bw__pdq_hash_scaled(const bw_image *img, bw_pdq *hash, int *quality,
                              bw_pdq dihedral[BW_PDQ_DIHEDRAL_COUNT], bw_error *err);

#endif
