#!/usr/bin/env bash
# options.sh -- the verbs' options come from one table per verb with shared
# rows (src/cli/opts.h): the same option is checked the same way and its
# error worded the same in every verb that has it, --help and the man page
# list the same options, and a bad value is a usage error (exit 2) that
# names the option and what it takes.
. "$(dirname "$0")/../lib.sh"; bw_setup cli_options
bw_list none 00000000000000000000000000000001
printf 'x' >"$T/f"

# err VERB ARGS...: the first stderr line of a usage error, the verb's name
# taken out, so that the verbs can be compared
err() {
    local verb=$1; shift
    "$BULWARK" "$verb" "$@" >/dev/null 2>"$T/e"; echo "rc=$?"
    head -1 "$T/e" | sed "s/^bulwark: $verb: //"
}
same() { # same DESC ARGS... : every verb of $verbs says the same
    local desc=$1; shift; local first="" v out
    for v in $verbs; do
        out=$(err "$v" "$@")
        [ -z "$first" ] && first=$out
        if [ "$out" != "$first" ]; then bad "$desc: $v says '$out', not '$first'"; return; fi
    done
    check "$desc: one message in every verb ($first)" '[ -n "$first" ] && echo "$first" | grep -q "^rc=2"'
}

verbs="hash scan cluster prompt"
same "-j 0" -j 0 "$T/f"
same "-j 2000" --jobs 2000 "$T/f"
same "--jobs x" --jobs x "$T/f"
same "--limit bogus" --limit no_such_limit=1 "$T/f"
same "--limit without =" --limit max_pixels "$T/f"
check "-j names the option and its range" '[ "$(err hash -j 0 "$T/f" | tail -1)" = "-j/--jobs takes a number from 1 to 1024" ]'
verbs="scan match cluster"
same "--max-distance 257" --max-distance 257 "$T/f"
same "--min-quality 101" --min-quality 101 "$T/f"
check "--max-distance names its range" '[ "$(err match --max-distance 257 "$T/f" | tail -1)" = "--max-distance takes a number from 0 to 256" ]'
verbs="scan match"
same "--index" --index slow "$T/f"
verbs="hash scan provenance"
same "--max-file-size 0" --max-file-size 0 "$T/f"
same "--max-file-size 1Q" --max-file-size 1Q "$T/f"
verbs="hash scan"
same "--max-pixels 0" --max-pixels 0 "$T/f"
verbs="scan cluster"
same "--max-depth 65" --max-depth 65 "$T/f"
verbs="prompt lists"
check "--max-line 2G: the range in sizes" '[ "$(err prompt --max-line 2G | tail -1)" = "--max-line takes a size such as 64K, from 1 to 1G" ]'

# a value that is in range is taken: the limit changes what happens
"$BULWARK" hash --max-pixels 100 "$SAMPLES/rings.png" >/dev/null 2>"$T/e"; rc=$?
check "--max-pixels 100 is applied: the 480x480 image is refused (exit 1)" '[ $rc -eq 1 ] && grep -q "too large" "$T/e"'

# --help and the man page list the same options, verb by verb
for v in hash lists match scan cluster prompt provenance serve; do
    "$BULWARK" "$v" --help >"$T/help" || bad "$v --help failed"
    "$BULWARK" "$v" --help-man >"$T/man" || bad "$v --help-man failed"
    grep -o '^  \(-[a-z], \)\?--[a-z-]*' "$T/help" | sed 's/.*--//' | sort >"$T/h.opts"
    awk 'prev == ".TP" { print } { prev = $0 }' "$T/man" | grep -o '\\fB\\-\\-[a-z\\-]*\\fR' |
        sed -e 's/^\\fB\\-\\-//' -e 's/\\fR$//' -e 's/\\-/-/g' | sort >"$T/m.opts"
    n=$(wc -l <"$T/h.opts")
    check "$v: --help lists options ($n)" '[ "$n" -ge 3 ]'
    check "$v: the man page has the same options as --help" 'cmp -s "$T/h.opts" "$T/m.opts"'
done
# an option the table does not have is refused, by every verb
for v in hash match scan cluster prompt provenance serve; do
    "$BULWARK" "$v" --no-such-option "$T/f" >/dev/null 2>&1
    check "$v --no-such-option: exit 2" '[ $? -eq 2 ]'
done
bw_finish
