/* sink.c -- filling a sink record's JSON (bulwark/sink.h), the one place
 * that says what a record whose JSON could not be written carries. */
#include "bulwark/sink.h"
#include "core/internal.h"

void bw__sink_json(bw_sink_record *rec, const char *buf, size_t len, int ok)
{
    static const char oom[] = "{\"error\":\"out of memory\"}";
    rec->json = ok ? buf : oom;
    rec->json_len = ok ? len : sizeof oom - 1;
}
