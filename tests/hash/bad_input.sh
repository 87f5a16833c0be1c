#!/usr/bin/env bash
# bad_input.sh -- `bulwark hash --json` on broken and hostile inputs: each
# gives an error object that names the problem, the run goes on (the good
# files in the same run are hashed), the exit code is 1, and nothing
# crashes (the sanitizer build runs this too, leaks included).
#
# Every broken file is made here: cut from the reference images, or
# written byte by byte (a 1x1 GIF, a PNG header claiming 100000x100000).
set -u
: "${BULWARK:?}" "${BW_REFDATA:?}" "${BW_TEST_TMP:?}"
T="$BW_TEST_TMP/hash_bad_input"
rm -rf "$T" && mkdir -p "$T/in" || exit 1
P="$BW_REFDATA/pdq/data"
fails=0

check() { # check NAME JSON-LINE-PATTERN
    if ! grep -F -q -- "$2" "$T/out.jsonl"; then
        echo "FAIL: $1: no line with: $2"
        fails=$((fails + 1))
    fi
}

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
if [ "$rc" != 1 ]; then
    echo "FAIL: exit code $rc, want 1"
    fails=$((fails + 1))
fi
cat "$T/out.jsonl"
# an empty file is a file with the digests of zero bytes, not an error (issue 20)
check "empty file" "\"path\":\"$T/in/empty.jpg\",\"kind\":\"file\",\"size\":0,\"md5\":\"d41d8cd98f00b204e9800998ecf8427e\""
check "truncated JPEG" "\"path\":\"$T/in/cut.jpg\",\"error\":\"truncated JPEG\""
check "truncated PNG" "\"path\":\"$T/in/cut.png\",\"error\":\"truncated PNG\""
check "truncated WebP" "\"path\":\"$T/in/cut.webp\",\"error\":\"truncated WebP\""
check "truncated GIF" "\"path\":\"$T/in/cut.gif\",\"error\":\"truncated GIF\""
check "GIF bogus frame" "\"path\":\"$T/in/bogus-frame.gif\",\"error\":\"corrupt GIF: frame size 0x1\""
check "PNG 100000x100000" "\"path\":\"$T/in/huge.png\",\"error\":\"image too large: 100000x100000"
check "junk after JPEG magic" "\"path\":\"$T/in/junk.jpg\",\"error\":\"corrupt JPEG"
check "directory loop" "\"error\":\"directory loop"
check "good JPEG" "\"path\":\"$T/in/good.jpg\",\"kind\":\"image\",\"format\":\"jpeg\",\"width\":1600,\"height\":1004"
check "good PNG" "\"path\":\"$T/in/good.png\",\"kind\":\"image\",\"format\":\"png\",\"width\":924,\"height\":735"
check "good GIF" "\"path\":\"$T/in/good.gif\",\"kind\":\"image\",\"format\":\"gif\",\"width\":1,\"height\":1"
# Every line is either a result or an error, never both, never neither.
bad_lines=$(grep -v -c -E '"(pdq|error)":|"kind":"file","size":0,' "$T/out.jsonl")
if [ "$bad_lines" != 0 ]; then
    echo "FAIL: $bad_lines output lines are neither a hash nor an error"
    fails=$((fails + 1))
fi

# --- --max-pixels: the same good JPEG, now over the limit ---
"$BULWARK" hash --json --max-pixels 1000 "$T/in/good.jpg" "$T/in/good.gif" > "$T/out.jsonl" 2> "$T/err.txt"
rc=$?
[ "$rc" = 1 ] || { echo "FAIL: --max-pixels: exit code $rc, want 1"; fails=$((fails + 1)); }
cat "$T/out.jsonl"
check "--max-pixels" "\"path\":\"$T/in/good.jpg\",\"error\":\"image too large: 1600x1004"
check "--max-pixels, small file" "\"path\":\"$T/in/good.gif\",\"kind\":\"image\""

# --- the same broken files one by one, each on its own: exit 1, an error ---
for f in cut.jpg cut.png cut.webp cut.gif bogus-frame.gif huge.png junk.jpg; do
    for mode in "" --exact; do
        out=$("$BULWARK" hash --json $mode "$T/in/$f" 2>/dev/null)
        rc=$?
        case "$out" in
        *'"error":'*) ;;
        *) echo "FAIL: $f $mode: no error object: $out"; fails=$((fails + 1)) ;;
        esac
        [ "$rc" = 1 ] || { echo "FAIL: $f $mode: exit code $rc, want 1"; fails=$((fails + 1)); }
    done
done

if [ "$fails" != 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all bad inputs reported, good ones hashed"
