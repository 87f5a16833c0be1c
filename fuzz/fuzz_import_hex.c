/* fuzz_import_hex.c -- libFuzzer target for the `hex` list parser:
 * hex lists (one hash per line, labels, comments). The body is fuzz_import.h. */
#include "fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_import(data, size, BW_LIST_HEX);
}
