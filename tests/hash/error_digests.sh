#!/usr/bin/env bash
# error_digests.sh -- `hash` and `match PATH` give a file's MD5, SHA-1 and
# SHA-256 even when it does not decode (issue 20, defect 1): the error record
# of a truncated JPEG and of a file over --max-file-size carries them (the
# values from md5sum/sha1sum/sha256sum), an empty file is an ordinary record
# with the digests of zero bytes, and `match` looks those digests up.
. "$(dirname "$0")/../lib.sh"; bw_setup hash_error_digests
S="$BW_SOURCE_DIR/samples"
cd "$T" || exit 1
head -c 300 "$S/hills-sunset.jpg" > t.jpg
cp "$S/valley-morning.jpg" big.jpg
: > empty.bin
"$BULWARK" hash --json t.jpg big.jpg empty.bin - --max-file-size 16K <t.jpg >h.jsonl 2>/dev/null; rc=$?
check "hash: exit 1 (some failed; got $rc)" '[ $rc -eq 1 ]'
check "hash: one object per input" '[ "$(jq -c . h.jsonl | wc -l)" -eq 4 ]'
for f in t.jpg big.jpg empty.bin; do
    check "hash $f: md5" '[ "$(jq -r --arg p $f "select(.path==\$p).md5" h.jsonl)" = "$(md5sum $f | cut -c1-32)" ]'
    check "hash $f: sha1" '[ "$(jq -r --arg p $f "select(.path==\$p).sha1" h.jsonl)" = "$(sha1sum $f | cut -c1-40)" ]'
    check "hash $f: sha256" '[ "$(jq -r --arg p $f "select(.path==\$p).sha256" h.jsonl)" = "$(sha256sum $f | cut -c1-64)" ]'
done
check "hash stdin: md5 of the truncated JPEG" '[ "$(jq -r "select(.path==\"-\").md5" h.jsonl)" = "$(md5sum t.jpg | cut -c1-32)" ]'
check "hash t.jpg: still an error" '[ -n "$(jq -r "select(.path==\"t.jpg\").error // empty" h.jsonl)" ]'
check "hash big.jpg: error names the limit" '[[ "$(jq -r "select(.path==\"big.jpg\").error" h.jsonl)" == *"too large"* ]]'
check "hash big.jpg: size is the whole file" '[ "$(jq -r "select(.path==\"big.jpg\").size" h.jsonl)" = "$(stat -c %s big.jpg)" ]'
check "hash empty.bin: no error, the md5 of nothing" \
    '[ "$(jq -r "select(.path==\"empty.bin\") | \"\(.error // \"-\") \(.md5)\"" h.jsonl)" = "- d41d8cd98f00b204e9800998ecf8427e" ]'
"$BULWARK" hash empty.bin >/dev/null 2>&1; rc=$?
check "hash of an empty file: exit 0 (got $rc)" '[ $rc -eq 0 ]'

md5sum t.jpg | cut -c1-32 > l.txt
"$BULWARK" lists import k l.txt --kind md5 >/dev/null 2>&1 || bad "lists import"
"$BULWARK" match --json t.jpg >m.jsonl 2>/dev/null
check "match t.jpg: the md5 match is reported with the error" \
    '[ "$(jq -r "[.matches[]? | select(.kind==\"md5\")] | length" m.jsonl)" = 1 ] && [ -n "$(jq -r ".error // empty" m.jsonl)" ]'
check "match t.jpg: md5 in the record" '[ "$(jq -r .md5 m.jsonl)" = "$(md5sum t.jpg | cut -c1-32)" ]'

bw_finish
