#!/usr/bin/env bash
# reload.sh -- a long-running `match -` follows the store (issue 20, item
# 3): a list re-imported, added or removed by another process while it
# runs is matched within the refresh interval (1 s): old hashes stop
# matching, new ones are found, for the rest of the run. And match -j N
# answers in input order.
. "$(dirname "$0")/../lib.sh"; bw_setup match_reload
cd "$T" || exit 1
A=0123456789abcdef0123456789abcdef
B=fedcba9876543210fedcba9876543210
C=00112233445566778899aabbccddeeff
printf '%s\tversion one\n' "$A" >v1.txt
printf '%s\tversion two\n' "$B" >v2.txt
printf '%s\tanother\n' "$C" >v3.txt
"$BULWARK" lists import k v1.txt >/dev/null
mkfifo q
"$BULWARK" match --json - <q >answers.jsonl 2>match.err &
pid=$!
exec 3>q
ask() { echo "$1" >&3; }
wait_lines() { # wait_lines N: until answers.jsonl has N lines (5 s at most)
    for _ in $(seq 50); do [ "$(wc -l <answers.jsonl)" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }
ask "$A"; wait_lines 1
"$BULWARK" lists import k v2.txt >/dev/null        # re-imported: A goes, B comes
sleep 1.3
ask "$A"; ask "$B"; wait_lines 3
"$BULWARK" lists import other v3.txt >/dev/null   # a new list
"$BULWARK" lists rm k >/dev/null                   # and one removed
sleep 1.3
ask "$B"; ask "$C"; wait_lines 5
exec 3>&-
wait $pid; rc=$?
n() { sed -n "${1}p" answers.jsonl | jq -r '[.matches[].label] | join(",")'; }
check "match - exits 0 (got $rc)" '[ $rc -eq 0 ]'
check "before: A matches version one" '[ "$(n 1)" = "version one" ]'
check "after re-import: A no longer matches" '[ "$(n 2)" = "" ]'
check "after re-import: B matches version two" '[ "$(n 3)" = "version two" ]'
check "after rm: B no longer matches" '[ "$(n 4)" = "" ]'
check "a list added during the run is matched" '[ "$(n 5)" = "another" ]'
check "no errors" '[ ! -s match.err ]'

# -j N: many queries, answers in input order, as -j 1
"$BULWARK" lists import k v1.txt >/dev/null
for i in $(seq 40); do cp "$SAMPLES/rings.png" "f$i.png"; done
"$BULWARK" match -j 1 --json f*.png "$A" >j1.jsonl; rc1=$?
"$BULWARK" match -j 2 --json f*.png "$A" >j2.jsonl; rc2=$?
check "match -j 2 is accepted (exit 0)" '[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]'
check "match -j 2: the same answers in the same order as -j 1" 'cmp -s j1.jsonl j2.jsonl && [ "$(wc -l <j2.jsonl)" -eq 41 ]'
check "match -j 2: the order is the input order" '[ "$(jq -r .query j2.jsonl | head -3 | tr "\n" " ")" = "$(printf "%s\n" f*.png | head -3 | tr "\n" " ")" ]'
check "match -j 0 is a usage error" '"$BULWARK" match -j 0 "$A" >/dev/null 2>&1; [ $? -eq 2 ]'
bw_finish
