#!/usr/bin/env bash
# error_digests.sh -- the exact hashes come from the bytes, whatever the
# decoder says (issue 20, defect 1). A file whose decode fails (a truncated
# JPEG, PNG, GIF or WebP), a text file, an empty file and a file over the
# read-into-memory limit all carry md5/sha1/sha256 -- on disk, as archive
# members (zip, tar, tar.gz, 7z) and on stdin -- and are matched on them: with a
# list of their MD5s (from md5sum, not from bulwark) `scan --fail-on-match`
# exits 3 even where the decode failed. A zip of 100,000 empty members
# gives 100,000 ordinary records (no error lines) and exits 0.
. "$(dirname "$0")/../lib.sh"; bw_setup scan_error_digests
mkdir -p "$T/in"
S="$BW_SOURCE_DIR/samples"
md5of() { md5sum "$1" | cut -c1-32; }
sha256of() { sha256sum "$1" | cut -c1-64; }
# field PATH FIELD FILE: the value of .FIELD in the record of PATH ("" if none)
field() { jq -r --arg p "$1" "select(.path==\$p) | .$2 // empty" "$3"; }
# matched PATH FILE: the record of PATH has an md5 match
matched() { [ "$(jq -r --arg p "$1" 'select(.path==$p) | [.matches[]? | select(.kind=="md5")] | length' "$2")" -ge 1 ] 2>/dev/null; }

cd "$T/in" || exit 1
head -c 300 "$S/hills-sunset.jpg" > trunc.jpg
head -c 300 "$S/rings.png" > trunc.png
head -c 400 "$S/rings.webp" > trunc.webp
python3 "$BW_SOURCE_DIR/tests/draw_gif.py" whole.gif   # then cut short
head -c 40 whole.gif > trunc.gif
printf 'a plain text file\n' > notes.txt
: > empty.bin
cp "$S/valley-morning.jpg" big.jpg          # 60 KB: over --max-file-size 16K
LIMIT=16K
for f in trunc.jpg trunc.png trunc.gif trunc.webp notes.txt big.jpg; do md5of "$f"; done > "$T/list.txt"
echo d41d8cd98f00b204e9800998ecf8427e >> "$T/list.txt"    # the MD5 of zero bytes, by hand
check "the empty file's md5sum is the well-known one" '[ "$(md5of empty.bin)" = d41d8cd98f00b204e9800998ecf8427e ]'
"$BULWARK" lists import k "$T/list.txt" --kind md5 >/dev/null 2>&1 || bad "lists import"

FILES="trunc.jpg trunc.png trunc.gif trunc.webp notes.txt empty.bin big.jpg"
zip -q "$T/m.zip" $FILES
tar cf "$T/m.tar" $FILES
tar czf "$T/m.tgz" $FILES
7z a -bd -bso0 "$T/m.7z" $FILES >/dev/null 2>&1
cd "$T" || exit 1

# ---- on disk ----
"$BULWARK" scan --json --no-progress --fail-on-match --max-file-size $LIMIT \
    $(for f in $FILES; do echo "in/$f"; done) >disk.jsonl 2>disk.err; rc=$?
check "files on disk: exit 3 (got $rc)" '[ $rc -eq 3 ]'
check "files on disk: one JSON object per file" '[ "$(jq -c . disk.jsonl | wc -l)" -eq 7 ]'
for f in $FILES; do
    check "disk $f: md5 is md5sum's" '[ "$(field "in/$f" md5 disk.jsonl)" = "$(md5of "in/$f")" ]'
    check "disk $f: sha256 is sha256sum's" '[ "$(field "in/$f" sha256 disk.jsonl)" = "$(sha256of "in/$f")" ]'
    check "disk $f: sha1 present" '[ -n "$(field "in/$f" sha1 disk.jsonl)" ]'
    check "disk $f: matched on md5" 'matched "in/$f" disk.jsonl'
done
for f in trunc.jpg trunc.png trunc.gif trunc.webp; do
    check "disk $f: still an error record" '[ -n "$(field "in/$f" error disk.jsonl)" ]'
done
check "disk big.jpg: error names the limit" '[[ "$(field in/big.jpg error disk.jsonl)" == *"too large"* ]]'
check "disk big.jpg: size is the whole file" '[ "$(field in/big.jpg size disk.jsonl)" = "$(stat -c %s in/big.jpg)" ]'
check "disk empty.bin: no error, size 0" '[ -z "$(field in/empty.bin error disk.jsonl)" ] && [ "$(field in/empty.bin size disk.jsonl)" = 0 ]'
check "disk notes.txt: no error" '[ -z "$(field in/notes.txt error disk.jsonl)" ]'
check "the whole GIF decodes (so the truncated one fails for its cut)" \
    '[ "$("$BULWARK" hash --json in/whole.gif 2>/dev/null | jq -r .kind)" = image ]'

# ---- archive members ----
for a in m.zip m.tar m.tgz m.7z; do
    "$BULWARK" scan --json --no-progress --fail-on-match --max-file-size $LIMIT "$a" >"$a.jsonl" 2>/dev/null; rc=$?
    check "$a: exit 3 (got $rc)" '[ $rc -eq 3 ]'
    for f in $FILES; do
        check "$a!$f: md5 is md5sum's" '[ "$(field "$a!$f" md5 "$a.jsonl")" = "$(md5of "in/$f")" ]'
        check "$a!$f: matched" 'matched "$a!$f" "$a.jsonl"'
    done
    check "$a!empty.bin: no error" '[ -z "$(field "$a!empty.bin" error "$a.jsonl")" ]'
    check "$a!big.jpg: error names the limit" '[[ "$(field "$a!big.jpg" error "$a.jsonl")" == *"too large"* ]]'
done

# ---- a gzipped file over the limit: the decompressed member's digests ----
gzip -c in/big.jpg > big.jpg.gz
"$BULWARK" scan --json --no-progress --fail-on-match --max-file-size $LIMIT big.jpg.gz >gz.jsonl 2>/dev/null; rc=$?
check "big.jpg.gz: exit 3 (got $rc)" '[ $rc -eq 3 ]'
check "big.jpg.gz!big.jpg: md5 of the decompressed file, error names the limit" \
    '[ "$(field big.jpg.gz!big.jpg md5 gz.jsonl)" = "$(md5of in/big.jpg)" ] && [[ "$(field big.jpg.gz!big.jpg error gz.jsonl)" == *"too large"* ]]'

# ---- stdin ----
for f in trunc.jpg empty.bin big.jpg notes.txt; do
    "$BULWARK" scan --json --no-progress --fail-on-match --max-file-size $LIMIT - <"in/$f" >stdin.jsonl 2>/dev/null; rc=$?
    check "stdin $f: exit 3 (got $rc)" '[ $rc -eq 3 ]'
    check "stdin $f: md5 is md5sum's" '[ "$(field - md5 stdin.jsonl)" = "$(md5of "in/$f")" ]'
done

# ---- without a list entry: a decode failure is still exit 1, an empty file exit 0 ----
"$BULWARK" scan --json --no-progress --fail-on-match in/trunc.jpg >/dev/null 2>&1; rc=$?
check "listed truncated JPEG with --fail-on-match: 3 (got $rc)" '[ $rc -eq 3 ]'
"$BULWARK" lists import other <(echo 0123456789abcdef0123456789abcdef) --kind md5 >/dev/null 2>&1
"$BULWARK" scan --json --no-progress --list other in/trunc.jpg >/dev/null 2>&1; rc=$?
check "unlisted truncated JPEG: exit 1 (got $rc)" '[ $rc -eq 1 ]'
"$BULWARK" scan --json --no-progress --list other in/empty.bin >/dev/null 2>&1; rc=$?
check "unlisted empty file: exit 0 (got $rc)" '[ $rc -eq 0 ]'

# ---- -o output and resume keep the matched error record counted ----
"$BULWARK" scan --no-progress -o out.jsonl in/trunc.jpg >/dev/null 2>&1
check "-o summary counts the matched error record" '[ "$(tail -n1 out.jsonl | jq .summary.matched)" = 1 ]'
"$BULWARK" scan --no-progress -o out.jsonl --resume in/trunc.jpg >/dev/null 2>&1
check "resumed summary still counts it" '[ "$(tail -n1 out.jsonl | jq .summary.matched)" = 1 ]'

# ---- 100,000 empty members: records without error, not 100,000 errors ----
python3 -c '
import zipfile
with zipfile.ZipFile("empties.zip", "w", zipfile.ZIP_STORED) as z:
    for i in range(100000):
        z.writestr("e%06d" % i, b"")
'
"$BULWARK" scan --json --no-progress --list other -o empties.jsonl empties.zip >/dev/null 2>empties.err; rc=$?
check "100k empty members: exit 0 (got $rc)" '[ $rc -eq 0 ]'
check "100k empty members: no error line on stderr" '! grep -q "empty" empties.err'
check "100k empty members: summary 100000 files, 0 errors" \
    '[ "$(tail -n1 empties.jsonl | jq -c "[.summary.files, .summary.errors]")" = "[100000,0]" ]'
check "100k empty members: each has the empty md5" \
    '[ "$(jq -r "select(.kind==\"file\") | .md5" empties.jsonl | sort -u)" = d41d8cd98f00b204e9800998ecf8427e ]'

bw_finish
