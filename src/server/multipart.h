/* multipart.h -- multipart/form-data (RFC 7578 over RFC 2046) parsed from a
 * request body held in memory. No HTTP library here: the Content-Type
 * header's value and the body's bytes come in, the parts go out, so that
 * the fuzz target (fuzz/fuzz_multipart.c) drives exactly what the server
 * runs. Nothing is copied but the parts' short header values: a part's
 * data points into the body.
 *
 * The rules, strictly: the boundary is the Content-Type's boundary
 * parameter (a token or a quoted-string, 1..70 characters of RFC 2046's
 * bchars, not ending in a space); a delimiter is CRLF "--" boundary at the
 * start of a line (the first may open the body), followed by optional
 * spaces or tabs and CRLF, or by "--" for the close delimiter; the bytes
 * "--" boundary anywhere else (not after CRLF, or followed by other bytes)
 * are data. Part headers end at an empty line, lines end in CRLF, no
 * folding; each part needs Content-Disposition: form-data with a name.
 * A body without the close delimiter is a truncated upload. */
#ifndef BW_SERVER_MULTIPART_H
#define BW_SERVER_MULTIPART_H

#include <stddef.h>

#define MP_MAX_BOUNDARY 70     /* RFC 2046 */
#define MP_MAX_PARTS 16        /* parts in one body */
#define MP_MAX_HEADERS 16      /* header lines in one part */
#define MP_MAX_HEADER_BYTES 8192 /* a part's header block, the empty line included */
#define MP_MAX_VALUE 255       /* bytes of a name, a filename, a part's Content-Type */

typedef struct mp_part {
    char name[MP_MAX_VALUE + 1];     /* Content-Disposition name */
    char filename[MP_MAX_VALUE + 1]; /* its filename ("" when none) */
    int has_filename;                /* a filename parameter was given: a file */
    char type[MP_MAX_VALUE + 1];     /* the part's Content-Type ("" when none) */
    const char *data;                /* into the body */
    size_t len;
} mp_part;

typedef struct mp_form {
    mp_part parts[MP_MAX_PARTS];
    size_t n;
} mp_form;

/* Whether the Content-Type value names multipart/form-data (NULL: no). */
int mp_is_form(const char *content_type);

/* The boundary of a multipart/form-data Content-Type value into out
 * (NUL-terminated). 0, or -1 with *why: not multipart/form-data, no
 * boundary parameter, an empty, too long or badly quoted boundary, a
 * character RFC 2046 does not allow. */
int mp_boundary(const char *content_type, char out[MP_MAX_BOUNDARY + 1], const char **why);

/* Parse body (len bytes) as multipart/form-data with content_type's
 * boundary into *f. 0, or -1 with *why saying what is wrong (a sentence
 * without a capital, e.g. "truncated multipart body: no closing boundary
 * delimiter"). */
int mp_parse(const char *content_type, const char *body, size_t len, mp_form *f,
             const char **why);

#endif
