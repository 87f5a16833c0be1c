#!/usr/bin/env bash
# tree.sh -- `bulwark scan` over a tree of benign reference images in nested
# zip / tar / 7z / tar.gz / tar.zst / tar.xz archives and a WebDataset shard.
# Every record is checked against an independent extraction: the member's
# bytes come out of unzip / tar / 7z, then `bulwark hash` on those bytes must
# give the same record and sha256sum the same SHA-256. The set of paths is
# compared with a list written by hand.
. "$(dirname "$0")/../lib.sh"; bw_setup scan_tree
: "${BW_REFDATA:?}"
mkdir -p "$T/in" "$T/x"
# scan refuses a store without lists (exit 2): give it one that matches nothing
bw_list none "$(printf '%032d' 0)"
D="$BW_REFDATA/pdq/data"

cd "$T/in" || exit 1
mkdir -p photos/sub build
cp "$D/bridge-mods/aaa-orig.jpg" photos/
cp "$D/misc-images/wee.jpg" photos/sub/
cp "$D/reg-test-input/pen-and-coaster.png" photos/sub/
printf 'plain text, not an image\n' > photos/notes.txt
# a.zip!b.tar!c.jpg, and more around it
cp "$D/reg-test-input/labelme-subset/q0746.jpg" build/c.jpg
cp "$D/misc-images/small.jpg" build/small.jpg
cp "$D/bridge-mods/square-128x128.jpg" build/sq.jpg
(cd build && tar cf b.tar c.jpg small.jpg && zip -q ../a.zip b.tar sq.jpg)
# 7z with a zip inside
(cd build && zip -q inner.zip c.jpg && 7z a -bd -bso0 ../s.7z inner.zip small.jpg >/dev/null)
# compressed tars
(cd build && tar czf ../t.tar.gz c.jpg && tar --zstd -cf ../t.tar.zst sq.jpg && tar cJf ../t.tar.xz small.jpg)
# a WebDataset shard: samples keyed by basename, an image + caption + json each
(cd build && cp c.jpg 000000.jpg && printf 'a caption\n' > 000000.txt && printf '{"k":1}\n' > 000000.json &&
 cp "$D/misc-images/c.png" 000001.png && printf 'another\n' > 000001.txt &&
 tar cf ../shard-000000.tar 000000.jpg 000000.txt 000000.json 000001.png 000001.txt)
# archives recognised by bytes, not names
cp a.zip photos/sub/looks-like-a.jpg
rm -rf build
cd "$T" || exit 1

"$BULWARK" scan --json -j 2 in >"$T/out.jsonl" 2>"$T/err"; rc=$?
check "scan of a clean tree exits 0 (got $rc: $(head -c 300 "$T/err"))" '[ $rc -eq 0 ]'
check "every line is JSON" 'jq -e . "$T/out.jsonl" >/dev/null'

# The paths, in walk order (names sorted bytewise, members in archive order,
# an archive's own record after its members).
cat >"$T/want" <<'W'
in/a.zip!b.tar!c.jpg
in/a.zip!b.tar!small.jpg
in/a.zip!b.tar
in/a.zip!sq.jpg
in/a.zip
in/photos/aaa-orig.jpg
in/photos/notes.txt
in/photos/sub/looks-like-a.jpg!b.tar!c.jpg
in/photos/sub/looks-like-a.jpg!b.tar!small.jpg
in/photos/sub/looks-like-a.jpg!b.tar
in/photos/sub/looks-like-a.jpg!sq.jpg
in/photos/sub/looks-like-a.jpg
in/photos/sub/pen-and-coaster.png
in/photos/sub/wee.jpg
in/s.7z!inner.zip!c.jpg
in/s.7z!inner.zip
in/s.7z!small.jpg
in/s.7z
in/shard-000000.tar!000000.jpg
in/shard-000000.tar!000000.txt
in/shard-000000.tar!000000.json
in/shard-000000.tar!000001.png
in/shard-000000.tar!000001.txt
in/shard-000000.tar
in/t.tar.gz!c.jpg
in/t.tar.gz
in/t.tar.xz!small.jpg
in/t.tar.xz
in/t.tar.zst!sq.jpg
in/t.tar.zst
W
jq -r .path "$T/out.jsonl" >"$T/got"
check "paths and order as written by hand ($(diff "$T/want" "$T/got" | head -5 | tr '\n' ' '))" 'diff -q "$T/want" "$T/got" >/dev/null'

# Archive records: format names and member counts (counted by hand).
fmt() { jq -r --arg p "$1" 'select(.path==$p) | "\(.kind) \(.format) \(.members)"' "$T/out.jsonl"; }
check "a.zip is a zip of 4 entries" '[ "$(fmt in/a.zip)" = "archive zip 4" ]'
check "a.zip!b.tar is a tar of 2" '[ "$(fmt "in/a.zip!b.tar")" = "archive tar 2" ]'
check "s.7z is 7z" '[ "$(fmt in/s.7z)" = "archive 7z 3" ]'
check "t.tar.gz is tar.gz" '[ "$(fmt in/t.tar.gz)" = "archive tar.gz 1" ]'
check "t.tar.zst is tar.zst" '[ "$(fmt in/t.tar.zst)" = "archive tar.zst 1" ]'
check "t.tar.xz is tar.xz" '[ "$(fmt in/t.tar.xz)" = "archive tar.xz 1" ]'
check "the shard is a tar of 5" '[ "$(fmt in/shard-000000.tar)" = "archive tar 5" ]'

# Pull a member's bytes out with the archivers themselves: path A!B!C.
extract() {
    local spec="$1" cur="$T/x/cur" next="$T/x/next" first=1 seg
    IFS='!' read -r -a segs <<<"$spec"
    cp "${segs[0]}" "$cur" || return 1
    for seg in "${segs[@]:1}"; do
        case "$(head -c 4 "$cur" | od -An -tx1 | tr -d ' ')" in
            504b0304) unzip -p "$cur" "$seg" >"$next" ;;
            377abcaf) 7z e -so "$cur" "$seg" 2>/dev/null >"$next" ;;
            *) tar -xOf "$cur" "$seg" >"$next" ;;
        esac || return 1
        mv "$next" "$cur"
    done
    cp "$cur" "$T/x/member"
}

n=0
while IFS= read -r line; do
    p=$(jq -r .path <<<"$line"); k=$(jq -r .kind <<<"$line")
    [ "$k" = archive ] && continue
    n=$((n+1))
    if ! extract "$p"; then bad "cannot extract $p for the check"; continue; fi
    want_sha=$(sha256sum "$T/x/member" | cut -d' ' -f1)
    check "$p: sha256 equals sha256sum's" '[ "$(jq -r .sha256 <<<"$line")" = "$want_sha" ]'
    mine=$(jq -cS 'del(.path, .matches)' <<<"$line")
    ref=$("$BULWARK" hash --json "$T/x/member" | jq -cS 'del(.path)')
    check "$p: record equals bulwark hash of the extracted bytes" '[ "$mine" = "$ref" ]'
done <"$T/out.jsonl"
check "all 20 files and members checked (got $n)" '[ $n -eq 20 ]'
check "images are decoded as images" '[ "$(jq -r "select(.path==\"in/a.zip!b.tar!c.jpg\") | .kind" "$T/out.jsonl")" = image ]'

# Same records with -j 1 (pipeline on one thread) and in the same order.
"$BULWARK" scan --json -j 1 in >"$T/out1.jsonl" 2>/dev/null
check "-j 1 gives the same records in the same order" 'cmp -s "$T/out.jsonl" "$T/out1.jsonl"'

# --max-depth 0: archives are plain files
"$BULWARK" scan --json --max-depth 0 in/a.zip >"$T/d0.jsonl" 2>/dev/null
check "--max-depth 0 hashes an archive as a file" '[ "$(jq -r .kind "$T/d0.jsonl")" = file ] && [ "$(jq -r .sha256 "$T/d0.jsonl")" = "$(sha256sum in/a.zip | cut -d" " -f1)" ]'

# Symbolic links: not followed inside a tree unless --follow-symlinks; loops reported.
mkdir -p "$T/links"; ln -sf "$T/in/photos" "$T/links/to-photos"; ln -sfn . "$T/links/loop"
cp "$D/misc-images/wee.jpg" "$T/links/w.jpg"
"$BULWARK" scan --json "$T/links" >"$T/l.jsonl" 2>/dev/null; rc=$?
check "links not followed by default (1 record, exit 0)" '[ $rc -eq 0 ] && [ "$(wc -l <"$T/l.jsonl")" -eq 1 ]'
"$BULWARK" scan --json --follow-symlinks "$T/links" >"$T/lf.jsonl" 2>/dev/null; rc=$?
check "--follow-symlinks follows them" 'grep -q "to-photos/aaa-orig.jpg" "$T/lf.jsonl"'
check "--follow-symlinks reports the loop (exit 1)" '[ $rc -eq 1 ] && grep -q "\"error\":\"directory loop" "$T/lf.jsonl"'

# -o: the records go to the file, the summary is its last line
"$BULWARK" scan -o "$T/o.jsonl" in >/dev/null 2>"$T/o.err"; rc=$?
check "-o exits 0" '[ $rc -eq 0 ]'
check "-o file has the same records" 'diff <(head -n -1 "$T/o.jsonl") "$T/out.jsonl" >/dev/null'
check "summary is the last line with the counts" '[ "$(tail -n1 "$T/o.jsonl" | jq -c ".summary | [.files, .images, .matched, .errors]")" = "[20,16,0,0]" ]'
check "summary also on stderr as text" 'grep -q "20 files (16 images, 10 archives), 0 matched, 0 errors" "$T/o.err"'

# --provenance adds the provenance fields; --progress draws on stderr even without a TTY
"$BULWARK" scan --json --provenance in/photos/sub/wee.jpg >"$T/prov.jsonl" 2>/dev/null
check "--provenance adds ai_generated" 'jq -e ".ai_generated" "$T/prov.jsonl" >/dev/null'
"$BULWARK" scan --progress -o "$T/prog.jsonl" in >/dev/null 2>"$T/prog.err"
check "--progress draws done/total, rates and matches" 'grep -q "20/20 files .* img/s .* MB/s .* matched" "$T/prog.err"'

bw_finish
