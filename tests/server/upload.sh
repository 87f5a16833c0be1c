#!/usr/bin/env bash
# upload.sh -- the routes that take a file: HMA 1.1.7's POST /h/hash and
# POST /m/lookup (blueprints/hashing.py hash_media_from_form_data,
# matching.py lookup_post: multipart/form-data, one file in the field
# "photo" or "video"; HMA's keys and messages written out here by hand),
# and bulwark's POST /v1/scan and POST /v1/provenance, byte for byte the
# records of `scan --json -` and `provenance --json -` on the same bytes.
# Hostile bodies (malformed and truncated multipart, a missing field, an
# image bomb, a body over --max-body) each get their status and leave the
# server serving. Uploads carrying a marker that exists nowhere on disk
# are sent to every route; afterwards the marker is on no file the
# server could have written.
. "$(dirname "$0")/../lib.sh"; bw_setup server_upload
export BULWARK_DB="$T/upload.db"
: "${BW_REFDATA:?}"
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }   # code CURL-ARGS: status, body in $T/body
alive() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/status/live")" = 200 ]; }
touch "$T/start"

rings=$SAMPLES/rings.png; hills=$SAMPLES/hills-sunset.jpg; valley=$SAMPLES/valley-morning.jpg
pdq=$("$BULWARK" hash --json "$rings" | jq -r .pdq)
md5=$(md5sum "$hills" | cut -d' ' -f1)   # the video_md5 of an upload: the MD5 of its bytes
printf '%s\trings\n' "$pdq" >"$T/a.txt"
printf '%s\thills as a video\n' "$md5" >"$T/md5.txt"
"$BULWARK" lists import BANK_A "$T/a.txt" >/dev/null
"$BULWARK" lists import BANK_MD5 "$T/md5.txt" --kind md5 >/dev/null

mkdir -p "$T/cwd"; cd "$T/cwd" || exit 1   # the server's working directory, checked at the end
bw_serve -j 2 --max-body 1M
cd "$BW_SOURCE_DIR" || exit 1

# ---- POST /h/hash (HashResponse: signal type name -> hash) ----
for f in "$rings" "$hills" "$SAMPLES/rings.webp" "$SAMPLES/hills-sunset-small.png"; do
    want=$("$BULWARK" hash --json "$f" | jq -r .pdq)
    check "/h/hash photo=$(basename "$f"): 200 {pdq} as bulwark hash" '[ "$(code -F "photo=@$f" "$URL/h/hash")" = 200 ] && jq -e --arg p "$want" ". == {pdq: \$p}" "$T/body" >/dev/null'
done
check "/h/hash video=: 200 {video_md5: the md5sum of the bytes}" '[ "$(code -F "video=@$hills" "$URL/h/hash")" = 200 ] && jq -e --arg m "$md5" ". == {video_md5: \$m}" "$T/body" >/dev/null'
check "/h/hash with a text field beside the file: the file is hashed" '[ "$(code -F note=hello -F "photo=@$rings" "$URL/h/hash")" = 200 ] && jq -e --arg p "$pdq" ".pdq == \$p" "$T/body" >/dev/null'
check "GET /h/hash?url=: 403, fetching is off" '[ "$(code "$URL/h/hash?url=http://example.org/a.png")" = 403 ] && jq -e ".message | type == \"string\"" "$T/body" >/dev/null'
check "GET /h/hash without url: 422 (url is required)" '[ "$(code "$URL/h/hash")" = 422 ]'

# ---- POST /m/lookup (signal type -> {bank: [{bank_content_id, distance}]}) ----
id=$(curl -s "$URL/m/raw_lookup?signal_type=pdq&signal=$pdq" | jq '.matches[0]')
check "POST /m/lookup photo: {pdq: {BANK_A: [{bank_content_id, distance: \"0\"}]}}" '[ "$(code -F "photo=@$rings" "$URL/m/lookup")" = 200 ] && jq -e "keys == [\"pdq\"] and (.pdq | keys == [\"BANK_A\"]) and (.pdq.BANK_A | length == 1) and .pdq.BANK_A[0] == {bank_content_id: $id, distance: \"0\"}" "$T/body" >/dev/null'
check "POST /m/lookup photo of the webp: the same bank content, a small distance" '[ "$(code -F "photo=@$SAMPLES/rings.webp" "$URL/m/lookup")" = 200 ] && jq -e ".pdq.BANK_A[0].bank_content_id == $id and (.pdq.BANK_A[0].distance | tonumber) <= 31" "$T/body" >/dev/null'
check "POST /m/lookup of an image in no list: {pdq: {}}" '[ "$(code -F "photo=@$valley" "$URL/m/lookup")" = 200 ] && jq -e ". == {pdq: {}}" "$T/body" >/dev/null'
check "POST /m/lookup?banks=OTHER: {pdq: {}}" '[ "$(code -F "photo=@$rings" "$URL/m/lookup?banks=OTHER")" = 200 ] && jq -e ". == {pdq: {}}" "$T/body" >/dev/null'
check "POST /m/lookup video: {video_md5: {BANK_MD5: [{..., distance: \"-\"}]}}" '[ "$(code -F "video=@$hills" "$URL/m/lookup")" = 200 ] && jq -e "keys == [\"video_md5\"] and (.video_md5.BANK_MD5[0] | keys == [\"bank_content_id\",\"distance\"]) and .video_md5.BANK_MD5[0].distance == \"-\"" "$T/body" >/dev/null'
check "GET /m/lookup still works beside POST" '[ "$(code "$URL/m/lookup?signal_type=pdq&signal=$pdq")" = 200 ] && jq -e ".BANK_A[0].bank_content_id == $id" "$T/body" >/dev/null'
check "/site-map lists the upload routes once each" '[ "$(code "$URL/site-map")" = 200 ] && jq -e "(map(select(. == \"/m/lookup\")) | length == 1) and index(\"/h/hash\") != null and index(\"/v1/scan\") != null and index(\"/v1/provenance\") != null" "$T/body" >/dev/null'

# ---- POST /v1/scan: the records of `scan --json -` on the same bytes ----
scan_same() { # scan_same DESC FILE CURL-ARGS...: the route's body is scan --json - <FILE
    local desc=$1 f=$2; shift 2
    args=("$@")   # check evaluates its expression with its own arguments
    "$BULWARK" scan --json - <"$f" >"$T/want" 2>/dev/null
    check "$desc" '[ "$(code "${args[@]}" "$URL/v1/scan")" = 200 ] && [ -s "$T/want" ] && cmp -s "$T/body" "$T/want"'
}
scan_same "/v1/scan of a raw PNG body is scan --json -, byte for byte" "$rings" --data-binary @"$rings"
check "... and that record has the match" 'jq -e ".matches[0].list == \"BANK_A\" and .path == \"-\"" "$T/body" >/dev/null'
scan_same "/v1/scan of a JPEG in a multipart body is scan --json -" "$hills" -F "file=@$hills"
python3 - "$T/two.zip" "$rings" "$valley" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for p in sys.argv[2:]:
        z.write(p, p.rsplit("/", 1)[1])
EOF
scan_same "/v1/scan of a zip: its members and the archive record, as scan --json -" "$T/two.zip" --data-binary @"$T/two.zip"
check "... three records: two members, then the archive" '[ "$(wc -l <"$T/body")" = 3 ] && [ "$(jq -r .path "$T/body" | head -1)" = "-!rings.png" ]'
: >"$T/empty"
scan_same "/v1/scan of an empty body is scan --json - of nothing" "$T/empty" --data-binary @"$T/empty"

# ---- POST /v1/provenance: provenance --json - on the same bytes ----
c2pa=$BW_REFDATA/c2pa/c2pa-node/ingredient-with-data-types.jpg
for f in "$c2pa" "$hills"; do
    "$BULWARK" provenance --json - <"$f" >"$T/want"
    check "/v1/provenance of $(basename "$f") is provenance --json -, byte for byte" '[ "$(code --data-binary @"$f" "$URL/v1/provenance")" = 200 ] && [ -s "$T/want" ] && cmp -s "$T/body" "$T/want"'
done
check "... the C2PA sample has its manifest in the answer" 'jq -e "(.c2pa | type == \"object\")" <(curl -s --data-binary @"$c2pa" "$URL/v1/provenance") >/dev/null'
"$BULWARK" provenance --json - <"$c2pa" >"$T/want"
check "/v1/provenance in a multipart body: the same" '[ "$(code -F "file=@$c2pa" "$URL/v1/provenance")" = 200 ] && cmp -s "$T/body" "$T/want"'

# ---- hostile bodies: each its status, and the server keeps serving ----
raw() { # raw CONTENT-TYPE FILE ROUTE: a hand-made body
    code -H "Content-Type: $1" --data-binary @"$2" "$URL$3"
}
printf -- '--XyZ\r\nContent-Disposition: form-data; name="photo"; filename="a.png"\r\n\r\n' >"$T/trunc"
head -c 5000 "$rings" >>"$T/trunc"   # the upload cut off: no closing delimiter
check "a truncated multipart upload: 400 naming it, still serving" '[ "$(raw "multipart/form-data; boundary=XyZ" "$T/trunc" /h/hash)" = 400 ] && jq -e ".message | test(\"truncated multipart body\")" "$T/body" >/dev/null && alive'
check "... the same on /m/lookup and /v1/scan" '[ "$(raw "multipart/form-data; boundary=XyZ" "$T/trunc" /m/lookup)" = 400 ] && [ "$(raw "multipart/form-data; boundary=XyZ" "$T/trunc" /v1/scan)" = 400 ] && alive'
check "multipart without a boundary: 400" '[ "$(raw "multipart/form-data" "$T/trunc" /h/hash)" = 400 ] && jq -e ".message == \"malformed multipart/form-data body: the Content-Type has no multipart boundary\"" "$T/body" >/dev/null && alive'
check "a boundary of 71 characters: 400" '[ "$(raw "multipart/form-data; boundary=$(printf "%071d" 0)" "$T/trunc" /h/hash)" = 400 ] && jq -e ".message | test(\"longer than 70\")" "$T/body" >/dev/null && alive'
printf -- '--XyZ\r\nContent-Disposition form-data; name="photo"\r\n\r\nx\r\n--XyZ--\r\n' >"$T/badhdr"
check "a part header without ':': 400" '[ "$(raw "multipart/form-data; boundary=XyZ" "$T/badhdr" /h/hash)" = 400 ] && jq -e ".message | test(\"without a name and\")" "$T/body" >/dev/null && alive'
check "the body's boundary is not the header's: 400" '[ "$(raw "multipart/form-data; boundary=Other" "$T/badhdr" /m/lookup)" = 400 ] && jq -e ".message | test(\"no multipart boundary delimiter\")" "$T/body" >/dev/null && alive'
check "no file field (a text field only): 400 HMA's message" '[ "$(code -F photo=not-a-file "$URL/h/hash")" = 400 ] && jq -e ". == {message: \"Missing multipart/form-data file upload\"}" "$T/body" >/dev/null && alive'
check "not multipart at all: 400 HMA's message" '[ "$(code --data-binary @"$rings" "$URL/h/hash")" = 400 ] && jq -e ".message == \"Missing multipart/form-data file upload\"" "$T/body" >/dev/null'
check "two files: 400 Only one file allowed per request" '[ "$(code -F "photo=@$rings" -F "video=@$hills" "$URL/m/lookup")" = 400 ] && jq -e ".message == \"Only one file allowed per request\"" "$T/body" >/dev/null'
check "a field that is no content type: 400 no such content_type" '[ "$(code -F "file=@$rings" "$URL/h/hash")" = 400 ] && jq -e ".message == \"no such content_type: '"'"'file'"'"'\"" "$T/body" >/dev/null'
check "a photo that is not an image: 400 {message}" '[ "$(code -F "photo=@$SAMPLES/README.md" "$URL/h/hash")" = 400 ] && jq -e ".message | test(\"not an image\")" "$T/body" >/dev/null && alive'
check "/v1/scan with two files: 400" '[ "$(code -F "a=@$rings" -F "b=@$hills" "$URL/v1/scan")" = 400 ]'

# a decompression bomb: a PNG declaring 50000x50000 pixels (2.5 GB of
# them) in 97 KB of deflated zero rows
python3 - "$T/bomb.png" <<'EOF'
import struct, sys, zlib
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
w = h = 50000
c = zlib.compressobj(9)
z = b"".join(c.compress(bytes(1 + w)) for _ in range(2000)) + c.flush()
with open(sys.argv[1], "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", z) + chunk(b"IEND", b""))
EOF
for route in /h/hash /m/lookup; do
    check "a 50000x50000 PNG bomb on $route: 400 image too large, still serving" '[ "$(code -F "photo=@$T/bomb.png" "$URL$route")" = 400 ] && jq -e ".message | test(\"^image too large: 50000x50000\")" "$T/body" >/dev/null && alive'
done
scan_same "the bomb on /v1/scan: the error record of scan --json -" "$T/bomb.png" --data-binary @"$T/bomb.png"
check "... which names the limit" 'jq -e ".error | test(\"max_pixels\")" "$T/body" >/dev/null && alive'
bw_hostile png-bomb "$T/ztxt.png" zTXt 64   # a 64 MiB zTXt chunk: the image itself is fine
check "a zTXt bomb: hashed as bulwark hash does, metadata not inflated" '[ "$(code -F "photo=@$T/ztxt.png" "$URL/h/hash")" = 200 ] && jq -e --arg p "$("$BULWARK" hash --json "$T/ztxt.png" | jq -r .pdq)" ".pdq == \$p" "$T/body" >/dev/null && alive'

head -c 1200000 /dev/zero >"$T/big"
check "a body over --max-body (1M): 413 {message}" '[ "$(code -F "photo=@$T/big;filename=big.png" "$URL/h/hash")" = 413 ] && jq -e ".message | test(\"too large\")" "$T/body" >/dev/null && alive'
check "a chunked body over --max-body on /v1/scan: 413" '[ "$(code -H "Transfer-Encoding: chunked" --data-binary @"$T/big" "$URL/v1/scan")" = 413 ] && alive'

# ---- nothing uploaded is written anywhere ----
# The marker is made here and exists only in memory and in the requests:
# each upload is generated on a pipe (rings.png with a tEXt chunk holding
# the marker, or the marker appended), sent, and its answer discarded.
marker="bw-upload-marker-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
marked() { # marked MODE: rings.png carrying the marker, on stdout
    python3 -c 'import struct, sys, zlib
m, mode = sys.argv[2].encode(), sys.argv[3]
b = open(sys.argv[1], "rb").read()
if mode == "text":
    d = b"Comment\x00" + m
    c = struct.pack(">I", len(d)) + b"tEXt" + d + struct.pack(">I", zlib.crc32(b"tEXt" + d) & 0xffffffff)
    b = b[:33] + c + b[33:]
else:
    b = b + m
sys.stdout.buffer.write(b)' "$rings" "$marker" "$1"
}
sent=0
curl -s -o /dev/null -X POST -d '{"name": "MARKED"}' "$URL/c/banks"   # content banked from the uploads
for mode in text tail; do
    for route in /h/hash /m/lookup /c/bank/MARKED/content; do
        c=$(marked "$mode" | curl -s -o /dev/null -w '%{http_code}' -F "photo=@-;filename=m.png" "$URL$route")
        [ "$c" = 200 ] && sent=$((sent + 1))
    done
    for route in /v1/scan /v1/provenance; do
        c=$(marked "$mode" | curl -s -o /dev/null -w '%{http_code}' --data-binary @- "$URL$route")
        [ "$c" = 200 ] && sent=$((sent + 1))
    done
    c=$(marked "$mode" | head -c 100000 | curl -s -o /dev/null -w '%{http_code}' -H "Content-Type: multipart/form-data; boundary=XyZ" --data-binary @- "$URL/h/hash")
    [ "$c" = 400 ] && sent=$((sent + 1))
done
check "the marked uploads were all answered (10 x 200, 2 x 400)" '[ $sent = 12 ]'
check "the bank holds the uploads' hash, banked (the store is written)" '"$BULWARK" lists ls --json | jq -s -e "map(select(.name == \"MARKED\"))[0].entries == 1" >/dev/null'
check "the marker is in no file of the test directory (the store among them) or the server's working directory" '! grep -rqF "$marker" "$T" "$T/cwd"'
check "the marker is in no file under /tmp written during the test" '[ -z "$(find /tmp -xdev -type f -newer "$T/start" -exec grep -lF "$marker" {} + 2>/dev/null)" ]'
check "the server holds no unlinked (tmpfile) or /tmp file open" '[ -d "/proc/$SERVE_PID/fd" ] && ! ls -l "/proc/$SERVE_PID/fd" | grep -q -e "(deleted)" -e " -> /tmp/"'
check "the marker is not in the server's log" '! grep -qF "$marker" "$SERVE_LOG"'
bw_serve_stop
check "SIGTERM: exit 0" '[ "$SERVE_RC" = 0 ]'
check "nothing on stderr but the listening line and the access log's lines" '[ "$(grep -v "^bulwark: serve: listening on" "$SERVE_LOG" | grep -vc "^{\"time\":")" = 0 ]'

# ---- scopes: the upload routes need a match token ----
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
{ echo "matcher match sha256:$(sha match-token-1)"
  echo "curator curate sha256:$(sha curate-token-2)"; } >"$T/tokens"
bw_serve --tokens "$T/tokens"
for route in /h/hash /m/lookup /v1/scan /v1/provenance; do
    check "POST $route without a token: 401" '[ "$(code -F "photo=@$rings" "$URL$route")" = 401 ]'
    check "POST $route with a curate token: 403" '[ "$(code -H "Authorization: Bearer curate-token-2" -F "photo=@$rings" "$URL$route")" = 403 ]'
    check "POST $route with a match token: 200" '[ "$(code -H "Authorization: Bearer match-token-1" -F "photo=@$rings" "$URL$route")" = 200 ]'
done
bw_serve_stop
bw_finish
