/* bulwark/hma.h -- the shapes of HMA's HTTP API, written by the library.
 *
 * `bulwark serve` speaks the API of Meta's Hasher-Matcher-Actioner 1.1.7
 * (OpenMediaMatch: facebook/ThreatExchange, hasher-matcher-actioner/src/
 * OpenMediaMatch/blueprints/ and schemas/), so that the tools that
 * call HMA can call bulwark by changing a URL. Every JSON body of those
 * routes is written here, with HMA's keys and types; the server only
 * routes and calls these. Facts taken from HMA, never its code:
 *
 *   - a bank is a list; HMA's banks carry {name, matching_enabled_ratio}
 *     (schemas/curation.py BankConfig); a ratio of 0 matches nothing, any
 *     other matches always (HMA flips a coin per lookup against it);
 *   - signal types are named as python-threatexchange names them: "pdq"
 *     (64 lowercase hex digits) and "video_md5" (32 hex digits, stripped
 *     and lowercased), each with HMA's validation message;
 *   - a match is {bank_content_id: int, distance: str} (schemas/matching.py
 *     MatchWithDistance); distance is the PDQ distance as a string, "-" for
 *     exact kinds (python-threatexchange SignalSimilarityInfo.pretty_str);
 *   - errors are {"message": "..."} (utils/flask_utils.py
 *     api_error_handler).
 *
 * bank_content_id: HMA numbers each piece of banked content. bulwark
 * derives each entry's id from what the entry is -- the first 53 bits of
 * SHA-256(key NUL kind NUL hash), the key being the list's name or the
 * name it had before a rename (store.h, bw_store_content_id) -- stable
 * across reloads, re-imports and renames, and exact in a JavaScript
 * number. */
#ifndef BULWARK_HMA_H
#define BULWARK_HMA_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "kinds.h"
#include "json.h"
#include "index.h"
#include "store.h"
#include "match.h"
#include "hash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The signal types served, in the order /m/index/status lists them. */
#define BW_HMA_SIGNAL_TYPES 2

/* The kind of HMA signal type name: "pdq", "video_md5" (and "md5", an
 * alias bulwark adds). BW_ERR_NOT_FOUND with HMA's message ("No such
 * SignalType 'x'") otherwise. */
bw_status bw_hma_signal_type(const char *name, bw_hash_kind *kind, bw_error *err);
/* HMA's name of the i-th signal type served ("pdq", "video_md5"), and its
 * kind; NULL past the last. */
const char *bw_hma_signal_type_at(size_t i, bw_hash_kind *kind);

/* A signal of a kind, validated as python-threatexchange does (PDQ:
 * ^[0-9a-f]{64}$; MD5: stripped, lowercased, ^[0-9a-f]{32}$), into bytes.
 * BW_ERR_ARG with HMA's message ("invalid signal: invalid PDQ hash"). */
bw_status bw_hma_parse_signal(bw_hash_kind kind, const char *signal,
                              uint8_t bytes[BW_HASH_MAX_BYTES], bw_error *err);

/* HMA's bank_content_id of a list entry (see above): 0 .. 2^53 - 1. */
int64_t bw_hma_content_id(const char *list, bw_hash_kind kind, const uint8_t *hash);

/* Whether bank is among HMA's `banks` parameter (comma-separated names,
 * compared exactly); NULL or "" selects every bank. */
int bw_hma_bank_selected(const char *banks, const char *bank);

/* Whether name is a bank name HMA accepts: ^[A-Z_][A-Z0-9_]*$. */
int bw_hma_bank_name_ok(const char *name);

/* GET /m/raw_lookup: {"matches": [bank_content_id, ...]}, or with
 * include_distance {"matches": [{"bank_content_id", "distance"}, ...]}
 * (schemas/matching.py RawLookupResponse), of the matches in the selected
 * banks, in m's order. */
void bw_hma_raw_lookup_json(bw_json *j, const bw_matches *m, const char *banks,
                            int include_distance);

/* GET /m/lookup with a signal: {"BANK": [{"bank_content_id", "distance"},
 * ...], ...} (blueprints/matching.py lookup, TMatchByBank), banks in the
 * order of their nearest match. */
void bw_hma_lookup_json(bw_json *j, const bw_matches *m, const char *banks);

/* One bank: {"name", "matching_enabled_ratio"} (GET /c/bank/NAME); all of
 * them as an array (GET /c/banks). */
void bw_hma_bank_json(bw_json *j, const bw_list_info *list);
void bw_hma_banks_json(bw_json *j, const bw_list_info *lists, size_t n);

/* GET /m/index/status: {"pdq": {"present", "built_to", "size"},
 * "video_md5": {...}} (blueprints/matching.py index_status): present when
 * an index is loaded (m not NULL), built_to the newest list's import time
 * (Unix seconds, -1 when none), size its hashes of that kind
 * (bw_matcher_index_count). only: one
 * signal type's name, or NULL for all. */
void bw_hma_index_status_json(bw_json *j, bw_matcher *m, int64_t built_to,
                              const char *only);

/* GET /site-map: the routes as a sorted array of strings (app.py
 * site_map). */
void bw_hma_site_map_json(bw_json *j, const char *const *routes, size_t n);

/* ---- uploads: POST /h/hash and POST /m/lookup (blueprints/hashing.py
 * hash_media_from_form_data, matching.py lookup_post) ---- */

/* HMA's content types, the name of an upload's multipart field: "photo"
 * is hashed with PDQ, "video" with video_md5 (the MD5 of its bytes), as
 * in HMA's default configuration. */
typedef enum bw_hma_content {
    BW_HMA_PHOTO = 0,
    BW_HMA_VIDEO
} bw_hma_content;

/* The content type of a field name; BW_ERR_NOT_FOUND with HMA's message
 * ("no such content_type: 'x'") otherwise. */
bw_status bw_hma_content_type(const char *name, bw_hma_content *out, bw_error *err);

/* The content type of a fetched URL (GET /h/hash?url=, blueprints/hashing.py
 * _parse_request_content_type): the content_type= hint when it is not
 * empty (as bw_hma_content_type), else the response's Content-Type:
 * image/... a photo, video/... a video; BW_ERR_UNSUPPORTED with HMA's
 * message ("unsupported url ContentType: 'text/html', ...") otherwise. */
bw_status bw_hma_url_content(const char *hint, const char *mime, bw_hma_content *out,
                             bw_error *err);

/* HMA's types= (_parse_request_signal_type): comma-separated signal type
 * names, stripped, blanks skipped, each one the content type is hashed
 * with ("pdq" for a photo, "video_md5" for a video). BW_OK (types NULL:
 * all), BW_ERR_NOT_FOUND "signal type 'x' doesn't exist or is disabled",
 * or BW_ERR_ARG "empty signal type selection". */
bw_status bw_hma_check_types(bw_hma_content content, const char *types, bw_error *err);

/* The signal HMA computes of an upload. */
typedef struct bw_hma_signal {
    const char *type;          /* HMA's signal type name: "pdq", "video_md5" */
    bw_hash_kind kind;
    uint8_t bytes[BW_HASH_MAX_BYTES];
} bw_hma_signal;

/* The signal of an upload of a content type from its hash result: a
 * photo's PDQ (BW_ERR_FORMAT when r is not a decoded image), a video's
 * MD5 (r's digests). */
bw_status bw_hma_upload_signal(bw_hma_content content, const bw_hash_result *r,
                               bw_hma_signal *out, bw_error *err);

/* POST /h/hash: {"pdq": "HEX"} or {"video_md5": "HEX"} (schemas/hashing.py
 * HashResponse: signal type name -> hash, lowercase hex). */
void bw_hma_hash_json(bw_json *j, const bw_hma_signal *s);

/* POST /m/lookup: {"pdq": {"BANK": [{"bank_content_id", "distance"}, ...]}}:
 * the signal type, then what bw_hma_lookup_json writes for m. */
void bw_hma_lookup_upload_json(bw_json *j, const bw_hma_signal *s, const bw_matches *m,
                               const char *banks);

/* ---- curation: the /c routes (blueprints/curation.py, schemas/curation.py) ----
 *
 * Request bodies are JSON objects of at most BW_HMA_MAX_JSON bytes and
 * nesting BW_HMA_MAX_DEPTH, parsed with yajl; every failure is BW_ERR_ARG
 * with HMA's message where HMA has one. */
#define BW_HMA_MAX_JSON (64 * 1024)
#define BW_HMA_MAX_DEPTH 8
#define BW_HMA_NOTE_MAX 255

/* POST /c/banks {"name", "enabled_ratio"?, "enabled"?} and PUT
 * /c/bank/NAME {"name"?, "enabled_ratio"?, "enabled"?}: what was given.
 * The ratio: enabled_ratio when given, else enabled ? 1 : 0 when given. */
typedef struct bw_hma_bank_request {
    char name[256];
    int has_name;
    int has_ratio;
    double ratio;
} bw_hma_bank_request;
bw_status bw_hma_parse_bank_request(const char *body, size_t n, bw_hma_bank_request *out,
                                    bw_error *err);

/* PUT /c/bank/NAME/content/ID {"disable_until_ts"?, "note"?}: HMA's
 * checks (an integer, or a string of one; not negative; not more than 5
 * years from now; a note of at most 255 characters, "" or null: none). */
typedef struct bw_hma_content_update {
    int has_until;
    int64_t disable_until_ts;
    int has_note;
    char note[BW_HMA_NOTE_MAX + 1];   /* "" with has_note: the note goes */
} bw_hma_content_update;
bw_status bw_hma_parse_content_update(const char *body, size_t n, int64_t now,
                                      bw_hma_content_update *out, bw_error *err);

/* POST /c/bank/NAME/signal {"pdq": "HEX", "video_md5": "HEX", ..., "note"?}:
 * each signal validated as bw_hma_parse_signal does ("No such signal type
 * x", "Invalid pdq signal: ..."); at least one ("No signals given"). */
#define BW_HMA_MAX_SIGNALS 4
typedef struct bw_hma_signals {
    size_t n;
    bw_hma_signal v[BW_HMA_MAX_SIGNALS];
    int has_note;
    char note[BW_HMA_NOTE_MAX + 1];
} bw_hma_signals;
bw_status bw_hma_parse_signals(const char *body, size_t n, bw_hma_signals *out, bw_error *err);

/* The `metadata` of a JSON body of POST /c/bank/NAME/content
 * (curation.py _validate_bank_add_metadata): absent, null, or an object
 * of the optional keys content_id, content_uri and json; else BW_ERR_ARG
 * with HMA's words ("metadata should be a json object", "metadata
 * contains unexpected keys: A ,B"). HMA checks it and keeps nothing of it;
 * bulwark does the same. A body that is not a JSON object has none. */
bw_status bw_hma_check_content_metadata(const char *body, size_t n, bw_error *err);

/* POST /c/bank/NAME/content and /signal: {"id": int, "signals": {"pdq":
 * "HEX", ...}}. */
void bw_hma_content_added_json(bw_json *j, int64_t id, const bw_hma_signal *v, size_t n);
/* GET /c/bank/NAME/content/ID (BankContentResponse): {"id",
 * "disable_until_ts", "original_media_uri": null, "bank": {...},
 * "signals"? (include_signals), "note"? (when there is one)}. */
void bw_hma_content_json(bw_json *j, const bw_content *c, const bw_list_info *bank,
                         int include_signals);
/* PUT /c/bank/NAME/content/ID: the content's config as HMA's jsonify
 * writes it ({"id", "disable_until_ts", "collab_metadata": {},
 * "original_media_uri": null, "bank": {...}, "user_metadata": null,
 * "note"}). */
void bw_hma_content_config_json(bw_json *j, const bw_content *c, const bw_list_info *bank);
/* DELETE /c/bank/NAME/content/ID: {"deleted": n}. */
void bw_hma_deleted_json(bw_json *j, uint64_t n);

/* POST /m/compare (blueprints/matching.py compare): the body {"pdq": [A,
 * B], "video_md5": [A, B], ...} answered into j as {"pdq": [match,
 * {"distance": d}], "video_md5": [equal, {}]} (python-threatexchange
 * SignalComparisonResult: a PDQ match is a distance of at most 31).
 * BW_ERR_ARG with HMA's message ("Request input was not a dict",
 * "Comparison hashes for pdq was not a list", "Comparison hash list length
 * must be exactly 2", "No such SignalType 'x'", "Invalid pdq hash: ...");
 * j is then left as it was. */
bw_status bw_hma_compare_json(bw_json *j, const char *body, size_t n, bw_error *err);

/* An error: {"message": message} (utils/flask_utils.py). */
void bw_hma_error_json(bw_json *j, const char *message);

#ifdef __cplusplus
}
#endif
#endif
