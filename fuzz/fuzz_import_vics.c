/* fuzz_import_vics.c -- libFuzzer target for the `vics` list parser:
 * Project VIC VICS JSON (yajl streaming). The body is fuzz_import.h. */
#include "fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_import(data, size, BW_LIST_VICS);
}
