#!/usr/bin/env bash
# claimed_cli.sh -- forged provenance must not say "AI-generated" (issue 20,
# item 10). Generator metadata anyone can write into a photograph (PNG tEXt /
# iTXt parameters, ComfyUI prompt and workflow chunks, EXIF Software, XMP
# CreatorTool and DigitalSourceType without a manifest) and C2PA manifests
# that fail validation give ai_generated "claimed"; only a manifest that
# validates (c2pa-rs's state in ../shared/refdata/c2pa) gives "yes". The
# forged files are the benign samples/ images with chunks added by python3.
. "$(dirname "$0")/../lib.sh"; bw_setup claimed_cli
: "${BW_REFDATA:?}"
mkdir -p "$T/in"
C="$BW_REFDATA/c2pa"
S="$BW_SOURCE_DIR/samples"
verdict() { "$BULWARK" provenance --no-watermark --json "$1" | jq -r .ai_generated; }
signals() { "$BULWARK" provenance --no-watermark --json "$1" | jq -r '.signals | length'; }

# PNG: insert text chunks after IHDR; JPEG: insert an APP1 segment after SOI
python3 - "$S" "$T/in" <<'EOF'
import struct, sys, zlib
src, out = sys.argv[1], sys.argv[2]
png = open(src + "/hills-sunset-small.png", "rb").read()
jpg = open(src + "/hills-sunset.jpg", "rb").read()
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
def with_chunks(name, chunks):
    ihdr_end = 8 + 12 + struct.unpack(">I", png[8:12])[0]
    open(out + "/" + name, "wb").write(png[:ihdr_end] + b"".join(chunks) + png[ihdr_end:])
def text(k, v):
    return chunk(b"tEXt", k + b"\0" + v)
def itxt(k, v, z):
    return chunk(b"iTXt", k + b"\0" + bytes([z, 0]) + b"\0\0" + (zlib.compress(v) if z else v))
params = (b"a red bicycle leaning on a wall\nNegative prompt: blurry\n"
          b"Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, "
          b"Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.9.4")
comfy_prompt = (b'{"3": {"inputs": {"seed": 1, "steps": 20, "positive": ["6", 0]},'
                b' "class_type": "KSampler"}, "6": {"inputs": {"text": "a red bicycle"},'
                b' "class_type": "CLIPTextEncode"}}')
comfy_workflow = (b'{"last_node_id": 6, "nodes": [{"id": 6, "type": "CLIPTextEncode",'
                  b' "widgets_values": ["a red bicycle"]}], "links": [], "version": 0.4}')
with_chunks("a1111-text.png", [text(b"parameters", params)])
with_chunks("a1111-itxt.png", [itxt(b"parameters", params, 0)])
with_chunks("a1111-itxt-z.png", [itxt(b"parameters", params, 1)])
with_chunks("comfyui.png", [text(b"prompt", comfy_prompt), text(b"workflow", comfy_workflow)])
with_chunks("comfyui-workflow.png", [text(b"workflow", comfy_workflow)])
with_chunks("caption.png", [text(b"Title", b"hills at sunset")])
def app1(ident, body):
    return b"\xff\xe1" + struct.pack(">H", len(ident) + len(body) + 2) + ident + body
def with_app1(name, ident, body):
    open(out + "/" + name, "wb").write(jpg[:2] + app1(ident, body) + jpg[2:])
sw = b"DiffusionBee 2.5.3\0"
tiff = b"MM\0*" + struct.pack(">I", 8) + struct.pack(">H", 1) + \
       struct.pack(">HHII", 0x0131, 2, len(sw), 26) + struct.pack(">I", 0) + sw
with_app1("exif-software.jpg", b"Exif\0\0", tiff)
def xmp(inner):
    return (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
            b'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">' + inner +
            b'</rdf:Description></rdf:RDF></x:xmpmeta>')
with_app1("xmp-creatortool.jpg", b"http://ns.adobe.com/xap/1.0/\0",
          xmp(b"<xmp:CreatorTool>Midjourney</xmp:CreatorTool>"))
with_app1("xmp-dst.jpg", b"http://ns.adobe.com/xap/1.0/\0",
          xmp(b"<Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/newscodes/digitalsourcetype/"
              b"trainedAlgorithmicMedia</Iptc4xmpExt:DigitalSourceType>"))
EOF
check "python wrote the forged files" '[ "$(ls "$T/in" | wc -l)" -eq 9 ]'

for f in a1111-text.png a1111-itxt.png a1111-itxt-z.png comfyui.png comfyui-workflow.png \
         exif-software.jpg xmp-creatortool.jpg xmp-dst.jpg; do
    check "$f: claimed" '[ "$(verdict "$T/in/$f")" = claimed ]'
    check "$f: the signal is listed" '[ "$(signals "$T/in/$f")" -ge 1 ]'
done
check "A1111: generator named, not verified" \
    '"$BULWARK" provenance --no-watermark --json "$T/in/a1111-text.png" | jq -e ".signals[0].generator != null and .signals[0].verified == false" >/dev/null'
check "caption only: no_evidence" '[ "$(verdict "$T/in/caption.png")" = no_evidence ]'
check "the sample itself: no_evidence" '[ "$(verdict "$S/hills-sunset-small.png")" = no_evidence ]'

# people's output
"$BULWARK" provenance --no-watermark "$T/in/a1111-text.png" "$C/generated/gen_trained_png.png" \
    "$S/hills-sunset-small.png" >"$T/human"
check "human: ai:claimed" 'grep -q "^ai:claimed  .*a1111-text.png$" "$T/human"'
check "human: ai:yes for a valid manifest" 'grep -q "^ai:yes .*gen_trained_png.png$" "$T/human"'
check "human: no_evidence" 'grep -q "^no_evidence  .*hills-sunset-small.png$" "$T/human"'

# C2PA: the README's validation states (c2pa-rs Reader, no trust list)
check "valid AI manifest (PNG): yes" '[ "$(verdict "$C/generated/gen_trained_png.png")" = yes ]'
check "valid AI manifest (WebP): yes" '[ "$(verdict "$C/generated/gen_trained_webp.webp")" = yes ]'
check "valid algorithmicMedia (C.jpg): yes" '[ "$(verdict "$C/c2pa-rs/C.jpg")" = yes ]'
check "tampered PNG (Invalid, trainedAlgorithmicMedia): claimed" \
    '[ "$(verdict "$C/generated/gen_trained_png_tampered.png")" = claimed ]'
check "tampered WebP (Invalid): claimed" \
    '[ "$(verdict "$C/generated/gen_trained_webp_tampered.webp")" = claimed ]'
check "sidecar read alone (Invalid): claimed" \
    '[ "$(verdict "$C/generated/gen_sidecar_for_no_manifest.c2pa")" = claimed ]'
check "XCA.jpg (Invalid, no AI source type): not yes" '[ "$(verdict "$C/c2pa-rs/XCA.jpg")" != yes ]'
check "valid digitalCapture manifest: not yes" '[ "$(verdict "$C/generated/gen_capture_png.png")" != yes ]'

# scan records embed the same provenance
"$BULWARK" lists import demo "$S/sample-list.txt" >/dev/null 2>&1
"$BULWARK" scan --json --provenance "$T/in/a1111-text.png" "$C/generated/gen_trained_png.png" \
    >"$T/scan.jsonl" 2>/dev/null
check "scan: forged PNG record says claimed" \
    '[ "$(jq -r "select(.path != null and (.path|endswith(\"a1111-text.png\"))) | .ai_generated" "$T/scan.jsonl")" = claimed ]'
check "scan: valid manifest record says yes" \
    '[ "$(jq -r "select(.path != null and (.path|endswith(\"gen_trained_png.png\"))) | .ai_generated" "$T/scan.jsonl")" = yes ]'

bw_finish
