#!/usr/bin/env bash
# hostile.sh -- `bulwark scan` on bad input: a zip bomb, a 42.zip-style nest,
# a tar with ../ names, odd bytes in member names, a truncated 7z, a corrupt
# image inside an archive, an input that cannot be opened, and every archive
# limit hit through its option. Each is reported as an error record, the
# good file scanned after them is still recorded, and the exit code is 1.
#
# Permissions: the tests run as root, where chmod 000 does not stop a read,
# so the unopenable input is a dangling symlink named directly (and, only
# when not root, also a chmod 000 file).
. "$(dirname "$0")/../lib.sh"; bw_setup scan_hostile
: "${BW_REFDATA:?}"
mkdir -p "$T/w"
# scan refuses a store without lists (exit 2): give it one that matches nothing
bw_list none "$(printf '%032d' 0)"
D="$BW_REFDATA/pdq/data"
err_of() { jq -r --arg p "$1" 'select(.path==$p) | .error // "NO ERROR"' "$2"; }
# has PATH FIELD FILE: the record of PATH has FIELD
has() { [ -n "$(jq -r --arg p "$1" "select(.path==\$p) | .$2 // empty" "$3")" ]; }
cd "$T/w" || exit 1
cp "$D/misc-images/wee.jpg" good.jpg

# zip bomb: 300 MB of zeros deflated to ~300 KB (ratio ~1000)
head -c 300M /dev/zero | zip -q bomb.zip -
# 42.zip-style: 16 copies of a zip of 16 copies of ... of 20 MB of zeros,
# 5 levels: ~25 KB that would expand to 1.3 TB
head -c 20M /dev/zero > leaf.bin; zip -q -9 l1.zip leaf.bin
for i in 2 3 4 5; do
    for k in $(seq 1 16); do cp "l$((i-1)).zip" "c$k.zip"; done
    zip -q -9 "l$i.zip" c*.zip; rm -f c*.zip
done
mv l5.zip nest42.zip; rm -f l?.zip leaf.bin
# a tar whose members climb out with ../ and an absolute name
mkdir -p e; printf 'x\n' > e/f
tar cf dotdot.tar -P --transform 's|^e/f$|../../../etc/bulwark-evil|' e/f
tar rf dotdot.tar -P --transform 's|^e/f$|/abs/path|' e/f
# odd bytes in a member name: \xff, a newline, a quote
mkdir -p odd; printf 'o\n' > "$(printf 'odd/na\xffme\n"q')"
(cd odd && zip -q ../odd.zip ./*)
# a truncated 7z
mkdir -p s; cp "$D/bridge-mods/aaa-orig.jpg" "$D/misc-images/wee.jpg" s/
(cd s && 7z a -bd -bso0 ../full.7z aaa-orig.jpg wee.jpg >/dev/null)
head -c 20000 full.7z > trunc.7z; rm -f full.7z
# a corrupt image member: a JPEG's first 300 bytes (no image data)
head -c 300 "$D/bridge-mods/aaa-orig.jpg" > broken.jpg
zip -q corrupt.zip broken.jpg good.jpg
# unopenable input: a dangling symlink named directly
ln -sf /nonexistent/target dangling.jpg
rm -rf e odd s broken.jpg

"$BULWARK" scan --json -j 2 bomb.zip nest42.zip dotdot.tar odd.zip trunc.7z corrupt.zip \
    dangling.jpg good.jpg >"$T/out.jsonl" 2>"$T/err"; rc=$?
check "exit code 1 (got $rc)" '[ $rc -eq 1 ]'
check "every line is JSON" 'jq -e . "$T/out.jsonl" >/dev/null'
check "the good file after them is scanned" '[ "$(jq -r "select(.path==\"good.jpg\") | .kind" "$T/out.jsonl")" = image ]'
check "zip bomb: ratio limit reported" '[[ "$(err_of bomb.zip "$T/out.jsonl")" == *"expands too much"* ]]'
check "42.zip nest: stopped as a whole by the ratio limit" '[[ "$(err_of nest42.zip "$T/out.jsonl")" == *"expands too much"* ]]'
check "42.zip nest: a bounded number of records before the stop" '[ "$(grep -c "nest42.zip" "$T/out.jsonl")" -lt 1000 ]'
check "../ member kept as a name" 'has "dotdot.tar!../../../etc/bulwark-evil" sha256 "$T/out.jsonl"'
check "absolute member kept as a name" 'has "dotdot.tar!/abs/path" sha256 "$T/out.jsonl"'
check "nothing written outside" '[ ! -e /etc/bulwark-evil ] && [ ! -e /abs/path ]'
check "odd bytes in a member name are escaped" 'grep -qF "odd.zip!na\\ufffdme\\n\\\"q\"," "$T/out.jsonl"'
check "odd bytes in a member name are kept exactly in path_bytes" \
    '[ "$(jq -r "select(.path|startswith(\"odd.zip!na\")) | .path_bytes" "$T/out.jsonl" | base64 -d | od -An -c | tr -s " ")" = "$(printf "odd.zip!na\377me\n\"q" | od -An -c | tr -s " ")" ]'
check "truncated 7z reported" '[[ "$(err_of trunc.7z "$T/out.jsonl")" == *7z* ]]'
check "corrupt image member reported" '[ "$(err_of "corrupt.zip!broken.jpg" "$T/out.jsonl")" != "NO ERROR" ]'
check "good member of the same zip still scanned" 'has "corrupt.zip!good.jpg" pdq "$T/out.jsonl"'
check "unopenable input reported" '[ "$(err_of dangling.jpg "$T/out.jsonl")" != "NO ERROR" ]'
"$BULWARK" scan bomb.zip good.jpg >"$T/human.out" 2>"$T/human.err"; rc=$?
check "without --json: errors on stderr, records on stdout, exit 1" '[ $rc -eq 1 ] && grep -q "bomb.zip: archive expands too much" "$T/human.err" && grep -q "good.jpg" "$T/human.out"'
if [ "$(id -u)" -ne 0 ]; then
    cp good.jpg noperm.jpg; chmod 000 noperm.jpg
    "$BULWARK" scan --json noperm.jpg >"$T/np.jsonl" 2>/dev/null; rc=$?
    check "unreadable file (chmod 000) reported, exit 1" '[ $rc -eq 1 ] && grep -q "cannot open" "$T/np.jsonl"'
fi

# Every archive limit, hit through its option.
mkdir -p m; for k in 1 2 3 4 5; do cp good.jpg "m/$k.jpg"; done; (cd m && zip -q ../five.zip ./*.jpg); rm -rf m
"$BULWARK" scan --json --max-members 3 five.zip good.jpg >"$T/l1" 2>/dev/null; rc=$?
check "--max-members 3 on 5 members: reported, exit 1" '[ $rc -eq 1 ] && [[ "$(err_of five.zip "$T/l1")" == *"too many archive members"* ]]'
check "--max-members: the first 3 members were still recorded" '[ "$(grep -c "five.zip!" "$T/l1")" -eq 3 ]'
"$BULWARK" scan --json --max-archive-bytes 20K five.zip >"$T/l2" 2>/dev/null; rc=$?
check "--max-archive-bytes 20K: reported" '[ $rc -eq 1 ] && [[ "$(err_of five.zip "$T/l2")" == *"archive too large"* ]]'
head -c 3M /dev/zero > zeros.bin; zip -q z3.zip zeros.bin; rm zeros.bin
"$BULWARK" scan --json z3.zip >"$T/l3" 2>/dev/null; rc=$?
check "3 MB of zeros in a zip (ratio ~1000) hits the default ratio 200" '[ $rc -eq 1 ] && [[ "$(err_of z3.zip "$T/l3")" == *"expands too much"* ]]'
"$BULWARK" scan --json --max-ratio 2000 z3.zip >"$T/l4" 2>/dev/null; rc=$?
check "--max-ratio 2000 lets it through" '[ $rc -eq 0 ] && has "z3.zip!zeros.bin" sha256 "$T/l4"'
zip -q one.zip five.zip; zip -q two.zip one.zip
"$BULWARK" scan --json --max-depth 2 two.zip >"$T/l5" 2>/dev/null; rc=$?
check "--max-depth 2: the third level is reported" '[ $rc -eq 1 ] && [[ "$(err_of "two.zip!one.zip!five.zip" "$T/l5")" == *"nested too deep"* ]]'
"$BULWARK" scan --json --max-depth 3 two.zip >"$T/l6" 2>/dev/null; rc=$?
check "--max-depth 3: opened, exit 0" '[ $rc -eq 0 ] && [ "$(grep -c "two.zip!one.zip!five.zip!" "$T/l6")" -eq 5 ]'
"$BULWARK" scan --json --max-file-size 10K five.zip good.jpg >"$T/l7" 2>/dev/null; rc=$?
check "--max-file-size 10K: members too large reported, exit 1" '[ $rc -eq 1 ] && [[ "$(err_of "five.zip!1.jpg" "$T/l7")" == *"too large"* ]]'
check "--max-file-size 10K: files on disk too" '[[ "$(err_of good.jpg "$T/l7")" == *"too large"* ]]'

bw_finish
