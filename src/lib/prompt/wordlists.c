/* wordlists.c -- the prompt guard's word lists: the parser of the list and
 * policy files (format in docs/prompt-guard.md) and the term store.
 *
 * A list line is `CLASS[=VALUE][,FLAG...] TERM`; `#` starts a comment.
 * TERM is normalised exactly as prompts are, so a list may write "Nackt*",
 * "y.o." or "ＮＵＤＥ" and still match what the normaliser produces. A term
 * is identified by its normalised form and its mode (whole word, prefix
 * `TERM*`, suffix `*TERM`, or anywhere for CJK). The same term in two
 * language files must have the same class; a policy file may re-grade it,
 * or drop it with `remove TERM`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include "bulwark/reader.h"
#include "prompt/prompt_internal.h"
#include "core/internal.h"

const char *const bw__pclass_names[PC_COUNT] = {
    "csam", "minor", "youth", "ambig", "sexual", "suggest", "abuse", "adult", "protect",
    "context", "benign", "known", "lang", "num", "ageunit", "agepre", "gradeunit", "gradepre",
    "conj"};

static const struct { const char *name; uint8_t flag; } flag_names[] = {
    {"gated", TF_GATED}, {"nofuzzy", TF_NOFUZZY}, {"alone", TF_ALONE}, {"anatomy", TF_ANATOMY}};

#define MODE_MASK (TF_PREFIX | TF_SUFFIX | TF_SUBSTR)

bw_status bw_prompt_lists_new(bw_prompt_lists **out, const bw_limits *limits, bw_error *err)
{
    bw_prompt_lists *l = bw__calloc(1, sizeof *l);
    bw_status st;
    *out = NULL;
    if (!l)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    l->limits = *bw__limits(limits);
    st = bw__fold_new(&l->fold, err);
    if (st == BW_OK && !(l->ns = bw__calloc(1, sizeof *l->ns)))
        st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if (st != BW_OK) {
        bw_prompt_lists_free(l);
        return st;
    }
    *out = l;
    return BW_OK;
}

void bw_prompt_lists_free(bw_prompt_lists *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->nterms; i++) {
        free(l->terms[i].text);
        free(l->terms[i].norm);
    }
    free(l->terms);
    free(l->index);
    for (int i = 0; i < l->nlangs; i++)
        free(l->langs[i]);
    bw_prompt_scratch_free(l->ns);
    bw__fold_unref(l->fold);
    free(l);
}

size_t bw_prompt_lists_count(const bw_prompt_lists *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->nterms; i++)
        n += !l->terms[i].removed;
    return n;
}

bw_status bw__normalise_term(bw_prompt_lists *l, const char *text, size_t len, char **norm,
                             size_t *norm_len, int *cjk, bw_error *err)
{
    bw_prompt_scratch *s = l->ns;
    bw_status st = bw__normalise(l->fold, s, text, len, 0, err);
    size_t n = 0;
    char *p;
    *norm = NULL;
    *cjk = 0;
    if (st != BW_OK)
        return st;
    for (size_t k = 0; k < s->nt; k++)
        n += s->t[k].alen + 1;
    p = bw__malloc(n + 1);
    if (!p)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    n = 0;
    for (size_t k = 0; k < s->nt; k++) {
        if (k)
            p[n++] = ' ';
        memcpy(p + n, s->a + s->t[k].apos, s->t[k].alen);
        n += s->t[k].alen;
        if (s->t[k].flags & TK_CJK)
            *cjk = 1;
    }
    p[n] = '\0';
    *norm = p;
    *norm_len = n;
    return BW_OK;
}

/* ---------------- the (mode, norm) index ---------------- */

static uint64_t key_hash(uint8_t mode, const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull ^ mode;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int rehash(bw_prompt_lists *l)
{
    size_t cap = l->cindex ? l->cindex * 2 : 1024;
    uint32_t *ix = bw__calloc(cap, sizeof *ix);
    if (!ix)
        return -1;
    for (size_t i = 0; i < l->nterms; i++) {
        const bw__term *t = &l->terms[i];
        size_t h = (size_t)key_hash(t->flags & MODE_MASK, t->norm, t->norm_len) & (cap - 1);
        while (ix[h])
            h = (h + 1) & (cap - 1);
        ix[h] = (uint32_t)i + 1;
    }
    free(l->index);
    l->index = ix;
    l->cindex = cap;
    return 0;
}

static long find_term(const bw_prompt_lists *l, uint8_t mode, const char *norm, size_t n)
{
    size_t h;
    if (!l->cindex)
        return -1;
    h = (size_t)key_hash(mode, norm, n) & (l->cindex - 1);
    while (l->index[h]) {
        const bw__term *t = &l->terms[l->index[h] - 1];
        if ((t->flags & MODE_MASK) == mode && t->norm_len == n && memcmp(t->norm, norm, n) == 0)
            return (long)l->index[h] - 1;
        h = (h + 1) & (l->cindex - 1);
    }
    return -1;
}

static int lang_index(bw_prompt_lists *l, const char *lang)
{
    for (int i = 0; i < l->nlangs; i++)
        if (strcmp(l->langs[i], lang) == 0)
            return i;
    if (l->nlangs >= BW__MAX_LANGS)
        return -1;
    if (!(l->langs[l->nlangs] = bw__strdup(lang)))
        return -2;
    return l->nlangs++;
}

/* ---------------- the parser ---------------- */

typedef struct line_ctx {
    const char *name;
    size_t lineno;
    int lang;
    int policy;
} line_ctx;

static bw_status parse_class(const line_ctx *lc, char *spec, uint8_t *cls, uint8_t *flags,
                             int *value, bw_error *err)
{
    char *save = NULL, *tok = strtok_r(spec, ",", &save), *eq;
    int found = -1;
    *flags = 0;
    *value = 0;
    if (!tok)
        return bw__fail(err, BW_ERR_CORRUPT, "%s:%zu: missing class", lc->name, lc->lineno);
    if ((eq = strchr(tok, '=')) != NULL) {
        char *end;
        long v;
        *eq = '\0';
        v = strtol(eq + 1, &end, 10);
        if (*end || end == eq + 1 || v < 0 || v > 1000)
            return bw__fail(err, BW_ERR_CORRUPT, "%s:%zu: bad value '%s'", lc->name, lc->lineno,
                            eq + 1);
        *value = (int)v;
    }
    for (int i = 0; i < PC_COUNT; i++)
        if (strcmp(tok, bw__pclass_names[i]) == 0)
            found = i;
    if (found < 0)
        return bw__fail(err, BW_ERR_CORRUPT, "%s:%zu: unknown class '%.40s'", lc->name,
                        lc->lineno, tok);
    if (found == PC_NUM && !eq)
        return bw__fail(err, BW_ERR_CORRUPT, "%s:%zu: num needs a value (num=12)", lc->name,
                        lc->lineno);
    *cls = (uint8_t)found;
    while ((tok = strtok_r(NULL, ",", &save)) != NULL) {
        int ok = 0;
        for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
            if (strcmp(tok, flag_names[i].name) == 0) {
                *flags |= flag_names[i].flag;
                ok = 1;
            }
        if (!ok)
            return bw__fail(err, BW_ERR_CORRUPT, "%s:%zu: unknown flag '%.40s'", lc->name,
                            lc->lineno, tok);
    }
    return BW_OK;
}

/* TERM with its * marks -> normalised form and mode. */
static bw_status parse_term(bw_prompt_lists *l, const line_ctx *lc, char *term, char **norm,
                            size_t *nlen, uint8_t *mode, bw_error *err)
{
    size_t n = strlen(term);
    int cjk;
    bw_status st;
    bw_error e2;
    *mode = 0;
    if (n && term[n - 1] == '*') {
        *mode |= TF_PREFIX;
        term[--n] = '\0';
    }
    if (n && term[0] == '*') {
        *mode |= TF_SUFFIX;
        term++;
        n--;
    }
    if (*mode == (TF_PREFIX | TF_SUFFIX))
        return bw__fail(err, BW_ERR_CORRUPT, "%s:%zu: a term is a prefix or a suffix, not both",
                        lc->name, lc->lineno);
    st = bw__normalise_term(l, term, n, norm, nlen, &cjk, &e2);
    if (st != BW_OK)
        return bw__fail(err, st, "%s:%zu: %s", lc->name, lc->lineno, bw_error_message(&e2));
    if (*nlen == 0) {
        free(*norm);
        *norm = NULL;
        return bw__fail(err, BW_ERR_CORRUPT, "%s:%zu: term '%.60s' has no letters or digits",
                        lc->name, lc->lineno, term);
    }
    if (cjk) {
        if (*mode) {
            free(*norm);
            *norm = NULL;
            return bw__fail(err, BW_ERR_CORRUPT,
                            "%s:%zu: CJK terms match anywhere; drop the '*'", lc->name,
                            lc->lineno);
        }
        *mode = TF_SUBSTR;
    }
    return BW_OK;
}

static bw_status parse_line(bw_prompt_lists *l, const line_ctx *lc, char *line, bw_error *err)
{
    char *p = line, *spec, *term, *norm = NULL, *written = NULL;
    size_t nlen, n;
    uint8_t cls = 0, flags = 0, mode = 0;
    int value = 0, remove;
    long at;
    bw_status st;

    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '#' || *p == '\0')
        return BW_OK;
    spec = p;
    while (*p && *p != ' ' && *p != '\t')
        p++;
    if (!*p)
        return bw__fail(err, BW_ERR_CORRUPT, "%s:%zu: expected CLASS TERM", lc->name, lc->lineno);
    *p++ = '\0';
    while (*p == ' ' || *p == '\t')
        p++;
    term = p;
    n = strlen(term);
    while (n && (term[n - 1] == ' ' || term[n - 1] == '\t' || term[n - 1] == '\r'))
        term[--n] = '\0';
    if (!n)
        return bw__fail(err, BW_ERR_CORRUPT, "%s:%zu: expected CLASS TERM", lc->name, lc->lineno);
    remove = strcmp(spec, "remove") == 0;
    if (remove && !lc->policy)
        return bw__fail(err, BW_ERR_CORRUPT, "%s:%zu: 'remove' belongs in a policy file",
                        lc->name, lc->lineno);
    if (!remove && (st = parse_class(lc, spec, &cls, &flags, &value, err)) != BW_OK)
        return st;
    if (!(written = bw__strdup(term))) /* parse_term strips the '*' marks */
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if ((st = parse_term(l, lc, term, &norm, &nlen, &mode, err)) != BW_OK) {
        free(written);
        return st;
    }
    at = find_term(l, mode, norm, nlen);
    if (remove) {
        free(norm);
        if (at < 0 || l->terms[at].removed)
            st = bw__fail(err, BW_ERR_NOT_FOUND, "%s:%zu: no term '%.60s' to remove", lc->name,
                          lc->lineno, written);
        else
            l->terms[at].removed = 1;
        free(written);
        return st;
    }
    if (at >= 0) {
        bw__term *t = &l->terms[at];
        free(norm);
        if (lc->policy || t->removed) { /* re-grade */
            t->cls = cls;
            t->flags = (uint8_t)((t->flags & MODE_MASK) | flags);
            t->value = (int16_t)value;
            t->langs |= 1u << lc->lang;
            t->removed = 0;
        } else if (t->cls != cls || t->value != value) {
            st = bw__fail(err, BW_ERR_CORRUPT,
                          "%s:%zu: '%.60s' is already '%s' in another list (class '%s' here)",
                          lc->name, lc->lineno, written, bw__pclass_names[t->cls],
                          bw__pclass_names[cls]);
        } else {
            /* the same term in another language: gated only if gated everywhere */
            if (!(flags & TF_GATED))
                t->flags &= (uint8_t)~TF_GATED;
            t->flags |= flags & (uint8_t)~TF_GATED;
            t->langs |= 1u << lc->lang;
        }
        free(written);
        return st;
    }
    if (bw__grow((void **)&l->terms, &l->cterms, l->nterms + 1, sizeof *l->terms) ||
        ((l->nterms + 1) * 2 > l->cindex && rehash(l))) {
        free(norm);
        free(written);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    {
        bw__term *t = &l->terms[l->nterms];
        size_t h;
        memset(t, 0, sizeof *t);
        t->text = written;
        t->norm = norm;
        t->norm_len = (uint32_t)nlen;
        t->cls = cls;
        t->flags = (uint8_t)(flags | mode);
        t->value = (int16_t)value;
        t->langs = 1u << lc->lang;
        l->nterms++;
        h = (size_t)key_hash(mode, t->norm, t->norm_len) & (l->cindex - 1);
        while (l->index[h])
            h = (h + 1) & (l->cindex - 1);
        l->index[h] = (uint32_t)l->nterms;
    }
    return BW_OK;
}

static bw_status load_text(bw_prompt_lists *l, const char *name, const char *lang,
                           const char *text, size_t len, int policy, bw_error *err)
{
    line_ctx lc = {name, 0, 0, policy};
    size_t i = 0, max = l->limits.max_line_bytes;
    char *line = NULL;
    bw_status st = BW_OK;
    int li = lang_index(l, lang);
    if (li == -2)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    if (li < 0)
        return bw__fail(err, BW_ERR_LIMIT, "%s: more than %d languages", name, BW__MAX_LANGS);
    lc.lang = li;
    while (i < len && st == BW_OK) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        lc.lineno++;
        if (n > max) {
            st = bw__fail(err, BW_ERR_LIMIT, "%s:%zu: line too long: %zu bytes (limit %zu, --max-line)",
                          name, lc.lineno, n, max);
            break;
        }
        if (memchr(text + i, '\0', n)) {
            st = bw__fail(err, BW_ERR_CORRUPT, "%s:%zu: NUL byte in a list", name, lc.lineno);
            break;
        }
        free(line);
        if (!(line = bw__malloc(n + 1))) {
            st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
            break;
        }
        memcpy(line, text + i, n);
        line[n] = '\0';
        st = parse_line(l, &lc, line, err);
        i += n + 1;
    }
    free(line);
    return st;
}

bw_status bw_prompt_lists_load_text(bw_prompt_lists *l, const char *name, const char *lang,
                                    const char *text, size_t len, bw_error *err)
{
    if (!l || !name || !lang || (!text && len))
        return bw__fail(err, BW_ERR_ARG, "bw_prompt_lists_load_text: bad arguments");
    return load_text(l, name, lang, text, len, 0, err);
}

bw_status bw_prompt_lists_apply_policy_text(bw_prompt_lists *l, const char *name,
                                            const char *text, size_t len, bw_error *err)
{
    if (!l || !name || (!text && len))
        return bw__fail(err, BW_ERR_ARG, "bw_prompt_lists_apply_policy_text: bad arguments");
    return load_text(l, name, "policy", text, len, 1, err);
}

static bw_status load_path(bw_prompt_lists *l, const char *path, const char *lang, int policy,
                           bw_error *err)
{
    bw_reader *r = NULL;
    void *data = NULL;
    size_t len = 0;
    const char *base = strrchr(path, '/');
    bw_status st = bw_reader_open_file(&r, path, err);
    if (st == BW_OK)
        st = bw_reader_slurp(r, l->limits.max_file_bytes, NULL, NULL, &data, &len, err);
    bw_reader_close(r);
    if (st != BW_OK)
        return st;
    st = load_text(l, base ? base + 1 : path, lang, data, len, policy, err);
    free(data);
    return st;
}

bw_status bw_prompt_lists_load_file(bw_prompt_lists *l, const char *path, const char *lang,
                                    bw_error *err)
{
    if (!l || !path || !lang)
        return bw__fail(err, BW_ERR_ARG, "bw_prompt_lists_load_file: bad arguments");
    return load_path(l, path, lang, 0, err);
}

bw_status bw_prompt_lists_apply_policy(bw_prompt_lists *l, const char *path, bw_error *err)
{
    if (!l || !path)
        return bw__fail(err, BW_ERR_ARG, "bw_prompt_lists_apply_policy: bad arguments");
    return load_path(l, path, "policy", 1, err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

bw_status bw_prompt_lists_load_dir(bw_prompt_lists *l, const char *dir, bw_error *err)
{
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    bw_status st = BW_OK;
    if (!l || !dir)
        return bw__fail(err, BW_ERR_ARG, "bw_prompt_lists_load_dir: bad arguments");
    if (!(d = opendir(dir)))
        return bw__fail(err, BW_ERR_NOT_FOUND, "cannot open word-list directory %s", dir);
    while ((e = readdir(d)) != NULL) {
        size_t k = strlen(e->d_name);
        if (k < 5 || e->d_name[0] == '.' || strcmp(e->d_name + k - 4, ".txt") != 0)
            continue;
        if (bw__grow((void **)&names, &cap, n + 1, sizeof *names) ||
            !(names[n] = bw__strdup(e->d_name))) {
            st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    if (st == BW_OK && n == 0)
        st = bw__fail(err, BW_ERR_NOT_FOUND, "no word lists (*.txt) in %s", dir);
    if (st == BW_OK)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && st == BW_OK; i++) {
        size_t plen = strlen(dir) + strlen(names[i]) + 2;
        char *path = bw__malloc(plen);
        if (!path) {
            st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
            break;
        }
        snprintf(path, plen, "%s/%s", dir, names[i]);
        names[i][strlen(names[i]) - 4] = '\0';
        st = load_path(l, path, names[i], 0, err);
        free(path);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return st;
}
