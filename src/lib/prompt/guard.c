/* guard.c -- the compiled prompt guard: one Vectorscan literal database
 * over the normalised terms, the fuzzy index, per-thread scratch, and the
 * check itself (normalise, scan, misspellings, rules).
 *
 * Patterns are the normalised terms with their word boundaries spelt out
 * in the buffer's own terms: " term " for a whole word, " term" for a
 * prefix, "term " for a suffix, "term" for CJK. Vectorscan's literal API
 * (hs_compile_lit_multi) compiles them into one automaton, so a scan costs
 * the same for 1,000 terms as for 10,000, and there is no backtracking
 * engine anywhere near user text. */
#include <stdlib.h>
#include <string.h>
#include <hs/hs.h>
#include "prompt/prompt_internal.h"
#include "core/internal.h"

bw_status bw_prompt_guard_compile(const bw_prompt_lists *l, const bw_limits *limits,
                                  bw_prompt_guard **out, bw_error *err)
{
    bw_prompt_guard *g;
    char **pats = NULL;
    size_t *lens = NULL;
    unsigned *ids = NULL, *flags = NULL;
    size_t n = 0;
    bw_status st = BW_OK;
    *out = NULL;
    if (!l)
        return bw__fail(err, BW_ERR_ARG, "bw_prompt_guard_compile: no lists");
    if (!(g = bw__calloc(1, sizeof *g)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    g->limits = *bw__limits(limits);
    g->fold = bw__fold_ref(l->fold);
    g->nlangs = l->nlangs;
    g->terms = bw__calloc(l->nterms + 1, sizeof *g->terms);
    g->plen = bw__calloc(l->nterms + 1, sizeof *g->plen);
    pats = bw__calloc(l->nterms + 1, sizeof *pats);
    lens = bw__calloc(l->nterms + 1, sizeof *lens);
    ids = bw__calloc(l->nterms + 1, sizeof *ids);
    flags = bw__calloc(l->nterms + 1, sizeof *flags);
    if (!g->terms || !g->plen || !pats || !lens || !ids || !flags) {
        st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < l->nterms; i++) {
        const bw__term *src = &l->terms[i];
        bw__term *t = &g->terms[n];
        size_t pl = src->norm_len + 2;
        char *p;
        if (src->removed)
            continue;
        *t = *src;
        t->text = bw__strdup(src->text);
        t->norm = bw__strdup(src->norm);
        p = pats[n] = bw__malloc(pl + 1);
        if (!t->text || !t->norm || !p) {
            g->nterms = n + 1;
            st = bw__fail(err, BW_ERR_NOMEM, "out of memory");
            goto done;
        }
        pl = 0;
        if (!(t->flags & (TF_SUFFIX | TF_SUBSTR)))
            p[pl++] = ' ';
        memcpy(p + pl, t->norm, t->norm_len);
        pl += t->norm_len;
        if (!(t->flags & (TF_PREFIX | TF_SUBSTR)))
            p[pl++] = ' ';
        lens[n] = pl;
        g->plen[n] = (uint32_t)pl;
        ids[n] = (unsigned)n;
        n++;
    }
    g->nterms = n;
    if (n) {
        hs_compile_error_t *ce = NULL;
        hs_database_t *db = NULL;
        if (hs_compile_lit_multi((const char *const *)pats, flags, ids, lens, (unsigned)n,
                                 HS_MODE_BLOCK, NULL, &db, &ce) != HS_SUCCESS) {
            st = bw__fail(err, BW_ERR_INTERNAL, "Vectorscan could not compile the terms: %s",
                          ce && ce->message ? ce->message : "unknown error");
            hs_free_compile_error(ce);
            goto done;
        }
        g->db = db;
    }
    st = bw__fuzzy_new(&g->fuzzy, g->terms, g->nterms, err);
    if (st == BW_OK)
        st = bw__split_new(&g->split, g->terms, g->nterms, err);
done:
    for (size_t i = 0; i < l->nterms; i++)
        free(pats ? pats[i] : NULL);
    free(pats);
    free(lens);
    free(ids);
    free(flags);
    if (st != BW_OK) {
        bw_prompt_guard_free(g);
        return st;
    }
    *out = g;
    return BW_OK;
}

void bw_prompt_guard_free(bw_prompt_guard *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nterms; i++) {
        free(g->terms[i].text);
        free(g->terms[i].norm);
    }
    free(g->terms);
    free(g->plen);
    if (g->db)
        hs_free_database(g->db);
    bw__fuzzy_free(g->fuzzy);
    bw__split_free(g->split);
    bw__fold_unref(g->fold);
    free(g);
}

bw_status bw_prompt_scratch_new(const bw_prompt_guard *g, bw_prompt_scratch **out, bw_error *err)
{
    bw_prompt_scratch *s;
    *out = NULL;
    if (!g)
        return bw__fail(err, BW_ERR_ARG, "bw_prompt_scratch_new: no guard");
    if (!(s = bw__calloc(1, sizeof *s)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    s->guard = g;
    if (g->db) {
        hs_scratch_t *hs = NULL;
        if (hs_alloc_scratch(g->db, &hs) != HS_SUCCESS) {
            free(s);
            return bw__fail(err, BW_ERR_NOMEM, "out of memory (Vectorscan scratch)");
        }
        s->hs = hs;
    }
    *out = s;
    return BW_OK;
}

void bw_prompt_scratch_free(bw_prompt_scratch *s)
{
    if (!s)
        return;
    if (s->hs)
        hs_free_scratch(s->hs);
    free(s->u);
    free(s->t);
    free(s->a);
    free(s->as);
    free(s->ae);
    free(s->af);
    free(s->b);
    free(s->bs);
    free(s->be);
    free(s->bt);
    free(s->bf);
    free(s->m);
    free(s->r);
    free(s->tmark);
    free(s->alts);
    free(s);
}

/* ---------------- matches ---------------- */

bw__match *bw__new_match(bw_prompt_scratch *s)
{
    bw__match *m;
    if (bw__grow((void **)&s->m, &s->cm, s->nm + 1, sizeof *s->m)) {
        s->oom = 1;
        return NULL;
    }
    m = &s->m[s->nm++];
    memset(m, 0, sizeof *m);
    return m;
}

/* Main tokens of buffer token k (an alternate covers main tokens). */
static void main_range(const bw_prompt_scratch *s, uint32_t k0, uint32_t k1, uint32_t *t0,
                       uint32_t *t1)
{
    *t0 = s->t[k0].first;
    *t1 = s->t[k1].last;
    if (*t1 < *t0)
        *t1 = *t0;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to,
                    unsigned hsflags, void *ctx)
{
    bw_prompt_scratch *s = ctx;
    const bw_prompt_guard *g = s->guard;
    const bw__term *t = &g->terms[id];
    uint32_t b0, b1, k0, k1;
    bw__match *m;
    (void)from;
    (void)hsflags;
    b0 = (uint32_t)(to - g->plen[id]);
    b1 = (uint32_t)to - 1;
    while (b0 < b1 && s->b[b0] == ' ')
        b0++;
    while (b1 > b0 && s->b[b1] == ' ')
        b1--;
    k0 = s->bt[b0];
    k1 = s->bt[b1];
    if (k0 == UINT32_MAX || k1 == UINT32_MAX)
        return 0;
    if (!(m = bw__new_match(s)))
        return 1; /* stop the scan: out of memory */
    m->term = id;
    m->cls = t->cls;
    m->s = s->bs[b0];
    m->e = s->be[b1];
    if (t->flags & (TF_PREFIX | TF_SUFFIX)) { /* show the whole word */
        if (s->t[k0].s < m->s)
            m->s = s->t[k0].s;
        if (s->t[k1].e > m->e)
            m->e = s->t[k1].e;
    }
    for (uint32_t i = b0; i <= b1; i++)
        m->evasion |= s->bf[i] & TK_EVASION;
    main_range(s, k0, k1, &m->t0, &m->t1);
    /* remember which buffer tokens some term touched (no fuzzy there) */
    for (uint32_t k = k0; k <= k1; k++)
        s->tmark[k] |= (uint8_t)(1u | (t->flags & (TF_PREFIX | TF_SUFFIX) ? 0u : TM_WHOLE));
    return 0;
}

typedef struct fz_ctx {
    bw_prompt_scratch *s;
    uint32_t k;
} fz_ctx;

static void on_fuzzy(void *ctx, uint32_t term)
{
    fz_ctx *c = ctx;
    bw_prompt_scratch *s = c->s;
    const bw__tok *tk = &s->t[c->k];
    bw__match *m = bw__new_match(s);
    if (!m)
        return;
    m->term = term;
    m->cls = s->guard->terms[term].cls;
    m->s = tk->s;
    m->e = tk->e;
    m->evasion = 1;
    m->fuzzy = 1;
    main_range(s, c->k, c->k, &m->t0, &m->t1);
}

bw_status bw_prompt_check(const bw_prompt_guard *g, bw_prompt_scratch *s, const char *text,
                          size_t len, bw_prompt_result *res, bw_error *err)
{
    bw_status st;
    if (!g || !s || !res || (!text && len) || s->guard != g)
        return bw__fail(err, BW_ERR_ARG, "bw_prompt_check: bad arguments");
    memset(res, 0, sizeof *res);
    if (len > g->limits.max_line_bytes)
        return bw__fail(err, BW_ERR_LIMIT, "prompt too long: %zu bytes (limit %u, --max-line)",
                        len, g->limits.max_line_bytes);
    s->nm = s->nr = 0;
    s->oom = 0;
    s->text = text ? text : "";
    s->len = len;
    st = bw__normalise(g->fold, s, text ? text : "", len, 1, err);
    if (st != BW_OK)
        return st;
    if (bw__grow((void **)&s->tmark, &s->ctmark, s->nt + 1, 1))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory checking a prompt");
    memset(s->tmark, 0, s->nt + 1);
    if (g->db && s->nb) {
        hs_error_t he = hs_scan(g->db, s->b, (unsigned)s->nb, 0, s->hs, on_match, s);
        if (he != HS_SUCCESS && !(he == HS_SCAN_TERMINATED && s->oom))
            return bw__fail(err, BW_ERR_INTERNAL, "Vectorscan scan failed (%d)", (int)he);
    }
    /* words glued together: two terms inside one word */
    bw__split_scan(g, s);
    /* misspellings of words no term touched */
    for (size_t k = 0; k < s->nt && !s->oom; k++) {
        const bw__tok *tk = &s->t[k];
        fz_ctx fc = {s, (uint32_t)k};
        int touched = s->tmark[k] & 1;
        if (tk->flags & TK_ALT)
            for (uint32_t q = tk->first; q <= tk->last && q < s->ntmain; q++)
                touched |= s->tmark[q] & 1;
        if (touched || !(tk->flags & TK_ASCII) || tk->alen < 6 || tk->alen > 32)
            continue;
        bw__fuzzy_lookup(g->fuzzy, g->terms, s->a + tk->apos, tk->alen, on_fuzzy, &fc);
    }
    if (s->oom)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory checking a prompt");
    bw__rules(g, s, res);
    if (s->oom)
        return bw__fail(err, BW_ERR_NOMEM, "out of memory checking a prompt");
    return BW_OK;
}

const char *bw_prompt_verdict_name(bw_prompt_verdict v)
{
    switch (v) {
    case BW_PROMPT_BLOCK: return "block";
    case BW_PROMPT_REVIEW: return "review";
    default: return "allow";
    }
}

const char *bw_prompt_category_name(unsigned c)
{
    switch (c) {
    case BW_PROMPT_CAT_SEXUAL_MINORS: return "sexual_minors";
    case BW_PROMPT_CAT_MINORS: return "minors";
    case BW_PROMPT_CAT_SEXUAL: return "sexual";
    case BW_PROMPT_CAT_EVASION: return "evasion";
    default: return "unknown";
    }
}
