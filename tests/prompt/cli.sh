#!/usr/bin/env bash
# cli.sh -- `bulwark prompt` from the outside: arguments and batch mode,
# JSON Lines in input order with -j, bad lines reported while the batch goes
# on (invalid UTF-8, NUL bytes, a 10 MB line, a pile of combining marks),
# policies, --fail-on-block, and usage errors.
. "$(dirname "$0")/../lib.sh"; bw_setup prompt_cli
# line_has DESC N FILE PATTERN: line N of FILE matches the grep PATTERN
line_has() { local n=$2 f=$3 pat=$4; check "$1" 'sed -n "${n}p" "$f" | grep -q -- "$pat"'; }

# --- arguments, JSON
"$BULWARK" prompt --json "naked child" "kids swimming lessons" >"$T/args.out"; rc=$?
check "exit 0 for arguments" '[ $rc -eq 0 ]'
check "one line per prompt" '[ "$(wc -l < "$T/args.out")" -eq 2 ]'
line_has "block with categories" 1 "$T/args.out" '"verdict":"block".*"categories":\["sexual_minors","minors","sexual"\]'
line_has "reason span into the original text" 1 "$T/args.out" '{"category":"minors","term":"child","span":\[6,11\]}'
line_has "benign context allowed" 2 "$T/args.out" '"text":"kids swimming lessons","verdict":"allow"'

# --- human output
check "human output" '"$BULWARK" prompt "naked child" | grep -q "^block .*sexual_minors"'

# --- batch from stdin, -j 2, order kept
{
    for i in $(seq 1 200); do
        echo "kids playing $i"
        echo "n4k3d k1d $i"
    done
} > "$T/batch.txt"
"$BULWARK" prompt --json -j 2 < "$T/batch.txt" > "$T/batch.out"; rc=$?
check "batch exit 0" '[ $rc -eq 0 ]'
check "batch: 400 results" '[ "$(wc -l < "$T/batch.out")" -eq 400 ]'
awk 'NR % 2 == 1 && !/"verdict":"allow"/ {bad=1} NR % 2 == 0 && !/"verdict":"block"/ {bad=1} END {exit bad}' "$T/batch.out"; rc=$?
check "batch: input order kept with -j 2" '[ $rc -eq 0 ]'
line_has "batch: last line last" 400 "$T/batch.out" '"text":"n4k3d k1d 200"'

# --- bad lines: reported, and the batch goes on
printf 'naked child\nkid \377 nude\nna\000ked kid\n' > "$T/bad.txt"
head -c 10485760 /dev/zero | tr '\0' 'a' >> "$T/bad.txt"
printf '\nnude\xcc\x81' >> "$T/bad.txt"
for i in $(seq 1 100000); do printf '\xcc\x81'; done >> "$T/bad.txt"
printf ' child\nkids at the park\n' >> "$T/bad.txt"
timeout 60 "$BULWARK" prompt --json < "$T/bad.txt" > "$T/bad.out" 2> "$T/bad.err"; rc=$?
check "bad lines: exit 1" '[ $rc -eq 1 ]'
check "bad lines: six results" '[ "$(wc -l < "$T/bad.out")" -eq 6 ]'
line_has "bad lines: line 1 checked" 1 "$T/bad.out" '"verdict":"block"'
line_has "bad lines: invalid UTF-8 reported with its offset" 2 "$T/bad.out" '"line":2,.*"error":"invalid UTF-8 at byte 4"'
line_has "bad lines: NUL inside a word" 3 "$T/bad.out" '"verdict":"block".*"evasion"'
line_has "bad lines: 10 MB line over --max-line" 4 "$T/bad.out" '"line":4,"error":"prompt too long: 10485760 bytes or more'
line_has "bad lines: 100,000 combining marks" 5 "$T/bad.out" '"verdict":"block"'
line_has "bad lines: the batch goes on" 6 "$T/bad.out" '"text":"kids at the park","verdict":"allow"'

# --- human mode: results on stdout, errors on stderr
printf 'naked child\nkid \377\n' | "$BULWARK" prompt > "$T/h.out" 2> "$T/h.err"; rc=$?
check "human mode: exit 1 with a bad line" '[ $rc -eq 1 ]'
check "human mode: stdout has results only" 'grep -q "^block" "$T/h.out" && ! grep -q "UTF-8" "$T/h.out"'
check "human mode: error on stderr" 'grep -q "line 2: invalid UTF-8 at byte 4" "$T/h.err"'

# --- --max-line
printf 'naked child\n%s\nkid\n' "$(head -c 100 /dev/zero | tr '\0' 'x')" |
    "$BULWARK" prompt --json --max-line 64 > "$T/max.out"; rc=$?
check "--max-line: exit 1" '[ $rc -eq 1 ]'
line_has "--max-line: the long line reported" 2 "$T/max.out" '"error":"prompt too long: 100 bytes or more (limit 64, --max-line)"'
line_has "--max-line: next line checked" 3 "$T/max.out" '"text":"kid"'

# --- policy files
printf '# local\nremove naked\nsexual zorblax\nminor girl\n' > "$T/local.policy"
"$BULWARK" prompt --json --policy "$T/local.policy" "naked child" "zorblax kid" "girl nude" > "$T/pol.out"
line_has "policy: remove" 1 "$T/pol.out" '"verdict":"allow"'
line_has "policy: add" 2 "$T/pol.out" '"verdict":"block"'
line_has "policy: re-grade" 3 "$T/pol.out" '"verdict":"block"'
printf 'minr kid\n' > "$T/bad.policy"
"$BULWARK" prompt --policy "$T/bad.policy" "x" > /dev/null 2> "$T/pol.err"; rc=$?
check "bad policy: exit 2" '[ $rc -eq 2 ]'
want="bad.policy:1: unknown class 'minr'"
check "bad policy: message" 'grep -q "$want" "$T/pol.err"'

# --- exit codes and usage
"$BULWARK" prompt --fail-on-block "naked child" > /dev/null; rc=$?
check "--fail-on-block: exit 3" '[ $rc -eq 3 ]'
"$BULWARK" prompt --fail-on-block "kids at the park" > /dev/null; rc=$?
check "--fail-on-block: exit 0 when nothing blocks" '[ $rc -eq 0 ]'
"$BULWARK" prompt --data "$T/nonexistent" "x" > /dev/null 2>&1; rc=$?
check "--data missing: exit 2" '[ $rc -eq 2 ]'
"$BULWARK" prompt -j 0 "x" > /dev/null 2>&1; rc=$?
check "-j 0: exit 2" '[ $rc -eq 2 ]'
check "--help" '"$BULWARK" prompt --help | grep -q "usage: bulwark prompt"'
check "--data DIR" '"$BULWARK" prompt --data "$BW_SOURCE_DIR/data/prompt" --json "lolicon" | grep -q "\"sexual_minors\""'

bw_finish
