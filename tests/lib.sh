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
# json_ok           stdin is JSON Lines (every line parses)
# bw_list NAME HASH...   imports a list of these hashes into $BULWARK_DB
# bw_setup NAME     $T = a fresh scratch directory; $BULWARK_DB removed
# bw_serve ARGS...  starts `bulwark serve ARGS` on a free loopback port and
#                   waits for /status/live: $URL, $SERVE_PID, $SERVE_LOG;
#                   the server is stopped when the test exits
# bw_serve_stop     SIGTERM to the server; $SERVE_RC its exit code
set -u
: "${BULWARK:?BULWARK (the built tool) must be set; run through ctest}"
: "${BW_TEST_TMP:?}" "${BW_SOURCE_DIR:?}"
fails=0; passes=0
ok()    { passes=$((passes+1)); }
bad()   { echo "FAIL: $*" >&2; fails=$((fails+1)); }
check() { if eval "$2"; then ok; else bad "$1"; fi; }
json_ok() { python3 -c 'import json,sys
for l in sys.stdin:
    json.loads(l)'; }
bw_setup() {
    T="$BW_TEST_TMP/$1"; rm -rf "$T"; mkdir -p "$T"
    # every run starts from no store at all ($BULWARK_DB is the test's own)
    [ -n "${BULWARK_DB:-}" ] && rm -f "$BULWARK_DB" "$BULWARK_DB-wal" "$BULWARK_DB-shm"
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
    trap bw_serve_stop EXIT
    local port= i
    for i in $(seq 1 400); do
        port=$(sed -n 's/^bulwark: serve: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$SERVE_LOG")
        [ -n "$port" ] && break
        kill -0 "$SERVE_PID" 2>/dev/null || { cat "$SERVE_LOG" >&2; SERVE_PID=; return 1; }
        sleep 0.05
    done
    URL="http://127.0.0.1:$port"
    for i in $(seq 1 400); do
        curl -s -o /dev/null "$URL/status/live" && return 0
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
