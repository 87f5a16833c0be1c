/* c2pa.c -- C2PA Content Credentials: read the manifest store, validate
 * it, and say what it claims about how the asset was made.
 *
 * A manifest store is a JUMBF superbox "c2pa" holding manifests ("c2ma"),
 * the last being the active one. Each manifest has a claim (CBOR, v1
 * "c2pa.claim" or v2 "c2pa.claim.v2"), an assertion store and a signature
 * (COSE_Sign1 over the claim). The claim lists its assertions as hashed
 * URIs; ingredient assertions point (again by hashed URI) at the
 * manifests of the assets this one was made from, which are walked once
 * each. What was made how is in c2pa.actions (v1 and v2): each action's
 * digitalSourceType, and the vendor parameter com.adobe.digitalSourceType.
 *
 * Validation follows the specification's codes and the outcome rules of
 * its reference implementation (c2pa-rs): the active manifest's failures,
 * plus failures found in ingredient manifests that the ingredient
 * assertions did not already record, decide between "invalid", "valid"
 * (only signingCredential.untrusted or cawg.* failures) and "trusted" (no
 * failures at all, signer chains to a --trust anchor). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "provenance/c2pa/c2pa_internal.h"
#include "provenance/prov_internal.h"

#define DST_PREFIX "http://cv.iptc.org/newscodes/digitalsourcetype/"

typedef struct codes {
    char **v;
    size_t n;
} codes;

typedef struct manifest {
    const bw__jbox *box;
    const uint8_t *claim;      /* claim CBOR bytes (signed payload) */
    size_t claim_len;
    cbor_item_t *item;         /* decoded claim */
    int version;               /* 1 or 2 */
    char *alg;
    const bw__jbox *assertions;
    int visited;
    int prerelease;
} manifest;

typedef struct ctx {
    const uint8_t *asset;      /* NULL when the store was read alone */
    size_t asset_len;
    bw_format fmt;
    const bw_limits *lim;
    bw__trust trust;
    bw__jbox *root;
    manifest *m;
    size_t nm;
    codes active;              /* failures of the active manifest */
    codes ingr;                /* failures inside ingredient manifests */
    codes recorded;            /* codes the ingredient assertions already carry */
    bw_provenance *p;
    bw__sig_check sig;         /* of the active manifest */
    char *agent;               /* softwareAgent of an AI action */
    char *ai_action;           /* that action's name */
    char *ai_dst;              /* its source type (short form) */
    int nomem;
} ctx;

static void add_code(ctx *c, codes *cs, const char *code)
{
    for (size_t i = 0; i < cs->n; i++)
        if (strcmp(cs->v[i], code) == 0)
            return;
    if (bw__prov_add_string(&cs->v, &cs->n, code) != BW_OK)
        c->nomem = 1;
}

static void free_codes(codes *cs)
{
    for (size_t i = 0; i < cs->n; i++)
        free(cs->v[i]);
    free(cs->v);
    memset(cs, 0, sizeof *cs);
}

static int has_code(const codes *cs, const char *code)
{
    for (size_t i = 0; i < cs->n; i++)
        if (strcmp(cs->v[i], code) == 0)
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- store */

static manifest *find_manifest(ctx *c, const char *label)
{
    for (size_t i = 0; i < c->nm; i++)
        if (strcmp(c->m[i].box->label, label) == 0)
            return &c->m[i];
    return NULL;
}

/* Resolve a JUMBF URI ("self#jumbf=c2pa.assertions/x" relative to m, or
 * "self#jumbf=/c2pa/<manifest>/c2pa.assertions/x") to a superbox. */
static const bw__jbox *resolve(ctx *c, const manifest *m, const char *url)
{
    const char *p = strstr(url, "#jumbf=");
    char buf[512], *save = NULL, *tok;
    const bw__jbox *cur;
    if (!p)
        return NULL;
    int absolute;
    p += 7;
    if (p[0] == '/')
        p++;
    /* "c2pa/<manifest>/..." is absolute, anything else is relative to m */
    absolute = strncmp(p, "c2pa/", 5) == 0;
    if (strlen(p) >= sizeof buf)
        return NULL;
    snprintf(buf, sizeof buf, "%s", absolute ? p + 5 : p);
    cur = absolute ? c->root : (m ? m->box : NULL);
    for (tok = strtok_r(buf, "/", &save); tok && cur; tok = strtok_r(NULL, "/", &save))
        cur = bw__jumbf_child(cur, tok);
    return cur;
}

/* The label of the manifest a URI names ("self#jumbf=/c2pa/<label>/..."). */
static void uri_manifest_label(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "#jumbf=");
    const char *s, *e;
    out[0] = '\0';
    if (!p)
        return;
    p += 7;
    if (p[0] == '/')
        p++;
    if (strncmp(p, "c2pa/", 5) != 0)
        return;
    s = p + 5;
    e = strchr(s, '/');
    if (!e)
        e = s + strlen(s);
    if ((size_t)(e - s) < cap) {
        memcpy(out, s, (size_t)(e - s));
        out[e - s] = '\0';
    }
}

/* The CBOR content of an assertion superbox, decoded (NULL if not CBOR). */
static cbor_item_t *assertion_cbor(ctx *c, const bw__jbox *a)
{
    const bw__jbox *cb = bw__jumbf_content(a, BW__FOURCC('c', 'b', 'o', 'r'));
    if (!cb)
        return NULL;
    return bw__cbor_decode(cb->data, cb->data_len, bw__limits(c->lim)->max_cbor_depth, 0, NULL);
}

/* Strip a trailing "__N" instance suffix for label comparisons. */
static int label_is(const char *label, const char *base)
{
    size_t n = strlen(base);
    return strncmp(label, base, n) == 0 && (label[n] == '\0' || strncmp(label + n, "__", 2) == 0);
}

/* Load each manifest's claim; returns 0 when the store is not C2PA. */
static int load_manifests(ctx *c)
{
    if (!bw__jumbf_is(c->root, "c2pa"))
        return 0;
    for (size_t i = 0; i < c->root->nkids; i++) {
        const bw__jbox *k = &c->root->kids[i];
        manifest *g, *m;
        const bw__jbox *cl;
        if (k->type != BW__FOURCC('j', 'u', 'm', 'b'))
            continue;
        if (!(g = bw__realloc(c->m, (c->nm + 1) * sizeof *g))) {
            c->nomem = 1;
            return 1;
        }
        c->m = g;
        m = &c->m[c->nm++];
        memset(m, 0, sizeof *m);
        m->box = k;
        m->assertions = bw__jumbf_child(k, "c2pa.assertions");
        m->version = 1;
        if (!(cl = bw__jumbf_child(k, "c2pa.claim")) && (cl = bw__jumbf_child(k, "c2pa.claim.v2")))
            m->version = 2;
        if (cl) {
            const bw__jbox *cb = bw__jumbf_content(cl, BW__FOURCC('c', 'b', 'o', 'r'));
            if (cb) {
                m->claim = cb->data;
                m->claim_len = cb->data_len;
                m->item = bw__cbor_decode(cb->data, cb->data_len,
                                          bw__limits(c->lim)->max_cbor_depth, 0, NULL);
                if (m->item) {
                    m->alg = bw__cbor_text(bw__cbor_get(m->item, "alg"));
                    if (bw__cbor_get(m->item, "created_assertions"))
                        m->version = 2;
                }
            } else if (bw__jumbf_content(cl, BW__FOURCC('j', 's', 'o', 'n'))) {
                m->prerelease = 1;
            }
        }
    }
    return 1;
}

/* ---------------------------------------------------------------- actions */

static const char *dst_short(const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    return strncmp(v, DST_PREFIX, sizeof DST_PREFIX - 1) == 0 ? v + sizeof DST_PREFIX - 1 : v;
}

static int dst_is_ai(const char *v)
{
    static const char *const ai[] = {"trainedAlgorithmicMedia",
                                     "compositeWithTrainedAlgorithmicMedia", "algorithmicMedia",
                                     "compositeSynthetic"};
    const char *s = dst_short(v);
    for (size_t i = 0; i < sizeof ai / sizeof *ai; i++)
        if (strcmp(s, ai[i]) == 0)
            return 1;
    return 0;
}

static void note_dst(ctx *c, const char *raw, const cbor_item_t *action)
{
    const char *v = raw;
    char **arr;
    while (*v == ' ' || *v == '\t')
        v++;
    arr = c->p->c2pa.digital_source_types;
    for (size_t i = 0; i < c->p->c2pa.n_digital_source_types; i++)
        if (strcmp(arr[i], v) == 0)
            goto ai;
    if (bw__prov_add_string(&c->p->c2pa.digital_source_types, &c->p->c2pa.n_digital_source_types,
                            v) != BW_OK)
        c->nomem = 1;
ai:
    if (dst_is_ai(v) && !c->ai_dst) {
        cbor_item_t *agent = bw__cbor_get(action, "softwareAgent");
        c->ai_dst = bw__strdup(dst_short(v));
        c->ai_action = bw__cbor_text(bw__cbor_get(action, "action"));
        c->agent = bw__cbor_text(agent);
        if (!c->agent)
            c->agent = bw__cbor_text(bw__cbor_get(agent, "name"));
    }
}

static void read_actions(ctx *c, const manifest *m)
{
    for (size_t i = 0; m->assertions && i < m->assertions->nkids; i++) {
        const bw__jbox *a = &m->assertions->kids[i];
        cbor_item_t *item, *acts;
        if (!a->has_label ||
            !(label_is(a->label, "c2pa.actions") || label_is(a->label, "c2pa.actions.v2")))
            continue;
        if (!(item = assertion_cbor(c, a)))
            continue;
        acts = bw__cbor_get(item, "actions");
        for (size_t k = 0; acts && cbor_isa_array(acts) && k < cbor_array_size(acts); k++) {
            cbor_item_t *act = cbor_array_handle(acts)[k];
            char *v = bw__cbor_text(bw__cbor_get(act, "digitalSourceType"));
            char *vendor = bw__cbor_text(
                bw__cbor_get(bw__cbor_get(act, "parameters"), "com.adobe.digitalSourceType"));
            if (v)
                note_dst(c, v, act);
            if (vendor)
                note_dst(c, vendor, act);
            free(v);
            free(vendor);
        }
        cbor_decref(&item);
    }
}

/* ---------------------------------------------------------------- validation */

/* Hashed URIs of the claim: v1 "assertions", v2 created + gathered. */
static void check_assertion_hashes(ctx *c, manifest *m, codes *fail)
{
    static const char *const lists[] = {"assertions", "created_assertions",
                                        "gathered_assertions"};
    for (size_t l = 0; l < 3; l++) {
        cbor_item_t *arr = bw__cbor_get(m->item, lists[l]);
        for (size_t i = 0; arr && cbor_isa_array(arr) && i < cbor_array_size(arr); i++) {
            cbor_item_t *u = cbor_array_handle(arr)[i];
            char *url = bw__cbor_text(bw__cbor_get(u, "url"));
            char *alg = bw__cbor_text(bw__cbor_get(u, "alg"));
            size_t hl, n;
            const uint8_t *want = bw__cbor_bytes(bw__cbor_get(u, "hash"), &hl);
            const bw__jbox *a = url ? resolve(c, m, url) : NULL;
            uint8_t got[64];
            if (!a) {
                add_code(c, fail, "assertion.missing");
            } else if (!bw__c2pa_md(alg ? alg : m->alg)) {
                add_code(c, fail, "algorithm.unsupported");
            } else if (!want || !(n = bw__c2pa_digest(alg ? alg : m->alg, a->data, a->data_len, got)) ||
                       n != hl || memcmp(got, want, n) != 0) {
                /* Pre-1.0 stores hashed the assertion's content only. */
                const bw__jbox *content = a->nkids ? &a->kids[a->nkids - 1] : NULL;
                if (want && content &&
                    (n = bw__c2pa_digest(alg ? alg : m->alg, content->data, content->data_len, got)) &&
                    n == hl && memcmp(got, want, n) == 0)
                    m->prerelease = 1;
                else
                    add_code(c, fail, "assertion.hashedURI.mismatch");
            }
            free(url);
            free(alg);
        }
    }
}

static void check_hard_binding(ctx *c, const manifest *m, codes *fail)
{
    int found = 0;
    for (size_t i = 0; m->assertions && i < m->assertions->nkids; i++) {
        const bw__jbox *a = &m->assertions->kids[i];
        cbor_item_t *item;
        bw__hash_result r;
        const char *code;
        int extra = 0;
        if (!a->has_label)
            continue;
        if (label_is(a->label, "c2pa.hash.data"))
            code = "assertion.dataHash.mismatch";
        else if (label_is(a->label, "c2pa.hash.boxes"))
            code = "assertion.boxesHash.mismatch";
        else if (label_is(a->label, "c2pa.hash.bmff") || label_is(a->label, "c2pa.hash.bmff.v2") ||
                 label_is(a->label, "c2pa.hash.bmff.v3"))
            code = "assertion.bmffHash.mismatch";
        else
            continue;
        found = 1;
        if (!(item = assertion_cbor(c, a))) {
            add_code(c, fail, "assertion.cbor.invalid");
            continue;
        }
        if (code[10] == 'd')
            r = bw__c2pa_data_hash(item, m->alg, c->asset, c->asset_len);
        else if (code[10] == 'o')
            r = bw__c2pa_box_hash(item, m->alg, c->asset, c->asset_len, c->fmt);
        else
            r = bw__c2pa_bmff_hash(item, m->alg,
                                   label_is(a->label, "c2pa.hash.bmff.v3")   ? 3
                                   : label_is(a->label, "c2pa.hash.bmff.v2") ? 2
                                                                             : 1,
                                   c->asset, c->asset_len, &extra);
        if (r == BW__HASH_MISMATCH || r == BW__HASH_MALFORMED)
            add_code(c, fail, code);
        else if (r == BW__HASH_UNSUPPORTED)
            add_code(c, fail, "algorithm.unsupported");
        cbor_decref(&item);
    }
    if (!found)
        add_code(c, fail, "claim.hardBindings.missing");
}

/* CAWG identity assertions signed with X.509: bulwark has no CAWG trust
 * list, so their credentials are reported untrusted (a tolerated code). */
static void check_cawg(ctx *c, const manifest *m, codes *fail)
{
    for (size_t i = 0; m->assertions && i < m->assertions->nkids; i++) {
        const bw__jbox *a = &m->assertions->kids[i];
        cbor_item_t *item;
        if (!a->has_label || !label_is(a->label, "cawg.identity"))
            continue;
        if (!(item = assertion_cbor(c, a)))
            continue;
        if (bw__cbor_text_is(bw__cbor_get(bw__cbor_get(item, "signer_payload"), "sig_type"),
                             "cawg.x509.cose"))
            add_code(c, fail, "cawg.x509.credential.untrusted");
        cbor_decref(&item);
    }
}

static void check_manifest(ctx *c, manifest *m, int active, codes *fail, uint32_t depth);

/* Ingredient assertions: the manifests they name, checked in turn. */
static void check_ingredients(ctx *c, manifest *m, codes *fail, uint32_t depth)
{
    for (size_t i = 0; m->assertions && i < m->assertions->nkids; i++) {
        const bw__jbox *a = &m->assertions->kids[i];
        cbor_item_t *item, *ref, *vs, *vr;
        char *url;
        char label[256];
        manifest *im;
        if (!a->has_label || strncmp(a->label, "c2pa.ingredient", 15) != 0)
            continue;
        if (!(item = assertion_cbor(c, a)))
            continue;
        /* statuses the ingredient assertion already records */
        if (!(vs = bw__cbor_get(item, "validation_status")))
            vs = bw__cbor_get(item, "validationStatus");
        for (size_t k = 0; vs && cbor_isa_array(vs) && k < cbor_array_size(vs); k++) {
            char *code = bw__cbor_text(bw__cbor_get(cbor_array_handle(vs)[k], "code"));
            if (code)
                add_code(c, &c->recorded, code);
            free(code);
        }
        vr = bw__cbor_get(item, "validationResults");
        if (vr) {
            static const char *const parts[] = {"success", "informational", "failure"};
            cbor_item_t *am = bw__cbor_get(vr, "activeManifest");
            for (size_t k = 0; k < 3; k++) {
                cbor_item_t *arr = bw__cbor_get(am, parts[k]);
                for (size_t j = 0; arr && cbor_isa_array(arr) && j < cbor_array_size(arr); j++) {
                    char *code = bw__cbor_text(bw__cbor_get(cbor_array_handle(arr)[j], "code"));
                    if (code)
                        add_code(c, &c->recorded, code);
                    free(code);
                }
            }
        }
        ref = bw__cbor_get(item, "c2pa_manifest");
        if (!ref)
            ref = bw__cbor_get(item, "activeManifest");
        url = bw__cbor_text(bw__cbor_get(ref, "url"));
        if (url) {
            uri_manifest_label(url, label, sizeof label);
            if (!(im = find_manifest(c, label))) {
                add_code(c, fail, "ingredient.manifest.missing");
            } else {
                char *alg = bw__cbor_text(bw__cbor_get(ref, "alg"));
                size_t hl, n;
                const uint8_t *want = bw__cbor_bytes(bw__cbor_get(ref, "hash"), &hl);
                uint8_t got[64];
                n = bw__c2pa_digest(alg ? alg : (im->alg ? im->alg : m->alg), im->box->data,
                                    im->box->data_len, got);
                /* Before 1.3 the hash was of the claim bytes instead. */
                if (!want || !n || n != hl || memcmp(got, want, n) != 0) {
                    n = bw__c2pa_digest(alg ? alg : (im->alg ? im->alg : m->alg), im->claim,
                                        im->claim_len, got);
                    if (!want || !n || n != hl || memcmp(got, want, n) != 0)
                        add_code(c, fail, "ingredient.manifest.mismatch");
                }
                free(alg);
                if (!im->visited)
                    check_manifest(c, im, 0, &c->ingr, depth + 1);
            }
        }
        free(url);
        cbor_decref(&item);
    }
}

static void check_manifest(ctx *c, manifest *m, int active, codes *fail, uint32_t depth)
{
    const bw__jbox *sb, *cb;
    bw__sig_check sig;
    m->visited = 1;
    if (depth > c->nm) /* every manifest is visited once: cannot happen */
        return;
    if (m->prerelease) {
        add_code(c, fail, "com.adobe.prerelease");
        return;
    }
    if (!m->item) {
        add_code(c, fail, m->claim ? "claim.malformed" : "claim.missing");
        return;
    }
    if (!m->alg) {
        add_code(c, fail, "algorithm.unsupported");
        return;
    }
    sb = bw__jumbf_child(m->box, "c2pa.signature");
    cb = bw__jumbf_content(sb, BW__FOURCC('c', 'b', 'o', 'r'));
    memset(&sig, 0, sizeof sig);
    if (!cb) {
        add_code(c, fail, "claimSignature.missing");
    } else {
        bw__cose_verify(cb->data, cb->data_len, m->claim, m->claim_len, &c->trust,
                        bw__limits(c->lim)->max_cbor_depth, &sig);
        if (sig.alg_unsupported)
            add_code(c, fail, "algorithm.unsupported");
        else if (!sig.parsed)
            add_code(c, fail, "signingCredential.invalid");
        else if (!sig.signature_ok)
            add_code(c, fail, "claimSignature.mismatch");
        if (sig.parsed && sig.expired)
            add_code(c, fail, "signingCredential.expired");
        if (sig.parsed && !sig.trusted)
            add_code(c, fail, "signingCredential.untrusted");
    }
    if (active)
        c->sig = sig;
    check_assertion_hashes(c, m, fail);
    if (m->prerelease) {
        add_code(c, fail, "com.adobe.prerelease");
        return;
    }
    if (active)
        check_hard_binding(c, m, fail);
    check_cawg(c, m, fail);
    read_actions(c, m); /* the active manifest's actions come first */
    check_ingredients(c, m, fail, depth);
}

static int tolerated(const char *code)
{
    return strcmp(code, "signingCredential.untrusted") == 0 || strncmp(code, "cawg.", 5) == 0;
}

/* ---------------------------------------------------------------- results */

static char *claim_generator(const manifest *m)
{
    char buf[512];
    size_t len = 0;
    cbor_item_t *info;
    char *s = bw__cbor_text(bw__cbor_get(m->item, "claim_generator"));
    if (s)
        return s;
    info = bw__cbor_get(m->item, "claim_generator_info");
    buf[0] = '\0';
    for (size_t i = 0; info && i < (cbor_isa_array(info) ? cbor_array_size(info) : 1); i++) {
        cbor_item_t *e = cbor_isa_array(info) ? cbor_array_handle(info)[i] : info;
        char *name = bw__cbor_text(bw__cbor_get(e, "name"));
        char *ver = bw__cbor_text(bw__cbor_get(e, "version"));
        if (name && len < sizeof buf) {
            int w = snprintf(buf + len, sizeof buf - len, "%s%s%s%s", len ? " " : "", name,
                             ver ? "/" : "", ver ? ver : "");
            len = w > 0 ? len + (size_t)w : len;
        }
        free(name);
        free(ver);
    }
    return buf[0] ? bw__strdup(buf) : NULL;
}

static void set_error(ctx *c, const char *msg)
{
    free(c->p->c2pa.error);
    if (!(c->p->c2pa.error = bw__strdup(msg)))
        c->nomem = 1;
}

static void finish(ctx *c)
{
    bw_c2pa_info *info = &c->p->c2pa;
    codes delta = {0};
    int ok_tolerated = 1, any_fail;
    char detail[768], *gen;
    const char *state;

    for (size_t i = 0; i < c->ingr.n; i++)
        if (!has_code(&c->recorded, c->ingr.v[i]) && !has_code(&c->active, c->ingr.v[i]))
            add_code(c, &delta, c->ingr.v[i]);
    for (size_t i = 0; i < c->active.n; i++)
        ok_tolerated &= tolerated(c->active.v[i]);
    for (size_t i = 0; i < delta.n; i++)
        ok_tolerated &= tolerated(delta.v[i]);
    any_fail = c->active.n + delta.n > 0;
    if (c->sig.signature_ok && c->sig.in_validity && ok_tolerated)
        info->validation = c->sig.trusted && !any_fail ? BW_C2PA_TRUSTED : BW_C2PA_VALID;
    else
        info->validation = BW_C2PA_INVALID;
    for (size_t i = 0; i < c->active.n; i++)
        if (bw__prov_add_string(&info->status_codes, &info->n_status_codes, c->active.v[i]))
            c->nomem = 1;
    for (size_t i = 0; i < delta.n; i++)
        if (!has_code(&c->active, delta.v[i]) &&
            bw__prov_add_string(&info->status_codes, &info->n_status_codes, delta.v[i]))
            c->nomem = 1;
    free_codes(&delta);

    state = bw_c2pa_validation_name(info->validation);
    gen = c->agent ? c->agent : info->claim_generator;
    if (c->ai_dst)
        snprintf(detail, sizeof detail, "C2PA manifest (%s%s%s): %s %s", state,
                 c->sig.signer[0] ? ", signed by " : "", c->sig.signer,
                 c->ai_action ? c->ai_action : "action", c->ai_dst);
    else if (info->n_digital_source_types)
        snprintf(detail, sizeof detail, "C2PA manifest (%s%s%s): digitalSourceType %s", state,
                 c->sig.signer[0] ? ", signed by " : "", c->sig.signer,
                 dst_short(info->digital_source_types[0]));
    else
        snprintf(detail, sizeof detail, "C2PA manifest (%s%s%s)%s%s", state,
                 c->sig.signer[0] ? ", signed by " : "", c->sig.signer,
                 info->error ? ": " : "", info->error ? info->error : "");
    if (bw__prov_add_signal(c->p, BW_SIGNAL_C2PA, gen, detail,
                            info->validation == BW_C2PA_VALID ||
                                info->validation == BW_C2PA_TRUSTED,
                            c->ai_dst != NULL, NULL) != BW_OK)
        c->nomem = 1;
}

bw_status bw__prov_c2pa(const uint8_t *data, size_t len, bw_format fmt,
                        const bw_provenance_opts *opts, bw_provenance *p)
{
    ctx c;
    bw__c2pa_found f;
    bw_error e;
    bw_status st;
    const uint8_t *store;
    size_t store_len;
    int sidecar_only;

    memset(&c, 0, sizeof c);
    c.p = p;
    c.fmt = fmt;
    c.lim = opts->limits;
    bw_error_clear(&e);
    st = bw__c2pa_locate(data, len, fmt, c.lim, &f, &e);
    if (st == BW_ERR_NOMEM)
        return st;
    if (f.remote_url && !(p->c2pa.remote_url = bw__strdup(f.remote_url))) {
        bw__c2pa_found_free(&f);
        return BW_ERR_NOMEM;
    }
    /* An asset's own store wins; else a sidecar given by the caller. */
    store = f.jumbf;
    store_len = f.jumbf_len;
    sidecar_only = strcmp(f.location ? f.location : "", "sidecar") == 0;
    if (!store && opts->sidecar && st == BW_OK) {
        store = opts->sidecar;
        store_len = opts->sidecar_len;
        f.location = "sidecar";
    }
    if (!store && st == BW_OK) {
        if (f.remote_url) {
            char detail[600];
            snprintf(detail, sizeof detail,
                     "remote C2PA manifest referenced in XMP (not fetched): %s", f.remote_url);
            st = bw__prov_add_signal(p, BW_SIGNAL_C2PA, NULL, detail, 0, 0, NULL);
        }
        bw__c2pa_found_free(&f);
        return st;
    }
    /* The bytes the hard binding covers: the asset, unless the input
     * itself is a bare store. */
    c.asset = sidecar_only ? NULL : data;
    c.asset_len = sidecar_only ? 0 : len;

    p->c2pa.present = 1;
    if (!(p->c2pa.location = bw__strdup(f.location ? f.location : "unknown")))
        c.nomem = 1;
    if (st != BW_OK) { /* the store exceeds a limit: reported, not fatal */
        set_error(&c, bw_error_message(&e));
        add_code(&c, &c.active, "general.error");
        finish(&c);
        st = BW_OK;
        goto out;
    }
    if ((st = bw__trust_load(opts, &c.trust, &e)) != BW_OK) {
        set_error(&c, bw_error_message(&e));
        p->c2pa.validation = BW_C2PA_INVALID;
        st = BW_OK;
        goto out;
    }
    if (bw__jumbf_parse(store, store_len, c.lim, &c.root, &e) != BW_OK) {
        set_error(&c, bw_error_message(&e));
        add_code(&c, &c.active, "general.error");
        finish(&c);
        goto out;
    }
    if (!load_manifests(&c) || c.nm == 0) {
        set_error(&c, "JUMBF is not a C2PA manifest store");
        add_code(&c, &c.active, "claim.missing");
        finish(&c);
        goto out;
    }
    {
        manifest *act = &c.m[c.nm - 1];
        p->c2pa.manifest_count = c.nm;
        if (act->item && !(p->c2pa.claim_generator = claim_generator(act)) &&
            (bw__cbor_get(act->item, "claim_generator") ||
             bw__cbor_get(act->item, "claim_generator_info")))
            c.nomem = 1;
        check_manifest(&c, act, 1, &c.active, 0);
        if (act->prerelease)
            set_error(&c, "pre-release (pre-1.0) C2PA manifest store");
        else if (act->item && !act->alg)
            set_error(&c, "the claim names no hash algorithm");
        else if (!act->item)
            set_error(&c, "the claim could not be decoded");
        finish(&c);
    }
out:
    for (size_t i = 0; i < c.nm; i++) {
        if (c.m[i].item)
            cbor_decref(&c.m[i].item);
        free(c.m[i].alg);
    }
    free(c.m);
    bw__jumbf_free(c.root);
    bw__trust_free(&c.trust);
    free_codes(&c.active);
    free_codes(&c.ingr);
    free_codes(&c.recorded);
    free(c.agent);
    free(c.ai_action);
    free(c.ai_dst);
    bw__c2pa_found_free(&f);
    if (c.nomem)
        return BW_ERR_NOMEM;
    return st;
}
