#!/bin/sh
# scripts/demo.sh BULWARK -- a real run of the built tool on the bundled
# benign samples: import the sample hash list into a throw-away store,
# then scan the samples folder (and a zip of it) against it.
set -eu
bw=$1
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
BULWARK_DB="$work/demo.db"
export BULWARK_DB

echo "== bulwark lists import demo samples/sample-list.txt"
"$bw" lists import demo "$top/samples/sample-list.txt" --source "bundled demo list"
"$bw" lists ls
echo
echo "== bulwark scan --dihedral samples/  (the mirrored copy matches only with --dihedral)"
rc=0
"$bw" scan --dihedral "$top/samples" || rc=$?
echo
echo "== the same images inside a zip, scanned in place"
(cd "$top" && zip -q -r "$work/samples.zip" samples -x 'samples/README.md')
"$bw" scan --json --fail-on-match "$work/samples.zip" >"$work/zip.jsonl" || rc=$?
grep -c '"matches":\[{' "$work/zip.jsonl" | sed 's/^/records with a match: /'
echo "exit code with --fail-on-match: $rc (3 = something matched)"
[ "$rc" -eq 3 ] || [ "$rc" -eq 0 ]
