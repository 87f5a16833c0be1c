#!/usr/bin/env bash
# openapi.sh -- GET /openapi.json is an OpenAPI 3.1 document of exactly
# the server's routes (its paths are /site-map's, each operation served),
# and the server's real answers -- every GET route, successes and errors --
# are valid against the document's response schemas (JSON Schema 2020-12,
# tests/server/openapi_check.py), the upload routes with real uploads of
# the samples; a document that disagrees fails.
. "$(dirname "$0")/../lib.sh"; bw_setup server_openapi
export BULWARK_DB="$T/openapi.db"
pdq=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .pdq)
md5=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .md5)
sha1=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .sha1)
last=${pdq: -1}; near=${pdq:0:63}$(printf '%x' $(( 0x$last ^ 1 )))
bw_list BANK "$pdq	rings" "$sha1	rings sha1"
bw_list EXTRA "$md5	rings md5"
"$BULWARK" lists import demo "$SAMPLES/sample-list.txt" >/dev/null
CHECK="python3 $BW_SOURCE_DIR/tests/server/openapi_check.py"
# the curation writes, on a bank of their own (its content id as store.h
# defines it, from sha256sum)
echo '{"name": "CURATED"}' >"$T/bank.json"
echo '{"enabled_ratio": 0.5}' >"$T/ratio.json"
echo "{\"pdq\": \"$near\", \"note\": \"n\"}" >"$T/signal.json"
echo '{"disable_until_ts": 0}' >"$T/disable.json"
echo "{\"pdq\": [\"$pdq\", \"$near\"], \"video_md5\": [\"$md5\", \"$md5\"]}" >"$T/compare.json"
cid=$(( 0x$( { printf 'CURATED\0pdq\0'; printf '%s' "$near" | xxd -r -p; } | sha256sum | cut -c1-14) >> 3 ))
printf 'a photo of a mountain lake at dawn\nnude child\n\xff\xfe not utf-8\n' >"$T/prompts.txt"
cat >"$T/cases" <<CASES
200 GET /status
200 GET /status/live
200 GET /site-map
200 GET /m/raw_lookup?signal_type=pdq&signal=$pdq
200 GET /m/raw_lookup?signal_type=pdq&signal=$near&include_distance=true
200 GET /m/raw_lookup?signal_type=video_md5&signal=$md5&include_distance=1
200 GET /m/raw_lookup?signal_type=pdq&signal=$pdq&banks=NONE
422 GET /m/raw_lookup?signal_type=pdq
400 GET /m/raw_lookup?signal_type=nope&signal=x
400 GET /m/raw_lookup?signal_type=pdq&signal=XYZ
200 GET /m/lookup?signal_type=pdq&signal=$pdq
200 GET /m/lookup?signal_type=md5&signal=$md5
200 GET /m/lookup?signal_type=pdq&signal=$pdq&banks=NONE
400 GET /m/lookup
403 GET /m/lookup?url=http://example.org/a.jpg
200 POST /m/compare $T/compare.json
400 POST /m/compare $T/prompts.txt
200 GET /m/index/status
200 GET /m/index/status?signal_type=pdq
400 GET /m/index/status?signal_type=nope
200 GET /c/banks
200 GET /c/bank/BANK
404 GET /c/bank/NOPE
201 POST /c/banks $T/bank.json
403 POST /c/banks $T/bank.json
400 POST /c/banks $T/prompts.txt
200 PUT /c/bank/CURATED $T/ratio.json
404 PUT /c/bank/NOPE $T/ratio.json
200 POST /c/bank/CURATED/signal $T/signal.json
400 POST /c/bank/CURATED/signal $T/ratio.json
200 POST /c/bank/CURATED/content form:photo=$SAMPLES/rings.png
400 POST /c/bank/CURATED/content $T/prompts.txt
200 GET /c/bank/CURATED/content/$cid?include_signals=true
200 GET /c/bank/CURATED/content/$cid
404 GET /c/bank/CURATED/content/1
200 PUT /c/bank/CURATED/content/$cid $T/disable.json
400 PUT /c/bank/CURATED/content/$cid $T/prompts.txt
200 DELETE /c/bank/CURATED/content/$cid
200 DELETE /c/bank/CURATED
200 GET /v1/lookup?pdq=$pdq
200 GET /v1/lookup?pdq=$near
200 GET /v1/lookup?md5=$md5
200 GET /v1/lookup?sha1=$sha1
200 GET /v1/lookup?pdq=$near&max_distance=0
400 GET /v1/lookup?md5=abc
400 GET /v1/lookup
200 GET /v1/lists
200 GET /metrics
200 GET /openapi.json
200 POST /v1/prompt $T/prompts.txt
200 POST /h/hash form:photo=$SAMPLES/rings.png
200 POST /h/hash form:video=$SAMPLES/rings.png
400 POST /h/hash $T/prompts.txt
403 GET /h/hash?url=http://example.org/a.jpg
422 GET /h/hash
200 POST /m/lookup form:photo=$SAMPLES/rings.png
200 POST /m/lookup?banks=NONE form:photo=$SAMPLES/hills-sunset.jpg
400 POST /m/lookup form:other=$SAMPLES/rings.png
200 POST /v1/scan $SAMPLES/hills-sunset.jpg
200 POST /v1/scan form:file=$SAMPLES/rings.png
200 POST /v1/scan $T/prompts.txt
200 POST /v1/provenance $SAMPLES/hills-sunset.jpg
405 POST /v1/lists
404 GET /nope
CASES

bw_serve
for i in $(seq 1 100); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/status")" = 200 ] && break; sleep 0.1; done
curl -s -D "$T/h" -o "$T/doc.json" "$URL/openapi.json"
check "/openapi.json: application/json, the bytes of data/openapi.json" 'grep -qi "^content-type: application/json" "$T/h" && cmp -s "$T/doc.json" "$BW_SOURCE_DIR/data/openapi.json"'
check "an OpenAPI 3.1 document" 'jq -e ".openapi | startswith(\"3.1.\")" "$T/doc.json" >/dev/null'
check "every route documented, every documented operation served, every GET answer valid" '$CHECK "$URL" "$T/cases" --site-map 2>"$T/check.err" || { cat "$T/check.err" >&2; false; }'

# the check can fail: a schema that disagrees with the answers, a route missing
jq '.components.schemas.Bank.properties.matching_enabled_ratio.type = "string"' "$T/doc.json" >"$T/wrong1.json"
check "a wrong schema (Bank's ratio a string): the check fails, naming it" '! $CHECK "$URL" "$T/cases" --doc "$T/wrong1.json" 2>"$T/e" && grep -q "/c/bank/BANK -> 200: 1.0 is not of type .string." "$T/e"'
jq '.components.schemas.Match.required += ["orientation"]' "$T/doc.json" >"$T/wrong2.json"
check "a wrong schema (a key required that the answers lack): fails" '! $CHECK "$URL" "$T/cases" --doc "$T/wrong2.json" 2>/dev/null'
jq 'del(.paths["/v1/lists"])' "$T/doc.json" >"$T/wrong3.json"
check "a route missing from the document: fails" '! $CHECK "$URL" "$T/cases" --doc "$T/wrong3.json" --site-map 2>"$T/e" && grep -q "route /v1/lists is served but not in the document" "$T/e"'
jq '.paths["/v1/extra"] = {"get": {"responses": {}}}' "$T/doc.json" >"$T/wrong4.json"
check "a documented path the server lacks: fails" '! $CHECK "$URL" "$T/cases" --doc "$T/wrong4.json" --site-map 2>"$T/e" && grep -q "/v1/extra is in the document but not served" "$T/e"'
grep -v "/c/banks" "$T/cases" >"$T/cases-short"
jq 'del(.paths["/m/lookup"].post)' "$T/doc.json" >"$T/wrong5.json"
check "a method missing from the document (POST /m/lookup): fails" '! $CHECK "$URL" "$T/cases" --doc "$T/wrong5.json" --site-map 2>"$T/e" && grep -q "POST /m/lookup is served (400) but not in the document" "$T/e"'
check "a GET route without a case: fails" '! $CHECK "$URL" "$T/cases-short" --site-map 2>"$T/e" && grep -q "GET /c/banks has no case" "$T/e"'
bw_serve_stop

# ?url= fetching (--fetch-allow): its answers are documented too, against
# a local origin (tests/server/origin.py)
python3 "$BW_SOURCE_DIR/tests/server/origin.py" "$SAMPLES/hills-sunset.jpg" "$T/origin.port" "$T/origin.log" &
ORIGIN_PID=$!
origin_stop() { [ -n "${ORIGIN_PID:-}" ] && kill "$ORIGIN_PID" 2>/dev/null; wait "$ORIGIN_PID" 2>/dev/null; ORIGIN_PID=; }
bw_on_exit origin_stop
for i in $(seq 1 200); do [ -s "$T/origin.port" ] && break; sleep 0.05; done
O="http://localhost:$(cat "$T/origin.port")"
cat >"$T/cases-fetch" <<CASES
200 GET /h/hash?url=$O/img.jpg
200 GET /h/hash?url=$O/img.jpg&types=pdq
200 GET /h/hash?url=$O/img.jpg&content_type=video
400 GET /h/hash?url=$O/img.jpg&types=tmk
400 GET /h/hash?url=http://example.org/a.jpg
400 GET /h/hash?url=$O/to-loopback
413 GET /h/hash?url=$O/huge
200 GET /m/lookup?url=$O/img.jpg
200 GET /m/lookup?url=$O/img.jpg&signal_type=pdq
400 GET /m/lookup?url=$O/nothing-here
413 GET /m/lookup?url=$O/huge
200 POST /h/hash?types=pdq form:photo=$SAMPLES/rings.png
400 POST /h/hash?types=video_md5 form:photo=$SAMPLES/rings.png
200 POST /m/lookup?types=pdq form:photo=$SAMPLES/rings.png
CASES
bw_serve --fetch-allow "${O#http://}" --fetch-private --fetch-max-size 1M
for i in $(seq 1 100); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/status")" = 200 ] && break; sleep 0.1; done
check "the ?url= answers (and types= on the uploads) are valid against the document" '$CHECK "$URL" "$T/cases-fetch" 2>"$T/check.err" || { cat "$T/check.err" >&2; false; }'
bw_serve_stop
origin_stop

# with tokens: 401 and 403 are documented answers too
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
echo "m match sha256:$(sha match-token)" >"$T/tokens"
bw_serve --tokens "$T/tokens"
printf '401 GET /v1/lists\n401 GET /openapi.json\n200 GET /status\n' >"$T/cases-401"
printf '403 GET /metrics\n200 GET /c/banks\n200 GET /openapi.json\n' >"$T/cases-403"
check "401s are valid answers" '$CHECK "$URL" "$T/cases-401" --doc "$T/doc.json"'
check "403s are valid answers" '$CHECK "$URL" "$T/cases-403" --header "Authorization: Bearer match-token"'
bw_serve_stop
bw_finish
