#!/usr/bin/env bash
# bad_input.sh -- `bulwark hash --json` on broken and hostile inputs: each
# gives an error object that names the problem, the run goes on (the good
# files in the same run are hashed), the exit code is 1, and nothing
# crashes (the sanitizer build runs this too, leaks included).
#
# Every broken file is made here: cut from the reference images, or
# written byte by byte (a 1x1 GIF, a PNG header claiming 100000x100000).
. "$(dirname "$0")/../lib.sh"; bw_setup hash_bad_input
: "${BW_REFDATA:?}"
mkdir -p "$T/in" || exit 1
P="$BW_REFDATA/pdq/data"
# has NAME JSON-LINE-PATTERN: some line of $T/out.jsonl contains the pattern
has() { local pat=$2; check "$1: no line with: $2" 'grep -F -q -- "$pat" "$T/out.jsonl"'; }

# --- the inputs ---
: > "$T/in/empty.jpg"
head -c 5000 "$P/bridge-mods/aaa-orig.jpg" > "$T/in/cut.jpg"
head -c 3000 "$P/reg-test-input/pen-and-coaster.png" > "$T/in/cut.png"
head -c 2000 "$P/misc-images/modes/F.webp" > "$T/in/cut.webp"
# A 1x1 GIF: header, screen, 2-colour table, image descriptor, LZW, trailer.
gif='GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00;'
printf "$gif" > "$T/in/good.gif"
printf "$gif" | head -c 30 > "$T/in/cut.gif"
# The same GIF with a frame 0 pixels wide.
printf 'GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x00\x00\x01\x00\x00\x02\x02\x44\x01\x00;' > "$T/in/bogus-frame.gif"
# PNG signature and an IHDR (CRC correct) claiming 100000 x 100000.
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x02\x00\x00\x00\x27\x30\x9c\x9f' > "$T/in/huge.png"
# A JPEG magic followed by bytes that are no JPEG.
{ printf '\xff\xd8\xff'; head -c 4096 "$P/reg-test-input/haystack.txt"; } > "$T/in/junk.jpg"
# Good files among them.
cp "$P/bridge-mods/aaa-orig.jpg" "$T/in/good.jpg"
cp "$P/reg-test-input/pen-and-coaster.png" "$T/in/good.png"
# A directory loop through a symbolic link.
mkdir -p "$T/in/loop/sub" && ln -s .. "$T/in/loop/sub/up"

# --- one run over all of it ---
"$BULWARK" hash --json -j 2 "$T/in" > "$T/out.jsonl" 2> "$T/err.txt"
rc=$?
check "exit code $rc, want 1" '[ "$rc" = 1 ]'
cat "$T/out.jsonl"
# an empty file is a file with the digests of zero bytes, not an error (issue 20)
has "empty file" "\"path\":\"$T/in/empty.jpg\",\"kind\":\"file\",\"size\":0,\"md5\":\"d41d8cd98f00b204e9800998ecf8427e\""
has "truncated JPEG" "\"path\":\"$T/in/cut.jpg\",\"error\":\"truncated JPEG\""
has "truncated PNG" "\"path\":\"$T/in/cut.png\",\"error\":\"truncated PNG\""
has "truncated WebP" "\"path\":\"$T/in/cut.webp\",\"error\":\"truncated WebP\""
has "truncated GIF" "\"path\":\"$T/in/cut.gif\",\"error\":\"truncated GIF\""
has "GIF bogus frame" "\"path\":\"$T/in/bogus-frame.gif\",\"error\":\"corrupt GIF: frame size 0x1\""
has "PNG 100000x100000" "\"path\":\"$T/in/huge.png\",\"error\":\"image too large: 100000x100000"
has "junk after JPEG magic" "\"path\":\"$T/in/junk.jpg\",\"error\":\"corrupt JPEG"
has "directory loop" "\"error\":\"directory loop"
has "good JPEG" "\"path\":\"$T/in/good.jpg\",\"kind\":\"image\",\"format\":\"jpeg\",\"width\":1600,\"height\":1004"
has "good PNG" "\"path\":\"$T/in/good.png\",\"kind\":\"image\",\"format\":\"png\",\"width\":924,\"height\":735"
has "good GIF" "\"path\":\"$T/in/good.gif\",\"kind\":\"image\",\"format\":\"gif\",\"width\":1,\"height\":1"
# Every line is either a result or an error, never both, never neither.
bad_lines=$(grep -v -c -E '"(pdq|error)":|"kind":"file","size":0,' "$T/out.jsonl")
check "$bad_lines output lines are neither a hash nor an error" '[ "$bad_lines" = 0 ]'

# --- --max-pixels: the same good JPEG, now over the limit ---
"$BULWARK" hash --json --max-pixels 1000 "$T/in/good.jpg" "$T/in/good.gif" > "$T/out.jsonl" 2> "$T/err.txt"
rc=$?
check "--max-pixels: exit code $rc, want 1" '[ "$rc" = 1 ]'
cat "$T/out.jsonl"
has "--max-pixels" "\"path\":\"$T/in/good.jpg\",\"error\":\"image too large: 1600x1004"
has "--max-pixels, small file" "\"path\":\"$T/in/good.gif\",\"kind\":\"image\""

# --- the same broken files one by one, each on its own: exit 1, an error ---
for f in cut.jpg cut.png cut.webp cut.gif bogus-frame.gif huge.png junk.jpg; do
    for mode in "" --exact; do
        out=$("$BULWARK" hash --json $mode "$T/in/$f" 2>/dev/null)
        rc=$?
        check "$f $mode: no error object: $out" '[[ "$out" == *\"error\":* ]]'
        check "$f $mode: exit code $rc, want 1" '[ "$rc" = 1 ]'
    done
done
bw_finish
