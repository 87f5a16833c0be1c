/* provenance.c -- bw_provenance_examine: every provenance source in turn.
 *
 * The sources are independent and each appends what it finds to one
 * bw_provenance (prov_internal.h): first the C2PA manifest store (c2pa_*.c),
 * then the generator metadata (meta_*.c), then -- on decoded full-size
 * pixels -- the invisible watermark (watermark.c). ai_generated is "yes"
 * only when a verified signal says so (a C2PA manifest that validates, a
 * watermark above its threshold), "claimed" when only unverified ones do
 * (generator metadata anyone can write, a manifest that fails validation),
 * otherwise "no_evidence", never "real": absence of markers proves nothing.
 *
 * Also here: the result's lifetime (bw_provenance_free), its JSON form
 * (bw_provenance_json_fields) and the small helpers the sources share to
 * append signals and strings. */
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "bulwark/json.h"
#include "provenance/prov_internal.h"

/* ---------------------------------------------------------------- names */

const char *bw_signal_type_name(bw_signal_type type)
{
    static const char *const names[BW_SIGNAL_TYPE_COUNT] = {
        "c2pa", "iptc", "xmp", "exif", "png-text", "watermark"};
    if ((unsigned)type >= BW_SIGNAL_TYPE_COUNT)
        return "unknown";
    return names[type];
}

const char *bw_c2pa_validation_name(bw_c2pa_validation v)
{
    switch (v) {
    case BW_C2PA_INVALID: return "invalid";
    case BW_C2PA_VALID: return "valid";
    case BW_C2PA_TRUSTED: return "trusted";
    case BW_C2PA_NONE: break;
    }
    return "none";
}

const char *bw_ai_generated_name(int v)
{
    switch (v) {
    case BW_AI_YES: return "yes";
    case BW_AI_CLAIMED: return "claimed";
    default: return "no_evidence";
    }
}

/* ---------------------------------------------------------------- helpers */

/* strdup that accepts NULL; *failed set when the copy could not be made. */
static char *dup_or_null(const char *s, int *failed)
{
    char *c;
    if (!s)
        return NULL;
    if (!(c = bw__strdup(s)))
        *failed = 1;
    return c;
}

bw_status bw__prov_add_string(char ***arr, size_t *n, const char *s)
{
    char **grown;
    char *copy;
    if (!arr || !n || !s)
        return BW_ERR_ARG;
    if (!(copy = bw__strdup(s)))
        return BW_ERR_NOMEM;
    grown = bw__realloc(*arr, (*n + 1) * sizeof *grown);
    if (!grown) {
        free(copy);
        return BW_ERR_NOMEM;
    }
    grown[(*n)++] = copy;
    *arr = grown;
    return BW_OK;
}

bw_status bw__prov_add_signal(bw_provenance *p, bw_signal_type type, const char *generator,
                              const char *detail, int verified, int ai, const char *prompt)
{
    bw_signal *grown, *s;
    int failed = 0;
    if (!p || (unsigned)type >= BW_SIGNAL_TYPE_COUNT)
        return BW_ERR_ARG;
    grown = bw__realloc(p->signals, (p->n_signals + 1) * sizeof *grown);
    if (!grown)
        return BW_ERR_NOMEM;
    p->signals = grown;
    s = &grown[p->n_signals];
    memset(s, 0, sizeof *s);
    s->type = type;
    s->verified = verified != 0;
    s->ai = ai != 0;
    s->generator = dup_or_null(generator, &failed);
    s->detail = dup_or_null(detail, &failed);
    s->prompt = dup_or_null(prompt, &failed);
    if (failed) {
        free(s->generator);
        free(s->detail);
        free(s->prompt);
        return BW_ERR_NOMEM;
    }
    p->n_signals++;
    return BW_OK;
}

static void free_strings(char **arr, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(arr[i]);
    free(arr);
}

void bw_provenance_free(bw_provenance *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_signals; i++) {
        free(p->signals[i].generator);
        free(p->signals[i].detail);
        free(p->signals[i].prompt);
    }
    free(p->signals);
    free(p->c2pa.location);
    free(p->c2pa.remote_url);
    free(p->c2pa.claim_generator);
    free_strings(p->c2pa.digital_source_types, p->c2pa.n_digital_source_types);
    free_strings(p->c2pa.status_codes, p->c2pa.n_status_codes);
    free(p->c2pa.error);
    memset(p, 0, sizeof *p);
}

/* ---------------------------------------------------------------- examine */

/* Decode the pixels at full size and run the watermark decoder on them. An
 * image that cannot be decoded (not an image, an unsupported variant, over
 * a limit) simply gets no watermark check. */
static bw_status run_watermark(const uint8_t *data, size_t len, const bw_provenance_opts *opts,
                               bw_provenance *p)
{
    bw_decode_opts dopts = {1, 0, opts->limits};
    bw_image img;
    bw_status st;
    if (opts->no_watermark)
        return BW_OK;
    if (bw_image_decode(data, len, &dopts, &img, NULL) != BW_OK) {
        bw_image_free(&img);
        return BW_OK;
    }
    st = bw__prov_watermark(&img, opts, p);
    bw_image_free(&img);
    return st;
}

bw_status bw_provenance_examine(const void *data, size_t len, const bw_provenance_opts *opts,
                                bw_provenance *out, bw_error *err)
{
    static const bw_provenance_opts no_opts = {0};
    const uint8_t *bytes = data;
    bw_format fmt;
    bw_status st = BW_OK;

    if (!out)
        return bw__fail(err, BW_ERR_ARG, "provenance: no result to fill");
    memset(out, 0, sizeof *out);
    if (!data && len)
        return bw__fail(err, BW_ERR_ARG, "provenance: NULL data with a length");
    if (!opts)
        opts = &no_opts;
    if (!bytes)
        bytes = (const uint8_t *)"";
    fmt = bw_format_sniff(bytes, len);

    st = bw__prov_c2pa(bytes, len, fmt, opts, out);
    if (st == BW_OK)
        st = bw__prov_metadata(bytes, len, fmt, opts, out);
    if (st == BW_OK)
        st = run_watermark(bytes, len, opts, out);
    if (st != BW_OK) {
        bw_provenance_free(out);
        return bw__fail(err, st, "provenance: %s", bw_strerror(st));
    }
    /* proven (a valid manifest or a detected watermark) beats claimed */
    for (size_t i = 0; i < out->n_signals; i++) {
        const bw_signal *s = &out->signals[i];
        if (s->ai && s->verified)
            out->ai_generated = BW_AI_YES;
        else if (s->ai && out->ai_generated != BW_AI_YES)
            out->ai_generated = BW_AI_CLAIMED;
    }
    return BW_OK;
}

/* ---------------------------------------------------------------- JSON */

static void json_string_or_null(bw_json *j, const char *s)
{
    if (s)
        bw_json_string(j, s);
    else
        bw_json_null(j);
}

static void json_strings(bw_json *j, char *const *arr, size_t n)
{
    bw_json_array_begin(j);
    for (size_t i = 0; i < n; i++)
        bw_json_string(j, arr[i]);
    bw_json_array_end(j);
}

static void json_c2pa(bw_json *j, const bw_c2pa_info *c)
{
    bw_json_object_begin(j);
    bw_json_key(j, "claim_generator");
    json_string_or_null(j, c->claim_generator);
    bw_json_key(j, "digital_source_types");
    json_strings(j, c->digital_source_types, c->n_digital_source_types);
    bw_json_key(j, "validation");
    /* A store that could not be read at all cannot be valid. */
    bw_json_string(j, bw_c2pa_validation_name(c->validation == BW_C2PA_NONE ? BW_C2PA_INVALID
                                                                            : c->validation));
    bw_json_key(j, "status_codes");
    json_strings(j, c->status_codes, c->n_status_codes);
    bw_json_key(j, "location");
    json_string_or_null(j, c->location);
    bw_json_key(j, "manifest_count");
    bw_json_uint(j, c->manifest_count);
    if (c->remote_url) {
        bw_json_key(j, "remote_url");
        bw_json_string(j, c->remote_url);
    }
    if (c->error) {
        bw_json_key(j, "error");
        bw_json_string(j, c->error);
    }
    bw_json_object_end(j);
}

void bw_provenance_json_fields(struct bw_json *j, const bw_provenance *p)
{
    bw_json_key(j, "ai_generated");
    bw_json_string(j, bw_ai_generated_name(p->ai_generated));
    bw_json_key(j, "signals");
    bw_json_array_begin(j);
    for (size_t i = 0; i < p->n_signals; i++) {
        const bw_signal *s = &p->signals[i];
        bw_json_object_begin(j);
        bw_json_key(j, "type");
        bw_json_string(j, bw_signal_type_name(s->type));
        bw_json_key(j, "generator");
        json_string_or_null(j, s->generator);
        bw_json_key(j, "detail");
        json_string_or_null(j, s->detail);
        bw_json_key(j, "verified");
        bw_json_bool(j, s->verified);
        if (s->prompt) {
            bw_json_key(j, "prompt");
            bw_json_string(j, s->prompt);
        }
        bw_json_object_end(j);
    }
    bw_json_array_end(j);
    if (p->c2pa.present) {
        bw_json_key(j, "c2pa");
        json_c2pa(j, &p->c2pa);
    }
}

void bw_provenance_json(bw_json *j, const char *path, const bw_provenance *p)
{
    bw_json_object_begin(j);
    bw_json_path(j, "path", path);
    bw_provenance_json_fields(j, p);
    bw_json_object_end(j);
}
