#!/usr/bin/env bash
# access_log.sh -- the JSON access log: one object per request, with
# exactly the keys time (ISO 8601 UTC), remote, method, route (the
# pattern), path (never the query string), status, bytes, duration_ms,
# token (the NAME, never the token); on stderr by default, appended to
# --log FILE; whole lines even from many threads at once; a marker put in
# a query or a body never appears in it.
. "$(dirname "$0")/../lib.sh"; bw_setup server_access_log
export BULWARK_DB="$T/access.db"
pdq=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .pdq)
bw_list BANK "$pdq	rings"
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
echo "ci-matcher match sha256:$(sha secret-token-7f3a)" >"$T/tokens"
AUTH="Authorization: Bearer secret-token-7f3a"
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }

# the keys, their types and their order; route null when none matched
keys_ok() { jq -e -s 'length > 0 and all(.[];
    (keys_unsorted == ["time","remote","method","route","path","status","bytes","duration_ms","token"])
    and (.time | type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"))
    and (.remote | type == "string") and (.method | type == "string")
    and (.route | type == "string" or . == null) and (.path | type == "string" or . == null)
    and (.status | type == "number") and (.bytes | type == "number" and . >= 0)
    and (.duration_ms | type == "number" and . >= 0)
    and (.token | type == "string" or . == null))' "$1" >/dev/null; }

: >"$T/access.log.before"
echo '{"old": "line"}' >"$T/access.log"
bw_serve --tokens "$T/tokens" --log "$T/access.log" -j 4
sleep 0.2
n0=$(wc -l <"$T/access.log")   # the line before and bw_serve's probes of /status/live
check "bw_serve's probes are logged too" '[ "$n0" -ge 2 ] && tail -1 "$T/access.log" | jq -e ".path == \"/status/live\"" >/dev/null'
t0=$(date -u +%s)
code -H "$AUTH" "$URL/v1/lookup?pdq=$pdq&note=QUERYMARKER4471" >/dev/null
size=$(curl -s -o /dev/null -w '%{size_download}' -H "$AUTH" "$URL/m/lookup?signal_type=pdq&signal=$pdq")
code -H "$AUTH" --data-binary "BODYMARKER9183 a lake at dawn" "$URL/v1/prompt?q=QUERYMARKER4471" >/dev/null
code "$URL/v1/lists" >/dev/null                                   # 401: no token
code -H "$AUTH" "$URL/c/bank/BANK" >/dev/null
code "$URL/nope?x=QUERYMARKER4471" >/dev/null                      # 404
code "$URL/status" >/dev/null
sleep 0.2
tail -n +$((n0 + 1)) "$T/access.log" >"$T/log"
check "--log FILE is appended to (the line before kept)" '[ "$(head -1 "$T/access.log")" = "{\"old\": \"line\"}" ]'
check "one line per request: 7" '[ "$(wc -l <"$T/log")" = 7 ]'
check "every line is JSON with the keys and types" 'json_ok <"$T/log" && keys_ok "$T/log"'
check "nothing but the listening line on stderr with --log" '[ "$(grep -c . "$SERVE_LOG")" = 1 ]'
l() { sed -n "$1p" "$T/log"; }
check "line 1: GET /v1/lookup 200, token ci-matcher, from 127.0.0.1" '[ "$(l 1 | jq -r "[.method, .route, .path, .status, .token, .remote] | join(\" \")")" = "GET /v1/lookup /v1/lookup 200 ci-matcher 127.0.0.1" ]'
check "line 1: time is now (UTC), duration a small number of ms" 't=$(date -u -d "$(l 1 | jq -r .time)" +%s) && [ $((t - t0)) -ge -1 ] && [ $((t - t0)) -le 10 ] && l 1 | jq -e ".duration_ms < 10000" >/dev/null'
check "line 2: bytes is the body's size as curl counted it ($size)" '[ "$(l 2 | jq .bytes)" = "$size" ] && [ "$size" -gt 0 ]'
check "line 3: POST /v1/prompt 200" '[ "$(l 3 | jq -r "[.method, .route, .status] | join(\" \")")" = "POST /v1/prompt 200" ]'
check "line 4: 401, token null" '[ "$(l 4 | jq -r "[.status, .token] | join(\" \")")" = "401 " ] && l 4 | jq -e ".token == null" >/dev/null'
check "line 5: the route pattern and the path" '[ "$(l 5 | jq -r "[.route, .path] | join(\" \")")" = "/c/bank/<bank_name> /c/bank/BANK" ]'
check "line 6: no route: route null, the path without its query" 'l 6 | jq -e ".route == null and .path == \"/nope\" and .status == 404" >/dev/null'
check "line 7: /status, no token needed: token null" 'l 7 | jq -e ".route == \"/status\" and .token == null" >/dev/null'
check "the query's marker is not in the log" '! grep -q QUERYMARKER "$T/access.log" "$SERVE_LOG"'
check "the body's marker is not in the log" '! grep -q BODYMARKER "$T/access.log" "$SERVE_LOG"'
check "the token is not in the log" '! grep -q "secret-token" "$T/access.log" "$SERVE_LOG"'

# many threads at once: whole lines, none lost
pids=
for p in 1 2 3 4 5 6; do
    ( for i in $(seq 1 25); do curl -s -o /dev/null -H "$AUTH" "$URL/v1/lookup?pdq=$pdq"; done ) &
    pids="$pids $!"
done
wait $pids
sleep 0.2
tail -n +$((n0 + 8)) "$T/access.log" >"$T/log2"
check "150 concurrent requests: 150 whole JSON lines" '[ "$(wc -l <"$T/log2")" = 150 ] && json_ok <"$T/log2" && keys_ok "$T/log2"'
bw_serve_stop

# without --log: stderr, one JSON line per request after the listening line
bw_serve
code "$URL/v1/lookup?pdq=$pdq" >/dev/null
code "$URL/status/live" >/dev/null
sleep 0.2
grep '^{' "$SERVE_LOG" >"$T/log3"
check "without --log the lines go to stderr (2 requests after the start-up probes)" '[ "$(jq -r .path "$T/log3" | tail -2 | tr "\n" " ")" = "/v1/lookup /status/live " ] && keys_ok "$T/log3"'
check "and nothing else on stderr is cut by them" '[ "$(grep -vc "^{" "$SERVE_LOG")" = 1 ]'
bw_serve_stop
"$BULWARK" serve --listen 127.0.0.1:0 --log "$T/no/such/dir/log" 2>"$T/e"
check "--log into a missing directory: exit 2, says why" '[ $? = 2 ] && grep -q "^bulwark: serve: --log .*No such file" "$T/e"'
bw_finish
