#!/usr/bin/env bash
# v1.sh -- bulwark's own routes answer with the very bytes of the verbs:
# GET /v1/lookup as `bulwark match --json HASH`, GET /v1/lists as `lists ls
# --json`, POST /v1/prompt (one prompt per line) as `bulwark prompt --json`
# on the same lines.
. "$(dirname "$0")/../lib.sh"; bw_setup server_v1
export BULWARK_DB="$T/v1.db"

pdq=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .pdq)
md5=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .md5)
sha1=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .sha1)
last=${pdq: -1}; near=${pdq:0:63}$(printf '%x' $(( 0x$last ^ 1 )))
"$BULWARK" lists import demo "$SAMPLES/sample-list.txt" --source "bundled demo list" >/dev/null
bw_list mine "$pdq	rings" "$md5	rings md5" "$sha1	rings sha1"
bw_serve -j 2

same() { # same DESC ROUTE CMD...: the route's body equals the command's stdout, byte for byte
    local desc=$1 route=$2; shift 2
    curl -s -o "$T/got" -w '%{http_code}' "$URL$route" >"$T/code"
    "$@" >"$T/want"
    check "$desc" '[ "$(cat "$T/code")" = 200 ] && cmp -s "$T/got" "$T/want"'
}

for q in "$pdq" "$near"; do
    curl -s "$URL/v1/lookup?pdq=$q" | { cat; echo; } >"$T/got"
    "$BULWARK" match --json "$q" >"$T/want"
    check "/v1/lookup?pdq= is match --json ($q)" 'cmp -s "$T/got" "$T/want" && jq -e ".matches | length >= 1" "$T/got" >/dev/null'
done
curl -s "$URL/v1/lookup?pdq=$near&max_distance=0" | { cat; echo; } >"$T/got"
"$BULWARK" match --json --max-distance 0 "$near" >"$T/want"
check "/v1/lookup max_distance=0 is match --max-distance 0: no match" 'cmp -s "$T/got" "$T/want" && jq -e ".matches == []" "$T/got" >/dev/null'
for k in md5 sha1; do
    h=${!k}
    curl -s "$URL/v1/lookup?$k=$h" | { cat; echo; } >"$T/got"
    "$BULWARK" match --json "$h" >"$T/want"
    check "/v1/lookup?$k= is match --json" 'cmp -s "$T/got" "$T/want" && jq -e ".matches[0].kind == \"$k\"" "$T/got" >/dev/null'
done
check "/v1/lookup without a hash: 400" '[ "$(curl -s -o /dev/null -w "%{http_code}" "$URL/v1/lookup")" = 400 ]'
check "/v1/lookup with two hashes: 400" '[ "$(curl -s -o /dev/null -w "%{http_code}" "$URL/v1/lookup?md5=$md5&sha1=$sha1")" = 400 ]'
check "/v1/lookup?md5=short: 400" '[ "$(curl -s -o /dev/null -w "%{http_code}" "$URL/v1/lookup?md5=abc")" = 400 ]'
check "/v1/lookup max_distance=257: 400" '[ "$(curl -s -o /dev/null -w "%{http_code}" "$URL/v1/lookup?pdq=$pdq&max_distance=257")" = 400 ]'

same "/v1/lists is lists ls --json" /v1/lists "$BULWARK" lists ls --json

printf 'a photo of a mountain lake at dawn\nnude child\nn.u.d.e kid\nschoolgirl outfit\r\nan adult couple, nude\n\n\xff\xfe not utf-8\nlast line without a newline' >"$T/prompts.txt"
curl -s -o "$T/got" -w '%{http_code}' --data-binary @"$T/prompts.txt" "$URL/v1/prompt" >"$T/code"
"$BULWARK" prompt --json <"$T/prompts.txt" >"$T/want"
check "/v1/prompt is prompt --json on the same lines, byte for byte" '[ "$(cat "$T/code")" = 200 ] && cmp -s "$T/got" "$T/want" && [ "$(wc -l <"$T/got")" = 8 ]'
check "/v1/prompt blocks what prompt blocks" '[ "$(jq -r .verdict "$T/got" | sed -n 2p)" = block ]'
check "/v1/prompt of an empty body: empty, as prompt </dev/null" '[ "$(curl -s --data-binary "" "$URL/v1/prompt" | wc -c)" = 0 ]'
check "GET /v1/prompt: 405" '[ "$(curl -s -o /dev/null -w "%{http_code}" "$URL/v1/prompt")" = 405 ]'

bw_serve_stop
check "SIGTERM: exit 0" '[ "$SERVE_RC" = 0 ]'
bw_finish
