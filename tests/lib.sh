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
set -u
: "${BULWARK:?BULWARK (the built tool) must be set; run through ctest}"
: "${BW_TEST_TMP:?}" "${BW_SOURCE_DIR:?}"
fails=0; passes=0
SAN=0; case "${BW_SANITIZE:-OFF}" in ON|on|1|TRUE|true) SAN=1 ;; esac
ok()    { passes=$((passes+1)); }
bad()   { echo "FAIL: $*" >&2; fails=$((fails+1)); }
check() { if eval "$2"; then ok; else bad "$1"; fi; }
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
