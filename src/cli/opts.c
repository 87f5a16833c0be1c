/* opts.c -- the option tables at work (opts.h): getopt_long's table built
 * from the rows, each value checked and stored where its row says, the
 * help text and the man page section written from the same rows. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

enum { KEY_HELP = 0x10000, KEY_HELP_MAN, KEY_ROW = 0x20000 };

void cli_common_init(cli_common *c)
{
    memset(c, 0, sizeof *c);
    c->jobs = cli_default_jobs();
    c->max_distance = -1;
    c->min_quality = -1;
    c->index = BW_INDEX_COMPACT;
    bw_limits_default(&c->limits);
}

int cli_opt_limit(const char *verb, const cli_opt *o, const char *arg, void *field)
{
    (void)o;
    return cli_set_limit(verb, field, arg);
}

int cli_opt_index(const char *verb, const cli_opt *o, const char *arg, void *field)
{
    (void)o;
    return cli_parse_index_layout(verb, arg, field);
}

/* "-j/--jobs" or "--max-distance": how a message names the option. */
static const char *opt_label(const cli_opt *o, char *buf, size_t n)
{
    if (o->key)
        snprintf(buf, n, "-%c/--%s", o->key, o->name);
    else
        snprintf(buf, n, "--%s", o->name);
    return buf;
}

/* A size for a message: 1G, 64K, or the number. */
static void fmt_size(long long v, char *buf, size_t n)
{
    if (v >= (1ll << 30) && v % (1ll << 30) == 0)
        snprintf(buf, n, "%lldG", v >> 30);
    else if (v >= (1ll << 20) && v % (1ll << 20) == 0)
        snprintf(buf, n, "%lldM", v >> 20);
    else if (v >= (1ll << 10) && v % (1ll << 10) == 0)
        snprintf(buf, n, "%lldK", v >> 10);
    else
        snprintf(buf, n, "%lld", v);
}

static void store_int(void *field, size_t size, long long v)
{
    if (size == sizeof(int32_t)) {
        int32_t x = (int32_t)v;
        memcpy(field, &x, sizeof x);
    } else {
        int64_t x = v;
        memcpy(field, &x, sizeof x);
    }
}

static int range_error(const char *verb, const cli_opt *o)
{
    char name[64], lo[32], hi[32];
    opt_label(o, name, sizeof name);
    if (o->kind == CLI_SIZE) {
        fmt_size(o->lo, lo, sizeof lo);
        fmt_size(o->hi, hi, sizeof hi);
        if (o->hi == LLONG_MAX)
            return cli_usage_error(verb, "%s takes a size such as 512M, at least %s", name, lo);
        return cli_usage_error(verb, "%s takes a size such as 64K, from %s to %s", name, lo, hi);
    }
    if (o->kind == CLI_REAL)
        return cli_usage_error(verb, "%s takes a number from %lld to %lld, e.g. 1 or 0.5", name,
                               o->lo, o->hi);
    if (o->hi == LLONG_MAX)
        return cli_usage_error(verb, "%s takes a whole number, at least %lld", name, o->lo);
    return cli_usage_error(verb, "%s takes a number from %lld to %lld", name, o->lo, o->hi);
}

static int strv_add(cli_strv *sv, const char *s)
{
    const char **nv = realloc(sv->v, (sv->n + 1) * sizeof *nv);
    if (!nv)
        return -1;
    sv->v = nv;
    sv->v[sv->n++] = s;
    return 0;
}

/* One option's value into its field. */
static int take(const char *verb, const cli_opt *o, const char *arg, char *args)
{
    void *field = args + o->off;
    long long v;
    switch (o->kind) {
    case CLI_FLAG: store_int(field, o->size, o->lo); return 0;
    case CLI_NUM:
    case CLI_SIZE:
        v = o->kind == CLI_NUM ? cli_parse_uint(arg) : cli_parse_size(arg);
        if (v < 0 || v < o->lo || v > o->hi)
            return range_error(verb, o);
        store_int(field, o->size, v);
        return 0;
    case CLI_REAL: {
        char *end;
        double d;
        errno = 0;
        d = strtod(arg, &end);
        if (end == arg || *end || errno || !(d >= (double)o->lo) || d > (double)o->hi)
            return range_error(verb, o);
        memcpy(field, &d, sizeof d);
        return 0;
    }
    case CLI_STR: memcpy(field, &arg, sizeof arg); return 0;
    case CLI_STRS:
        if (strv_add(field, arg) != 0) {
            cli_warn(verb, "out of memory");
            return BW_EXIT_USAGE;
        }
        return 0;
    case CLI_CALL: return o->fn(verb, o, arg, field);
    default: return 0;
    }
}

static size_t count_rows(const cli_opt *opts)
{
    size_t n = 0;
    while (opts[n].kind != CLI_END)
        n++;
    return n;
}

int cli_parse(const cli_cmd *cmd, int argc, char **argv, void *args, int *first)
{
    size_t nrows = count_rows(cmd->opts), nl = 0;
    struct option *longopts = calloc(nrows + 3, sizeof *longopts);
    char shortopts[64] = "h";
    size_t ns = 1;
    int c, rc = 0;

    if (!longopts) {
        cli_warn(cmd->name, "out of memory");
        return BW_EXIT_USAGE;
    }
    for (size_t i = 0; i < nrows; i++) {
        const cli_opt *o = &cmd->opts[i];
        int has_arg = o->kind == CLI_FLAG ? no_argument : required_argument;
        if (o->kind == CLI_HEADING)
            continue;
        longopts[nl++] = (struct option){o->name, has_arg, NULL, KEY_ROW + (int)i};
        if (o->key && ns + 2 < sizeof shortopts) {
            shortopts[ns++] = (char)o->key;
            if (has_arg == required_argument)
                shortopts[ns++] = ':';
        }
    }
    shortopts[ns] = '\0';
    longopts[nl++] = (struct option){"help", no_argument, NULL, KEY_HELP};
    longopts[nl++] = (struct option){"help-man", no_argument, NULL, KEY_HELP_MAN};
    optind = 1;
    while (rc == 0 && (c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const cli_opt *o = NULL;
        if (c == 'h' || c == KEY_HELP) {
            cli_help(cmd, stdout);
            rc = -1;
            break;
        }
        if (c == KEY_HELP_MAN) {
            cli_help_man(cmd, stdout);
            rc = -1;
            break;
        }
        if (c >= KEY_ROW)
            o = &cmd->opts[c - KEY_ROW];
        for (size_t i = 0; !o && c > 0 && c < 256 && i < nrows; i++)
            if (cmd->opts[i].key == c && cmd->opts[i].kind != CLI_HEADING)
                o = &cmd->opts[i];
        if (!o) {
            rc = cli_usage_error(cmd->name, "unknown option");
            break;
        }
        rc = take(cmd->name, o, optarg, args);
    }
    free(longopts);
    if (rc != 0)
        cli_args_free(cmd, args);
    *first = optind;
    return rc;
}

void cli_args_free(const cli_cmd *cmd, void *args)
{
    for (const cli_opt *o = cmd->opts; o->kind != CLI_END; o++)
        if (o->kind == CLI_STRS) {
            cli_strv *sv = (cli_strv *)((char *)args + o->off);
            free(sv->v);
            sv->v = NULL;
            sv->n = 0;
        }
}

/* ---------------- the help ---------------- */

#define HELP_WIDTH 79
#define HELP_MAX_COL 24

/* "  -j, --jobs N" */
static void left_text(const cli_opt *o, char *buf, size_t n)
{
    if (o->key)
        snprintf(buf, n, "  -%c, --%s%s%s", o->key, o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
    else
        snprintf(buf, n, "  --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

/* Write text wrapped to the width, each line after the first indented to
 * col (the first starts at `at`). */
static void wrap(FILE *out, const char *text, int col, int at)
{
    const char *p = text;
    int pos = at;
    while (*p) {
        const char *w = p;
        while (*w == ' ')
            w++;
        const char *e = w;
        while (*e && *e != ' ')
            e++;
        int len = (int)(e - w);
        if (len == 0)
            break;
        if (pos > col && pos + 1 + len > HELP_WIDTH) {
            fprintf(out, "\n%*s", col, "");
            pos = col;
        } else if (pos > col) {
            fputc(' ', out);
            pos++;
        }
        fwrite(w, 1, (size_t)len, out);
        pos += len;
        p = e;
    }
    fputc('\n', out);
}

void cli_help(const cli_cmd *cmd, FILE *out)
{
    char left[128];
    int col = 0;
    for (const cli_opt *o = cmd->opts; o->kind != CLI_END; o++) {
        if (o->kind == CLI_HEADING)
            continue;
        left_text(o, left, sizeof left);
        int len = (int)strlen(left) + 2;
        if (len <= HELP_MAX_COL && len > col)
            col = len;
    }
    fprintf(out, "usage: %s\n\n%s", cmd->usage, cmd->about);
    for (const cli_opt *o = cmd->opts; o->kind != CLI_END; o++) {
        if (o->kind == CLI_HEADING) {
            fprintf(out, "\n%s\n", o->help);
            continue;
        }
        left_text(o, left, sizeof left);
        int len = (int)strlen(left);
        fputs(left, out);
        if (len + 2 > col) {
            fprintf(out, "\n%*s", col, "");
        } else {
            fprintf(out, "%*s", col - len, "");
        }
        wrap(out, o->help, col, col);
    }
    if (cmd->epilogue)
        fprintf(out, "\n%s", cmd->epilogue);
}

/* ---------------- the man page section ---------------- */

/* roff text: backslashes doubled as \e, a line starting with . or '
 * protected, and -- in option names as \-. */
static void roff(FILE *out, const char *s, int dashes)
{
    int bol = 1;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", out);
        bol = *s == '\n';
        if (*s == '\\')
            fputs("\\e", out);
        else if (*s == '-' && dashes)
            fputs("\\-", out);
        else
            fputc(*s, out);
    }
}

void cli_help_man(const cli_cmd *cmd, FILE *out)
{
    fputs(".nf\nusage: ", out);
    roff(out, cmd->usage, 1);
    fputs("\n.fi\n.PP\n", out);
    for (const char *p = cmd->about; *p;) {
        const char *e = strstr(p, "\n\n");
        size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
        char *para = strndup(p, n);
        if (para) { /* a paragraph laid out by hand (indented lines) stays so */
            int laid_out = strstr(para, "\n ") != NULL;
            fputs(laid_out ? ".nf\n" : "", out);
            roff(out, para, 1);
            fputs(laid_out ? ".fi\n" : "", out);
            free(para);
        }
        p += n;
        while (*p == '\n')
            p++;
        if (*p)
            fputs(".PP\n", out);
    }
    for (const cli_opt *o = cmd->opts; o->kind != CLI_END; o++) {
        if (o->kind == CLI_HEADING) {
            fputs(".PP\n", out);
            roff(out, o->help, 1);
            fputc('\n', out);
            continue;
        }
        fputs(".TP\n", out);
        if (o->key)
            fprintf(out, "\\fB\\-%c\\fR, ", o->key);
        fputs("\\fB\\-\\-", out);
        roff(out, o->name, 1);
        fputs("\\fR", out);
        if (o->arg) {
            fputs(" \\fI", out);
            roff(out, o->arg, 1);
            fputs("\\fR", out);
        }
        fputc('\n', out);
        roff(out, o->help, 1);
        fputc('\n', out);
    }
    if (cmd->epilogue) {
        fputs(".PP\n", out);
        roff(out, cmd->epilogue, 1);
    }
}
