/* meta_gen.c -- what generator metadata says: given the texts a container
 * held (PNG text keywords, EXIF fields; meta_internal.h), name the
 * generator and pull out the positive prompt.
 *
 *   A1111 / Forge / Fooocus (a1111 scheme)  "parameters" or EXIF
 *       UserComment: prompt lines, optional "Negative prompt:" lines, then
 *       a "Steps: ..., Version: ..." line. Forge's versions start with
 *       "f", Fooocus's with "Fooocus".
 *   Fooocus (fooocus scheme), SwarmUI  the same fields holding JSON:
 *       "prompt"/"full_prompt"+"version", or "sui_image_params".
 *   ComfyUI  "prompt" (the API graph: the sampler's "positive" input is
 *       followed to a text encoder's "text") and/or "workflow".
 *   InvokeAI  "invokeai_metadata" (positive_prompt), 2.x "sd-metadata"
 *       and "Dream".
 *   NovelAI  Software "NovelAI", Comment JSON with "prompt" (else
 *       Description), Source naming the model.
 *   Software / CreatorTool / IPTC program naming a known generator.
 *
 * JSON is parsed with yajl: first a streaming pass that only measures the
 * nesting (cancelled beyond max_json_depth), then yajl_tree. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>
#include "provenance/meta/meta_internal.h"

/* ---------------------------------------------------------------- names */

int bw__meta_png_key(const char *k)
{
    static const struct {
        const char *keyword;
        bw__meta_key key;
    } map[] = {
        {"parameters", BW__K_PARAMETERS}, {"prompt", BW__K_PROMPT},
        {"workflow", BW__K_WORKFLOW},     {"invokeai_metadata", BW__K_INVOKEAI},
        {"sd-metadata", BW__K_SD_METADATA}, {"Dream", BW__K_DREAM},
        {"Software", BW__K_SOFTWARE},     {"Comment", BW__K_COMMENT},
        {"Description", BW__K_DESCRIPTION}, {"Source", BW__K_SOURCE},
        {"fooocus_scheme", BW__K_SCHEME},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(k, map[i].keyword) == 0)
            return (int)map[i].key;
    return -1;
}

/* The field a key came from, for details. */
static void field_name(const bw__meta_texts *t, bw__meta_key k, char *out, size_t n)
{
    static const char *const png[BW__K_COUNT] = {
        "parameters", "prompt", "workflow", "invokeai_metadata", "sd-metadata", "Dream",
        "Software", "Comment", "Description", "Source", "fooocus_scheme"};
    static const char *const exif[BW__K_COUNT] = {
        "UserComment", "?", "?", "?", "?", "?", "Software", "?", "ImageDescription", "?",
        "MakerNote"};
    if (t->type == BW_SIGNAL_EXIF)
        snprintf(out, n, "EXIF %s (%s)", exif[k], t->where);
    else
        snprintf(out, n, "%s \"%s\"", t->where, png[k]);
}

/* Match `word` in s case-insensitively, not inside a longer word. */
static int has_word(const char *s, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = s; (p = strcasestr(p, word)) != NULL; p++) {
        int before = p > s && isalnum((unsigned char)p[-1]);
        int after = isalnum((unsigned char)p[wl]);
        if (!before && !after)
            return 1;
    }
    return 0;
}

const char *bw__meta_known_generator(const char *s, int *ai)
{
    static const struct {
        const char *word, *name;
    } gens[] = {
        {"NovelAI", "NovelAI"},
        {"Fooocus", "Fooocus"},
        {"ComfyUI", "ComfyUI"},
        {"InvokeAI", "InvokeAI"},
        {"AUTOMATIC1111", "AUTOMATIC1111 Stable Diffusion web UI"},
        {"stable-diffusion-webui", "AUTOMATIC1111 Stable Diffusion web UI"},
        {"SwarmUI", "SwarmUI"},
        {"StableSwarmUI", "SwarmUI"},
        {"Stable Diffusion", "Stable Diffusion"},
        {"Stable Video Diffusion", "Stable Video Diffusion"},
        {"DALL-E", "DALL-E"},
        {"DALL\xC2\xB7" "E", "DALL-E"},
        {"Midjourney", "Midjourney"},
        {"Adobe Firefly", "Adobe Firefly"},
        {"Imagen", "Google Imagen"},
        {"Draw Things", "Draw Things"},
        {"DiffusionBee", "DiffusionBee"},
        {"Easy Diffusion", "Easy Diffusion"},
        {"Leonardo.Ai", "Leonardo.Ai"},
        {"Ideogram", "Ideogram"},
        {"Bing Image Creator", "Bing Image Creator"},
        {"Craiyon", "Craiyon"},
    };
    if (!s)
        return NULL;
    for (size_t i = 0; i < sizeof gens / sizeof gens[0]; i++) {
        if (has_word(s, gens[i].word)) {
            *ai = 1; /* every tool on the list only generates images */
            return gens[i].name;
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------- JSON */

typedef struct depth_ctx {
    unsigned depth, max;
} depth_ctx;

static int d_open(void *c)
{
    depth_ctx *d = c;
    return ++d->depth <= d->max;
}

static int d_close(void *c)
{
    ((depth_ctx *)c)->depth--;
    return 1;
}

static int d_key(void *c, const unsigned char *s, size_t n)
{
    (void)c, (void)s, (void)n;
    return 1;
}

static int d_open_map(void *c)
{
    return d_open(c);
}

static const yajl_callbacks depth_cb = {
    NULL, NULL, NULL, NULL, NULL, NULL, d_open_map, d_key, d_close, d_open, d_close,
};

struct yajl_val_s *bw__meta_json_object(const bw__meta *m, const char *text)
{
    depth_ctx d = {0, m->lim->max_json_depth};
    yajl_handle h;
    yajl_status s;
    yajl_val v;
    size_t len;
    while (*text == ' ' || *text == '\n' || *text == '\r' || *text == '\t')
        text++;
    if (*text != '{')
        return NULL;
    len = strlen(text);
    if (!(h = yajl_alloc(&depth_cb, NULL, &d)))
        return NULL;
    s = yajl_parse(h, (const unsigned char *)text, len);
    if (s == yajl_status_ok)
        s = yajl_complete_parse(h);
    yajl_free(h);
    if (s != yajl_status_ok)
        return NULL;
    v = yajl_tree_parse(text, NULL, 0);
    if (v && !YAJL_IS_OBJECT(v)) {
        yajl_tree_free(v);
        return NULL;
    }
    return v;
}

static yajl_val member(yajl_val obj, const char *key)
{
    if (!obj || !YAJL_IS_OBJECT(obj))
        return NULL;
    for (size_t i = 0; i < obj->u.object.len; i++)
        if (strcmp(obj->u.object.keys[i], key) == 0)
            return obj->u.object.values[i];
    return NULL;
}

static const char *member_str(yajl_val obj, const char *key)
{
    yajl_val v = member(obj, key);
    return v && YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

/* ---------------------------------------------------------------- A1111 */

/* Start of the line beginning with `what` (at text start or after \n),
 * the last such line; NULL if none. */
static const char *line_starting(const char *text, const char *what)
{
    const char *found = NULL, *p = text;
    size_t wl = strlen(what);
    if (strncmp(text, what, wl) == 0)
        found = text;
    while ((p = strchr(p, '\n')) != NULL) {
        p++;
        if (strncmp(p, what, wl) == 0)
            found = p;
    }
    return found;
}

/* "key: value," in the parameters line: value copied into out. */
static int param_value(const char *line, const char *key, char *out, size_t n)
{
    size_t kl = strlen(key), len;
    const char *p = line;
    while ((p = strstr(p, key)) != NULL) {
        if ((p == line || p[-1] == ' ') && p[kl] == ':' && p[kl + 1] == ' ') {
            p += kl + 2;
            len = strcspn(p, ",\n");
            if (len >= n)
                len = n - 1;
            memcpy(out, p, len);
            out[len] = 0;
            return 1;
        }
        p += kl;
    }
    return 0;
}

/* A copy of text[0, end) without surrounding white space, or NULL. */
static char *trimmed(bw__meta *m, const char *s, size_t len)
{
    while (len && isspace((unsigned char)*s))
        s++, len--;
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    return len ? bw__meta_utf8(m, "UTF-8", (const uint8_t *)s, len) : NULL;
}

static int a1111_text(bw__meta *m, const bw__meta_texts *t, const char *text)
{
    const char *steps = line_starting(text, "Steps: "), *neg, *end;
    char version[64] = "", model[96] = "", field[96], detail[320];
    const char *gen = "Stable Diffusion (A1111-format parameters)";
    const char *soft = t->v[BW__K_SOFTWARE];
    char *prompt;
    if (!steps)
        return 0;
    /* the parameters line must look like one */
    if (!strstr(steps, "Sampler: ") && !strstr(steps, "Seed: ") && !strstr(steps, "CFG scale: "))
        return 0;
    param_value(steps, "Version", version, sizeof version);
    param_value(steps, "Model", model, sizeof model);
    if (strstr(version, "Fooocus") || (soft && has_word(soft, "Fooocus")))
        gen = "Fooocus";
    else if (version[0] == 'f' && isdigit((unsigned char)version[1]))
        gen = "Stable Diffusion WebUI Forge";
    else if (version[0] == 'v' && isdigit((unsigned char)version[1]))
        gen = "AUTOMATIC1111 Stable Diffusion web UI";
    else if (strstr(version, "ComfyUI"))
        gen = "ComfyUI";
    neg = line_starting(text, "Negative prompt:");
    end = neg && neg < steps ? neg : steps;
    prompt = trimmed(m, text, (size_t)(end - text));
    if (m->st != BW_OK)
        return 1;
    field_name(t, BW__K_PARAMETERS, field, sizeof field);
    snprintf(detail, sizeof detail, "%s: generation parameters%s%s%s%s", field,
             model[0] ? ", Model: " : "", model, version[0] ? ", Version: " : "", version);
    bw__meta_signal(m, t->type, gen, detail, 1, prompt);
    free(prompt);
    return 1;
}

/* JSON in "parameters": Fooocus's own scheme or SwarmUI. */
static int parameters_json(bw__meta *m, const bw__meta_texts *t, yajl_val j)
{
    yajl_val sui = member(j, "sui_image_params");
    const char *version = member_str(j, "version"), *scheme = t->v[BW__K_SCHEME];
    const char *soft = t->v[BW__K_SOFTWARE];
    const char *gen = NULL, *prompt = NULL;
    char field[96], detail[320];
    if (sui && YAJL_IS_OBJECT(sui)) {
        gen = "SwarmUI";
        prompt = member_str(sui, "prompt");
    } else if ((version && strstr(version, "Fooocus")) || member(j, "full_prompt") ||
               (scheme && strcmp(scheme, "fooocus") == 0) || (soft && has_word(soft, "Fooocus"))) {
        yajl_val full = member(j, "full_prompt");
        gen = "Fooocus";
        prompt = member_str(j, "prompt");
        if ((!prompt || !*prompt) && full && YAJL_IS_ARRAY(full) && full->u.array.len &&
            YAJL_IS_STRING(full->u.array.values[0]))
            prompt = YAJL_GET_STRING(full->u.array.values[0]);
    } else if (member_str(j, "prompt") && (member(j, "seed") || member(j, "steps"))) {
        gen = "unknown generator (JSON generation parameters)";
        prompt = member_str(j, "prompt");
    } else {
        return 0;
    }
    field_name(t, BW__K_PARAMETERS, field, sizeof field);
    snprintf(detail, sizeof detail, "%s: generation parameters (JSON)%s%.60s", field,
             version ? ", version: " : "", version ? version : "");
    bw__meta_signal(m, t->type, gen, detail, 1, prompt && *prompt ? prompt : NULL);
    return 1;
}

/* ---------------------------------------------------------------- ComfyUI */

/* The text a conditioning input leads to: follow links (["id", n]) through
 * at most 8 nodes to one with a string "text" (or "text_g", SDXL). */
static const char *comfy_follow(yajl_val graph, yajl_val link)
{
    static const char *const via[] = {"conditioning", "conditioning_1", "conditioning_to",
                                      "positive", "text", "string", "value"};
    for (int hop = 0; hop < 8; hop++) {
        yajl_val node, inputs;
        const char *s;
        int next = 0;
        if (!link || !YAJL_IS_ARRAY(link) || link->u.array.len < 1 ||
            !YAJL_IS_STRING(link->u.array.values[0]))
            return NULL;
        node = member(graph, YAJL_GET_STRING(link->u.array.values[0]));
        inputs = member(node, "inputs");
        if ((s = member_str(inputs, "text")) || (s = member_str(inputs, "text_g")) ||
            (s = member_str(inputs, "string")) || (s = member_str(inputs, "value")))
            return s;
        for (size_t i = 0; i < sizeof via / sizeof via[0] && !next; i++) {
            yajl_val l = member(inputs, via[i]);
            if (l && YAJL_IS_ARRAY(l)) {
                link = l;
                next = 1;
            }
        }
        if (!next)
            return NULL;
    }
    return NULL;
}

/* The API graph: nodes with class_type; returns the node count. */
static size_t comfy_prompt(yajl_val graph, const char **prompt)
{
    size_t nodes = 0;
    const char *first_text = NULL;
    *prompt = NULL;
    for (size_t i = 0; i < graph->u.object.len; i++) {
        yajl_val node = graph->u.object.values[i], inputs = member(node, "inputs");
        const char *cls = member_str(node, "class_type");
        if (!cls)
            continue;
        nodes++;
        if (!*prompt && strstr(cls, "Sampler"))
            *prompt = comfy_follow(graph, member(inputs, "positive"));
        if (!first_text && strncmp(cls, "CLIPTextEncode", 14) == 0)
            first_text = member_str(inputs, "text");
    }
    if (!*prompt)
        *prompt = first_text;
    return nodes;
}

static int comfyui(bw__meta *m, const bw__meta_texts *t)
{
    yajl_val api = t->v[BW__K_PROMPT] ? bw__meta_json_object(m, t->v[BW__K_PROMPT]) : NULL;
    yajl_val ui = t->v[BW__K_WORKFLOW] ? bw__meta_json_object(m, t->v[BW__K_WORKFLOW]) : NULL;
    yajl_val uinodes = member(ui, "nodes");
    const char *prompt = NULL;
    size_t nodes = api ? comfy_prompt(api, &prompt) : 0;
    char detail[320];
    int has_ui = uinodes && YAJL_IS_ARRAY(uinodes);
    int found = nodes > 0 || has_ui;
    if (found) {
        snprintf(detail, sizeof detail, "%s%s%s: ComfyUI %s%s", t->where,
                 nodes ? " \"prompt\"" : "", has_ui ? " \"workflow\"" : "",
                 nodes ? "API graph" : "workflow", nodes && has_ui ? " and workflow" : "");
        bw__meta_signal(m, t->type, "ComfyUI", detail, 1, prompt && *prompt ? prompt : NULL);
    }
    yajl_tree_free(api);
    yajl_tree_free(ui);
    return found;
}

/* ---------------------------------------------------------------- InvokeAI */

static int invokeai(bw__meta *m, const bw__meta_texts *t)
{
    char detail[320];
    const char *prompt = NULL, *version = NULL, *field = NULL;
    yajl_val j = NULL;
    char *dream = NULL;
    int found = 0;
    if (t->v[BW__K_INVOKEAI] && (j = bw__meta_json_object(m, t->v[BW__K_INVOKEAI]))) {
        prompt = member_str(j, "positive_prompt");
        version = member_str(j, "app_version");
        field = "invokeai_metadata";
        found = 1;
    } else if (t->v[BW__K_SD_METADATA] && (j = bw__meta_json_object(m, t->v[BW__K_SD_METADATA]))) {
        yajl_val image = member(j, "image"), p = member(image, "prompt");
        if (p && YAJL_IS_ARRAY(p) && p->u.array.len)
            prompt = member_str(p->u.array.values[0], "prompt");
        else if (p && YAJL_IS_STRING(p))
            prompt = YAJL_GET_STRING(p);
        version = member_str(j, "app_version");
        field = "sd-metadata";
        found = 1;
    } else if (t->v[BW__K_DREAM] && t->v[BW__K_DREAM][0] == '"') {
        /* "a prompt" -s 50 -S 42 ... */
        const char *q = strchr(t->v[BW__K_DREAM] + 1, '"');
        if (q) {
            dream = trimmed(m, t->v[BW__K_DREAM] + 1, (size_t)(q - t->v[BW__K_DREAM] - 1));
            prompt = dream;
            field = "Dream";
            found = 1;
        }
    }
    if (found) {
        snprintf(detail, sizeof detail, "%s \"%s\": InvokeAI metadata%s%.40s", t->where, field,
                 version ? ", version " : "", version ? version : "");
        bw__meta_signal(m, t->type, "InvokeAI", detail, 1, prompt && *prompt ? prompt : NULL);
    }
    free(dream);
    yajl_tree_free(j);
    return found;
}

/* ---------------------------------------------------------------- NovelAI */

static int novelai(bw__meta *m, const bw__meta_texts *t)
{
    const char *soft = t->v[BW__K_SOFTWARE], *src = t->v[BW__K_SOURCE];
    yajl_val c = t->v[BW__K_COMMENT] ? bw__meta_json_object(m, t->v[BW__K_COMMENT]) : NULL;
    const char *prompt = member_str(c, "prompt");
    char detail[320];
    int named = soft && strncmp(soft, "NovelAI", 7) == 0;
    /* a stripped Software key: NovelAI's Comment has "uc" (undesired content) */
    int found = named || (prompt && member(c, "uc"));
    if (found) {
        if (!prompt || !*prompt)
            prompt = t->v[BW__K_DESCRIPTION];
        snprintf(detail, sizeof detail, "%s%s%s: NovelAI metadata%s%.80s", t->where,
                 named ? " \"Software\"" : "", c ? " \"Comment\"" : "", src ? ", Source: " : "",
                 src ? src : "");
        bw__meta_signal(m, t->type, "NovelAI", detail, 1, prompt && *prompt ? prompt : NULL);
    }
    yajl_tree_free(c);
    return found;
}

/* ---------------------------------------------------------------- all */

void bw__meta_generators(bw__meta *m, const bw__meta_texts *t)
{
    int found = 0;
    const char *params = t->v[BW__K_PARAMETERS];
    if (params) {
        yajl_val j = bw__meta_json_object(m, params);
        found |= j ? parameters_json(m, t, j) : a1111_text(m, t, params);
        yajl_tree_free(j);
    }
    if (m->st == BW_OK && (t->v[BW__K_PROMPT] || t->v[BW__K_WORKFLOW]))
        found |= comfyui(m, t);
    if (m->st == BW_OK && (t->v[BW__K_INVOKEAI] || t->v[BW__K_SD_METADATA] || t->v[BW__K_DREAM]))
        found |= invokeai(m, t);
    if (m->st == BW_OK && (t->v[BW__K_SOFTWARE] || t->v[BW__K_COMMENT]))
        found |= novelai(m, t);
    if (m->st == BW_OK && !found && t->v[BW__K_SOFTWARE]) {
        int ai = 0;
        const char *gen = bw__meta_known_generator(t->v[BW__K_SOFTWARE], &ai);
        if (gen) {
            char field[96], detail[320];
            field_name(t, BW__K_SOFTWARE, field, sizeof field);
            snprintf(detail, sizeof detail, "%s = \"%.120s\"", field, t->v[BW__K_SOFTWARE]);
            bw__meta_signal(m, t->type, gen, detail, ai, NULL);
        }
    }
}
