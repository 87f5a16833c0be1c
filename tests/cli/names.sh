#!/usr/bin/env bash
# names.sh -- names from outside never reach people raw, and never become
# ambiguous in JSON (issue 20, items 7 and 8).
#   People's output and every diagnostic: a file, member, list name, label
#   or source holding a newline, an escape sequence, a stray byte or a
#   right-to-left override is shown escaped, one line per record, so no
#   forged "MATCH" line and no terminal control reaches the reader.
#   JSON: a name with the byte 0xFF and a name with "ÿ" (C3 BF) are two
#   different paths: the first is "\ufffd" plus path_bytes (base64 of its
#   exact bytes), the second is itself; resume and cluster --from read the
#   exact bytes back.
. "$(dirname "$0")/../lib.sh"; bw_setup cli_names
cd "$T" || exit 1
mkdir d
forged=$(printf 'f.png  MATCH ncmec distance 0\nz.png')
cp "$SAMPLES/rings.png" "d/$forged"
cp "$SAMPLES/rings.png" "d/$(printf 'e\033[2Jx.png')"
cp "$SAMPLES/rings.png" "d/$(printf 'r\xe2\x80\xaegnp.exe')"
cp "$SAMPLES/rings.png" "d/$(printf 'a\xff.png')"
cp "$SAMPLES/rings.png" "d/$(printf 'a\xc3\xbf.png')"
ctl() { LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]' "$1"; }   # lines with a control byte
rings_md5=$(md5sum "$SAMPLES/rings.png" | cut -c1-32)
printf '%s\t%s\n' "$rings_md5" "$(printf 'label\033[31mred')" >list.txt
"$BULWARK" lists import "$(printf 'evil\033]0;t\007')" list.txt --source "$(printf 'src\r\033[Kx')" >import.out 2>&1
check "a list name with a control character is refused (exit 2)" '[ $? -eq 2 ]'
"$BULWARK" lists import k list.txt --source "$(printf 'src\r\033[Kx')" >import.out 2>&1
check "lists import with an odd label and source works" '[ $? -eq 0 ]'

# people's output: hash, scan, match, lists ls, cluster
"$BULWARK" hash d >hash.out 2>hash.err
check "hash: one line per file (5)" '[ "$(wc -l <hash.out)" -eq 5 ]'
check "hash: no control byte reaches stdout" '[ "$(ctl hash.out)" -eq 0 ]'
check "hash: the newline of a name is shown as \\n" 'grep -qF "distance 0\\nz.png" hash.out'
check "hash: an escape is shown as \\x1b" 'grep -qF "e\\x1b[2Jx.png" hash.out'
check "hash: a right-to-left override is shown as \\u202e" 'grep -qF "r\\u202egnp.exe" hash.out'
check "hash: a stray byte is shown as \\xff" 'grep -qF "a\\xff.png" hash.out'
"$BULWARK" scan --no-progress d >scan.out 2>scan.err
check "scan: one line per file (5), none forged" '[ "$(wc -l <scan.out)" -eq 5 ] && [ "$(grep -c "^z.png" scan.out)" -eq 0 ]'
check "scan: no control byte in stdout or stderr" '[ "$(ctl scan.out)" -eq 0 ] && [ "$(ctl scan.err)" -eq 0 ]'
check "scan: the label is escaped in MATCH lines" 'grep -qF "label\\x1b[31mred" scan.out'
"$BULWARK" match "d/$forged" >match.out 2>&1
check "match: no control byte, the query name escaped" '[ "$(ctl match.out)" -eq 0 ] && grep -qF "distance 0\\nz.png: " match.out'
"$BULWARK" lists ls >ls.out 2>&1
check "lists ls: the source is escaped" '[ "$(ctl ls.out)" -eq 0 ] && grep -qF "src\\r\\x1b[Kx" ls.out'
"$BULWARK" cluster d >cluster.out 2>&1
check "cluster: members escaped" '[ "$(ctl cluster.out)" -eq 0 ] && grep -qF "e\\x1b[2Jx.png" cluster.out'
"$BULWARK" provenance "d/$forged" >prov.out 2>&1
check "provenance: the path escaped" '[ "$(ctl prov.out)" -eq 0 ] && grep -qF "distance 0\\nz.png" prov.out'
# diagnostics: an error naming a hostile name
"$BULWARK" hash "$(printf 'gone\n\033[2Jfile')" >/dev/null 2>diag.err
check "a diagnostic naming a missing file is one escaped line" '[ "$(wc -l <diag.err)" -eq 1 ] && [ "$(ctl diag.err)" -eq 0 ] && grep -qF "gone\\n\\x1b[2Jfile" diag.err'

# JSON: 0xFF and U+00FF are two paths; path_bytes holds the exact bytes
"$BULWARK" hash --json "d/$(printf 'a\xff.png')" "d/$(printf 'a\xc3\xbf.png')" >two.jsonl
check "JSON lines parse" 'json_ok <two.jsonl'
check "the two paths differ" '[ "$(jq -r .path two.jsonl | sort -u | wc -l)" -eq 2 ]'
check "the 0xFF name: U+FFFD in path" '[ "$(sed -n 1p two.jsonl | jq -r .path)" = "d/a�.png" ]'
check "the 0xFF name: path_bytes is its exact bytes" '[ "$(sed -n 1p two.jsonl | jq -r .path_bytes | base64 -d | od -An -tx1 | tr -d " \n")" = "$(printf "d/a\xff.png" | od -An -tx1 | tr -d " \n")" ]'
check "the UTF-8 name: itself, no path_bytes" '[ "$(sed -n 2p two.jsonl | jq -r ".path, (.path_bytes // \"none\")" | tr "\n" " ")" = "d/aÿ.png none " ]'
# scan -o, then --resume: the 0xFF file is recognised and not scanned twice
"$BULWARK" scan --json -o run.jsonl d >/dev/null 2>&1
"$BULWARK" scan --json -o run.jsonl --resume d >resumed.jsonl 2>&1
check "resume: the non-UTF-8 name is not scanned again" '[ "$(grep -c "\"path\"" run.jsonl)" -eq 5 ]'
"$BULWARK" cluster --json --from run.jsonl >cl.jsonl 2>&1
check "cluster --from: members_bytes holds the exact bytes of the 0xFF member" \
    'jq -r ".members_bytes[]? // empty" cl.jsonl | base64 -d | LC_ALL=C grep -q $'"'"'a\xff.png'"'"
# the other JSON error shape: an unreadable non-UTF-8 path
"$BULWARK" hash --json "$(printf 'no\xfe')" >err.jsonl 2>/dev/null
check "an error record carries path_bytes too" '[ "$(jq -r .path_bytes err.jsonl | base64 -d | od -An -tx1 | tr -d " \n")" = "6e6ffe" ]'
bw_finish
