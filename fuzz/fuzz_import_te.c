/* fuzz_import_te.c -- libFuzzer target for the `te` list parser:
 * ThreatExchange signal files and HMA CSV exports. The body is fuzz_import.h. */
#include "fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_import(data, size, BW_LIST_TE);
}
