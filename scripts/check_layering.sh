#!/bin/sh
# scripts/check_layering.sh [DIR] -- the areas of libbulwark keep to their
# own private headers: a file under DIR/src/lib/AREA/ includes only public
# headers ("bulwark/..." or <bulwark/...>), the shared internals in core/,
# its own area's headers and headers beside it; the front doors
# (src/cli/, src/server/) include public headers only and write no JSON
# key (the library writes every JSON shape), and no function of a front
# door is longer than 80 lines (argv -> request, sink -> stdout). Prints each
# violation as FILE:LINE: what, and exits 1 if there is any.
cd "${1:-.}" || exit 2
bad=0
for f in $(find src/lib -name '*.[ch]' 2>/dev/null | sort); do
    area=$(echo "$f" | cut -d/ -f3)
    out=$(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*/' "$f" |
        sed 's/^\([0-9]*\):.*"\([^"]*\)".*/\1 \2/' |
        while read -r n inc; do
            top=${inc%%/*}
            case "$top" in bulwark|core|"$area") ;; *) echo "$f:$n: includes $inc (private to $top/)" ;; esac
        done)
    [ -n "$out" ] && { echo "$out"; bad=1; }
done
for f in $(find src/cli src/server -name '*.[ch]' 2>/dev/null | sort); do
    out=$(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*/' "$f" | grep -v '"bulwark/' |
        sed "s#^\([0-9]*\):.*\"\([^\"]*\)\".*#$f:\1: includes \2 (a front door includes public headers only)#")
    [ -n "$out" ] && { echo "$out"; bad=1; }
done
# the library writes every JSON shape: a front door writes no key itself
for f in $(find src/cli src/server -name '*.[ch]' 2>/dev/null | sort); do
    out=$(grep -n 'bw_json_key\|bw_json_path' "$f" |
        sed "s#^\([0-9]*\):.*#$f:\1: writes a JSON key (the library writes every JSON shape)#")
    [ -n "$out" ] && { echo "$out"; bad=1; }
done
# a front door's functions stay short: options, a request, a run, a sink
for f in $(find src/cli src/server -name '*.c' 2>/dev/null | sort); do
    out=$(awk -v f="$f" '/^\{/ { start = NR; name = prev } /^\}/ && start {
              if (NR - start + 1 > 80) printf "%s:%d: %s is %d lines (at most 80)\n", f, start, name, NR - start + 1
              start = 0 } { prev = $0 }' "$f")
    [ -n "$out" ] && { echo "$out"; bad=1; }
done
exit $bad
