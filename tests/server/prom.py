#!/usr/bin/env python3
"""prom.py -- a strict reader of Prometheus's text exposition format 0.0.4,
for the tests of GET /metrics (written from the format's description, not
from bulwark's code). `prom.py FILE` checks FILE and prints each sample as
one line, `NAME{k="v",...} VALUE`, labels sorted by name; it exits 1 with
the reason when FILE breaks the format:

  - a line is `# HELP NAME TEXT`, `# TYPE NAME TYPE`, another comment, or a
    sample `NAME[{LABELS}] VALUE [TIMESTAMP]`; names match
    [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*, label
    values are "quoted" with only \\\\, \\" and \\n escapes;
  - a family has at most one HELP and one TYPE, given before its samples,
    its samples are together, TYPE is counter, gauge, histogram, summary or
    untyped; a counter's name ends in _total;
  - a histogram's samples are NAME_bucket (with le), NAME_sum, NAME_count;
    for each label set the buckets are in increasing le, cumulative
    (never decreasing), end with le="+Inf", and +Inf equals NAME_count;
  - no series appears twice; the text ends with a newline.
"""
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def fail(lineno, why):
    print("prom.py: line %d: %s" % (lineno, why), file=sys.stderr)
    sys.exit(1)


def parse_labels(s, lineno):
    """{k="v",...} -> list of (k, v); s starts after '{'. Returns (labels, rest)."""
    labels, i = [], 0
    while True:
        if s[i:i + 1] == "}":
            return labels, s[i + 1:]
        m = re.match(LABEL, s[i:])
        if not m:
            fail(lineno, "bad label name at %r" % s[i:])
        key = m.group(0)
        i += len(key)
        if s[i:i + 2] != '="':
            fail(lineno, "label %s without =\"" % key)
        i += 2
        val = []
        while True:
            if i >= len(s):
                fail(lineno, "unterminated label value")
            c = s[i]
            if c == "\\":
                nxt = s[i + 1:i + 2]
                if nxt not in ("\\", '"', "n"):
                    fail(lineno, "bad escape \\%s in a label value" % nxt)
                val.append("\n" if nxt == "n" else nxt)
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                fail(lineno, "newline in a label value")
            else:
                val.append(c)
                i += 1
        if key in dict(labels):
            fail(lineno, "label %s twice" % key)
        labels.append((key, "".join(val)))
        if s[i:i + 1] == ",":
            i += 1
        elif s[i:i + 1] != "}":
            fail(lineno, "expected , or } after a label")


def parse_value(v, lineno):
    if v in ("+Inf", "-Inf", "NaN"):
        return float(v.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", v):
        fail(lineno, "bad value %r" % v)
    return float(v)


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[:-len(suffix)] if name.endswith(suffix) else None
        if base and types.get(base) in ("histogram", "summary"):
            return base
    return name


def main(path):
    text = open(path, encoding="utf-8").read()
    if text and not text.endswith("\n"):
        fail(text.count("\n") + 1, "the text does not end with a newline")
    helps, types, seen_samples, done = {}, {}, set(), set()
    series, order, current = {}, [], None
    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("#"):
            m = re.fullmatch(r"# (HELP|TYPE) (%s) ?(.*)" % NAME, line)
            if not m:
                continue  # another comment
            kind, name, rest = m.groups()
            if name in seen_samples:
                fail(lineno, "%s %s after its samples" % (kind, name))
            table = helps if kind == "HELP" else types
            if name in table:
                fail(lineno, "a second %s for %s" % (kind, name))
            if kind == "TYPE":
                if rest not in TYPES:
                    fail(lineno, "unknown type %r" % rest)
                if rest == "counter" and not name.endswith("_total"):
                    fail(lineno, "counter %s does not end in _total" % name)
            table[name] = rest
            continue
        if not line.strip():
            fail(lineno, "an empty line")
        m = re.match(NAME, line)
        if not m:
            fail(lineno, "bad metric name")
        name, rest = m.group(0), line[m.end():]
        labels = []
        if rest.startswith("{"):
            labels, rest = parse_labels(rest[1:], lineno)
        parts = rest.split(" ")
        if len(parts) not in (2, 3) or parts[0] != "":
            fail(lineno, "expected ' VALUE [TIMESTAMP]' after the series, got %r" % rest)
        value = parse_value(parts[1], lineno)
        fam = family_of(name, types)
        if fam != current:
            if fam in done:
                fail(lineno, "the samples of %s are not together" % fam)
            if current:
                done.add(current)
            current = fam
        if fam not in types:
            fail(lineno, "sample %s has no # TYPE before it" % name)
        if fam not in helps:
            fail(lineno, "sample %s has no # HELP before it" % name)
        if types[fam] == "histogram" and name == fam:
            fail(lineno, "a histogram sample must be _bucket, _sum or _count")
        if types[fam] == "histogram" and name.endswith("_bucket") and "le" not in dict(labels):
            fail(lineno, "a _bucket without le")
        seen_samples.add(fam)
        key = name + ("{" + ",".join('%s="%s"' % (k, v.replace("\\", "\\\\").replace('"', '\\"')
                                                  .replace("\n", "\\n"))
                                     for k, v in sorted(labels)) + "}" if labels else "")
        if key in series:
            fail(lineno, "series %s twice" % key)
        series[key] = value
        order.append((lineno, name, fam, labels, value))
    check_histograms(order, types, series)
    for k in series:
        v = series[k]
        print("%s %s" % (k, repr(v) if not v.is_integer() else "%d" % v))


def check_histograms(order, types, series):
    groups = {}
    for lineno, name, fam, labels, value in order:
        if types.get(fam) != "histogram":
            continue
        rest = tuple(sorted((k, v) for k, v in labels if k != "le"))
        g = groups.setdefault((fam, rest), {"buckets": [], "sum": None, "count": None})
        if name == fam + "_bucket":
            le = dict(labels)["le"]
            g["buckets"].append((lineno, parse_value(le, lineno), value))
        elif name == fam + "_sum":
            g["sum"] = value
        elif name == fam + "_count":
            g["count"] = (lineno, value)
    for (fam, rest), g in groups.items():
        b = g["buckets"]
        line = b[0][0] if b else 0
        if not b or not math.isinf(b[-1][1]):
            fail(line, "histogram %s%s does not end with le=\"+Inf\"" % (fam, dict(rest)))
        for (l1, le1, v1), (l2, le2, v2) in zip(b, b[1:]):
            if le2 <= le1:
                fail(l2, "histogram buckets not in increasing le")
            if v2 < v1:
                fail(l2, "histogram buckets not cumulative")
        if g["sum"] is None or g["count"] is None:
            fail(line, "histogram %s%s without _sum or _count" % (fam, dict(rest)))
        if g["count"][1] != b[-1][2]:
            fail(g["count"][0], "_count differs from the +Inf bucket")


if __name__ == "__main__":
    main(sys.argv[1])
