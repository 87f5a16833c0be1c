/* fold.c -- the prompt guard's per-code-point fold table, built once with
 * ICU when the first set of lists is created and shared by all later ones.
 *
 * For every code point of the ranges where look-alikes live (ASCII, Latin,
 * Greek, Cyrillic, symbols, kana, full-width forms, mathematical letters,
 * enclosed letters) it records what the normaliser needs: a type (letter,
 * digit, separator, mark, format character ...), the folded form (NFKC
 * case folding with diacritics removed: "É" -> "e", "ｎ" -> "n", "①" -> "1")
 * and, for letters of other scripts, the ASCII confusable skeleton that
 * uspoof gives ("а" Cyrillic -> "a"). Checking a prompt is then one table
 * look-up per code point; ICU is only called at run time for code points
 * outside these ranges (u_charType), which map to themselves. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include "prompt/prompt_internal.h"
#include "core/internal.h"

#define NPAGES 0x1100u
#define MAX_OUT 16

static const struct { uint32_t lo, hi; } ranges[] = {
    {0x0000, 0x2FFF},   /* first: normalise.c reads ASCII as ent[c] directly */
    {0x3000, 0x33FF},   /* CJK punctuation, kana, compatibility */
    {0xA000, 0xABFF},   /* Lisu, Vai, Cherokee supplement, Latin extended-D/E */
    {0xF900, 0xFFFF},   /* presentation forms, half-width and full-width */
    {0x1D400, 0x1D7FF}, /* mathematical alphanumerics */
    {0x1F100, 0x1F1FF}, /* enclosed alphanumeric supplement */
};

typedef struct builder {
    bw__fold *f;
    size_t pool_cap;
    const UNormalizer2 *nfkc_cf, *nfd, *nfc;
    USpoofChecker *spoof;
    int oom;
} builder;

/* Append bytes to the pool; returns the offset. */
static uint32_t pool_add(builder *b, const char *s, size_t n)
{
    bw__fold *f = b->f;
    uint32_t off = (uint32_t)f->pool_len;
    if (f->pool_len + n > b->pool_cap) {
        size_t nc = b->pool_cap ? b->pool_cap * 2 : 65536;
        char *np;
        while (nc < f->pool_len + n)
            nc *= 2;
        np = bw__realloc(f->pool, nc);
        if (!np) {
            b->oom = 1;
            return 0;
        }
        f->pool = np;
        b->pool_cap = nc;
    }
    memcpy(f->pool + f->pool_len, s, n);
    f->pool_len += n;
    return off;
}

/* UTF-16 -> UTF-8, truncated at a code point boundary to MAX_OUT bytes. */
static size_t to_utf8(const UChar *s, int32_t n, char *out)
{
    size_t len = 0;
    int32_t i = 0;
    while (i < n) {
        UChar32 c;
        char tmp[4];
        size_t k = 0;
        U16_NEXT(s, i, n, c);
        if (c < 0x80) {
            tmp[k++] = (char)c;
        } else if (c < 0x800) {
            tmp[k++] = (char)(0xC0 | (c >> 6));
            tmp[k++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            tmp[k++] = (char)(0xE0 | (c >> 12));
            tmp[k++] = (char)(0x80 | ((c >> 6) & 0x3F));
            tmp[k++] = (char)(0x80 | (c & 0x3F));
        } else {
            tmp[k++] = (char)(0xF0 | (c >> 18));
            tmp[k++] = (char)(0x80 | ((c >> 12) & 0x3F));
            tmp[k++] = (char)(0x80 | ((c >> 6) & 0x3F));
            tmp[k++] = (char)(0x80 | (c & 0x3F));
        }
        if (len + k > MAX_OUT)
            break;
        memcpy(out + len, tmp, k);
        len += k;
    }
    return len;
}

/* NFD, drop nonspacing marks, into out (UTF-16); returns its length. */
static int32_t strip_marks(builder *b, const UChar *s, int32_t n, UChar *out, int32_t cap)
{
    UChar tmp[64];
    UErrorCode e = U_ZERO_ERROR;
    int32_t m = unorm2_normalize(b->nfd, s, n, tmp, 64, &e), k = 0, i = 0;
    if (U_FAILURE(e))
        return 0;
    while (i < m) {
        UChar32 c;
        int32_t at = i;
        U16_NEXT(tmp, i, m, c);
        if (u_charType(c) == U_NON_SPACING_MARK)
            continue;
        if (k + (i - at) > cap)
            break;
        while (at < i)
            out[k++] = tmp[at++];
    }
    return k;
}

static int is_ascii_alnum(const char *s, size_t n, int letters_only)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'a' && c <= 'z')
            continue;
        if (!letters_only && c >= '0' && c <= '9')
            continue;
        return 0;
    }
    return 1;
}

/* The ASCII letters a look-alike stands for (uspoof skeleton, folded,
 * diacritics removed), or 0 bytes. */
static size_t skeleton_ascii(builder *b, const UChar *s, int32_t n, char *out)
{
    UChar sk[64], cf[64], st[64];
    UErrorCode e = U_ZERO_ERROR;
    int32_t m = uspoof_getSkeleton(b->spoof, 0, s, n, sk, 64, &e), k;
    size_t len;
    if (U_FAILURE(e) || m <= 0)
        return 0;
    k = u_strFoldCase(cf, 64, sk, m, U_FOLD_CASE_DEFAULT, &e);
    if (U_FAILURE(e))
        return 0;
    k = strip_marks(b, cf, k, st, 64);
    len = to_utf8(st, k, out);
    return is_ascii_alnum(out, len, 1) ? len : 0;
}

/* Type of an ASCII (or NFKC-to-ASCII) character; *leet the letter it may
 * stand for. */
static uint8_t ascii_type(unsigned c, char *leet)
{
    *leet = 0;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return UT_LETTER;
    if (c >= '0' && c <= '9')
        return UT_DIGIT;
    switch (c) {
    case '@': *leet = 'a'; return UT_LEET;
    case '$': *leet = 's'; return UT_LEET;
    case '!': *leet = 'i'; return UT_LEET;
    case '|': *leet = 'l'; return UT_LEET;
    case '+': *leet = 't'; return UT_LEET;
    case ' ': case '\t': case '\v': case '\f': return UT_SPACE;
    case '\n': case '\r': case '?': return UT_SENT;
    case ',': case ';': return UT_SEG;
    case '.': return UT_PERIOD;
    case ':': return UT_WEIGHTCOLON;
    case '-': case '_': case '/': case '\\': case '\'': case '*': case '~': case '`':
    case '^': case '"': return UT_INTRA;
    default: break;
    }
    if (c < 0x20 || c == 0x7F)
        return UT_DROP_FORMAT;
    return UT_BRACKET;
}

static void set_entry(builder *b, bw__fold_entry *e, uint8_t type, uint8_t flags, const char *out,
                      size_t olen, const char *conf, size_t clen)
{
    e->type = type;
    e->flags = flags;
    e->olen = (uint8_t)olen;
    e->clen = (uint8_t)clen;
    e->off = pool_add(b, out, olen);
    if (clen)
        pool_add(b, conf, clen);
}

static int is_cjk_script(UScriptCode sc)
{
    return sc == USCRIPT_HAN || sc == USCRIPT_HIRAGANA || sc == USCRIPT_KATAKANA ||
           sc == USCRIPT_HANGUL || sc == USCRIPT_BOPOMOFO || sc == USCRIPT_KATAKANA_OR_HIRAGANA;
}

static void build_cp(builder *b, UChar32 c, bw__fold_entry *e)
{
    UChar in[2], nk[64], st[64], nc[64], ncf[64], ncs[64];
    int32_t n = 0, k, m;
    UErrorCode err = U_ZERO_ERROR;
    char out[MAX_OUT + 4], conf[MAX_OUT + 4], leet;
    size_t olen, clen = 0;
    int8_t gc = u_charType(c);
    UScriptCode sc;

    if (c < 0x80) {
        char ch = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        uint8_t t = ascii_type((unsigned)c, &leet);
        if (t == UT_LEET)
            ch = leet;
        set_entry(b, e, t, 0, &ch, 1, NULL, 0);
        return;
    }
    if (u_isUWhiteSpace(c)) {
        set_entry(b, e, (c == 0x85 || c == 0x2028 || c == 0x2029) ? UT_SENT : UT_SPACE, 0, " ", 1,
                  NULL, 0);
        return;
    }
    if (gc == U_NON_SPACING_MARK || gc == U_ENCLOSING_MARK || gc == U_COMBINING_SPACING_MARK) {
        set_entry(b, e, UT_DROP_MARK, 0, "", 0, NULL, 0);
        return;
    }
    if (gc == U_FORMAT_CHAR || gc == U_CONTROL_CHAR || gc == U_SURROGATE ||
        u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ||
        u_hasBinaryProperty(c, UCHAR_VARIATION_SELECTOR)) {
        set_entry(b, e, UT_DROP_FORMAT, 0, "", 0, NULL, 0);
        return;
    }
    U16_APPEND_UNSAFE(in, n, c);
    k = unorm2_normalize(b->nfkc_cf, in, n, nk, 64, &err);
    if (U_FAILURE(err))
        k = 0;
    sc = uscript_getScript(c, &err);
    if (U_FAILURE(err))
        sc = USCRIPT_COMMON;
    err = U_ZERO_ERROR;

    if (u_isUAlphabetic(c) || gc == U_DECIMAL_DIGIT_NUMBER || gc == U_LETTER_NUMBER ||
        gc == U_OTHER_NUMBER || gc == U_MODIFIER_LETTER || gc == U_OTHER_LETTER) {
        uint8_t flags = 0;
        if (gc == U_DECIMAL_DIGIT_NUMBER) {
            char d = (char)('0' + u_charDigitValue(c));
            /* full-width digits are ordinary in CJK text: not an evasion */
            set_entry(b, e, UT_DIGIT, 0, &d, 1, NULL, 0);
            return;
        }
        if (is_cjk_script(sc)) {
            olen = to_utf8(nk, k, out);
            m = unorm2_normalize(b->nfc, in, n, nc, 64, &err);
            flags = (U_SUCCESS(err) && (m != k || u_strncmp(nc, nk, k) != 0)) ? UF_COMPAT : 0;
            set_entry(b, e, olen ? UT_CJK : UT_DROP_MARK, flags, out, olen, NULL, 0);
            return;
        }
        m = strip_marks(b, nk, k, st, 64);
        olen = to_utf8(st, m, out);
        if (olen == 0) {
            set_entry(b, e, UT_DROP_MARK, 0, "", 0, NULL, 0);
            return;
        }
        /* compatibility change: NFKC folds differ from NFC folds */
        {
            int32_t a = unorm2_normalize(b->nfc, in, n, nc, 64, &err), fc;
            fc = U_SUCCESS(err) ? u_strFoldCase(ncf, 64, nc, a, U_FOLD_CASE_DEFAULT, &err) : 0;
            fc = strip_marks(b, ncf, fc, ncs, 64);
            if (U_FAILURE(err) || fc != m || u_strncmp(ncs, st, m) != 0)
                flags |= UF_COMPAT;
        }
        if (is_ascii_alnum(out, olen, 0)) {
            uint8_t t = (out[0] >= '0' && out[0] <= '9') ? UT_DIGIT : UT_LETTER;
            set_entry(b, e, t, flags, out, olen, NULL, 0);
            return;
        }
        clen = skeleton_ascii(b, st, m, conf);
        if (!clen) /* capital look-alikes: Greek Ε is E, its lowercase ε is not e */
            clen = skeleton_ascii(b, in, n, conf);
        if (sc == USCRIPT_LATIN || sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED) {
            /* a Latin look-alike (dotless i, small capitals): read it as ASCII */
            if (clen) {
                set_entry(b, e, UT_LETTER, flags | UF_CONFLATIN, conf, clen, NULL, 0);
                return;
            }
            set_entry(b, e, UT_LETTER, flags, out, olen, NULL, 0);
            return;
        }
        set_entry(b, e, UT_LETTER, flags | UF_NONLATIN, out, olen, conf, clen);
        return;
    }
    /* punctuation and symbols: what NFKC makes of them */
    olen = to_utf8(nk, k, out);
    if (olen == 1 && (unsigned char)out[0] < 0x80) {
        uint8_t t = ascii_type((unsigned char)out[0], &leet);
        char ch = t == UT_LEET ? leet : out[0];
        set_entry(b, e, t, UF_COMPAT, &ch, 1, NULL, 0);
        return;
    }
    switch (c) {
    case 0x20AC: set_entry(b, e, UT_LEET, 0, "e", 1, NULL, 0); return; /* euro sign */
    case 0x00A1: set_entry(b, e, UT_LEET, 0, "i", 1, NULL, 0); return; /* inverted ! */
    case 0x3002: case 0xFF61: set_entry(b, e, UT_SENT, 0, " ", 1, NULL, 0); return;
    case 0x3001: case 0xFF64: set_entry(b, e, UT_SEG, 0, " ", 1, NULL, 0); return;
    case 0x00B7: case 0x2027: case 0x30FB: case 0x2022: case 0x2219: case 0x22C5:
        set_entry(b, e, UT_INTRA, 0, " ", 1, NULL, 0); return; /* middle dots */
    default: break;
    }
    if (gc == U_DASH_PUNCTUATION || gc == U_CONNECTOR_PUNCTUATION)
        set_entry(b, e, UT_INTRA, 0, " ", 1, NULL, 0);
    else if (gc == U_INITIAL_PUNCTUATION || gc == U_FINAL_PUNCTUATION)
        set_entry(b, e, UT_INTRA, 0, " ", 1, NULL, 0); /* quotes */
    else
        set_entry(b, e, UT_BRACKET, 0, " ", 1, NULL, 0);
}

static bw_status fold_build(bw__fold **out, bw_error *err)
{
    builder b;
    UErrorCode e = U_ZERO_ERROR;
    size_t npages = 0, p = 0;
    memset(&b, 0, sizeof b);
    *out = NULL;
    b.nfkc_cf = unorm2_getNFKCCasefoldInstance(&e);
    b.nfd = unorm2_getNFDInstance(&e);
    b.nfc = unorm2_getNFCInstance(&e);
    if (U_FAILURE(e))
        return bw__fail(err, BW_ERR_INTERNAL, "ICU normalizer unavailable: %s", u_errorName(e));
    b.spoof = uspoof_open(&e);
    if (U_FAILURE(e))
        return bw__fail(err, BW_ERR_INTERNAL, "ICU spoof checker unavailable: %s",
                        u_errorName(e));
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++)
        npages += ((ranges[r].hi >> 8) - (ranges[r].lo >> 8)) + 1;
    b.f = bw__calloc(1, sizeof *b.f);
    if (b.f) {
        b.f->page = bw__calloc(NPAGES, sizeof *b.f->page);
        b.f->ent = bw__calloc(npages * 256, sizeof *b.f->ent);
        b.f->refs = 1;
    }
    if (!b.f || !b.f->page || !b.f->ent) {
        uspoof_close(b.spoof);
        bw__fold_unref(b.f);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory building the fold table");
    }
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        for (uint32_t pg = ranges[r].lo >> 8; pg <= ranges[r].hi >> 8; pg++) {
            b.f->page[pg] = (uint32_t)(p + 1);
            for (uint32_t i = 0; i < 256; i++)
                build_cp(&b, (UChar32)(pg * 256 + i), &b.f->ent[p * 256 + i]);
            p++;
        }
    }
    uspoof_close(b.spoof);
    if (b.oom) {
        bw__fold_unref(b.f);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory building the fold table");
    }
    *out = b.f;
    return BW_OK;
}

/* The table depends only on the ICU data, so one is built per process and
 * shared by every list set and guard (it is immutable once built): the
 * first bw_prompt_lists_new pays the 20-90 ms, the later ones nothing.
 * The cache keeps its own reference, so the table lives until exit. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static bw__fold *cache;

bw_status bw__fold_new(bw__fold **out, bw_error *err)
{
    bw_status st = BW_OK;
    *out = NULL;
    pthread_mutex_lock(&cache_lock);
    if (!cache)
        st = fold_build(&cache, err);
    if (st == BW_OK)
        *out = bw__fold_ref(cache);
    pthread_mutex_unlock(&cache_lock);
    return st;
}

bw__fold *bw__fold_ref(bw__fold *f)
{
    __atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
    return f;
}

void bw__fold_unref(bw__fold *f)
{
    if (!f || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    free(f->page);
    free(f->ent);
    free(f->pool);
    free(f);
}

static int in_cjk_block(uint32_t c)
{
    return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0x20000 && c <= 0x3FFFF);
}

void bw__fold_cp(const bw__fold *f, uint32_t c, const char *src, int srclen, bw__fold_entry *e,
                 const char **out, const char **conf)
{
    uint32_t pg = c >> 8;
    if (pg < NPAGES && f->page[pg]) {
        *e = f->ent[(size_t)(f->page[pg] - 1) * 256 + (c & 0xFF)];
        *out = f->pool + e->off;
        *conf = e->clen ? f->pool + e->off + e->olen : NULL;
        return;
    }
    memset(e, 0, sizeof *e);
    *out = src;
    *conf = NULL;
    e->olen = (uint8_t)srclen;
    if (in_cjk_block(c)) {
        e->type = UT_CJK;
        return;
    }
    switch (u_charType((UChar32)c)) {
    case U_NON_SPACING_MARK: case U_ENCLOSING_MARK: case U_COMBINING_SPACING_MARK:
        e->type = UT_DROP_MARK;
        break;
    case U_FORMAT_CHAR: case U_CONTROL_CHAR: case U_UNASSIGNED: case U_PRIVATE_USE_CHAR:
        e->type = UT_DROP_FORMAT;
        break;
    case U_UPPERCASE_LETTER: case U_LOWERCASE_LETTER: case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER: case U_OTHER_LETTER:
        e->type = UT_LETTER;
        e->flags = UF_NONLATIN;
        break;
    case U_SPACE_SEPARATOR: case U_LINE_SEPARATOR: case U_PARAGRAPH_SEPARATOR:
        e->type = UT_SPACE;
        break;
    default:
        e->type = UT_BRACKET;
        break;
    }
    if (e->type == UT_DROP_MARK || e->type == UT_DROP_FORMAT || e->type == UT_SPACE ||
        e->type == UT_BRACKET) {
        *out = " ";
        e->olen = 1;
    }
}
