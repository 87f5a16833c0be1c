#!/usr/bin/env bash
# bench/serve_lookup.sh BUILD_DIR [N] [SECONDS] -- issue 11's load figures:
# `GET /m/raw_lookup` driven by wrk on loopback against `bulwark serve -j 2`
# over a store of N random PDQ hashes (default 10 million), for SECONDS
# (default 30), against the anchor measured in the same run: the same
# lookups in process (bench_serve: same store, queries, threads).
#
# Queries: 10,000, half indexed hashes with up to 20 bits flipped (they
# match at HMA's distance 31), half random (they don't), shuffled. wrk
# runs 2 threads and 64 connections on the same 2 cores as the server.
# Printed: requests/s, latency percentiles, non-2xx count, the server's
# RSS after loading and after the run, the index's own size, and the
# ratios the issue asks for. BW_INDEX=fast|compact (default compact, the
# server's) picks the layout of both; BW_CONNS the wrk connection counts
# (default "16 64"), BW_WRK_THREADS wrk's threads (default 2). BW_SOAK=SECONDS adds a long run sampling the
# server's RSS every 30 s (issue 11: flat over 10 minutes).
set -u
build=$(cd "${1:-build}" && pwd); n=${2:-10000000}; secs=${3:-30}
here=$(cd "$(dirname "$0")/.." && pwd)
command -v wrk >/dev/null || { echo "serve_lookup.sh: wrk missing (apt-get install wrk)" >&2; exit 2; }
export BULWARK="$build/bulwark" BW_SOURCE_DIR="$here" BW_TEST_TMP
BW_TEST_TMP=$(mktemp -d); trap 'rm -rf "$BW_TEST_TMP"' EXIT
. "$here/tests/lib.sh"; bw_setup serve_lookup
export BULWARK_DB="$T/store.db"
rss() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }   # MB

python3 - "$n" "$T/list.txt" "$T/queries.txt" <<'PY'
import os, random, sys
n, out, qout = int(sys.argv[1]), open(sys.argv[2], "w"), sys.argv[3]
random.seed(11)
near = []
for i in range(0, n, 100000):
    k = min(100000, n - i)
    b = os.urandom(32 * k).hex()
    lines = [b[j * 64:(j + 1) * 64] for j in range(k)]
    if len(near) < 5000:
        near += lines[:5000 - len(near)]
    out.write("\n".join(lines) + "\n")
q = []
for h in near:
    v = int(h, 16)
    for bit in random.sample(range(256), random.randint(0, 20)):
        v ^= 1 << bit
    q.append("%064x" % v)
q += [os.urandom(32).hex() for _ in range(5000)]
random.shuffle(q)
open(qout, "w").write("\n".join(q) + "\n")
PY
t0=$(date +%s.%N)
"$BULWARK" lists import BENCH "$T/list.txt" >/dev/null || exit 1
t1=$(date +%s.%N)
rm -f "$T/list.txt"
printf 'store: %d random PDQ hashes imported in %.1f s\n' "$n" "$(echo "$t1 - $t0" | bc)"

cat >"$T/raw_lookup.lua" <<'LUA'
-- each wrk thread walks the queries from its own offset
local queries, i = {}, 0
function init(args)
    for line in io.lines(args[1]) do queries[#queries + 1] = line end
    i = math.random(#queries)
end
function request()
    i = i % #queries + 1
    return wrk.format("GET", "/m/raw_lookup?signal_type=pdq&signal=" .. queries[i])
end
LUA

echo "== anchor: in process, 2 threads, ${secs} s, index ${BW_INDEX:-compact}"
layout=${BW_INDEX:-compact}
anchor=$("$build/bench/bench_serve" "$BULWARK_DB" "$T/queries.txt" 2 "$secs" "$layout") || exit 1
echo "$anchor"
aq=$(echo "$anchor" | sed -n 's/^in-process: \([0-9]*\) lookups.*/\1/p')
ixb=$(echo "$anchor" | sed -n 's/.*index \([0-9]*\) bytes.*/\1/p')

echo "== bulwark serve -j 2 --index $layout"
t0=$(date +%s.%N)
bw_serve -j 2 --index "$layout" || exit 1
for i in $(seq 1 1200); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/status")" = 200 ] && break; sleep 0.1; done
t1=$(date +%s.%N)
printf 'index loaded %.1f s after start; server RSS %s MB, index %.0f MB\n' \
    "$(echo "$t1 - $t0" | bc)" "$(rss "$SERVE_PID")" "$(echo "$ixb / 1048576" | bc -l)"
wt=${BW_WRK_THREADS:-2}
for c in ${BW_CONNS:-16 64}; do
    echo "== wrk -t$wt -c$c -d${secs}s GET /m/raw_lookup"
    wrk -t"$wt" -c"$c" -d"${secs}s" --latency -s "$T/raw_lookup.lua" "$URL" -- "$T/queries.txt" >"$T/wrk.txt"
    grep -E "Latency|^ +(50|90|99)%|requests in|Non-2xx|Socket errors" "$T/wrk.txt"
    rq=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$T/wrk.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$T/wrk.txt")
    bad=$(awk '/Non-2xx/ {print $NF}' "$T/wrk.txt"); bad=${bad:-0}
    printf 'raw_lookup, %d connections: %s requests/s, p99 %s, non-2xx %s; server / in-process %.2f\n' \
        "$c" "$rq" "$p99" "$bad" "$(echo "$rq / $aq" | bc -l)"
done
rss1=$(rss "$SERVE_PID")
printf 'server RSS after the runs %s MB; the goal: under 1.2 x index + 100 MB = %.0f MB\n' \
    "$rss1" "$(echo "1.2 * $ixb / 1048576 + 100" | bc -l)"

# reload under load: while wrk drives lookups, lists are imported and
# removed by another process; each new hash must match within 2 s of its
# import's commit, with no request failed
nchg=${BW_CHANGES:-100}
echo "== reload under load: $nchg imports and removals while wrk -t2 -c16 runs"
wrk -t2 -c16 -d"$((nchg + 30))s" --latency -s "$T/raw_lookup.lua" "$URL" -- "$T/queries.txt" >"$T/reload.txt" &
w=$!
sleep 1
worst=0; late=0; sum=0
for i in $(seq 1 $((nchg / 2))); do
    h=$(python3 -c 'import os; print(os.urandom(32).hex())')
    printf '%s\tchange %s\n' "$h" "$i" >"$T/c.txt"
    "$BULWARK" lists import "CHANGE_$i" "$T/c.txt" >/dev/null || exit 1
    t0=$(date +%s%N)
    until curl -s "$URL/m/raw_lookup?signal_type=pdq&signal=$h" | grep -q '"matches":\[[0-9]'; do
        [ $(( $(date +%s%N) - t0 )) -gt 10000000000 ] && break
        sleep 0.02
    done
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    sum=$((sum + ms)); [ $ms -gt $worst ] && worst=$ms; [ $ms -ge 2000 ] && late=$((late + 1))
    [ "$i" -gt 1 ] && { "$BULWARK" lists rm "CHANGE_$((i - 1))" >/dev/null || exit 1; }
done
kill -INT $w 2>/dev/null; wait $w
grep -E "requests in|Non-2xx|Socket errors|^ +99%" "$T/reload.txt"
printf 'reload under load: %d imports + %d removals; new hash matched after %d ms on average, %d ms at worst, %d later than 2 s\n' \
    "$((nchg / 2))" "$((nchg / 2 - 1))" "$((sum / (nchg / 2)))" "$worst" "$late"
curl -s "$URL/m/index/status" | { cat; echo; }

if [ -n "${BW_SOAK:-}" ]; then
    echo "== soak: ${BW_SOAK} s, RSS every 30 s (MB)"
    wrk -t2 -c64 -d"${BW_SOAK}s" --latency -s "$T/raw_lookup.lua" "$URL" -- "$T/queries.txt" >"$T/soak.txt" &
    w=$!
    while kill -0 $w 2>/dev/null; do printf '%s ' "$(rss "$SERVE_PID")"; sleep 30; done; echo
    grep -E "Requests/sec|Non-2xx|99%" "$T/soak.txt"
fi
bw_serve_stop
