#!/usr/bin/env bash
# nodes.sh -- `bulwark serve` on several nodes sharing one PostgreSQL store
# (issue 12, "Many machines, one truth"): a list imported by `lists
# import`, or added through node A's HMA curation routes, is matched by
# node B within 2 s (the change feed: NOTIFY at the commit, B LISTENs); a
# removal stops matching within 2 s; node B cut off from the database (its
# role refused, its backends terminated) while 50 changes happen
# reconnects by itself and catches up reading only the changed lists'
# rows (its bulwark_index_rows_read_total grows by < 1,000, not by the
# 20,000 of the big list), reporting INDEX-STALE on /status meanwhile; the
# database down: lookups go on from the last index, /status says
# INDEX-STALE after --stale-after, and back to I-AM-ALIVE once it is up
# again; and a node reading from a streaming replica (--db-read) matches
# what is imported on the primary within 2 s. Hashes are hand-made (SHA-256
# of numbers, as PDQ hex): nothing here is an image.
. "$(dirname "$0")/../lib.sh"; bw_setup server_nodes
bw_pg_start || { echo "SKIP: no PostgreSQL server to run several nodes on"; exit 0; }
psql_() { psql -qAt "$BW_PG" -c "$1"; }
hashes() { python3 -c 'import hashlib,sys
for i in range(int(sys.argv[1]), int(sys.argv[2])): print(hashlib.sha256(b"bw-%d" % i).hexdigest())' "$@"; }
imp() { "$BULWARK" lists import "$1" "$2" --kind pdq --db "$BW_PG" >/dev/null 2>>"$T/cli.err"; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# matched URL HASH BANK: does the node at URL match HASH in BANK?
matched() { curl -s "$1/m/lookup?signal_type=pdq&signal=$2" | jq -e --arg b "$3" 'has($b)' >/dev/null 2>&1; }
# until_ms WANT URL HASH BANK: ms until matched gives WANT (0 yes, 1 no), or 9999 after 5 s
until_ms() { local t0; t0=$(ms); while [ $(( $(ms) - t0 )) -lt 5000 ]; do
                 matched "$2" "$3" "$4"; [ $? = "$1" ] && { echo $(( $(ms) - t0 )); return; }; sleep 0.02; done; echo 9999; }
status() { curl -s -o "$T/status" -w '%{http_code}' "$1/status"; }
metric() { curl -s "$1/metrics" | sed -n "s/^$2 //p"; }

hashes 0 20000 >"$T/big.txt"
hashes 20000 20010 >"$T/small.txt"
imp BIG "$T/big.txt"; imp SMALL "$T/small.txt"
psql_ "CREATE ROLE nodeb LOGIN SUPERUSER"
bw_serve --db "$BW_PG" -j 2 --stale-after 2; A=$URL; A_PID=$SERVE_PID
stop_a() { [ -n "${A_PID:-}" ] && kill -TERM "$A_PID" 2>/dev/null && wait "$A_PID"; A_PID=; }
bw_on_exit stop_a
SERVE_PID=   # node A is stop_a's; bw_serve's hook takes the next
B_ARGS=(--db "${BW_PG/user=postgres/user=nodeb}&application_name=nodeb" -j 2 --stale-after 2
        --index-cache "$T/b.cache")
bw_serve "${B_ARGS[@]}"; B=$URL
for n in $A $B; do for i in $(seq 1 200); do [ "$(status $n)" = 200 ] && break; sleep 0.05; done; done
check "both nodes loaded the 20,010 hashes" '[ "$(metric $A "bulwark_index_hashes{type=\"pdq\"}")" = 20010 ] && [ "$(metric $B "bulwark_index_hashes{type=\"pdq\"}")" = 20010 ]'
big=$(sed -n 7p "$T/big.txt")
check "node B matches the big list" 'matched $B $big BIG'
check "B's first load read the 20,010 rows" '[ "$(metric $B bulwark_index_rows_read_total)" -ge 20010 ]'

# an import by `lists import`: matched by B within 2 s
hashes 30000 30001 >"$T/new1.txt"; h1=$(cat "$T/new1.txt")
imp NEW1 "$T/new1.txt"; t_import=$(until_ms 0 $B $h1 NEW1)
echo "node B matched a list imported by lists import in $t_import ms"
check "B matches a list imported by \`lists import\` within 2 s ($t_import ms)" '[ $t_import -lt 2000 ]'

# a bank made and filled through node A's curation routes: matched by B within 2 s
h2=$(hashes 30001 30002)
post() { curl -s -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$2" "$A$1"; }
check "POST /c/banks on node A: 201" '[ "$(post /c/banks "{\"name\": \"CURATED\"}")" = 201 ]'
check "POST /c/bank/CURATED/signal on node A: 200" '[ "$(post /c/bank/CURATED/signal "{\"pdq\": \"$h2\"}")" = 200 ]'
t_curate=$(until_ms 0 $B $h2 CURATED)
echo "node B matched a signal added through node A in $t_curate ms"
check "B matches a signal added through A's /c routes within 2 s ($t_curate ms)" '[ $t_curate -lt 2000 ]'
check "... and so does A, at once" 'matched $A $h2 CURATED'

# a removal stops matching on B within 2 s
"$BULWARK" lists rm NEW1 --db "$BW_PG" >/dev/null
t_rm=$(until_ms 1 $B $h1 NEW1)
echo "node B stopped matching a removed list in $t_rm ms"
check "a removal stops matching on B within 2 s ($t_rm ms)" '[ $t_rm -lt 2000 ]'

# B cut off (its role may not log in, its backends terminated) while 50
# changes happen: it serves on, says INDEX-STALE, reconnects by itself when
# let in again, and catches up reading only what changed
check "B matches the big list just before (the answer B keeps for its index)" 'matched $B $big BIG'
rows0=$(metric $B bulwark_index_rows_read_total); comp0=$(metric $B bulwark_index_compactions_total)
psql_ "ALTER ROLE nodeb NOLOGIN"
psql_ "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'nodeb'" >/dev/null
changed=0
for i in $(seq 1 40); do hashes $((40000 + 3 * i)) $((40000 + 3 * i + 1 + i % 3)) >"$T/cu.txt"; imp "CU_$i" "$T/cu.txt" && changed=$((changed+1)); done
for i in $(seq 1 10); do "$BULWARK" lists rm "CU_$i" --db "$BW_PG" >/dev/null && changed=$((changed+1)); done
check "50 changes made while B is cut off" '[ $changed = 50 ]'
last=$(hashes 40120 40121)
check "B, cut off, still answers lookups from its index (200, the right bank)" \
    '[ "$(curl -s -o "$T/body" -w "%{http_code}" "$B/m/lookup?signal_type=pdq&signal=$big")" = 200 ] && jq -e "has(\"BIG\")" "$T/body" >/dev/null'
stale=0; for i in $(seq 1 80); do [ "$(status $B)" = 503 ] && [ "$(cat "$T/status")" = INDEX-STALE ] && { stale=1; break; }; sleep 0.05; done
check "B, cut off: /status 503 INDEX-STALE within --stale-after + 2 s" '[ $stale = 1 ]'
check "B does not match what came while it was cut off" '! matched $B $last CU_40'
psql_ "ALTER ROLE nodeb LOGIN"
t_back=$(until_ms 0 $B $last CU_40)
echo "node B, let in again, caught up in $t_back ms"
check "B reconnects by itself and matches the changes within 5 s ($t_back ms)" '[ $t_back -lt 5000 ]'
check "... and not the removed lists" '! matched $B $(hashes 40003 40004) CU_1'
up=0; for i in $(seq 1 60); do [ "$(status $B)" = 200 ] && { up=1; break; }; sleep 0.05; done
check "B's /status is 200 I-AM-ALIVE again" '[ $up = 1 ] && [ "$(cat "$T/status")" = I-AM-ALIVE ]'
rows=$(( $(metric $B bulwark_index_rows_read_total) - rows0 ))
echo "node B read $rows rows catching up on 50 changes (the big list: 20000)"
check "B caught up reading < 1,000 rows, not the whole list ($rows)" '[ $rows -gt 0 ] && [ $rows -lt 1000 ]'
check "... with no full rebuild" '[ "$(metric $B bulwark_index_compactions_total)" = "$comp0" ]'

# B restarted after 50 changes: it starts from its --index-cache (written
# at its exit) and reads only the rows of what changed, with no full load
check "B's first start was a full load (no cache yet)" 'grep -q "no index cache yet" "$SERVE_LOG"'
bw_serve_stop
check "B stopped by SIGTERM: exit 0" '[ "$SERVE_RC" = 0 ]'
check "... having written its index cache" '[ -s "$T/b.cache" ] && grep -q "index cache .* written" "$SERVE_LOG"'
changed=0
for i in $(seq 1 40); do hashes $((70000 + 3 * i)) $((70000 + 3 * i + 1 + i % 3)) >"$T/cu.txt"; imp "RE_$i" "$T/cu.txt" && changed=$((changed+1)); done
for i in $(seq 1 10); do "$BULWARK" lists rm "RE_$i" --db "$BW_PG" >/dev/null && changed=$((changed+1)); done
check "50 changes made while B is down" '[ $changed = 50 ]'
bw_serve "${B_ARGS[@]}"; B=$URL
for i in $(seq 1 200); do [ "$(status $B)" = 200 ] && break; sleep 0.05; done
check "B restarted: its index comes from the cache" 'grep -q "index from the cache" "$SERVE_LOG"'
check "... and it matches the big list" 'matched $B $big BIG'
check "... what came while it was down" 'matched $B $(hashes 70120 70121) RE_40'
check "... and not the lists removed meanwhile" '! matched $B $(hashes 70003 70004) RE_1'
rows=$(metric $B bulwark_index_rows_read_total)
echo "node B, restarted after 50 changes, read $rows rows from the store (the lists: $(metric $B "bulwark_index_hashes{type=\"pdq\"}") hashes)"
check "B restarted read < 1,000 rows, not the 20,000 of the big list ($rows)" '[ $rows -gt 0 ] && [ $rows -lt 1000 ]'
check "... with no full rebuild" '[ "$(metric $B bulwark_index_compactions_total)" = 0 ]'
printf 'not a cache' >"$T/b.cache"
bw_serve_stop
check "a cache file written over is replaced whole at exit" '[ "$(head -c 16 "$T/b.cache")" = bulwark-ixcache1 ]'
printf 'bulwark-ixcache1 but damaged' >"$T/b.cache"
bw_serve "${B_ARGS[@]}"; B=$URL
for i in $(seq 1 200); do [ "$(status $B)" = 200 ] && break; sleep 0.05; done
check "a damaged cache: B says so and loads from the store" \
    'grep -q "index-cache: .*b.cache.*loaded from the store instead" "$SERVE_LOG" && matched $B $big BIG'

# the database down: lookups go on from the last index, /status says
# INDEX-STALE after --stale-after, and I-AM-ALIVE again once it is back
check "A matches the big list before the database goes down" 'matched $A $big BIG'
bw_pg_down
check "database down: A's lookup still 200 with the right bank" \
    '[ "$(curl -s -o "$T/body" -w "%{http_code}" "$A/m/lookup?signal_type=pdq&signal=$big")" = 200 ] && jq -e "has(\"BIG\")" "$T/body" >/dev/null'
check "database down: a hash in no list still matches nothing (200 {})" \
    '[ "$(curl -s -o "$T/body" -w "%{http_code}" "$A/m/lookup?signal_type=pdq&signal=$(printf "%064x" 0)")" = 200 ] && jq -e ". == {}" "$T/body" >/dev/null'
stale=0; t0=$(ms); for i in $(seq 1 80); do [ "$(status $A)" = 503 ] && [ "$(cat "$T/status")" = INDEX-STALE ] && { stale=1; break; }; sleep 0.05; done
echo "node A said INDEX-STALE $(( $(ms) - t0 )) ms after the database went down"
check "database down: /status 503 INDEX-STALE within --stale-after + 2 s" '[ $stale = 1 ]'
check "... and /metrics says bulwark_index_stale 1" '[ "$(metric $A bulwark_index_stale)" = 1 ]'
bw_pg_up
up=0; for i in $(seq 1 100); do [ "$(status $A)" = 200 ] && { up=1; break; }; sleep 0.05; done
check "database up again: /status 200 I-AM-ALIVE within 5 s" '[ $up = 1 ] && [ "$(cat "$T/status")" = I-AM-ALIVE ]'
h3=$(hashes 50000 50001); echo "$h3" >"$T/late.txt"; imp LATE "$T/late.txt"
t_late=$(until_ms 0 $A $h3 LATE)
check "a list imported after the restart is matched by A within 2 s ($t_late ms)" '[ $t_late -lt 2000 ]'
t_late_b=$(until_ms 0 $B $h3 LATE)
check "... and by B ($t_late_b ms)" '[ $t_late_b -lt 2000 ]'

# --db-read: a node reading a streaming replica, its change feed on the primary
if bw_pg_replica; then
    bw_serve_stop
    bw_serve --db "$BW_PG" --db-read "$BW_PG_R" -j 2; C=$URL
    for i in $(seq 1 200); do [ "$(status $C)" = 200 ] && break; sleep 0.05; done
    check "--db-read: the node loaded the lists from the replica" 'matched $C $big BIG'
    check "... its lookups' connection is on the replica" \
        '[ "$(psql -qAt "$BW_PG_R" -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '"'"'bulwark'"'"' AND pid <> pg_backend_pid()")" -ge 1 ]'
    h4=$(hashes 60000 60001); echo "$h4" >"$T/rep.txt"; imp REPL "$T/rep.txt"
    t_rep=$(until_ms 0 $C $h4 REPL)
    echo "the --db-read node matched a list imported on the primary in $t_rep ms"
    check "--db-read: a list imported on the primary is matched within 2 s ($t_rep ms)" '[ $t_rep -lt 2000 ]'
    "$BULWARK" lists rm REPL --db "$BW_PG" >/dev/null
    t_rep_rm=$(until_ms 1 $C $h4 REPL)
    check "--db-read: its removal stops matching within 2 s ($t_rep_rm ms)" '[ $t_rep_rm -lt 2000 ]'
else
    echo "SKIP: no streaming replica (pg_basebackup): --db-read is not tried"
fi
bw_finish
