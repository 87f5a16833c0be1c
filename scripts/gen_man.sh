#!/bin/sh
# scripts/gen_man.sh BULWARK > docs/bulwark.1 -- the manual page. Each
# verb's section comes from its option table, as its --help does
# (`bulwark VERB --help-man`, src/cli/opts.c), so the two never disagree.
# Re-run it whenever a verb's options change (tests/cli/man.sh checks it
# is current).
set -eu
bw=$1
ver=$("$bw" --version | cut -d' ' -f2)
cat <<EOF2
.TH BULWARK 1 "" "bulwark $ver" "User Commands"
.SH NAME
bulwark \\- find, block and report child sexual abuse material by hash
.SH SYNOPSIS
.B bulwark
.I VERB
[\\fIOPTIONS\\fR] [\\fIARGS\\fR...]
.br
.B bulwark
\\-\\-version | \\-\\-help |
.I VERB
\\-\\-help
.SH DESCRIPTION
bulwark hashes images the way the hotlines' shared hash lists expect (PDQ, MD5, SHA\\-1,
SHA\\-256), matches them against those lists, refuses generator prompts that ask for sexual
content of minors, and reads the provenance marks (C2PA, generator metadata, invisible
watermarks) that tell AI\\-made images from photographs. Nothing it scans is stored: it keeps
hashes, never content.
.PP
With \\fB\\-\\-json\\fR, standard output is JSON Lines, one object per input; diagnostics
and progress go to standard error.
EOF2
for verb in hash lists match scan cluster prompt provenance serve; do
    echo ".SH $(echo "$verb" | tr a-z A-Z)"
    "$bw" "$verb" --help-man
done
cat <<'EOF2'
.SH EXIT STATUS
.TP
.B 0
all inputs processed
.TP
.B 1
some inputs failed; each is reported
.TP
.B 2
usage or configuration error; nothing done
.TP
.B 3
only with \-\-fail\-on\-match (or prompt's \-\-fail\-on\-block): something matched
.SH ENVIRONMENT
.TP
.B BULWARK_DB
the store (SQLite) when \-\-db is not given
.TP
.B XDG_DATA_HOME
the store is $XDG_DATA_HOME/bulwark/bulwark.db when neither is set, else
~/.local/share/bulwark/bulwark.db
.SH SEE ALSO
The limits on untrusted input and their options: docs/limits.md. The design: docs/design.md.
EOF2
