#!/usr/bin/env bash
# stream_limit.sh -- max_stream_bytes: a file over max_file_bytes is still
# digested to its end (its MD5 is that of md5sum), up to max_stream_bytes;
# beyond that the error names the limit and carries no digests. An endless
# stdin therefore ends.
. "$(dirname "$0")/../lib.sh"; bw_setup hash_stream_limit
cd "$T" || exit 1
head -c 3000 /dev/urandom >small.bin; head -c 10000 /dev/urandom >big.bin
"$BULWARK" hash --json --limit max_file_bytes=1K --limit max_stream_bytes=4K small.bin big.bin >o.jsonl 2>/dev/null; rc=$?
check "exit 1: both over max_file_bytes" '[ $rc -eq 1 ]'
check "under max_stream_bytes: the digests of the whole file" \
    '[ "$(jq -r "select(.path==\"small.bin\") | .md5" o.jsonl)" = "$(md5sum small.bin | cut -c1-32)" ]'
check "over max_stream_bytes: the error names it" \
    '[[ "$(jq -r "select(.path==\"big.bin\") | .error" o.jsonl)" == *max_file_bytes* ]] || [[ "$(jq -r "select(.path==\"big.bin\") | .error" o.jsonl)" == *max_stream_bytes* ]]'
check "over max_stream_bytes: no digests" '[ "$(jq -r "select(.path==\"big.bin\") | .md5 // \"none\"" o.jsonl)" = none ]'
printf '%032d\n' 0 >none.txt && "$BULWARK" lists import none none.txt >/dev/null
timeout 30 "$BULWARK" scan --json --limit max_file_bytes=1M --limit max_stream_bytes=8M - </dev/zero >z.jsonl 2>/dev/null; rc=$?
check "scan of an endless stdin ends (exit 1, not killed: $rc)" '[ $rc -eq 1 ]'
check "... naming max_stream_bytes" 'grep -q max_stream_bytes z.jsonl'
bw_finish
