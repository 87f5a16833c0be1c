#!/usr/bin/env bash
# hma_tests.sh -- the requests of HMA's own test suite, replayed against
# `bulwark serve` (facebook/ThreatExchange hasher-matcher-actioner/src/
# OpenMediaMatch/tests: test_api_banks.py, test_api.py test_compare_hashes,
# test_e2e_workflow.py, test_hashing.py), each with the status and body
# HMA's test asserts. Where HMA's test asserts its own numbering of
# content (ids 1, 2, ... from its database sequence), bulwark's ids are
# its stable derived ids (store.h), checked here against SHA-256 from
# sha256sum instead; everything else is HMA's expectation as written. The
# image server of HMA's tests is tests/server/origin.py on loopback.
. "$(dirname "$0")/../lib.sh"; bw_setup server_hma_tests
export BULWARK_DB="$T/hma_tests.db"
bw_list SEED "$(printf '%064x' 7)"
req() { curl -s -X "$1" -o "$T/body" -w '%{http_code}' ${3:+-H "Content-Type: application/json" --data-binary "$3"} "$URL$2"; }
want_id() { local d; d=$( { printf '%s\0%s\0' "$1" "$2"; printf '%s' "$3" | xxd -r -p; } | sha256sum | cut -c1-14)
            echo $(( 0x$d >> 3 )); }
img=$SAMPLES/hills-sunset.jpg
pdq=$("$BULWARK" hash --json "$img" | jq -r .pdq)
python3 "$BW_SOURCE_DIR/tests/server/origin.py" "$img" "$T/origin.port" "$T/origin.log" &
ORIGIN_PID=$!
origin_stop() { [ -n "${ORIGIN_PID:-}" ] && kill "$ORIGIN_PID" 2>/dev/null; wait "$ORIGIN_PID" 2>/dev/null; ORIGIN_PID=; }
bw_on_exit origin_stop
for i in $(seq 1 200); do [ -s "$T/origin.port" ] && break; sleep 0.05; done
OP=$(cat "$T/origin.port"); image_url="http://localhost:$OP/img.jpg"
bw_serve --fetch-allow "localhost:$OP" --fetch-private -j 2

# test_api_banks.py test_banks_create
check "banks_create: 01_TEST_BANK (starts with a digit): 400" '[ "$(req POST /c/banks "{\"name\": \"01_TEST_BANK\"}")" = 400 ]'
check "banks_create: my_test_bank (lower case): 400" '[ "$(req POST /c/banks "{\"name\": \"my_test_bank\"}")" = 400 ]'
check "banks_create: MY_TEST_BANK_01: 201 {matching_enabled_ratio: 1.0, name}" '[ "$(req POST /c/banks "{\"name\": \"MY_TEST_BANK_01\"}")" = 201 ] && jq -e ". == {matching_enabled_ratio: 1.0, name: \"MY_TEST_BANK_01\"}" "$T/body" >/dev/null'
cp "$T/body" "$T/created"
check "banks_create: visible on the index" '[ "$(req GET /c/banks)" = 200 ] && jq -e --slurpfile c "$T/created" "map(select(.name != \"SEED\")) == \$c" "$T/body" >/dev/null'
# test_banks_update
check "banks_update: POST MY_TEST_BANK: 201" '[ "$(req POST /c/banks "{\"name\": \"MY_TEST_BANK\"}")" = 201 ]'
check "banks_update: rename to 1_invalid_name: 400" '[ "$(req PUT /c/bank/MY_TEST_BANK "{\"name\": \"1_invalid_name\"}")" = 400 ]'
check "banks_update: rename to MY_TEST_BANK_RENAMED: 200, the name" '[ "$(req PUT /c/bank/MY_TEST_BANK "{\"name\": \"MY_TEST_BANK_RENAMED\"}")" = 200 ] && jq -e ".name == \"MY_TEST_BANK_RENAMED\"" "$T/body" >/dev/null'
check "banks_update: enabled false: ratio 0" '[ "$(req PUT /c/bank/MY_TEST_BANK_RENAMED "{\"enabled\": false}")" = 200 ] && jq -e ".matching_enabled_ratio == 0" "$T/body" >/dev/null'
check "banks_update: enabled_ratio 0.5: ratio 0.5" '[ "$(req PUT /c/bank/MY_TEST_BANK_RENAMED "{\"enabled_ratio\": 0.5}")" = 200 ] && jq -e ".matching_enabled_ratio == 0.5" "$T/body" >/dev/null'
check "banks_update: one bank of that name, ratio 0.5" '[ "$(req GET /c/banks)" = 200 ] && jq -e "map(select(.name | startswith(\"MY_TEST_BANK_R\"))) == [{name: \"MY_TEST_BANK_RENAMED\", matching_enabled_ratio: 0.5}]" "$T/body" >/dev/null'
# test_banks_delete
check "banks_delete: DELETE /c/bank/MY_TEST_BANK_01: 200" '[ "$(req DELETE /c/bank/MY_TEST_BANK_01)" = 200 ]'
check "banks_delete: deleting it again succeeds: 200" '[ "$(req DELETE /c/bank/MY_TEST_BANK_01)" = 200 ]'
# test_bank_get_content_404
check "bank_get_content_404: no such bank: 404" '[ "$(req GET /c/bank/TEST_BANK_GET/content/1)" = 404 ]'
req POST /c/banks '{"name": "TEST_BANK_GET"}' >/dev/null
check "bank_get_content_404: no such content: 404" '[ "$(req GET /c/bank/TEST_BANK_GET/content/1)" = 404 ]'
# test_bank_get_content
check "bank_get_content: add ?url=&content_type=photo: 200" '[ "$(req POST "/c/bank/TEST_BANK_GET/content?url=$image_url&content_type=photo")" = 200 ]'
cid=$(jq .id "$T/body")
check "bank_get_content: GET it by id: 200, the id" '[ "$(req GET /c/bank/TEST_BANK_GET/content/$cid)" = 200 ] && jq -e ".id == $cid" "$T/body" >/dev/null'
# test_banks_add_content: {"id": (HMA: 1), "signals": {"pdq": the image's PDQ}}
req POST /c/banks '{"name": "NEW_BANK"}' >/dev/null
check "banks_add_content: 200 {id, signals: {pdq}}, the id SHA-256's" '[ "$(req POST "/c/bank/NEW_BANK/content?url=$image_url&content_type=photo")" = 200 ] && jq -e --arg p "$pdq" --argjson i "$(want_id NEW_BANK pdq "$pdq")" ". == {id: \$i, signals: {pdq: \$p}}" "$T/body" >/dev/null'
nid=$(jq .id "$T/body")
# test_bank_update_content, test_bank_update_content_400
later=$(( $(date +%s) + 365 * 86400 ))
check "bank_update_content: disable_until_ts a year ahead: 200, that value" '[ "$(req PUT /c/bank/TEST_BANK_GET/content/$cid "{\"disable_until_ts\": $later}")" = 200 ] && jq -e ".disable_until_ts == $later" "$T/body" >/dev/null'
check "bank_update_content_400: 9999999999: 400" '[ "$(req PUT /c/bank/TEST_BANK_GET/content/$cid "{\"disable_until_ts\": 9999999999}")" = 400 ]'
# test_banks_delete_content: {"deleted": 1}
check "banks_delete_content: 200 {deleted: 1}" '[ "$(req DELETE /c/bank/NEW_BANK/content/$nid)" = 200 ] && jq -e ". == {deleted: 1}" "$T/body" >/dev/null'
# test_api.py test_compare_hashes: HMA's own specimens, distance 9
s1=facd8bcb2a49bcebdec1985298d5fe84bcd006c187c598c720c3c087b3fdb318
s2=facd8bcb2a49bcebdec1985228d5ae84bcd006c187c598c720c2b087b3fdb318
check "compare_hashes: HMA's specimens: {pdq: [true, {distance: 9}]}" '[ "$(req POST /m/compare "{\"pdq\": [\"$s1\", \"$s2\"]}")" = 200 ] && jq -e ". == {pdq: [true, {distance: 9}]}" "$T/body" >/dev/null'
for bad in '["banana"]' '{"pdq": "banana"}' '{"pdq": []}' '{"pdq": ["banana", "banana"]}' "{\"pdq\": [\"$s1\", \"$s2\", \"$s1\"]}"; do
    check "compare_hashes: bad input $bad: 400" '[ "$(req POST /m/compare "$bad")" = 400 ]'
done
# test_e2e_workflow.py: a signal added, then looked up, then the index status
req POST /c/banks '{"name": "E2E_BANK"}' >/dev/null
h=$(printf 'a%.0s' $(seq 1 64))
check "e2e: POST /c/bank/E2E_BANK/signal {pdq}: 200" '[ "$(req POST /c/bank/E2E_BANK/signal "{\"pdq\": \"$h\"}")" = 200 ]'
check "e2e: GET /m/lookup?signal_type=pdq&signal=that hash: E2E_BANK matches" '[ "$(req GET "/m/lookup?signal_type=pdq&signal=$h")" = 200 ] && jq -e ".E2E_BANK | length == 1" "$T/body" >/dev/null'
check "e2e: GET /m/lookup of 5555...: 200, not E2E_BANK" '[ "$(req GET "/m/lookup?signal_type=pdq&signal=$(printf "5%.0s" $(seq 1 64))")" = 200 ] && jq -e "has(\"E2E_BANK\") | not" "$T/body" >/dev/null'
check "e2e: GET /m/index/status?signal_type=pdq: 200 {pdq: {...}}" '[ "$(req GET "/m/index/status?signal_type=pdq")" = 200 ] && jq -e "keys == [\"pdq\"]" "$T/body" >/dev/null'
# test_hashing.py: GET /h/hash?url= (here of the allowed origin)
check "hashing: GET /h/hash?url=: 200 {pdq}" '[ "$(req GET "/h/hash?url=$image_url")" = 200 ] && jq -e --arg p "$pdq" ". == {pdq: \$p}" "$T/body" >/dev/null'
# test_api.py: /status and /status/live
check "status: 200; status/live: 200" '[ "$(req GET /status)" = 200 ] && [ "$(req GET /status/live)" = 200 ]'
bw_serve_stop
bw_finish
