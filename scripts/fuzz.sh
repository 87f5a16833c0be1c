#!/bin/sh
# scripts/fuzz.sh BUILD SECONDS [NAME...] -- run every libFuzzer target in
# BUILD (or only the NAMEs given, e.g. prompt vpdq) for SECONDS each, one
# after the other, starting from (and adding to) a scratch copy of its
# corpus in fuzz/corpus/<name>/, with fuzz/dict/<name>.dict when there is
# one (for prompt, with the terms of data/prompt/*.txt added). New crashers
# land in BUILD/fuzz-out/<name>/, the output in BUILD/fuzz-out/<name>/log.
# Every target runs even if one crashes; then a summary (inputs executed,
# inputs/s, corpus), and if any target failed, the failed targets with
# their artifacts and exit status 1.
set -eu
build=$1 secs=$2
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
out="$build/fuzz-out"
mkdir -p "$out"
failed="" summary=""

# Longest input per target: the list and prompt parsers see lines of at
# most 512-65536 bytes (the harnesses' limits), so a few KB reach every
# path; the binary formats keep libFuzzer's default (the largest seed).
max_len() {
    case $1 in
    import_*|prompt_policy|router) echo 4096 ;;
    prompt|scan_jsonl) echo 8192 ;;
    *) echo 0 ;;
    esac
}

for bin in "$build"/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin"); short=${name#fuzz_}
    if [ $# -gt 0 ]; then
        case " $* " in *" $short "*) ;; *) continue ;; esac
    fi
    work="$out/$short"; mkdir -p "$work/corpus"
    [ -d "$top/fuzz/corpus/$short" ] && cp -n "$top/fuzz/corpus/$short"/* "$work/corpus/" 2>/dev/null || true
    # A feature stops being "rare" for the entropic scheduler after 32 hits
    # (not 255): tracking every feature up to 255 hits cost libFuzzer itself
    # 70% of fuzz_prompt's time (4x fewer inputs), for no new coverage.
    opts="-max_total_time=$secs -rss_limit_mb=2048 -print_final_stats=1"
    opts="$opts -entropic_feature_frequency_threshold=32"
    [ "$(max_len "$short")" -gt 0 ] && opts="$opts -max_len=$(max_len "$short")"
    dict="$top/fuzz/dict/$short.dict"
    if [ -f "$dict" ]; then
        cp "$dict" "$work/dict"
        if [ "$short" = prompt ]; then
            # the words of the shipped lists, as libFuzzer dictionary entries
            # (bytes outside printable ASCII as \xNN, which libFuzzer requires)
            cat "$top"/data/prompt/*.txt | LC_ALL=C sed -n 's/^[a-z=0-9,]* \(.*[^ ]\) *$/\1/p' |
                LC_ALL=C sort -u | perl -ne 'chomp; s/\*//g; s/([\\"])/\\$1/g;
                    s/([^\x20-\x7e])/sprintf("\\x%02x", ord $1)/ge; print "\"$_\"\n" if length' \
                >>"$work/dict"
        fi
        opts="$opts -dict=$work/dict"
    fi
    stamp="$work/.started"; : >"$stamp"
    echo "== $name ($secs s)"
    rc=0
    # shellcheck disable=SC2086
    "$bin" $opts -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1 || rc=$?
    tail -n 3 "$work/log" | grep -E 'DONE|Done' || true
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -n 1)
    corp=$(grep -E '^#[0-9]+' "$work/log" | tail -n 1 | sed -n 's/.* corp: \([^ ]*\).*/\1/p')
    summary="$summary$(printf '%-14s %10s %8s %12s' "$short" "${runs:-?}" "${rate:-?}" "${corp:-?}")
"
    if [ "$rc" -ne 0 ]; then
        arts=$(find "$work" -maxdepth 1 -type f -newer "$stamp" \
                   \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
        failed="$failed  $short (exit $rc): ${arts:-no artifact, see $work/log}
"
        echo "   FAILED (exit $rc), see $work/log"
    fi
done

printf '\n%-14s %10s %8s %12s\n%s' target execs exec/s corpus "$summary"
if [ -n "$failed" ]; then
    printf '\nFailed targets:\n%s' "$failed"
    exit 1
fi
