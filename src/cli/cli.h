/* cli.h -- what the verbs of the bulwark tool share. The tool calls only
 * libbulwark's public API; everything here is about the command line:
 * options, where the store lives, how results are printed. */
#ifndef BW_CLI_H
#define BW_CLI_H

#include <bulwark/index.h>
#include <stdio.h>
#include <bulwark/bulwark.h>
#include "opts.h"

/* Exit codes (interface.md). */
enum {
    BW_EXIT_OK = 0,          /* all inputs processed */
    BW_EXIT_SOME_FAILED = 1, /* some inputs failed, each reported */
    BW_EXIT_USAGE = 2,       /* usage or configuration error, nothing done */
    BW_EXIT_MATCHED = 3      /* --fail-on-match and something matched */
};

/* One verb: its name, a one-line summary, and its main. */
typedef struct cli_verb {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} cli_verb;

int cmd_hash(int argc, char **argv);
int cmd_lists(int argc, char **argv);
int cmd_match(int argc, char **argv);
int cmd_scan(int argc, char **argv);

/* scan --queue (scan_queue.c): the options, a worker's run, --status and
 * --export. */
typedef struct cli_scan_queue {
    const char *location;   /* --queue postgresql://... */
    long long in_flight;    /* --queue N: the deprecated --in-flight */
    long long lease;        /* --lease SECONDS (0: the library's 60) */
    int status, export_;
} cli_scan_queue;
int cli_scan_queue_work(const cli_scan_queue *q, const bw_scan_opts *so,
                        const char *const *operands, size_t n, int json, int fail_on_match);
int cli_scan_queue_report(const cli_scan_queue *q, const char *name, int json);
int cmd_cluster(int argc, char **argv);
int cmd_prompt(int argc, char **argv);
int cmd_provenance(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* s made safe for a terminal (bulwark/text.h: control characters, stray
 * bytes and bidirectional controls escaped). The result lives until 8
 * more calls on the same thread: enough for one printf. Every string that
 * came from outside goes through it before people see it. */
const char *cli_esc(const char *s);

/* Print "bulwark: VERB: message" to stderr (printf-style); the formatted
 * message is escaped as cli_esc does. */
void cli_warn(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Usage error: prints the message and a hint, returns BW_EXIT_USAGE. */
int cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write len bytes of JSON and a newline to stdout (a JSON Lines record:
 * what a sink prints of bw_sink_record.json). */
void cli_emit_json_bytes(const char *json, size_t len);

/* Write j's buffer and a newline to stdout (a JSON Lines record). */
void cli_emit_json(bw_json *j);

/* The people's line for one hashed input, without the newline:
 * "PDQ QUALITY FORMAT WxH  PATH" for an image, "SHA256 - file -  PATH"
 * otherwise. Shared by hash and scan (scan appends its matches). */
void cli_print_hash_line(const char *path, const bw_hash_result *r);

/* {"path": path, "error": message} as one JSON line. */
void cli_emit_error_json(const char *path, const char *message);

/* The store path: --db value if given, else $BULWARK_DB, else
 * $XDG_DATA_HOME/bulwark/bulwark.db, else ~/.local/share/bulwark/bulwark.db.
 * Returns a static buffer, NULL on failure. Nothing is created: a store
 * that does not exist is an error for every verb but `lists import`. */
const char *cli_db_path(const char *option_value);
/* The same, telling whether it is the default location (no --db, no
 * $BULWARK_DB). */
const char *cli_db_path_ex(const char *option_value, int *is_default);
/* For `lists import`, which creates the store: the path, with the
 * directory of the default location created if missing (a directory
 * named by --db or $BULWARK_DB must exist: a typo is not a new place). */
const char *cli_db_path_create(const char *option_value);

/* Open the matcher over the chosen lists (all when nlists is 0) of the
 * store named by db (as cli_db_path). A store that does not exist or holds
 * no lists is refused -- the verb would match nothing and pass everything
 * -- with a message naming the path, unless allow_empty; then *out may be
 * NULL (no store: nothing matches). Returns an exit code. */
int cli_open_matcher(const char *verb, const char *db, const char *const *lists, size_t nlists,
                     const bw_index_opts *iopts, int allow_empty, bw_matcher **out);
/* cli_open_matcher with the shared options: --db, --list, --index,
 * --max-distance (the index is built for it), --allow-empty. */
int cli_open_lists(const char *verb, const cli_common *c, bw_matcher **out);

/* Usage errors on the operands from argv[first] on: none given (the
 * message names what was expected, e.g. "no PATH given"), or '-' (stdin)
 * more than once. 0 when they are fine, else BW_EXIT_USAGE. */
int cli_check_operands(const char *verb, int argc, char **argv, int first, const char *none);


/* The prompt guard: the word lists of data (NULL: the source tree's
 * data/prompt, else the installed share/bulwark/prompt), the policies
 * applied in order, compiled with limits. Returns an exit code (the
 * message printed as verb's). */
int cli_load_prompt_guard(const char *verb, const char *data, const cli_strv *policies,
                          const bw_limits *limits, bw_prompt_guard **guard);

/* Default worker threads: the number of online cores. */
unsigned cli_default_jobs(void);

/* Parse a non-negative integer option; -1 on error. */
long long cli_parse_uint(const char *s);

/* Parse a size with optional K/M/G suffix (powers of 1024); -1 on error. */
long long cli_parse_size(const char *s);

/* --limit NAME=VALUE: set any field of bw_limits by name (VALUE may carry
 * K/M/G). Returns 0, or prints a usage error and returns BW_EXIT_USAGE. */
int cli_set_limit(const char *verb, bw_limits *limits, const char *arg);

/* --index fast|compact: the layout of the in-memory hash index (index.h).
 * Returns 0, or prints a usage error and returns its exit code. */
int cli_parse_index_layout(const char *verb, const char *arg, bw_index_layout *out);


/* Whether stdout/stderr is a terminal (for colour and the progress bar). */
int cli_stdout_tty(void);
int cli_stderr_tty(void);

#endif
