/* c2pa_internal.h -- the pieces of the C2PA reader and how they fit.
 *
 *   c2pa_locate.c  find the manifest store in a container (JPEG APP11,
 *                  PNG caBX, RIFF C2PA, ISO-BMFF uuid, bare JUMBF) and the
 *                  XMP remote-manifest reference
 *   jumbf.c        JUMBF boxes (ISO 19566-5) into a bounded tree
 *   cbor_util.c    a depth/length skimmer run before libcbor, and lookups
 *   c2pa_hash.c    hard bindings: c2pa.hash.data, .boxes, .bmff.v2/v3
 *   cose.c         COSE_Sign1 over the claim, x5chain, trust list, EKUs
 *   c2pa.c         the manifest store: claims, assertions, ingredients,
 *                  validation outcome and status codes (bw__prov_c2pa) */
#ifndef BW_C2PA_INTERNAL_H
#define BW_C2PA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cbor.h>
#include "bulwark/provenance.h"
#include "bulwark/image.h"
#include "core/bytes.h"

/* ---------------------------------------------------------------- JUMBF */

#define BW__FOURCC(a, b, c, d) \
    ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* One box. A superbox ("jumb") has its description (uuid, label, salt)
 * filled and its children (content boxes and nested superboxes) listed. */
typedef struct bw__jbox {
    uint32_t type;
    const uint8_t *box;      /* the whole box, header included */
    size_t box_len;
    const uint8_t *data;     /* the payload after the header */
    size_t data_len;
    /* superboxes only */
    uint8_t uuid[16];
    char label[256];         /* "" when none; truncated labels never match */
    int has_label;
    struct bw__jbox *kids;   /* boxes after the description box */
    size_t nkids;
} bw__jbox;

/* Parse a JUMBF superbox that fills data[0..len). *root (and all its
 * kids) is one allocation per node; free with bw__jumbf_free. Returns
 * BW_ERR_TRUNCATED / BW_ERR_CORRUPT / BW_ERR_LIMIT with a message. */
bw_status bw__jumbf_parse(const uint8_t *data, size_t len, const bw_limits *lim,
                          bw__jbox **root, bw_error *err);
void bw__jumbf_free(bw__jbox *root);

/* The first child superbox whose label is label (NULL: none). */
const bw__jbox *bw__jumbf_child(const bw__jbox *super, const char *label);
/* The first content box (not a superbox) of type (NULL: none). */
const bw__jbox *bw__jumbf_content(const bw__jbox *super, uint32_t type);
/* The superbox's UUID starts with these four bytes ("c2pa", "c2ma", ...). */
int bw__jumbf_is(const bw__jbox *super, const char *four);

/* ---------------------------------------------------------------- CBOR */

/* Walk one CBOR item iteratively: nesting at most max_depth, every
 * declared length within the bytes. *used = the item's size. Run before
 * cbor_load (libcbor recurses and trusts declared counts). */
bw_status bw__cbor_skim(const uint8_t *data, size_t len, uint32_t max_depth, size_t *used,
                        bw_error *err);
/* Skim then decode exactly one item filling len bytes (or a prefix when
 * allow_trailing). NULL on failure with err set. */
cbor_item_t *bw__cbor_decode(const uint8_t *data, size_t len, uint32_t max_depth,
                             int allow_trailing, bw_error *err);

/* Map lookups by text key (NULL when absent or not a map). */
cbor_item_t *bw__cbor_get(const cbor_item_t *map, const char *key);
/* Map lookup by integer key (COSE labels, possibly negative). */
cbor_item_t *bw__cbor_get_int(const cbor_item_t *map, int64_t key);
/* A definite text string as a malloc'd C string (NULL otherwise). */
char *bw__cbor_text(const cbor_item_t *item);
/* Text item equals s. */
int bw__cbor_text_is(const cbor_item_t *item, const char *s);
/* A definite byte string's bytes (NULL otherwise). */
const uint8_t *bw__cbor_bytes(const cbor_item_t *item, size_t *len);
/* An unsigned or negative integer into *v; 0 when not an integer. */
int bw__cbor_int(const cbor_item_t *item, int64_t *v);
/* Strip any tags. */
cbor_item_t *bw__cbor_untag(cbor_item_t *item);

/* ---------------------------------------------------------------- locate */

typedef struct bw__c2pa_found {
    const uint8_t *jumbf;    /* the manifest store (JUMBF superbox) */
    size_t jumbf_len;
    uint8_t *owned;          /* when reassembled (JPEG): free this */
    const char *location;    /* "jpeg-app11", "png-caBX", ... */
    char *remote_url;        /* XMP dcterms:provenance, malloc'd */
    const char *damage;      /* the container was damaged around the store */
} bw__c2pa_found;

/* Find the store. BW_OK with jumbf == NULL: none. Damaged containers give
 * BW_OK with found->damage set, or an error for limits. */
bw_status bw__c2pa_locate(const uint8_t *data, size_t len, bw_format fmt, const bw_limits *lim,
                          bw__c2pa_found *found, bw_error *err);
void bw__c2pa_found_free(bw__c2pa_found *found);

/* Is the file ISO-BMFF (an "ftyp" first box)? */
int bw__is_bmff(const uint8_t *data, size_t len);

/* ---------------------------------------------------------------- hashing */

/* An EVP digest by C2PA name ("sha256", "sha384", "sha512"); NULL if unknown. */
const void *bw__c2pa_md(const char *alg);

typedef enum bw__hash_result {
    BW__HASH_MATCH = 0,
    BW__HASH_MISMATCH,
    BW__HASH_MALFORMED,      /* the assertion does not describe a usable hash */
    BW__HASH_UNSUPPORTED     /* an algorithm or feature we do not check */
} bw__hash_result;

/* Verify a hard binding of the asset. asset may be NULL (store read
 * alone): then the binding cannot match. */
bw__hash_result bw__c2pa_data_hash(const cbor_item_t *a, const char *claim_alg,
                                   const uint8_t *asset, size_t len);
bw__hash_result bw__c2pa_box_hash(const cbor_item_t *a, const char *claim_alg,
                                  const uint8_t *asset, size_t len, bw_format fmt);
bw__hash_result bw__c2pa_bmff_hash(const cbor_item_t *a, const char *claim_alg, int version,
                                   const uint8_t *asset, size_t len, int *extra_exclusions);

/* Digest of bytes with alg into out (64 bytes); returns length or 0. */
size_t bw__c2pa_digest(const char *alg, const uint8_t *data, size_t len, uint8_t *out);

/* ---------------------------------------------------------------- COSE */

typedef struct bw__trust {
    void *store;             /* X509_STORE of anchors, or NULL: no trust list */
    char **ekus;             /* allowed EKU OIDs */
    size_t n_ekus;
} bw__trust;

bw_status bw__trust_load(const bw_provenance_opts *opts, bw__trust *t, bw_error *err);
void bw__trust_free(bw__trust *t);

/* What verifying one claim signature found. */
typedef struct bw__sig_check {
    int parsed;              /* a COSE_Sign1 with an algorithm we know */
    int alg_unsupported;
    int signature_ok;        /* claimSignature.validated */
    int in_validity;         /* claimSignature.insideValidity */
    int expired;             /* signingCredential.expired */
    int trusted;             /* signingCredential.trusted */
    int eku_ok;
    int has_timestamp;
    char signer[128];        /* subject CN of the signing certificate */
    char issuer[128];        /* its issuer O */
} bw__sig_check;

/* Verify the COSE_Sign1 in sig (the c2pa.signature box payload) over the
 * claim bytes; then the certificate against trust. */
void bw__cose_verify(const uint8_t *sig, size_t sig_len, const uint8_t *claim, size_t claim_len,
                     const bw__trust *trust, uint32_t max_depth, bw__sig_check *out);

#endif
