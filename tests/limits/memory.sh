#!/usr/bin/env bash
# memory.sh -- the memory limits hold as stated, at -j 1 and -j 2: each
# hostile input's peak RSS (ru_maxrss of the bulwark process, from wait4 in
# hostile.py) must stay within the limit that governs it plus 64 MB.
#
#   endless stdin (zeros through a pipe)      max_file_bytes
#   PNG whose zTXt / iTXt / iCCP inflates     max_meta_bytes (the image decoder
#     to 256 MiB, in hash, provenance, scan     reads no metadata at all)
#   11000x11000 16-bit PNG, two at -j 2       max_memory_bytes (the budget the
#                                               workers share)
#   11000x11000 progressive JPEG, 499 scans   max_memory_bytes, max_decode_seconds
#     (YCbCr 4:2:0, refinement scans: 865 MB
#     and 22 s before)
#     (--exact)
#   an image alone larger than the budget     refused, naming max_memory_bytes
#
# Under a sanitizer build (BW_SANITIZE=ON from tests/CMakeLists.txt) the RSS
# figures mean nothing: the cases run on smaller inputs and must only not
# crash and give the same errors.
. "$(dirname "$0")/../lib.sh"; bw_setup limits_memory
cd "$T" || exit 1
"$BULWARK" lists import demo "$BW_SOURCE_DIR/samples/sample-list.txt" >/dev/null 2>&1 ||
    bad "lists import"

# run NAME LIMIT_MB CMD...: run CMD under bw_peak; check its peak RSS
# <= LIMIT_MB + 64 (unless a sanitizer build) and that it did not crash
# (exit 0, 1 or 2 only). Leaves $T/NAME.out, .err, .peak.
run() {
    local name=$1 limit=$2; shift 2
    bw_peak "$name" "$@"
    local kb=$PEAK_KB secs=$PEAK_SECS rc=$PEAK_RC cpu=$PEAK_CPU
    echo "$name: peak $((kb / 1024)) MB, $secs s ($cpu s CPU), exit $rc (limit $limit MB + 64)"
    if [ "$rc" -gt 2 ] || [ "$rc" -lt 0 ]; then bad "$name: exit $rc"; sed 's/^/  /' "$name.err" >&2; return; fi
    if [ "$SAN" = 0 ] && [ "$kb" -gt $(((limit + 64) * 1024)) ]; then
        bad "$name: peak $((kb / 1024)) MB > $limit + 64 MB"
    else ok; fi
}
# expect NAME PATTERN: the run's output and errors contain PATTERN
expect() { if grep -q -- "$2" "$1.out" "$1.err"; then ok; else bad "$1: no '$2' in its output"; sed 's/^/  /' "$1.err" "$1.out" | head -5 >&2; fi; }

# ---- endless stdin: bounded by max_file_bytes (128M here) ----
for j in 1 2; do
    run "stdin_j$j" 128 "$BULWARK" scan --json -j "$j" --max-file-size 128M - < <(head -c 400M /dev/zero)
    expect "stdin_j$j" "max_file_bytes"
    # /dev/zero itself: one read fills whatever buffer it is given
    # (an input over max_file_bytes is still digested to its end, so an
    # endless one ends at max_stream_bytes, and names it)
    run "zero_j$j" 128 timeout 60 "$BULWARK" scan --json -j "$j" --max-file-size 128M \
        --limit max_stream_bytes=$((SAN ? 256 : 1024))M - </dev/zero
    expect "zero_j$j" "max_stream_bytes"
done

# ---- metadata bombs: nothing near the inflated size is ever held ----
MIB=256; [ "$SAN" = 1 ] && MIB=64
for kind in zTXt iTXt iCCP; do
    bw_hostile png-bomb "bomb_$kind.png" "$kind" "$MIB"
    cp "bomb_$kind.png" "bomb2_$kind.png"
    # 4 MiB of max_meta_bytes: 64 MB over it covers everything else
    for j in 1 2; do
        run "hash_${kind}_j$j" 4 "$BULWARK" hash --json -j "$j" "bomb_$kind.png" "bomb2_$kind.png"
        expect "hash_${kind}_j$j" '"pdq":'
        run "prov_${kind}_j$j" 4 "$BULWARK" provenance --json "bomb_$kind.png"
        run "scan_${kind}_j$j" 4 "$BULWARK" scan --json -j "$j" "bomb_$kind.png" "bomb2_$kind.png"
        expect "scan_${kind}_j$j" '"pdq":'
    done
done

# ---- a large 16-bit PNG, two at a time: the shared budget ----
S=11000; BUDGET=1000; [ "$SAN" = 1 ] && S=2000 && BUDGET=40
bw_hostile png16 big16.png "$S" "$S"; cp big16.png big16b.png
run big16_j1 "$BUDGET" "$BULWARK" hash --json -j 1 --limit "max_memory_bytes=${BUDGET}M" big16.png
expect big16_j1 '"pdq":'
run big16_j2 "$BUDGET" "$BULWARK" hash --json -j 2 --limit "max_memory_bytes=${BUDGET}M" big16.png big16b.png
if [ "$(grep -c '"pdq":' big16_j2.out)" = 2 ]; then ok; else bad "big16_j2: both images must hash"; fi
# alone larger than the budget: refused before the allocation, naming the limit
run big16_over "$((BUDGET / 2))" "$BULWARK" hash --json --limit "max_memory_bytes=$((BUDGET / 2))M" big16.png
expect big16_over 'max_memory_bytes'

# ---- 499 scans over 11000x11000, full decode: budget and time limit ----
# reserved: coefficients 363 MB + pixels 363 MB + PDQ floats 484 MB
JBUDGET=1400; [ "$SAN" = 1 ] && JBUDGET=100
bw_hostile jpeg scans499.jpg "$S" "$S" 499 3 refine; cp scans499.jpg scans499b.jpg
for j in 1 2; do
    run "scans_j$j" "$JBUDGET" "$BULWARK" hash --json --exact -j "$j" --limit "max_memory_bytes=${JBUDGET}M" \
        --limit max_decode_seconds=1 scans499.jpg scans499b.jpg
    cpu=$PEAK_CPU
    # refused by the time limit in about 1 s of CPU per image (CPU, not wall
    # time: the machine may be busy)
    if [ "$SAN" = 1 ] || awk "BEGIN{exit !($cpu < 6)}"; then ok; else bad "scans_j$j took $cpu s of CPU"; fi
done
if [ "$SAN" = 0 ]; then expect scans_j1 'max_decode_seconds'; fi

bw_finish
