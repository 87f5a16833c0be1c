/* fuzz_multipart.c -- libFuzzer target for the multipart/form-data parser
 * of uploads (src/server/multipart.c): the input up to its first newline
 * is the Content-Type header's value, the rest the request body. A body is
 * parsed or refused with a reason, never crashes; what parses has at most
 * MP_MAX_PARTS parts, each named, each one's data lying inside the body,
 * in order and not overlapping, with NUL-terminated bounded header values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t tn = nl ? (size_t)(nl - data) : size;
    char *type = malloc(tn + 1);
    const char *why;
    mp_form f;
    if (!type)
        return 0;
    memcpy(type, data, tn);
    type[tn] = '\0';
    size_t bn = nl ? size - tn - 1 : 0;
    char *body = malloc(bn ? bn : 1); /* its own allocation: ASan sees any overrun */
    if (!body) {
        free(type);
        return 0;
    }
    memcpy(body, nl ? nl + 1 : data, bn);
    if (mp_parse(type, body, bn, &f, &why) != 0) {
        if (!why || !*why)
            abort();
    } else {
        const char *prev = body;
        if (f.n > MP_MAX_PARTS)
            abort();
        for (size_t i = 0; i < f.n; i++) {
            const mp_part *p = &f.parts[i];
            if (!p->name[0] || strlen(p->name) > MP_MAX_VALUE ||
                strlen(p->filename) > MP_MAX_VALUE || strlen(p->type) > MP_MAX_VALUE)
                abort();
            if (p->data < prev || p->data + p->len > body + bn)
                abort();
            prev = p->data + p->len;
        }
    }
    free(body);
    free(type);
    return 0;
}
