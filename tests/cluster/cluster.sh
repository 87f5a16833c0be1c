#!/usr/bin/env bash
# cluster.sh -- `bulwark cluster` on the reference images. The expected
# group comes from the reference's own hashes (refdata
# expected/cpp-reference-hashes.tsv): the 12 bridge-mods edits and
# dih/bridge-1-original are all within 16 bits of each other there, and
# every other reference image is more than 45 bits from all of them and
# from each other -- so with the default distance 31 there is exactly one
# group, far from the threshold. Plus exact duplicates by SHA-256, --from a
# scan's output, hand-written records for the representative rule and
# --min-quality, and bad --from input.
. "$(dirname "$0")/../lib.sh"; bw_setup cluster_sh
: "${BW_REFDATA:?}"
# scan refuses a store without lists (exit 2): give it one that matches nothing
bw_list none "$(printf '%032d' 0)"
D="$BW_REFDATA/pdq/data"
cd "$T" || exit 1

ins=("$D/bridge-mods" "$D/reg-test-input/dih/bridge-1-original.jpg" "$D/reg-test-input/labelme-subset"
     "$D/misc-images/c.png" "$D/misc-images/small.jpg" "$D/misc-images/wee.jpg" "$D/reg-test-input/pen-and-coaster.png")
"$BULWARK" cluster --json -j 2 "${ins[@]}" >"$T/c.jsonl" 2>"$T/c.err"; rc=$?
check "cluster exits 0 ($(head -c 200 "$T/c.err"))" '[ $rc -eq 0 ]'
check "exactly one group" '[ "$(wc -l <"$T/c.jsonl")" -eq 1 ]'
want=$(for f in aaa-orig blur-a-little blur-a-lot high-contrast high-saturation sharpen-a-little \
       sharpen-a-lot shrink-a-little shrink-a-lot square-128x128 square-256x256 square-512x512; do
       echo "$D/bridge-mods/$f.jpg"; done; echo "$D/reg-test-input/dih/bridge-1-original.jpg")
got=$(jq -r '.members[]' "$T/c.jsonl")
check "the group is the 12 bridge edits and the original, in input order" '[ "$got" = "$want" ]'
check "group id 1" '[ "$(jq .cluster "$T/c.jsonl")" -eq 1 ]'
check "representative: all quality 100, so the first" '[ "$(jq -r .representative "$T/c.jsonl")" = "$D/bridge-mods/aaa-orig.jpg" ]'

# -j 1 and -j 2 agree
"$BULWARK" cluster --json -j 1 "${ins[@]}" >"$T/c1.jsonl" 2>/dev/null
check "-j 1 gives the same groups" 'cmp -s "$T/c.jsonl" "$T/c1.jsonl"'

# --from a scan's output: same groups (paths inside archives too)
mkdir -p "$T/t"; cp "$D/bridge-mods/aaa-orig.jpg" "$D/misc-images/wee.jpg" "$T/t/"
(cd "$T/t" && zip -q pack.zip aaa-orig.jpg wee.jpg)
printf 'same bytes\n' >"$T/t/n1.txt"; cp "$T/t/n1.txt" "$T/t/n2.txt"
cp "$D/reg-test-input/labelme-subset/q0003.jpg" "$T/t/low1.jpg"; cp "$T/t/low1.jpg" "$T/t/low2.jpg"
cp "$D/reg-test-input/labelme-subset/q0004.jpg" "$T/t/low3.jpg"
"$BULWARK" scan -o "$T/s.jsonl" "$T/t" >/dev/null 2>&1
"$BULWARK" cluster --json --from "$T/s.jsonl" >"$T/f.jsonl" 2>/dev/null; rc=$?
"$BULWARK" cluster --json "$T/t" >"$T/p.jsonl" 2>/dev/null
check "--from exits 0" '[ $rc -eq 0 ]'
check "--from gives the same groups as the paths" 'cmp -s "$T/f.jsonl" "$T/p.jsonl"'
check "a file and its copy in a zip group together" 'grep -qF "[\"$T/t/aaa-orig.jpg\",\"$T/t/pack.zip!aaa-orig.jpg\"]" "$T/f.jsonl"'
check "text files with equal bytes group (SHA-256)" 'grep -qF "[\"$T/t/n1.txt\",\"$T/t/n2.txt\"]" "$T/f.jsonl"'
check "low-quality copies group by SHA-256 only" 'grep -qF "[\"$T/t/low1.jpg\",\"$T/t/low2.jpg\"]" "$T/f.jsonl"'
check "four groups: aaa, wee, notes, low (low3 alone)" '[ "$(wc -l <"$T/f.jsonl")" -eq 4 ] && ! grep -q low3 "$T/f.jsonl"'

# Hand-written records: representative by quality, distance threshold, --min-quality.
z=0000000000000000000000000000000000000000000000000000000000000000
one=8000000000000000000000000000000000000000000000000000000000000000   # 1 bit from z, 32/33 from b31/b32
b31=00000000000000000000000000000000000000000000000000000000$(printf 'ffffff7f')  # 31 bits from z
b32=00000000000000000000000000000000000000000000000000000000ffffffff  # 32 bits from z
far=ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff
{
  echo "{\"path\":\"a\",\"kind\":\"image\",\"sha256\":\"$(printf a | sha256sum | cut -c1-64)\",\"pdq\":\"$z\",\"quality\":60}"
  echo "{\"path\":\"b\",\"kind\":\"image\",\"sha256\":\"$(printf b | sha256sum | cut -c1-64)\",\"pdq\":\"$one\",\"quality\":90}"
  echo "{\"path\":\"c\",\"kind\":\"image\",\"sha256\":\"$(printf c | sha256sum | cut -c1-64)\",\"pdq\":\"$far\",\"quality\":100}"
  echo "{\"path\":\"d\",\"kind\":\"image\",\"sha256\":\"$(printf d | sha256sum | cut -c1-64)\",\"pdq\":\"$b31\",\"quality\":70}"
  echo "{\"path\":\"e\",\"kind\":\"image\",\"sha256\":\"$(printf e | sha256sum | cut -c1-64)\",\"pdq\":\"$z\",\"quality\":40}"
  echo "{\"path\":\"x\",\"error\":\"truncated JPEG\"}"
  echo "{\"path\":\"y\",\"kind\":\"archive\",\"format\":\"zip\",\"members\":2}"
  echo "{\"summary\":{\"files\":5}}"
} >"$T/h.jsonl"
"$BULWARK" cluster --json --from "$T/h.jsonl" >"$T/h.out" 2>/dev/null; rc=$?
check "hand records: exit 0" '[ $rc -eq 0 ]'
check "hand records: a, b (1 bit) and d (31 bits) group; e (quality 40) and c (far) do not" '[ "$(jq -c .members "$T/h.out")" = "[\"a\",\"b\",\"d\"]" ]'
check "representative is the highest quality (b, 90)" '[ "$(jq -r .representative "$T/h.out")" = b ]'
"$BULWARK" cluster --json --min-quality 0 --from "$T/h.jsonl" >"$T/h0.out" 2>/dev/null
check "--min-quality 0 lets e in" '[ "$(jq -c .members "$T/h0.out")" = "[\"a\",\"b\",\"d\",\"e\"]" ]'
sed "s/$b31/$b32/" "$T/h.jsonl" >"$T/h32.jsonl"
"$BULWARK" cluster --json --from "$T/h32.jsonl" >"$T/h32.out" 2>/dev/null
check "32 bits is beyond the default 31" '[ "$(jq -c .members "$T/h32.out")" = "[\"a\",\"b\"]" ]'
"$BULWARK" cluster --json --max-distance 32 --from "$T/h32.jsonl" >"$T/h32b.out" 2>/dev/null
check "--max-distance 32 takes it" '[ "$(jq -c .members "$T/h32b.out")" = "[\"a\",\"b\",\"d\"]" ]'
"$BULWARK" cluster --json --max-distance 0 --from "$T/h.jsonl" >"$T/hd0.out" 2>/dev/null
check "--max-distance 0: no group (all hashes differ)" '[ ! -s "$T/hd0.out" ]'

# Bad input to --from: lines that are not records are skipped and reported.
{ echo 'not json'; echo '[1,2]'; echo '{"nopath":1}'; printf '%*s\n' 300 '' | tr ' ' '['; head -n 2 "$T/h.jsonl"; } >"$T/bad.jsonl"
"$BULWARK" cluster --json --from "$T/bad.jsonl" >"$T/bad.out" 2>"$T/bad.err"; rc=$?
check "bad lines: exit 1, reported, good lines still grouped" '[ $rc -eq 1 ] && grep -q "4 lines are not scan records" "$T/bad.err" && [ "$(jq -c .members "$T/bad.out")" = "[\"a\",\"b\"]" ]'
"$BULWARK" cluster --from "$T/nonexistent.jsonl" >/dev/null 2>&1; check "missing --from file: exit 2" '[ $? -eq 2 ]'
"$BULWARK" cluster --from "$T/h.jsonl" "$T/t" >/dev/null 2>&1; check "--from and paths: exit 2" '[ $? -eq 2 ]'
"$BULWARK" cluster >/dev/null 2>&1; check "nothing to cluster: exit 2" '[ $? -eq 2 ]'

bw_finish
