/* bulwark/provenance.h -- is this image AI-generated, and by what.
 *
 * Examines one file's bytes for every provenance signal bulwark knows:
 * C2PA Content Credentials (read and validated), IPTC/XMP digital source
 * type, generator metadata (PNG text chunks, EXIF), and invisible
 * watermarks. ai_generated is BW_AI_YES only on proof (a valid or trusted
 * C2PA manifest whose digital source type says AI, or a watermark detected
 * above its threshold); BW_AI_CLAIMED when only unsigned generator metadata
 * or a manifest that does not validate says so; otherwise BW_AI_NO_EVIDENCE
 * -- never "real": absence of markers proves nothing. */
#ifndef BULWARK_PROVENANCE_H
#define BULWARK_PROVENANCE_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "limits.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bw_signal_type {
    BW_SIGNAL_C2PA = 0,
    BW_SIGNAL_IPTC,
    BW_SIGNAL_XMP,
    BW_SIGNAL_EXIF,
    BW_SIGNAL_PNG_TEXT,
    BW_SIGNAL_WATERMARK,
    BW_SIGNAL_TYPE_COUNT
} bw_signal_type;

/* "c2pa", "iptc", "xmp", "exif", "png-text", "watermark". */
const char *bw_signal_type_name(bw_signal_type type);

/* One piece of evidence. Strings are owned by the bw_provenance. */
typedef struct bw_signal {
    bw_signal_type type;
    char *generator;   /* the tool or model named, or NULL */
    char *detail;      /* what was found, for people: field, value, score */
    int verified;      /* cryptographically verified (C2PA) / above threshold (watermark) */
    int ai;            /* this signal by itself says "AI-generated" */
    char *prompt;      /* generation prompt text, when the metadata carries one, else NULL */
} bw_signal;

typedef enum bw_c2pa_validation {
    BW_C2PA_NONE = 0,      /* no manifest store, or it could not be read */
    BW_C2PA_INVALID,       /* a hash, signature or credential check failed */
    BW_C2PA_VALID,         /* intact; signer untrusted or no trust list */
    BW_C2PA_TRUSTED        /* intact, signer chains to a --trust anchor */
} bw_c2pa_validation;

/* "none", "invalid", "valid", "trusted". */
const char *bw_c2pa_validation_name(bw_c2pa_validation v);

/* What the C2PA reader found (present == 0: no manifest store). */
typedef struct bw_c2pa_info {
    int present;
    char *location;              /* e.g. "jpeg-app11", "png-caBX", "webp-C2PA", "bmff-uuid", "sidecar" */
    char *remote_url;            /* XMP dcterms:provenance reference (reported, never fetched) */
    size_t manifest_count;
    char *claim_generator;       /* of the active manifest */
    char **digital_source_types; /* from c2pa.actions of the active manifest and ingredients */
    size_t n_digital_source_types;
    bw_c2pa_validation validation;
    char **status_codes;         /* C2PA spec codes of failures, e.g. assertion.dataHash.mismatch */
    size_t n_status_codes;
    char *error;                 /* the store could not be read (e.g. prerelease format) */
} bw_c2pa_info;

/* bw_provenance.ai_generated */
typedef enum bw_ai_generated {
    BW_AI_NO_EVIDENCE = 0, /* nothing says AI */
    BW_AI_YES = 1,         /* proven: valid/trusted C2PA with an AI source type, or a watermark */
    BW_AI_CLAIMED = 2      /* only claimed: unsigned generator metadata, or an invalid manifest */
} bw_ai_generated;

/* "no_evidence", "yes", "claimed". */
const char *bw_ai_generated_name(int v);

typedef struct bw_provenance {
    int ai_generated;            /* a bw_ai_generated: BW_AI_YES only on proof */
    bw_signal *signals;
    size_t n_signals;
    bw_c2pa_info c2pa;
} bw_provenance;

typedef struct bw_provenance_opts {
    const char *trust_pem;       /* PEM bundle of trust anchors (--trust), or NULL */
    const char *trust_config;    /* allowed EKU OIDs, one per line (c2pa store.cfg), or NULL */
    const void *sidecar;         /* bytes of a sidecar .c2pa manifest store, or NULL */
    size_t sidecar_len;
    int no_watermark;            /* skip the watermark decoder */
    const bw_limits *limits;     /* NULL: defaults */
} bw_provenance_opts;

/* Examine a file's bytes. A file with no markers gives BW_OK with no
 * signals. Errors only for the caller's mistakes or NOMEM: damaged
 * metadata is reported inside the result (c2pa.error, a signal detail). */
bw_status bw_provenance_examine(const void *data, size_t len, const bw_provenance_opts *opts,
                                bw_provenance *out, bw_error *err);

void bw_provenance_free(bw_provenance *p);

/* Append p as the interface's JSON fields: ai_generated, signals, c2pa
 * (inside an object the caller has open). */
struct bw_json;
void bw_provenance_json_fields(struct bw_json *j, const bw_provenance *p);
/* The `provenance --json` object of one file: {path[, path_bytes], then
 * the fields above}. */
void bw_provenance_json(struct bw_json *j, const char *path, const bw_provenance *p);

/* ---------------- the `provenance` verb as one operation ---------------- */

typedef struct bw_provenance_request {
    const char *const *paths;  /* files; "-" is stdin_fd */
    size_t npaths;
    int stdin_fd;
    bw_provenance_opts opts;   /* trust, watermark, limits (sidecar: set per file) */
    int sidecars;              /* use NAME.c2pa beside NAME.ext when present */
    /* Not NULL: the path "-" is these bytes, not stdin_fd (an upload held
     * in memory; read as stdin would be, at most max_file_bytes). */
    const void *stdin_data;
    size_t stdin_len;
} bw_provenance_request;

/* Examine every input of req and hand each record to sink in order:
 * result is the bw_provenance (NULL when the file could not be read),
 * json the `provenance --json` object; an unreadable sidecar is a note.
 * *failed (may be NULL) counts the inputs that failed. */
struct bw_sink;
bw_status bw_provenance_run(const bw_provenance_request *req, const struct bw_sink *sink,
                            uint64_t *failed, bw_error *err);

#ifdef __cplusplus
}
#endif
#endif
