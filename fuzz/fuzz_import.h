/* fuzz_import.h -- the body shared by the list-parser fuzz targets
 * (fuzz_import_<format>.c): any bytes are parsed twice, failing on the
 * first bad line and with skip_bad, under a small line limit and JSON
 * depth so that the limits are reached too; every entry handed out must
 * have a valid kind, and the count must agree with the statistics. */
#ifndef BW_FUZZ_IMPORT_H
#define BW_FUZZ_IMPORT_H

#include <stdint.h>
#include <stdlib.h>
#include "bulwark/lists.h"

static int fuzz_import_entry(void *ctx, const bw_entry *e)
{
    size_t *n = ctx;
    if (bw_hash_kind_bytes(e->kind) == 0)
        abort();
    if (e->label)
        (void)e->label[0];
    if (e->category)
        (void)e->category[0];
    (*n)++;
    return 0;
}

static int fuzz_import(const uint8_t *data, size_t size, bw_list_format format)
{
    bw_limits lim;
    bw_limits_default(&lim);
    lim.max_line_bytes = 512;
    lim.max_json_depth = 16;
    for (int skip = 0; skip < 2; skip++) {
        bw_reader *r;
        bw_error err;
        bw_import_stats st;
        size_t n = 0;
        bw_import_opts o = {format, 0, skip, &lim};
        if (bw_reader_open_memory(&r, data, size, NULL) != BW_OK)
            return 0;
        bw_status s = bw_list_parse(r, &o, fuzz_import_entry, &n, &st, &err);
        if (s == BW_OK && n != st.entries)
            abort();
        (void)bw_error_message(&err);
        bw_reader_close(r);
    }
    return 0;
}

#endif
