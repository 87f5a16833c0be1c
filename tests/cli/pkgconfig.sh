#!/usr/bin/env bash
# pkgconfig.sh -- build/bulwark.pc names exactly the pkg-config packages
# libbulwark links: every library the static archive calls into (zlib for
# inflate, libjpeg, ...) is in Requires.private, and TurboJPEG, which only
# the benchmark uses, is not; `pkg-config --static --libs bulwark` resolves.
# The expected names are written here by hand, from the #includes of src/lib.
. "$(dirname "$0")/../lib.sh"; bw_setup cli_pkgconfig
PC="$(dirname "$BULWARK")/bulwark.pc"
[ -f "$PC" ] && ok || bad "no $PC"
req=" $(sed -n 's/^Requires.private: *//p' "$PC") "
for p in libjpeg spng zlib libwebp libwebpdemux libtiff-4 libheif libavformat libavcodec \
         libavutil libswscale libarchive sqlite3 libcrypto icu-uc icu-i18n libhs libcbor yajl \
         libxml-2.0; do
    case "$req" in *" $p "*) ok ;; *) bad "Requires.private lacks $p" ;; esac
done
case "$req" in *turbojpeg*) bad "Requires.private names libturbojpeg, which libbulwark does not link" ;; *) ok ;; esac
# the zlib the library calls (inflate) is really in the archive's undefined symbols
LIB="$(dirname "$BULWARK")/libbulwark.a"
if command -v nm >/dev/null && [ -f "$LIB" ]; then
    nm -u "$LIB" 2>/dev/null | grep -qw inflate && ok || bad "libbulwark.a does not call inflate?"
    if nm -u "$LIB" 2>/dev/null | grep -qE ' tj[A-Z0-9]'; then bad "libbulwark.a calls TurboJPEG"; else ok; fi
fi
if command -v pkg-config >/dev/null; then
    libs=$(PKG_CONFIG_PATH="$(dirname "$PC")" pkg-config --static --libs bulwark 2>&1)
    case "$libs" in *-lbulwark*-lz*|*-lz*-lbulwark*) ok ;; *) bad "pkg-config --static --libs bulwark: $libs" ;; esac
fi
bw_finish
