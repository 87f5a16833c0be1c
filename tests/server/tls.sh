#!/usr/bin/env bash
# tls.sh -- `bulwark serve --tls-cert FILE --tls-key FILE`: HTTPS through
# libmicrohttpd's GnuTLS, on a self-signed certificate for localhost and
# 127.0.0.1 made here (no key is kept in the tree): curl trusting it gets
# 200 and lookups; plain HTTP on the TLS port fails; a client trusting
# another certificate fails verification; the tokens rules still hold;
# one option without the other, or a file that cannot be read, is exit 2.
. "$(dirname "$0")/../lib.sh"; bw_setup server_tls
export BULWARK_DB="$T/tls.db"
pdq=$("$BULWARK" hash --json "$SAMPLES/rings.png" | jq -r .pdq)
bw_list BANK "$pdq"
mkcert() { # mkcert DIR: a self-signed P-256 certificate for localhost, a day long
    mkdir -p "$1"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -days 1 \
        -keyout "$1/key.pem" -out "$1/cert.pem" 2>"$1/openssl.err"
}
command -v openssl >/dev/null || { echo "SKIP: no openssl to make a certificate"; exit 0; }
mkcert "$T/a" && mkcert "$T/b" || { cat "$T/a/openssl.err" >&2; exit 1; }

# configuration errors: exit 2, nothing bound
"$BULWARK" serve --listen 127.0.0.1:0 --tls-cert "$T/a/cert.pem" 2>"$T/e"; rc=$?
check "--tls-cert without --tls-key: exit 2, says why" '[ $rc = 2 ] && grep -q "go together" "$T/e" && ! grep -q "listening on" "$T/e"'
"$BULWARK" serve --listen 127.0.0.1:0 --tls-key "$T/a/key.pem" 2>"$T/e"; rc=$?
check "--tls-key without --tls-cert: exit 2" '[ $rc = 2 ] && grep -q "go together" "$T/e"'
"$BULWARK" serve --listen 127.0.0.1:0 --tls-cert "$T/none.pem" --tls-key "$T/a/key.pem" 2>"$T/e"; rc=$?
check "an unreadable --tls-cert: exit 2, names the file" '[ $rc = 2 ] && grep -q "cannot read $T/none.pem" "$T/e" && ! grep -q "listening on" "$T/e"'
"$BULWARK" serve --listen 127.0.0.1:0 --tls-cert "$T/a/cert.pem" --tls-key "$T/none.pem" 2>"$T/e"; rc=$?
check "an unreadable --tls-key: exit 2, names the file" '[ $rc = 2 ] && grep -q -- "--tls-key: cannot read $T/none.pem" "$T/e"'
"$BULWARK" serve --listen 0.0.0.0:0 --tls-cert "$T/a/cert.pem" --tls-key "$T/a/key.pem" 2>"$T/e"; rc=$?
check "TLS does not lift the rule: a non-loopback address without --tokens is exit 2" '[ $rc = 2 ] && grep -q "without --tokens" "$T/e"'

# served over HTTPS
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
echo "coop match sha256:$(sha tls-token-1)" >"$T/tokens"
BW_SERVE_SCHEME=https BW_SERVE_CURL="--cacert $T/a/cert.pem" \
    bw_serve --tls-cert "$T/a/cert.pem" --tls-key "$T/a/key.pem" --tokens "$T/tokens"
check "the server starts with the certificate" '[ "${URL%%:*}" = https ]'
S=$URL; port=${URL##*:}
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
check "https with the certificate trusted: /status/live 200 I-AM-ALIVE" '[ "$(code --cacert "$T/a/cert.pem" "$S/status/live")" = 200 ] && [ "$(cat "$T/body")" = I-AM-ALIVE ]'
check "by name too (localhost is in the certificate)" '[ "$(code --cacert "$T/a/cert.pem" --resolve "localhost:$port:127.0.0.1" "https://localhost:$port/status/live")" = 200 ]'
q="/m/raw_lookup?signal_type=pdq&signal=$pdq"
check "a lookup over https with the token: 200, the match" '[ "$(code --cacert "$T/a/cert.pem" -H "Authorization: Bearer tls-token-1" "$S$q")" = 200 ] && jq -e ".matches | length == 1" "$T/body" >/dev/null'
check "over https the tokens still hold: no token 401" '[ "$(code --cacert "$T/a/cert.pem" "$S$q")" = 401 ]'
check "an upload over https: 200 {pdq}" '[ "$(code --cacert "$T/a/cert.pem" -H "Authorization: Bearer tls-token-1" -F photo=@"$SAMPLES/rings.png" "$S/h/hash")" = 200 ] && [ "$(jq -r .pdq "$T/body")" = "$pdq" ]'
curl -s -m 5 -o /dev/null "http://127.0.0.1:$port/status/live"; rc=$?
check "plain http to the TLS port fails (no HTTP answer)" '[ $rc != 0 ]'
curl -s -m 5 -o /dev/null --cacert "$T/b/cert.pem" "$S/status/live"; rc=$?
check "a client trusting another certificate fails verification (curl 60)" '[ $rc = 60 ]'
curl -s -m 5 -o /dev/null "$S/status/live"; rc=$?
check "a client trusting only the system's CAs fails too" '[ $rc = 60 ]'
check "and after those, the server still answers" '[ "$(code --cacert "$T/a/cert.pem" "$S/status")" = 200 ]'
bw_serve_stop
check "SIGTERM: exit 0" '[ "$SERVE_RC" = 0 ]'

# a key that is not the certificate's: the daemon does not start, exit 2
"$BULWARK" serve --listen 127.0.0.1:0 --tls-cert "$T/a/cert.pem" --tls-key "$T/b/key.pem" 2>"$T/e" &
pid=$!
for i in $(seq 1 100); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
kill -TERM $pid 2>/dev/null; wait $pid; rc=$?
check "a key that does not go with the certificate: exit 2" '[ $rc = 2 ] && grep -q "cannot start" "$T/e"'
bw_finish
