/* fuzz_import_csv.c -- libFuzzer target for the `csv` list parser:
 * CSV lists with a header row. The body is fuzz_import.h. */
#include "fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_import(data, size, BW_LIST_CSV);
}
