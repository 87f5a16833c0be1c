#!/usr/bin/env bash
# metrics.sh -- GET /metrics: Prometheus's text format 0.0.4 (checked by
# tests/server/prom.py, a strict reader of the format), and counters that
# move by exactly the requests made between two scrapes: requests by
# route and code, the latency histogram, matches by list (HMA's banks=
# filter counted as answered), the index's size, age and reloads, the
# requests in flight; readable with an admin token only (any, without
# --tokens).
. "$(dirname "$0")/../lib.sh"; bw_setup server_metrics
export BULWARK_DB="$T/metrics.db"
pdq=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .pdq)
md5=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .md5)
hills=$("$BULWARK" hash --json "$SAMPLES/hills-sunset.jpg" | jq -r .pdq)
bw_list MINE "$pdq	rings"
bw_list EXTRA "$md5	rings md5"
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
PROM="python3 $BW_SOURCE_DIR/tests/server/prom.py"
# scrape NAME [CURL ARGS]: $T/NAME.txt the exposition, $T/NAME.series the samples
scrape() {
    local name=$1; shift
    curl -s -D "$T/$name.h" -o "$T/$name.txt" "$@" "$URL/metrics"
    $PROM "$T/$name.txt" >"$T/$name.series"
}
val() { # val NAME SERIES: the sample's value, 0 if absent
    awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$T/$1.series"
}
delta() { echo $(( $(val after "$1") - $(val before "$1") )); }

# the reader itself refuses what breaks the format (it can fail)
printf '# TYPE x counter\nx 1\n' >"$T/bad1.txt"
printf '# HELP h a\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n' >"$T/bad2.txt"
printf '# HELP g a\n# TYPE g gauge\ng{a="x} 1\n' >"$T/bad3.txt"
printf '# HELP g a\n# TYPE g gauge\ng 1\n# HELP f a\n# TYPE f gauge\nf 1\ng{a="b"} 2\n' >"$T/bad4.txt"
for b in 1 2 3 4; do
    check "prom.py refuses bad$b.txt" '! $PROM "$T/bad$b.txt" >/dev/null 2>&1'
done

bw_serve -j 2
for i in $(seq 1 100); do [ "$(code "$URL/status")" = 200 ] && break; sleep 0.1; done
scrape before
check "GET /metrics: 200, text/plain; version=0.0.4" 'grep -qi "^content-type: text/plain; version=0.0.4" "$T/before.h"'
check "the exposition follows the text format" '$PROM "$T/before.txt" >/dev/null'
check "requests in flight: 1 (the scrape itself)" '[ "$(val before bulwark_http_requests_in_flight)" = 1 ]'
check "index loaded, 1 PDQ and 1 MD5 hash" '[ "$(val before bulwark_index_loaded)" = 1 ] && [ "$(val before "bulwark_index_hashes{type=\"pdq\"}")" = 1 ] && [ "$(val before "bulwark_index_hashes{type=\"md5\"}")" = 1 ] && [ "$(val before "bulwark_index_hashes{type=\"sha1\"}")" = 0 ]'
check "index age: a number of seconds, small" 'awk -v a="$(val before bulwark_index_age_seconds)" "BEGIN { exit !(a >= 0 && a < 600) }"'
check "index reloads: 0" '[ "$(val before bulwark_index_reloads_total)" = 0 ]'

for i in 1 2 3; do code "$URL/v1/lookup?pdq=$pdq" >/dev/null; done           # 3 x 200, 3 MINE matches
code "$URL/v1/lookup?md5=$md5" >/dev/null                                      # 200, 1 EXTRA match
code "$URL/v1/lookup" >/dev/null                                               # 400
code "$URL/v1/lookup?pdq=$hills" >/dev/null                                    # 200, no match
code "$URL/m/lookup?signal_type=pdq&signal=$pdq" >/dev/null                     # 200, 1 MINE match
code "$URL/m/lookup?signal_type=pdq&signal=$pdq&banks=EXTRA" >/dev/null         # 200, filtered out
code "$URL/m/raw_lookup?signal_type=video_md5&signal=$md5" >/dev/null           # 200, 1 EXTRA match
code "$URL/nope" >/dev/null                                                    # 404
code -X POST "$URL/v1/lookup" >/dev/null                                       # 405
code "$URL/c/bank/NOPE" >/dev/null                                             # 404 of a route
scrape after
r='bulwark_http_requests_total{code="%s",method="%s",route="%s"}'
k() { printf "$r" "$@"; }
check "/v1/lookup 200: +5" '[ "$(delta "$(k 200 GET /v1/lookup)")" = 5 ]'
check "/v1/lookup 400: +1" '[ "$(delta "$(k 400 GET /v1/lookup)")" = 1 ]'
check "/m/lookup 200: +2" '[ "$(delta "$(k 200 GET /m/lookup)")" = 2 ]'
check "/m/raw_lookup 200: +1" '[ "$(delta "$(k 200 GET /m/raw_lookup)")" = 1 ]'
check "no route, 404: +1; 405: +1" '[ "$(delta "$(k 404 other unknown)")" = 1 ] && [ "$(delta "$(k 405 other unknown)")" = 1 ]'
check "/c/bank/<bank_name> 404: +1" '[ "$(delta "$(k 404 GET "/c/bank/<bank_name>")")" = 1 ]'
check "/metrics 200: +1 (the first scrape; a scrape is counted once answered)" '[ "$(delta "$(k 200 GET /metrics)")" = 1 ]'
check "nothing else moved: 13 requests in all" '[ $(( $(grep "^bulwark_http_requests_total" "$T/after.series" | awk "{ s += \$2 } END { print s }") - $(grep "^bulwark_http_requests_total" "$T/before.series" | awk "{ s += \$2 } END { print s }") )) = 13 ]'
h='bulwark_http_request_duration_seconds'
check "latency histogram of /v1/lookup: +6, +Inf bucket the same" '[ "$(delta "$h""_count{method=\"GET\",route=\"/v1/lookup\"}")" = 6 ] && [ "$(delta "$h""_bucket{le=\"+Inf\",method=\"GET\",route=\"/v1/lookup\"}")" = 6 ]'
check "every answer took under 10 s: the 10 s bucket holds them all" '[ "$(val after "$h""_bucket{le=\"10\",method=\"GET\",route=\"/v1/lookup\"}")" = "$(val after "$h""_count{method=\"GET\",route=\"/v1/lookup\"}")" ]'
check "the latency sum grew, and is under 6 x 10 s" 'awk -v a="$(val after "$h""_sum{method=\"GET\",route=\"/v1/lookup\"}")" -v b="$(val before "$h""_sum{method=\"GET\",route=\"/v1/lookup\"}")" "BEGIN { exit !(a > b && a - b < 60) }"'
check "matches: MINE +4, EXTRA +2 (the banks= filter counts what was answered)" '[ "$(delta "bulwark_matches_total{list=\"MINE\"}")" = 4 ] && [ "$(delta "bulwark_matches_total{list=\"EXTRA\"}")" = 2 ]'
# /v1/scan's matches count too: rings.png is MINE by its PDQ and EXTRA by its MD5
cp "$T/after.series" "$T/before.series"
code --data-binary "@$SAMPLES/rings.png" "$URL/v1/scan" >/dev/null
scrape after
check "a /v1/scan of rings.png: MINE +1, EXTRA +1" '[ "$(delta "bulwark_matches_total{list=\"MINE\"}")" = 1 ] && [ "$(delta "bulwark_matches_total{list=\"EXTRA\"}")" = 1 ]'

# a list imported by another process: a reload, the index grows, its age starts again
sleep 1.2
scrape pre
bw_list THIRD "$hills	hills"
for i in $(seq 1 100); do
    scrape later
    # the reload is counted a moment before the server notes the new index's time
    [ "$(val later bulwark_index_reloads_total)" = 1 ] &&
        awk -v a="$(val later bulwark_index_age_seconds)" "BEGIN { exit !(a < 1) }" && break
    sleep 0.1
done
check "a list imported: index reloads 1, 2 PDQ hashes, 2 parts (the change beside the index)" '[ "$(val later bulwark_index_reloads_total)" = 1 ] && [ "$(val later "bulwark_index_hashes{type=\"pdq\"}")" = 2 ] && [ "$(val pre bulwark_index_parts)" = 1 ] && [ "$(val later bulwark_index_parts)" = 2 ]'
check "and the index age started again (over 1.2 s before, under 1 s after)" 'awk -v a="$(val later bulwark_index_age_seconds)" -v b="$(val pre bulwark_index_age_seconds)" "BEGIN { exit !(b >= 1.2 && a < 1) }"'
bw_serve_stop

# the admin scope
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
{ echo "matcher match sha256:$(sha match-token-1)"
  echo "ops admin sha256:$(sha admin-token-2)"; } >"$T/tokens"
bw_serve --tokens "$T/tokens"
check "/metrics without a token: 401" '[ "$(code "$URL/metrics")" = 401 ]'
check "/metrics with a match token: 403" '[ "$(code -H "Authorization: Bearer match-token-1" "$URL/metrics")" = 403 ]'
check "/metrics with the admin token: 200" '[ "$(code -H "Authorization: Bearer admin-token-2" "$URL/metrics")" = 200 ] && $PROM "$T/body" >/dev/null'
check "the 401 and 403 counted" 'grep -q "^bulwark_http_requests_total{method=\"GET\",route=\"/metrics\",code=\"401\"} 1$" "$T/body" && grep -q "^bulwark_http_requests_total{method=\"GET\",route=\"/metrics\",code=\"403\"} 1$" "$T/body"'
bw_serve_stop
check "SIGTERM: exit 0" '[ "$SERVE_RC" = 0 ]'
bw_finish
