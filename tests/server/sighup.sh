#!/usr/bin/env bash
# sighup.sh -- SIGHUP reloads the --tokens file: a new token works at
# once, a removed one gets 401, a file that does not load keeps the tokens
# there are and the log says why; requests going on during reloads with a
# token in every file never fail; /metrics counts the reloads.
. "$(dirname "$0")/../lib.sh"; bw_setup server_sighup
export BULWARK_DB="$T/sighup.db"
pdq=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .pdq)
bw_list BANK "$pdq	rings"
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
tok() { echo "$1 $2 sha256:$(sha "$1-secret")"; }
code() { curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $1-secret" "$URL/v1/lists"; }
# hup WORDS: SIGHUP, then wait for the next log line with WORDS
hup() {
    local before; before=$(grep -c "SIGHUP" "$SERVE_LOG")
    kill -HUP "$SERVE_PID"
    for i in $(seq 1 100); do
        [ "$(grep -c "SIGHUP" "$SERVE_LOG")" -gt "$before" ] && break; sleep 0.05
    done
    grep "SIGHUP" "$SERVE_LOG" | tail -1 | grep -q "$1"
}

{ tok alice match; tok bob match; tok ops admin; } >"$T/tokens"
bw_serve --tokens "$T/tokens" -j 4
check "alice and bob: 200" '[ "$(code alice)" = 200 ] && [ "$(code bob)" = 200 ]'
check "carol (not in the file yet): 401" '[ "$(code carol)" = 401 ]'
{ tok bob match; tok carol match; tok ops admin; } >"$T/tokens"
check "SIGHUP: the log says the tokens were reloaded (3)" 'hup "reloaded 3 tokens"'
check "carol, added: 200" '[ "$(code carol)" = 200 ]'
check "alice, removed: 401" '[ "$(code alice)" = 401 ]'
check "bob, kept: 200" '[ "$(code bob)" = 200 ]'

printf 'carol matc sha256:%064x\n' 0 >"$T/tokens"
check "a broken file: the old tokens kept, the log names the line" 'hup "tokens:1: unknown scope .*keeping the 3 tokens"'
check "carol and bob still 200, alice still 401" '[ "$(code carol)" = 200 ] && [ "$(code bob)" = 200 ] && [ "$(code alice)" = 401 ]'
rm -f "$T/tokens"
check "a missing file: kept too" 'hup "keeping the 3 tokens" && [ "$(code carol)" = 200 ]'
check "the server is still up after all that" 'kill -0 "$SERVE_PID"'

# reloads under load: bob is in both files, so none of his requests may fail
{ tok bob match; tok carol match; tok ops admin; } >"$T/tokens.a"
{ tok bob match; tok dave match; tok ops admin; } >"$T/tokens.b"
cp "$T/tokens.a" "$T/tokens"
pids=
for p in 1 2 3 4; do
    ( for i in $(seq 1 60); do code bob; echo; done >"$T/load.$p" ) &
    pids="$pids $!"
done
for i in $(seq 1 20); do
    if [ $((i % 2)) = 0 ]; then cp "$T/tokens.a" "$T/tokens"; else cp "$T/tokens.b" "$T/tokens"; fi
    kill -HUP "$SERVE_PID"; sleep 0.05
done
wait $pids
check "240 requests during 20 reloads: every one 200" '[ "$(cat "$T"/load.* | grep -c "^200$")" = 240 ]'
cp "$T/tokens.a" "$T/tokens"
hup "reloaded 3 tokens"
check "after the last reload: carol 200, dave 401" '[ "$(code carol)" = 200 ] && [ "$(code dave)" = 401 ]'
check "/metrics counts the reloads: failed 2, ok at least 3" 'curl -s -H "Authorization: Bearer ops-secret" "$URL/metrics" >"$T/m" && grep -q "^bulwark_token_reloads_total{result=\"failed\"} 2$" "$T/m" && [ "$(sed -n "s/^bulwark_token_reloads_total{result=\"ok\"} //p" "$T/m")" -ge 3 ]'
check "no token appears in the log" '! grep -q -- "-secret" "$SERVE_LOG"'
bw_serve_stop
check "SIGTERM after reloads: exit 0" '[ "$SERVE_RC" = 0 ]'

bw_serve
check "SIGHUP without --tokens: says so, keeps serving" 'hup "no --tokens file" && [ "$(curl -s -o /dev/null -w "%{http_code}" "$URL/v1/lists")" = 200 ]'
bw_serve_stop
bw_finish
