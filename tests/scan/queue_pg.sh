#!/usr/bin/env bash
# queue_pg.sh -- `scan --queue postgresql://... NAME` (issue 12): 4 workers
# over 2,000 images, 2 of them killed by SIGKILL at random points and one
# more started after the kills: every image has exactly one result, none
# lost or doubled (SQL and the export), the export is the bytes of a local
# `scan --json` of the same tree, and its SHA-256s are sha256sum's; a dead
# worker's lease runs out and its units are claimed again; --status;
# workers started again fill nothing twice; the usage errors; and the old
# `--queue N` still means --in-flight N.
. "$(dirname "$0")/../lib.sh"; bw_setup scan_queue_pg
bw_pg_start || { bad "no PostgreSQL server"; bw_finish; }
N=2000
# 2,000 distinct 256x256 PNGs (a benign gradient, a few pixels of the first
# row varied per image; about 1 ms each to scan), in 10 folders
python3 - "$T/img" "$N" 256 <<'EOF'
import os, struct, sys, zlib
out, n, side = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
base = bytearray()
for y in range(side):
    base.append(1)  # filter Sub: each byte is the difference to the pixel on its left
    base += bytes((0, (y * 2) & 255, y & 255)) + bytes((2, 0, 1)) * (side - 1)
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
for i in range(n):
    raw = bytearray(base)
    raw[1:7] = bytes((i & 255, i >> 8, 255 - (i & 255), 17, 34, 51))  # a few pixels varied
    d = os.path.join(out, "d%02d" % (i % 10))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "img%04d.png" % i), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + ihdr + chunk(b"IDAT", zlib.compress(bytes(raw), 6)) + chunk(b"IEND", b""))
EOF
find "$T/img" -type f | sort >"$T/inputs"
check "$N distinct inputs" '[ "$(wc -l <"$T/inputs")" = $N ] && [ "$(cd "$T/img" && cat */*.png | md5sum)" ] && [ "$(find "$T/img" -type f -exec sha256sum {} + | cut -c1-64 | sort -u | wc -l)" = $N ]'
sql() { psql -X -At "$BW_PG" -c "$1"; }
worker() { # worker N: a worker in the background, its pid in pid[N]
    "$BULWARK" scan --queue "$BW_PG" --allow-empty -j 1 --lease 2 run "$T/img" \
        >"$T/w$1.out" 2>"$T/w$1.err" &
    pid[$1]=$!
}
rnd() { awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.3 + 1.7 * r / 32767 }'; }
t0=$(date +%s.%N)
for w in 1 2 3 4; do worker $w; done
read -r d1 d2 <<<"$(printf '%s\n' "$(rnd)" "$(rnd)" | sort -n | tr '\n' ' ')"  # from the start
held() { sql "SELECT count(*) FROM bw_queue_units WHERE state = 'leased' AND worker LIKE '%:$1'"; }
h1=0 h2=0
sleep "$d1"; kill -KILL "${pid[1]}" 2>/dev/null && { h1=$(held "${pid[1]}"); killed1="alive, $h1 units leased"; } || killed1=finished
sleep "$(awk -v a="$d1" -v b="$d2" 'BEGIN { print b - a }')"
kill -KILL "${pid[2]}" 2>/dev/null && { h2=$(held "${pid[2]}"); killed2="alive, $h2 units leased"; } || killed2=finished
wait "${pid[1]}" "${pid[2]}" 2>/dev/null  # (bash reports the kills)
worker 5
rc=0
for w in 3 4 5; do wait "${pid[$w]}" || { rc=$?; cat "$T/w$w.err" >&2; }; done
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
echo "queue: $N images, 4 workers, SIGKILL after ${d1}s ($killed1) and ${d2}s ($killed2), a 5th started; done in ${secs}s"
cat "$T"/w[345].err
check "the workers still running end with exit 0" '[ $rc -eq 0 ]'
check "the queue was filled once: $N units" '[ "$(sql "SELECT count(*) FROM bw_queue_units WHERE queue = '"'run'"'")" = $N ]'
check "every unit is done" '[ "$(sql "SELECT count(*) FROM bw_queue_units WHERE queue = '"'run'"' AND state = '"'done'"'")" = $N ]'
check "every unit has exactly one result (SQL)" \
    '[ "$(sql "SELECT count(*) FROM bw_queue_units u WHERE queue = '"'run'"' AND (SELECT count(*) FROM bw_queue_results r WHERE r.unit_id = u.unit_id) <> 1")" = 0 ]'
check "$N results in all" '[ "$(sql "SELECT count(*) FROM bw_queue_results WHERE queue = '"'run'"'")" = $N ]'
reclaimed=$(sql "SELECT count(*) FROM bw_queue_units WHERE queue = 'run' AND attempts > 1")
echo "queue: $reclaimed units re-claimed after a lease ran out"
check "the units the dead held were claimed again ($h1 + $h2 <= $reclaimed)" '[ "$reclaimed" -ge $((h1 + h2)) ]'
"$BULWARK" scan --queue "$BW_PG" run --export >"$T/export.jsonl" 2>"$T/export.err"; rc=$?
check "--export exits 0 and says how many" '[ $rc -eq 0 ] && grep -q "queue run: $N records exported" "$T/export.err"'
check "the export is JSON Lines" 'json_ok <"$T/export.jsonl"'
jq -r .path "$T/export.jsonl" >"$T/export.paths"
check "the export's paths are the inputs, none missing" 'sort "$T/export.paths" | cmp -s - "$T/inputs"'
check "... none doubled" '[ -z "$(sort "$T/export.paths" | uniq -d)" ] && [ "$(wc -l <"$T/export.paths")" = $N ]'
"$BULWARK" scan --json --allow-empty --no-progress -j 2 "$T/img" >"$T/local.jsonl" 2>/dev/null
check "the export is the bytes of a local scan --json, in the same order" 'cmp -s "$T/export.jsonl" "$T/local.jsonl"'
shuf -n 50 "$T/inputs" >"$T/sample"
okn=0
while read -r f; do
    want=$(sha256sum "$f" | cut -c1-64)
    got=$(jq -r --arg p "$f" 'select(.path == $p) | .sha256' "$T/export.jsonl")
    [ "$got" = "$want" ] && okn=$((okn+1))
done <"$T/sample"
check "50 sampled records have sha256sum's SHA-256 ($okn)" '[ $okn = 50 ]'
"$BULWARK" scan --queue "$BW_PG" run --status --json >"$T/status.json"; rc=$?
check "--status --json" '[ $rc -eq 0 ] && [ "$(jq -c "[.queue, .units, .todo, .leased, .done, .results]" "$T/status.json")" = "[\"run\",$N,0,0,$N,$N]" ] && [ "$(jq .reclaimed "$T/status.json")" = "$reclaimed" ]'
"$BULWARK" scan --queue "$BW_PG" run --status >"$T/status.txt"; rc=$?
check "--status for people" '[ $rc -eq 0 ] && grep -q "^queue run: $N units: 0 todo, 0 leased (0 expired), $N done; $N records" "$T/status.txt"'
"$BULWARK" scan --queue "$BW_PG" --allow-empty run "$T/img" 2>"$T/again.err"; rc=$?
check "a worker started again adds and does nothing" '[ $rc -eq 0 ] && grep -q "queue run: 0 units added, 0 done" "$T/again.err"'
check "... and nothing is doubled" '[ "$(sql "SELECT count(*) FROM bw_queue_results WHERE queue = '"'run'"'")" = $N ]'

# A dead worker's lease, for certain: 5 units of a new queue leased by a
# worker that is gone (its lease runs out in 1 s); a worker given the same
# paths claims them again once it has, and finishes the queue.
sql "INSERT INTO bw_queue_units(queue, path, state, lease_until, worker, attempts)
     SELECT 'dead', convert_to(p, 'UTF8'), 'leased', now() + interval '1 second', 'ghost:1', 1
     FROM unnest(ARRAY['$T/img/d03/img0003.png', '$T/img/d03/img0013.png', '$T/img/d03/img0023.png',
                       '$T/img/d03/img0033.png', '$T/img/d03/img0043.png']) p" >/dev/null
"$BULWARK" scan --queue "$BW_PG" --allow-empty --lease 5 dead "$T/img/d03" 2>"$T/dead.err"; rc=$?
check "the ghost's units are claimed again after its lease" '[ $rc -eq 0 ] && grep -q "queue dead: 195 units added, 200 done (5 re-claimed, 0 lost)" "$T/dead.err"' || cat "$T/dead.err" >&2
check "... and the queue is done, one result each" \
    '[ "$(sql "SELECT count(*), count(DISTINCT unit_id) FROM bw_queue_results WHERE queue = '"'dead'"'")" = "200|200" ]'
"$BULWARK" scan --queue "$BW_PG" dead --export 2>/dev/null | jq -r .path | sort >"$T/dead.paths"
check "... its export is the folder" 'grep "/d03/" "$T/inputs" | cmp -s - "$T/dead.paths"'

# usage
for args in "--status run" "--export run" "--lease 5 $T/img" "--queue $BW_PG" "--queue $BW_PG -o $T/x.jsonl run $T/img" \
            "--queue $BW_PG --shard 1/2 run $T/img" "--queue $BW_PG --status --export run" \
            "--queue $BW_PG --status run $T/img" "--queue 0 $T/img" "--queue nope $T/img" "--queue $BW_PG run -"; do
    "$BULWARK" scan --allow-empty $args >/dev/null 2>"$T/e"; rc=$?
    check "scan $args: usage error" '[ $rc -eq 2 ]' || cat "$T/e" >&2
done
"$BULWARK" scan --json --allow-empty --no-progress --queue 3 "$SAMPLES/rings.png" >"$T/old.json" 2>/dev/null; rc=$?
check "--queue N still means --in-flight N" '[ $rc -eq 0 ] && [ "$(jq -r .path "$T/old.json")" = "$SAMPLES/rings.png" ]'
"$BULWARK" scan --json --allow-empty --no-progress --in-flight 3 "$SAMPLES/rings.png" | cmp -s - "$T/old.json"
check "--in-flight N gives the same" '[ $? -eq 0 ]'
"$BULWARK" scan --allow-empty --queue "postgresql:///nope?host=$T/none" run "$T/img" 2>"$T/e" >/dev/null; rc=$?
check "a database that is not there: exit 1 and a message" '[ $rc -eq 1 ] && grep -q "cannot open queue database" "$T/e"'
bw_finish
