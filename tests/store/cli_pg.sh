#!/usr/bin/env bash
# cli_pg.sh -- every `lists` verb, `match` and `scan` behave the same on a
# PostgreSQL store as on SQLite (issue 12): the same commands on both give
# the same output, messages and exit codes byte for byte (the store's
# location and the import time normalised); a PostgreSQL store is
# fail-closed like a file (only import creates one); and the other
# connection's import is matched by a running `match -`.
. "$(dirname "$0")/../lib.sh"; bw_setup store_cli_pg
bw_pg_start || { bad "no PostgreSQL server"; bw_finish; }
rings=6746bb338107a88b8c5e00558165b77bcd4e4320d496bf3bd0061fb545f737bc
printf '%s\tRings\nd41d8cd98f00b204e9800998ecf8427e\tempty file\n%s\tagain\n' "$rings" "$rings" >"$T/a.txt"
printf 'md5,label\n0123456789abcdef0123456789abcdef,x\nnot-a-hash,y\n' >"$T/bad.csv"
session() { # session DB: the commands, their output, messages and exit codes
    local db=$1 n=0
    run() { n=$((n+1)); echo "== $n: $*"; "$BULWARK" "$@" --db "$db" 2>&1; echo "-- exit $?"; }
    run lists ls
    run scan --no-progress "$SAMPLES/rings.png"
    run lists import demo "$T/a.txt" --source "bundled"
    run lists import bad "$T/bad.csv"
    run lists import bad "$T/bad.csv" --skip-bad --json
    run lists ls
    run lists ls --json
    run lists export demo
    run lists export demo --format te
    run lists export demo --json
    run lists export nope
    run match "$rings" d41d8cd98f00b204e9800998ecf8427e 0000000000000000000000000000000000000000
    run match --json --list demo "$SAMPLES/rings.png"
    run match --list nope "$rings"
    run scan --no-progress --json "$SAMPLES"
    run lists import demo "$T/a.txt" --source "again"
    run lists rm bad --json
    run lists rm bad
    run lists ls
}
norm() { sed -e "s#$1#STORE#g" -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]*Z/T/g' \
             -e 's/"imported_at":"[^"]*"/"imported_at":"T"/g' -e 's/in [0-9.]* s/in 0 s/'; }
session "$T/s.db" | norm "$T/s.db" >"$T/sqlite.out"
session "$BW_PG" | norm "$BW_PG" >"$T/pg.out"
check "the same commands give the same bytes on both backends ($(grep -c '^==' "$T/pg.out") commands)" \
    'cmp -s "$T/sqlite.out" "$T/pg.out"' || diff -u "$T/sqlite.out" "$T/pg.out" | head -40 >&2
check "... and they did things: a match, an import, a refusal" \
    'grep -q "1 match" "$T/pg.out" && grep -q "imported demo: 2 entries" "$T/pg.out" && grep -q "no store at STORE" "$T/pg.out"'
# the tables are there, with the list's rows
check "the rows are in PostgreSQL" '[ "$(psql -At "$BW_PG" -c "SELECT entries FROM bw_lists WHERE live AND name = '"'"'demo'"'"'")" = 2 ]'
# a password in the location is never printed
"$BULWARK" lists ls --db "postgresql://bw:s3cret@127.0.0.1:1/x?connect_timeout=2" >"$T/pw.out" 2>&1; rc=$?
check "an unreachable server: exit 1, the location named" '[ $rc -eq 1 ] && grep -q "cannot open store postgresql://bw:\*\*\*@127.0.0.1:1/x" "$T/pw.out"'
check "... without its password" '! grep -q s3cret "$T/pw.out"'
"$BULWARK" match --db "postgresql:///bulwark?host=$BW_PG_DIR&port=1&password=s3cret" 00000000000000000000000000000001 >"$T/pw2.out" 2>&1
check "password= in the query is hidden too" 'grep -q "password=\*\*\*" "$T/pw2.out" && ! grep -q s3cret "$T/pw2.out"'
# a running matcher follows an import made by another process
# live_match OUT: a `match -` on the PostgreSQL store, its queries written
# to fd 7 (ask HASH), its answers in OUT; end_match closes it and waits
live_match() {
    rm -f "$T/q"; mkfifo "$T/q"
    ("$BULWARK" match --db "$BW_PG" - <"$T/q" >"$1" 2>&1) &
    exec 7>"$T/q"
}
ask() { echo "$1" >&7; }
end_match() { exec 7>&-; wait; }
live_match "$T/live.out"
ask 0123456789abcdef0123456789abcdef; sleep 0.5
printf '0123456789abcdef0123456789abcdef\tlate\n' >"$T/late.txt"
"$BULWARK" lists import late "$T/late.txt" --db "$BW_PG" >/dev/null
sleep 1.5
ask 0123456789abcdef0123456789abcdef
end_match
check "a running match - sees another process's import within 2 s" \
    '[ "$(head -1 "$T/live.out" | grep -c "no match")" = 1 ] && tail -2 "$T/live.out" | grep -q "late"'
# the database goes away and comes back: a running matcher keeps answering
# from its index, and after the restart it reconnects by itself and sees an
# import made meanwhile
live_match "$T/restart.out"
ask 0123456789abcdef0123456789abcdef; sleep 0.5
bw_pg_down; sleep 1.2
ask ffffffffffffffffffffffffffffffff; sleep 0.5
bw_pg_up
printf 'fedcba9876543210fedcba9876543210\tafter restart\n' >"$T/after.txt"
"$BULWARK" lists import after "$T/after.txt" --db "$BW_PG" >/dev/null
sleep 2.2
ask fedcba9876543210fedcba9876543210
end_match
check "before the restart: matched" 'sed -n 1p "$T/restart.out" | grep -q "1 match"'
check "the database down: an unlisted hash is still answered" 'grep -q "^ffffffffffffffffffffffffffffffff: no match" "$T/restart.out"'
check "after the restart: reconnected, the new list matched" 'tail -2 "$T/restart.out" | grep -q "after restart"'
[ "$fails" -eq 0 ] || cat "$T/restart.out" >&2
bw_finish
