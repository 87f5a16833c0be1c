/* bulwark/lists.h -- hash list files: import (streamed, any size) and
 * export.
 *
 * Formats:
 *   hex   one hash per line, optional label after a tab or comma, '#'
 *         comments; the kind comes from the length (32 md5, 40 sha1, 64
 *         pdq -- or sha256 when the caller says so).
 *   te    python-threatexchange signal files (`pdq <hex>`, `video_md5 <hex>`,
 *         `<signal_type> <value>` per line) and HMA / ThreatExchange CSV
 *         exports (`<pdq hex>,<id>,<time>,<tags>` per line).
 *   vics  Project VIC VICS JSON 1.x/2.0: value[] and value[].Media[]
 *         objects with MD5, SHA1 (SHA256) and Category; PhotoDNA fields are
 *         skipped and counted. Parsed with yajl's streaming parser.
 *   csv   a header row naming the hash column(s) (pdq, md5, sha1, sha256,
 *         hash) and optionally label/name/id and category columns.
 *   auto  sniffed from the first bytes.
 *
 * A bad line (wrong length, not hex, unknown kind, a JSON value of the
 * wrong type, a line over limits->max_line_bytes) fails the whole import
 * with its line number, or with skip_bad is skipped and counted. An import
 * into the store is one transaction (store.h): all or nothing. */
#ifndef BULWARK_LISTS_H
#define BULWARK_LISTS_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "limits.h"
#include "reader.h"
#include "index.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bw_list_format {
    BW_LIST_AUTO = 0,
    BW_LIST_HEX,
    BW_LIST_TE,
    BW_LIST_VICS,
    BW_LIST_CSV,
    BW_LIST_FORMAT_COUNT
} bw_list_format;

/* "auto", "hex", "te", "vics", "csv". */
const char *bw_list_format_name(bw_list_format f);
bw_status bw_list_format_parse(const char *name, bw_list_format *f);

typedef struct bw_import_opts {
    bw_list_format format;     /* default AUTO */
    int kind;                  /* 0: infer from the length (64 digits = PDQ); else
                                  bw_hash_kind + 1, required of every bare hex hash (--kind) */
    int skip_bad;              /* skip bad lines (counted) instead of failing */
    const bw_limits *limits;   /* NULL: defaults (max_line_bytes, max_json_depth) */
} bw_import_opts;

typedef struct bw_import_stats {
    bw_list_format format;     /* the format used (after sniffing) */
    uint64_t lines;            /* lines (or JSON records) read */
    uint64_t entries;          /* entries produced */
    uint64_t kinds[BW_HASH_KIND_COUNT];
    uint64_t duplicates;       /* set by bw_list_import */
    uint64_t skipped;          /* bad lines skipped */
    uint64_t first_bad_line;   /* line of the first skipped line, 0 if none */
    uint64_t photodna;         /* PhotoDNA values skipped (vics) */
    uint64_t other_signals;    /* te signal types without a hash kind here (url, text...) */
} bw_import_stats;

/* Parse a list from r and call fn for each entry (nothing is stored).
 * stats may be NULL. Errors name the line: "line 7: not a hash: ...". */
bw_status bw_list_parse(bw_reader *r, const bw_import_opts *opts, bw_entry_fn fn, void *ctx,
                        bw_import_stats *stats, bw_error *err);

/* Parse and store as list `name` in one transaction, replacing any list of
 * that name. source may be NULL. info (may be NULL) describes the result;
 * free it with bw_list_infos_free(info, 1). */
bw_status bw_list_import(bw_store *s, const char *name, const char *source, bw_reader *r,
                         const bw_import_opts *opts, bw_import_stats *stats,
                         bw_list_info **info, bw_error *err);

/* Receives output bytes; returns BW_OK or an error (which stops the export). */
typedef bw_status (*bw_write_fn)(void *ctx, const void *data, size_t len, bw_error *err);

/* Write a list as hex (`<hash>[\t<label>]` lines, '#' header comments) or
 * te (`<signal_type> <hash>` lines). */
bw_status bw_list_export(bw_store *s, const char *name, bw_list_format format, bw_write_fn fn,
                         void *ctx, bw_error *err);

/* Write a list as JSON Lines (`lists export --json`): one object per entry,
 * `{list, kind, hash, label, category, added_at}` (label and category null
 * when absent, added_at ISO 8601 or null), ordered by kind then hash. */
bw_status bw_list_export_json(bw_store *s, const char *name, bw_write_fn fn, void *ctx,
                              bw_error *err);

/* One list as the object of `lists ls --json` (interface.md): name,
 * kinds:{pdq, md5, sha1, sha256}, entries, source, imported_at (ISO 8601),
 * duplicates, skipped. With leave_open the object is left open for the
 * caller to add fields and close. */
struct bw_json;
void bw_list_info_json(struct bw_json *j, const bw_list_info *li, int leave_open);

/* `lists import --json`: the list as above plus "format" (the format
 * read) and "photodna_skipped". */
void bw_list_import_json(struct bw_json *j, const bw_list_info *li, const bw_import_stats *stats);
/* `lists rm --json`: the removed list as above plus "removed": true. */
void bw_list_removed_json(struct bw_json *j, const bw_list_info *li);

#ifdef __cplusplus
}
#endif
#endif
