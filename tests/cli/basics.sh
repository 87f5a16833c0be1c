#!/usr/bin/env bash
# basics.sh -- the tool's outside, as interface.md fixes it: --version and
# --help, exit codes for usage errors, `hash` on non-image files (digests
# checked against coreutils), stdin, directory walking order, JSON Lines
# validity, error objects and exit code 1 with the good files still done.
. "$(dirname "$0")/../lib.sh"; bw_setup cli_basics

# version, help, unknown verb, missing args
v=$("$BULWARK" --version); check "--version prints bulwark X.Y.Z" '[[ "$v" =~ ^bulwark\ [0-9]+\.[0-9]+\.[0-9]+$ ]]'
"$BULWARK" --help >"$T/help" 2>&1; check "--help exits 0" '[ $? -eq 0 ]'
check "--help lists every verb" 'for w in hash lists match scan cluster prompt provenance serve; do grep -q "^  $w " "$T/help" || exit 1; done'
"$BULWARK" frobnicate >/dev/null 2>&1; check "unknown verb exits 2" '[ $? -eq 2 ]'
"$BULWARK" >/dev/null 2>&1; check "no verb exits 2" '[ $? -eq 2 ]'
"$BULWARK" hash >/dev/null 2>&1; check "hash without PATH exits 2" '[ $? -eq 2 ]'
"$BULWARK" hash --no-such-option x >/dev/null 2>&1; check "unknown option exits 2" '[ $? -eq 2 ]'
"$BULWARK" hash -j 0 x >/dev/null 2>&1; check "-j 0 exits 2" '[ $? -eq 2 ]'
"$BULWARK" hash --help | grep -q -- '--exact'; check "hash --help documents --exact" '[ $? -eq 0 ]'

# a non-image file: kind "file", digests equal to coreutils'
printf 'hello, bulwark\n' >"$T/note.txt"
out=$("$BULWARK" hash --json "$T/note.txt"); rc=$?
check "hash of a text file exits 0" '[ $rc -eq 0 ]'
check "text file is kind file" '[[ "$out" == *"\"kind\":\"file\""* ]]'
for alg in md5 sha1 sha256; do
    want=$(${alg}sum "$T/note.txt" | cut -d" " -f1)
    check "$alg equals ${alg}sum" '[[ "$out" == *"\"$alg\":\"$want\""* ]]'
done

# stdin: same digests as the file
out2=$("$BULWARK" hash --json - <"$T/note.txt")
want=$(sha256sum "$T/note.txt" | cut -d" " -f1)
check "stdin is hashed" '[[ "$out2" == *"\"sha256\":\"$want\""* && "$out2" == *"\"path\":\"-\""* ]]'

# a directory walked recursively, in byte order of names, with a zero-byte
# file (a file record with the digests of nothing: issue 20) and an odd file
# name (escaped, valid JSON)
mkdir -p "$T/tree/b" "$T/tree/a"
printf x >"$T/tree/b/2.txt"; printf y >"$T/tree/a/1.txt"; : >"$T/tree/a/empty.bin"
printf z >"$T/tree/$(printf 'odd\001name\377.txt')"
"$BULWARK" hash --json -j 2 "$T/tree" >"$T/tree.jsonl" 2>"$T/tree.err"; rc=$?
check "a zero-byte file is no failure: exit 0" '[ $rc -eq 0 ]'
check "output is valid JSON Lines" 'json_ok <"$T/tree.jsonl"'
check "four records" '[ $(wc -l <"$T/tree.jsonl") -eq 4 ]'
check "walk order a/1, a/empty, b/2, odd" 'python3 -c "
import json,sys
p=[json.loads(l)[\"path\"].split(\"/tree/\")[1] for l in open(sys.argv[1])]
sys.exit(0 if p[:3]==[\"a/1.txt\",\"a/empty.bin\",\"b/2.txt\"] and p[3].startswith(\"odd\") else 1)" "$T/tree.jsonl"'
check "empty file gives a file record of size 0 with the md5 of nothing" 'grep -q "empty.bin\",\"kind\":\"file\",\"size\":0,\"md5\":\"d41d8cd98f00b204e9800998ecf8427e\"" "$T/tree.jsonl"'

# a missing path: error object naming the problem, other inputs still done
"$BULWARK" hash --json "$T/note.txt" "$T/missing.jpg" >"$T/mix.jsonl" 2>/dev/null; rc=$?
check "missing input exits 1" '[ $rc -eq 1 ]'
check "missing input reported" 'grep -q "missing.jpg\",\"error\":\"cannot stat" "$T/mix.jsonl"'
check "good input still hashed" 'grep -q "note.txt\",\"kind\":\"file\"" "$T/mix.jsonl"'

# people's output: one line per file, errors on stderr only
"$BULWARK" hash "$T/note.txt" "$T/missing.jpg" >"$T/human.out" 2>"$T/human.err"
check "human output has one line" '[ $(wc -l <"$T/human.out") -eq 1 ]'
check "human errors go to stderr" 'grep -q missing.jpg "$T/human.err"'

# --max-file-size applies to stdin too
head -c 5000 /dev/zero | "$BULWARK" hash --json --max-file-size 4K - >"$T/big.jsonl"; rc=$?
check "--max-file-size refuses a larger stdin" '[ $rc -eq 1 ] && grep -q "too large" "$T/big.jsonl"'

# --limit NAME=VALUE sets any limit by name, on every verb that reads input
for verb in hash scan cluster provenance prompt lists; do
    "$BULWARK" $verb --help | grep -q -- '--limit NAME=VALUE'; check "$verb --help documents --limit" '[ $? -eq 0 ]'
done
"$BULWARK" hash --limit nonsense=4 "$T/note.txt" >/dev/null 2>&1; check "--limit with an unknown name exits 2" '[ $? -eq 2 ]'
"$BULWARK" hash --limit max_pixels "$T/note.txt" >/dev/null 2>&1; check "--limit without =VALUE exits 2" '[ $? -eq 2 ]'
"$BULWARK" hash --limit max_file_bytes=4 --json "$T/note.txt" >"$T/lim.jsonl"; rc=$?
check "--limit max_file_bytes=4 refuses a 15-byte file" '[ $rc -eq 1 ] && grep -q "too large" "$T/lim.jsonl"'

bw_finish
