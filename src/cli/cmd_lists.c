/* cmd_lists.c -- `bulwark lists import|ls|export|rm`: the hash lists in
 * the store. Import streams the file into a new version of the list and
 * swaps it in atomically; a bad line rejects the file with its line
 * number unless --skip-bad. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

typedef struct opts {
    cli_common c;
    int skip_bad;
    bw_list_format format;
    int kind;               /* 0: from the file; else bw_hash_kind + 1 */
    const char *source;
} opts;

static int opt_format(const char *verb, const cli_opt *o, const char *arg, void *field)
{
    (void)o;
    if (bw_list_format_parse(arg, field) != BW_OK)
        return cli_usage_error(verb, "unknown format '%s' (auto, hex, te, vics, csv)", arg);
    return 0;
}

static int opt_kind(const char *verb, const cli_opt *o, const char *arg, void *field)
{
    bw_hash_kind k;
    (void)o;
    if (bw_hash_kind_parse(arg, &k) != BW_OK)
        return cli_usage_error(verb, "unknown kind '%s' (pdq, md5, sha1, sha256)", arg);
    *(int *)field = (int)k + 1;
    return 0;
}

static const cli_opt lists_opts[] = {
    CLI_OPT_DB,
    CLI_OPT_JSON("ls, rm: one JSON object per list; export: JSON Lines, one object per entry"),
    CLI_OPT_CALL("format", "F", opts, format, opt_format,
                 "import: auto (sniffed; default), hex, te, vics or csv; export: hex (default) "
                 "or te"),
    CLI_OPT_CALL("kind", "K", opts, kind, opt_kind,
                 "import: every bare hash is of kind K, pdq, md5, sha1 or sha256 (64 hex digits "
                 "are PDQ unless --kind sha256)"),
    CLI_OPT_STR("source", 0, "TEXT", opts, source, "import: where the list came from (shown by ls)"),
    CLI_OPT_FLAG("skip-bad", opts, skip_bad,
                 "import: the good lines, counting and reporting the bad ones"),
    CLI_OPT_MAX_LINE("import: longest line accepted, e.g. 4M (default 1M)"),
    CLI_OPT_NUM("max-json-depth", 0, "N", opts, c.limits.max_json_depth, 1, 100000,
                "import: deepest JSON nesting accepted (default 64)"),
    CLI_OPT_LIMIT,
    CLI_OPT_END};

static const cli_cmd lists_cmd = {
    "lists",
    "bulwark lists import NAME FILE [--format auto|hex|te|vics|csv]\n"
    "                           [--kind pdq|md5|sha1|sha256] [--source TEXT] [--skip-bad]\n"
    "       bulwark lists ls [--json]\n"
    "       bulwark lists export NAME [--format hex|te | --json]\n"
    "       bulwark lists rm NAME [--json]",
    "Manage the hash lists in the store (--db PATH, default $BULWARK_DB, else\n"
    "$XDG_DATA_HOME/bulwark/bulwark.db, else ~/.local/share/bulwark/bulwark.db).\n"
    "\n"
    "import   read FILE ('-' for stdin) into list NAME, replacing any list of that\n"
    "         name in one transaction. Formats: hex (one hash per line, optional\n"
    "         label after a tab or comma, '#' comments), te (ThreatExchange signal\n"
    "         files `pdq <hex>` and HMA CSV exports), vics (Project VIC VICS JSON),\n"
    "         csv (a header row names the hash columns), auto (sniffed; default).\n"
    "ls       the lists: name, entries per kind, source, import time\n"
    "export   write a list to stdout as hex (default) or te; --json: JSON Lines,\n"
    "         one object per entry {list, kind, hash, label, category, added_at}\n"
    "rm       remove a list (--json: the removed list, as ls --json, with\n"
    "         \"removed\": true)\n"
    "\n"
    "Only import creates a store; ls, export and rm on a store that does not\n"
    "exist are an error (exit 2) naming the path.\n\n",
    lists_opts,
    "Exit: 0 done, 1 the input or the store failed (nothing changed), 2 usage error\n"
    "or no such store.\n"};

/* Parse the options of any subcommand; the operands start at *first.
 * Returns -1 after printing help, >0 on a usage error. */
static int parse(int argc, char **argv, opts *o, int *first)
{
    memset(o, 0, sizeof *o);
    cli_common_init(&o->c);
    return cli_parse(&lists_cmd, argc, argv, o, first);
}

/* The start of every subcommand: its options, then exactly nargs
 * operands (usage: the message when not). 0, -1 after the help, or an
 * exit code. */
static int begin(int argc, char **argv, opts *o, int nargs, const char *usage, int *first)
{
    int rc = parse(argc, argv, o, first);
    if (rc)
        return rc;
    if (argc - *first != nargs)
        return cli_usage_error("lists", "%s", usage);
    return 0;
}

/* One JSON line from a list info writer. */
static void emit_info(void (*fn)(bw_json *, const bw_list_info *), const bw_list_info *li)
{
    bw_json j;
    bw_json_init(&j);
    fn(&j, li);
    cli_emit_json(&j);
    bw_json_free(&j);
}

static void info_json(bw_json *j, const bw_list_info *li)
{
    bw_list_info_json(j, li, 0);
}

/* The store; only `import` (create) may make a new one. Any other
 * subcommand on a store that does not exist is an error naming the path:
 * a typo in --db must not look like an empty store. */
static int open_store(const opts *o, bw_store **s, int create)
{
    bw_error err;
    const char *path = create ? cli_db_path_create(o->c.db) : cli_db_path(o->c.db);
    if (!path) {
        cli_warn("lists", "cannot tell where the store is: give --db PATH or set BULWARK_DB");
        return BW_EXIT_USAGE;
    }
    if (bw_store_open(s, path, create ? 0 : BW_STORE_MUST_EXIST, &err) != BW_OK) {
        if (err.status == BW_ERR_NOT_FOUND) {
            cli_warn("lists", "%s (`bulwark lists import` creates it)", bw_error_message(&err));
            return BW_EXIT_USAGE;
        }
        cli_warn("lists", "%s", bw_error_message(&err));
        return BW_EXIT_SOME_FAILED;
    }
    return BW_EXIT_OK;
}

static int do_import(int argc, char **argv)
{
    opts o;
    bw_store *s;
    bw_reader *r = NULL;
    bw_error err;
    bw_import_stats stats;
    bw_list_info *li = NULL;
    int first;
    int rc = begin(argc, argv, &o, 2, "import takes NAME and FILE", &first);
    if (rc)
        return rc < 0 ? BW_EXIT_OK : rc;
    const char *name = argv[first], *file = argv[first + 1];
    if (!*name)
        return cli_usage_error("lists", "the list name is empty");
    if (!bw_text_printable(name, strlen(name)))
        return cli_usage_error("lists", "the list name '%s' holds a control character or bytes "
                                        "that are not UTF-8", name);
    bw_import_opts io = {o.format, o.kind, o.skip_bad, &o.c.limits};
    bw_status st = strcmp(file, "-") == 0 ? bw_reader_open_fd(&r, STDIN_FILENO, 0, &err)
                                          : bw_reader_open_file(&r, file, &err);
    if (st != BW_OK) {
        cli_warn("lists", "%s: %s", file, bw_error_message(&err));
        return BW_EXIT_SOME_FAILED;
    }
    if ((rc = open_store(&o, &s, 1)) != BW_EXIT_OK) {
        bw_reader_close(r);
        return rc;
    }
    st = bw_list_import(s, name, o.source ? o.source : (strcmp(file, "-") ? file : "stdin"), r, &io,
                        &stats, &li, &err);
    bw_reader_close(r);
    if (st != BW_OK) {
        cli_warn("lists", "%s: %s (nothing imported)", file, bw_error_message(&err));
        bw_store_close(s);
        return BW_EXIT_SOME_FAILED;
    }
    if (stats.skipped)
        cli_warn("lists", "%s: skipped %llu bad line%s (first at line %llu)", file,
                 (unsigned long long)stats.skipped, stats.skipped == 1 ? "" : "s",
                 (unsigned long long)stats.first_bad_line);
    if (stats.photodna)
        cli_warn("lists", "%s: skipped %llu PhotoDNA value%s (PhotoDNA is not computed openly)", file,
                 (unsigned long long)stats.photodna, stats.photodna == 1 ? "" : "s");
    if (stats.other_signals)
        cli_warn("lists", "%s: left out %llu signal%s of types without a hash kind here", file,
                 (unsigned long long)stats.other_signals, stats.other_signals == 1 ? "" : "s");
    if (o.c.json) {
        bw_json j;
        bw_json_init(&j);
        bw_list_import_json(&j, li, &stats);
        cli_emit_json(&j);
        bw_json_free(&j);
    } else {
        printf("imported %s: %llu entries (pdq %llu, md5 %llu, sha1 %llu, sha256 %llu), "
               "%llu duplicates, %llu skipped, format %s\n",
               cli_esc(li->name), (unsigned long long)li->entries, (unsigned long long)li->kinds[0],
               (unsigned long long)li->kinds[1], (unsigned long long)li->kinds[2],
               (unsigned long long)li->kinds[3], (unsigned long long)li->duplicates,
               (unsigned long long)li->skipped, bw_list_format_name(stats.format));
    }
    bw_list_infos_free(li, 1);
    bw_store_close(s);
    return BW_EXIT_OK;
}

static int do_ls(int argc, char **argv)
{
    opts o;
    bw_store *s;
    bw_error err;
    bw_list_info *v;
    size_t n;
    int first;
    int rc = begin(argc, argv, &o, 0, "ls takes no arguments", &first);
    if (rc)
        return rc < 0 ? BW_EXIT_OK : rc;
    if ((rc = open_store(&o, &s, 0)) != BW_EXIT_OK)
        return rc;
    if (bw_store_lists(s, &v, &n, &err) != BW_OK) {
        cli_warn("lists", "%s", bw_error_message(&err));
        bw_store_close(s);
        return BW_EXIT_SOME_FAILED;
    }
    if (!o.c.json && n)
        printf("%-24s %10s %10s %10s %10s %10s  %-20s  %s\n", "NAME", "ENTRIES", "PDQ", "MD5", "SHA1",
               "SHA256", "IMPORTED", "SOURCE");
    for (size_t i = 0; i < n; i++) {
        if (o.c.json) {
            emit_info(info_json, &v[i]);
        } else {
            char when[32];
            bw_text_iso_time(v[i].imported_at, when);
            printf("%-24s %10llu %10llu %10llu %10llu %10llu  %-20s  %s\n", cli_esc(v[i].name),
                   (unsigned long long)v[i].entries, (unsigned long long)v[i].kinds[0],
                   (unsigned long long)v[i].kinds[1], (unsigned long long)v[i].kinds[2],
                   (unsigned long long)v[i].kinds[3], when, v[i].source ? cli_esc(v[i].source) : "-");
        }
    }
    bw_list_infos_free(v, n);
    bw_store_close(s);
    return BW_EXIT_OK;
}

static bw_status write_stdout(void *ctx, const void *data, size_t len, bw_error *err)
{
    (void)ctx;
    (void)err;
    if (fwrite(data, 1, len, stdout) != len)
        return BW_ERR_IO;
    return BW_OK;
}

static int do_export(int argc, char **argv)
{
    opts o;
    bw_store *s;
    bw_error err;
    int first;
    int rc = begin(argc, argv, &o, 1, "export takes NAME", &first);
    if (rc)
        return rc < 0 ? BW_EXIT_OK : rc;
    if (o.c.json && o.format != BW_LIST_AUTO)
        return cli_usage_error("lists", "export --json writes JSON Lines: give no --format");
    if (o.format == BW_LIST_AUTO)
        o.format = BW_LIST_HEX;
    if (o.format != BW_LIST_HEX && o.format != BW_LIST_TE)
        return cli_usage_error("lists", "export writes --format hex or te");
    if ((rc = open_store(&o, &s, 0)) != BW_EXIT_OK)
        return rc;
    bw_error_clear(&err);
    bw_status st = o.c.json ? bw_list_export_json(s, argv[first], write_stdout, NULL, &err)
                          : bw_list_export(s, argv[first], o.format, write_stdout, NULL, &err);
    bw_store_close(s);
    if (fflush(stdout) != 0 && st == BW_OK)
        st = BW_ERR_IO;
    if (st != BW_OK) {
        cli_warn("lists", "export %s: %s", argv[first],
                 err.status != BW_OK ? bw_error_message(&err) : bw_strerror(st));
        return BW_EXIT_SOME_FAILED;
    }
    return BW_EXIT_OK;
}

static int do_rm(int argc, char **argv)
{
    opts o;
    bw_store *s;
    bw_error err;
    int first;
    int rc = begin(argc, argv, &o, 1, "rm takes NAME", &first);
    if (rc)
        return rc < 0 ? BW_EXIT_OK : rc;
    if ((rc = open_store(&o, &s, 0)) != BW_EXIT_OK)
        return rc;
    bw_list_info *li = NULL;
    bw_status st = bw_store_list_get(s, argv[first], &li, &err);
    if (st == BW_OK)
        st = bw_store_list_remove(s, argv[first], &err);
    bw_store_close(s);
    if (st != BW_OK) {
        bw_list_infos_free(li, 1);
        cli_warn("lists", "rm %s: %s", argv[first], bw_error_message(&err));
        return BW_EXIT_SOME_FAILED;
    }
    if (o.c.json) /* what was removed, as `ls --json` described it */
        emit_info(bw_list_removed_json, li);
    else
        printf("removed %s (%llu entries)\n", cli_esc(li->name), (unsigned long long)li->entries);
    bw_list_infos_free(li, 1);
    return BW_EXIT_OK;
}

int cmd_lists(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("lists", "which one: import, ls, export or rm?");
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        cli_help(&lists_cmd, stdout);
        return BW_EXIT_OK;
    }
    if (!strcmp(sub, "--help-man")) {
        cli_help_man(&lists_cmd, stdout);
        return BW_EXIT_OK;
    }
    if (!strcmp(sub, "import"))
        return do_import(argc - 1, argv + 1);
    if (!strcmp(sub, "ls"))
        return do_ls(argc - 1, argv + 1);
    if (!strcmp(sub, "export"))
        return do_export(argc - 1, argv + 1);
    if (!strcmp(sub, "rm"))
        return do_rm(argc - 1, argv + 1);
    return cli_usage_error("lists", "unknown subcommand '%s' (import, ls, export, rm)", sub);
}
