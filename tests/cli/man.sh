#!/usr/bin/env bash
# man.sh -- docs/bulwark.1 is current: regenerated from the built tool's
# --help texts it must equal the committed page (run scripts/gen_man.sh
# build/bulwark > docs/bulwark.1 after changing a verb's options).
set -u
: "${BULWARK:?}" "${BW_SOURCE_DIR:?}" "${BW_TEST_TMP:?}"
out="$BW_TEST_TMP/bulwark.1"
sh "$BW_SOURCE_DIR/scripts/gen_man.sh" "$BULWARK" >"$out" || { echo "0 passed, 1 failed"; exit 1; }
if diff -u "$BW_SOURCE_DIR/docs/bulwark.1" "$out"; then
    echo "1 passed, 0 failed"
else
    echo "docs/bulwark.1 is out of date: run scripts/gen_man.sh build/bulwark > docs/bulwark.1"
    echo "0 passed, 1 failed"
    exit 1
fi
