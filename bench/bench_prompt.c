/* bench_prompt.c -- speed of the prompt guard, single thread, prompts of
 * about 100 characters: plain ASCII (the fast path) and text that needs the
 * full Unicode path (Cyrillic, CJK, full-width, accents), with the shipped
 * word lists and with ten times as many terms (synthetic, made up of
 * random letters so they never match). The anchor, measured in the same
 * run, is one pass of memchr-free byte counting (strlen-like summing) over
 * the same prompts: each figure is printed with its ratio to the anchor, so
 * the numbers mean something on any machine.
 *
 *   bench_prompt [seconds per measurement, default 1] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bulwark/prompt.h"

static const char *const ascii_prompts[] = {
    "a watercolor painting of a lighthouse on a rocky coast at sunset, soft light, detailed",
    "portrait of an old fisherman with a grey beard, dramatic lighting, 85mm, film grain, sharp",
    "masterpiece, best quality, 1girl, solo, long hair, school uniform, cherry blossoms, smile",
    "kids playing soccer in a park on a sunny afternoon, photorealistic, wide angle, happy",
    "cyberpunk city street at night with neon signs and rain reflections, cinematic, 8k, moody",
    "a cat sleeping on a windowsill next to a potted plant, cozy, warm colors, illustration",
    "(masterpiece:1.2), landscape, mountains, lake, reflections, ((autumn)), [fog], trending",
    "how to report child sexual abuse material to the authorities and which hotline to call",
};
static const char *const unicode_prompts[] = {
    "портрет старого рыбака с седой бородой, драматическое освещение, детализация, плёнка",
    "夕暮れの灯台の水彩画、岩の多い海岸、柔らかな光、詳細な描写、美しい風景、傑作、高品質",
    "un tableau à l'aquarelle d'un phare sur une côte rocheuse au coucher du soleil, détaillé",
    "ｍａｓｔｅｒｐｉｅｃｅ, ｂｅｓｔ ｑｕａｌｉｔｙ, 風景, 山, 湖, 反射, 秋, 霧, トレンド",
    "niños jugando al fútbol en un parque en una tarde soleada, fotorrealista, gran angular",
    "一幅描绘日落时岩石海岸上灯塔的水彩画，柔和的光线，细节丰富，杰作，高质量，美丽的风景",
    "Kinder spielen Fußball in einem Park an einem sonnigen Nachmittag, fotorealistisch, weit",
    /* split so that the "e" after \xa9 is not read as a hex digit */
    ("n\xd0\xb0ked m\xd0\xbeuntain lake, gr\xc3\xa9" "en f\xc3\xb6rest, \xe2\x80\x8bsoft light, d\xc3\xa9tail"),
};
#define NP 8

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile unsigned long sink;

/* The anchor: sum every byte of every prompt (a trivial pass over the same text). */
static double anchor_rate(const char *const *p, double secs)
{
    double t0 = now(), t;
    unsigned long n = 0, acc = 0;
    do {
        for (int k = 0; k < 1000; k++) {
            const char *s = p[n % NP];
            for (size_t i = 0; s[i]; i++)
                acc += (unsigned char)s[i];
            n++;
            sink = acc;
        }
        t = now() - t0;
    } while (t < secs);
    return (double)n / t;
}

static double guard_rate(const bw_prompt_guard *g, const char *const *p, double secs)
{
    bw_prompt_scratch *s;
    bw_prompt_result r;
    bw_error err;
    size_t len[NP];
    double t0, t;
    unsigned long n = 0;
    if (bw_prompt_scratch_new(g, &s, &err) != BW_OK)
        return 0;
    for (int i = 0; i < NP; i++)
        len[i] = strlen(p[i]);
    t0 = now();
    do {
        for (int k = 0; k < 1000; k++, n++) {
            bw_prompt_check(g, s, p[n % NP], len[n % NP], &r, &err);
            sink += r.verdict;
        }
        t = now() - t0;
    } while (t < secs);
    bw_prompt_scratch_free(s);
    return (double)n / t;
}

static bw_prompt_guard *build(const char *dir, size_t synthetic, size_t *nterms)
{
    bw_prompt_lists *l;
    bw_prompt_guard *g = NULL;
    bw_error err;
    if (bw_prompt_lists_new(&l, NULL, &err) != BW_OK ||
        bw_prompt_lists_load_dir(l, dir, &err) != BW_OK) {
        fprintf(stderr, "bench_prompt: %s\n", bw_error_message(&err));
        exit(1);
    }
    if (synthetic) {
        size_t cap = synthetic * 24, n = 0;
        char *text = malloc(cap);
        unsigned long x = 12345;
        static const char *cls[] = {"sexual", "minor", "adult", "ambig"};
        for (size_t i = 0; i < synthetic; i++) {
            char w[12];
            int wl = 6 + (int)(i % 5);
            for (int k = 0; k < wl; k++) {
                x = x * 6364136223846793005ul + 1442695040888963407ul;
                w[k] = (char)('a' + (x >> 33) % 26);
            }
            n += (size_t)snprintf(text + n, cap - n, "%s zq%.*s\n", cls[i % 4], wl, w);
        }
        if (bw_prompt_lists_load_text(l, "synthetic.txt", "syn", text, n, &err) != BW_OK) {
            fprintf(stderr, "bench_prompt: %s\n", bw_error_message(&err));
            exit(1);
        }
        free(text);
    }
    *nterms = bw_prompt_lists_count(l);
    if (bw_prompt_guard_compile(l, NULL, &g, &err) != BW_OK) {
        fprintf(stderr, "bench_prompt: %s\n", bw_error_message(&err));
        exit(1);
    }
    bw_prompt_lists_free(l);
    return g;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.0, a_ascii, a_uni;
    char dir[4096];
    const char *slash = strrchr(__FILE__, '/');
    size_t n1, n10;
    bw_prompt_guard *g1, *g10;
    double t0;
    snprintf(dir, sizeof dir, "%.*s/../data/prompt", slash ? (int)(slash - __FILE__) : 1,
             slash ? __FILE__ : ".");
    if (secs <= 0)
        secs = 1.0;
    t0 = now();
    g1 = build(dir, 0, &n1);
    printf("prompt guard: load + compile %zu terms: %.0f ms\n", n1, (now() - t0) * 1e3);
    g10 = build(dir, n1 * 9, &n10);
    a_ascii = anchor_rate(ascii_prompts, secs);
    a_uni = anchor_rate(unicode_prompts, secs);
    printf("anchor (sum the bytes of each prompt): ascii %.0f/s, unicode %.0f/s\n", a_ascii,
           a_uni);
    {
        double r1 = guard_rate(g1, ascii_prompts, secs), r10 = guard_rate(g10, ascii_prompts, secs);
        double u1 = guard_rate(g1, unicode_prompts, secs),
               u10 = guard_rate(g10, unicode_prompts, secs);
        printf("ascii   %6zu terms: %9.0f prompts/s (%.2f us each), anchor ratio %.4f\n", n1, r1,
               1e6 / r1, r1 / a_ascii);
        printf("ascii   %6zu terms: %9.0f prompts/s (%.2f us each), anchor ratio %.4f\n", n10,
               r10, 1e6 / r10, r10 / a_ascii);
        printf("unicode %6zu terms: %9.0f prompts/s (%.2f us each), anchor ratio %.4f\n", n1, u1,
               1e6 / u1, u1 / a_uni);
        printf("unicode %6zu terms: %9.0f prompts/s (%.2f us each), anchor ratio %.4f\n", n10,
               u10, 1e6 / u10, u10 / a_uni);
        printf("10x terms / 1x terms: ascii %.2f, unicode %.2f\n", r10 / r1, u10 / u1);
    }
    bw_prompt_guard_free(g1);
    bw_prompt_guard_free(g10);
    return 0;
}
