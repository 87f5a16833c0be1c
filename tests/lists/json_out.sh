#!/usr/bin/env bash
# json_out.sh -- lists export and rm honour --json, and list names and
# labels stay whole (issue 20, item 11): a name with a newline or other
# control character is refused; a NUL in a line is a bad line (with its
# number), never a silently cut label.
. "$(dirname "$0")/../lib.sh"; bw_setup lists_json_out
cd "$T" || exit 1
A=0123456789abcdef0123456789abcdef
B=fedcba9876543210fedcba9876543210
P=f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22
printf '%s\tfirst label\n%s\n%s\tpdq one\n' "$A" "$B" "$P" >l.txt
"$BULWARK" lists import k l.txt --source "unit test" >/dev/null
"$BULWARK" lists export k --json >e.jsonl; rc=$?
check "export --json: exit 0, three JSON lines" '[ $rc -eq 0 ] && json_ok <e.jsonl && [ "$(wc -l <e.jsonl)" -eq 3 ]'
check "export --json: the PDQ entry by hand" \
    '[ "$(jq -c "select(.kind==\"pdq\") | [.list,.hash,.label,.category]" e.jsonl)" = "[\"k\",\"$P\",\"pdq one\",null]" ]'
check "export --json: an entry without a label has null" '[ "$(jq -r "select(.hash==\"$B\") | .label" e.jsonl)" = null ]'
check "export --json with --format is a usage error" '"$BULWARK" lists export k --json --format te >/dev/null 2>&1; [ $? -eq 2 ]'
"$BULWARK" lists export k >e.txt
check "export without --json is still the hex format" 'grep -q "^$A	first label$" e.txt && ! grep -q "{" e.txt'
"$BULWARK" lists rm k --json >rm.jsonl; rc=$?
check "rm --json: exit 0, the removed list described" \
    '[ $rc -eq 0 ] && [ "$(jq -c "[.name,.entries,.removed,.source]" rm.jsonl)" = "[\"k\",3,true,\"unit test\"]" ]'
"$BULWARK" lists rm k --json >rm2.jsonl 2>rm2.err; rc=$?
check "rm --json of a missing list: exit 1, nothing on stdout" '[ $rc -eq 1 ] && [ ! -s rm2.jsonl ]'

# names: control characters refused, exit 2, nothing created
for name in "$(printf 'two\nlines')" "$(printf 'esc\033[2J')" "$(printf 'tab\there')" "$(printf 'bad\xffutf8')" "$(printf 'rlo\xe2\x80\xae')"; do
    "$BULWARK" lists import "$name" l.txt >/dev/null 2>err; rc=$?
    check "a list name with a control/stray byte is refused: $(printf %q "$name")" '[ $rc -eq 2 ]'
done
"$BULWARK" lists ls --json >ls.jsonl 2>/dev/null
check "none of them was stored" '[ ! -s ls.jsonl ]'
"$BULWARK" lists import "Ünïcode list" l.txt >/dev/null 2>&1
check "a name in plain UTF-8 is fine" '[ "$(jq -r .name <("$BULWARK" lists ls --json))" = "Ünïcode list" ]'

# a NUL inside a line: bad line 2, named; --skip-bad imports the rest
printf '%s\tgood\n%s\tcut\0hidden\n' "$A" "$B" >nul.txt
"$BULWARK" lists import n nul.txt >/dev/null 2>err; rc=$?
check "a NUL in a line rejects the file naming line 2" '[ $rc -eq 1 ] && grep -q "line 2" err && grep -qi "nul" err'
"$BULWARK" lists import n nul.txt --skip-bad >/dev/null 2>&1; rc=$?
check "--skip-bad imports the good line only" '[ $rc -eq 0 ] && [ "$("$BULWARK" lists export n --json | jq -r .label)" = good ]'
# the same in CSV and in VICS JSON (\u0000 in MediaID)
printf 'md5,label\n%s,ok\n%s,x\0y\n' "$A" "$B" >nul.csv
"$BULWARK" lists import c nul.csv --format csv >/dev/null 2>err; rc=$?
check "csv: a NUL in a line is a bad line" '[ $rc -eq 1 ] && grep -q "line 3" err'
printf '{"value":[{"MD5":"%s","MediaID":"cut\\u0000hidden"}]}' "$A" >nul.json
"$BULWARK" lists import v nul.json --format vics >/dev/null 2>err; rc=$?
check "vics: a NUL character in MediaID is a bad record" '[ $rc -eq 1 ] && grep -qi "nul" err'
bw_finish
