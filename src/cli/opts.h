/* opts.h -- the verbs' options as tables, as Redis's config table is: one
 * row per option says its name, its argument, where its value goes, the
 * values it takes and its help. From the table come the getopt parsing,
 * the validation and its messages, `VERB --help` and the verb's section
 * of the man page (`VERB --help-man`, used by scripts/gen_man.sh), so the
 * three never disagree. Options every verb means the same way (--json,
 * -j, --db, --list, --max-distance, --min-quality, the limits) are shared
 * rows (CLI_OPT_*) over the fields of cli_common, which starts each verb's
 * argument struct: the same option has the same check and the same
 * message everywhere. */
#ifndef BW_CLI_OPTS_H
#define BW_CLI_OPTS_H

#include <stddef.h>
#include <stdio.h>
#include <limits.h>
#include <bulwark/bulwark.h>

typedef enum cli_opt_kind {
    CLI_END = 0,    /* ends a table */
    CLI_FLAG,       /* no argument: the int field is set to lo */
    CLI_NUM,        /* a whole number from lo to hi */
    CLI_SIZE,       /* a size, K/M/G suffixes (powers of 1024), from lo to hi */
    CLI_REAL,       /* a number (double) from lo to hi */
    CLI_STR,        /* a string (const char *) */
    CLI_STRS,       /* repeatable: each value is appended to a cli_strv */
    CLI_CALL,       /* parsed by the row's function */
    CLI_HEADING     /* no option: a heading in the help (help: its text) */
} cli_opt_kind;

/* The values of a repeatable option (pointers into argv). */
typedef struct cli_strv {
    const char **v;
    size_t n;
} cli_strv;

struct cli_opt;
/* A CLI_CALL row's parser: 0, or prints a usage error and returns
 * BW_EXIT_USAGE. field is the row's field in the argument struct. */
typedef int (*cli_opt_fn)(const char *verb, const struct cli_opt *o, const char *arg,
                          void *field);

typedef struct cli_opt {
    cli_opt_kind kind;
    const char *name;       /* the long name, without "--" */
    int key;                /* the short option ('j'), or 0 */
    const char *arg;        /* the argument's name in the help (N, PATH), NULL: none */
    size_t off, size;       /* the field in the verb's argument struct */
    long long lo, hi;       /* CLI_NUM/CLI_SIZE/CLI_REAL range; CLI_FLAG: the value */
    cli_opt_fn fn;          /* CLI_CALL */
    const char *help;       /* one paragraph: the help and the man page wrap it */
} cli_opt;

/* What the verbs share: the first member of every verb's argument struct,
 * so that the shared rows' offsets hold for all of them. */
typedef struct cli_common {
    int json;               /* --json */
    long long jobs;         /* -j: worker threads (default: the cores) */
    const char *db;         /* --db: the store (cli_db_path) */
    cli_strv lists;         /* --list: lists to match against (none: all) */
    int max_distance;       /* --max-distance (-1: the verb's default, 31) */
    int min_quality;        /* --min-quality (-1: 50) */
    int allow_empty;        /* --allow-empty */
    int follow_symlinks;    /* --follow-symlinks */
    bw_index_layout index;  /* --index */
    bw_limits limits;       /* --limit and the named limit options */
} cli_common;

/* One verb (or subcommand) of the tool. */
typedef struct cli_cmd {
    const char *name;       /* "scan", "lists" */
    const char *usage;      /* the usage lines, from "usage: " on */
    const char *about;      /* what it does: paragraphs, lines broken by hand */
    const cli_opt *opts;    /* ends with a CLI_END row */
    const char *epilogue;   /* the exit codes */
} cli_cmd;

#define CLI_FIELD(T, f) offsetof(T, f), sizeof(((T *)0)->f)
#define CLI_C(f) CLI_FIELD(cli_common, f)

/* Rows of a verb's own options. */
#define CLI_OPT_FLAG(name, T, f, help) {CLI_FLAG, name, 0, NULL, CLI_FIELD(T, f), 1, 1, NULL, help}
#define CLI_OPT_SET(name, T, f, value, help) \
    {CLI_FLAG, name, 0, NULL, CLI_FIELD(T, f), value, value, NULL, help}
#define CLI_OPT_NUM(name, key, arg, T, f, lo, hi, help) \
    {CLI_NUM, name, key, arg, CLI_FIELD(T, f), lo, hi, NULL, help}
#define CLI_OPT_SIZE(name, arg, T, f, lo, hi, help) \
    {CLI_SIZE, name, 0, arg, CLI_FIELD(T, f), lo, hi, NULL, help}
#define CLI_OPT_REAL(name, arg, T, f, lo, hi, help) \
    {CLI_REAL, name, 0, arg, CLI_FIELD(T, f), lo, hi, NULL, help}
#define CLI_OPT_STR(name, key, arg, T, f, help) \
    {CLI_STR, name, key, arg, CLI_FIELD(T, f), 0, 0, NULL, help}
#define CLI_OPT_STRS(name, arg, T, f, help) \
    {CLI_STRS, name, 0, arg, CLI_FIELD(T, f), 0, 0, NULL, help}
#define CLI_OPT_CALL(name, arg, T, f, fn, help) \
    {CLI_CALL, name, 0, arg, CLI_FIELD(T, f), 0, 0, fn, help}
#define CLI_OPT_HEADING(text) {CLI_HEADING, NULL, 0, NULL, 0, 0, 0, 0, NULL, text}
#define CLI_OPT_END {CLI_END, NULL, 0, NULL, 0, 0, 0, 0, NULL, NULL}

/* ---- the shared rows ---- */

int cli_opt_limit(const char *verb, const cli_opt *o, const char *arg, void *field);
int cli_opt_index(const char *verb, const cli_opt *o, const char *arg, void *field);

/* --json: the help says what the verb's JSON holds */
#define CLI_OPT_JSON(help) {CLI_FLAG, "json", 0, NULL, CLI_C(json), 1, 1, NULL, help}
#define CLI_OPT_JOBS \
    {CLI_NUM, "jobs", 'j', "N", CLI_C(jobs), 1, 1024, NULL, "worker threads (default: all cores)"}
#define CLI_OPT_DB                                                                           \
    {CLI_STR, "db", 0, "PATH", CLI_C(db), 0, 0, NULL,                                        \
     "the store (default: $BULWARK_DB, else $XDG_DATA_HOME/bulwark/bulwark.db, else "        \
     "~/.local/share/bulwark/bulwark.db)"}
#define CLI_OPT_LISTS                                            \
    {CLI_STRS, "list", 0, "NAME", CLI_C(lists), 0, 0, NULL, \
     "match against this list only (repeatable; default: all lists)"}
#define CLI_OPT_MAX_DISTANCE(help) \
    {CLI_NUM, "max-distance", 0, "D", CLI_C(max_distance), 0, 256, NULL, help}
#define CLI_OPT_MIN_QUALITY(help) \
    {CLI_NUM, "min-quality", 0, "Q", CLI_C(min_quality), 0, 100, NULL, help}
#define CLI_OPT_ALLOW_EMPTY                                                            \
    {CLI_FLAG, "allow-empty", 0, NULL, CLI_C(allow_empty), 1, 1, NULL,                 \
     "run even if the store is missing or has no lists (otherwise that is an error: " \
     "nothing would match)"}
#define CLI_OPT_INDEX                                                                     \
    {CLI_CALL, "index", 0, "LAYOUT", CLI_C(index), 0, 0, cli_opt_index,                   \
     "the hash index in memory: compact (default; about 46 bytes per PDQ hash) or fast " \
     "(about 112 bytes, lookups about 1.4x as fast); distances over 64 always use fast"}
#define CLI_OPT_FOLLOW                                                     \
    {CLI_FLAG, "follow-symlinks", 0, NULL, CLI_C(follow_symlinks), 1, 1, NULL, \
     "follow symbolic links inside directories"}
#define CLI_OPT_LIMIT                                                                   \
    {CLI_CALL, "limit", 0, "NAME=VALUE", CLI_C(limits), 0, 0, cli_opt_limit,            \
     "set any input limit by name, e.g. max_meta_bytes=8M (all limits and defaults: " \
     "docs/limits.md)"}
#define CLI_OPT_MAX_PIXELS                                                              \
    {CLI_NUM, "max-pixels", 0, "N", CLI_C(limits.max_pixels), 1, LLONG_MAX, NULL,       \
     "largest image or video frame to decode, in pixels (default 128000000)"}
#define CLI_OPT_MAX_FILE_SIZE_HELP(help) \
    {CLI_SIZE, "max-file-size", 0, "S", CLI_C(limits.max_file_bytes), 1, LLONG_MAX, NULL, help}
#define CLI_OPT_MAX_FILE_SIZE                                                           \
    CLI_OPT_MAX_FILE_SIZE_HELP("largest input read into memory, e.g. 512M (default 1G); " \
                               "larger inputs still get their digests (streamed)")
#define CLI_OPT_MAX_DEPTH(help) \
    {CLI_NUM, "max-depth", 0, "N", CLI_C(limits.archive_max_depth), 0, 64, NULL, help}
#define CLI_OPT_MAX_LINE(help) \
    {CLI_SIZE, "max-line", 0, "S", CLI_C(limits.max_line_bytes), 1, 1ll << 30, NULL, help}

/* Defaults of the shared fields: jobs the cores, distances -1, the
 * default limits, the compact index. */
void cli_common_init(cli_common *c);

/* Parse argv[1..] by cmd's table into args (whose first member is a
 * cli_common, set up by the caller with cli_common_init and any defaults
 * of its own). Returns 0 with *first the index of the first operand;
 * BW_EXIT_USAGE after a usage error (printed); or -1 after printing the
 * help (--help) or the man page section (--help-man): the verb then exits
 * 0. Free the repeatable values with cli_args_free. */
int cli_parse(const cli_cmd *cmd, int argc, char **argv, void *args, int *first);
void cli_args_free(const cli_cmd *cmd, void *args);

/* The verb's --help text, from the table. */
void cli_help(const cli_cmd *cmd, FILE *out);
/* The verb's section of the manual page, in roff. */
void cli_help_man(const cli_cmd *cmd, FILE *out);

#endif
