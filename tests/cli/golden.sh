#!/usr/bin/env bash
# golden.sh -- every verb's output, byte for byte, as recorded in
# tests/golden/ by scripts/golden.sh from the commit before the
# operations-layer refactor (issue 10): moving the verbs into library run
# calls must not change one byte of what people and scripts see. An
# intended change regenerates the files (see scripts/golden.sh) in the
# same commit, so the diff shows it.
. "$(dirname "$0")/../lib.sh"; bw_setup cli_golden
sh "$BW_SOURCE_DIR/scripts/golden.sh" "$BULWARK" "$T/now" >/dev/null 2>&1
for f in "$BW_SOURCE_DIR"/tests/golden/*.out; do
    n=$(basename "$f")
    if cmp -s "$f" "$T/now/$n"; then ok; else bad "$n differs:"; diff -u "$f" "$T/now/$n" | head -20 >&2; fi
done
check "no new output without a golden file" '[ "$(ls "$T/now" | wc -l)" -eq "$(ls "$BW_SOURCE_DIR"/tests/golden/*.out | wc -l)" ]'
bw_finish
