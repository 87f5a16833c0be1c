#!/usr/bin/env bash
# listen.sh -- repeatable `--listen HOST:PORT`: one libmicrohttpd daemon
# per address, all on one service (one index, one set of counters), each
# address printed as "listening on ..."; [::1] too when the machine has
# IPv6 loopback; the loopback rule holds for every address; SIGTERM
# stops them all.
. "$(dirname "$0")/../lib.sh"; bw_setup server_listen
export BULWARK_DB="$T/listen.db"
pdq=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .pdq)
bw_list BANK "$pdq"
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
q="/m/raw_lookup?signal_type=pdq&signal=$pdq"

"$BULWARK" serve --listen 127.0.0.1:0 --listen 0.0.0.0:0 2>"$T/e"; rc=$?
check "a second, non-loopback --listen without --tokens: exit 2, nothing bound" '[ $rc = 2 ] && grep -q "refusing to listen on 0.0.0.0:0" "$T/e" && ! grep -q "listening on" "$T/e"'
"$BULWARK" serve $(for i in $(seq 1 17); do printf -- '--listen 127.0.0.1:0 '; done) 2>"$T/e"; rc=$?
check "17 addresses: exit 2 (at most 16)" '[ $rc = 2 ] && grep -q "at most 16" "$T/e"'

v6=0
python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null && v6=1
[ $v6 = 1 ] || echo "SKIP: no IPv6 loopback on this machine: [::1] is not tried"
extra=(--listen 127.0.0.1:0); [ $v6 = 1 ] && extra+=(--listen '[::1]:0')
bw_serve "${extra[@]}"
ports=$(sed -n 's/^bulwark: serve: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$SERVE_LOG")
check "two 127.0.0.1:0 addresses: two lines, two ports" '[ "$(echo "$ports" | sort -u | wc -l)" = 2 ]'
A=http://127.0.0.1:$(echo "$ports" | sed -n 1p); B=http://127.0.0.1:$(echo "$ports" | sed -n 2p)
check "the first address answers a lookup" '[ "$(code "$A$q")" = 200 ] && jq -e ".matches | length == 1" "$T/body" >/dev/null'
check "the second answers the same" '[ "$(code "$B$q")" = 200 ] && jq -e ".matches | length == 1" "$T/body" >/dev/null'
if [ $v6 = 1 ]; then
    p6=$(sed -n 's/^bulwark: serve: listening on \[::1\]:\([0-9]*\)$/\1/p' "$SERVE_LOG")
    check "[::1]:0: printed as [::1]:PORT" '[ -n "$p6" ]'
    check "[::1] answers a lookup" '[ "$(code -g "http://[::1]:$p6$q")" = 200 ] && jq -e ".matches | length == 1" "$T/body" >/dev/null'
fi
before=$(curl -s "$A/metrics" | sed -n 's/^bulwark_http_requests_total{method="GET",route="\/m\/raw_lookup",code="200"} //p')
curl -s -o /dev/null "$B$q"
after=$(curl -s "$A/metrics" | sed -n 's/^bulwark_http_requests_total{method="GET",route="\/m\/raw_lookup",code="200"} //p')
check "one service behind them: a lookup on the second is counted in the first's /metrics" '[ "$after" = $((before + 1)) ]'
bw_serve_stop
check "SIGTERM stops them all: exit 0" '[ "$SERVE_RC" = 0 ]'
check "and no address answers any more" '! curl -s -m 2 -o /dev/null "$A/status/live" && ! curl -s -m 2 -o /dev/null "$B/status/live"'
bw_finish
