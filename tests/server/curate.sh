#!/usr/bin/env bash
# curate.sh -- HMA's curation writes on `bulwark serve` (blueprints/
# curation.py, schemas/curation.py of facebook/ThreatExchange's
# hasher-matcher-actioner, written out here by hand): a bank made (201),
# refused when it is there (403) or badly named (400), its ratio set (0:
# it matches nothing), content added from signals and from an upload with
# a stable id, read back with its signals, disabled for good, until a time
# to come, and again enabled -- each taking effect on the very next lookup
# --, deleted, and the bank removed; a `match` token may read but not
# write (403); and a bank written here is matched by a second server on
# the same store within 2 s. Hashes are of the bundled benign samples,
# computed by `bulwark hash`; ids are checked against SHA-256 computed
# here by sha256sum (store.h: the first 53 bits of SHA-256(list NUL kind
# NUL hash)).
. "$(dirname "$0")/../lib.sh"; bw_setup server_curate
export BULWARK_DB="$T/curate.db"
pdq=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .pdq)
md5=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .md5)
bw_list SEED "$(printf '%064x' 1)"
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
{ echo "matcher match sha256:$(sha m-token)"
  echo "curator curate sha256:$(sha c-token)"; } >"$T/tokens"
M="Authorization: Bearer m-token"; C="Authorization: Bearer c-token"
# req METHOD PATH TOKEN [BODY]: the status code, the body in $T/body
req() { curl -s -X "$1" -o "$T/body" -w '%{http_code}' -H "$3" ${4:+-H "Content-Type: application/json" --data-binary "$4"} "$URL$2"; }
look() { req GET "/m/lookup?signal_type=pdq&signal=$pdq" "$M"; }
# the id store.h defines, from sha256sum: 53 bits of SHA-256(list \0 kind \0 hash bytes)
want_id() { local d; d=$( { printf '%s\0%s\0' "$1" "$2"; printf '%s' "$3" | xxd -r -p; } | sha256sum | cut -c1-14)
            echo $(( 0x$d >> 3 )); }
bw_serve --tokens "$T/tokens" -j 2

# banks
check "POST /c/banks: 201 {name, matching_enabled_ratio: 1.0}" '[ "$(req POST /c/banks "$C" "{\"name\": \"NEW_BANK\"}")" = 201 ] && jq -e ". == {name: \"NEW_BANK\", matching_enabled_ratio: 1.0}" "$T/body" >/dev/null'
check "... again: 403 Bank already exists" '[ "$(req POST /c/banks "$C" "{\"name\": \"NEW_BANK\"}")" = 403 ] && jq -e ".message == \"Bank already exists\"" "$T/body" >/dev/null'
check "a lower-case name: 400 UPPER_WITH_UNDERSCORE" '[ "$(req POST /c/banks "$C" "{\"name\": \"new\"}")" = 400 ] && jq -e ".message == \"Bank names must be UPPER_WITH_UNDERSCORE\"" "$T/body" >/dev/null'
check "no name: 422" '[ "$(req POST /c/banks "$C" "{}")" = 422 ]'
check "malformed JSON: 400 {message}" '[ "$(req POST /c/banks "$C" "{\"name\": ")" = 400 ] && jq -e ".message | startswith(\"malformed JSON\")" "$T/body" >/dev/null'
check "a JSON array: 400 expects a json object" '[ "$(req POST /c/banks "$C" "[1]")" = 400 ] && jq -e ".message == \"this endpoint expects a json object payload\"" "$T/body" >/dev/null'
check "deep nesting: 400, served on" '[ "$(req POST /c/banks "$C" "$(printf "%.0s[" $(seq 1 5000))")" = 400 ] && [ "$(req GET /status/live "$M")" = 200 ]'
check "enabled: false makes a bank of ratio 0.0" '[ "$(req POST /c/banks "$C" "{\"name\": \"OFF\", \"enabled\": false}")" = 201 ] && jq -e ".matching_enabled_ratio == 0" "$T/body" >/dev/null'
check "a match token may not write: 403" '[ "$(req POST /c/banks "$M" "{\"name\": \"NOPE\"}")" = 403 ]'
check "no token: 401" '[ "$(curl -s -o /dev/null -w "%{http_code}" -X POST -d "{}" "$URL/c/banks")" = 401 ]'
check "GET /c/banks lists it" '[ "$(req GET /c/banks "$M")" = 200 ] && jq -e "map(.name) | index(\"NEW_BANK\") != null" "$T/body" >/dev/null'

# content from signals
check "nothing matches before the content" '[ "$(look)" = 200 ] && jq -e ". == {}" "$T/body" >/dev/null'
check "POST /c/bank/NEW_BANK/signal: 200 {id, signals}" '[ "$(req POST /c/bank/NEW_BANK/signal "$C" "{\"pdq\": \"$pdq\", \"note\": \"first\"}")" = 200 ] && jq -e "(.id | type == \"number\") and .signals == {pdq: \"$pdq\"}" "$T/body" >/dev/null'
id=$(jq .id "$T/body")
check "the id is SHA-256's, as store.h defines it" '[ "$id" = "$(want_id NEW_BANK pdq "$pdq")" ]'
check "matched by the very next lookup, with that id" '[ "$(look)" = 200 ] && jq -e ".NEW_BANK[0].bank_content_id == $id and .NEW_BANK[0].distance == \"0\"" "$T/body" >/dev/null'
check "the same signal again: the same id" '[ "$(req POST /c/bank/NEW_BANK/signal "$C" "{\"pdq\": \"$pdq\"}")" = 200 ] && [ "$(jq .id "$T/body")" = "$id" ]'
check "an unknown signal type: 400 No such signal type" '[ "$(req POST /c/bank/NEW_BANK/signal "$C" "{\"tmk\": \"00\"}")" = 400 ] && jq -e ".message == \"No such signal type tmk\"" "$T/body" >/dev/null'
check "a bad PDQ: 400 Invalid pdq signal" '[ "$(req POST /c/bank/NEW_BANK/signal "$C" "{\"pdq\": \"xyz\"}")" = 400 ] && jq -e ".message | startswith(\"Invalid pdq signal\")" "$T/body" >/dev/null'
check "no signals: 400 No signals given" '[ "$(req POST /c/bank/NEW_BANK/signal "$C" "{\"note\": \"x\"}")" = 400 ] && jq -e ".message == \"No signals given\"" "$T/body" >/dev/null'
check "a bank that is not there: 404" '[ "$(req POST /c/bank/NOPE/signal "$C" "{\"pdq\": \"$pdq\"}")" = 404 ] && jq -e ".message == \"bank '"'"'NOPE'"'"' not found\"" "$T/body" >/dev/null'
check "the bank counts it: lists ls" '"$BULWARK" lists ls --json | jq -s -e "map(select(.name == \"NEW_BANK\")) | length == 1 and .[0].entries == 1" >/dev/null'

# one piece of content (BankContentResponse)
check "GET content/ID: {id, disable_until_ts: 1, original_media_uri: null, bank, note}" '[ "$(req GET /c/bank/NEW_BANK/content/$id "$M")" = 200 ] && jq -e ". == {id: $id, disable_until_ts: 1, original_media_uri: null, bank: {name: \"NEW_BANK\", matching_enabled_ratio: 1.0}, note: \"first\"}" "$T/body" >/dev/null'
check "include_signals=true adds {signals: {pdq}}" '[ "$(req GET "/c/bank/NEW_BANK/content/$id?include_signals=true" "$M")" = 200 ] && jq -e ".signals == {pdq: \"$pdq\"}" "$T/body" >/dev/null'
check "an id that is not there: 404 content not found" '[ "$(req GET /c/bank/NEW_BANK/content/12345 "$M")" = 404 ] && jq -e ".message == \"content '"'"'12345'"'"' not found\"" "$T/body" >/dev/null'
check "an id that is not an integer: 404" '[ "$(req GET /c/bank/NEW_BANK/content/abc "$M")" = 404 ]'

# disabling: at once, for good / until a time to come, then enabled again
check "PUT disable_until_ts 0: 200, the content's config" '[ "$(req PUT /c/bank/NEW_BANK/content/$id "$C" "{\"disable_until_ts\": 0}")" = 200 ] && jq -e ".id == $id and .disable_until_ts == 0 and .bank.name == \"NEW_BANK\" and .collab_metadata == {} and .note == \"first\"" "$T/body" >/dev/null'
check "disabled: the very next lookup matches nothing" '[ "$(look)" = 200 ] && jq -e ". == {}" "$T/body" >/dev/null'
check "... nor raw_lookup" '[ "$(req GET "/m/raw_lookup?signal_type=pdq&signal=$pdq" "$M")" = 200 ] && jq -e ".matches == []" "$T/body" >/dev/null'
later=$(( $(date +%s) + 3600 ))
check "disabled until an hour from now (a string, as str_to_type takes it): not matched" '[ "$(req PUT /c/bank/NEW_BANK/content/$id "$C" "{\"disable_until_ts\": \"$later\"}")" = 200 ] && [ "$(look)" = 200 ] && jq -e ". == {}" "$T/body" >/dev/null'
check "disable_until_ts 1 (enabled): matched again at once" '[ "$(req PUT /c/bank/NEW_BANK/content/$id "$C" "{\"disable_until_ts\": 1}")" = 200 ] && [ "$(look)" = 200 ] && jq -e ".NEW_BANK[0].bank_content_id == $id" "$T/body" >/dev/null'
check "negative: 400" '[ "$(req PUT /c/bank/NEW_BANK/content/$id "$C" "{\"disable_until_ts\": -5}")" = 400 ] && jq -e ".message == \"disable_until_ts must be a non-negative integer\"" "$T/body" >/dev/null'
check "ten years ahead: 400" '[ "$(req PUT /c/bank/NEW_BANK/content/$id "$C" "{\"disable_until_ts\": $(( $(date +%s) + 315360000 ))}")" = 400 ] && jq -e ".message == \"disable_until_ts must be less than 5 years in the future\"" "$T/body" >/dev/null'
check "a note of 256 characters: 400" '[ "$(req PUT /c/bank/NEW_BANK/content/$id "$C" "{\"note\": \"$(printf "n%.0s" $(seq 1 256))\"}")" = 400 ]'
check "a match token may not disable: 403" '[ "$(req PUT /c/bank/NEW_BANK/content/$id "$M" "{\"disable_until_ts\": 0}")" = 403 ]'

# the bank's ratio
check "PUT /c/bank/NEW_BANK enabled_ratio 0: the bank matches nothing" '[ "$(req PUT /c/bank/NEW_BANK "$C" "{\"enabled_ratio\": 0}")" = 200 ] && jq -e ".matching_enabled_ratio == 0" "$T/body" >/dev/null && [ "$(look)" = 200 ] && jq -e ". == {}" "$T/body" >/dev/null'
check "enabled: true: it matches again" '[ "$(req PUT /c/bank/NEW_BANK "$C" "{\"enabled\": true}")" = 200 ] && [ "$(look)" = 200 ] && jq -e ".NEW_BANK | length == 1" "$T/body" >/dev/null'
check "a rename to a taken name: 403 Bank name already exists" '[ "$(req PUT /c/bank/NEW_BANK "$C" "{\"name\": \"OFF\"}")" = 403 ] && jq -e ".message == \"Bank name already exists\"" "$T/body" >/dev/null'
check "a rename to a bad name: 400" '[ "$(req PUT /c/bank/NEW_BANK "$C" "{\"name\": \"bad name\"}")" = 400 ]'
check "PUT name: RENAMED, 200 {name: RENAMED}" '[ "$(req PUT /c/bank/NEW_BANK "$C" "{\"name\": \"RENAMED\"}")" = 200 ] && jq -e ". == {name: \"RENAMED\", matching_enabled_ratio: 1.0}" "$T/body" >/dev/null'
check "... matched under the new name with the same id, at once" '[ "$(look)" = 200 ] && jq -e "keys == [\"RENAMED\"] and .RENAMED[0].bank_content_id == $id" "$T/body" >/dev/null'
check "... its content read under the new name, note kept" '[ "$(req GET /c/bank/RENAMED/content/$id "$M")" = 200 ] && jq -e ".note == \"first\" and .bank.name == \"RENAMED\"" "$T/body" >/dev/null'
check "... and back again (the id still SHA-256 of the first name)" '[ "$(req PUT /c/bank/RENAMED "$C" "{\"name\": \"NEW_BANK\"}")" = 200 ] && [ "$(look)" = 200 ] && jq -e ".NEW_BANK[0].bank_content_id == $id" "$T/body" >/dev/null'
check "PUT a bank that is not there: 404" '[ "$(req PUT /c/bank/NOPE "$C" "{\"enabled\": true}")" = 404 ]'

# content from an upload (multipart, as POST /h/hash), with a note field
check "POST /c/bank/NEW_BANK/content (photo): 200 {id, signals: {pdq}}" '[ "$(curl -s -o "$T/body" -w "%{http_code}" -H "$C" -F "photo=@$SAMPLES/rings.png" -F "note=upload" "$URL/c/bank/NEW_BANK/content")" = 200 ] && jq -e ".id == $id and .signals == {pdq: \"$pdq\"}" "$T/body" >/dev/null'
check "no file: 400" '[ "$(curl -s -o "$T/body" -w "%{http_code}" -H "$C" -F "note=x" "$URL/c/bank/NEW_BANK/content")" = 400 ]'
check "?url= while fetching is off: 403" '[ "$(req POST "/c/bank/NEW_BANK/content?url=http://127.0.0.1:1/x.png" "$C")" = 403 ]'
# a JSON body's metadata, checked as curation.py _validate_bank_add_metadata does
check "metadata not an object: 400 metadata should be a json object" \
    '[ "$(req POST "/c/bank/NEW_BANK/content?url=http://127.0.0.1:1/x.png" "$C" "{\"metadata\": \"x\"}")" = 400 ] && jq -e ".message == \"metadata should be a json object\"" "$T/body" >/dev/null'
check "metadata with other keys: 400 naming them sorted, joined as HMA joins them" \
    '[ "$(req POST "/c/bank/NEW_BANK/content?url=http://127.0.0.1:1/x.png" "$C" "{\"metadata\": {\"zeta\": 1, \"content_id\": \"a\", \"alpha\": 2}}")" = 400 ] && jq -e ".message == \"metadata contains unexpected keys: alpha ,zeta\"" "$T/body" >/dev/null'
check "metadata of HMA's keys passes (then the fetch is refused: 403)" \
    '[ "$(req POST "/c/bank/NEW_BANK/content?url=http://127.0.0.1:1/x.png" "$C" "{\"metadata\": {\"content_id\": \"c1\", \"content_uri\": \"https://example.org/1\", \"json\": {\"k\": [1]}}}")" = 403 ]'
check "video_md5 by signal: a second piece of content" '[ "$(req POST /c/bank/NEW_BANK/signal "$C" "{\"video_md5\": \"$md5\"}")" = 200 ] && [ "$(jq .id "$T/body")" = "$(want_id NEW_BANK md5 "$md5")" ]'

# a second server on the same store follows the writes
P1=$SERVE_PID U1=$URL; SERVE_PID=
bw_serve --tokens "$T/tokens" -j 1
U2=$URL; URL=$U1
check "the second server matches NEW_BANK" 'curl -s -H "$M" "$U2/m/lookup?signal_type=pdq&signal=$pdq" | jq -e ".NEW_BANK | length == 1" >/dev/null'
req PUT /c/bank/NEW_BANK/content/$id "$C" "{\"disable_until_ts\": 0}" >/dev/null
check "a disable on the first is seen by the second at once (the store decides)" 'curl -s -H "$M" "$U2/m/lookup?signal_type=pdq&signal=$pdq" | jq -e ". == {}" >/dev/null'
req PUT /c/bank/NEW_BANK/content/$id "$C" "{\"disable_until_ts\": 1}" >/dev/null
req POST /c/banks "$C" '{"name": "LATE"}' >/dev/null
far=$(printf '%064x' 2)
t0=$(date +%s%N); req POST /c/bank/LATE/signal "$C" "{\"pdq\": \"$far\"}" >/dev/null
seen=0; for i in $(seq 1 40); do
    curl -s -H "$M" "$U2/m/lookup?signal_type=pdq&signal=$far" | jq -e ".LATE | length == 1" >/dev/null 2>&1 && { seen=1; break; }
    sleep 0.05
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "content added on the first is matched by the second within 2 s ($ms ms)" '[ $seen = 1 ] && [ $ms -lt 2000 ]'

# deleting
check "DELETE content/ID: {deleted: 1}" '[ "$(req DELETE /c/bank/NEW_BANK/content/$id "$C")" = 200 ] && jq -e ". == {deleted: 1}" "$T/body" >/dev/null'
check "deleted: not matched, not found" '[ "$(look)" = 200 ] && jq -e ". == {}" "$T/body" >/dev/null && [ "$(req GET /c/bank/NEW_BANK/content/$id "$M")" = 404 ]'
check "DELETE again: {deleted: 0}" '[ "$(req DELETE /c/bank/NEW_BANK/content/$id "$C")" = 200 ] && jq -e ". == {deleted: 0}" "$T/body" >/dev/null'
check "DELETE /c/bank/NEW_BANK: {message: Done}" '[ "$(req DELETE /c/bank/NEW_BANK "$C")" = 200 ] && jq -e ". == {message: \"Done\"}" "$T/body" >/dev/null && [ "$(req GET /c/bank/NEW_BANK "$M")" = 404 ]'
check "the store holds no NEW_BANK" '"$BULWARK" lists ls --json | jq -s -e "map(select(.name == \"NEW_BANK\")) == []" >/dev/null'
check "the server served on" '[ "$(req GET /status "$M")" = 200 ]'
bw_serve_stop
SERVE_PID=$P1; bw_serve_stop
check "SIGTERM: exit 0" '[ "$SERVE_RC" = 0 ]'
bw_finish
