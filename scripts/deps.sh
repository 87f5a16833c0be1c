#!/bin/sh
# scripts/deps.sh -- install the Debian 12 packages bulwark builds and tests with.
#
# Idempotent: asks dpkg first and runs apt-get only for what is missing, so on a
# machine that already has everything it does nothing and needs no network.
#   scripts/deps.sh            build + test dependencies
#   scripts/deps.sh --corpus   also the Debian wallpaper packages the accuracy
#                              tests and benchmarks use as a benign photo corpus,
#                              and wrk, the HTTP load generator of bench/serve_lookup.sh
set -eu

PKGS="
cmake make gcc g++ pkg-config clang-14 libclang-rt-14-dev
libturbojpeg0-dev libjpeg62-turbo-dev libspng-dev zlib1g-dev libwebp-dev
libgif-dev libtiff-dev libheif-dev
libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
libarchive-dev libsqlite3-dev libssl-dev libicu-dev libvectorscan-dev
libcbor-dev libyajl-dev libxml2-dev libcmocka-dev libmicrohttpd-dev libcurl4-openssl-dev
libpq-dev postgresql
zip unzip p7zip-full xz-utils zstd jq python3 python3-jsonschema bc curl
"
CORPUS="mate-backgrounds plasma-workspace-wallpapers wrk"

want="$PKGS"
[ "${1:-}" = "--corpus" ] && want="$PKGS $CORPUS"

missing=""
for p in $want; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done

[ -z "$missing" ] && exit 0

echo "deps.sh: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
