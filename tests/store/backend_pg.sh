#!/usr/bin/env bash
# backend_pg.sh -- the store suite (tests/store/test_backend.c) run a second
# time, on PostgreSQL: a server of the test's own (bw_pg_start), each test
# case in a schema of its own (bw_test_store). Both backends pass one suite.
. "$(dirname "$0")/../lib.sh"; bw_setup store_backend_pg
bw_pg_start || { bad "no PostgreSQL server"; bw_finish; }
suite=$(dirname "$BULWARK")/tests/store_test_backend
BW_TEST_PG="$BW_PG" "$suite" >"$T/suite.out" 2>&1; rc=$?
check "the store suite passes on PostgreSQL" '[ $rc -eq 0 ]' || cat "$T/suite.out" >&2
check "it ran its cases" 'grep -q "PASSED.*test" "$T/suite.out"'
check "... on the server: the schemas it made are there" \
    '[ "$(psql -At "$BW_PG" -c "SELECT count(*) FROM pg_namespace WHERE nspname LIKE '"'"'t_%'"'"'")" -ge 3 ]'
[ $rc -eq 0 ] || cat "$T/suite.out" >&2
bw_finish
