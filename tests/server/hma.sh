#!/usr/bin/env bash
# hma.sh -- `bulwark serve` speaks HMA 1.1.7's API: the routes, parameters,
# status codes and JSON keys and types of HMA's blueprints and schemas
# (facebook/ThreatExchange hasher-matcher-actioner/src/OpenMediaMatch:
# app.py, blueprints/matching.py, blueprints/curation.py,
# schemas/matching.py, schemas/curation.py, schemas/shared.py), written
# out here by hand. The lists hold hashes of the bundled samples, computed
# by `bulwark hash`; a second list imported by another process while the
# server runs is matched within 2 s.
. "$(dirname "$0")/../lib.sh"; bw_setup server_hma
export BULWARK_DB="$T/hma.db"
get() { curl -s -o "$T/body" -w '%{http_code}' "$URL$1"; }   # get PATH: status code, body in $T/body
body() { cat "$T/body"; }

pdq=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .pdq)
md5=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .md5)
last=${pdq: -1}; near=${pdq:0:63}$(printf '%x' $(( 0x$last ^ 1 )))   # one bit away
far=$(printf '%064x' 0)

# before the store exists (--allow-empty): alive, but the index is not loaded
bw_serve --allow-empty -j 2
check "GET /status/live: 200 I-AM-ALIVE without an index" '[ "$(get /status/live)" = 200 ] && [ "$(body)" = I-AM-ALIVE ]'
check "GET /status: 503 INDEX-NOT-LOADED before the index" '[ "$(get /status)" = 503 ] && [ "$(body)" = INDEX-NOT-LOADED ]'
check "raw_lookup before the index: 503 {message}" '[ "$(get "/m/raw_lookup?signal_type=pdq&signal=$pdq")" = 503 ] && jq -e ".message | type == \"string\"" "$T/body" >/dev/null'

# another process creates the store: loaded within 2 s
printf '%s\trings\n' "$pdq" >"$T/a.txt"
printf '%s\trings md5\n' "$md5" >"$T/md5.txt"
"$BULWARK" lists import BANK_A "$T/a.txt" >/dev/null
"$BULWARK" lists import BANK_MD5 "$T/md5.txt" --kind md5 >/dev/null
up=0; for i in $(seq 1 40); do [ "$(get /status)" = 200 ] && { up=1; break; }; sleep 0.05; done
check "GET /status: 200 I-AM-ALIVE within 2 s of the store appearing" '[ $up = 1 ] && [ "$(body)" = I-AM-ALIVE ]'
# the server may have loaded the store between the two imports: the checks
# below need both lists, which a reload brings within 2 s of the second
both=0; for i in $(seq 1 60); do
    [ "$(get /m/index/status)" = 200 ] && jq -e ".video_md5.size == 1" "$T/body" >/dev/null 2>&1 && { both=1; break; }
    sleep 0.05
done
check "both lists are in the index within 3 s of the second import" '[ $both = 1 ]'

# raw_lookup (RawLookupResponse: matches: list[int | MatchWithDistance])
check "raw_lookup pdq at distance 0: 200, one integer id" '[ "$(get "/m/raw_lookup?signal_type=pdq&signal=$pdq")" = 200 ] && jq -e "(.matches | length == 1) and (.matches[0] | type == \"number\" and . == floor and . >= 0)" "$T/body" >/dev/null'
id=$(jq '.matches[0]' "$T/body")
check "raw_lookup: the neighbour one bit away has the same id" '[ "$(get "/m/raw_lookup?signal_type=pdq&signal=$near")" = 200 ] && [ "$(jq ".matches[0]" "$T/body")" = "$id" ]'
check "raw_lookup include_distance=true: {bank_content_id: int, distance: \"1\"}" '[ "$(get "/m/raw_lookup?signal_type=pdq&signal=$near&include_distance=true")" = 200 ] && jq -e "(.matches[0] | keys == [\"bank_content_id\",\"distance\"]) and .matches[0].bank_content_id == $id and .matches[0].distance == \"1\"" "$T/body" >/dev/null'
check "raw_lookup include_distance=True (as Flask's test client sends it)" '[ "$(get "/m/raw_lookup?signal_type=pdq&signal=$pdq&include_distance=True")" = 200 ] && jq -e ".matches[0].distance == \"0\"" "$T/body" >/dev/null'
check "raw_lookup: a far hash matches nothing" '[ "$(get "/m/raw_lookup?signal_type=pdq&signal=$far")" = 200 ] && jq -e ".matches == []" "$T/body" >/dev/null'
check "raw_lookup banks=OTHER filters the match out" '[ "$(get "/m/raw_lookup?signal_type=pdq&signal=$pdq&banks=OTHER")" = 200 ] && jq -e ".matches == []" "$T/body" >/dev/null'
check "raw_lookup video_md5: distance \"-\"" '[ "$(get "/m/raw_lookup?signal_type=video_md5&signal=$md5&include_distance=1")" = 200 ] && jq -e ".matches | length == 1 and .[0].distance == \"-\"" "$T/body" >/dev/null'
check "raw_lookup md5 (alias), upper case with spaces (stripped and lowered as HMA)" '[ "$(get "/m/raw_lookup?signal_type=md5&signal=+${md5^^}+")" = 200 ] && jq -e ".matches | length == 1" "$T/body" >/dev/null'

# lookup (TMatchByBank: {bank: [{bank_content_id: int, distance: str}]})
check "lookup pdq: 200 {BANK_A: [{bank_content_id, distance}]}" '[ "$(get "/m/lookup?signal_type=pdq&signal=$near")" = 200 ] && jq -e "keys == [\"BANK_A\"] and (.BANK_A | length == 1) and (.BANK_A[0] | keys == [\"bank_content_id\",\"distance\"]) and .BANK_A[0].bank_content_id == $id and .BANK_A[0].distance == \"1\"" "$T/body" >/dev/null'
check "lookup video_md5: {BANK_MD5: [...]}, distance \"-\"" '[ "$(get "/m/lookup?signal_type=video_md5&signal=$md5")" = 200 ] && jq -e "keys == [\"BANK_MD5\"] and .BANK_MD5[0].distance == \"-\" and (.BANK_MD5[0].bank_content_id | type == \"number\")" "$T/body" >/dev/null'
check "lookup banks=BANK_MD5 leaves BANK_A out" '[ "$(get "/m/lookup?signal_type=pdq&signal=$pdq&banks=BANK_MD5")" = 200 ] && jq -e ". == {}" "$T/body" >/dev/null'
check "lookup without a signal: 400 {message}" '[ "$(get "/m/lookup?signal_type=pdq")" = 400 ] && jq -e ".message == \"Either url or both signal and signal_type are required\"" "$T/body" >/dev/null'

# compare (matching.py compare: {type: [match, {distance}]}); the expected
# distances computed here: one bit flipped, and the popcount against zero
post() { curl -s -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$2" "$URL$1"; }
pop=$(python3 -c "print(bin(int('$pdq', 16)).count('1'))")
check "POST /m/compare: pdq one bit apart: [true, {distance: 1}]" '[ "$(post /m/compare "{\"pdq\": [\"$pdq\", \"$near\"]}")" = 200 ] && jq -e ". == {pdq: [true, {distance: 1}]}" "$T/body" >/dev/null'
check "POST /m/compare: against zero: [distance <= 31, {distance: popcount}]" '[ "$(post /m/compare "{\"pdq\": [\"$pdq\", \"$far\"]}")" = 200 ] && jq -e --argjson d "$pop" ". == {pdq: [(\$d <= 31), {distance: \$d}]}" "$T/body" >/dev/null'
check "POST /m/compare: video_md5 equal: [true, {}]; two types at once" '[ "$(post /m/compare "{\"video_md5\": [\"$md5\", \"$md5\"], \"pdq\": [\"$far\", \"$far\"]}")" = 200 ] && jq -e ". == {video_md5: [true, {}], pdq: [true, {distance: 0}]}" "$T/body" >/dev/null'
check "POST /m/compare: not a dict: 400 Request input was not a dict" '[ "$(post /m/compare "[1]")" = 400 ] && jq -e ".message == \"Request input was not a dict\"" "$T/body" >/dev/null'
check "POST /m/compare: one hash: 400 exactly 2" '[ "$(post /m/compare "{\"pdq\": [\"$pdq\"]}")" = 400 ] && jq -e ".message == \"Comparison hash list length must be exactly 2\"" "$T/body" >/dev/null'
check "POST /m/compare: not a list: 400" '[ "$(post /m/compare "{\"pdq\": \"$pdq\"}")" = 400 ] && jq -e ".message == \"Comparison hashes for pdq was not a list\"" "$T/body" >/dev/null'
check "POST /m/compare: a bad hash: 400 Invalid pdq hash" '[ "$(post /m/compare "{\"pdq\": [\"$pdq\", \"xyz\"]}")" = 400 ] && jq -e ".message == \"Invalid pdq hash: invalid PDQ hash\"" "$T/body" >/dev/null'
check "POST /m/compare: an unknown type: 400 No such SignalType" '[ "$(post /m/compare "{\"tmk\": [\"a\", \"b\"]}")" = 400 ] && jq -e ".message == \"No such SignalType '"'"'tmk'"'"'\"" "$T/body" >/dev/null'

# errors as HMA words them
check "raw_lookup of an unknown signal type: 400 No such SignalType" '[ "$(get "/m/raw_lookup?signal_type=tmk&signal=$pdq")" = 400 ] && jq -e ".message == \"No such SignalType '"'"'tmk'"'"'\"" "$T/body" >/dev/null'
check "raw_lookup of an upper-case PDQ: 400 invalid signal (HMA wants ^[0-9a-f]{64}$)" '[ "$(get "/m/raw_lookup?signal_type=pdq&signal=${pdq^^}")" = 400 ] && jq -e ".message == \"invalid signal: invalid PDQ hash\"" "$T/body" >/dev/null'
check "raw_lookup without signal: 422 (a required field)" '[ "$(get "/m/raw_lookup?signal_type=pdq")" = 422 ] && jq -e ".message | type == \"string\"" "$T/body" >/dev/null'
check "raw_lookup include_distance=maybe: 422" '[ "$(get "/m/raw_lookup?signal_type=pdq&signal=$pdq&include_distance=maybe")" = 422 ]'

# index status ({signal_type: {present: bool, built_to: int, size: int}})
check "index/status: pdq and video_md5 with present, built_to, size" '[ "$(get /m/index/status)" = 200 ] && jq -e "keys == [\"pdq\",\"video_md5\"] and .pdq.present == true and .pdq.size == 1 and .video_md5.size == 1 and (.pdq.built_to | type == \"number\" and . > 0)" "$T/body" >/dev/null'
check "index/status?signal_type=pdq: only pdq" '[ "$(get "/m/index/status?signal_type=pdq")" = 200 ] && jq -e "keys == [\"pdq\"]" "$T/body" >/dev/null'
check "index/status?signal_type=nope: 400" '[ "$(get "/m/index/status?signal_type=nope")" = 400 ]'

# banks (BankConfig: {name: str, matching_enabled_ratio: float})
check "GET /c/banks: [{name, matching_enabled_ratio}] by name" '[ "$(get /c/banks)" = 200 ] && jq -e "map(.name) == [\"BANK_A\",\"BANK_MD5\"] and all(.[]; keys == [\"matching_enabled_ratio\",\"name\"] and .matching_enabled_ratio == 1)" "$T/body" >/dev/null'
check "GET /c/bank/BANK_A: the bank" '[ "$(get /c/bank/BANK_A)" = 200 ] && jq -e ". == {name: \"BANK_A\", matching_enabled_ratio: 1.0}" "$T/body" >/dev/null'
check "GET /c/bank/NOPE: 404 bank '"'"'NOPE'"'"' not found" '[ "$(get /c/bank/NOPE)" = 404 ] && jq -e ".message == \"bank '"'"'NOPE'"'"' not found\"" "$T/body" >/dev/null'

# the site map (app.py site_map: the sorted routes)
check "GET /site-map: a sorted list of route strings" '[ "$(get /site-map)" = 200 ] && jq -e "type == \"array\" and . == sort and index(\"/m/raw_lookup\") != null and index(\"/c/bank/<bank_name>\") != null" "$T/body" >/dev/null'

# unknown routes and methods; targets that mean two things
check "unknown route: 404 {message}" '[ "$(get /m/nope)" = 404 ] && jq -e ".message | type == \"string\"" "$T/body" >/dev/null'
check "POST /m/raw_lookup: 405 with Allow: GET" '[ "$(curl -s -o /dev/null -D "$T/h" -w "%{http_code}" -X POST "$URL/m/raw_lookup")" = 405 ] && grep -qi "^allow: GET" "$T/h"'
check "a %00 in the target: 400" '[ "$(get "/status%00x")" = 400 ]'
check "a .. segment: 400" '[ "$(curl -s -o /dev/null -w "%{http_code}" --path-as-is "$URL/c/bank/../banks")" = 400 ]'

# a list imported by another process while the server runs: matched within 2 s
pdq2=$("$BULWARK" hash --json "$SAMPLES/hills-sunset.jpg" | jq -r .pdq)
check "a hash not in any list yet: no match" '[ "$(get "/m/lookup?signal_type=pdq&signal=$pdq2")" = 200 ] && jq -e ". == {}" "$T/body" >/dev/null'
printf '%s\n' "$pdq2" >"$T/b.txt"
"$BULWARK" lists import BANK_B "$T/b.txt" >/dev/null
t0=$(date +%s.%N); seen=0
for i in $(seq 1 40); do
    get "/m/lookup?signal_type=pdq&signal=$pdq2" >/dev/null
    jq -e 'has("BANK_B")' "$T/body" >/dev/null && { seen=1; break; }
    sleep 0.05
done
t1=$(date +%s.%N)
check "a list imported by another process is matched within 2 s" '[ $seen = 1 ] && [ "$(echo "$t1 - $t0 < 2" | bc)" = 1 ]'

# with no lookup at all, the server itself notices a change: a list removed
# by another process leaves /m/index/status within 2 s
"$BULWARK" lists rm BANK_MD5 >/dev/null
gone=0; for i in $(seq 1 40); do
    [ "$(get /m/index/status)" = 200 ] && jq -e ".video_md5.size == 0 and .pdq.size == 2" "$T/body" >/dev/null 2>&1 && { gone=1; break; }
    sleep 0.05
done
check "a list removed by another process leaves /m/index/status within 2 s, without lookups" '[ $gone = 1 ]'

# SIGTERM: stops and exits 0
bw_serve_stop
check "SIGTERM: exit 0" '[ "$SERVE_RC" = 0 ]'
check "nothing on stderr but the listening line and the access log's lines" '[ "$(grep -v "^bulwark: serve: listening on" "$SERVE_LOG" | grep -vc "^{\"time\":")" = 0 ]'
bw_finish
