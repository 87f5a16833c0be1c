#!/usr/bin/env bash
# lists.sh -- `bulwark lists` from the outside: import in every format,
# ls (text and --json), export hex/te round trips, rm, re-import replacing
# atomically, and bad input -- a wrong-length hash, a non-hex character, a
# truncated JSON, a VICS file with values of the wrong type, an empty file,
# a line of several megabytes -- each failing the whole import with its
# line number (or counted under --skip-bad), and a real `kill -9` of the
# tool in the middle of a big import leaving the previous version intact
# and PRAGMA integrity_check ok. Expected values are written here by hand
# or taken from the PDQ reference data.
. "$(dirname "$0")/../lib.sh"; bw_setup lists_cli
: "${BW_REFDATA:?}"
HAY="$BW_REFDATA/pdq/data/reg-test-input/haystack.txt"
H1=$(sed -n 1p "$HAY"); H2=$(sed -n 2p "$HAY"); H3=$(sed -n 3p "$HAY")
MD5=d41d8cd98f00b204e9800998ecf8427e                 # md5 of nothing
SHA1=da39a3ee5e6b4b0d3255bfef95601890afd80709        # sha1 of nothing
SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# ---- hex: labels after tab or comma, comments, duplicates, kinds by length
cat >"$T/a.txt" <<EOF
# a hand-made list
$H1	first
$H2,second

$MD5	empty file md5
$SHA1
$H1	repeated
EOF
out=$("$BULWARK" lists import A "$T/a.txt" --source "hand made"); rc=$?
check "hex import exits 0" '[ $rc -eq 0 ]'
check "hex import counts 4 entries, 1 duplicate" '[[ "$out" == *"4 entries (pdq 2, md5 1, sha1 1, sha256 0), 1 duplicates"* ]]'
js=$("$BULWARK" lists ls --json)
check "ls --json has name/kinds/entries/source/imported_at" 'python3 -c "
import json,sys
o=json.loads(sys.argv[1])
assert o[\"name\"]==\"A\" and o[\"entries\"]==4 and o[\"kinds\"]=={\"pdq\":2,\"md5\":1,\"sha1\":1,\"sha256\":0}
assert o[\"source\"]==\"hand made\" and o[\"imported_at\"].endswith(\"Z\")
" "$js"'
"$BULWARK" lists export A >"$T/a.out"
check "export hex has the labels" 'grep -q "^$H1	first$" "$T/a.out" && grep -q "^$H2	second$" "$T/a.out"'
check "export hex keeps the first label of a duplicate" '! grep -q repeated "$T/a.out"'
check "export hex has 4 hashes" '[ $(grep -vc "^#" "$T/a.out") -eq 4 ]'
"$BULWARK" lists import A2 "$T/a.out" >/dev/null
check "export/import round trip" '[ "$("$BULWARK" lists export A2 | grep -v "^#")" = "$(grep -v "^#" "$T/a.out")" ]'
"$BULWARK" lists export A --format te >"$T/a.te"
check "export te lines" 'grep -q "^pdq $H1$" "$T/a.te" && grep -q "^video_md5 $MD5$" "$T/a.te"'
"$BULWARK" lists import A3 "$T/a.te" --format te >/dev/null
check "te export/import round trip" '[ "$("$BULWARK" lists export A3 --format te)" = "$(cat "$T/a.te")" ]'

# --kind sha256 makes 64-digit lines SHA-256
printf '%s\n' "$SHA256" >"$T/s.txt"
"$BULWARK" lists import S "$T/s.txt" --kind sha256 >/dev/null
check "--kind sha256" '"$BULWARK" lists ls --json | grep -q "\"name\":\"S\",\"kinds\":{\"pdq\":0,\"md5\":0,\"sha1\":0,\"sha256\":1}"'
"$BULWARK" lists import S2 "$T/a.txt" --kind md5 >/dev/null 2>"$T/err"; rc=$?
check "--kind md5 rejects a 64-digit line with its number" '[ $rc -eq 1 ] && grep -q "line 2: not an MD5 hash" "$T/err"'

# ---- te: python-threatexchange signal files and HMA CSV exports
cat >"$T/t.te" <<EOF
pdq $H1
video_md5 $MD5
url https://example.com/
raw_text some words
EOF
out=$("$BULWARK" lists import T "$T/t.te" --json 2>"$T/err"); rc=$?
check "te import (auto-sniffed) exits 0" '[ $rc -eq 0 ] && [[ "$out" == *"\"format\":\"te\""* ]]'
check "te: pdq + video_md5 kept" '[[ "$out" == *"\"kinds\":{\"pdq\":1,\"md5\":1,\"sha1\":0,\"sha256\":0}"* ]]'
check "te: other signal types reported" 'grep -q "left out 2 signals" "$T/err"'
printf '%s,2880742865368386,2020-07-31T18:47:52+0000,media_priority_samples media_type_photo\n%s,3085240538237227,2020-07-31T18:47:52+0000,disputed\n' "$H1" "$H2" >"$T/hma.csv"
out=$("$BULWARK" lists import HMA "$T/hma.csv" --json); rc=$?
check "HMA CSV sniffed as te" '[ $rc -eq 0 ] && [[ "$out" == *"\"format\":\"te\""* ]] && [[ "$out" == *"\"entries\":2"* ]]'
m=$("$BULWARK" match --json --list HMA "$H2")
check "HMA id becomes the label" '[[ "$m" == *"\"label\":\"3085240538237227\""* ]] && [[ "$m" == *"\"category\":\"disputed\""* ]]'

# ---- csv with a header
printf 'id,MD5,sha1,category\nx1,%s,%s,c1\n"x,2",,"%s",c2\n' "$MD5" "$SHA1" "$SHA1" >"$T/c.csv"
out=$("$BULWARK" lists import C "$T/c.csv" --json); rc=$?
check "csv import: 2 distinct entries, 1 duplicate" '[ $rc -eq 0 ] && [[ "$out" == *"\"entries\":2"* ]] && [[ "$out" == *"\"duplicates\":1"* ]]'
printf 'name,size\na,1\n' >"$T/nohash.csv"
"$BULWARK" lists import C2 "$T/nohash.csv" --format csv 2>"$T/err"; rc=$?
check "csv without a hash column: line 1" '[ $rc -eq 1 ] && grep -q "line 1: no hash column" "$T/err"'

# ---- vics: 1.x nesting and 2.0 flat, PhotoDNA skipped and counted
cat >"$T/v1.json" <<EOF
{"odata.metadata":"x","value":[
 {"CaseNumber":"1","Media":[
   {"MediaID":17,"Category":1,"MD5":"${MD5^^}","SHA1":"$SHA1","PhotoDNA":"AAAA"},
   {"MediaID":18,"Category":"2","MD5":"0123456789abcdef0123456789abcdef","SHA1":null}
 ]}]}
EOF
out=$("$BULWARK" lists import V1 "$T/v1.json" --json 2>"$T/err"); rc=$?
check "vics 1.x import" '[ $rc -eq 0 ] && [[ "$out" == *"\"kinds\":{\"pdq\":0,\"md5\":2,\"sha1\":1,\"sha256\":0}"* ]]'
check "vics PhotoDNA counted" '[[ "$out" == *"\"photodna_skipped\":1"* ]] && grep -q "PhotoDNA" "$T/err"'
m=$("$BULWARK" match --json --list V1 $MD5)
check "vics MediaID label and Category" '[[ "$m" == *"\"label\":\"17\",\"category\":\"1\""* ]]'
printf '{"@odata.context":"http://x/$metadata#Media","value":[{"MediaID":1,"Category":0,"MD5":"%s","SHA1":"%s"}]}' "$MD5" "$SHA1" >"$T/v2.json"
out=$("$BULWARK" lists import V2 "$T/v2.json" --json); rc=$?
check "vics 2.0 flat import (one line)" '[ $rc -eq 0 ] && [[ "$out" == *"\"entries\":2"* ]]'

# ---- bad input: the import fails whole with the line number ...
"$BULWARK" lists import A "$T/a.txt" >/dev/null   # the version that must survive
before=$("$BULWARK" lists export A)
printf '%s\n%s\n%s00\n%s\n' "$H1" "$H2" "$H3" "$MD5" >"$T/badlen.txt"
"$BULWARK" lists import A "$T/badlen.txt" 2>"$T/err"; rc=$?
check "wrong-length hash: exit 1, line 3" '[ $rc -eq 1 ] && grep -q "line 3: not a hash (want 32, 40 or 64 hex digits)" "$T/err"'
check "failed import left the old version" '[ "$("$BULWARK" lists export A)" = "$before" ]'
printf '%s\n%s\n' "$H1" "${H2:0:63}g" >"$T/nonhex.txt"
"$BULWARK" lists import A "$T/nonhex.txt" 2>"$T/err"; rc=$?
check "non-hex: exit 1, line 2" '[ $rc -eq 1 ] && grep -q "line 2: not a hash (a character is not a hex digit)" "$T/err"'
head -c 150 "$T/v1.json" >"$T/trunc.json"
"$BULWARK" lists import A "$T/trunc.json" --format vics 2>"$T/err"; rc=$?
check "truncated JSON: exit 1, says truncated" '[ $rc -eq 1 ] && grep -q "line 3: JSON ends early (truncated file)" "$T/err"'
printf '{"value":[{"Media":[\n{"MD5":"%s"},\n{"MD5":12345},\n{"SHA1":{"x":1}}]}]}\n' "$MD5" >"$T/types.json"
"$BULWARK" lists import A "$T/types.json" 2>"$T/err"; rc=$?
check "VICS with a number for MD5: line 3" '[ $rc -eq 1 ] && grep -q "line 3: MD5 is a number, not a hex string" "$T/err"'
out=$("$BULWARK" lists import VT "$T/types.json" --skip-bad --json 2>"$T/err"); rc=$?
check "VICS --skip-bad keeps the good record, skips 2" '[ $rc -eq 0 ] && [[ "$out" == *"\"entries\":1"* ]] && [[ "$out" == *"\"skipped\":2"* ]] && grep -q "skipped 2 bad lines (first at line 3)" "$T/err"'
: >"$T/empty.txt"
"$BULWARK" lists import A "$T/empty.txt" 2>"$T/err"; rc=$?
check "empty file: exit 1, says empty" '[ $rc -eq 1 ] && grep -q "empty list file" "$T/err"'
printf '# only a comment\n\n' >"$T/comment.txt"
"$BULWARK" lists import A "$T/comment.txt" 2>"$T/err"; rc=$?
check "no hashes at all: exit 1" '[ $rc -eq 1 ] && grep -q "no hashes" "$T/err"'
{ echo "$H1"; head -c 3000000 /dev/zero | tr '\0' 'a'; echo; echo "$H2"; } >"$T/long.txt"
"$BULWARK" lists import A "$T/long.txt" 2>"$T/err"; rc=$?
check "a 3 MB line: exit 1, line 2, the limit named" '[ $rc -eq 1 ] && grep -q "line 2: longer than the line limit (1048576 bytes)" "$T/err"'
out=$("$BULWARK" lists import L "$T/long.txt" --skip-bad --json 2>/dev/null)
check "a 3 MB line with --skip-bad: 2 entries, 1 skipped" '[[ "$out" == *"\"entries\":2"* ]] && [[ "$out" == *"\"skipped\":1"* ]]'
out=$("$BULWARK" lists import L "$T/long.txt" --max-line 4M --skip-bad --json 2>/dev/null)
check "--max-line 4M: the long line is read (and is not a hash)" '[[ "$out" == *"\"skipped\":1"* ]]'
out=$("$BULWARK" lists import N "$T/badlen.txt" --skip-bad --json 2>/dev/null)
check "--skip-bad imports the rest" '[[ "$out" == *"\"entries\":3"* ]] && [[ "$out" == *"\"skipped\":1"* ]]'
python3 -c 'print("{\"value\":" + "["*100 + "]"*100 + "}")' >"$T/deep.json"
"$BULWARK" lists import A "$T/deep.json" 2>"$T/err"; rc=$?
check "JSON nested deeper than the limit" '[ $rc -eq 1 ] && grep -q "JSON nested deeper than 64 levels" "$T/err"'
"$BULWARK" lists import A "$T/deep.json" --max-json-depth 200 2>"$T/err"; rc=$?
check "--max-json-depth 200 lets it through (then: no hashes)" '[ $rc -eq 1 ] && grep -q "no hashes" "$T/err"'
check "after all that, A is unchanged" '[ "$("$BULWARK" lists export A)" = "$before" ]'
"$BULWARK" lists import A "$T/no-such-file" 2>/dev/null; rc=$?
check "missing file: exit 1" '[ $rc -eq 1 ]'
"$BULWARK" lists import A >/dev/null 2>&1; rc=$?
check "import without FILE: exit 2" '[ $rc -eq 2 ]'
"$BULWARK" lists frob >/dev/null 2>&1; rc=$?
check "unknown subcommand: exit 2" '[ $rc -eq 2 ]'
"$BULWARK" lists import A "$T/a.txt" --format xml >/dev/null 2>&1; rc=$?
check "unknown format: exit 2" '[ $rc -eq 2 ]'

# ---- stdin, rm
"$BULWARK" lists import STDIN - <"$T/a.txt" >/dev/null
check "import from stdin" '"$BULWARK" lists ls | grep -q "^STDIN "'
"$BULWARK" lists rm STDIN; rc=$?
check "rm exits 0 and the list is gone" '[ $rc -eq 0 ] && ! "$BULWARK" lists ls | grep -q "^STDIN "'
"$BULWARK" lists rm STDIN 2>"$T/err"; rc=$?
check "rm of a missing list: exit 1" '[ $rc -eq 1 ] && grep -q "no list named" "$T/err"'
"$BULWARK" lists export NOPE >/dev/null 2>&1; rc=$?
check "export of a missing list: exit 1" '[ $rc -eq 1 ]'

# ---- re-import replaces atomically; kill -9 in the middle leaves the old one
python3 - "$T/big.txt" <<'EOF'
import random, sys
r = random.Random(7)
with open(sys.argv[1], "w") as f:
    for i in range(1500000):
        f.write("%064x\tlabel %d\n" % (r.getrandbits(256), i))
EOF
"$BULWARK" lists import A "$T/a.txt" >/dev/null
for attempt in 1 2 3; do
    "$BULWARK" lists import A "$T/big.txt" >/dev/null 2>&1 &
    pid=$!
    sleep 1.$((attempt * 3))
    kill -9 $pid 2>/dev/null; killed=$?; wait $pid 2>/dev/null
    check "the import was still running when killed (#$attempt)" '[ $killed -eq 0 ]'
    check "kill -9 during import #$attempt: A still the old version" '[ "$("$BULWARK" lists export A)" = "$before" ]'
done
check "store integrity_check ok after kill -9" '[ "$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"PRAGMA integrity_check\").fetchone()[0])" "$BULWARK_DB")" = ok ]'
check "only live lists visible" '[ "$("$BULWARK" lists ls --json | grep -c "\"name\":\"A\"")" -eq 1 ]'
"$BULWARK" lists import A "$T/big.txt" >"$T/big.out" 2>&1; rc=$?
check "the big import completes" '[ $rc -eq 0 ] && grep -q "1500000 entries" "$T/big.out"'
check "re-import replaced A" '"$BULWARK" lists ls --json | grep -q "\"name\":\"A\",\"kinds\":{\"pdq\":1500000"'

bw_finish
