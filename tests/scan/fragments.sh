#!/usr/bin/env bash
# fragments.sh -- small scan defects of issue 20 (item 11):
#  - `--max-depth -1` is one clear usage error (one line on stderr), exit 2;
#  - `scan -o dir/out.jsonl dir` does not scan its own output file;
#  - `--resume` on a file that is not bulwark output refuses (exit 2, naming
#    the file and the line) and leaves the file as it was, while a torn last
#    record and zeros after a crash are still cut off as before.
. "$(dirname "$0")/../lib.sh"; bw_setup scan_fragments
mkdir -p "$T/d"
S="$BW_SOURCE_DIR/samples"
cd "$T" || exit 1
cp "$S/hills-sunset.jpg" "$S/rings.png" d/
echo 0123456789abcdef0123456789abcdef > l.txt
"$BULWARK" lists import k l.txt --kind md5 >/dev/null 2>&1 || bad "lists import"

# --max-depth -1
"$BULWARK" scan --max-depth -1 d >/dev/null 2>err.txt; rc=$?
check "--max-depth -1: exit 2 (got $rc)" '[ $rc -eq 2 ]'
check "--max-depth -1: one error on stderr (got $(grep -c "^bulwark:" err.txt))" '[ "$(grep -c "^bulwark:" err.txt)" -eq 1 ]'
check "--max-depth -1: names the option" 'grep -q -- "--max-depth" err.txt'

# -o inside the scanned directory
"$BULWARK" scan --no-progress -o d/out.jsonl d >/dev/null 2>/dev/null; rc=$?
check "-o inside the tree: exit 0 (got $rc)" '[ $rc -eq 0 ]'
check "-o inside the tree: its own output is not a record" '! grep -q "\"path\":\"d/out.jsonl\"" d/out.jsonl'
check "-o inside the tree: the two images are" '[ "$(jq -r "select(.kind==\"image\").path" d/out.jsonl | sort | tr "\n" " ")" = "d/hills-sunset.jpg d/rings.png " ]'
# and again, resuming into it (the file exists and is in the tree)
"$BULWARK" scan --no-progress -o d/out.jsonl --resume d >/dev/null 2>/dev/null; rc=$?
check "-o inside the tree, --resume: still not scanned (rc $rc)" '[ $rc -eq 0 ] && ! grep -q "\"path\":\"d/out.jsonl\"" d/out.jsonl'
# a hard link to the output elsewhere in the tree is the same file
ln d/out.jsonl d/link.jsonl
"$BULWARK" scan --no-progress -o d/out.jsonl d >/dev/null 2>/dev/null
check "-o: a hard link to the output is skipped too" '! grep -q "link.jsonl" d/out.jsonl'
rm -f d/link.jsonl

# --resume on files that are not scan output
printf 'just some notes\nsecond line\n' > notes.txt; cp notes.txt notes.orig
"$BULWARK" scan --no-progress -o notes.txt --resume d >/dev/null 2>err.txt; rc=$?
check "--resume on a text file: exit 2 (got $rc)" '[ $rc -eq 2 ]'
check "--resume on a text file: names the file and line 1" 'grep -q "notes.txt" err.txt && grep -q "line 1" err.txt'
check "--resume on a text file: file left as it was" 'cmp -s notes.txt notes.orig'
printf '{"path":"d/rings.png","kind":"file","size":1}\n{"name":"x","value":2}\n' > other.jsonl; cp other.jsonl other.orig
"$BULWARK" scan --no-progress -o other.jsonl --resume d >/dev/null 2>err.txt; rc=$?
check "--resume on JSON without path: exit 2 (got $rc), line 2 named" '[ $rc -eq 2 ] && grep -q "line 2" err.txt && cmp -s other.jsonl other.orig'
printf '[1,2,3]\n' > arr.jsonl
"$BULWARK" scan --no-progress -o arr.jsonl --resume d >/dev/null 2>/dev/null; rc=$?
check "--resume on a JSON array line: exit 2 (got $rc)" '[ $rc -eq 2 ]'
printf 'no newline at all' > nonl.txt
"$BULWARK" scan --no-progress -o nonl.txt --resume d >/dev/null 2>/dev/null; rc=$?
check "--resume on one unterminated text line: exit 2 (got $rc)" '[ $rc -eq 2 ]'
# still accepted: a torn record at the end, and zeros
head -n 1 d/out.jsonl > torn.jsonl; printf '{"path":"d/rin' >> torn.jsonl
"$BULWARK" scan --no-progress -o torn.jsonl --resume d >/dev/null 2>/dev/null; rc=$?
check "--resume after a torn record: exit 0 (got $rc)" '[ $rc -eq 0 ] && [ "$(grep -c "\"kind\":\"image\"" torn.jsonl)" -eq 2 ]'
head -n 1 d/out.jsonl > zeros.jsonl; head -c 600 /dev/zero >> zeros.jsonl
"$BULWARK" scan --no-progress -o zeros.jsonl --resume d >/dev/null 2>/dev/null; rc=$?
check "--resume after zeros: exit 0 (got $rc)" '[ $rc -eq 0 ] && [ "$(grep -c "\"kind\":\"image\"" zeros.jsonl)" -eq 2 ]'

bw_finish
