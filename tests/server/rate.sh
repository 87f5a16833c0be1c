#!/usr/bin/env bash
# rate.sh -- --rate N: each token (each remote address without --tokens)
# gets N requests a second in bursts of N; past that 429 {message} with
# Retry-After, until the bucket refills; other tokens are not affected;
# the health checks are never limited; a bad --rate is a usage error.
. "$(dirname "$0")/../lib.sh"; bw_setup server_rate
export BULWARK_DB="$T/rate.db"
pdq=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .pdq)
bw_list BANK "$pdq	rings"
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
# burst N ROUTE [CURL ARGS]: N requests on one connection, their codes one a line in $T/codes
burst() {
    local n=$1 route=$2; shift 2
    local urls=() i
    for i in $(seq 1 "$n"); do urls+=("$URL$route" -o /dev/null); done
    curl -s "$@" -w '%{http_code}\n' "${urls[@]}" >"$T/codes"
}
count() { grep -c "^$1$" "$T/codes"; }

"$BULWARK" serve --listen 127.0.0.1:0 --rate 0 2>"$T/e"
check "--rate 0: usage error (exit 2)" '[ $? = 2 ] && grep -q -- "--rate" "$T/e"'

# without tokens: per address
bw_serve --rate 5
burst 30 "/v1/lookup?pdq=$pdq"
check "30 quick requests at --rate 5: the first 5 pass" '[ "$(head -5 "$T/codes" | tr -d "\n")" = 200200200200200 ]'
check "and some get 429, none anything else" '[ "$(count 429)" -ge 5 ] && [ $(( $(count 200) + $(count 429) )) = 30 ]'
check "a 429: Retry-After (1 s) and a JSON {message}" '[ "$(curl -s -D "$T/h" -o "$T/body" -w "%{http_code}" "$URL/v1/lists")" = 429 ] && grep -qi "^retry-after: 1" "$T/h" && jq -e ".message | test(\"--rate\")" "$T/body" >/dev/null'
burst 20 /status
check "the health checks are never limited" '[ "$(count 200)" = 20 ]'
sleep 1.1
check "after a second, requests pass again" '[ "$(code "$URL/v1/lookup?pdq=$pdq")" = 200 ] && jq -e ".matches | length == 1" "$T/body" >/dev/null'
bw_serve_stop

# with tokens: per token
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
{ echo "alice match sha256:$(sha alice-token)"
  echo "bob match sha256:$(sha bob-token)"; } >"$T/tokens"
bw_serve --tokens "$T/tokens" --rate 5
burst 30 /v1/lists -H "Authorization: Bearer alice-token"
check "alice's burst of 30: 5 pass, some 429" '[ "$(head -5 "$T/codes" | tr -d "\n")" = 200200200200200 ] && [ "$(count 429)" -ge 5 ]'
burst 5 /v1/lists -H "Authorization: Bearer bob-token"
check "bob, right after: all 5 pass" '[ "$(count 200)" = 5 ]'
burst 10 /v1/lists -H "Authorization: Bearer alice-token"
check "alice is still limited (her next 10: some 429)" '[ "$(count 429)" -ge 1 ]'
check "no token: 401 (the token is checked before the rate)" '[ "$(code "$URL/v1/lists")" = 401 ]'
sleep 1.1
check "after a second alice passes again" '[ "$(code -H "Authorization: Bearer alice-token" "$URL/v1/lists")" = 200 ]'
bw_serve_stop
check "SIGTERM: exit 0" '[ "$SERVE_RC" = 0 ]'
bw_finish
