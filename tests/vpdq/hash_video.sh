#!/usr/bin/env bash
# hash_video.sh -- `bulwark hash` on videos from the outside: the JSON
# record of one sample video (fields, MD5 from refdata's README, frame
# numbers by the sampling rule at 30 fps, PDQs equal to the reference's
# lines in refdata/vpdq/derived), --seconds-per-hash and --vpdq-size, the
# people's line, and a truncated copy that gives an error object and exit 1
# while a good video named after it in the same call is still hashed.
. "$(dirname "$0")/../lib.sh"; bw_setup hash_video
: "${BW_REFDATA:?}"
V="$BW_REFDATA/vpdq/sample-videos"; D="$BW_REFDATA/vpdq/derived"
DOOR="$V/doorknob-hd-no-bar.mp4"

"$BULWARK" hash --json "$DOOR" >"$T/door.json"; rc=$?
check "one video: exit 0" '[ $rc -eq 0 ]'
check "one video: one JSON line" '[ "$(wc -l <"$T/door.json")" -eq 1 ]'
j() { jq -r "$1" "$T/door.json"; }
check "kind video" '[ "$(j .kind)" = video ]'
check "format mp4" '[ "$(j .format)" = mp4 ]'
check "width x height 1280x720" '[ "$(j .width)x$(j .height)" = 1280x720 ]'
check "md5 as refdata's README" '[ "$(j .md5)" = 9108849f0d0bb6d3c40844f4eb72767b ]'
check "sha1 and sha256 of the bytes" '[ "$(j .sha1)" = "$(sha1sum <"$DOOR" | cut -c1-40)" ] && [ "$(j .sha256)" = "$(sha256sum <"$DOOR" | cut -c1-64)" ]'
check "duration 4 s" '[ "$(j .duration)" = 4 ] || [ "$(j .duration)" = 4.000 ]'
# default: one frame a second at 30 fps: frames 0, 30, 60, 90 of 120
check "frames 4 (default --seconds-per-hash 1)" '[ "$(j .frames)" = 4 ] && [ "$(j ".vpdq | length")" = 4 ]'
check "frame numbers 0 30 60 90" '[ "$(j "[.vpdq[].frame] | join(\" \")")" = "0 30 60 90" ]'
check "timestamps 0 1 2 3" '[ "$(j "[.vpdq[].timestamp] | map(tostring) | join(\" \")")" = "0 1 2 3" ]'
# each sampled frame's PDQ and quality equal the reference's line (derived/, every frame)
want=$(awk -F, '$1 % 30 == 0 { print $1 "," $2 "," $3 }' "$D/debian12-ffmpeg5.1-native/doorknob-hd-no-bar.txt")
got=$(j '.vpdq[] | "\(.frame),\(.quality),\(.pdq)"')
check "PDQ and quality of each sampled frame = the reference's" '[ -n "$want" ] && [ "$got" = "$want" ]'

# every frame at 128x128
"$BULWARK" hash --json --seconds-per-hash 0 --vpdq-size 128 "$DOOR" >"$T/all.json"
want=$(cut -d, -f1-3 "$D/debian12-ffmpeg5.1-128x128/doorknob-hd-no-bar-128x128.txt")
got=$(jq -r '.vpdq[] | "\(.frame),\(.quality),\(.pdq)"' "$T/all.json")
check "--seconds-per-hash 0 --vpdq-size 128: all 120 frames = the reference's" '[ "$(echo "$got" | wc -l)" -eq 120 ] && [ "$got" = "$want" ]'
"$BULWARK" hash --json --seconds-per-hash 0.5 "$DOOR" >"$T/half.json"
check "--seconds-per-hash 0.5: every 15th frame" '[ "$(jq -r "[.vpdq[].frame] | join(\" \")" "$T/half.json")" = "0 15 30 45 60 75 90 105" ]'

# people's output: one line per video
"$BULWARK" hash "$DOOR" >"$T/door.txt"
check "text: one line naming the video" '[ "$(wc -l <"$T/door.txt")" -eq 1 ] && grep -q "mp4 *1280x720  $DOOR" "$T/door.txt"'

# a truncated copy first, then a good video: error object, exit 1, the good one hashed
head -c 200000 "$DOOR" >"$T/cut.mp4"
"$BULWARK" hash --json "$T/cut.mp4" "$V/test-padded-dimensions.mp4" >"$T/mixed.json"; rc=$?
check "truncated + good: exit 1" '[ $rc -eq 1 ]'
check "truncated: an error object that says truncated" '[ "$(sed -n 1p "$T/mixed.json" | jq -r .path)" = "$T/cut.mp4" ] && sed -n 1p "$T/mixed.json" | jq -r .error | grep -q "truncated MP4"'
check "good video after it still hashed" '[ "$(sed -n 2p "$T/mixed.json" | jq -r .kind)" = video ] && [ "$(sed -n 2p "$T/mixed.json" | jq -r .frames)" = 5 ]'

# a limit hit is an error for that input; usage errors exit 2
"$BULWARK" hash --json --limit max_video_frames=2 "$DOOR" >"$T/lim.json"; rc=$?
check "--limit max_video_frames=2: exit 1, error names the limit" '[ $rc -eq 1 ] && jq -r .error "$T/lim.json" | grep -q max_video_frames'
"$BULWARK" hash --seconds-per-hash -1 "$DOOR" >/dev/null 2>&1; rc=$?
check "--seconds-per-hash -1: exit 2" '[ $rc -eq 2 ]'
"$BULWARK" hash --vpdq-size 3 "$DOOR" >/dev/null 2>&1; rc=$?
check "--vpdq-size 3: exit 2" '[ $rc -eq 2 ]'

bw_finish
