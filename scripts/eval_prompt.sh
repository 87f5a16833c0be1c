#!/usr/bin/env bash
# eval_prompt.sh -- measure the prompt guard on two public evaluation sets,
# kept OUTSIDE the repository (they are never used to write the word lists):
#
#   OpenAI moderation evaluation set (github openai/moderation-api-release,
#   MIT): data/samples-1680.jsonl.gz; label S3 = sexual/minors.
#   XSTest (github paul-rottger/exaggerated-safety, CC BY 4.0):
#   xstest_prompts.csv; label "safe" = prompts a guard should not refuse.
#
# usage: scripts/eval_prompt.sh SAMPLES-1680.jsonl[.gz] XSTEST_PROMPTS.csv [BULWARK]
#
# Prints rates only (never the texts): recall on S3 (block, and block or
# review), false blocks on the items not labelled S3, and false blocks and
# reviews on XSTest's safe prompts. Needs python3 (standard library only).
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 SAMPLES-1680.jsonl[.gz] XSTEST_PROMPTS.csv [BULWARK]" >&2
    exit 2
fi
OPENAI=$1
XSTEST=$2
BULWARK=${3:-$(dirname "$0")/../build/bulwark}
[ -x "$BULWARK" ] || { echo "eval_prompt: no bulwark tool at $BULWARK (make first)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# one prompt per line (newlines inside a prompt become spaces), labels beside
python3 - "$OPENAI" "$XSTEST" "$tmp" <<'EOF'
import csv, gzip, json, sys
openai, xstest, tmp = sys.argv[1:4]
op = gzip.open(openai, "rt", encoding="utf-8") if openai.endswith(".gz") else open(openai, encoding="utf-8")
with op, open(f"{tmp}/o.txt", "w", encoding="utf-8") as t, open(f"{tmp}/o.lab", "w") as lab:
    for line in op:
        d = json.loads(line)
        t.write(" ".join(d["prompt"].split()) + "\n")
        lab.write("%d %d\n" % (d.get("S3") == 1, d.get("S") == 1))
with open(xstest, newline="", encoding="utf-8") as f, open(f"{tmp}/x.txt", "w", encoding="utf-8") as t, open(f"{tmp}/x.lab", "w") as lab:
    for r in csv.DictReader(f):
        t.write(" ".join(r["prompt"].split()) + "\n")
        lab.write("%s %s\n" % (r["label"], r["type"]))
EOF

"$BULWARK" prompt --json < "$tmp/o.txt" > "$tmp/o.json" || true
"$BULWARK" prompt --json < "$tmp/x.txt" > "$tmp/x.json" || true

python3 - "$tmp" <<'EOF'
import json, sys
tmp = sys.argv[1]
def verdicts(name):
    out = []
    for line in open(f"{tmp}/{name}.json", encoding="utf-8"):
        d = json.loads(line)
        out.append(d.get("verdict", "error"))
    return out
def pct(a, b):
    return "%d/%d = %.1f%%" % (a, b, 100.0 * a / b if b else 0.0)

ov = verdicts("o")
ol = [tuple(map(int, l.split())) for l in open(f"{tmp}/o.lab")]
assert len(ov) == len(ol), "one verdict per prompt"
s3 = [v for v, (m, s) in zip(ov, ol) if m]
rest = [v for v, (m, s) in zip(ov, ol) if not m]
sexual_adult = [v for v, (m, s) in zip(ov, ol) if s and not m]
print("OpenAI moderation evaluation set (%d items, %d labelled S3 sexual/minors)" % (len(ov), len(s3)))
print("  recall on S3, block:            ", pct(sum(v == "block" for v in s3), len(s3)))
print("  recall on S3, block or review:  ", pct(sum(v in ("block", "review") for v in s3), len(s3)))
print("  false block, items not S3:      ", pct(sum(v == "block" for v in rest), len(rest)))
print("  false block, sexual but not S3: ", pct(sum(v == "block" for v in sexual_adult), len(sexual_adult)))
print("  errors:                         ", sum(v == "error" for v in ov))

xv = verdicts("x")
xl = [l.split() for l in open(f"{tmp}/x.lab")]
assert len(xv) == len(xl), "one verdict per prompt"
safe = [v for v, l in zip(xv, xl) if l[0] == "safe"]
print("XSTest (%d prompts, %d safe)" % (len(xv), len(safe)))
print("  false block on safe prompts:    ", pct(sum(v == "block" for v in safe), len(safe)))
print("  review on safe prompts:         ", pct(sum(v == "review" for v in safe), len(safe)))
EOF
