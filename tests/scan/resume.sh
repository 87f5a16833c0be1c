#!/usr/bin/env bash
# resume.sh -- a scan into -o OUT.jsonl is killed with SIGKILL at random
# moments several times, each time continued with --resume; the final output
# must hold every file exactly once, with the same record as an
# uninterrupted scan, and end with the summary. Also: a torn last line and
# garbage after a crash are cut off, Ctrl-C (SIGINT) stops cleanly with the
# summary marked interrupted, and --resume of a finished scan changes
# nothing but the summary.
. "$(dirname "$0")/../lib.sh"; bw_setup scan_resume
: "${BW_REFDATA:?}"
mkdir -p "$T/in/d1" "$T/in/d2" "$T/mk"
# scan refuses a store without lists (exit 2): give it one that matches nothing
bw_list none "$(printf '%032d' 0)"
D="$BW_REFDATA/pdq/data"

# ~900 inputs: files in two directories, a tar and a zip of more.
imgs=("$D"/bridge-mods/*.jpg "$D"/reg-test-input/labelme-subset/*.jpg "$D/misc-images/wee.jpg")
for i in $(seq 0 599); do cp "${imgs[$((i % ${#imgs[@]}))]}" "$T/in/d$((i % 2 + 1))/f$i.jpg"; done
for i in $(seq 0 299); do cp "${imgs[$(((i * 7) % ${#imgs[@]}))]}" "$T/mk/m$i.jpg"; done
(cd "$T/mk" && tar cf "$T/in/shard.tar" m{0..149}.jpg && zip -q "$T/in/pack.zip" m{150..299}.jpg)
rm -rf "$T/mk"
cd "$T" || exit 1

# The reference: one uninterrupted scan.
"$BULWARK" scan -j 1 -o "$T/ref.jsonl" in >/dev/null 2>&1
head -n -1 "$T/ref.jsonl" | jq -c . | sort >"$T/ref.sorted"
nref=$(wc -l <"$T/ref.sorted")
check "reference scan has all 902 records (got $nref)" '[ "$nref" -eq 902 ]'

# Kill it at random moments, resuming each time.
out="$T/out.jsonl"; rm -f "$out"
"$BULWARK" scan -j 2 -o "$out" in >/dev/null 2>&1 &
pid=$!
kills=0
for round in 1 2 3 4 5 6; do
    sleep "0.$((RANDOM % 4 + 1))$((RANDOM % 10))"
    if kill -0 $pid 2>/dev/null; then kill -9 $pid 2>/dev/null; kills=$((kills+1)); fi
    wait $pid 2>/dev/null
    # the kill may leave a torn line: resume must cope
    "$BULWARK" scan -j 2 -o "$out" --resume in >/dev/null 2>&1 &
    pid=$!
done
wait $pid; rc=$?
check "the last resume finishes with exit 0 (got $rc, after $kills kills)" '[ $rc -eq 0 ]'
check "at least 2 of the kills hit a running scan ($kills)" '[ $kills -ge 2 ]'
check "last line is the summary" 'tail -n1 "$out" | jq -e .summary >/dev/null'
check "summary counts every file once" '[ "$(tail -n1 "$out" | jq .summary.files)" -eq "$(jq -s "map(select(.kind==\"image\" or .kind==\"file\")) | length" "$T/ref.jsonl")" ]'
check "only one summary line" '[ "$(grep -c "\"summary\"" "$out")" -eq 1 ]'
dups=$(head -n -1 "$out" | jq -r .path | sort | uniq -d | wc -l)
check "no path twice ($dups duplicated)" '[ "$dups" -eq 0 ]'
head -n -1 "$out" | jq -c . | sort >"$T/out.sorted"
check "same records as the uninterrupted scan" 'cmp -s "$T/ref.sorted" "$T/out.sorted"'

# A torn line and garbage after the last whole record: cut off, redone.
head -n 40 "$T/ref.jsonl" >"$T/torn.jsonl"
printf '{"path":"in/d2/f99.jpg","kind":"ima' >>"$T/torn.jsonl"
"$BULWARK" scan -j 2 -o "$T/torn.jsonl" --resume in >/dev/null 2>"$T/torn.err"; rc=$?
check "resume after a torn line: exit 0" '[ $rc -eq 0 ]'
check "resume says how many records it kept" 'grep -q "resuming: 40 records" "$T/torn.err"'
head -n -1 "$T/torn.jsonl" | jq -c . | sort >"$T/torn.sorted"
check "torn line: same records as the uninterrupted scan" 'cmp -s "$T/ref.sorted" "$T/torn.sorted"'
head -n 10 "$T/ref.jsonl" >"$T/garbage.jsonl"
head -c 3000 /dev/zero >>"$T/garbage.jsonl"; printf '\n{"path":"in/d1/f0.jpg"}\n' >>"$T/garbage.jsonl"
"$BULWARK" scan -o "$T/garbage.jsonl" --resume in >/dev/null 2>&1; rc=$?
head -n -1 "$T/garbage.jsonl" | jq -c . | sort >"$T/garbage.sorted"
check "zeros after a crash: cut off, same records" '[ $rc -eq 0 ] && cmp -s "$T/ref.sorted" "$T/garbage.sorted"'

# Resuming a finished scan: nothing new, the summary replaced.
cp "$T/ref.jsonl" "$T/again.jsonl"
"$BULWARK" scan -o "$T/again.jsonl" --resume in >/dev/null 2>&1; rc=$?
check "resume of a finished scan: same records, one summary" '[ $rc -eq 0 ] && diff <(head -n -1 "$T/again.jsonl") <(head -n -1 "$T/ref.jsonl") >/dev/null && [ "$(grep -c summary "$T/again.jsonl")" -eq 1 ]'

# Ctrl-C: stops cleanly, what is done is written, the summary says so.
rm -f "$T/int.jsonl"
"$BULWARK" scan -j 1 -o "$T/int.jsonl" in >/dev/null 2>"$T/int.err" &
pid=$!; sleep 0.4; kill -INT $pid; wait $pid; rc=$?
check "SIGINT: exit 1 (got $rc)" '[ $rc -eq 1 ]'
check "SIGINT: summary marked interrupted" 'tail -n1 "$T/int.jsonl" | jq -e ".summary.interrupted == true" >/dev/null'
check "SIGINT: every line whole JSON" 'jq -e . "$T/int.jsonl" >/dev/null'
"$BULWARK" scan -j 2 -o "$T/int.jsonl" --resume in >/dev/null 2>&1
head -n -1 "$T/int.jsonl" | jq -c . | sort >"$T/int.sorted"
check "SIGINT then resume: same records" 'cmp -s "$T/ref.sorted" "$T/int.sorted"'

# Usage: --resume needs -o; two scans cannot write one output.
"$BULWARK" scan --resume in >/dev/null 2>&1; check "--resume without -o exits 2" '[ $? -eq 2 ]'
"$BULWARK" scan -j 1 -o "$T/lock.jsonl" in >/dev/null 2>&1 &
pid=$!; sleep 0.2
"$BULWARK" scan -o "$T/lock.jsonl" in >/dev/null 2>"$T/lock.err"; rc=$?
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
check "a second scan into the same output is refused" '[ $rc -eq 2 ] && grep -q "another scan" "$T/lock.err"'

bw_finish
