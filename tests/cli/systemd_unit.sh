#!/usr/bin/env bash
# systemd_unit.sh -- `make install` installs bulwark.service (issue 11):
# installed into a scratch prefix, the unit names that prefix's binary,
# runs `bulwark serve` with SIGTERM as its stop signal, and passes
# `systemd-analyze verify` when systemd's tools are on the machine.
. "$(dirname "$0")/../lib.sh"; bw_setup cli_systemd_unit
build=$(dirname "$BULWARK")
cmake --install "$build" --prefix "$T/inst" >"$T/install.log" 2>&1
check "cmake --install into a scratch prefix" '[ $? -eq 0 ]'
unit="$T/inst/lib/systemd/system/bulwark.service"
check "the unit is installed" '[ -f "$unit" ]'
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
bin=${exec_start%% *}
check "ExecStart is the installed binary ($bin)" '[ "$bin" = "$T/inst/bin/bulwark" ] && [ -x "$bin" ]'
check "... and it runs serve" '"$bin" serve --help | grep -q "usage: bulwark serve"'
check "it stops with SIGTERM, restarts on failure, runs without privileges" \
    'grep -q "^KillSignal=SIGTERM" "$unit" && grep -q "^Restart=on-failure" "$unit" && grep -q "^DynamicUser=yes" "$unit" && grep -q "^NoNewPrivileges=yes" "$unit"'
check "its default listens on loopback (no tokens needed there)" 'grep -q "listen 127.0.0.1:5100" "$unit"'
if command -v systemd-analyze >/dev/null 2>&1; then
    MANPATH="$T/inst/share/man:" SYSTEMD_LOG_LEVEL=err systemd-analyze verify "$unit" >"$T/verify.log" 2>&1
    rc=$?
    check "systemd-analyze verify accepts it" '[ $rc -eq 0 ]' || cat "$T/verify.log" >&2
fi
bw_finish
