/* fuzzy.c -- misspellings: terms within one edit (Damerau distance 1) of a
 * word, found through a deletion-neighbourhood index.
 *
 * Every eligible term (a single ASCII word of 7 letters or more, in a class
 * that decides verdicts, not marked nofuzzy) is stored under the hash of
 * itself and of each of its one-letter deletions. A word of the prompt is
 * looked up the same way: two strings within one substitution, insertion,
 * deletion or transposition share one of these keys. Candidates are then
 * verified with the real distance, and must start with the same letter
 * (misspellings rarely change it; neighbours such as nipples/ripples do).
 * A look-up costs about len+1 probes whatever the number of terms. */
#include <stdlib.h>
#include <string.h>
#include "prompt/prompt_internal.h"
#include "core/internal.h"

#define FZ_MIN_TERM 7
#define FZ_MAX_WORD 32

typedef struct slot {
    uint64_t key;
    uint32_t term; /* +1; 0 empty */
} slot;

struct bw__fuzzy {
    slot *tab;
    size_t mask;
};

#define P 0x100000001b3ull

/* Hashes of s and of s without each one of its letters. */
static size_t del_hashes(const char *s, size_t n, uint64_t *out)
{
    uint64_t pre[FZ_MAX_WORD + 2], suf[FZ_MAX_WORD + 2], pw[FZ_MAX_WORD + 2];
    pre[0] = 0;
    for (size_t i = 0; i < n; i++)
        pre[i + 1] = pre[i] * P + (unsigned char)s[i] + 1;
    suf[n] = 0;
    pw[0] = 1;
    for (size_t i = 1; i <= n; i++)
        pw[i] = pw[i - 1] * P;
    for (size_t i = n; i-- > 0;)
        suf[i] = suf[i + 1] + ((unsigned char)s[i] + 1) * pw[n - 1 - i];
    out[0] = pre[n] ^ (uint64_t)n << 56;
    for (size_t i = 0; i < n; i++)
        out[i + 1] = (pre[i] * pw[n - 1 - i] + suf[i + 1]) ^ (uint64_t)(n - 1) << 56;
    return n + 1;
}

static int eligible(const bw__term *t)
{
    if (t->removed || (t->flags & (TF_NOFUZZY | TF_PREFIX | TF_SUFFIX | TF_SUBSTR)))
        return 0;
    if (t->cls != PC_CSAM && t->cls != PC_MINOR && t->cls != PC_YOUTH && t->cls != PC_SEXUAL)
        return 0;
    if (t->norm_len < FZ_MIN_TERM || t->norm_len > FZ_MAX_WORD)
        return 0;
    for (uint32_t i = 0; i < t->norm_len; i++)
        if (t->norm[i] < 'a' || t->norm[i] > 'z')
            return 0;
    return 1;
}

bw_status bw__fuzzy_new(bw__fuzzy **out, const bw__term *terms, size_t nterms, bw_error *err)
{
    size_t keys = 0, cap = 16;
    bw__fuzzy *fz = bw__calloc(1, sizeof *fz);
    uint64_t h[FZ_MAX_WORD + 2];
    *out = NULL;
    for (size_t i = 0; i < nterms; i++)
        if (eligible(&terms[i]))
            keys += terms[i].norm_len + 1;
    while (cap < keys * 2)
        cap *= 2;
    if (!fz || !(fz->tab = bw__calloc(cap, sizeof *fz->tab))) {
        free(fz);
        return bw__fail(err, BW_ERR_NOMEM, "out of memory building the fuzzy index");
    }
    fz->mask = cap - 1;
    for (size_t i = 0; i < nterms; i++) {
        size_t n;
        if (!eligible(&terms[i]))
            continue;
        n = del_hashes(terms[i].norm, terms[i].norm_len, h);
        for (size_t k = 0; k < n; k++) {
            size_t at = (size_t)(h[k] * 0x9E3779B97F4A7C15ull >> 20) & fz->mask;
            while (fz->tab[at].term)
                at = (at + 1) & fz->mask;
            fz->tab[at].key = h[k];
            fz->tab[at].term = (uint32_t)i + 1;
        }
    }
    *out = fz;
    return BW_OK;
}

void bw__fuzzy_free(bw__fuzzy *fz)
{
    if (!fz)
        return;
    free(fz->tab);
    free(fz);
}

/* Damerau (optimal string alignment) distance <= 1? */
static int within_one(const char *a, size_t n, const char *b, size_t m)
{
    size_t i = 0;
    if (n > m + 1 || m > n + 1)
        return 0;
    while (i < n && i < m && a[i] == b[i])
        i++;
    if (i == n && i == m)
        return 0; /* equal: the exact matcher found it */
    if (n == m) {
        if (memcmp(a + i + 1, b + i + 1, n - i - 1) == 0)
            return 1; /* substitution */
        return i + 1 < n && a[i] == b[i + 1] && a[i + 1] == b[i] &&
               memcmp(a + i + 2, b + i + 2, n - i - 2) == 0; /* transposition */
    }
    if (n > m)
        return memcmp(a + i + 1, b + i, n - i - 1) == 0;
    return memcmp(a + i, b + i + 1, m - i - 1) == 0;
}

void bw__fuzzy_lookup(const bw__fuzzy *fz, const bw__term *terms, const char *word, size_t len,
                      void (*found)(void *ctx, uint32_t term), void *ctx)
{
    uint64_t h[FZ_MAX_WORD + 2];
    uint32_t seen[8];
    size_t nseen = 0, n;
    if (!fz || len < FZ_MIN_TERM - 1 || len > FZ_MAX_WORD)
        return;
    n = del_hashes(word, len, h);
    for (size_t k = 0; k < n; k++) {
        size_t at = (size_t)(h[k] * 0x9E3779B97F4A7C15ull >> 20) & fz->mask;
        while (fz->tab[at].term) {
            if (fz->tab[at].key == h[k]) {
                uint32_t ti = fz->tab[at].term - 1;
                const bw__term *t = &terms[ti];
                int dup = 0;
                for (size_t q = 0; q < nseen; q++)
                    dup |= seen[q] == ti;
                if (!dup && t->norm[0] == word[0] &&
                    within_one(word, len, t->norm, t->norm_len)) {
                    if (nseen < 8)
                        seen[nseen++] = ti;
                    found(ctx, ti);
                }
            }
            at = (at + 1) & fz->mask;
        }
    }
}
