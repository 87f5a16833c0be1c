#!/usr/bin/env bash
# guard.sh -- what keeps `bulwark serve` safe to expose: tokens kept
# hashed, with scopes (401 without a known token, 403 without the scope),
# no non-loopback bind without them (exit 2, nothing bound), a bounded
# body (413, declared or chunked, before it is held), a bounded number of
# requests in flight (503 with Retry-After), configuration errors exit 2.
. "$(dirname "$0")/../lib.sh"; bw_setup server_guard
export BULWARK_DB="$T/guard.db"
pdq=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .pdq)
bw_list BANK "$pdq"
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }

# configuration errors: exit 2 before anything is bound
"$BULWARK" serve --listen 0.0.0.0:0 2>"$T/e"; rc=$?
check "a non-loopback --listen without --tokens: exit 2, says why" '[ $rc = 2 ] && grep -q "without --tokens" "$T/e" && ! grep -q "listening on" "$T/e"'
"$BULWARK" serve --listen '[::]:0' 2>/dev/null
check "[::] without --tokens: exit 2" '[ $? = 2 ]'
"$BULWARK" serve --listen nonsense 2>"$T/e"
check "--listen without a port: exit 2" '[ $? = 2 ] && grep -q "HOST:PORT" "$T/e"'
"$BULWARK" serve --db "$T/none.db" --listen 127.0.0.1:0 2>"$T/e"
check "no store and no --allow-empty: exit 2" '[ $? = 2 ] && grep -q "no store at" "$T/e"'
printf 'ci matc sha256:%064x\n' 0 >"$T/bad-tokens"
"$BULWARK" serve --tokens "$T/bad-tokens" --listen 127.0.0.1:0 2>"$T/e"
check "a token file with an unknown scope: exit 2, names the line" '[ $? = 2 ] && grep -q "bad-tokens:1: unknown scope" "$T/e"'
printf 'ci match s3cret-token\n' >"$T/plain-tokens"
"$BULWARK" serve --tokens "$T/plain-tokens" --listen 127.0.0.1:0 2>"$T/e"
check "a token file holding a token in clear: exit 2" '[ $? = 2 ] && grep -q "sha256:HEX" "$T/e"'

# tokens: the file holds only their SHA-256
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
{ echo "# name scopes digest"
  echo "matcher match sha256:$(sha match-token-1)"
  echo "curator curate sha256:$(sha curate-token-2)"
  echo "root admin sha256:$(sha admin-token-3)"; } >"$T/tokens"
bw_serve --tokens "$T/tokens"
q="/m/raw_lookup?signal_type=pdq&signal=$pdq"
check "no token: 401 {message}, WWW-Authenticate: Bearer" '[ "$(curl -s -D "$T/h" -o "$T/body" -w "%{http_code}" "$URL$q")" = 401 ] && grep -qi "^www-authenticate: Bearer" "$T/h" && jq -e ".message | type == \"string\"" "$T/body" >/dev/null'
check "a wrong token: 401" '[ "$(code -H "Authorization: Bearer nope" "$URL$q")" = 401 ]'
check "the digest itself as the token: 401" '[ "$(code -H "Authorization: Bearer $(sha match-token-1)" "$URL$q")" = 401 ]'
check "a match token: 200" '[ "$(code -H "Authorization: Bearer match-token-1" "$URL$q")" = 200 ] && jq -e ".matches | length == 1" "$T/body" >/dev/null'
check "a curate token on a match route: 403" '[ "$(code -H "Authorization: Bearer curate-token-2" "$URL$q")" = 403 ] && jq -e ".message | type == \"string\"" "$T/body" >/dev/null'
check "an admin token: 200 everywhere" '[ "$(code -H "Authorization: Bearer admin-token-3" "$URL/c/banks")" = 200 ]'
check "/status and /status/live need no token" '[ "$(code "$URL/status")" = 200 ] && [ "$(code "$URL/status/live")" = 200 ]'
check "an unknown route with no token: 404 (routing first)" '[ "$(code "$URL/nope")" = 404 ]'
check "the tokens appear nowhere in the log" '! grep -q "token-" "$SERVE_LOG"'
bw_serve_stop
check "SIGTERM with tokens: exit 0" '[ "$SERVE_RC" = 0 ]'

# the body limit: declared sizes refused before reading, chunked ones when they pass it
bw_serve --max-body 1K
head -c 2000 /dev/zero | tr '\0' a >"$T/big"
check "a declared body over --max-body: 413 {message}" '[ "$(code --data-binary @"$T/big" "$URL/v1/prompt")" = 413 ] && jq -e ".message | test(\"too large\")" "$T/body" >/dev/null'
check "a chunked body over --max-body: 413" '[ "$(code -H "Transfer-Encoding: chunked" --data-binary @"$T/big" "$URL/v1/prompt")" = 413 ]'
check "a 10 GB declared body: 413 at once" '[ "$(code -H "Content-Length: 10737418240" -H "Expect:" --data-binary x -m 5 "$URL/v1/prompt")" = 413 ]'
check "a body within the limit: 200" '[ "$(code --data-binary "a lake at dawn" "$URL/v1/prompt")" = 200 ] && jq -e ".verdict == \"allow\"" "$T/body" >/dev/null'
long=$(head -c 9000 /dev/zero | tr '\0' a)
check "a target over 8 KiB: 400" '[ "$(code "$URL/m/lookup?x=$long")" = 400 ]'
many=$(for i in $(seq 1 33); do printf 'p%d=1&' "$i"; done)
check "33 query parameters: 400" '[ "$(code "$URL/m/lookup?$many")" = 400 ] && jq -e ".message == \"too many query parameters\"" "$T/body" >/dev/null'
check "the server still answers after all that" '[ "$(code "$URL/status")" = 200 ]'
bw_serve_stop

# --max-inflight: a request whose body has not all come counts; the next gets 503
bw_serve --max-inflight 1
port=${URL##*:}
python3 - "$port" "$T/sent" "$T/go" >"$T/inflight" <<'EOF' &
import os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /v1/prompt HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
time.sleep(0.2)                      # the server has the headers: the request is in flight
open(sys.argv[2], "w").close()
for _ in range(400):                 # until the shell has made its second request
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.05)
s.sendall(b"defghij")
print(s.recv(4096).split(b"\r\n")[0].decode())
EOF
slow=$!
for i in $(seq 1 400); do [ -e "$T/sent" ] && break; sleep 0.05; done
for i in $(seq 1 50); do   # once the server has the first request's headers
    second=$(curl -s -D "$T/h" -o "$T/body" -w "%{http_code}" "$URL/m/index/status")
    [ "$second" = 503 ] && break; sleep 0.1
done
check "a second request while one is in flight: 503 with Retry-After" '[ "$second" = 503 ] && grep -qi "^retry-after: 1" "$T/h"'
: >"$T/go"
wait $slow
check "the request in flight finished: 200" 'grep -q "^HTTP/1.1 200" "$T/inflight"'
check "and the next one is served" '[ "$(code "$URL/m/index/status")" = 200 ]'
bw_serve_stop
check "SIGTERM: exit 0" '[ "$SERVE_RC" = 0 ]'

# a client sending a byte every 0.3 s is cut off by --timeout, the others served meanwhile
bw_serve --timeout 2
port=${URL##*:}
python3 - "$port" >"$T/slow" <<'EOF' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t0 = time.monotonic()
req = b"GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
try:
    for b in req:
        s.sendall(bytes([b]))
        time.sleep(0.3)
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                break
        except BlockingIOError:
            pass
        finally:
            s.setblocking(True)
except OSError:
    pass
print("%.1f" % (time.monotonic() - t0))
EOF
slow=$!
sleep 0.5
check "while a slow client trickles, the others are served" '[ "$(code "$URL/status")" = 200 ]'
wait $slow
check "the slow client is cut off after --timeout 2 (between 1.5 and 8 s)" '[ "$(echo "$(cat "$T/slow") >= 1.5 && $(cat "$T/slow") < 8" | bc)" = 1 ]'
check "and the server goes on" '[ "$(code "$URL/status")" = 200 ]'
bw_serve_stop
check "SIGTERM after a cut connection: exit 0" '[ "$SERVE_RC" = 0 ]'
bw_finish
