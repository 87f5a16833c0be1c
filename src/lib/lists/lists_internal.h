/* lists_internal.h -- what the list parsers share (source.c, hexhash.c,
 * the parse_*.c formats, import.c); not installed. */
#ifndef BW_LISTS_INTERNAL_H
#define BW_LISTS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "bulwark/lists.h"

/* A buffered source over a bw_reader that hands out lines (without the
 * newline and a trailing CR) or raw chunks, counting lines. */
typedef struct bw__src {
    bw_reader *r;
    uint8_t *buf;
    size_t cap, pos, len;
    int eof;
    uint64_t line;            /* number of the line last returned (1-based) */
    uint64_t consumed;        /* bytes handed out so far */
} bw__src;

bw_status bw__src_init(bw__src *s, bw_reader *r, bw_error *err);
void bw__src_free(bw__src *s);
/* Make at least `want` bytes visible at buf+pos if the input has them. */
bw_status bw__src_fill(bw__src *s, size_t want, bw_error *err);
/* Next line: *got = 0 at the end. A line longer than max bytes gives
 * BW_ERR_LIMIT and *toolong = 1 (its bytes are consumed, so the caller
 * may go on with the next line). */
bw_status bw__src_line(bw__src *s, size_t max, const char **line, size_t *len, int *got,
                       int *toolong, bw_error *err);

/* The parse run shared by the formats. */
typedef struct bw__parse {
    const bw_import_opts *o;
    const bw_limits *lim;
    bw_entry_fn fn;
    void *ctx;
    bw_import_stats *st;
    bw__src src;
} bw__parse;

/* A bad line: with skip_bad, count it and return BW_OK; otherwise fail
 * with "line N: <message>". */
bw_status bw__bad_line(bw__parse *p, uint64_t line, bw_status status, bw_error *err,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The next line that is not blank or a '#' comment, trimmed; *got = 0 at
 * the end. Over-long lines are bad lines (skipped under skip_bad). */
bw_status bw__next_line(bw__parse *p, const char **line, size_t *len, int *got, bw_error *err);
/* Hand one entry to the caller (counts it). */
bw_status bw__emit(bw__parse *p, const bw_entry *e, bw_error *err);

/* Parse a hex hash token: kind from its length (or forced: `kind` as in
 * bw_import_opts). Returns NULL or a message saying what is wrong. */
const char *bw__parse_hex_hash(const char *s, size_t len, int kind, bw_hash_kind *out,
                               uint8_t bytes[BW_HASH_MAX_BYTES]);
/* Trim ASCII whitespace at both ends. */
void bw__trim(const char **s, size_t *len);
/* A printable excerpt of bytes for messages (at most 40 chars, escaped). */
const char *bw__excerpt(const char *s, size_t len, char out[64]);

bw_status bw__parse_hex(bw__parse *p, bw_error *err);
bw_status bw__parse_te(bw__parse *p, bw_error *err);
bw_status bw__parse_csv(bw__parse *p, bw_error *err);
bw_status bw__parse_vics(bw__parse *p, bw_error *err);

/* Guess the format from the first bytes of the source. */
bw_list_format bw__sniff(bw__src *s);

#endif
