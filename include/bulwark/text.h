/* bulwark/text.h -- text that came from outside (file and member names,
 * list labels and sources, prompts) made safe to show to people.
 *
 * A name may hold anything but '/' and NUL: an escape sequence that
 * recolours or clears the terminal, a newline that forges a second line of
 * output ("x.png  MATCH ncmec distance 0"), a right-to-left override that
 * reverses what follows. bw_text_safe writes such a string so that every
 * character shown is a character of the name and nothing else happens:
 * C0 controls and DEL as \n \r \t or \xNN, a backslash as \\, bytes that
 * are not UTF-8 as \xNN, and the invisible format and line-breaking
 * characters (C1 controls, U+2028/2029, bidirectional controls) as \uXXXX.
 * JSON output needs none of this: bw_json escapes on its own. */
#ifndef BULWARK_TEXT_H
#define BULWARK_TEXT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The length of the valid UTF-8 sequence at s (n bytes left; 1..4) with
 * its code point in *cp, or 0 if the bytes there are not valid UTF-8
 * (overlong forms and surrogates are not valid). */
size_t bw_utf8_next(const char *s, size_t n, uint32_t *cp);

/* The n bytes at s, escaped as above, NUL-terminated, into *buf of *cap
 * bytes (grown with realloc as needed; *buf may start NULL). Returns the
 * escaped string (*buf), or NULL when memory ran out. */
const char *bw_text_safe(const char *s, size_t n, char **buf, size_t *cap);

/* Whether the n bytes at s are valid UTF-8 that bw_text_safe shows as
 * they are, backslashes aside: no control, format or stray byte. Names
 * that people type (list names) must be. */
int bw_text_printable(const char *s, size_t n);

/* Unix seconds as ISO 8601 UTC, "2026-12-03T06:30:00Z" (out: 32 bytes). */
void bw_text_iso_time(int64_t unix_seconds, char out[32]);

#ifdef __cplusplus
}
#endif
#endif
