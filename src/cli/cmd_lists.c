/* cmd_lists.c -- `bulwark lists import|ls|export|rm`: the hash lists in
 * the store. Import streams the file into a new version of the list and
 * swaps it in atomically; a bad line rejects the file with its line
 * number unless --skip-bad. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

static const char usage_text[] =
    "usage: bulwark lists import NAME FILE [--format auto|hex|te|vics|csv]\n"
    "                           [--kind pdq|md5|sha1|sha256] [--source TEXT] [--skip-bad]\n"
    "       bulwark lists ls [--json]\n"
    "       bulwark lists export NAME [--format hex|te | --json]\n"
    "       bulwark lists rm NAME [--json]\n"
    "\n"
    "Manage the hash lists in the store (--db PATH, default $BULWARK_DB, else\n"
    "$XDG_DATA_HOME/bulwark/bulwark.db, else ~/.local/share/bulwark/bulwark.db).\n"
    "\n"
    "import   read FILE ('-' for stdin) into list NAME, replacing any list of that\n"
    "         name in one transaction. Formats: hex (one hash per line, optional\n"
    "         label after a tab or comma, '#' comments), te (ThreatExchange signal\n"
    "         files `pdq <hex>` and HMA CSV exports), vics (Project VIC VICS JSON),\n"
    "         csv (a header row names the hash columns), auto (sniffed; default).\n"
    "  --kind K        every bare hash is of kind K (64 hex digits are PDQ unless\n"
    "                  --kind sha256)\n"
    "  --source TEXT   where the list came from (shown by ls)\n"
    "  --skip-bad      import the good lines, count and report the bad ones\n"
    "  --max-line S    longest line accepted, e.g. 4M (default 1M)\n"
    "  --max-json-depth N  deepest JSON nesting accepted (default 64)\n"
    CLI_LIMIT_HELP
    "ls       the lists: name, entries per kind, source, import time (--json:\n"
    "         one object per list)\n"
    "export   write a list to stdout as hex (default) or te; --json: JSON Lines,\n"
    "         one object per entry {list, kind, hash, label, category, added_at}\n"
    "rm       remove a list (--json: the removed list, as ls --json, with\n"
    "         \"removed\": true)\n"
    "\n"
    "Only import creates a store; ls, export and rm on a store that does not\n"
    "exist are an error (exit 2) naming the path.\n"
    "\n"
    "Exit: 0 done, 1 the input or the store failed (nothing changed), 2 usage error\n"
    "or no such store.\n";

typedef struct opts {
    const char *db;
    int json, skip_bad;
    bw_list_format format;
    int kind;
    const char *source;
    bw_limits limits;
} opts;

/* Parse the options of any subcommand; positional arguments are left in
 * argv[optind..]. Returns -1 after printing help, >0 on a usage error. */
static int parse(int argc, char **argv, opts *o)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'D'},       {"json", no_argument, NULL, 'J'},
        {"format", required_argument, NULL, 'f'},   {"kind", required_argument, NULL, 'k'},
        {"source", required_argument, NULL, 's'},   {"skip-bad", no_argument, NULL, 'B'},
        {"max-line", required_argument, NULL, 'L'}, {"max-json-depth", required_argument, NULL, 'X'},
        {"limit", required_argument, NULL, 1000}, {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    int c;
    long long v;
    memset(o, 0, sizeof *o);
    bw_limits_default(&o->limits);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'D': o->db = optarg; break;
        case 'J': o->json = 1; break;
        case 'B': o->skip_bad = 1; break;
        case 's': o->source = optarg; break;
        case 'f':
            if (bw_list_format_parse(optarg, &o->format) != BW_OK)
                return cli_usage_error("lists", "unknown format '%s' (auto, hex, te, vics, csv)", optarg);
            break;
        case 'k': {
            bw_hash_kind k;
            if (bw_hash_kind_parse(optarg, &k) != BW_OK)
                return cli_usage_error("lists", "unknown kind '%s' (pdq, md5, sha1, sha256)", optarg);
            o->kind = (int)k + 1;
            break;
        }
        case 'L':
            if ((v = cli_parse_size(optarg)) < 1 || v > (1ll << 30))
                return cli_usage_error("lists", "--max-line takes a size from 1 to 1G");
            o->limits.max_line_bytes = (uint32_t)v;
            break;
        case 'X':
            if ((v = cli_parse_uint(optarg)) < 1 || v > 100000)
                return cli_usage_error("lists", "--max-json-depth takes a number from 1 to 100000");
            o->limits.max_json_depth = (uint32_t)v;
            break;
        case 1000:
            if (cli_set_limit("lists", &o->limits, optarg) != 0) {
                return BW_EXIT_USAGE;
            }
            break;
        case 'h': fputs(usage_text, stdout); return -1;
        default: return cli_usage_error("lists", "unknown option");
        }
    }
    return 0;
}

/* The store; only `import` (create) may make a new one. Any other
 * subcommand on a store that does not exist is an error naming the path:
 * a typo in --db must not look like an empty store. */
static int open_store(const opts *o, bw_store **s, int create)
{
    bw_error err;
    const char *path = create ? cli_db_path_create(o->db) : cli_db_path(o->db);
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
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? BW_EXIT_OK : rc;
    if (argc - optind != 2)
        return cli_usage_error("lists", "import takes NAME and FILE");
    const char *name = argv[optind], *file = argv[optind + 1];
    if (!*name)
        return cli_usage_error("lists", "the list name is empty");
    if (!bw_text_printable(name, strlen(name)))
        return cli_usage_error("lists", "the list name '%s' holds a control character or bytes "
                                        "that are not UTF-8", name);
    bw_import_opts io = {o.format, o.kind, o.skip_bad, &o.limits};
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
    if (o.json) {
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
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? BW_EXIT_OK : rc;
    if (optind != argc)
        return cli_usage_error("lists", "ls takes no arguments");
    if ((rc = open_store(&o, &s, 0)) != BW_EXIT_OK)
        return rc;
    if (bw_store_lists(s, &v, &n, &err) != BW_OK) {
        cli_warn("lists", "%s", bw_error_message(&err));
        bw_store_close(s);
        return BW_EXIT_SOME_FAILED;
    }
    if (!o.json && n)
        printf("%-24s %10s %10s %10s %10s %10s  %-20s  %s\n", "NAME", "ENTRIES", "PDQ", "MD5", "SHA1",
               "SHA256", "IMPORTED", "SOURCE");
    for (size_t i = 0; i < n; i++) {
        if (o.json) {
            bw_json j;
            bw_json_init(&j);
            bw_list_info_json(&j, &v[i], 0);
            cli_emit_json(&j);
            bw_json_free(&j);
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
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? BW_EXIT_OK : rc;
    if (argc - optind != 1)
        return cli_usage_error("lists", "export takes NAME");
    if (o.json && o.format != BW_LIST_AUTO)
        return cli_usage_error("lists", "export --json writes JSON Lines: give no --format");
    if (o.format == BW_LIST_AUTO)
        o.format = BW_LIST_HEX;
    if (o.format != BW_LIST_HEX && o.format != BW_LIST_TE)
        return cli_usage_error("lists", "export writes --format hex or te");
    if ((rc = open_store(&o, &s, 0)) != BW_EXIT_OK)
        return rc;
    bw_error_clear(&err);
    bw_status st = o.json ? bw_list_export_json(s, argv[optind], write_stdout, NULL, &err)
                          : bw_list_export(s, argv[optind], o.format, write_stdout, NULL, &err);
    bw_store_close(s);
    if (fflush(stdout) != 0 && st == BW_OK)
        st = BW_ERR_IO;
    if (st != BW_OK) {
        cli_warn("lists", "export %s: %s", argv[optind],
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
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? BW_EXIT_OK : rc;
    if (argc - optind != 1)
        return cli_usage_error("lists", "rm takes NAME");
    if ((rc = open_store(&o, &s, 0)) != BW_EXIT_OK)
        return rc;
    bw_list_info *li = NULL;
    bw_status st = bw_store_list_get(s, argv[optind], &li, &err);
    if (st == BW_OK)
        st = bw_store_list_remove(s, argv[optind], &err);
    bw_store_close(s);
    if (st != BW_OK) {
        bw_list_infos_free(li, 1);
        cli_warn("lists", "rm %s: %s", argv[optind], bw_error_message(&err));
        return BW_EXIT_SOME_FAILED;
    }
    if (o.json) { /* what was removed, as `ls --json` described it */
        bw_json j;
        bw_json_init(&j);
        bw_list_removed_json(&j, li);
        cli_emit_json(&j);
        bw_json_free(&j);
    } else {
        printf("removed %s (%llu entries)\n", cli_esc(li->name), (unsigned long long)li->entries);
    }
    bw_list_infos_free(li, 1);
    return BW_EXIT_OK;
}

int cmd_lists(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("lists", "which one: import, ls, export or rm?");
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        fputs(usage_text, stdout);
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
