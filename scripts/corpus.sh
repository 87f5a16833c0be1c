#!/bin/sh
# scripts/corpus.sh -- print the paths of the 55 Debian photos of the PDQ
# reference corpus (refdata/pdq/debian-corpus-fullres.tsv: files of the
# Debian 12 packages mate-backgrounds and plasma-workspace-wallpapers,
# installed by `scripts/deps.sh --corpus`), one per line. Fails, saying
# which, if one is missing.
#   BW_REFDATA  the reference data (default: ../shared/refdata next to the checkout)
here=$(cd "$(dirname "$0")/.." && pwd)
refdata=${BW_REFDATA:-$here/../shared/refdata}
tsv=$refdata/pdq/debian-corpus-fullres.tsv
[ -r "$tsv" ] || { echo "corpus.sh: cannot read $tsv" >&2; exit 1; }
missing=0
for p in $(tail -n +2 "$tsv" | cut -f2); do
    if [ -r "/$p" ]; then
        echo "/$p"
    else
        echo "corpus.sh: /$p is missing (scripts/deps.sh --corpus installs it)" >&2
        missing=1
    fi
done
exit $missing
