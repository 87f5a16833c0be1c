#!/usr/bin/env bash
# jpeg_scans.sh -- one scan limit for both JPEG decode paths, and the CPU
# time limit. Progressive JPEGs of zero blocks (a DC scan, then AC scans of
# EOB runs) are written by tests/limits/hostile.py:
#   501 and 5,000 scans (2048x2048, which the fast path decodes from the DC
#     scan alone): refused by the fast path and by --exact alike, with
#     the same error naming max_jpeg_scans (the fast path stops after the DC
#     scan, so it once let any number through); --limit max_jpeg_scans=501
#     lets the 501-scan file through both
#   500 scans: at the limit, decoded by both
#   499 scans over 11000x11000 (YCbCr 4:2:0, refinement scans: 22 s with no
#     limit), --exact with --limit max_decode_seconds=1:
#     refused within a few seconds, naming max_decode_seconds
. "$(dirname "$0")/../lib.sh"; bw_setup image_jpeg_scans
cd "$T" || exit 1
res() { "$BULWARK" hash --json "$@" 2>/dev/null | jq -r '.error // ("pdq " + .pdq)'; }

for n in 501 5000; do
    bw_hostile jpeg "s$n.jpg" 2048 2048 "$n"
    fast=$(res "s$n.jpg"); exact=$(res --exact "s$n.jpg")
    case "$fast" in *max_jpeg_scans*) ok ;; *) bad "$n scans, fast path: $fast" ;; esac
    if [ "$fast" = "$exact" ]; then ok; else bad "$n scans: fast '$fast' but --exact '$exact'"; fi
done
for mode in "" --exact; do
    got=$(res $mode --limit max_jpeg_scans=501 s501.jpg)
    case "$got" in "pdq "*) ok ;; *) bad "501 scans $mode, limit 501: $got" ;; esac
done
bw_hostile jpeg s500.jpg 2048 2048 500
for mode in "" --exact; do
    got=$(res $mode s500.jpg)
    case "$got" in "pdq "*) ok ;; *) bad "500 scans $mode: $got" ;; esac
done

S=11000; [ "$SAN" = 1 ] && S=3000
bw_hostile jpeg s499.jpg "$S" "$S" 499 3 refine
bw_peak s499 "$BULWARK" hash --json --exact --limit max_decode_seconds=1 s499.jpg
got=$(jq -r '.error // ("pdq " + .pdq)' s499.out)
cpu=$PEAK_CPU
if [ "$SAN" = 1 ]; then ok
else case "$got" in *max_decode_seconds*) ok ;; *) bad "499 scans, --exact, 1 s: $got" ;; esac; fi
# CPU time, not wall time: the machine may be busy
if [ "$SAN" = 1 ] || awk "BEGIN{exit !($cpu < 4)}"; then ok; else bad "499 scans, --exact, 1 s limit: took $cpu s of CPU"; fi
# the fast path stops after the DC scan: well within the default limit
got=$(res s499.jpg)
case "$got" in "pdq "*) ok ;; *) bad "499 scans, fast path: $got" ;; esac

bw_finish
