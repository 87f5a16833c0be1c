#!/bin/sh
# scripts/fuzz.sh BUILD SECONDS -- run every libFuzzer target in BUILD for
# SECONDS each, starting from (and adding to) a scratch copy of its corpus
# in fuzz/corpus/<name>/. New crashers land in BUILD/fuzz-out/<name>/.
set -eu
build=$1 secs=$2
top=$(cd "$(dirname "$0")/.." && pwd)
for bin in "$build"/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin"); short=${name#fuzz_}
    work="$build/fuzz-out/$short"; mkdir -p "$work/corpus"
    [ -d "$top/fuzz/corpus/$short" ] && cp -n "$top/fuzz/corpus/$short"/* "$work/corpus/" 2>/dev/null || true
    echo "== $name ($secs s)"
    "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -artifact_prefix="$work/" "$work/corpus"
done
