/* common.c -- helpers shared by the verbs (cli.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

#ifndef BW_SOURCE_DATA_DIR
#define BW_SOURCE_DATA_DIR ""
#endif
#ifndef BW_INSTALL_DATA_DIR
#define BW_INSTALL_DATA_DIR "/usr/local/share/bulwark"
#endif

const char *cli_esc(const char *s)
{
    /* a ring, so that one printf may escape several strings */
    static _Thread_local struct { char *buf; size_t cap; } ring[8];
    static _Thread_local unsigned next;
    if (!s)
        return "";
    unsigned k = next++ % 8;
    const char *r = bw_text_safe(s, strlen(s), &ring[k].buf, &ring[k].cap);
    return r ? r : "(out of memory)";
}

/* The message, formatted and then escaped: names inside it come from
 * outside (file, member and list names) and must not reach the terminal
 * raw. */
static void vwarn(const char *verb, const char *fmt, va_list ap)
{
    char small[1024], *msg = small;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n >= (int)sizeof small && (msg = malloc((size_t)n + 1)))
        vsnprintf(msg, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    if (n < 0 || !msg)
        msg = small;
    fprintf(stderr, "bulwark: %s%s%s\n", verb ? verb : "", verb ? ": " : "", cli_esc(msg));
    if (msg != small)
        free(msg);
}

void cli_warn(const char *verb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(verb, fmt, ap);
    va_end(ap);
}

int cli_usage_error(const char *verb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(verb, fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try 'bulwark %s --help'.\n", verb);
    return BW_EXIT_USAGE;
}

void cli_emit_json_bytes(const char *json, size_t len)
{
    fwrite(json, 1, len, stdout);
    fputc('\n', stdout);
}

void cli_emit_json(bw_json *j)
{
    if (bw_json_status(j) != BW_OK) {
        fputs("{\"error\":\"out of memory\"}\n", stdout);
        return;
    }
    cli_emit_json_bytes(j->buf, j->len);
}

void cli_emit_error_json(const char *path, const char *message)
{
    bw_json j;
    bw_json_init(&j);
    bw_hash_error_json(&j, path, message, NULL, 0);
    cli_emit_json(&j);
    bw_json_free(&j);
}

void cli_print_hash_line(const char *path, const bw_hash_result *r)
{
    char hex[65];
    if (r->kind == BW_KIND_IMAGE) {
        char dims[32];
        bw_pdq_to_hex(&r->pdq, hex);
        snprintf(dims, sizeof dims, "%ux%u", r->width, r->height);
        printf("%s %3d %-4s %11s  %s", hex, r->quality, bw_format_name(r->format), dims,
               cli_esc(path));
    } else {
        bw_hex_encode(r->digests.sha256, 32, hex);
        printf("%s %3s %-4s %11s  %s", hex, "-", "file", "-", cli_esc(path));
    }
}

/* mkdir -p of the directory part of path. */
static int make_parent_dirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            *p = '/';
            return -1;
        }
        *p = '/';
    }
    return 0;
}

const char *cli_db_path_ex(const char *option_value, int *is_default)
{
    static char buf[4096];
    const char *v;
    int n;
    *is_default = 0;
    if (option_value && *option_value)
        n = snprintf(buf, sizeof buf, "%s", option_value);
    else if ((v = getenv("BULWARK_DB")) && *v)
        n = snprintf(buf, sizeof buf, "%s", v);
    else if ((*is_default = 1) && (v = getenv("XDG_DATA_HOME")) && *v)
        n = snprintf(buf, sizeof buf, "%s/bulwark/bulwark.db", v);
    else if ((v = getenv("HOME")) && *v)
        n = snprintf(buf, sizeof buf, "%s/.local/share/bulwark/bulwark.db", v);
    else
        return NULL;
    if (n < 0 || (size_t)n >= sizeof buf)
        return NULL;
    return buf;
}

const char *cli_db_path(const char *option_value)
{
    int is_default;
    return cli_db_path_ex(option_value, &is_default);
}

const char *cli_db_path_create(const char *option_value)
{
    int is_default;
    char *path = (char *)cli_db_path_ex(option_value, &is_default);
    if (path && is_default && make_parent_dirs(path) != 0)
        return NULL;
    return path;
}

int cli_open_matcher(const char *verb, const char *db, const char *const *lists, size_t nlists,
                     const bw_index_opts *iopts, int allow_empty, bw_matcher **out)
{
    bw_error err;
    const char *path = cli_db_path(db);
    *out = NULL;
    if (!path) {
        cli_warn(verb, "cannot tell where the store is: give --db PATH or set BULWARK_DB");
        return BW_EXIT_USAGE;
    }
    char where[512];
    bw_store_location_safe(path, where, sizeof where); /* no password in a message */
    bw_store *store = NULL;
    bw_status st = bw_store_open(&store, path, BW_STORE_MUST_EXIST, &err);
    if (st == BW_ERR_NOT_FOUND) {
        if (allow_empty)
            return BW_EXIT_OK; /* nothing to match against, as asked */
        cli_warn(verb,
                 "%s: nothing to match against (create it with `bulwark lists "
                 "import`, or give --allow-empty to run without lists)", bw_error_message(&err));
        return BW_EXIT_USAGE;
    }
    if (st == BW_OK) /* the matcher takes the store, and closes it on failure */
        st = bw_matcher_open_store(out, store, lists, nlists, iopts, &err);
    if (st != BW_OK) {
        cli_warn(verb, "%s", bw_error_message(&err));
        return BW_EXIT_USAGE;
    }
    if (!allow_empty && bw_matcher_list_count(*out) == 0) {
        cli_warn(verb,
                 "the store %s has no lists: nothing to match against (import one with "
                 "`bulwark lists import`, or give --allow-empty)", where);
        bw_matcher_close(*out);
        *out = NULL;
        return BW_EXIT_USAGE;
    }
    return BW_EXIT_OK;
}

int cli_open_lists(const char *verb, const cli_common *c, bw_matcher **out)
{
    bw_index_opts iopts = {0};
    iopts.layout = c->index;
    iopts.design_distance = c->max_distance >= 0 ? c->max_distance : 0;
    return cli_open_matcher(verb, c->db, c->lists.v, c->lists.n, &iopts, c->allow_empty, out);
}

int cli_check_operands(const char *verb, int argc, char **argv, int first, const char *none)
{
    int dash = 0;
    if (none && first >= argc)
        return cli_usage_error(verb, "%s", none);
    for (int i = first; i < argc; i++)
        if (strcmp(argv[i], "-") == 0 && dash++)
            return cli_usage_error(verb, "'-' (stdin) may be given once");
    return 0;
}

unsigned cli_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* A non-negative decimal number at s; *end after it. -1 if there is none. */
static long long parse_number(const char *s, char **end)
{
    long long v;
    if (!s || !*s || *s == '-')
        return -1;
    errno = 0;
    v = strtoll(s, end, 10);
    return errno ? -1 : v;
}

long long cli_parse_uint(const char *s)
{
    char *end;
    long long v = parse_number(s, &end);
    return v < 0 || *end ? -1 : v;
}

long long cli_parse_size(const char *s)
{
    char *end;
    long long v = parse_number(s, &end);
    if (v < 0)
        return -1;
    switch (*end) {
    case 'k': case 'K': v <<= 10; end++; break;
    case 'm': case 'M': v <<= 20; end++; break;
    case 'g': case 'G': v <<= 30; end++; break;
    default: break;
    }
    if (*end == 'b' || *end == 'B')
        end++;
    return *end ? -1 : v;
}

int cli_stdout_tty(void)
{
    return isatty(STDOUT_FILENO);
}

int cli_stderr_tty(void)
{
    return isatty(STDERR_FILENO);
}

int cli_set_limit(const char *verb, bw_limits *limits, const char *arg)
{
    char name[64];
    const char *eq = strchr(arg, '=');
    long long v;
    bw_status st;
    if (!eq || (size_t)(eq - arg) >= sizeof name)
        return cli_usage_error(verb, "--limit takes NAME=VALUE, e.g. max_pixels=50000000");
    memcpy(name, arg, (size_t)(eq - arg));
    name[eq - arg] = '\0';
    if ((v = cli_parse_size(eq + 1)) < 1)
        return cli_usage_error(verb, "--limit %s: the value must be a positive number", name);
    st = bw_limits_set(limits, name, (uint64_t)v);
    if (st == BW_ERR_NOT_FOUND)
        return cli_usage_error(verb, "--limit: no limit named '%s' (see docs/limits.md)", name);
    if (st != BW_OK)
        return cli_usage_error(verb, "--limit %s: value out of range", name);
    return 0;
}

int cli_parse_index_layout(const char *verb, const char *arg, bw_index_layout *out)
{
    if (strcmp(arg, "compact") == 0)
        *out = BW_INDEX_COMPACT;
    else if (strcmp(arg, "fast") == 0)
        *out = BW_INDEX_FAST;
    else
        return cli_usage_error(verb, "--index takes fast or compact");
    return 0;
}

static const char source_root[] = BW_SOURCE_DATA_DIR;

static int is_dir(const char *p)
{
    struct stat st;
    return p && *p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int cli_load_prompt_guard(const char *verb, const char *data, const cli_strv *policies,
                          const bw_limits *limits, bw_prompt_guard **guard)
{
    char srcdir[4096], instdir[4096];
    bw_prompt_lists *lists = NULL;
    bw_error err;
    int rc = BW_EXIT_OK;

    snprintf(srcdir, sizeof srcdir, "%s/prompt", BW_SOURCE_DATA_DIR);
    snprintf(instdir, sizeof instdir, "%s/prompt", BW_INSTALL_DATA_DIR);
    if (!data)
        data = source_root[0] && is_dir(srcdir) ? srcdir : instdir;
    /* --max-line is about prompts: the word lists are read with the defaults */
    if (bw_prompt_lists_new(&lists, NULL, &err) != BW_OK ||
        bw_prompt_lists_load_dir(lists, data, &err) != BW_OK) {
        cli_warn(verb, "%s", bw_error_message(&err));
        rc = BW_EXIT_USAGE;
    }
    for (size_t i = 0; rc == BW_EXIT_OK && i < policies->n; i++)
        if (bw_prompt_lists_apply_policy(lists, policies->v[i], &err) != BW_OK) {
            cli_warn(verb, "%s: %s", policies->v[i], bw_error_message(&err));
            rc = BW_EXIT_USAGE;
        }
    if (rc == BW_EXIT_OK && bw_prompt_guard_compile(lists, limits, guard, &err) != BW_OK) {
        cli_warn(verb, "%s", bw_error_message(&err));
        rc = BW_EXIT_USAGE;
    }
    bw_prompt_lists_free(lists);
    return rc;
}
