#!/usr/bin/env bash
# man.sh -- docs/bulwark.1 is current: regenerated from the built tool's
# --help texts it must equal the committed page (run scripts/gen_man.sh
# build/bulwark > docs/bulwark.1 after changing a verb's options).
. "$(dirname "$0")/../lib.sh"; bw_setup cli_man
sh "$BW_SOURCE_DIR/scripts/gen_man.sh" "$BULWARK" >"$T/bulwark.1"; rc=$?
check "scripts/gen_man.sh runs (exit $rc)" '[ $rc -eq 0 ]'
check "docs/bulwark.1 is out of date: run scripts/gen_man.sh build/bulwark > docs/bulwark.1" \
    '[ $rc -eq 0 ] && diff -u "$BW_SOURCE_DIR/docs/bulwark.1" "$T/bulwark.1"'
bw_finish
