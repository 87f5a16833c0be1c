#!/usr/bin/env bash
# conn.sh -- overload and hostile clients (issue 11), each tested: 2,000
# connections at once, each with a complete lookup, get 200 or 503 (with
# Retry-After, --max-inflight) while a health check is still answered,
# with the server's memory bounded; 2,000 idle connections held while a
# request is still served, and past --max-connections new connections
# closed at once; a client sending a byte a second gets 408 Request
# Timeout (Connection: close, {"message"}) after --timeout while the
# others are served, logged and counted as 408.
. "$(dirname "$0")/../lib.sh"; bw_setup server_conn
export BULWARK_DB="$T/conn.db"
pdq=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .pdq)
bw_list BANK "$pdq"
CONNS="python3 $BW_SOURCE_DIR/tests/server/conns.py"
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$SERVE_PID/status"; }
N=2000
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt 4500 ]; then
    echo "SKIP: the hard limit on open files is $hard, under the 4,500 that $N connections need"
    exit 0
fi
ulimit -n 4500 2>/dev/null || ulimit -n "$hard"

# 2,000 complete lookups at once (--max-inflight 16: those past it get 503)
bw_serve --max-inflight 16
port=${URL##*:}
q="/m/raw_lookup?signal_type=pdq&signal=$pdq"
check "a lookup before the storm: 200" '[ "$(code "$URL$q")" = 200 ]'
rss0=$(rss_kb)
$CONNS storm "$port" $N "$q" >"$T/storm" &
storm=$!
sleep 0.2
: >"$T/live"
while kill -0 $storm 2>/dev/null; do   # health checks for as long as the storm lasts
    curl -s -m 10 -o /dev/null -w '%{http_code} %{time_total}\n' "$URL/status/live" >>"$T/live"
    sleep 0.05
done
wait $storm
rss1=$(rss_kb)
echo "storm: $(cat "$T/storm"); /status/live during it: $(wc -l <"$T/live") checks, the slowest $(sort -k2 -n "$T/live" | tail -1 | cut -d' ' -f2) s; VmRSS before ${rss0} kB, after ${rss1} kB"
n200=$(jq '.status["200"] // 0' "$T/storm"); n503=$(jq '.status["503"] // 0' "$T/storm")
check "each of the $N connections gets 200 or 503, none fails" '[ $((n200 + n503)) = $N ] && [ "$(jq .errors "$T/storm")" = 0 ]'
check "every 503 has Retry-After" '[ "$(jq .no_retry_after "$T/storm")" = 0 ]'
check "at least 1,000 of them 200" '[ "$n200" -ge 1000 ]'
check "/status/live during the storm: 200 each time" '[ -s "$T/live" ] && ! grep -qv "^200 " "$T/live"'
check "VmRSS after the storm less than 200 MB above before" '[ $((rss1 - rss0)) -lt 204800 ]'
check "and lookups go on after it" '[ "$(code "$URL$q")" = 200 ] && jq -e ".matches | length == 1" "$T/body" >/dev/null'

# 2,000 idle connections held open: the others are still served
$CONNS idle "$port" $N "$T/ready" "$T/done" >"$T/idle" &
idle=$!
for i in $(seq 1 200); do [ -e "$T/ready" ] && break; sleep 0.05; done
echo "idle: $(cat "$T/ready" 2>/dev/null)"
check "$N idle connections are all accepted and held (--max-connections 4096)" '[ "$(jq .open "$T/ready")" = $N ]'
check "while they are held, a lookup: 200" '[ "$(code -m 10 "$URL$q")" = 200 ]'
check "and /status/live: 200" '[ "$(code -m 10 "$URL/status/live")" = 200 ]'
: >"$T/done"; wait $idle
check "the idle connections were kept while held (under --timeout)" '[ "$(jq .still_open "$T/idle")" = $N ]'
bw_serve_stop
check "SIGTERM after all that: exit 0" '[ "$SERVE_RC" = 0 ]'

# past --max-connections (over all addresses), a new connection is closed
# as soon as it is accepted; the pool's two threads accepting together may
# each pass it by one
bw_serve --max-connections 50 -j 2
port=${URL##*:}
sleep 0.3   # the readiness check's connection is gone
rm -f "$T/ready" "$T/done"
$CONNS idle "$port" 60 "$T/ready" "$T/done" >"$T/idle" &
idle=$!
for i in $(seq 1 200); do [ -e "$T/ready" ] && break; sleep 0.05; done
echo "--max-connections 50, 60 opened: $(cat "$T/ready" 2>/dev/null)"
held=$(jq .open "$T/ready")
check "--max-connections 50: 50 held (52 at most), the rest of the 60 closed at once" '[ "$held" -ge 50 ] && [ "$held" -le 52 ] && [ "$(jq .closed_at_once "$T/ready")" = $((60 - held)) ]'
check "a request past the limit is refused too (the connection is closed)" '[ "$(code -m 5 "$URL/status/live")" = 000 ]'
: >"$T/done"; wait $idle
for i in $(seq 1 50); do [ "$(code "$URL/status/live")" = 200 ] && break; sleep 0.1; done
check "once they are gone, requests are served again" '[ "$(code "$URL/status/live")" = 200 ]'
bw_serve_stop

# a client sending a byte a second: 408 after --timeout 2, the others served
bw_serve --timeout 2 --log "$T/access.log"
port=${URL##*:}
$CONNS slow "$port" >"$T/slow" &
slow=$!
$CONNS slow "$port" 'GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n' >"$T/slow2" &
slow2=$!
sleep 1
check "while slow clients trickle, a lookup is served" '[ "$(code "$URL$q")" = 200 ]'
wait $slow $slow2
echo "slow: $(jq -c '{seconds, sent}' "$T/slow"), with the request line at once: $(jq -c '{seconds, sent}' "$T/slow2")"
reply=$(jq -r .reply "$T/slow")
check "the slow client gets HTTP/1.1 408 Request Timeout" '[ "$(printf "%s" "$reply" | head -1 | tr -d "\r")" = "HTTP/1.1 408 Request Timeout" ]'
check "with Connection: close" 'printf "%s" "$reply" | grep -qi "^connection: close"'
check "and a JSON body {\"message\"}" 'printf "%s" "$reply" | sed "1,/^\r$/d" | jq -e ".message | test(\"--timeout\")" >/dev/null'
check "within 1.5 to 3.5 s of its first byte" '[ "$(echo "$(jq .seconds "$T/slow") >= 1.5 && $(jq .seconds "$T/slow") < 3.5" | bc)" = 1 ]'
check "a request whose headers trickle gets the 408 too" '[ "$(jq -r .reply "$T/slow2" | head -1 | tr -d "\r")" = "HTTP/1.1 408 Request Timeout" ]'
check "the one with its request line in is logged with status 408" 'grep -q "\"status\":408" "$T/access.log"'
check "and counted as 408 in /metrics" 'curl -s "$URL/metrics" | grep -q "code=\"408\"} 1$"'
check "and the server goes on" '[ "$(code "$URL$q")" = 200 ]'
bw_serve_stop
check "SIGTERM after the 408s: exit 0" '[ "$SERVE_RC" = 0 ]'
bw_finish
