#!/usr/bin/env bash
# fetch.sh -- `?url=` fetching (issue 11 item 5): GET /h/hash?url= and GET
# /m/lookup?url= (HMA 1.1.7 blueprints/hashing.py hash_media,
# hash_url_content; matching.py lookup_get), against a local origin
# (tests/server/origin.py on a free loopback port). Off without
# --fetch-allow (403); with it, only the allowed host, and only when it may
# resolve to loopback (--fetch-private); a redirect to another host (here
# 127.0.0.1, the same machine under another name), a file:// URL, a body
# over the cap, a slow origin, a 404 are refused with a message naming the
# URL and the reason, and the server keeps serving. Expected hashes come
# from the CLI (`bulwark hash --json`, md5sum), never from the server.
. "$(dirname "$0")/../lib.sh"; bw_setup server_fetch
export BULWARK_DB="$T/fetch.db"
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }   # code CURL-ARGS: status, body in $T/body
# get ROUTE URL [NAME=VALUE...]: GET ROUTE?url=URL&..., status; body in $T/body
get() { local r=$1 u=$2; shift 2; local a=(--data-urlencode "url=$u") p
        for p in "$@"; do a+=(--data-urlencode "$p"); done
        curl -s -o "$T/body" -w '%{http_code}' -G "${a[@]}" "$URL$r"; }
msg() { jq -e --arg s "$1" '.message | type == "string" and contains($s)' "$T/body" >/dev/null; }
alive() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/status/live")" = 200 ]; }

img=$SAMPLES/hills-sunset.jpg
pdq=$("$BULWARK" hash --json "$img" | jq -r .pdq)
md5=$(md5sum "$img" | cut -d' ' -f1)
check "the CLI hashes the image (the expected value)" '[ ${#pdq} = 64 ]'
printf '%s\thills\n' "$pdq" >"$T/a.txt"
"$BULWARK" lists import BANK_A "$T/a.txt" >/dev/null

# ---- the origin ----
python3 "$BW_SOURCE_DIR/tests/server/origin.py" "$img" "$T/origin.port" "$T/origin.log" &
ORIGIN_PID=$!
origin_stop() { [ -n "${ORIGIN_PID:-}" ] && kill "$ORIGIN_PID" 2>/dev/null; wait "$ORIGIN_PID" 2>/dev/null; ORIGIN_PID=; }
bw_on_exit origin_stop
for i in $(seq 1 200); do [ -s "$T/origin.port" ] && break; sleep 0.05; done
OP=$(cat "$T/origin.port")
O="http://localhost:$OP"
check "the origin serves the image" '[ "$(curl -s "$O/img.jpg" | md5sum | cut -d" " -f1)" = "$md5" ]'

# ---- off: no --fetch-allow ----
bw_serve
check "fetching off: GET /h/hash?url= 403 {message}" '[ "$(get /h/hash "$O/img.jpg")" = 403 ] && msg "disabled"'
check "fetching off: GET /m/lookup?url= 403" '[ "$(get /m/lookup "$O/img.jpg")" = 403 ] && msg "disabled"'
check "fetching off: GET /h/hash without url still 422" '[ "$(code "$URL/h/hash")" = 422 ]'
bw_serve_stop

# ---- on: --fetch-allow localhost:PORT --fetch-private ----
bw_serve --fetch-allow "localhost:$OP" --fetch-allow example.invalid --fetch-private \
    --fetch-max-size 1M --fetch-timeout 1
check "allowed: GET /h/hash?url= 200 {pdq} equal to bulwark hash --json" '[ "$(get /h/hash "$O/img.jpg")" = 200 ] && jq -e --arg p "$pdq" ". == {pdq: \$p}" "$T/body" >/dev/null'
check "the host compares without case (LOCALHOST)" '[ "$(get /h/hash "http://LOCALHOST:$OP/img.jpg")" = 200 ] && jq -e --arg p "$pdq" ".pdq == \$p" "$T/body" >/dev/null'
check "types=pdq: the same" '[ "$(get /h/hash "$O/img.jpg" types=pdq)" = 200 ] && jq -e --arg p "$pdq" ". == {pdq: \$p}" "$T/body" >/dev/null'
check "types=video_md5 for a photo: 400, HMA's words" '[ "$(get /h/hash "$O/img.jpg" types=video_md5)" = 400 ] && jq -e ".message == \"signal type '"'"'video_md5'"'"' doesn'"'"'t exist or is disabled\"" "$T/body" >/dev/null'
check "types= (empty): 400 empty signal type selection" '[ "$(get /h/hash "$O/img.jpg" types=)" = 400 ] && jq -e ".message == \"empty signal type selection\"" "$T/body" >/dev/null'
check "content_type=video: {video_md5: the md5sum of the bytes}" '[ "$(get /h/hash "$O/img.jpg" content_type=video)" = 200 ] && jq -e --arg m "$md5" ". == {video_md5: \$m}" "$T/body" >/dev/null'
check "content_type=audio: 400 no such content_type" '[ "$(get /h/hash "$O/img.jpg" content_type=audio)" = 400 ] && jq -e ".message == \"no such content_type: '"'"'audio'"'"'\"" "$T/body" >/dev/null'
check "a video/mp4 response is hashed as a video" '[ "$(get /h/hash "$O/video.mp4")" = 200 ] && jq -e --arg m "$md5" ". == {video_md5: \$m}" "$T/body" >/dev/null'
check "application/octet-stream: 400 unsupported url ContentType" '[ "$(get /h/hash "$O/img.bin")" = 400 ] && msg "unsupported url ContentType: '"'"'application/octet-stream'"'"'"'
check "... with content_type=photo: 200 {pdq}" '[ "$(get /h/hash "$O/img.bin" content_type=photo)" = 200 ] && jq -e --arg p "$pdq" ". == {pdq: \$p}" "$T/body" >/dev/null'
check "a redirect on the same allowed host is followed" '[ "$(get /h/hash "$O/to-same")" = 200 ] && jq -e --arg p "$pdq" ". == {pdq: \$p}" "$T/body" >/dev/null'

id=$(curl -s "$URL/m/raw_lookup?signal_type=pdq&signal=$pdq" | jq '.matches[0]')
check "GET /m/lookup?url= of a listed image: {pdq: {BANK_A: [its id, distance \"0\"]}}" '[ "$(get /m/lookup "$O/img.jpg")" = 200 ] && jq -e ". == {pdq: {BANK_A: [{bank_content_id: $id, distance: \"0\"}]}}" "$T/body" >/dev/null'
check "... with signal_type=pdq: the banks alone (HMA elides the outer object)" '[ "$(get /m/lookup "$O/img.jpg" signal_type=pdq)" = 200 ] && jq -e ". == {BANK_A: [{bank_content_id: $id, distance: \"0\"}]}" "$T/body" >/dev/null'
check "... with banks=OTHER: {pdq: {}}" '[ "$(get /m/lookup "$O/img.jpg" banks=OTHER)" = 200 ] && jq -e ". == {pdq: {}}" "$T/body" >/dev/null'
check "... as a video: {video_md5: {}} (not listed)" '[ "$(get /m/lookup "$O/video.mp4")" = 200 ] && jq -e ". == {video_md5: {}}" "$T/body" >/dev/null'

# refusals: each a 400 (HMA's status for a URL it will not fetch or could not)
check "a host not allowed: 400, the URL and the reason" '[ "$(get /h/hash "http://example.org/a.jpg")" = 400 ] && msg "Invalid or unsafe URL provided: http://example.org/a.jpg: host not allowed"'
check "the origin by its address (127.0.0.1, not the allowed name): 400" '[ "$(get /h/hash "http://127.0.0.1:$OP/img.jpg")" = 400 ] && msg "host not allowed (127.0.0.1:$OP)"'
check "the allowed host on another port: 400" '[ "$(get /h/hash "http://localhost:1/img.jpg")" = 400 ] && msg "host not allowed (localhost:1)"'
check "a redirect to 127.0.0.1: 400 redirect to a host not allowed" '[ "$(get /h/hash "$O/to-loopback")" = 400 ] && msg "$O/to-loopback: redirect to a host not allowed (127.0.0.1:$OP)"'
check "... and the redirect's target was never asked for" '! grep -q "^/secret" "$T/origin.log"'
check "GET /m/lookup?url= of that redirect: 400 too" '[ "$(get /m/lookup "$O/to-loopback")" = 400 ] && msg "redirect to a host not allowed"'
check "file:///etc/passwd: 400, scheme not http or https" '[ "$(get /h/hash "file:///etc/passwd")" = 400 ] && msg "file:///etc/passwd: scheme '"'"'file'"'"' is not http or https"'
check "... nothing of it in the answer" '! grep -q "root:" "$T/body"'
check "a redirect to file:///etc/passwd: 400" '[ "$(get /h/hash "$O/to-file")" = 400 ] && msg "scheme '"'"'file'"'"' is not http or https, redirected from $O/to-file"'
check "gopher://: 400" '[ "$(get /h/hash "gopher://localhost:$OP/")" = 400 ] && msg "is not http or https"'
check "endless redirects: 400 too many redirects" '[ "$(get /h/hash "$O/loop")" = 400 ] && msg "too many redirects (more than 5)"'
check "not a URL: 400" '[ "$(get /h/hash "not a url")" = 400 ] && msg "not a URL"'
check "a declared Content-Length over --fetch-max-size: 413 Content too large" '[ "$(get /h/hash "$O/huge")" = 413 ] && msg "Content too large: $O/huge: larger than 1048576 bytes"'
check "a body growing past --fetch-max-size (no Content-Length): 413" '[ "$(get /h/hash "$O/stream")" = 413 ] && msg "larger than 1048576 bytes"'
check "a 404: 400 Failed to fetch URL ... HTTP status 404" '[ "$(get /h/hash "$O/nothing-here")" = 400 ] && msg "Failed to fetch URL: $O/nothing-here: HTTP status 404"'
start=$(date +%s.%N)
check "a slow origin with --fetch-timeout 1: 400 timed out" '[ "$(get /h/hash "$O/slow")" = 400 ] && msg "Failed to fetch URL: $O/slow: timed out after 1000 ms"'
check "... within a few seconds" '[ "$(echo "$(date +%s.%N) - $start < 3.5" | bc)" = 1 ]'
check "the server still answers /status/live after all of those" 'alive'
check "... and still fetches" '[ "$(get /h/hash "$O/img.jpg")" = 200 ]'

# types= on the upload routes, as HMA reads it from the query there too
check "POST /h/hash?types=pdq: 200 {pdq}" '[ "$(code -F "photo=@$img" "$URL/h/hash?types=pdq")" = 200 ] && jq -e --arg p "$pdq" ". == {pdq: \$p}" "$T/body" >/dev/null'
check "POST /h/hash?types=video_md5 of a photo: 400" '[ "$(code -F "photo=@$img" "$URL/h/hash?types=video_md5")" = 400 ] && msg "doesn'"'"'t exist or is disabled"'
check "POST /m/lookup?types=tmk: 400" '[ "$(code -F "photo=@$img" "$URL/m/lookup?types=tmk")" = 400 ] && msg "signal type '"'"'tmk'"'"'"'

# content added to a bank from a URL (curation.py bank_add_content ?url=)
code -X POST -d '{"name": "FETCHED"}' "$URL/c/banks" >/dev/null
check "POST /c/bank/FETCHED/content?url=: 200 {id, signals: {pdq}} of the fetched image" '[ "$(code -X POST --get --data-urlencode "url=$O/img.jpg" "$URL/c/bank/FETCHED/content")" = 200 ] && jq -e --arg p "$pdq" ".signals == {pdq: \$p} and (.id | type == \"number\")" "$T/body" >/dev/null'
check "... matched at once by GET /m/lookup?url=" '[ "$(get /m/lookup "$O/img.jpg")" = 200 ] && jq -e ".pdq.FETCHED | length == 1" "$T/body" >/dev/null'
check "... a redirect to 127.0.0.1 refused there too: 400" '[ "$(code -X POST --get --data-urlencode "url=$O/to-loopback" "$URL/c/bank/FETCHED/content")" = 400 ] && msg "redirect to a host not allowed"'
bw_serve_stop
check "SIGTERM: exit 0" '[ "$SERVE_RC" = 0 ]'

# ---- the allowed host, but without --fetch-private: loopback is refused ----
bw_serve --fetch-allow "localhost:$OP"
check "without --fetch-private: localhost is refused as a loopback address" '[ "$(get /h/hash "$O/img.jpg")" = 400 ] && msg "$O/img.jpg: address" && msg "is private or loopback"'
check "... GET /m/lookup?url= too" '[ "$(get /m/lookup "$O/img.jpg")" = 400 ] && msg "is private or loopback"'
check "... and the server answers /status/live" 'alive'
bw_serve_stop

# ---- a bad --fetch-allow entry: exit 2 ----
"$BULWARK" serve --listen 127.0.0.1:0 --fetch-allow "localhost:0" 2>"$T/bad.err"; rc=$?
check "--fetch-allow localhost:0: exit 2 naming the entry" '[ $rc = 2 ] && grep -q "localhost:0" "$T/bad.err"'
bw_finish
