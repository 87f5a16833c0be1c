#!/usr/bin/env bash
# cli.sh -- `bulwark prompt` from the outside: arguments and batch mode,
# JSON Lines in input order with -j, bad lines reported while the batch goes
# on (invalid UTF-8, NUL bytes, a 10 MB line, a pile of combining marks),
# policies, --fail-on-block, and usage errors.
set -u
: "${BULWARK:?}" "${BW_TEST_TMP:?}"
T="$BW_TEST_TMP/prompt-cli"
rm -rf "$T" && mkdir -p "$T"
fails=0
check() { # name, condition result
    if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}

# --- arguments, JSON
out=$("$BULWARK" prompt --json "naked child" "kids swimming lessons")
rc=$?
check "exit 0 for arguments" $rc
[ "$(printf '%s\n' "$out" | wc -l)" -eq 2 ]; check "one line per prompt" $?
printf '%s\n' "$out" | sed -n 1p | grep -q '"verdict":"block".*"categories":\["sexual_minors","minors","sexual"\]'
check "block with categories" $?
printf '%s\n' "$out" | sed -n 1p | grep -q '{"category":"minors","term":"child","span":\[6,11\]}'
check "reason span into the original text" $?
printf '%s\n' "$out" | sed -n 2p | grep -q '"text":"kids swimming lessons","verdict":"allow"'
check "benign context allowed" $?

# --- human output
"$BULWARK" prompt "naked child" | grep -q '^block .*sexual_minors'
check "human output" $?

# --- batch from stdin, -j 2, order kept
{
    for i in $(seq 1 200); do
        echo "kids playing $i"
        echo "n4k3d k1d $i"
    done
} > "$T/batch.txt"
"$BULWARK" prompt --json -j 2 < "$T/batch.txt" > "$T/batch.out"
check "batch exit 0" $?
[ "$(wc -l < "$T/batch.out")" -eq 400 ]; check "batch: 400 results" $?
awk 'NR % 2 == 1 && !/"verdict":"allow"/ {bad=1} NR % 2 == 0 && !/"verdict":"block"/ {bad=1} END {exit bad}' "$T/batch.out"
check "batch: input order kept with -j 2" $?
sed -n 400p "$T/batch.out" | grep -q '"text":"n4k3d k1d 200"'; check "batch: last line last" $?

# --- bad lines: reported, and the batch goes on
printf 'naked child\nkid \377 nude\nna\000ked kid\n' > "$T/bad.txt"
head -c 10485760 /dev/zero | tr '\0' 'a' >> "$T/bad.txt"
printf '\nnude\xcc\x81' >> "$T/bad.txt"
for i in $(seq 1 100000); do printf '\xcc\x81'; done >> "$T/bad.txt"
printf ' child\nkids at the park\n' >> "$T/bad.txt"
timeout 60 "$BULWARK" prompt --json < "$T/bad.txt" > "$T/bad.out" 2> "$T/bad.err"
rc=$?
[ $rc -eq 1 ]; check "bad lines: exit 1" $?
[ "$(wc -l < "$T/bad.out")" -eq 6 ]; check "bad lines: six results" $?
sed -n 1p "$T/bad.out" | grep -q '"verdict":"block"'; check "bad lines: line 1 checked" $?
sed -n 2p "$T/bad.out" | grep -q '"line":2,.*"error":"invalid UTF-8 at byte 4"'
check "bad lines: invalid UTF-8 reported with its offset" $?
sed -n 3p "$T/bad.out" | grep -q '"verdict":"block".*"evasion"'; check "bad lines: NUL inside a word" $?
sed -n 4p "$T/bad.out" | grep -q '"line":4,"error":"prompt too long: 10485760 bytes or more'
check "bad lines: 10 MB line over --max-line" $?
sed -n 5p "$T/bad.out" | grep -q '"verdict":"block"'; check "bad lines: 100,000 combining marks" $?
sed -n 6p "$T/bad.out" | grep -q '"text":"kids at the park","verdict":"allow"'
check "bad lines: the batch goes on" $?

# --- human mode: results on stdout, errors on stderr
printf 'naked child\nkid \377\n' | "$BULWARK" prompt > "$T/h.out" 2> "$T/h.err"
[ $? -eq 1 ]; check "human mode: exit 1 with a bad line" $?
grep -q '^block' "$T/h.out" && ! grep -q 'UTF-8' "$T/h.out"; check "human mode: stdout has results only" $?
grep -q 'line 2: invalid UTF-8 at byte 4' "$T/h.err"; check "human mode: error on stderr" $?

# --- --max-line
printf 'naked child\n%s\nkid\n' "$(head -c 100 /dev/zero | tr '\0' 'x')" |
    "$BULWARK" prompt --json --max-line 64 > "$T/max.out"
[ $? -eq 1 ]; check "--max-line: exit 1" $?
sed -n 2p "$T/max.out" | grep -q '"error":"prompt too long: 100 bytes or more (limit 64, --max-line)"'
check "--max-line: the long line reported" $?
sed -n 3p "$T/max.out" | grep -q '"text":"kid"'; check "--max-line: next line checked" $?

# --- policy files
printf '# local\nremove naked\nsexual zorblax\nminor girl\n' > "$T/local.policy"
"$BULWARK" prompt --json --policy "$T/local.policy" "naked child" "zorblax kid" "girl nude" > "$T/pol.out"
sed -n 1p "$T/pol.out" | grep -q '"verdict":"allow"'; check "policy: remove" $?
sed -n 2p "$T/pol.out" | grep -q '"verdict":"block"'; check "policy: add" $?
sed -n 3p "$T/pol.out" | grep -q '"verdict":"block"'; check "policy: re-grade" $?
printf 'minr kid\n' > "$T/bad.policy"
"$BULWARK" prompt --policy "$T/bad.policy" "x" > /dev/null 2> "$T/pol.err"
[ $? -eq 2 ]; check "bad policy: exit 2" $?
grep -q "bad.policy:1: unknown class 'minr'" "$T/pol.err"; check "bad policy: message" $?

# --- exit codes and usage
"$BULWARK" prompt --fail-on-block "naked child" > /dev/null
[ $? -eq 3 ]; check "--fail-on-block: exit 3" $?
"$BULWARK" prompt --fail-on-block "kids at the park" > /dev/null
[ $? -eq 0 ]; check "--fail-on-block: exit 0 when nothing blocks" $?
"$BULWARK" prompt --data "$T/nonexistent" "x" > /dev/null 2>&1
[ $? -eq 2 ]; check "--data missing: exit 2" $?
"$BULWARK" prompt -j 0 "x" > /dev/null 2>&1
[ $? -eq 2 ]; check "-j 0: exit 2" $?
"$BULWARK" prompt --help | grep -q "usage: bulwark prompt"; check "--help" $?
"$BULWARK" prompt --data "${BW_SOURCE_DIR:-.}/data/prompt" --json "lolicon" | grep -q '"sexual_minors"'
check "--data DIR" $?

echo "$fails failed"
[ "$fails" -eq 0 ]
