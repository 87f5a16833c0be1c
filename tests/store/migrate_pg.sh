#!/usr/bin/env bash
# migrate_pg.sh -- a PostgreSQL store of schema 4 (bw_entries one plain
# table, as migrations 0 -> 1 made it and 1 -> 4 left it) migrates to 5
# (bw_entries partitioned by version) with its rows and behaviour intact:
# the same export and matches before and after; a re-import gets a
# partition of its own and its old rows go; a removed version's partition
# is dropped after the commit; a delta (content added through `serve`'s
# /c) lands in the deltas' partition; a hash given twice keeps its first
# label and is counted as a duplicate.
. "$(dirname "$0")/../lib.sh"; bw_setup store_migrate_pg
bw_pg_start || { bad "no PostgreSQL server"; bw_finish; }
pdq=6746bb338107a88b8c5e00558165b77bcd4e4320d496bf3bd0061fb545f737bc
printf '%s\tRings\n0123456789abcdef0123456789abcdef\tfirst\n' "$pdq" >"$T/a.txt"
printf '00000000000000000000000000000001\tb one\n' >"$T/b.txt"
printf 'fedcba9876543210fedcba9876543210\tnew\nfedcba9876543210fedcba9876543210\tnew again\n' >"$T/a2.txt"
sql() { psql -X -q -At "$BW_PG" "$@"; }
"$BULWARK" lists import a "$T/a.txt" --db "$BW_PG" >/dev/null &&
    "$BULWARK" lists import b "$T/b.txt" --db "$BW_PG" >/dev/null ||
    { bad "the imports before the migration"; bw_finish; }
# back to schema 4's shape: one plain bw_entries holding every row
sql -v ON_ERROR_STOP=1 >"$T/down.log" 2>&1 <<'SQL' || bad "the store could be put back to schema 4: $(cat "$T/down.log")"
BEGIN;
CREATE TEMP TABLE e4 AS SELECT * FROM bw_entries;
DROP TABLE bw_entries;
DROP SEQUENCE bw_delta_ids;
CREATE TABLE bw_entries(
  list_id int8 NOT NULL,
  kind int8 NOT NULL CHECK (kind BETWEEN 0 AND 3), hash bytea NOT NULL,
  label text, category text, added_at int8,
  PRIMARY KEY (list_id, kind, hash));
INSERT INTO bw_entries SELECT * FROM e4;
UPDATE bw_meta SET version = 4;
COMMIT;
SQL
check "the store is schema 4 with a plain bw_entries" \
    '[ "$(sql -c "SELECT version FROM bw_meta"),$(sql -c "SELECT relkind FROM pg_class WHERE relname = '"'bw_entries'"'")" = "4,r" ]'
before=$("$BULWARK" lists export a --db "$BW_PG" 2>&1)
"$BULWARK" lists ls --db "$BW_PG" >"$T/ls.out" 2>&1
check "lists ls on the schema-4 store migrates it (exit 0)" '[ $? = 0 ] && grep -q "^a " "$T/ls.out"'
check "the store is schema 5 and bw_entries is partitioned" \
    '[ "$(sql -c "SELECT version FROM bw_meta"),$(sql -c "SELECT relkind FROM pg_class WHERE relname = '"'bw_entries'"'")" = "5,p" ]'
check "the old rows are in bw_entries_v4 (3 rows)" \
    '[ "$(sql -c "SELECT count(*) FROM bw_entries_v4")" = 3 ]'
check "export gives the same bytes after the migration" \
    '[ "$("$BULWARK" lists export a --db "$BW_PG" 2>&1)" = "$before" ]'
"$BULWARK" match --db "$BW_PG" 0123456789abcdef0123456789abcdef "$pdq" 00000000000000000000000000000001 >"$T/m1.out" 2>&1
check "the migrated rows match with their labels" \
    'grep -q "first$" "$T/m1.out" && grep -q "Rings$" "$T/m1.out" && grep -q "b one$" "$T/m1.out"'
"$BULWARK" lists import a "$T/a2.txt" --db "$BW_PG" >"$T/imp.out" 2>&1
check "a re-import after the migration (1 entry, 1 duplicate)" 'grep -q "1 entries .*1 duplicates" "$T/imp.out"'
id=$(sql -c "SELECT id FROM bw_lists WHERE name = 'a' AND live")
check "the new version has a partition of its own, attached to bw_entries" \
    '[ "$(sql -c "SELECT count(*) FROM pg_inherits WHERE inhrelid = '"'bw_entries_$id'"'::regclass AND inhparent = '"'bw_entries'"'::regclass")" = 1 ]'
check "a hash given twice keeps its first label" \
    '[ "$(sql -c "SELECT label FROM bw_entries WHERE list_id = $id")" = new ]'
check "the replaced version's rows left bw_entries_v4 (1 row: list b)" \
    '[ "$(sql -c "SELECT count(*) FROM bw_entries_v4")" = 1 ]'
"$BULWARK" match --db "$BW_PG" 0123456789abcdef0123456789abcdef fedcba9876543210fedcba9876543210 >"$T/m2.out" 2>&1
check "the old hash is gone, the new one matches" \
    'grep -q "0123456789abcdef0123456789abcdef: no match" "$T/m2.out" && grep -q "  new$" "$T/m2.out"'
printf '00000000000000000000000000000003\tc\n' >"$T/c.txt"
"$BULWARK" lists import c "$T/c.txt" --db "$BW_PG" >/dev/null
cid=$(sql -c "SELECT id FROM bw_lists WHERE name = 'c' AND live")
"$BULWARK" lists rm c --db "$BW_PG" >/dev/null
check "a removed version's partition is dropped after the commit" \
    '[ -z "$(sql -c "SELECT to_regclass('"'bw_entries_$cid'"')")" ]'
# a delta: content added through the server's /c route
bw_serve --db "$BW_PG"
curl -s -o "$T/add.json" -w '%{http_code}' -X POST "$URL/c/bank/b/signal" \
    -H 'Content-Type: application/json' \
    -d "{\"pdq\": \"$(printf '%064d' 5)\"}" >"$T/add.code"
check "content added through /c (200)" '[ "$(cat "$T/add.code")" = 200 ]'
check "the delta's row is in bw_entries_deltas" \
    '[ "$(sql -c "SELECT count(*) FROM bw_entries_deltas")" = 1 ]'
bw_serve_stop
bw_finish
