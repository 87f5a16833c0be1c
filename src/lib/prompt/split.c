/* split.c -- the prompt guard's compound splitting: a word that no term
 * matched as a whole is read as two terms when it is two terms glued
 * together (issue 20, item 9).
 *
 * Two ways words get glued:
 *   - an invisible character (zero-width space, word joiner, soft hyphen,
 *     NUL ...) was removed between them: "nude" U+200B "child". Where the
 *     removed bytes sit between two known terms (any class that the rules
 *     read), that place is a word boundary;
 *   - they were simply written together: "nudechild", "nakedgirl". Only a
 *     compound of a minor-side term (csam, minor, youth, ambig) and a
 *     sexual-side term (csam, sexual, suggest), in either order, is split:
 *     that keeps "sextant", "Middlesex", "kidskin", "babysitter" what they
 *     are, since their other half is no term.
 * A word that some whole-word term matched is never split ("schoolgirl",
 * "kindergarten", "childporn" are terms of their own), and each part must
 * be at least SPLIT_MIN_CHARS characters (two where an invisible character
 * marks the boundary); a TERM* term may be the left part with up to three
 * letters of ending ("nacktekind"). The two parts become matches with their own byte
 * spans in the original text (the arena keeps them per byte) and are
 * marked as evasion. A word matched only by an affix term ("nackt*" in
 * "nacktkind") is split too, and the affix match gives way to the parts.
 *
 * Cost: a glued word is only looked at when its first three bytes start a
 * term (a 64 Kibit filter), then the left part is hashed as it grows, one
 * probe per place, never further than the longest term. */
#include <stdlib.h>
#include <string.h>
#include "prompt/prompt_internal.h"
#include "core/internal.h"

#define SPLIT_MIN_CHARS 3
#define SPLIT_MAX_BYTES 256
#define PREFIX_EXT_MAX 3 /* letters a TERM* left part may have after TERM */
#define FILTER_BITS 65536u

struct bw__split {
    uint32_t *tab; /* open addressing: term + 1, 0 empty */
    size_t cap;    /* power of two */
    size_t maxlen; /* longest normalised term in the table, bytes */
    uint8_t filter[FILTER_BITS / 8];
};

#define FNV_INIT 1469598103934665603ull

static uint64_t fnv_step(uint64_t h, char c)
{
    return (h ^ (unsigned char)c) * 1099511628211ull;
}

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = FNV_INIT;
    for (size_t i = 0; i < n; i++)
        h = fnv_step(h, s[i]);
    return h;
}

static unsigned filter_key(const char *s)
{
    return (unsigned)(fnv(s, 3) & (FILTER_BITS - 1));
}

/* Classes a part may have at all (the rest never change a verdict). */
static int cls_usable(uint8_t c)
{
    return c != PC_KNOWN && c != PC_LANG && c != PC_BENIGN;
}

static int cls_minor_side(uint8_t c)
{
    return c == PC_CSAM || c == PC_MINOR || c == PC_YOUTH || c == PC_AMBIG;
}

static int cls_sexual_side(uint8_t c)
{
    return c == PC_CSAM || c == PC_SEXUAL || c == PC_SUGGEST;
}

bw_status bw__split_new(bw__split **out, const bw__term *terms, size_t nterms, bw_error *err)
{
    bw__split *sp;
    *out = NULL;
    if (!(sp = bw__calloc(1, sizeof *sp)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    sp->cap = 16;
    while (sp->cap < 2 * nterms + 1)
        sp->cap *= 2;
    if (!(sp->tab = bw__calloc(sp->cap, sizeof *sp->tab))) {
        free(sp);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < nterms; i++) {
        const bw__term *t = &terms[i];
        size_t h;
        if (t->removed || !cls_usable(t->cls) || (t->flags & (TF_SUBSTR | TF_SUFFIX)) ||
            t->norm_len < 2 || memchr(t->norm, ' ', t->norm_len))
            continue;
        h = (size_t)fnv(t->norm, t->norm_len) & (sp->cap - 1);
        while (sp->tab[h])
            h = (h + 1) & (sp->cap - 1);
        sp->tab[h] = (uint32_t)i + 1;
        if (t->norm_len > sp->maxlen)
            sp->maxlen = t->norm_len;
        if (t->norm_len >= 3) {
            unsigned k = filter_key(t->norm);
            sp->filter[k / 8] |= (uint8_t)(1u << (k % 8));
        }
    }
    *out = sp;
    return BW_OK;
}

void bw__split_free(bw__split *sp)
{
    if (!sp)
        return;
    free(sp->tab);
    free(sp);
}

/* A term whose normalised text is exactly s[0, n) (prefix_only: a TERM*
 * term), best first: one that can be a part of this kind of split. */
static uint32_t lookup_h(const bw__split *sp, const bw__term *terms, uint64_t hash,
                         const char *s, size_t n, int prefix_only)
{
    size_t h = (size_t)hash & (sp->cap - 1);
    for (; sp->tab[h]; h = (h + 1) & (sp->cap - 1)) {
        const bw__term *t = &terms[sp->tab[h] - 1];
        if (t->norm_len == n && memcmp(t->norm, s, n) == 0 &&
            (!prefix_only || (t->flags & TF_PREFIX)))
            return sp->tab[h] - 1;
    }
    return UINT32_MAX;
}

static uint32_t lookup(const bw__split *sp, const bw__term *terms, const char *s, size_t n,
                       int prefix_only)
{
    return n > sp->maxlen ? UINT32_MAX : lookup_h(sp, terms, fnv(s, n), s, n, prefix_only);
}

static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* The right part s[0, n): the term it is, or a TERM* term it starts with
 * (one pass, hashing as it goes: no longer than the longest term). */
static uint32_t lookup_right(const bw__split *sp, const bw__term *terms, const char *s, size_t n)
{
    uint32_t t = lookup(sp, terms, s, n, 0), best = UINT32_MAX;
    uint64_t h = FNV_INIT;
    if (t != UINT32_MAX)
        return t;
    for (size_t k = 0; k < n && k < sp->maxlen; k++) {
        h = fnv_step(h, s[k]);
        if (k + 1 >= 3 && (k + 1 == n || ((unsigned char)s[k + 1] & 0xC0) != 0x80) &&
            (t = lookup_h(sp, terms, h, s, k + 1, 1)) != UINT32_MAX)
            best = t; /* the longest */
    }
    return best;
}

static bw__match *add_part(bw_prompt_scratch *s, uint32_t term, uint8_t cls, uint32_t a,
                           uint32_t b, uint32_t k)
{
    bw__match *m = bw__new_match(s);
    if (!m)
        return NULL;
    m->term = term;
    m->cls = cls;
    m->s = s->as[a];
    m->e = s->ae[b - 1];
    m->evasion = 1;
    m->t0 = s->t[k].first;
    m->t1 = s->t[k].last < m->t0 ? m->t0 : s->t[k].last;
    return m;
}

/* Token k: find one split; 1 if found. Work per word: bounded by the
 * longest term, whatever the word's length. */
static int split_token(const bw_prompt_guard *g, bw_prompt_scratch *s, uint32_t k)
{
    const bw__split *sp = g->split;
    const bw__tok *tk = &s->t[k];
    const char *w = s->a + tk->apos;
    size_t n = tk->alen, total = utf8_chars(w, n), last = n - 1;
    int filter = 0;
    if (n >= 3) {
        unsigned fk = filter_key(w);
        filter = (sp->filter[fk / 8] >> (fk % 8)) & 1;
    }
    uint32_t pre = UINT32_MAX; /* the longest TERM* term the word starts with */
    size_t prelen = 0;
    if (last > sp->maxlen)
        last = sp->maxlen;
    {
        uint64_t h = FNV_INIT;
        for (size_t q = 0; q < last; q++) {
            uint32_t t;
            h = fnv_step(h, w[q]);
            if (q + 1 >= 3 && ((unsigned char)w[q + 1] & 0xC0) != 0x80 &&
                (t = lookup_h(sp, g->terms, h, w, q + 1, 1)) != UINT32_MAX) {
                pre = t;
                prelen = q + 1;
            }
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        /* pass 0: where removed characters separate two terms; pass 1: glued */
        uint64_t h = FNV_INIT;
        size_t lc = 0;
        if (pass == 1 && !filter)
            break;
        for (size_t p = 1; p <= last; p++) {
            uint32_t pos = tk->apos + (uint32_t)p, lt, rt;
            uint8_t lcl, rcl;
            int gap;
            h = fnv_step(h, w[p - 1]);
            lc += ((unsigned char)w[p - 1] & 0xC0) != 0x80;
            if (((unsigned char)w[p] & 0xC0) == 0x80 || s->as[pos] < s->ae[pos - 1])
                continue; /* inside one character of the original */
            gap = s->as[pos] > s->ae[pos - 1];
            if (pass == 0 ? !gap : gap)
                continue;
            if (lc < (pass ? SPLIT_MIN_CHARS : 2) || total - lc < (pass ? SPLIT_MIN_CHARS : 2))
                continue;
            lt = lookup_h(sp, g->terms, h, w, p, 0);
            if (lt == UINT32_MAX && pre != UINT32_MAX && p > prelen &&
                utf8_chars(w + prelen, p - prelen) <= PREFIX_EXT_MAX)
                lt = pre; /* nackt* in "nacktekind": an ending more */
            if (lt == UINT32_MAX)
                continue;
            if ((rt = lookup_right(sp, g->terms, w + p, n - p)) == UINT32_MAX)
                continue;
            lcl = g->terms[lt].cls;
            rcl = g->terms[rt].cls;
            if (pass == 1 && !((cls_minor_side(lcl) && cls_sexual_side(rcl)) ||
                               (cls_sexual_side(lcl) && cls_minor_side(rcl))))
                continue;
            add_part(s, lt, lcl, pos - (uint32_t)p, pos, k);
            add_part(s, rt, rcl, pos, pos + (uint32_t)(n - p), k);
            return !s->oom;
        }
    }
    return 0;
}

void bw__split_scan(const bw_prompt_guard *g, bw_prompt_scratch *s)
{
    size_t nm0 = s->nm;
    if (!g->split)
        return;
    for (uint32_t k = 0; k < s->nt && !s->oom; k++) {
        const bw__tok *tk = &s->t[k];
        int covered = 0;
        if (!(tk->flags & TK_ALPHA) || (s->tmark[k] & TM_WHOLE) || tk->alen < 4 ||
            tk->alen > SPLIT_MAX_BYTES)
            continue;
        /* an alternate spelling of words a term already read ("nude-kid") */
        if (tk->flags & TK_ALT)
            for (uint32_t q = tk->first; q <= tk->last && q < s->ntmain; q++)
                covered |= s->tmark[q] & 1;
        if (covered)
            continue;
        if (!split_token(g, s, k))
            continue;
        s->tmark[k] |= 1; /* touched: no misspelling look-up */
        /* an affix term over the whole word gives way to its parts */
        for (size_t i = 0; i < nm0; i++) {
            bw__match *m = &s->m[i];
            if (!m->dead && m->term != UINT32_MAX &&
                (g->terms[m->term].flags & (TF_PREFIX | TF_SUFFIX)) && m->s == tk->s &&
                m->e == tk->e)
                m->dead = 1;
        }
    }
}
