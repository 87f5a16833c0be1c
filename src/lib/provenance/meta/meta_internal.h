/* meta_internal.h -- the pieces of the metadata source of provenance
 * (bw__prov_metadata, meta.c) and how they call each other:
 *
 *   containers  meta_png.c (chunks), meta_jpeg.c (segments),
 *               meta_webp.c (RIFF chunks): walk headers only and hand
 *               each metadata payload to a parser below;
 *   payloads    meta_exif.c (TIFF/EXIF IFDs), meta_xmp.c (XMP with
 *               libxml2), meta_iptc.c (Photoshop 8BIM / IPTC IIM),
 *               meta_stealth.c (NovelAI's alpha-channel bits);
 *   meaning     meta_gen.c: which generator wrote a set of texts (A1111,
 *               Forge, ComfyUI, InvokeAI, NovelAI, Fooocus, SwarmUI, ...)
 *               and its prompt.
 *
 * Nothing here fails on damaged input: a parser that meets nonsense stops
 * and the file simply yields fewer signals. Only NOMEM is an error; it is
 * remembered in bw__meta.st and ends the examination. */
#ifndef BW_META_INTERNAL_H
#define BW_META_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "bulwark/provenance.h"
#include "core/bytes.h"
#include "bulwark/limits.h"

typedef struct bw__meta {
    bw_provenance *p;
    const bw_limits *lim;
    bw_status st;            /* BW_OK, or the first NOMEM */
    uint32_t text_chunks;    /* PNG text chunks examined so far */
} bw__meta;

/* Append a signal (never verified: metadata is not signed). */
void bw__meta_signal(bw__meta *m, bw_signal_type type, const char *generator,
                     const char *detail, int ai, const char *prompt);

/* Containers. */
void bw__meta_png(bw__meta *m, const uint8_t *d, size_t n);
void bw__meta_jpeg(bw__meta *m, const uint8_t *d, size_t n);
void bw__meta_webp(bw__meta *m, const uint8_t *d, size_t n);

/* Payloads; `where` names the container for the detail ("JPEG APP1"). */
void bw__meta_exif(bw__meta *m, const uint8_t *tiff, size_t n, const char *where);
void bw__meta_xmp(bw__meta *m, const uint8_t *xml, size_t n, const char *where);
void bw__meta_iptc_irb(bw__meta *m, const uint8_t *d, size_t n, const char *where);
void bw__meta_stealth(bw__meta *m, const uint8_t *png, size_t n);

/* The texts a generator leaves, by the name it gives them. */
typedef enum bw__meta_key {
    BW__K_PARAMETERS = 0, /* A1111/Forge/Fooocus/SwarmUI; EXIF UserComment */
    BW__K_PROMPT,         /* ComfyUI API graph (JSON) */
    BW__K_WORKFLOW,       /* ComfyUI UI graph (JSON) */
    BW__K_INVOKEAI,       /* invokeai_metadata (JSON) */
    BW__K_SD_METADATA,    /* InvokeAI 2.x sd-metadata (JSON) */
    BW__K_DREAM,          /* InvokeAI 2.x Dream command line */
    BW__K_SOFTWARE,       /* PNG Software, EXIF Software, XMP CreatorTool */
    BW__K_COMMENT,        /* NovelAI Comment (JSON) */
    BW__K_DESCRIPTION,    /* NovelAI/Midjourney Description; EXIF ImageDescription */
    BW__K_SOURCE,         /* NovelAI Source (model) */
    BW__K_SCHEME,         /* fooocus_scheme; EXIF MakerNote written by Fooocus */
    BW__K_COUNT
} bw__meta_key;

typedef struct bw__meta_texts {
    char *v[BW__K_COUNT];      /* UTF-8, NUL-terminated, malloc'd, or NULL */
    const char *where;         /* "PNG text", "EXIF in JPEG APP1", ... */
    bw_signal_type type;       /* signal type for what they say */
} bw__meta_texts;

/* The key a PNG text keyword fills, or -1 when it is not one we read. */
int bw__meta_png_key(const char *keyword);

/* Keep v (taken over) as texts->v[key] unless that is already set. */
void bw__meta_texts_set(bw__meta_texts *t, bw__meta_key key, char *v);
void bw__meta_texts_free(bw__meta_texts *t);

/* Signals for a set of texts: the generators they name, their prompts. */
void bw__meta_generators(bw__meta *m, const bw__meta_texts *t);

/* A generator named in a free-text field (Software, CreatorTool, IPTC
 * program): the canonical name, and whether the tool only generates. */
const char *bw__meta_known_generator(const char *s, int *ai);

/* A JSON object parsed from NUL-terminated text with yajl, or NULL (not
 * JSON, nested deeper than max_json_depth, not an object). Release with
 * yajl_tree_free. */
struct yajl_val_s;
struct yajl_val_s *bw__meta_json_object(const bw__meta *m, const char *text);

/* Bytes in a character set ("UTF-8", "ISO-8859-1", "UTF-16BE",
 * "UTF-16LE") to NUL-terminated UTF-8 (malloc'd; NULL on NOMEM, with
 * m->st set, or on nonsense). At most max_meta_bytes of input are used. */
char *bw__meta_utf8(bw__meta *m, const char *charset, const uint8_t *s, size_t n);

/* Inflate a zlib (or, with gzip set, gzip) stream into at most
 * max_meta_bytes bytes (more is cut off) as a NUL-terminated buffer.
 * NULL when the stream is damaged before any output, or NOMEM. */
uint8_t *bw__meta_inflate(bw__meta *m, const uint8_t *in, size_t n, int gzip, size_t *outlen);

#endif
