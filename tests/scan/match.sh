#!/usr/bin/env bash
# match.sh -- `bulwark scan` against lists built from third-party values:
# the reference PDQ hashes of two images (refdata expected/
# cpp-reference-hashes.tsv), the md5sum of one file and the sha256sum of
# another. From the reference's own distances, the 12 bridge-mods edits and
# dih/bridge-1-original are within 14 bits of the listed bridge hash and
# every other reference image is more than 100 bits away; the 7 rotated and
# flipped bridges match only with --dihedral. The test checks that matches
# appear exactly there (also inside archives) and nowhere else, that each
# reported distance equals the Hamming distance between the record's pdq
# and the listed hash (computed here), --list, --fail-on-match, -o, and
# that --index fast and compact give the same records.
. "$(dirname "$0")/../lib.sh"; bw_setup scan_match
: "${BW_REFDATA:?}"
mkdir -p "$T/in"
D="$BW_REFDATA/pdq/data"; E="$BW_REFDATA/pdq/expected/cpp-reference-hashes.tsv"
cd "$T" || exit 1

refpdq() { awk -F'\t' -v p="$1" '$1==p {print $4}' "$E"; }
cp -r "$D/bridge-mods" "$D/reg-test-input/dih" "$D/reg-test-input/labelme-subset" in/
cp "$D/misc-images/c.png" "$D/misc-images/small.jpg" "$D/misc-images/wee.jpg" "$D/reg-test-input/pen-and-coaster.png" in/
printf 'a listed document\n' > in/notes.txt
mkdir -p z && cp "$D/bridge-mods/shrink-a-lot.jpg" "$D/reg-test-input/labelme-subset/q0746.jpg" in/notes.txt z/
(cd z && zip -q inner.zip shrink-a-lot.jpg q0746.jpg && tar cf ../in/nest.tar inner.zip notes.txt); rm -rf z

bridge=$(refpdq data/bridge-mods/aaa-orig.jpg); q746=$(refpdq data/reg-test-input/labelme-subset/q0746.jpg)
check "reference hashes found" '[ ${#bridge} -eq 64 ] && [ ${#q746} -eq 64 ]'
printf '%s\tbridge photo\n' "$bridge" >bridge.txt
{ printf '%s\tq0746\n' "$q746"; printf '%s\twee\n' "$(md5sum in/wee.jpg | cut -d' ' -f1)"; } >photos.txt
printf '%s\tnotes\n' "$(sha256sum in/notes.txt | cut -d' ' -f1)" >docs.txt
"$BULWARK" lists import bridge bridge.txt >/dev/null 2>&1 &&
"$BULWARK" lists import photos photos.txt >/dev/null 2>&1 &&
"$BULWARK" lists import docs docs.txt --kind sha256 >/dev/null 2>&1
check "lists imported" '[ $? -eq 0 ]'

"$BULWARK" scan --json -j 2 in >"$T/m.jsonl" 2>/dev/null; rc=$?
check "scan exits 0 (got $rc)" '[ $rc -eq 0 ]'
jq -r 'select(.matches and (.matches|length)>0) | "\(.path) \([.matches[].list]|unique|join(","))"' "$T/m.jsonl" | sort >"$T/got"
{ for f in aaa-orig blur-a-little blur-a-lot high-contrast high-saturation sharpen-a-little sharpen-a-lot \
           shrink-a-little shrink-a-lot square-128x128 square-256x256 square-512x512; do echo "in/bridge-mods/$f.jpg bridge"; done
  echo "in/dih/bridge-1-original.jpg bridge"
  echo "in/labelme-subset/q0746.jpg photos"
  echo "in/wee.jpg photos"
  echo "in/notes.txt docs"
  echo "in/nest.tar!inner.zip!shrink-a-lot.jpg bridge"
  echo "in/nest.tar!inner.zip!q0746.jpg photos"
  echo "in/nest.tar!notes.txt docs"; } | sort >"$T/want"
check "matches exactly where expected ($(diff "$T/want" "$T/got" | tr '\n' ' ' | head -c 300))" 'cmp -s "$T/want" "$T/got"'
check "every other record has an empty matches array" '[ "$(jq -s "map(select(.kind==\"image\" or .kind==\"file\") | select(.matches == [])) | length" "$T/m.jsonl")" -eq $(( $(jq -s "map(select(.kind==\"image\" or .kind==\"file\")) | length" "$T/m.jsonl") - 19 )) ]'

# Each match: the listed hash, the kind, the label, and the distance recomputed here.
badd=$(jq -r 'select(.matches and (.matches|length)>0) | . as $r | .matches[] | select(.kind=="pdq") | "\($r.pdq) \(.hash) \(.distance)"' "$T/m.jsonl" |
  python3 -c 'import sys
n=0
for l in sys.stdin:
    a,b,d=l.split()
    if bin(int(a,16)^int(b,16)).count("1")!=int(d): n+=1
print(n)')
check "pdq distances equal the Hamming distance recomputed here" '[ "$badd" = 0 ]'
check "bridge matches carry the listed hash and label" '[ "$(jq -r "select(.path==\"in/bridge-mods/blur-a-lot.jpg\") | .matches[0] | \"\(.kind) \(.hash) \(.label)\"" "$T/m.jsonl")" = "pdq $bridge bridge photo" ]'
check "md5 match at distance 0" '[ "$(jq -r "select(.path==\"in/wee.jpg\") | .matches[0] | \"\(.kind) \(.distance) \(.label)\"" "$T/m.jsonl")" = "md5 0 wee" ]'
check "sha256 match inside a tar" '[ "$(jq -r "select(.path==\"in/nest.tar!notes.txt\") | .matches[0] | \"\(.list) \(.kind) \(.distance)\"" "$T/m.jsonl")" = "docs sha256 0" ]'

# --dihedral: the 7 rotated and flipped bridges match too, nothing else changes.
"$BULWARK" scan --json --dihedral -j 2 in >"$T/d.jsonl" 2>/dev/null
jq -r 'select(.matches and (.matches|length)>0) | "\(.path) \([.matches[].list]|unique|join(","))"' "$T/d.jsonl" | sort >"$T/dgot"
{ cat "$T/want"; for f in bridge-2-rotate-90 bridge-3-rotate-180 bridge-4-rotate-270 bridge-5-flipx bridge-6-flipy \
      bridge-7-flip-plus-1 bridge-8-flip-minus-1; do echo "in/dih/$f.jpg bridge"; done; } | sort >"$T/dwant"
check "--dihedral: the 8 orientations match, nothing else ($(diff "$T/dwant" "$T/dgot" | tr '\n' ' ' | head -c 300))" 'cmp -s "$T/dwant" "$T/dgot"'
check "--dihedral: a rotated match names its orientation" '[ "$(jq -r "select(.path==\"in/dih/bridge-2-rotate-90.jpg\") | .matches[0].orientation" "$T/d.jsonl")" != null ]'

# --list restricts; an unknown list is a configuration error.
"$BULWARK" scan --json --list photos --list docs in >"$T/l.jsonl" 2>/dev/null
check "--list photos --list docs: no bridge matches" '! grep -q "\"list\":\"bridge\"" "$T/l.jsonl" && grep -q "\"list\":\"photos\"" "$T/l.jsonl"'
"$BULWARK" scan --json --list nosuch in >/dev/null 2>&1; check "--list of an unknown list exits 2" '[ $? -eq 2 ]'

# --fail-on-match
"$BULWARK" scan --fail-on-match in/wee.jpg >/dev/null 2>&1; check "--fail-on-match with a match exits 3" '[ $? -eq 3 ]'
"$BULWARK" scan --fail-on-match in/c.png >/dev/null 2>&1; check "--fail-on-match without a match exits 0" '[ $? -eq 0 ]'
"$BULWARK" scan in/wee.jpg >/dev/null 2>&1; check "a match without --fail-on-match exits 0" '[ $? -eq 0 ]'

# -o: summary counts the matched files; stdout shows only the matches
"$BULWARK" scan -o "$T/o.jsonl" in >"$T/o.out" 2>/dev/null
check "-o summary: 19 matched" '[ "$(tail -n1 "$T/o.jsonl" | jq .summary.matched)" -eq 19 ]'
check "-o: stdout lists the 19 matched files only" '[ "$(wc -l <"$T/o.out")" -eq 19 ] && grep -q "MATCH bridge:pdq" "$T/o.out"'
# --max-distance 0 leaves only the exact kinds (our hashes are not bit-identical to the reference CLI's)
"$BULWARK" scan --json --max-distance 0 in >"$T/z.jsonl" 2>/dev/null
check "--max-distance 0: digest matches stay" '[ "$(jq -r "select(.path==\"in/notes.txt\") | .matches[0].kind" "$T/z.jsonl")" = sha256 ]'

# --index: with 70,000 more (random) PDQ hashes the store is big enough for
# the compact layout; both layouts must give the same records, matches
# included, and still the 19 matched files
python3 -c '
import random
random.seed(11)
for i in range(70000):
    print("%064x" % random.getrandbits(256))
' >big.txt
"$BULWARK" lists import big big.txt >/dev/null 2>&1
for layout in fast compact; do
    "$BULWARK" scan --json --index "$layout" in 2>/dev/null |
        jq -c 'select(.path) | [.path, .matches]' | sort >"$T/index.$layout"
done
check "--index fast and compact: the same matches" 'cmp -s "$T/index.fast" "$T/index.compact"'
check "--index compact: 19 matched files" '[ "$(grep -c "\",\[{" "$T/index.compact")" -eq 19 ]'
"$BULWARK" scan --index bogus in/wee.jpg >/dev/null 2>&1; check "--index bogus exits 2" '[ $? -eq 2 ]'

bw_finish
