#!/usr/bin/env bash
# c2pa_cli.sh -- `bulwark provenance` from the outside: JSON Lines with the
# interface's fields, the C2PA validation state with and without --trust
# (values as c2pa-rs reports them in ../shared/refdata/c2pa), a tampered
# file, a control, a sidecar NAME.c2pa found next to its asset, stdin,
# exit codes for missing inputs and bad options.
. "$(dirname "$0")/../lib.sh"; bw_setup c2pa_cli
: "${BW_REFDATA:?}"
C="$BW_REFDATA/c2pa"
field() { python3 -c 'import json,sys
d=json.loads(sys.stdin.readline())
for k in sys.argv[1].split("."):
    d=d.get(k) if isinstance(d,dict) else None
print(json.dumps(d))' "$1"; }

P="$BULWARK provenance --no-watermark --json"
TRUST="--trust $C/trust/test_cert_root_bundle.pem --trust-config $C/trust/store.cfg"

out=$($P "$C/generated/gen_trained_png.png")
check "AI PNG: ai_generated yes" '[ "$(field ai_generated <<<"$out")" = "\"yes\"" ]'
check "AI PNG: valid without trust" '[ "$(field c2pa.validation <<<"$out")" = "\"valid\"" ]'
check "AI PNG: untrusted signer listed" 'field c2pa.status_codes <<<"$out" | grep -q signingCredential.untrusted'
check "AI PNG: a verified c2pa signal" '[ "$(field signals <<<"$out" | python3 -c "import json,sys; s=json.load(sys.stdin); print(s[0][\"type\"], s[0][\"verified\"])")" = "c2pa True" ]'
out=$($P $TRUST "$C/generated/gen_trained_png.png")
check "AI PNG: trusted with --trust" '[ "$(field c2pa.validation <<<"$out")" = "\"trusted\"" ]'
check "AI PNG: no status codes when trusted" '[ "$(field c2pa.status_codes <<<"$out")" = "[]" ]'

out=$($P $TRUST "$C/generated/gen_trained_webp_tampered.webp")
check "tampered WebP: invalid" '[ "$(field c2pa.validation <<<"$out")" = "\"invalid\"" ]'
check "tampered WebP: dataHash mismatch" 'field c2pa.status_codes <<<"$out" | grep -q assertion.dataHash.mismatch'
check "tampered WebP: claims, does not prove" '[ "$(field ai_generated <<<"$out")" = "\"claimed\"" ]'

out=$($P "$C/c2pa-rs/libpng-test.png")
check "control PNG: no_evidence" '[ "$(field ai_generated <<<"$out")" = "\"no_evidence\"" ]'
check "control PNG: no c2pa object" '[ "$(field c2pa <<<"$out")" = "null" ]'

out=$($P "$C/c2pa-rs/cloud.jpg")
check "cloud.jpg: remote manifest reported as a signal" 'field signals <<<"$out" | grep -q "cai-manifests.adobe.com"'

# a sidecar next to its asset
cp "$C/c2pa-rs/no_manifest.jpg" "$T/photo.jpg"
cp "$C/generated/gen_sidecar_for_no_manifest.c2pa" "$T/photo.c2pa"
out=$($P $TRUST "$T/photo.jpg")
check "sidecar: found next to the asset" '[ "$(field c2pa.location <<<"$out")" = "\"sidecar\"" ]'
check "sidecar: hash of the asset matches, trusted" '[ "$(field c2pa.validation <<<"$out")" = "\"trusted\"" ]'

# stdin, human output, errors
out=$($P - <"$C/generated/gen_trained_png.png")
check "stdin: path is -" '[ "$(field path <<<"$out")" = "\"-\"" ]'
"$BULWARK" provenance --no-watermark "$C/c2pa-rs/C.jpg" >"$T/human"
check "human output names the verdict" 'grep -q "^ai:yes" "$T/human"'
$P "$T/missing.jpg" "$C/c2pa-rs/C.jpg" >"$T/two" 2>/dev/null; rc=$?
check "missing input: exit 1" '[ $rc -eq 1 ]'
check "missing input: error object, then the good file" '[ "$(head -1 "$T/two" | field error)" != "null" ] && [ "$(sed -n 2p "$T/two" | field c2pa.manifest_count)" = "1" ]'
"$BULWARK" provenance --trust "$T/nope.pem" "$C/c2pa-rs/C.jpg" >/dev/null 2>&1
check "unreadable --trust: exit 2" '[ $? -eq 2 ]'
"$BULWARK" provenance >/dev/null 2>&1
check "no input: exit 2" '[ $? -eq 2 ]'

bw_finish
