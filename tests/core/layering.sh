#!/usr/bin/env bash
# layering.sh -- libbulwark's areas keep to their own private headers and
# the front doors to the public API (issue 10; scripts/check_layering.sh).
. "$(dirname "$0")/../lib.sh"; bw_setup core_layering
sh "$BW_SOURCE_DIR/scripts/check_layering.sh" "$BW_SOURCE_DIR" >"$T/out" 2>&1; rc=$?
cat "$T/out" >&2
check "no file includes another area's private header (exit $rc)" '[ $rc -eq 0 ] && [ ! -s "$T/out" ]'
# the check can fail: planted violations are found, a clean tree passes
mkdir -p "$T/p/src/lib/alpha" "$T/p/src/lib/beta" "$T/p/src/cli"
printf '#include "alpha/alpha_internal.h"\n#include "core/internal.h"\n#include "bulwark/scan.h"\n#include "near.h"\n' >"$T/p/src/lib/alpha/a.c"
printf '#include <bulwark/bulwark.h>\n#include "cli.h"\n' >"$T/p/src/cli/main.c"
sh "$BW_SOURCE_DIR/scripts/check_layering.sh" "$T/p" >"$T/clean" 2>&1
check "a clean tree passes" '[ $? -eq 0 ] && [ ! -s "$T/clean" ]'
printf '#include "alpha/alpha_internal.h"\n' >"$T/p/src/lib/beta/b.c"
printf '#include "scan/scan_internal.h"\n' >>"$T/p/src/cli/main.c"
sh "$BW_SOURCE_DIR/scripts/check_layering.sh" "$T/p" >"$T/planted" 2>&1; rc=$?
check "planted: exit 1" '[ $rc -eq 1 ]'
check "planted: the area include named with its line" 'grep -q "src/lib/beta/b.c:1: includes alpha/alpha_internal.h" "$T/planted"'
check "planted: the front door include named" 'grep -q "src/cli/main.c:3: includes scan/scan_internal.h" "$T/planted"'
printf 'void f(bw_json *j) { bw_json_key(j, "path"); }\n' >"$T/p/src/cli/out.c"
sh "$BW_SOURCE_DIR/scripts/check_layering.sh" "$T/p" >"$T/planted2" 2>&1
check "planted: a JSON key written by a front door is named" 'grep -q "src/cli/out.c:1: writes a JSON key" "$T/planted2"'
{ printf 'int long_one(void)\n{\n'; i=0; while [ $i -lt 80 ]; do printf '    f();\n'; i=$((i + 1)); done; printf '}\n'; } >"$T/p/src/cli/long.c"
sh "$BW_SOURCE_DIR/scripts/check_layering.sh" "$T/p" >"$T/planted3" 2>&1
check "planted: a front door function of 82 lines is named" 'grep -q "src/cli/long.c:2: int long_one(void) is 82 lines" "$T/planted3"'
bw_finish
