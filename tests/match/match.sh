#!/usr/bin/env bash
# match.sh -- `bulwark match` from the outside: ThreatExchange's
# needles.txt looked up (through stdin) in haystack.txt imported as a list
# must give, at each distance of refdata/pdq/expected/index-needles-
# haystack.tsv, exactly its total matches and needles matched; results are
# nearest first; --list filters; --index fast and compact agree; exact kinds match at distance 0 (a
# 64-digit query is also tried as SHA-256); a query that is neither a hash
# nor a file gives an error object and exit 1 while the others are still
# answered; usage errors exit 2. When the image decoders are built, an
# image path is hashed and matched, and --dihedral finds a rotated copy.
. "$(dirname "$0")/../lib.sh"; bw_setup match_cli
: "${BW_REFDATA:?}"
P="$BW_REFDATA/pdq"
HAY="$P/data/reg-test-input/haystack.txt"; NEEDLES="$P/data/reg-test-input/needles.txt"
N1=$(sed -n 1p "$NEEDLES")

"$BULWARK" lists import hay "$HAY" --source ThreatExchange >/dev/null
check "haystack imported" '"$BULWARK" lists ls --json | grep -q "\"name\":\"hay\""'

# every distance of the brute-force truth table
tail -n +2 "$P/expected/index-needles-haystack.tsv" | while IFS=$'\t' read -r d total with; do
    "$BULWARK" match --json --max-distance "$d" - <"$NEEDLES" >"$T/out.$d"
    got=$(python3 - "$T/out.$d" <<'EOF'
import json, sys
total = with_ = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    m = [x for x in o["matches"] if x["kind"] == "pdq"]
    d = [x["distance"] for x in m]
    assert d == sorted(d), "not nearest first"
    total += len(m); with_ += bool(m)
print(total, with_)
EOF
)
    [ "$got" = "$total $with" ] || echo "FAIL: d=$d got $got want $total $with" >&2
    [ "$got" = "$total $with" ] && echo pass >>"$T/passes" || echo fail >>"$T/fails"
done
check "needles/haystack: all distances as the brute-force table" '[ ! -s "$T/fails" ] && [ $(wc -l <"$T/passes") -ge 10 ]'
check "one JSON line per needle" '[ $(wc -l <"$T/out.31") -eq $(wc -l <"$NEEDLES") ]'

# --index: a list big enough for the compact layout (the haystack and
# 70,000 random hashes) answers the needles the same in both layouts, and
# as the brute-force table (random hashes are never within 64 of a needle)
python3 -c '
import random, sys
random.seed(7)
for line in open(sys.argv[1]):
    print(line.strip())
for i in range(70000):
    print("%064x" % random.getrandbits(256))
' "$HAY" >"$T/big.txt"
"$BULWARK" lists import big "$T/big.txt" >/dev/null
for layout in fast compact; do
    for d in 0 16 31 48 63; do
        "$BULWARK" match --json --list big --index "$layout" --max-distance "$d" - <"$NEEDLES" >"$T/$layout.$d"
    done
done
same=1
for d in 0 16 31 48 63; do cmp -s "$T/fast.$d" "$T/compact.$d" || same=0; done
check "--index fast and compact: identical answers" '[ $same -eq 1 ]'
want31=$(awk -F'\t' '$1 == 31 { print $2 }' "$P/expected/index-needles-haystack.tsv")
got31=$(grep -o '"kind":"pdq"' "$T/compact.31" | wc -l)
check "--index compact: total matches at 31 as the brute-force table" '[ -n "$want31" ] && [ "$got31" -eq "$want31" ]'
"$BULWARK" match --index small "$N1" >/dev/null 2>&1; rc=$?
check "--index small: exit 2" '[ $rc -eq 2 ]'

# --list filters; exact kinds; a 64-digit query is also a SHA-256
MD5=d41d8cd98f00b204e9800998ecf8427e
SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
printf '%s\tnothing\n' "$MD5" >"$T/md5.txt"
"$BULWARK" lists import md5s "$T/md5.txt" >/dev/null
printf '%s\tempty sha\n' "$SHA256" >"$T/sha.txt"
"$BULWARK" lists import shas "$T/sha.txt" --kind sha256 >/dev/null
out=$("$BULWARK" match --json "$MD5")
check "md5 query matches at distance 0 with its label" '[[ "$out" == *"\"list\":\"md5s\",\"kind\":\"md5\",\"hash\":\"$MD5\",\"distance\":0,\"label\":\"nothing\""* ]]'
out=$("$BULWARK" match --json "$SHA256")
check "64-digit query found as SHA-256" '[[ "$out" == *"\"kind\":\"sha256\""* ]]'
out=$("$BULWARK" match --json --list md5s "$N1")
check "--list md5s: no PDQ matches" '[[ "$out" == *"\"matches\":[]"* ]]'
"$BULWARK" match --list nosuch "$MD5" >/dev/null 2>&1; rc=$?
check "--list of a missing list: exit 2" '[ $rc -eq 2 ]'

# errors
out=$("$BULWARK" match --json "$MD5" not-a-hash-nor-a-file "$MD5" 2>/dev/null); rc=$?
check "bad query: exit 1" '[ $rc -eq 1 ]'
check "bad query: error object, the others answered" '[ $(echo "$out" | wc -l) -eq 3 ] && echo "$out" | sed -n 2p | grep -q "\"error\""'
"$BULWARK" match --max-distance 300 "$MD5" >/dev/null 2>&1; rc=$?
check "--max-distance 300: exit 2" '[ $rc -eq 2 ]'
"$BULWARK" match >/dev/null 2>&1; rc=$?
check "no query: exit 2" '[ $rc -eq 2 ]'
printf '%s\n\n%s\n' "$MD5" "$MD5" | "$BULWARK" match --json - >"$T/stdin.out"
check "stdin: blank lines skipped" '[ $(wc -l <"$T/stdin.out") -eq 2 ]'
out=$("$BULWARK" match "$MD5")
check "text output names the list and label" '[[ "$out" == *"md5s"*"nothing"* ]]'

# image paths (only when this build decodes JPEG)
IMG="$P/data/reg-test-input/dih/bridge-1-original.jpg"
ROT="$P/data/reg-test-input/dih/bridge-2-rotate-90.jpg"
if "$BULWARK" hash --json "$IMG" 2>/dev/null | grep -q '"pdq"'; then
    ref=$(awk -F'\t' '$1=="data/bridge-mods/aaa-orig.jpg"{print $4}' "$P/expected/cpp-reference-hashes.tsv")
    printf '%s\tbridge\n' "$ref" >"$T/bridge.txt"
    "$BULWARK" lists import bridge "$T/bridge.txt" >/dev/null
    out=$("$BULWARK" match --json --list bridge "$IMG")
    check "image path hashed and matched" '[[ "$out" == *"\"pdq\":"* ]] && [[ "$out" == *"\"label\":\"bridge\""* ]]'
    out=$("$BULWARK" match --json --list bridge "$ROT")
    check "rotated image: no match without --dihedral" '[[ "$out" == *"\"matches\":[]"* ]]'
    out=$("$BULWARK" match --json --dihedral --list bridge "$ROT")
    check "rotated image: match with --dihedral" '[[ "$out" == *"\"label\":\"bridge\""* ]]'
else
    echo "match.sh: no JPEG decoder in this build yet; image queries not tested" >&2
fi

bw_finish
