#!/bin/sh
# bench/scan_cli.sh BULWARK -- the tool itself, as issue 4 states the
# target: `bulwark scan -j 2` over the Debian photo corpus plus the same
# files inside a tar and a zip, against the anchor `bulwark hash -j 1`
# over the corpus, measured in the same run. Prints MB/s of each (bytes of
# image data hashed per second; the archives count their members' bytes)
# and the ratio (target >= 1.8). Best of 3 runs each.
set -eu
bw=$1
here=$(cd "$(dirname "$0")/.." && pwd)
files=$(sh "$here/scripts/corpus.sh")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086
tar -cf "$tmp/corpus.tar" $files 2>/dev/null
# shellcheck disable=SC2086
zip -q -0 "$tmp/corpus.zip" $files
# shellcheck disable=SC2086
bytes=$(cat $files | wc -c)
# a store with one list that none of the files is on: scan matches every
# file against it, as in production (and refuses to run without a store)
export BULWARK_DB="$tmp/bench.db"
echo 00000000000000000000000000000001 >"$tmp/list.txt"
"$bw" lists import bench "$tmp/list.txt" >/dev/null
best() { # best wall time of 3 runs of "$@", in seconds
    b=
    for _ in 1 2 3; do
        s=$(date +%s.%N)
        "$@" >/dev/null 2>"$tmp/err" || { echo "scan_cli.sh: $1 $2 failed: $(head -1 "$tmp/err")" >&2; exit 1; }
        e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc -l)
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
    done
    echo "$b"
}
# shellcheck disable=SC2086
th=$(best "$bw" hash -j 1 $files)
# shellcheck disable=SC2086
ts=$(best "$bw" scan -j 2 $files "$tmp/corpus.tar" "$tmp/corpus.zip")
rh=$(echo "$bytes / $th / 1000000" | bc -l)
rs=$(echo "3 * $bytes / $ts / 1000000" | bc -l)
printf '  anchor  bulwark hash -j 1, corpus            %6.3f s  %6.1f MB/s\n' "$th" "$rh"
printf '  scan    bulwark scan -j 2, corpus+tar+zip    %6.3f s  %6.1f MB/s  %.2fx the anchor rate (goal >= 1.8)\n' "$ts" "$rs" "$(echo "$rs / $rh" | bc -l)"
