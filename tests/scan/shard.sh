#!/usr/bin/env bash
# shard.sh -- `scan --shard K/N` (issue 12): for N = 1..5 the N shards of
# the same paths are disjoint and their union is the whole scan; an archive
# goes whole to one shard (its members with it); the split is the same in
# another run; bad values and stdin are usage errors.
. "$(dirname "$0")/../lib.sh"; bw_setup scan_shard
bw_list none 00000000000000000000000000000001
mkdir -p "$T/tree/a/b" "$T/tree/c"
for i in $(seq 1 40); do echo "file $i" >"$T/tree/$([ $((i % 3)) = 0 ] && echo a/b || echo c)/f$i.txt"; done
cp "$SAMPLES"/*.png "$SAMPLES"/*.jpg "$T/tree/a/"
(cd "$T" && zip -q -r tree/c/z.zip tree/a/b)
paths() { jq -r 'select(.path) | .path' | sort; }
"$BULWARK" scan --json --no-progress -j 2 "$T/tree" | paths >"$T/all"
total=$(wc -l <"$T/all")
check "the whole scan has records ($total)" '[ "$total" -gt 50 ]'
for n in 1 2 3 4 5; do
    : >"$T/union"
    for k in $(seq 1 $n); do
        "$BULWARK" scan --json --no-progress -j 2 --shard "$k/$n" "$T/tree" | paths >"$T/s$k"
        cat "$T/s$k" >>"$T/union"
    done
    sort "$T/union" >"$T/union.s"
    check "N=$n: the union of the shards is the whole scan" 'cmp -s "$T/union.s" "$T/all"'
    check "N=$n: no record is in two shards" '[ -z "$(uniq -d "$T/union.s")" ]'
    if [ $n -ge 2 ]; then
        check "N=$n: every shard has some work" 'for k in $(seq 1 $n); do [ -s "$T/s$k" ] || exit 1; done'
    fi
done
# the zip and its members are in the same shard
for k in 1 2 3; do
    "$BULWARK" scan --json --no-progress --shard "$k/3" "$T/tree" | paths >"$T/z$k"
done
zk=$(grep -l '/c/z.zip$' "$T"/z1 "$T"/z2 "$T"/z3)
check "the archive's members go with it" '[ -n "$zk" ] && [ "$(grep -c "z.zip!" "$zk")" -ge 1 ] && [ "$(cat "$T"/z1 "$T"/z2 "$T"/z3 | grep -c "z.zip!")" = "$(grep -c "z.zip!" "$zk")" ]'
"$BULWARK" scan --json --no-progress --shard 2/3 "$T/tree" | paths >"$T/again"
check "the split is the same from one run to the next" 'cmp -s "$T/again" "$T/z2"'
for bad in 0/3 4/3 3 a/b 1/0 1/70000 "2/3x"; do
    "$BULWARK" scan --shard "$bad" "$T/tree" >/dev/null 2>"$T/e"; rc=$?
    check "--shard $bad: usage error" '[ $rc -eq 2 ] && grep -q "shard takes K/N" "$T/e"'
done
echo x | "$BULWARK" scan --shard 1/2 - >/dev/null 2>"$T/e"; rc=$?
check "--shard with stdin: usage error" '[ $rc -eq 2 ] && grep -q "cannot split stdin" "$T/e"'
bw_finish
