/* decode.c -- dispatch to the decoder for the sniffed format. (Decoders
 * land in their own files, one per format.) */
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "bulwark/image.h"

bw_status bw_image_probe(const void *data, size_t len, bw_format *format, uint32_t *width,
                         uint32_t *height, bw_error *err)
{
    (void)width;
    (void)height;
    *format = bw_format_sniff(data, len);
    return bw__fail(err, BW_ERR_UNSUPPORTED, "no decoder for %s yet", bw_format_name(*format));
}

bw_status bw_image_decode(const void *data, size_t len, const bw_decode_opts *opts,
                          bw_image *img, bw_error *err)
{
    (void)opts;
    memset(img, 0, sizeof *img);
    img->format = bw_format_sniff(data, len);
    return bw__fail(err, BW_ERR_UNSUPPORTED, "no decoder for %s yet",
                    bw_format_name(img->format));
}

void bw_image_free(bw_image *img)
{
    if (img) {
        free(img->pixels);
        memset(img, 0, sizeof *img);
    }
}
