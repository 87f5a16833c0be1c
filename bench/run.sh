#!/bin/sh
# bench/run.sh -- run every benchmark of bench/ and print the results
# (`make bench`; the figures go to docs/benchmarks.md).
#   bench/run.sh [BUILD_DIR]     (default: build)
# Each benchmark prints its own figures and its ratio against an anchor
# measured in the same run. BW_BENCH_QUICK=1 asks for shorter runs.
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
[ -x "$build/bulwark" ] || { echo "run.sh: no $build/bulwark: build first (make)" >&2; exit 2; }
BW_REFDATA=${BW_REFDATA:-$here/../shared/refdata}
export BW_REFDATA
sh "$here/bench/machine.sh"
status=0
for b in "$build"/bench/bench_*; do
    [ -x "$b" ] || continue
    name=$(basename "$b")
    echo
    echo "== $name"
    case $name in
    bench_serve) continue ;;   # the anchor of serve_lookup.sh, below
    bench_hash)
        files=$(sh "$here/scripts/corpus.sh") || { echo "$name: corpus missing, skipped"; status=1; continue; }
        reps=3
        [ "${BW_BENCH_QUICK:-0}" = 1 ] && reps=1
        # shellcheck disable=SC2086
        "$b" --cli "$build/bulwark" --reps $reps $files || status=1
        ;;
    *)
        "$b" || status=1
        ;;
    esac
done
echo
echo "== scan_cli.sh (the tool: scan -j 2 vs hash -j 1)"
sh "$here/bench/scan_cli.sh" "$build/bulwark" || status=1
echo
echo "== pg_import.sh (the store: SQLite against PostgreSQL)"
n=10000000; [ "${BW_BENCH_QUICK:-0}" = 1 ] && n=1000000
bash "$here/bench/pg_import.sh" "$build" "$n" || status=1
echo
echo "== serve_lookup.sh (the service: GET /m/raw_lookup under wrk against in process)"
bash "$here/bench/serve_lookup.sh" "$build" "$n" || status=1
echo
echo "== serve_upload.sh (the service: POST /m/lookup uploads against hash -j 2)"
bash "$here/bench/serve_upload.sh" "$build" || status=1
exit $status
