#!/usr/bin/env bash
# png_chunks.sh -- ancillary chunks, however many or large, never make a PNG
# unhashable: the same picture with 1,001 tEXt, 5,000 zTXt, 2,000 iTXt, one
# 20 MB private chunk, 1,500 sPLT or 3,000 unknown chunks around its IDAT
# hashes (default and --exact) to the PDQ of the same PNG without them. The
# clean file and each laden copy are written by tests/limits/hostile.py; the
# expected hash is the clean file's, which no extra chunk is in.
. "$(dirname "$0")/../lib.sh"; bw_setup image_png_chunks
cd "$T" || exit 1
pdq_of() { "$BULWARK" hash --json "$@" 2>&1 | jq -r '.pdq // .error'; }

bw_hostile clean clean.png
want=$(pdq_of clean.png)
case "$want" in [0-9a-f]*) [ ${#want} = 64 ] && ok || bad "clean: $want" ;; *) bad "clean: $want" ;; esac
for form in text1001 ztxt5000 itxt2000 private20m splt1500 unknown3000; do
    bw_hostile chunky clean.png "$form.png" "$form"
    for mode in "" --exact; do
        got=$(pdq_of $mode "$form.png")
        if [ "$got" = "$want" ]; then ok; else bad "$form $mode: $got (want $want)"; fi
    done
done
# the laden copies hash alike in one run of several workers too
got=$("$BULWARK" hash --json -j 2 text1001.png ztxt5000.png private20m.png | jq -r .pdq | sort -u)
if [ "$got" = "$want" ]; then ok; else bad "-j 2: $got"; fi

bw_finish
