/* fuzz_metadata.c -- libFuzzer target for the provenance metadata parsers
 * (meta_*.c): PNG chunks and text (tEXt/zTXt/iTXt, eXIf, stealth alpha
 * bits), JPEG segments (EXIF, XMP, extended XMP, APP13 IPTC), WebP RIFF
 * chunks, TIFF files, and behind them EXIF IFDs, XMP (libxml2), generator JSON (yajl).
 * Each input is tried as every container format, with the default limits
 * and with small ones so that the limit paths are exercised too. */
#include <stdint.h>
#include <string.h>
#include "bulwark/provenance.h"
#include "provenance/prov_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bw_format fmts[] = {BW_FORMAT_PNG, BW_FORMAT_JPEG, BW_FORMAT_WEBP, BW_FORMAT_TIFF};
    bw_limits small;
    bw_limits_default(&small);
    small.max_text_chunks = 4;
    small.max_meta_bytes = 256;
    small.max_json_depth = 4;
    small.max_pixels = 1u << 16;
    for (int l = 0; l < 2; l++) {
        for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
            bw_provenance p;
            bw_provenance_opts o;
            memset(&o, 0, sizeof o);
            memset(&p, 0, sizeof p);
            o.no_watermark = 1;
            o.limits = l ? &small : NULL;
            bw__prov_metadata(data, size, fmts[f], &o, &p);
            bw_provenance_free(&p);
        }
    }
    return 0;
}
