/* rules.c -- the prompt guard's decision: from the terms found to a verdict,
 * categories and reasons.
 *
 *   1. language gates: a gated term ("kind", Dutch and German for child)
 *      counts only if another term of its language is in the prompt;
 *   2. a term inside a longer one is not read on its own ("naked mole rat"
 *      hides "naked", "young woman" hides "young");
 *   3. ages and grades: a number before an age unit ("12 yo", "douze ans",
 *      "10 лет") or after "aged", a number before "grade", and a bare
 *      number alone in a tag, or from 5 up right after a person ("girl, 12");
 *   4. adult markers ("adult", "18 year old", "woman" phrases) cancel
 *      youth and ambiguous terms within a few words of the same sentence,
 *      unless a conjunction ("and", "with") separates them;
 *   5. the verdict: a term that only ever means sexual content of minors,
 *      or a minor together with sexual content (in the same sentence, and
 *      a whole tag list is one sentence, or within 12 words) blocks; protective or educational context
 *      turns that into review; weaker combinations review; the rest is
 *      allowed, with the categories of what was referred to. */
#include <stdlib.h>
#include <string.h>
#include "prompt/prompt_internal.h"
#include "core/internal.h"

#define ADULT_WINDOW 4
#define M_ADULT 0x02u
#define M_CONJ 0x04u
#define M_PERSON 0x08u
#define M_USED 0x10u

static const char *const age_names[18] = {
    "age 0", "age 1", "age 2", "age 3", "age 4", "age 5", "age 6", "age 7", "age 8",
    "age 9", "age 10", "age 11", "age 12", "age 13", "age 14", "age 15", "age 16", "age 17"};
static const char *const grade_names[13] = {
    "grade 0", "grade 1", "grade 2", "grade 3", "grade 4", "grade 5", "grade 6",
    "grade 7", "grade 8", "grade 9", "grade 10", "grade 11", "grade 12"};

typedef struct span_key {
    uint32_t s, e, i;
} span_key;

static int span_cmp(const void *a, const void *b)
{
    const span_key *x = a, *y = b;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    if (x->e != y->e)
        return x->e > y->e ? -1 : 1;
    return x->i < y->i ? -1 : (x->i > y->i);
}

/* 2. strict containment hides the inner term */
static void suppress(bw_prompt_scratch *s)
{
    span_key *k;
    size_t n = 0, i = 0;
    uint32_t max_e = 0;
    int have = 0;
    if (s->nm < 2)
        return;
    k = bw__malloc(s->nm * sizeof *k);
    if (!k) {
        s->oom = 1;
        return;
    }
    for (size_t q = 0; q < s->nm; q++)
        if (!s->m[q].dead) {
            k[n].s = s->m[q].s;
            k[n].e = s->m[q].e;
            k[n].i = (uint32_t)q;
            n++;
        }
    qsort(k, n, sizeof *k, span_cmp);
    while (i < n) {
        size_t j = i;
        while (j < n && k[j].s == k[i].s && k[j].e == k[i].e)
            j++;
        if (have && max_e >= k[i].e)
            for (size_t q = i; q < j; q++)
                s->m[k[q].i].dead = 1;
        if (!have || k[i].e > max_e)
            max_e = k[i].e;
        have = 1;
        i = j;
    }
    free(k);
}

static void add_synth(bw_prompt_scratch *s, uint8_t cls, uint8_t synth, int value, uint32_t t0,
                      uint32_t t1)
{
    bw__match *m;
    if (bw__grow((void **)&s->m, &s->cm, s->nm + 1, sizeof *s->m)) {
        s->oom = 1;
        return;
    }
    m = &s->m[s->nm++];
    memset(m, 0, sizeof *m);
    m->term = UINT32_MAX;
    m->cls = cls;
    m->synth = synth;
    m->value = (int16_t)value;
    m->s = s->t[t0].s;
    m->e = s->t[t1].e;
    m->t0 = t0;
    m->t1 = t1;
    for (uint32_t t = t0; t <= t1; t++)
        m->evasion |= s->t[t].flags & TK_EVASION;
}

static int is_number(const bw_prompt_scratch *s, uint32_t t)
{
    return t < s->ntmain && s->t[t].num >= 0 && !(s->t[t].flags & TK_DECIMAL);
}

static int is_ordinal_suffix(const bw_prompt_scratch *s, uint32_t t)
{
    const bw__tok *k = &s->t[t];
    const char *a = s->a + k->apos;
    if (k->alen == 1)
        return a[0] == 'e'; /* French 6e */
    return k->alen == 2 && (memcmp(a, "th", 2) == 0 || memcmp(a, "st", 2) == 0 ||
                            memcmp(a, "nd", 2) == 0 || memcmp(a, "rd", 2) == 0 ||
                            memcmp(a, "er", 2) == 0);
}

static void age_found(bw_prompt_scratch *s, int v, uint32_t t0, uint32_t t1)
{
    if (v < 18)
        add_synth(s, PC_MINOR, 1, v, t0, t1);
    else if (v <= 120)
        add_synth(s, PC_ADULT, 1, v, t0, t1);
    for (uint32_t t = t0; t <= t1; t++)
        s->tmark[t] |= M_USED;
}

/* A number in CJK numerals (一 .. 九十九, 两, 〇) written just before byte
 * offset end of the text; its value, or -1. *start gets where it begins. */
static int cjk_number_before(const char *text, uint32_t end, uint32_t *start)
{
    static const char digits[] = "\xe3\x80\x87\xe9\x9b\xb6\xe4\xb8\x80\xe4\xba\x8c\xe4\xb8\xa4"
                                 "\xe4\xb8\x89\xe5\x9b\x9b\xe4\xba\x94\xe5\x85\xad\xe4\xb8\x83"
                                 "\xe5\x85\xab\xe4\xb9\x9d\xe5\x8d\x81";
    /* 〇 零 一 二 两 三 四 五 六 七 八 九 十 */
    static const int values[] = {0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    int seq[6], n = 0, tens = -1, v = 0;
    uint32_t p = end;
    while (p >= 3 && n < 6) {
        int found = -1;
        for (int k = 0; k < 13; k++)
            if (memcmp(text + p - 3, digits + 3 * k, 3) == 0)
                found = k;
        if (found < 0)
            break;
        seq[n++] = values[found];
        p -= 3;
    }
    if (n == 0)
        return -1;
    *start = p;
    for (int i = n - 1; i >= 0; i--) { /* seq is reversed */
        if (seq[i] == 10) {
            tens = v ? v : 1;
            v = 0;
        } else {
            v = v * 10 + seq[i];
        }
    }
    return tens >= 0 ? tens * 10 + v : v;
}

/* 3. ages and school grades */
static void ages(const bw_prompt_guard *g, bw_prompt_scratch *s)
{
    size_t nm = s->nm;
    for (size_t i = 0; i < nm; i++) {
        bw__match m = s->m[i];
        const bw__term *term;
        uint32_t nt;
        if (m.dead || m.term == UINT32_MAX)
            continue;
        term = &g->terms[m.term];
        switch (m.cls) {
        case PC_AGEUNIT:
        case PC_GRADEUNIT:
            if (m.cls == PC_AGEUNIT && (term->flags & TF_SUBSTR)) {
                uint32_t st;
                int v = cjk_number_before(s->text, m.s, &st);
                if (v >= 0) {
                    add_synth(s, v < 18 ? PC_MINOR : PC_ADULT, 1, v, m.t0, m.t1);
                    if (s->nm && !s->oom)
                        s->m[s->nm - 1].s = st;
                    break;
                }
            }
            nt = m.t0 - 1;
            if (m.t0 == 0 || m.s != s->t[m.t0].s)
                nt = UINT32_MAX;
            else if (m.cls == PC_GRADEUNIT && nt > 0 && is_ordinal_suffix(s, nt) &&
                     s->t[nt].sep_before == 0)
                nt--;
            if (nt != UINT32_MAX && is_number(s, nt) && s->t[nt].seg == s->t[m.t0].seg) {
                if (m.cls == PC_AGEUNIT)
                    age_found(s, term->value == 1 ? 0 : s->t[nt].num, nt, m.t1);
                else if (s->t[nt].num <= 12)
                    add_synth(s, PC_MINOR, 2, s->t[nt].num, nt, m.t1);
                break;
            }
            if (m.cls == PC_AGEUNIT)
                break;
            /* fall through - "grade 5" */
        case PC_AGEPRE:
        case PC_GRADEPRE:
            nt = m.t1 + 1;
            if (!is_number(s, nt) || s->t[nt].seg != s->t[m.t1].seg)
                break;
            if (m.cls == PC_AGEPRE)
                age_found(s, s->t[nt].num, m.t0, nt);
            else if (s->t[nt].num <= 12)
                add_synth(s, PC_MINOR, 2, s->t[nt].num, m.t0, nt);
            break;
        default:
            break;
        }
    }
    /* bare numbers: alone in a tag, or right after a person */
    for (uint32_t t = 0; t < s->ntmain; t++) {
        const bw__tok *k = &s->t[t];
        int alone, after_person;
        if (!(k->flags & TK_DIGITS) || !is_number(s, t) || (s->tmark[t] & M_USED) ||
            k->alen > 3)
            continue;
        alone = (t == 0 || s->t[t - 1].seg != k->seg) &&
                (t + 1 >= s->ntmain || s->t[t + 1].seg != k->seg);
        /* "girl 11": an age; "girl 1, girl 2" are labels, so small numbers only alone */
        after_person = t > 0 && s->t[t - 1].sent == k->sent && (s->tmark[t - 1] & M_PERSON) &&
                       k->num >= 5;
        if (alone || after_person)
            age_found(s, k->num, t, t);
    }
    (void)g;
}

static int cls_person(uint8_t c)
{
    return c == PC_MINOR || c == PC_YOUTH || c == PC_AMBIG || c == PC_ADULT || c == PC_CSAM;
}

/* 4. adult markers next to youth and ambiguous terms */
static int adult_near(const bw_prompt_scratch *s, const bw__match *m)
{
    uint32_t sent = s->t[m->t0].sent;
    for (uint32_t d = 1; d <= ADULT_WINDOW; d++) {
        uint32_t t = m->t0 - d;
        if (m->t0 < d || s->t[t].sent != sent || (s->tmark[t] & M_CONJ))
            break;
        if (s->tmark[t] & M_ADULT)
            return 1;
    }
    for (uint32_t d = 1; d <= ADULT_WINDOW; d++) {
        uint32_t t = m->t1 + d;
        if (t >= s->ntmain || s->t[t].sent != sent || (s->tmark[t] & M_CONJ))
            break;
        if (s->tmark[t] & M_ADULT)
            return 1;
    }
    return 0;
}

/* "together": two terms in the same sentence (a tag list is one sentence)
 * or within NEAR_WORDS words of each other across sentences. Positions are
 * main-token numbers, sorted; only each term's nearest neighbours on the
 * other side need to be looked at. */
#define NEAR_WORDS 12

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct posv {
    uint32_t *v;
    size_t n, cap;
} posv;

static void pos_add(bw_prompt_scratch *s, posv *p, uint32_t t)
{
    if (bw__grow((void **)&p->v, &p->cap, p->n + 1, sizeof *p->v)) {
        s->oom = 1;
        return;
    }
    p->v[p->n++] = t;
}

static int near_pair(const bw_prompt_scratch *s, uint32_t a, uint32_t b)
{
    uint32_t d = a > b ? a - b : b - a;
    return s->t[a].sent == s->t[b].sent || d <= NEAR_WORDS;
}

static int together(const bw_prompt_scratch *s, const posv *a, const posv *b)
{
    size_t j = 0;
    if (!a->n || !b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++) { /* both sorted: walk b along a */
        while (j + 1 < b->n && b->v[j + 1] <= a->v[i])
            j++;
        if (near_pair(s, a->v[i], b->v[j]) || (j + 1 < b->n && near_pair(s, a->v[i], b->v[j + 1])))
            return 1;
    }
    return 0;
}

static void add_reason(bw_prompt_scratch *s, unsigned cat, const char *term, uint32_t b,
                       uint32_t e)
{
    bw_prompt_reason *r;
    if (bw__grow((void **)&s->r, &s->cr, s->nr + 1, sizeof *s->r)) {
        s->oom = 1;
        return;
    }
    r = &s->r[s->nr++];
    r->category = cat;
    r->term = term;
    r->start = b;
    r->end = e;
}

static int reason_cmp(const void *a, const void *b)
{
    const bw_prompt_reason *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->category != y->category)
        return x->category < y->category ? -1 : 1;
    return strcmp(x->term, y->term);
}

static const char *match_term(const bw_prompt_guard *g, const bw__match *m)
{
    if (m->term != UINT32_MAX)
        return g->terms[m->term].text;
    if (m->synth == 2)
        return grade_names[m->value <= 12 && m->value >= 0 ? m->value : 0];
    return age_names[m->value < 18 && m->value >= 0 ? m->value : 0];
}

void bw__rules(const bw_prompt_guard *g, bw_prompt_scratch *s, bw_prompt_result *res)
{
    uint32_t evidence = 0;
    int csam = 0, sexual_explicit = 0, protect = 0, context = 0, alone = 0, block_cond;
    int strong = 0, weak = 0;
    int near_sexual = 0, near_suggest = 0, near_abuse = 0, weak_sexual = 0, weak_abuse = 0;
    bw_prompt_verdict v = BW_PROMPT_ALLOW;
    unsigned cats = 0;

    /* 1. language gates */
    for (size_t i = 0; i < s->nm; i++)
        if (!(g->terms[s->m[i].term].flags & TF_GATED))
            evidence |= g->terms[s->m[i].term].langs;
    for (size_t i = 0; i < s->nm; i++) {
        const bw__term *t = &g->terms[s->m[i].term];
        if ((t->flags & TF_GATED) && !(t->langs & evidence))
            s->m[i].dead = 1;
    }
    suppress(s);
    if (s->oom)
        return;
    /* per-token marks (bit 0 is guard.c's "touched") */
    for (size_t i = 0; i < s->ntmain; i++)
        s->tmark[i] &= 1;
    for (size_t i = 0; i < s->nm; i++) {
        const bw__match *m = &s->m[i];
        if (m->dead)
            continue;
        if (m->cls == PC_NUM && s->t[m->t1].num < 0 && !(s->t[m->t1].flags & TK_DIGITS))
            s->t[m->t1].num = g->terms[m->term].value;
        if (cls_person(m->cls))
            s->tmark[m->t1] |= M_PERSON;
        if (m->cls == PC_CONJ)
            for (uint32_t t = m->t0; t <= m->t1; t++)
                s->tmark[t] |= M_CONJ;
    }
    ages(g, s);
    if (s->oom)
        return;
    for (size_t i = 0; i < s->nm; i++) {
        const bw__match *m = &s->m[i];
        if (!m->dead && m->cls == PC_ADULT)
            for (uint32_t t = m->t0; t <= m->t1; t++)
                s->tmark[t] |= M_ADULT;
    }
    /* 4 and 5 */
    for (size_t i = 0; i < s->nm; i++) {
        bw__match *m = &s->m[i];
        uint8_t tf = m->term == UINT32_MAX ? 0 : g->terms[m->term].flags;
        if (m->dead)
            continue;
        if ((m->cls == PC_YOUTH || m->cls == PC_AMBIG) && adult_near(s, m)) {
            m->cancelled = 1;
            continue;
        }
        switch (m->cls) {
        case PC_CSAM: csam = 1; break;
        case PC_MINOR: case PC_YOUTH: strong = 1; break;
        case PC_AMBIG: weak = 1; break;
        case PC_SEXUAL:
            if (!(tf & TF_ANATOMY))
                sexual_explicit = 1;
            break;
        case PC_PROTECT: protect = 1; break;
        case PC_CONTEXT: context = 1; break;
        default: break;
        }
        if ((tf & TF_ALONE) && (m->cls == PC_MINOR || m->cls == PC_YOUTH || m->cls == PC_AMBIG))
            alone = 1;
    }
    {
        posv ps = {0}, pw = {0}, px = {0}, pg = {0}, pa = {0};
        for (size_t i = 0; i < s->nm && !s->oom; i++) {
            const bw__match *m = &s->m[i];
            if (m->dead || m->cancelled)
                continue;
            switch (m->cls) {
            case PC_MINOR: case PC_YOUTH: pos_add(s, &ps, m->t0); break;
            case PC_AMBIG: pos_add(s, &pw, m->t0); break;
            case PC_SEXUAL: pos_add(s, &px, m->t0); break;
            case PC_SUGGEST: pos_add(s, &pg, m->t0); break;
            case PC_ABUSE: pos_add(s, &pa, m->t0); break;
            default: break;
            }
        }
        if (ps.n > 1) qsort(ps.v, ps.n, sizeof *ps.v, cmp_u32);
        if (pw.n > 1) qsort(pw.v, pw.n, sizeof *pw.v, cmp_u32);
        if (px.n > 1) qsort(px.v, px.n, sizeof *px.v, cmp_u32);
        if (pg.n > 1) qsort(pg.v, pg.n, sizeof *pg.v, cmp_u32);
        if (pa.n > 1) qsort(pa.v, pa.n, sizeof *pa.v, cmp_u32);
        near_sexual = together(s, &ps, &px);
        near_suggest = together(s, &ps, &pg);
        near_abuse = together(s, &ps, &pa);
        weak_sexual = together(s, &pw, &px);
        weak_abuse = together(s, &pw, &pa);
        free(ps.v); free(pw.v); free(px.v); free(pg.v); free(pa.v);
        if (s->oom)
            return;
        block_cond = csam || near_sexual;
        if (block_cond) {
            cats |= BW_PROMPT_CAT_SEXUAL_MINORS;
            if (protect)
                v = BW_PROMPT_REVIEW;
            else if (context && !csam && !sexual_explicit)
                v = BW_PROMPT_REVIEW; /* anatomy in a medical or family context */
            else
                v = BW_PROMPT_BLOCK;
        } else if (near_suggest && !context) {
            v = BW_PROMPT_REVIEW;
        } else if (near_abuse && !protect) {
            v = BW_PROMPT_REVIEW;
        } else if (weak_sexual || (weak_abuse && !protect)) {
            v = BW_PROMPT_REVIEW;
        } else if (alone) {
            v = BW_PROMPT_REVIEW;
        }
    }
    /* reasons */
    for (size_t i = 0; i < s->nm; i++) {
        const bw__match *m = &s->m[i];
        const char *term;
        unsigned cat = 0;
        if (m->dead || m->cancelled)
            continue;
        switch (m->cls) {
        case PC_CSAM: cat = BW_PROMPT_CAT_SEXUAL_MINORS; break;
        case PC_MINOR: case PC_YOUTH: cat = BW_PROMPT_CAT_MINORS; break;
        case PC_AMBIG:
            if (weak_sexual || (weak_abuse && !protect) ||
                (m->term != UINT32_MAX && (g->terms[m->term].flags & TF_ALONE)))
                cat = BW_PROMPT_CAT_MINORS;
            break;
        case PC_SEXUAL: cat = BW_PROMPT_CAT_SEXUAL; break;
        case PC_SUGGEST: if (near_suggest && !context) cat = BW_PROMPT_CAT_SEXUAL; break;
        case PC_ABUSE: if (strong || weak) cat = BW_PROMPT_CAT_SEXUAL; break;
        default: break;
        }
        if (!cat)
            continue;
        term = match_term(g, m);
        add_reason(s, cat, term, m->s, m->e);
        cats |= cat;
        if (m->evasion) {
            add_reason(s, BW_PROMPT_CAT_EVASION, term, m->s, m->e);
            cats |= BW_PROMPT_CAT_EVASION;
        }
    }
    if (s->oom)
        return;
    if (s->nr > 1)
        qsort(s->r, s->nr, sizeof *s->r, reason_cmp);
    { /* the same reason twice (a term and its alternate spelling) */
        size_t w = 0;
        for (size_t i = 0; i < s->nr; i++)
            if (w == 0 || reason_cmp(&s->r[w - 1], &s->r[i]) != 0)
                s->r[w++] = s->r[i];
        s->nr = w;
    }
    res->verdict = v;
    res->categories = cats;
    res->nreasons = s->nr;
    res->reasons = s->r;
}
