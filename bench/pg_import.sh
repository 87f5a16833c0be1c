#!/usr/bin/env bash
# bench/pg_import.sh BUILD_DIR [N] -- issue 12's store figures: importing
# an N-line hex list (default 10 million) and loading the index of it at
# start-up, into SQLite (the anchor) and into a PostgreSQL server of the
# bench's own (tests/lib.sh bw_pg_start), in the same run; then a node's
# start-up load from PostgreSQL and from its --index-cache file, each in a
# process of its own (bench_startup: its peak RSS against the index).
set -u
build=$(cd "${1:-build}" && pwd); n=${2:-10000000}
here=$(cd "$(dirname "$0")/.." && pwd)
export BULWARK="$build/bulwark" BW_SOURCE_DIR="$here" BW_TEST_TMP
BW_TEST_TMP=$(mktemp -d); trap 'rm -rf "$BW_TEST_TMP"' EXIT
. "$here/tests/lib.sh"; bw_setup pg_import
echo "== SQLite"
TMPDIR=$BW_TEST_TMP "$build/bench/bench_import" "$n"
bw_pg_start || exit 1
trap 'bw_pg_stop; rm -rf "$BW_TEST_TMP"' EXIT
echo "== PostgreSQL $(psql -At "$BW_PG" -c 'SHOW server_version'), fsync off, socket"
TMPDIR=$BW_TEST_TMP BW_BENCH_STORE="$BW_PG" "$build/bench/bench_import" "$n"
echo "== a node's start-up, each in a process of its own (COMPACT)"
"$build/bench/bench_startup" "$BW_PG" "$BW_TEST_TMP/ix.cache"
"$build/bench/bench_startup" "$BW_PG" --from "$BW_TEST_TMP/ix.cache"
