/* cose.c -- the C2PA claim signature: COSE_Sign1 (RFC 9052) with an
 * X.509 chain, checked with OpenSSL 3.
 *
 * A C2PA signature box holds COSE_Sign1 = [protected (bstr of a map),
 * unprotected (map), payload (nil: detached), signature]. The payload is
 * the claim's CBOR bytes; what was signed is the CBOR array
 * ["Signature1", protected, h'' (external_aad), claim]. The algorithm is
 * COSE label 1 (PS256/384/512, ES256/384/512, EdDSA); the chain is label
 * 33 (x5chain), in the protected header, or in old manifests the text
 * label "x5chain" in the unprotected one. ECDSA signatures are raw r|s and
 * are turned into DER for OpenSSL; RSA-PSS uses MGF1 with the same hash
 * and a salt as long as the hash.
 *
 * The certificate is then judged at the signing time (the RFC 3161 token
 * in sigTst/sigTst2 when there is one, else now): inside its validity,
 * chaining to a --trust anchor, with an allowed extended key usage
 * (store.cfg, or the C2PA defaults). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "core/internal.h"
#include "provenance/c2pa/c2pa_internal.h"

/* ---------------------------------------------------------------- trust list */

/* The extended key usages C2PA allows a signer by default. */
static const char *const default_ekus[] = {
    "1.3.6.1.5.5.7.3.4",         /* id-kp-emailProtection */
    "1.3.6.1.5.5.7.3.36",        /* id-kp-documentSigning */
    "1.3.6.1.5.5.7.3.8",         /* id-kp-timeStamping */
    "1.3.6.1.5.5.7.3.9",         /* id-kp-OCSPSigning */
    "1.3.6.1.4.1.311.76.59.1.9", /* Microsoft C2PA signing */
    "1.3.6.1.4.1.62558.2.1",     /* C2PA signing */
};

static bw_status add_eku(bw__trust *t, const char *oid, size_t n)
{
    char **g = bw__realloc(t->ekus, (t->n_ekus + 1) * sizeof *g);
    if (!g)
        return BW_ERR_NOMEM;
    t->ekus = g;
    if (!(g[t->n_ekus] = bw__strndup(oid, n)))
        return BW_ERR_NOMEM;
    t->n_ekus++;
    return BW_OK;
}

bw_status bw__trust_load(const bw_provenance_opts *opts, bw__trust *t, bw_error *err)
{
    memset(t, 0, sizeof *t);
    if (opts->trust_pem) {
        X509_STORE *s = X509_STORE_new();
        if (!s)
            return bw__fail(err, BW_ERR_NOMEM, "out of memory loading the trust list");
        if (X509_STORE_load_file(s, opts->trust_pem) != 1) {
            X509_STORE_free(s);
            return bw__fail(err, BW_ERR_ARG, "cannot read trust anchors from %s",
                            opts->trust_pem);
        }
        t->store = s;
    }
    if (opts->trust_config) {
        FILE *f = fopen(opts->trust_config, "r");
        char line[512];
        if (!f) {
            bw__trust_free(t);
            return bw__fail(err, BW_ERR_ARG, "cannot read trust config %s", opts->trust_config);
        }
        while (fgets(line, sizeof line, f)) {
            char *p = line, *e;
            while (*p == ' ' || *p == '\t')
                p++;
            if (p[0] == '/' && p[1] == '/')
                continue;
            for (e = p; (*e >= '0' && *e <= '9') || *e == '.'; e++)
                ;
            if (e == p)
                continue;
            if (add_eku(t, p, (size_t)(e - p)) != BW_OK) {
                fclose(f);
                bw__trust_free(t);
                return bw__fail(err, BW_ERR_NOMEM, "out of memory loading the trust config");
            }
        }
        fclose(f);
    } else {
        for (size_t i = 0; i < sizeof default_ekus / sizeof *default_ekus; i++)
            if (add_eku(t, default_ekus[i], strlen(default_ekus[i])) != BW_OK) {
                bw__trust_free(t);
                return bw__fail(err, BW_ERR_NOMEM, "out of memory");
            }
    }
    return BW_OK;
}

void bw__trust_free(bw__trust *t)
{
    if (!t)
        return;
    X509_STORE_free(t->store);
    for (size_t i = 0; i < t->n_ekus; i++)
        free(t->ekus[i]);
    free(t->ekus);
    memset(t, 0, sizeof *t);
}

/* ---------------------------------------------------------------- helpers */

/* CBOR head for a byte/text string of n bytes (major 2 or 3). */
static size_t cbor_head(uint8_t major, uint64_t n, uint8_t *out)
{
    out[0] = (uint8_t)(major << 5);
    if (n < 24) {
        out[0] |= (uint8_t)n;
        return 1;
    }
    if (n <= 0xFF) {
        out[0] |= 24;
        out[1] = (uint8_t)n;
        return 2;
    }
    if (n <= 0xFFFF) {
        out[0] |= 25;
        out[1] = (uint8_t)(n >> 8);
        out[2] = (uint8_t)n;
        return 3;
    }
    if (n <= 0xFFFFFFFFu) {
        out[0] |= 26;
        for (int i = 0; i < 4; i++)
            out[1 + i] = (uint8_t)(n >> (24 - 8 * i));
        return 5;
    }
    out[0] |= 27;
    for (int i = 0; i < 8; i++)
        out[1 + i] = (uint8_t)(n >> (56 - 8 * i));
    return 9;
}

/* ["Signature1", protected, h'', payload] as CBOR (malloc'd). */
static uint8_t *sig_structure(const uint8_t *prot, size_t plen, const uint8_t *payload,
                              size_t paylen, size_t *outlen)
{
    uint8_t *b = bw__malloc(1 + 11 + 9 + plen + 1 + 9 + paylen), *p = b;
    if (!b)
        return NULL;
    *p++ = 0x84;
    *p++ = 0x6A;
    memcpy(p, "Signature1", 10);
    p += 10;
    p += cbor_head(2, plen, p);
    memcpy(p, prot, plen);
    p += plen;
    *p++ = 0x40;
    p += cbor_head(2, paylen, p);
    memcpy(p, payload, paylen);
    p += paylen;
    *outlen = (size_t)(p - b);
    return b;
}

/* Raw r|s into a DER ECDSA-Sig-Value (malloc'd). */
static uint8_t *ecdsa_der(const uint8_t *sig, size_t len, size_t *outlen)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, (int)(len / 2), NULL), *s = BN_bin2bn(sig + len / 2, (int)(len / 2), NULL);
    uint8_t *der = NULL;
    int n;
    if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(es);
        return NULL;
    }
    n = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    if (n <= 0)
        return NULL;
    *outlen = (size_t)n;
    return der;
}

/* Verify sig over msg with key, COSE algorithm alg. 1: good. */
static int verify_sig(EVP_PKEY *key, int64_t alg, const uint8_t *msg, size_t mlen,
                      const uint8_t *sig, size_t slen)
{
    const EVP_MD *md = NULL;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    uint8_t *der = NULL;
    int ok = 0, pss = 0, ec = 0;
    switch (alg) {
    case -37: md = EVP_sha256(); pss = 1; break;
    case -38: md = EVP_sha384(); pss = 1; break;
    case -39: md = EVP_sha512(); pss = 1; break;
    case -7: md = EVP_sha256(); ec = 1; break;
    case -35: md = EVP_sha384(); ec = 1; break;
    case -36: md = EVP_sha512(); ec = 1; break;
    case -8: break;
    default: goto done;
    }
    if (!c || EVP_DigestVerifyInit(c, &pc, md, NULL, key) != 1)
        goto done;
    if (pss && (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) != 1 ||
                EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) != 1 ||
                EVP_PKEY_CTX_set_rsa_mgf1_md(pc, md) != 1))
        goto done;
    if (ec) {
        size_t dl;
        if (slen == 0 || (slen & 1) || !(der = ecdsa_der(sig, slen, &dl)))
            goto done;
        sig = der;
        slen = dl;
    }
    ok = EVP_DigestVerify(c, sig, slen, msg, mlen) == 1;
done:
    OPENSSL_free(der);
    EVP_MD_CTX_free(c);
    return ok;
}

/* The x5chain value: one bstr or an array of them, leaf first. */
static STACK_OF(X509) *read_chain(const cbor_item_t *v)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    size_t n = 1;
    if (!sk || !v)
        goto bad;
    if (cbor_isa_array(v))
        n = cbor_array_size(v);
    for (size_t i = 0; i < n; i++) {
        const cbor_item_t *it = cbor_isa_array(v) ? cbor_array_handle(v)[i] : v;
        size_t len;
        const uint8_t *der = bw__cbor_bytes(it, &len), *p = der;
        X509 *x;
        if (!der || !(x = d2i_X509(NULL, &p, (long)len)))
            goto bad;
        if (!sk_X509_push(sk, x)) {
            X509_free(x);
            goto bad;
        }
    }
    if (sk_X509_num(sk) > 0)
        return sk;
bad:
    sk_X509_pop_free(sk, X509_free);
    return NULL;
}

/* Generation time of the first RFC 3161 token in sigTst/sigTst2. A v2
 * token (sigTst2) is only believed when its TSA chains to a trust anchor
 * (as c2pa-rs does; otherwise timeStamp.untrusted and the time is not used);
 * v1 tokens (sigTst) are taken as they are. */
static int timestamp_time(const cbor_item_t *hdr, const bw__trust *trust, time_t *when)
{
    static const char *const keys[] = {"sigTst", "sigTst2"};
    for (size_t k = 0; k < 2; k++) {
        cbor_item_t *tst = bw__cbor_get(hdr, keys[k]);
        cbor_item_t *toks = bw__cbor_get(tst, "tstTokens");
        if (!toks || !cbor_isa_array(toks) || cbor_array_size(toks) == 0)
            continue;
        {
            size_t len;
            const uint8_t *der =
                bw__cbor_bytes(bw__cbor_get(cbor_array_handle(toks)[0], "val"), &len);
            const uint8_t *p = der;
            PKCS7 *p7 = NULL;
            TS_RESP *resp = NULL;
            TS_TST_INFO *info = NULL;
            struct tm tm;
            int ok = 0;
            if (!der)
                continue;
            /* a TimeStampResp (sigTst) or the bare token, a ContentInfo */
            if ((resp = d2i_TS_RESP(NULL, &p, (long)len)))
                info = TS_RESP_get_tst_info(resp);
            else if ((p = der, p7 = d2i_PKCS7(NULL, &p, (long)len)))
                info = PKCS7_to_TS_TST_INFO(p7);
            if (info && k == 1) {
                BIO *out = BIO_new(BIO_s_null());
                if (!trust->store || !out ||
                    PKCS7_verify(p7, NULL, trust->store, NULL, out, PKCS7_BINARY) != 1) {
                    TS_TST_INFO_free(info);
                    info = NULL;
                }
                BIO_free(out);
                ERR_clear_error();
            }
            if (info) {
                const ASN1_GENERALIZEDTIME *gt = TS_TST_INFO_get_time(info);
                if (gt && ASN1_TIME_to_tm(gt, &tm) == 1) {
                    *when = timegm(&tm);
                    ok = 1;
                }
            }
            if (p7)
                TS_TST_INFO_free(info);
            TS_RESP_free(resp);
            PKCS7_free(p7);
            if (ok)
                return 1;
        }
    }
    return 0;
}

static void name_field(X509_NAME *n, int nid, char *out, size_t cap)
{
    out[0] = '\0';
    if (n && X509_NAME_get_text_by_NID(n, nid, out, (int)cap) < 0)
        out[0] = '\0';
}

static int eku_allowed(X509 *x, const bw__trust *t)
{
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
    int ok = 0;
    if (!eku)
        return 0;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku) && !ok; i++) {
        char oid[128];
        OBJ_obj2txt(oid, sizeof oid, sk_ASN1_OBJECT_value(eku, i), 1);
        for (size_t k = 0; k < t->n_ekus && !ok; k++)
            ok = strcmp(oid, t->ekus[k]) == 0;
    }
    EXTENDED_KEY_USAGE_free(eku);
    return ok;
}

static int chain_trusted(STACK_OF(X509) *chain, const bw__trust *t, time_t when)
{
    X509_STORE_CTX *ctx;
    STACK_OF(X509) *rest;
    int ok = 0;
    if (!t->store || !(ctx = X509_STORE_CTX_new()))
        return 0;
    rest = sk_X509_dup(chain);
    if (rest)
        (void)sk_X509_shift(rest);
    if (rest && X509_STORE_CTX_init(ctx, t->store, sk_X509_value(chain, 0), rest) == 1) {
        X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
        X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
        X509_VERIFY_PARAM_set_time(vp, when);
        ok = X509_verify_cert(ctx) == 1;
    }
    sk_X509_free(rest);
    X509_STORE_CTX_free(ctx);
    return ok;
}

/* ---------------------------------------------------------------- verify */

void bw__cose_verify(const uint8_t *sig, size_t sig_len, const uint8_t *claim, size_t claim_len,
                     const bw__trust *trust, uint32_t max_depth, bw__sig_check *out)
{
    cbor_item_t *root = bw__cbor_decode(sig, sig_len, max_depth, 1, NULL), *arr;
    cbor_item_t *prot_map = NULL, *unprot, *x5 = NULL;
    const uint8_t *prot, *signature;
    size_t plen, slen, tbs_len;
    int64_t alg;
    STACK_OF(X509) *chain = NULL;
    EVP_PKEY *key;
    uint8_t *tbs = NULL;
    time_t when = time(NULL);
    X509 *leaf;

    memset(out, 0, sizeof *out);
    if (!root)
        return;
    arr = bw__cbor_untag(root);
    if (!cbor_isa_array(arr) || cbor_array_size(arr) != 4)
        goto done;
    prot = bw__cbor_bytes(cbor_array_handle(arr)[0], &plen);
    unprot = cbor_array_handle(arr)[1];
    signature = bw__cbor_bytes(cbor_array_handle(arr)[3], &slen);
    if (!prot || !signature || !cbor_isa_map(unprot))
        goto done;
    if (plen && !(prot_map = bw__cbor_decode(prot, plen, max_depth, 0, NULL)))
        goto done;
    if (!bw__cbor_int(bw__cbor_get_int(prot_map, 1), &alg)) {
        out->alg_unsupported = 1;
        goto done;
    }
    if (alg != -37 && alg != -38 && alg != -39 && alg != -7 && alg != -35 && alg != -36 &&
        alg != -8) {
        out->alg_unsupported = 1;
        goto done;
    }
    if (!(x5 = bw__cbor_get_int(prot_map, 33)) && !(x5 = bw__cbor_get_int(unprot, 33)))
        x5 = bw__cbor_get(unprot, "x5chain");
    if (!(chain = read_chain(x5)))
        goto done;
    out->parsed = 1;
    leaf = sk_X509_value(chain, 0);
    name_field(X509_get_subject_name(leaf), NID_commonName, out->signer, sizeof out->signer);
    name_field(X509_get_issuer_name(leaf), NID_organizationName, out->issuer, sizeof out->issuer);
    if (!(tbs = sig_structure(prot, plen, claim, claim_len, &tbs_len)))
        goto done;
    if ((key = X509_get0_pubkey(leaf)))
        out->signature_ok = verify_sig(key, alg, tbs, tbs_len, signature, slen);
    if (timestamp_time(unprot, trust, &when) || timestamp_time(prot_map, trust, &when))
        out->has_timestamp = 1;
    out->in_validity = X509_cmp_time(X509_get0_notBefore(leaf), &when) < 0 &&
                       X509_cmp_time(X509_get0_notAfter(leaf), &when) > 0;
    out->expired = !out->in_validity;
    out->eku_ok = eku_allowed(leaf, trust);
    out->trusted = out->eku_ok && chain_trusted(chain, trust, when);
done:
    free(tbs);
    sk_X509_pop_free(chain, X509_free);
    if (prot_map)
        cbor_decref(&prot_map);
    cbor_decref(&root);
}
