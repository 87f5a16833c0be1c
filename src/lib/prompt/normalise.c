/* normalise.c -- the prompt guard's normaliser: a prompt becomes a list of
 * tokens and a match buffer, with every byte of the buffer mapped back to
 * the bytes of the original text it came from.
 *
 * Passes, each linear in the input:
 *   1. decode UTF-8 (strictly: invalid bytes are an error naming the
 *      offset) and fold each code point through the fold table; combining
 *      marks join their base, zero-width and format characters vanish;
 *   2. decide what '.', '!', '@', '$' ... are from their neighbours (a dot
 *      between letters joins n.a.k.e.d, a trailing '!' ends a sentence);
 *   3. cut raw words into tokens at letter/digit/CJK changes, drop the
 *      weights of (word:1.3), number tags and clauses, and note chains of
 *      raw words joined by - . _ / for the alternate spellings;
 *   4. join runs of single letters (n a k e d, y.o.) into one token;
 *   5. squeeze letters repeated three times or more;
 *   6. add alternate spellings: leetspeak read as letters (n4k3d, s3x),
 *      split words joined (na.ked), all-look-alike words read as Latin,
 *      repeated letters squeezed to one;
 *   7. write the buffer " tok tok \x02 tok ... \x01 alt \x01 alt " that
 *      Vectorscan scans: single spaces between tokens, \x02 between tags or
 *      clauses, \x01 around alternates, so that no term spans them.
 * Tokens keep their original span; tokens made by undoing obfuscation
 * carry TK_EVASION, and so do the buffer bytes that came from it. */
#include <stdlib.h>
#include <string.h>
#include "prompt/prompt_internal.h"
#include "core/internal.h"

#define ALT_MAX_UNITS 64   /* longer words get no alternate spellings */
#define CHAIN_MAX_WORDS 16

int bw__grow(void **p, size_t *cap, size_t need, size_t sz)
{
    size_t nc;
    void *np;
    if (need <= *cap)
        return 0;
    nc = *cap ? *cap : 64;
    while (nc < need)
        nc *= 2;
    np = bw__realloc(*p, nc * sz);
    if (!np)
        return -1;
    *p = np;
    *cap = nc;
    return 0;
}

static int grow_arena(bw_prompt_scratch *s, size_t need)
{
    size_t c = s->ca;
    if (need <= c)
        return 0;
    if (bw__grow((void **)&s->a, &c, need, 1))
        return -1;
    c = s->ca;
    if (bw__grow((void **)&s->as, &c, need, sizeof *s->as))
        return -1;
    c = s->ca;
    if (bw__grow((void **)&s->ae, &c, need, sizeof *s->ae))
        return -1;
    c = s->ca;
    if (bw__grow((void **)&s->af, &c, need, 1))
        return -1;
    s->ca = c;
    return 0;
}

static int grow_buf(bw_prompt_scratch *s, size_t need)
{
    size_t c = s->cb;
    if (need <= c)
        return 0;
    if (bw__grow((void **)&s->b, &c, need, 1))
        return -1;
    c = s->cb;
    if (bw__grow((void **)&s->bs, &c, need, sizeof *s->bs))
        return -1;
    c = s->cb;
    if (bw__grow((void **)&s->be, &c, need, sizeof *s->be))
        return -1;
    c = s->cb;
    if (bw__grow((void **)&s->bt, &c, need, sizeof *s->bt))
        return -1;
    c = s->cb;
    if (bw__grow((void **)&s->bf, &c, need, 1))
        return -1;
    s->cb = c;
    return 0;
}

static void arena_put(bw_prompt_scratch *s, const char *p, size_t n, uint32_t os, uint32_t oe,
                      uint8_t f)
{
    for (size_t i = 0; i < n; i++) {
        s->a[s->na] = p[i];
        s->as[s->na] = os;
        s->ae[s->na] = oe;
        s->af[s->na] = f;
        s->na++;
    }
}

/* ---------------- pass 1: decode and fold ---------------- */

static bw_status decode(const bw__fold *f, bw_prompt_scratch *s, const char *text, size_t len,
                        bw_error *err)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    uint8_t pending_format = 0;
    s->nu = 0;
    if (bw__grow((void **)&s->u, &s->cu, len + 1, sizeof *s->u))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory normalising a prompt");
    while (i < len) {
        uint32_t c = p[i];
        int n = 1;
        bw__fold_entry fe;
        const char *out, *conf;
        bw__unit *u;
        if (c >= 0x80) {
            uint32_t min;
            if (c >= 0xC2 && c <= 0xDF) {
                n = 2; c &= 0x1F; min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                n = 3; c &= 0x0F; min = 0x800;
            } else if (c >= 0xF0 && c <= 0xF4) {
                n = 4; c &= 0x07; min = 0x10000;
            } else {
                return bw__fail(err, BW_ERR_CORRUPT, "invalid UTF-8 at byte %zu", i);
            }
            if (i + (size_t)n > len)
                return bw__fail(err, BW_ERR_CORRUPT, "invalid UTF-8 at byte %zu (truncated)", i);
            for (int k = 1; k < n; k++) {
                if ((p[i + k] & 0xC0) != 0x80)
                    return bw__fail(err, BW_ERR_CORRUPT, "invalid UTF-8 at byte %zu", i);
                c = (c << 6) | (p[i + k] & 0x3F);
            }
            if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
                return bw__fail(err, BW_ERR_CORRUPT, "invalid UTF-8 at byte %zu", i);
        }
        if (c < 0x80) { /* ASCII: page 0 of the table, no call */
            fe = f->ent[c];
            out = f->pool + fe.off;
            conf = NULL;
        } else {
            bw__fold_cp(f, c, text + i, n, &fe, &out, &conf);
        }
        if (fe.type == UT_DROP_MARK) {
            if (s->nu)
                s->u[s->nu - 1].e = (uint32_t)(i + (size_t)n);
            i += (size_t)n;
            continue;
        }
        if (fe.type == UT_DROP_FORMAT) {
            pending_format = 1;
            i += (size_t)n;
            continue;
        }
        u = &s->u[s->nu++];
        u->s = (uint32_t)i;
        u->e = (uint32_t)(i + (size_t)n);
        u->out = out;
        u->conf = conf;
        u->olen = fe.olen;
        u->clen = fe.clen;
        u->type = fe.type;
        u->flags = fe.flags;
        u->after_format = pending_format;
        pending_format = 0;
        i += (size_t)n;
    }
    return BW_OK;
}

/* ---------------- pass 2: context-dependent characters ---------------- */

static int wordish(const bw__unit *u)
{
    return u->type == UT_LETTER || u->type == UT_DIGIT || u->type == UT_CJK;
}

static void resolve(bw_prompt_scratch *s)
{
    bw__unit *u = s->u;
    size_t n = s->nu;
    for (size_t i = 0; i < n; i++) {
        if (u[i].type == UT_LEET) {
            int next = i + 1 < n && (wordish(&u[i + 1]) ||
                                     (u[i + 1].type == UT_LEET && i + 2 < n && wordish(&u[i + 2])));
            int prev = i > 0 && (wordish(&u[i - 1]) || u[i - 1].type == UT_LEET);
            /* not inside a word: '!' (which reads as i) ends a sentence, the rest separate;
             * at the start of a word only @ and $ stand for letters (@ss, $ex) */
            if (!next || (!prev && u[i].out[0] != 'a' && u[i].out[0] != 's'))
                u[i].type = u[i].out[0] == 'i' ? UT_SENT : UT_BRACKET;
        } else if (u[i].type == UT_PERIOD) {
            int prev = i > 0 && wordish(&u[i - 1]);
            int next = i + 1 < n && (wordish(&u[i + 1]) || u[i + 1].type == UT_LEET);
            u[i].type = (prev && next) ? UT_INTRA : UT_SENT;
        }
    }
}

/* ---------------- pass 3: raw words, tokens, chains ---------------- */

typedef struct pending_alt {
    uint32_t u0, u1; /* units [u0, u1) */
    uint8_t kind;    /* ALT_CHAIN, ALT_LOOKALIKE */
    uint8_t evasion;
} pending_alt;

enum { ALT_CHAIN, ALT_LOOKALIKE };

typedef struct ctx {
    bw_prompt_scratch *s;
    const char *text;
    pending_alt *alts;
    size_t nalts, calts;
    uint32_t seg, sent;
    int oom;
} ctx;

static int piece_class(const bw__unit *u)
{
    switch (u->type) {
    case UT_LETTER: return 1;
    case UT_DIGIT: return 2;
    case UT_CJK: return 3;
    default: return 0;
    }
}

static bw__tok *new_tok(ctx *c)
{
    bw_prompt_scratch *s = c->s;
    bw__tok *t;
    if (bw__grow((void **)&s->t, &s->ct, s->nt + 1, sizeof *s->t)) {
        c->oom = 1;
        return NULL;
    }
    t = &s->t[s->nt++];
    memset(t, 0, sizeof *t);
    t->num = -1;
    t->seg = c->seg;
    t->sent = c->sent;
    t->apos = (uint32_t)s->na;
    return t;
}

static void add_alt(ctx *c, size_t u0, size_t u1, uint8_t kind, uint8_t evasion)
{
    if (bw__grow((void **)&c->alts, &c->calts, c->nalts + 1, sizeof *c->alts)) {
        c->oom = 1;
        return;
    }
    c->alts[c->nalts].u0 = (uint32_t)u0;
    c->alts[c->nalts].u1 = (uint32_t)u1;
    c->alts[c->nalts].kind = kind;
    c->alts[c->nalts].evasion = evasion;
    c->nalts++;
}

/* One piece (units [a, b) of one class) becomes a main token. A word that
 * mixes Latin letters with look-alikes from another script is read with
 * the look-alikes' Latin skeletons (evasion); a word wholly in another
 * script stays as it is (Russian is Russian) and gets a Latin alternate
 * when every letter of it has a skeleton. */
static void emit_piece(ctx *c, size_t a, size_t b, int cls, uint8_t sep_before, int decimal)
{
    bw_prompt_scratch *s = c->s;
    bw__unit *u = s->u;
    size_t nlat = 0, nnon = 0, nconf = 0;
    int mixed;
    bw__tok *t = new_tok(c);
    if (!t)
        return;
    t->s = u[a].s;
    t->e = u[b - 1].e;
    t->sep_before = sep_before;
    t->nchars = (uint32_t)(b - a);
    if (cls == 1)
        for (size_t i = a; i < b; i++) {
            if (u[i].flags & UF_NONLATIN) {
                nnon++;
                nconf += u[i].clen ? 1u : 0u;
            } else {
                nlat++;
            }
        }
    mixed = nlat && nnon;
    if (grow_arena(s, s->na + (b - a) * MAX_UNIT_BYTES)) {
        c->oom = 1;
        return;
    }
    for (size_t i = a; i < b; i++) {
        uint8_t f = 0;
        const char *o = u[i].out;
        size_t ol = u[i].olen;
        if (u[i].flags & UF_COMPAT)
            f |= TK_EVASION;
        if (i > a && u[i].after_format)
            f |= TK_EVASION;
        if (mixed && u[i].clen) {
            o = u[i].conf;
            ol = u[i].clen;
            f |= TK_EVASION;
        }
        arena_put(s, o, ol, u[i].s, u[i].e, f);
        t->flags |= f;
    }
    t->alen = (uint32_t)(s->na - t->apos);
    if (cls == 1) {
        int ascii = 1;
        t->flags |= TK_ALPHA;
        for (uint32_t i = 0; i < t->alen; i++)
            if ((unsigned char)s->a[t->apos + i] >= 0x80)
                ascii = 0;
        if (ascii)
            t->flags |= TK_ASCII;
        if (!mixed && nnon == b - a && nconf == nnon && b - a <= ALT_MAX_UNITS)
            add_alt(c, a, b, ALT_LOOKALIKE, 1);
    } else if (cls == 2) {
        t->flags |= TK_DIGITS;
        if (decimal) {
            t->flags |= TK_DECIMAL;
        } else if (t->alen <= 4) {
            int v = 0;
            for (uint32_t i = 0; i < t->alen; i++)
                v = v * 10 + (s->a[t->apos + i] - '0');
            t->num = v;
        }
    } else {
        t->flags |= TK_CJK;
    }
}

/* Units [a, b) of one raw word: cut into pieces where the class changes;
 * leetspeak symbols cut too (only the alternate spelling reads them). */
static void emit_raw_word(ctx *c, size_t a, size_t b, uint8_t sep_before, int weight,
                          int decimal)
{
    bw__unit *u = c->s->u;
    size_t i = a;
    while (i < b && !c->oom) {
        int cls = piece_class(&u[i]);
        size_t j = i + 1;
        if (!cls) {
            i++;
            continue;
        }
        while (j < b && piece_class(&u[j]) == cls)
            j++;
        if (!(weight && cls == 2)) /* (word:1.3): the weight is not part of the prompt */
            emit_piece(c, i, j, cls, i == a ? sep_before : 0, decimal && cls == 2);
        i = j;
    }
}

static int is_word_unit(const bw__unit *u)
{
    return u->type == UT_LETTER || u->type == UT_DIGIT || u->type == UT_CJK || u->type == UT_LEET;
}

typedef struct chain {
    int open;
    size_t u0, u1, words, letters;
    int has_short, has_leet, hyphen_only;
} chain;

static void close_chain(ctx *c, chain *ch)
{
    if (ch->open && ch->letters && (ch->has_leet || (ch->words >= 2 && ch->has_short)) &&
        ch->u1 - ch->u0 <= ALT_MAX_UNITS)
        add_alt(c, ch->u0, ch->u1, ALT_CHAIN, (uint8_t)!(ch->hyphen_only && !ch->has_leet));
    ch->open = 0;
}

static void tokenise(ctx *c)
{
    bw_prompt_scratch *s = c->s;
    bw__unit *u = s->u;
    size_t n = s->nu, i = 0;
    int prev_weight = 0, prev_digits_end = 0;
    chain ch = {0};

    while (i < n && !c->oom) {
        size_t a, b, g0 = i, letters = 0, digits = 0, leet = 0;
        uint8_t gap = 0;
        int seg_inc = 0, sent_inc = 0, weight, decimal, single_dot;
        while (i < n && !is_word_unit(&u[i])) {
            switch (u[i].type) {
            case UT_INTRA: if (!gap) gap = 1; break;
            case UT_SEG: gap = 2; seg_inc = 1; break;
            case UT_SENT: gap = 2; seg_inc = sent_inc = 1; break;
            default: gap = 2; break;
            }
            i++;
        }
        if (i >= n)
            break;
        a = i;
        while (i < n && is_word_unit(&u[i]))
            i++;
        b = i;
        single_dot = i > 0 && a - g0 == 1 && gap == 1 && c->text[u[g0].s] == '.';
        /* (word:1.3): digits straight after ':' are a weight, and so is
         * the fraction after them */
        weight = piece_class(&u[a]) == 2 &&
                 ((a - g0 == 1 && u[g0].type == UT_WEIGHTCOLON) || (prev_weight && single_dot));
        decimal = piece_class(&u[a]) == 2 && prev_digits_end && single_dot;
        if (decimal && s->nt && !weight) {
            bw__tok *pt = &s->t[s->nt - 1];
            if (pt->flags & TK_DIGITS) {
                pt->flags |= TK_DECIMAL;
                pt->num = -1;
            }
        }
        /* a chain: raw words joined by separators that are not spaces */
        if (ch.open && (gap != 1 || seg_inc || ch.words >= CHAIN_MAX_WORDS))
            close_chain(c, &ch);
        if (!ch.open) {
            memset(&ch, 0, sizeof ch);
            ch.open = 1;
            ch.u0 = a;
            ch.hyphen_only = 1;
        } else {
            for (size_t k = g0; k < a; k++)
                if ((c->text[u[k].s] != '-' && c->text[u[k].s] != '\'') ||
                    u[k].e - u[k].s != 1)
                    ch.hyphen_only = 0;
        }
        for (size_t k = a; k < b; k++) {
            if (u[k].type == UT_LETTER)
                letters++;
            else if (u[k].type == UT_DIGIT)
                digits++;
            else if (u[k].type == UT_LEET)
                leet++;
        }
        ch.words++;
        ch.u1 = b;
        ch.letters += letters;
        if (b - a <= 3)
            ch.has_short = 1;
        if (letters && (digits || leet))
            ch.has_leet = 1;
        if (s->nt > 0) {
            if (seg_inc)
                c->seg++;
            if (sent_inc)
                c->sent++;
        }
        emit_raw_word(c, a, b, s->nt == 0 ? 2 : (gap ? gap : 2), weight, decimal);
        prev_weight = weight;
        prev_digits_end = piece_class(&u[b - 1]) == 2;
    }
    close_chain(c, &ch);
}

/* ---------------- pass 4: runs of single letters ---------------- */

static int single_letter(const bw__tok *t)
{
    return (t->flags & TK_ALPHA) && t->nchars == 1;
}

static void join_singles(bw_prompt_scratch *s)
{
    size_t w = 0, i = 0, n = s->nt;
    bw__tok *t = s->t;
    while (i < n) {
        size_t j = i;
        int all_intra = 1;
        if (single_letter(&t[i])) {
            while (j + 1 < n && single_letter(&t[j + 1]) && t[j + 1].seg == t[i].seg) {
                if (t[j + 1].sep_before == 2)
                    all_intra = 0;
                j++;
            }
        }
        if (j - i + 1 >= 3 || (j > i && all_intra)) {
            bw__tok m = t[i];
            m.alen = t[j].apos + t[j].alen - t[i].apos;
            m.e = t[j].e;
            m.nchars = (uint32_t)(j - i + 1);
            for (size_t k = i + 1; k <= j; k++)
                m.flags = (uint8_t)((m.flags & ~TK_ASCII) | (m.flags & t[k].flags & TK_ASCII) |
                                    (t[k].flags & TK_EVASION));
            if (j - i + 1 >= 3) {
                m.flags |= TK_EVASION;
                for (uint32_t k = 0; k < m.alen; k++)
                    s->af[m.apos + k] |= TK_EVASION;
            }
            t[w++] = m;
            i = j + 1;
        } else {
            t[w++] = t[i++];
        }
    }
    s->nt = w;
}

/* ---------------- pass 5: repeated letters ---------------- */

/* Runs of 3+ identical ASCII letters become 2 (in place); returns whether
 * the token changed. */
static int squeeze_token(bw_prompt_scratch *s, bw__tok *t)
{
    uint32_t r = t->apos, w = t->apos, end = t->apos + t->alen;
    int changed = 0;
    while (r < end) {
        uint32_t k = r + 1;
        while (k < end && s->a[k] == s->a[r])
            k++;
        if (k - r >= 3) {
            for (uint32_t q = 0; q < 2; q++) {
                s->a[w] = s->a[r + q];
                s->as[w] = s->as[r + q];
                s->ae[w] = q ? s->ae[k - 1] : s->ae[r];
                s->af[w] = s->af[r + q] | TK_EVASION;
                w++;
            }
            changed = 1;
        } else {
            for (uint32_t q = r; q < k; q++) {
                s->a[w] = s->a[q];
                s->as[w] = s->as[q];
                s->ae[w] = s->ae[q];
                s->af[w] = s->af[q];
                w++;
            }
        }
        r = k;
    }
    t->alen = w - t->apos;
    if (changed)
        t->flags |= TK_EVASION;
    return changed;
}

/* ---------------- pass 6: alternate spellings ---------------- */

static char leet_letter(const bw__unit *u, int one_as_l)
{
    if (u->type == UT_LEET)
        return u->out[0];
    switch (u->out[0]) {
    case '0': return 'o';
    case '1': return one_as_l ? 'l' : 'i';
    case '2': return 'z';
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '6': return 'g';
    case '7': return 't';
    case '8': return 'b';
    case '9': return 'g';
    default: return 0;
    }
}

static bw__tok *begin_alt(ctx *c, uint32_t os, uint32_t oe)
{
    bw__tok *t = new_tok(c);
    if (!t)
        return NULL;
    t->s = os;
    t->e = oe;
    t->flags = TK_ALT;
    return t;
}

static void finish_alt(bw_prompt_scratch *s, bw__tok *t, uint8_t evasion)
{
    int ascii = 1;
    t->alen = (uint32_t)(s->na - t->apos);
    t->nchars = t->alen;
    for (uint32_t i = 0; i < t->alen; i++) {
        if ((unsigned char)s->a[t->apos + i] >= 0x80)
            ascii = 0;
        if (evasion)
            s->af[t->apos + i] |= TK_EVASION;
    }
    t->flags |= TK_ALPHA | (ascii ? TK_ASCII : 0) | (evasion ? TK_EVASION : 0);
    if (t->alen == 0)
        s->nt--;
}

static void unit_alt(ctx *c, const pending_alt *pa, int one_as_l)
{
    bw_prompt_scratch *s = c->s;
    bw__unit *u = s->u;
    bw__tok *t;
    if (grow_arena(s, s->na + (pa->u1 - pa->u0) * MAX_UNIT_BYTES)) {
        c->oom = 1;
        return;
    }
    t = begin_alt(c, u[pa->u0].s, u[pa->u1 - 1].e);
    if (!t)
        return;
    for (uint32_t i = pa->u0; i < pa->u1; i++) {
        const bw__unit *x = &u[i];
        if (x->type == UT_LETTER || x->type == UT_CJK) {
            if (x->clen)
                arena_put(s, x->conf, x->clen, x->s, x->e, 0);
            else
                arena_put(s, x->out, x->olen, x->s, x->e, 0);
        } else if (pa->kind == ALT_CHAIN && (x->type == UT_DIGIT || x->type == UT_LEET)) {
            char l = leet_letter(x, one_as_l);
            if (l)
                arena_put(s, &l, 1, x->s, x->e, 0);
        }
    }
    finish_alt(s, t, pa->evasion);
}

static void squeeze_alt(ctx *c, const bw__tok *src)
{
    bw_prompt_scratch *s = c->s;
    uint32_t end = src->apos + src->alen;
    bw__tok *t;
    if (grow_arena(s, s->na + src->alen)) {
        c->oom = 1;
        return;
    }
    t = begin_alt(c, src->s, src->e);
    if (!t)
        return;
    for (uint32_t r = src->apos; r < end;) {
        uint32_t k = r + 1;
        while (k < end && s->a[k] == s->a[r])
            k++;
        arena_put(s, &s->a[r], 1, s->as[r], s->ae[k - 1], 0);
        r = k;
    }
    finish_alt(s, t, 1);
}

/* Main tokens an alternate covers (main tokens are sorted by span). */
static void cover(bw_prompt_scratch *s, bw__tok *t)
{
    size_t lo = 0, hi = s->ntmain;
    while (lo < hi) { /* first main token ending after t->s */
        size_t mid = (lo + hi) / 2;
        if (s->t[mid].e <= t->s)
            lo = mid + 1;
        else
            hi = mid;
    }
    t->first = (uint32_t)lo;
    t->last = (uint32_t)lo;
    while (t->last + 1 < s->ntmain && s->t[t->last + 1].s < t->e)
        t->last++;
    if (lo < s->ntmain) {
        t->seg = s->t[lo].seg;
        t->sent = s->t[lo].sent;
    }
}

/* ---------------- pass 7: the match buffer ---------------- */

static void buf_sep(bw_prompt_scratch *s, char ch)
{
    s->b[s->nb] = ch;
    s->bs[s->nb] = s->be[s->nb] = 0;
    s->bt[s->nb] = UINT32_MAX;
    s->bf[s->nb] = 0;
    s->nb++;
}

static void buf_tok(bw_prompt_scratch *s, size_t k)
{
    bw__tok *t = &s->t[k];
    t->bpos = (uint32_t)s->nb;
    memcpy(s->b + s->nb, s->a + t->apos, t->alen);
    memcpy(s->bs + s->nb, s->as + t->apos, t->alen * sizeof *s->bs);
    memcpy(s->be + s->nb, s->ae + t->apos, t->alen * sizeof *s->be);
    memcpy(s->bf + s->nb, s->af + t->apos, t->alen);
    for (uint32_t i = 0; i < t->alen; i++)
        s->bt[s->nb + i] = (uint32_t)k;
    s->nb += t->alen;
}

static int build_buffer(bw_prompt_scratch *s)
{
    size_t need = 2;
    for (size_t k = 0; k < s->nt; k++)
        need += s->t[k].alen + 4;
    if (grow_buf(s, need))
        return -1;
    s->nb = 0;
    buf_sep(s, ' ');
    for (size_t k = 0; k < s->ntmain; k++) {
        if (k > 0 && s->t[k].seg != s->t[k - 1].seg) {
            buf_sep(s, '\x02');
            buf_sep(s, ' ');
        }
        buf_tok(s, k);
        buf_sep(s, ' ');
    }
    for (size_t k = s->ntmain; k < s->nt; k++) {
        buf_sep(s, '\x01');
        buf_sep(s, ' ');
        buf_tok(s, k);
        buf_sep(s, ' ');
    }
    return 0;
}

bw_status bw__normalise(const bw__fold *f, bw_prompt_scratch *s, const char *text, size_t len,
                        int want_alts, bw_error *err)
{
    ctx c;
    bw_status st;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.text = text;
    c.alts = s->alts; /* kept in the scratch between prompts */
    c.calts = s->calts;
    s->nt = s->ntmain = s->na = s->nb = 0;
    st = decode(f, s, text, len, err);
    if (st != BW_OK)
        return st;
    resolve(s);
    tokenise(&c);
    if (c.oom)
        goto oom;
    join_singles(s);
    for (size_t k = 0; k < s->nt; k++) {
        s->t[k].first = s->t[k].last = (uint32_t)k;
        if ((s->t[k].flags & TK_ASCII) && squeeze_token(s, &s->t[k]) && want_alts)
            s->t[k].flags |= TK_ALT; /* marks "needs a squeezed alternate" for now */
    }
    s->ntmain = s->nt;
    if (want_alts) {
        for (size_t k = 0; k < s->ntmain && !c.oom; k++) {
            if (s->t[k].flags & TK_ALT) {
                s->t[k].flags &= (uint8_t)~TK_ALT;
                squeeze_alt(&c, &s->t[k]);
                if (!c.oom && s->nt > s->ntmain)
                    cover(s, &s->t[s->nt - 1]);
            }
        }
        for (size_t i = 0; i < c.nalts && !c.oom; i++) {
            int ones = 0;
            size_t before = s->nt;
            for (uint32_t k = c.alts[i].u0; k < c.alts[i].u1; k++)
                if (s->u[k].type == UT_DIGIT && s->u[k].out[0] == '1')
                    ones = 1;
            unit_alt(&c, &c.alts[i], 0);
            if (ones && !c.oom && c.alts[i].kind == ALT_CHAIN)
                unit_alt(&c, &c.alts[i], 1);
            for (size_t k = before; k < s->nt && !c.oom; k++)
                cover(s, &s->t[k]);
        }
    } else {
        for (size_t k = 0; k < s->nt; k++)
            s->t[k].flags &= (uint8_t)~TK_ALT;
    }
    s->alts = c.alts;
    s->calts = c.calts;
    if (c.oom || build_buffer(s))
        goto oom;
    return BW_OK;
oom:
    s->alts = c.alts;
    s->calts = c.calts;
    return bw__fail(err, BW_ERR_NOMEM, "out of memory normalising a prompt");
}
