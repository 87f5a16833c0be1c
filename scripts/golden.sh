#!/bin/sh
# scripts/golden.sh BULWARK OUTDIR -- every verb's output on fixed inputs
# (the bundled samples, a few refdata files, drawn prompts), people's and
# JSON, with the fields that change from run to run (seconds, import
# times) normalised. tests/golden/*.out were written by this script from
# the commit before the operations-layer refactor (issue 10): that change
# must leave every byte the same. Regenerate only for an intended change:
#     scripts/golden.sh build/bulwark tests/golden
set -u
bw=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=$2
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BULWARK_DB="$work/golden.db"
unset XDG_DATA_HOME
cd "$work" || exit 2
cp -r "$top/samples" s
rm -f s/README.md
C2PA=${BW_REFDATA:-$top/../shared/refdata}/c2pa/c2pa-rs
cp "$C2PA/C.jpg" "$C2PA/CA.jpg" "$C2PA/XCA.jpg" s/ 2>/dev/null
norm() { sed -e 's/"seconds":[0-9.e+-]*/"seconds":0/' -e 's/in [0-9.]* s/in 0 s/' \
             -e 's/"imported_at":"[^"]*"/"imported_at":"T"/' \
             -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]*Z/T/g'; }
run() { # run NAME CMD...: stdout, stderr and the exit code of one command
    name=$1; shift
    "$@" >"$work/o" 2>"$work/e"; rc=$?
    { norm <"$work/o"; echo "--- stderr"; norm <"$work/e"; echo "--- exit $rc"; } >"$out/$name.out"
}
run lists-import "$bw" lists import demo s/sample-list.txt --source "bundled demo list"
run lists-ls "$bw" lists ls
run lists-ls-json "$bw" lists ls --json
run lists-export "$bw" lists export demo
run lists-export-te "$bw" lists export demo --format te
run hash "$bw" hash -j 1 s
run hash-json "$bw" hash -j 1 --json s
run hash-dihedral "$bw" hash -j 1 --json --dihedral s/rings.png
run hash-exact "$bw" hash -j 1 --json --exact s/hills-sunset.jpg
run match "$bw" match -j 1 s/hills-sunset.jpg s/rings.webp ec0b06085724aaf810eb8ed5d9053f48
run match-json "$bw" match -j 1 --json --dihedral s/hills-sunset-mirrored.webp s/valley-morning.jpg
run scan "$bw" scan -j 1 --no-progress s
run scan-json "$bw" scan -j 1 --json --no-progress --dihedral --provenance s
run scan-fail "$bw" scan -j 1 --json --no-progress --fail-on-match s/rings.png
run scan-out "$bw" scan -j 1 --no-progress -o run.jsonl s
cp run.jsonl scan-o.jsonl
run scan-o-file cat scan-o.jsonl
run cluster "$bw" cluster -j 1 s
run cluster-json "$bw" cluster -j 1 --json --max-distance 64 s
run cluster-from "$bw" cluster --json --from run.jsonl
printf 'a photo of a mountain lake at dawn\nnude child\nn.u.d.e kid\nschoolgirl outfit\nan adult couple, nude\n' >prompts.txt
run prompt "$bw" prompt <prompts.txt
run prompt-json "$bw" prompt --json <prompts.txt
run provenance "$bw" provenance s/C.jpg s/CA.jpg s/XCA.jpg s/rings.png
run provenance-json "$bw" provenance --json s/C.jpg s/CA.jpg s/XCA.jpg s/rings.png
run usage "$bw" scan
run unknown "$bw" frobnicate
for v in hash lists match scan cluster prompt provenance serve; do
    run "help-$v" "$bw" "$v" --help
done
run help "$bw" --help
