#!/usr/bin/env bash
# bench/serve_upload.sh BUILD_DIR [SECONDS] -- issue 11's upload figure:
# `POST /m/lookup` with the Debian photo corpus (scripts/corpus.sh, 55
# photos) as multipart/form-data uploads, driven by wrk on loopback
# against `bulwark serve -j 2` for SECONDS (default 30), against the anchor
# measured in the same run: `bulwark hash -j 2` over the same files (the
# list given 10 times, best of 3). Both hash every photo with PDQ and look
# it up in a small list; the ratio is the share of the tool's image rate
# the service keeps after HTTP and multipart (goal: at least 0.85).
# wrk runs 1 thread and BW_CONNS connections (default 4) on the same 2
# cores as the server.
set -u
build=$(cd "${1:-build}" && pwd); secs=${2:-30}
here=$(cd "$(dirname "$0")/.." && pwd)
command -v wrk >/dev/null || { echo "serve_upload.sh: wrk missing (apt-get install wrk)" >&2; exit 2; }
files=$(sh "$here/scripts/corpus.sh") || { echo "serve_upload.sh: corpus missing (scripts/deps.sh --corpus)" >&2; exit 2; }
export BULWARK="$build/bulwark" BW_SOURCE_DIR="$here" BW_TEST_TMP
BW_TEST_TMP=$(mktemp -d); trap 'rm -rf "$BW_TEST_TMP"' EXIT
. "$here/tests/lib.sh"; bw_setup serve_upload
export BULWARK_DB="$T/store.db"
printf '%064x\n' 1 >"$T/list.txt"
"$BULWARK" lists import BENCH "$T/list.txt" >/dev/null || exit 1
n=$(echo $files | wc -w)

# the anchor: the tool on the same files, 10 times over
# shellcheck disable=SC2086
set -- $files $files $files $files $files $files $files $files $files $files
best=
for _ in 1 2 3; do
    s=$(date +%s.%N)
    "$BULWARK" hash -j 2 "$@" >/dev/null || exit 1
    t=$(echo "$(date +%s.%N) - $s" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
done
ah=$(echo "10 * $n / $best" | bc -l)
printf 'anchor: bulwark hash -j 2, %d photos x 10: best %.2f s, %.1f images/s\n' "$n" "$best" "$ah"

# the uploads: wrk sends each file in turn as HMA's `photo` field
printf '%s\n' $files >"$T/files.txt"
cat >"$T/upload.lua" <<'LUA'
local bodies, i = {}, 0
local boundary = "bulwarkbenchboundary7MA4YWxkTrZu0gW"
function init(args)
    for path in io.lines(args[1]) do
        local f = assert(io.open(path, "rb")); local data = f:read("*a"); f:close()
        bodies[#bodies + 1] = "--" .. boundary .. "\r\n" ..
            'Content-Disposition: form-data; name="photo"; filename="p.jpg"\r\n' ..
            "Content-Type: image/jpeg\r\n\r\n" .. data .. "\r\n--" .. boundary .. "--\r\n"
    end
    i = math.random(#bodies)
end
function request()
    i = i % #bodies + 1
    return wrk.format("POST", "/m/lookup",
        {["Content-Type"] = "multipart/form-data; boundary=" .. boundary}, bodies[i])
end
LUA
bw_serve -j 2 --max-body 64M || exit 1
for i in $(seq 1 200); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/status")" = 200 ] && break; sleep 0.1; done
c=${BW_CONNS:-4}
echo "== wrk -t1 -c$c -d${secs}s POST /m/lookup (multipart photo)"
wrk -t1 -c"$c" -d"${secs}s" --latency -s "$T/upload.lua" "$URL" -- "$T/files.txt" >"$T/wrk.txt"
grep -E "Latency|^ +(50|99)%|requests in|Non-2xx|Socket errors" "$T/wrk.txt"
rq=$(awk '/^Requests\/sec/ {printf "%.2f", $2}' "$T/wrk.txt")
bad=$(awk '/Non-2xx/ {print $NF}' "$T/wrk.txt"); bad=${bad:-0}
printf 'POST /m/lookup: %s images/s, non-2xx %s; service / bulwark hash -j 2: %.2f (goal >= 0.85)\n' \
    "$rq" "$bad" "$(echo "$rq / $ah" | bc -l)"
bw_serve_stop
