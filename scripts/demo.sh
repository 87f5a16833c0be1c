#!/bin/sh
# scripts/demo.sh BULWARK -- hash the bundled benign samples (a real run of
# the built tool). Grows into a scan against the bundled sample list as the
# lists and scan verbs land.
set -eu
bw=$1
top=$(cd "$(dirname "$0")/.." && pwd)
echo "== bulwark hash samples/"
"$bw" hash "$top/samples"
