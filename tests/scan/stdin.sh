#!/usr/bin/env bash
# stdin.sh -- `bulwark scan -`: one input piped in (an upload), read into
# memory and scanned like a file of that name. Benign reference images are
# piped as a zip, a tar.gz, a 7z (which needs seeking: a pipe cannot) and a
# lone JPEG; each member's record must carry the SHA-256 that sha256sum gives
# for the original file, under the name -!MEMBER, and the archive's own
# record comes last. Empty input is a file of zero bytes; an input over
# --max-file-size is an error record that still has its digests (exit 1);
# '-' twice and --resume with '-' are usage errors (exit 2).
. "$(dirname "$0")/../lib.sh"; bw_setup scan_stdin
: "${BW_REFDATA:?}"
mkdir -p "$T/in"
# scan refuses a store without lists (exit 2): give it one that matches nothing
bw_list none "$(printf '%032d' 0)"
D="$BW_REFDATA/pdq/data"

cd "$T/in" || exit 1
cp "$D/bridge-mods/aaa-orig.jpg" "$D/misc-images/wee.jpg" "$D/reg-test-input/pen-and-coaster.png" .
(for f in *; do echo "-!$f $(sha256sum "$f" | cut -d' ' -f1)"; done) | sort >"$T/want"
zip -q "$T/a.zip" ./*
tar czf "$T/a.tgz" ./*
have7z=0
if command -v 7z >/dev/null 2>&1; then 7z a -bd "$T/a.7z" ./* >/dev/null && have7z=1; fi
cd "$T" || exit 1

members() { jq -r 'select(.kind == "image") | "\(.path) \(.sha256)"' "$1" | sed 's#^-!\./#-!#' | sort; }

"$BULWARK" scan --json --no-progress - <a.zip >zip.jsonl 2>/dev/null; rc=$?
check "zip on stdin: exit 0" '[ $rc -eq 0 ]'
check "zip on stdin: every member as sha256sum gives it" '[ "$(members zip.jsonl)" = "$(cat want)" ]'
last=$(tail -n1 zip.jsonl | jq -r '"\(.path) \(.kind) \(.format)"')
check "zip on stdin: the archive record, named -, last" '[ "$last" = "- archive zip" ]'

cat a.tgz | "$BULWARK" scan --json --no-progress - >tgz.jsonl 2>/dev/null; rc=$?
check "tar.gz through a pipe: exit 0" '[ $rc -eq 0 ]'
check "tar.gz through a pipe: every member" '[ "$(members tgz.jsonl)" = "$(cat want)" ]'

if [ $have7z -eq 1 ]; then
    cat a.7z | "$BULWARK" scan --json --no-progress - >7z.jsonl 2>/dev/null; rc=$?
    check "7z through a pipe (no seeking on stdin): every member" '[ $rc -eq 0 ] && [ "$(members 7z.jsonl)" = "$(cat want)" ]'
fi

cat in/wee.jpg | "$BULWARK" scan --json --no-progress - >one.jsonl 2>/dev/null
got=$(jq -r '"\(.path) \(.kind) \(.sha256)"' one.jsonl)
want1="- image $(sha256sum in/wee.jpg | cut -d' ' -f1)"
check "a lone JPEG: one image record named -" '[ "$got" = "$want1" ]'

"$BULWARK" scan --json --no-progress - </dev/null >empty.jsonl 2>/dev/null; rc=$?
check "empty stdin: a file of zero bytes (the digests of nothing), exit 0" '[ $rc -eq 0 ] && jq -e ".path == \"-\" and .size == 0 and .md5 == \"d41d8cd98f00b204e9800998ecf8427e\" and (has(\"error\") | not)" empty.jsonl >/dev/null'

"$BULWARK" scan --json --no-progress --max-file-size 1K - <a.zip >big.jsonl 2>/dev/null; rc=$?
check "over --max-file-size: an error record, exit 1" '[ $rc -eq 1 ] && [ "$(jq -r .path big.jsonl)" = "-" ] && jq -e ".error" big.jsonl >/dev/null'

"$BULWARK" scan --json --no-progress - in/wee.jpg <a.zip >mixed.jsonl 2>/dev/null; rc=$?
check "stdin and a path together" '[ $rc -eq 0 ] && grep -q "\"path\":\"in/wee.jpg\"" mixed.jsonl && grep -q "\"path\":\"-!wee.jpg\"" mixed.jsonl'

"$BULWARK" scan - - </dev/null >/dev/null 2>&1; rc=$?
check "'-' twice: exit 2" '[ $rc -eq 2 ]'
"$BULWARK" scan --resume -o out.jsonl - </dev/null >/dev/null 2>&1; rc=$?
check "--resume with '-': exit 2" '[ $rc -eq 2 ]'

bw_finish
