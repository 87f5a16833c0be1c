/* prompt_internal.h -- what the prompt guard's sources share: the term
 * classes of the word lists, the fold table built with ICU, the normaliser's
 * units and tokens, the scratch and the guard. Not installed.
 *
 *   lists.c      word-list and policy parser, the term store
 *   fold.c       per-code-point fold table (NFKC casefold, diacritics, confusables)
 *   normalise.c  prompt -> tokens + alternate spellings -> match buffer with offset map
 *   fuzzy.c      deletion-neighbourhood index for edit distance 1
 *   guard.c      compile (Vectorscan), scratch, check
 *   split.c      glued words read as two terms (nude+child, nude U+200B child)
 *   rules.c      matches -> ages, grades, verdict, categories, reasons
 *   result_json.c the interface.md JSON object */
#ifndef BW_PROMPT_INTERNAL_H
#define BW_PROMPT_INTERNAL_H

#include <stdint.h>
#include <stddef.h>
#include "bulwark/prompt.h"
#include "core/internal.h"

/* ---------------- term classes (the first word of a list line) ---------------- */
typedef enum bw__pclass {
    PC_CSAM,      /* only ever means sexual content of minors: blocks alone */
    PC_MINOR,     /* a child or young teen; never cancelled */
    PC_YOUTH,     /* a minor unless an adult marker is next to it (teen) */
    PC_AMBIG,     /* may be a minor (girl, young): with sexual terms, review */
    PC_SEXUAL,    /* sexual content */
    PC_SUGGEST,   /* suggestive: with a minor, review */
    PC_ABUSE,     /* the vocabulary of abuse as a topic (sexual abuse, exploitation) */
    PC_ADULT,     /* an adult marker (adult, woman, 30 year old is computed) */
    PC_PROTECT,   /* protective or educational context (report, prevention) */
    PC_CONTEXT,   /* benign context for children (swimming lessons, pediatrician) */
    PC_BENIGN,    /* a phrase with another meaning: hides the terms inside it */
    PC_KNOWN,     /* a common word: never read as a misspelt term */
    PC_LANG,      /* only evidence of a language, for gated terms */
    PC_NUM,       /* a number word (=VALUE) */
    PC_AGEUNIT,   /* after a number: an age (year old, ans, лет, 歳) */
    PC_AGEPRE,    /* before a number: an age (aged, age) */
    PC_GRADEUNIT, /* after a number: a school grade (grade, grader) */
    PC_GRADEPRE,  /* before a number: a school grade (grade) */
    PC_CONJ,      /* joins two people (and, with): stops adult markers */
    PC_COUNT
} bw__pclass;

extern const char *const bw__pclass_names[PC_COUNT];

/* term flags */
#define TF_GATED 0x01u   /* counts only when another term of its language is present */
#define TF_NOFUZZY 0x02u /* never matched with an edit */
#define TF_ALONE 0x04u   /* review even alone */
#define TF_ANATOMY 0x08u /* sexual only as anatomy: medical context reviews */
#define TF_PREFIX 0x10u  /* TERM*: also words that start with it */
#define TF_SUFFIX 0x20u  /* *TERM: also words that end with it */
#define TF_SUBSTR 0x40u  /* CJK: anywhere inside a run of text */

#define BW__MAX_LANGS 32

typedef struct bw__term {
    char *text;        /* as written in the list (reasons show it) */
    char *norm;        /* normalised: tokens joined by single spaces */
    uint32_t norm_len;
    uint8_t cls;
    uint8_t flags;
    int16_t value;     /* PC_NUM: the number */
    uint32_t langs;    /* bit per language index */
    int removed;       /* dropped by a policy */
} bw__term;

/* ---------------- fold table (fold.c) ---------------- */
enum {
    UT_LETTER = 1, /* alphabetic, not CJK */
    UT_CJK,        /* Han, kana, Hangul: matched inside runs */
    UT_DIGIT,      /* out is one ASCII digit */
    UT_LEET,       /* @ $ ! | + €: may stand for a letter */
    UT_SPACE,
    UT_INTRA,      /* - _ / \ ' * ~ ` ^ " : can join the pieces of a word */
    UT_PERIOD,     /* . : intra between word characters, else sentence end */
    UT_SEG,        /* , ; : a new tag or clause */
    UT_SENT,       /* ! ? newline 。: a new sentence */
    UT_BRACKET,    /* ( ) [ ] { } < > : = # and other symbols */
    UT_WEIGHTCOLON,/* ':' (weight syntax (word:1.3)) */
    UT_DROP_MARK,  /* combining mark: removed, joins its base */
    UT_DROP_FORMAT /* zero-width, format, control: removed (evasion inside a word) */
};
#define UF_COMPAT 0x01u   /* NFKC changed more than case: full-width, math letters */
#define UF_NONLATIN 0x02u /* a letter of another script (Cyrillic, Greek ...) */
#define UF_CONFLATIN 0x04u/* a Latin-script look-alike folded to ASCII (ı -> i) */

typedef struct bw__fold_entry {
    uint8_t type, flags, olen, clen;
    uint32_t off; /* out = pool + off (olen bytes), conf = pool + off + olen (clen) */
} bw__fold_entry;

typedef struct bw__fold {
    uint32_t *page;        /* 0x1100 pages of 256 code points: 0 none, else index+1 */
    bw__fold_entry *ent;   /* npages_used * 256 */
    char *pool;
    size_t pool_len;
    int refs;
} bw__fold;

/* A new reference to the process's one fold table (built on first use). */
bw_status bw__fold_new(bw__fold **out, bw_error *err);
void bw__fold_unref(bw__fold *f);
bw__fold *bw__fold_ref(bw__fold *f);
/* Fold one code point (c >= 0x80): *e filled; out/conf point into the pool
 * or, for code points outside the table, into src (the original bytes). */
void bw__fold_cp(const bw__fold *f, uint32_t c, const char *src, int srclen, bw__fold_entry *e,
                 const char **out, const char **conf);

/* ---------------- normaliser (normalise.c) ---------------- */
#define TK_EVASION 0x01u /* found by undoing obfuscation */
#define TK_DIGITS 0x02u  /* all ASCII digits */
#define TK_WEIGHT 0x04u  /* a weight of (word:1.3): ignored */
#define TK_DECIMAL 0x08u /* part of a decimal number */
#define TK_ALT 0x10u     /* an alternate spelling, not part of the running text */
#define TK_ALPHA 0x20u   /* letters, not CJK */
#define TK_CJK 0x40u
#define TK_ASCII 0x80u   /* ASCII letters only */
#define MAX_UNIT_BYTES 16 /* longest folded form of one code point */

typedef struct bw__tok {
    uint32_t s, e;        /* original span */
    uint32_t apos, alen;  /* text in the arena */
    uint32_t bpos;        /* text in the match buffer */
    uint32_t seg, sent;   /* tag/clause and sentence numbers */
    uint32_t first, last; /* main tokens it covers (itself for main tokens) */
    int32_t num;          /* number value or -1 */
    uint32_t nchars;
    uint8_t flags;
    uint8_t sep_before;   /* 0 adjacent, 1 intra (.-_), 2 space or other */
} bw__tok;

typedef struct bw__unit {
    uint32_t s, e;
    const char *out, *conf;
    uint8_t olen, clen, type, flags;
    uint8_t after_format; /* a format character was removed just before it */
} bw__unit;

typedef struct bw__match {
    uint32_t term;        /* index in guard->terms, or UINT32_MAX for an age or grade */
    uint32_t s, e;        /* original span */
    uint32_t t0, t1;      /* main tokens */
    int16_t value;        /* age or grade */
    uint8_t cls;          /* bw__pclass */
    uint8_t synth;        /* 0 a term, 1 an age, 2 a grade */
    uint8_t evasion, fuzzy, dead, cancelled;
} bw__match;

struct bw_prompt_scratch {
    const bw_prompt_guard *guard;
    void *hs; /* hs_scratch_t */
    bw__unit *u; size_t nu, cu;
    bw__tok *t; size_t nt, ntmain, ct;
    /* arena: token texts with per-byte original spans and flags */
    char *a; uint32_t *as, *ae; uint8_t *af; size_t na, ca;
    /* match buffer, same per-byte maps plus the token of each byte */
    char *b; uint32_t *bs, *be, *bt; uint8_t *bf; size_t nb, cb;
    bw__match *m; size_t nm, cm;
    bw_prompt_reason *r; size_t nr, cr;
    uint8_t *tmark; size_t ctmark; /* per-token marks for the rules */
    const char *text; size_t len;  /* the prompt being checked */
    void *alts; size_t calts;      /* normalise.c's pending alternates */
    int oom;
};

/* Normalise text into s->t (main then alternate tokens) and s->b. */
bw_status bw__normalise(const bw__fold *f, bw_prompt_scratch *s, const char *text, size_t len,
                        int want_alts, bw_error *err);

/* Grow helper: ensure *cap >= need elements of size sz. */
int bw__grow(void **p, size_t *cap, size_t need, size_t sz);

/* A new match at the end of s->m, all zero; NULL, with s->oom set, when
 * there is no memory for it (guard.c). */
bw__match *bw__new_match(bw_prompt_scratch *s);

/* ---------------- fuzzy (fuzzy.c) ---------------- */
typedef struct bw__fuzzy bw__fuzzy;
bw_status bw__fuzzy_new(bw__fuzzy **out, const bw__term *terms, size_t nterms, bw_error *err);
void bw__fuzzy_free(bw__fuzzy *fz);
/* Call found(ctx, term) for each term within Damerau distance 1 of word
 * (same first letter, not equal). */
void bw__fuzzy_lookup(const bw__fuzzy *fz, const bw__term *terms, const char *word, size_t len,
                      void (*found)(void *ctx, uint32_t term), void *ctx);

/* ---------------- compound splitting (split.c) ---------------- */
typedef struct bw__split bw__split;
bw_status bw__split_new(bw__split **out, const bw__term *terms, size_t nterms, bw_error *err);
void bw__split_free(bw__split *sp);
/* After the scan: words no whole-word term matched that are two terms
 * glued together become two matches (s->m). */
void bw__split_scan(const bw_prompt_guard *g, bw_prompt_scratch *s);
#define TM_WHOLE 0x40u /* s->tmark: a whole-word (not affix) term matched in this token */

/* ---------------- lists and guard ---------------- */
struct bw_prompt_lists {
    bw__fold *fold;
    bw_limits limits;
    bw__term *terms; size_t nterms, cterms;
    uint32_t *index; size_t cindex; /* open addressing on (mode, norm): term+1 */
    char *langs[BW__MAX_LANGS]; int nlangs;
    bw_prompt_scratch *ns; /* scratch for normalising terms */
};

struct bw_prompt_guard {
    bw__fold *fold;
    bw_limits limits;
    bw__term *terms; size_t nterms;
    void *db; /* hs_database_t */
    uint32_t *plen; /* pattern length per term */
    bw__fuzzy *fuzzy;
    bw__split *split;
    int nlangs;
};

/* Normalised form of a term (for the lists): malloc'd into *norm. */
bw_status bw__normalise_term(bw_prompt_lists *l, const char *text, size_t len, char **norm,
                             size_t *norm_len, int *cjk, bw_error *err);

/* rules.c: from s->m to result. */
void bw__rules(const bw_prompt_guard *g, bw_prompt_scratch *s, bw_prompt_result *res);

#endif
