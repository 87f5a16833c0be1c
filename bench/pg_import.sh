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
echo "== the store's size in PostgreSQL, $n hashes"
psql -X -At -F ' ' "$BW_PG" -c "SELECT 'entries (heap + key)', pg_size_pretty(sum(pg_total_relation_size(c.oid))), round(sum(pg_total_relation_size(c.oid)) / $n.0, 1) || ' B/hash' FROM pg_class c WHERE c.relname LIKE 'bw_entries%' AND c.relkind = 'r'" \
    -c "SELECT 'PDQ blocks', pg_size_pretty(pg_total_relation_size('bw_pdq_blocks')), round(pg_total_relation_size('bw_pdq_blocks') / $n.0, 1) || ' B/hash'" \
    -c "SELECT 'database', pg_size_pretty(pg_database_size(current_database())), round(pg_database_size(current_database()) / $n.0, 1) || ' B/hash'"
echo "== a node's start-up, each in a process of its own (COMPACT)"
"$build/bench/bench_startup" "$BW_PG" "$BW_TEST_TMP/ix.cache"
"$build/bench/bench_startup" "$BW_PG" --from "$BW_TEST_TMP/ix.cache"
