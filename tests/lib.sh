# tests/lib.sh -- sourced by every shell test of the tool (as libvips's
# test/variables.sh): the environment ctest sets, a scratch directory of
# the test's own, and the check helpers. Usage, at the top of a test:
#
#     . "$(dirname "$0")/../lib.sh"; bw_setup NAME
#     check "what must hold" '[ "$(...)" = expected ]'
#     ...
#     bw_finish
#
# check DESC EXPR   evaluates EXPR; counts a pass, or prints FAIL: DESC
# ok, bad DESC      count a pass; count a failure and print FAIL: DESC
# json_ok           stdin is JSON Lines (every line parses)
# bw_list NAME HASH...   imports a list of these hashes into $BULWARK_DB
# bw_setup NAME     $T = a fresh scratch directory; $BULWARK_DB removed
#                   ($T.db if ctest did not set it); $SAMPLES
# bw_hostile ARGS...     tests/limits/hostile.py ARGS (writes hostile inputs)
# bw_peak NAME CMD...    runs CMD with stdout $T/NAME.out, stderr $T/NAME.err;
#                   sets PEAK_KB (peak RSS), PEAK_SECS (wall), PEAK_RC (its
#                   exit code), PEAK_CPU (user+system seconds), from wait4
#                   (hostile.py peak, which leaves them in $T/NAME.peak;
#                   PEAK_RC -1 if it left none)
# $SAN              1 in a sanitizer build (BW_SANITIZE=ON), else 0: memory
#                   and time figures mean nothing there
# bw_serve ARGS...  starts `bulwark serve ARGS` on a free loopback port and
#                   waits for /status/live: $URL, $SERVE_PID, $SERVE_LOG;
#                   the server is stopped when the test exits; with
#                   BW_SERVE_SCHEME=https and BW_SERVE_CURL="--cacert FILE",
#                   a TLS server ($URL https://...)
# bw_serve_stop     SIGTERM to the server; $SERVE_RC its exit code
# bw_pg_start       a PostgreSQL server of the test's own; $BW_PG its location;
#                   bw_pg_down / bw_pg_up restart it
# bw_pg_replica     a streaming replica (hot standby) of it; $BW_PG_R its location
# bw_on_exit CMD    run CMD when the test exits (the servers above use it)
set -u
: "${BULWARK:?BULWARK (the built tool) must be set; run through ctest}"
: "${BW_TEST_TMP:?}" "${BW_SOURCE_DIR:?}"
fails=0; passes=0
SAN=0; case "${BW_SANITIZE:-OFF}" in ON|on|1|TRUE|true) SAN=1 ;; esac
ok()    { passes=$((passes+1)); }
bad()   { echo "FAIL: $*" >&2; fails=$((fails+1)); }
check() { if eval "$2"; then ok; else bad "$1"; fi; }
BW_EXIT_HOOKS=""
bw_on_exit() {
    case " $BW_EXIT_HOOKS " in *" $1 "*) ;; *) BW_EXIT_HOOKS="$BW_EXIT_HOOKS $1" ;; esac
    trap 'for h in $BW_EXIT_HOOKS; do $h; done' EXIT
}
json_ok() { python3 -c 'import json,sys
for l in sys.stdin:
    json.loads(l)'; }
bw_setup() {
    T="$BW_TEST_TMP/$1"; rm -rf "$T"; mkdir -p "$T"
    # every run starts from no store at all ($BULWARK_DB is the test's own;
    # run by hand without one, never the user's: one next to $T)
    export BULWARK_DB="${BULWARK_DB:-$T.db}"
    rm -f "$BULWARK_DB" "$BULWARK_DB-wal" "$BULWARK_DB-shm"
    SAMPLES="$BW_SOURCE_DIR/samples"
}
bw_list() {
    local name=$1; shift
    printf '%s\n' "$@" >"$T/list-$name.txt"
    "$BULWARK" lists import "$name" "$T/list-$name.txt" >/dev/null
}
bw_serve() {
    SERVE_N=$(( ${SERVE_N:-0} + 1 )); SERVE_LOG="$T/serve-$SERVE_N.log"; SERVE_RC=
    "$BULWARK" serve --listen 127.0.0.1:0 "$@" 2>"$SERVE_LOG" &
    SERVE_PID=$!
    bw_on_exit bw_serve_stop
    local port= i
    for i in $(seq 1 400); do
        port=$(sed -n 's/^bulwark: serve: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$SERVE_LOG" | head -n 1)
        [ -n "$port" ] && break
        kill -0 "$SERVE_PID" 2>/dev/null || { cat "$SERVE_LOG" >&2; SERVE_PID=; return 1; }
        sleep 0.05
    done
    URL="${BW_SERVE_SCHEME:-http}://127.0.0.1:$port"
    for i in $(seq 1 400); do
        curl -s -o /dev/null ${BW_SERVE_CURL:-} "$URL/status/live" && return 0
        sleep 0.05
    done
    return 1
}
bw_serve_stop() {
    [ -n "${SERVE_PID:-}" ] || return 0
    kill -TERM "$SERVE_PID" 2>/dev/null
    wait "$SERVE_PID"; SERVE_RC=$?
    SERVE_PID=
}
bw_finish() {
    echo "$passes passed, $fails failed"
    [ "$fails" -eq 0 ] && [ "$passes" -gt 0 ]
    exit $?
}
bw_hostile() { python3 "$BW_SOURCE_DIR/tests/limits/hostile.py" "$@"; }
bw_peak() {
    local name=$1; shift
    bw_hostile peak "$T/$name.peak" -- "$@" >"$T/$name.out" 2>"$T/$name.err"
    PEAK_KB=0 PEAK_SECS=0 PEAK_RC=-1 PEAK_CPU=999   # no figures: a failure
    read -r PEAK_KB PEAK_SECS PEAK_RC PEAK_CPU <"$T/$name.peak"
}

# bw_pg_start: a PostgreSQL server of the test's own (issue 12): initdb into
# a fresh directory under /tmp (reachable by the server's user whatever the
# checkout's permissions) as an unprivileged user (postgres when the tests
# run as root), a free port, its socket in that directory and no TCP
# listener; stopped and removed when the test exits. Sets BW_PG (the store's location, a libpq URI of database
# "bulwark"). Returns 1 (and says why) when PostgreSQL is not installed.
bw_pg_start() {
    local bin pgdir port run
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -x "$bin/initdb" ] || { echo "bw_pg_start: PostgreSQL is not installed (scripts/deps.sh)" >&2; return 1; }
    pgdir=$(mktemp -d /tmp/bw-pg.XXXXXX) || return 1
    BW_PG_DIR=$pgdir
    run=""
    if [ "$(id -u)" = 0 ]; then chown postgres "$pgdir"; run="runuser -u postgres --"; fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    $run "$bin/initdb" -D "$pgdir/data" -A trust -U postgres -E UTF8 --no-locale >"$pgdir/initdb.log" 2>&1 ||
        { cat "$pgdir/initdb.log" >&2; return 1; }
    BW_PG_CTL="$run $bin/pg_ctl -D $pgdir/data -l $pgdir/server.log -w -t 60"
    BW_PG_OPTIONS="-p $port -k $pgdir -c listen_addresses= -c fsync=off ${BW_PG_OPTS:-}"
    $BW_PG_CTL -o "$BW_PG_OPTIONS" start >/dev/null || { cat "$pgdir/server.log" >&2; return 1; }
    BW_PG_STOP="$BW_PG_CTL -m fast stop"
    bw_on_exit bw_pg_stop
    $run "$bin/createdb" -h "$pgdir" -p "$port" -U postgres bulwark || return 1
    BW_PG="postgresql:///bulwark?host=$pgdir&port=$port&user=postgres"
}
# bw_pg_down / bw_pg_up: stop the server and start it again (same port,
# same data), as a database restart or a network cut looks to a client.
bw_pg_down() { $BW_PG_CTL -m immediate stop >/dev/null 2>&1; }
bw_pg_up() { $BW_PG_CTL -o "$BW_PG_OPTIONS" start >/dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; }  # the server keeps no fd of the test
# bw_pg_replica: a hot standby of bw_pg_start's server (pg_basebackup -R
# over its socket, as the same user; PostgreSQL's defaults already have
# wal_level=replica, max_wal_senders and initdb's local replication line),
# on a second free port, stopped before the primary. Sets BW_PG_R. Returns
# 1 (and says why) without pg_basebackup.
bw_pg_replica() {
    local bin port run=""
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -x "$bin/pg_basebackup" ] || { echo "bw_pg_replica: no pg_basebackup" >&2; return 1; }
    [ "$(id -u)" = 0 ] && run="runuser -u postgres --"
    local pport=${BW_PG##*port=}; pport=${pport%%&*}
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    $run "$bin/pg_basebackup" -h "$BW_PG_DIR" -p "$pport" -U postgres -D "$BW_PG_DIR/replica" -R \
        >"$BW_PG_DIR/basebackup.log" 2>&1 || { cat "$BW_PG_DIR/basebackup.log" >&2; return 1; }
    BW_PG_R_CTL="$run $bin/pg_ctl -D $BW_PG_DIR/replica -l $BW_PG_DIR/replica.log -w -t 60"
    $BW_PG_R_CTL -o "-p $port -k $BW_PG_DIR -c listen_addresses= -c fsync=off" start >/dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- ||
        { cat "$BW_PG_DIR/replica.log" >&2; return 1; }
    BW_PG_R_STOP="$BW_PG_R_CTL -m fast stop"
    BW_PG_R="postgresql:///bulwark?host=$BW_PG_DIR&port=$port&user=postgres"
}
bw_pg_stop() {
    [ -n "${BW_PG_R_STOP:-}" ] && $BW_PG_R_STOP >/dev/null 2>&1
    BW_PG_R_STOP=""
    [ -n "${BW_PG_STOP:-}" ] && $BW_PG_STOP >/dev/null 2>&1
    BW_PG_STOP=""
    [ -n "${BW_PG_DIR:-}" ] && rm -rf "$BW_PG_DIR"
    BW_PG_DIR=""
}
