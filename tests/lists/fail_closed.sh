#!/usr/bin/env bash
# fail_closed.sh -- a wrong store fails closed (issue 20, item 4): a verb
# that matches against lists refuses a store that does not exist or holds
# no lists (exit 2, naming the path) unless --allow-empty, so a typo in
# --db or $BULWARK_DB can never turn --fail-on-match into a silent pass;
# only `lists import` creates a store, and nothing creates directories but
# the default data directory.
. "$(dirname "$0")/../lib.sh"; bw_setup lists_fail_closed
cd "$T" || exit 1
img="$SAMPLES/rings.png"
md5sum "$img" | cut -c1-32 >listed.txt

# scan and match against a store that does not exist
"$BULWARK" scan --fail-on-match --db typo.sqlite "$img" >out 2>err; rc=$?
check "scan --db typo: exit 2 (got $rc)" '[ $rc -eq 2 ]'
check "scan --db typo: the message names the path" 'grep -q "typo.sqlite" err'
check "scan --db typo: no store created" '[ ! -e typo.sqlite ]'
check "scan --db typo: no records written" '[ ! -s out ]'
BULWARK_DB="$T/typo-env.db" "$BULWARK" scan --fail-on-match --json "$img" >/dev/null 2>err; rc=$?
check "scan with \$BULWARK_DB naming a missing store: exit 2" '[ $rc -eq 2 ] && grep -q "typo-env.db" err && [ ! -e typo-env.db ]'
"$BULWARK" match --db typo.sqlite "$img" >/dev/null 2>err; rc=$?
check "match --db typo: exit 2, named, not created" '[ $rc -eq 2 ] && grep -q typo.sqlite err && [ ! -e typo.sqlite ]'
"$BULWARK" scan - --db typo.sqlite <"$img" >/dev/null 2>&1; rc=$?
check "scan of stdin with a missing store: exit 2" '[ $rc -eq 2 ]'
# the default location, not created yet
env -u BULWARK_DB XDG_DATA_HOME="$T/xdg" "$BULWARK" scan --fail-on-match "$img" >/dev/null 2>err; rc=$?
check "scan with no store at the default location: exit 2" '[ $rc -eq 2 ] && grep -q "xdg/bulwark/bulwark.db" err'
check "... and its directory was not created" '[ ! -e xdg ]'

# lists ls/export/rm never create a store or a directory
for sub in "ls" "export k" "rm k"; do
    "$BULWARK" lists $sub --db $T/nonexistent/dir/x.db >/dev/null 2>err; rc=$?
    check "lists $sub on a missing store: exit 2 naming it" '[ $rc -eq 2 ] && grep -q "$T/nonexistent/dir/x.db" err'
done
check "no directory created" '[ ! -e "$T/nonexistent" ]'
"$BULWARK" lists import k listed.txt --db "$T/no/such/dir/x.db" >/dev/null 2>err; rc=$?
check "lists import into a directory that does not exist fails" '[ $rc -ne 0 ] && [ ! -e "$T/no" ]'
env -u BULWARK_DB XDG_DATA_HOME="$T/xdg" "$BULWARK" lists import k listed.txt >/dev/null 2>&1; rc=$?
check "lists import creates the default store and its directory" '[ $rc -eq 0 ] && [ -s xdg/bulwark/bulwark.db ]'

# a store that exists but holds no lists
"$BULWARK" lists import k listed.txt --db empty.db >/dev/null
"$BULWARK" lists rm k --db empty.db >/dev/null
"$BULWARK" scan --fail-on-match --db empty.db "$img" >/dev/null 2>err; rc=$?
check "scan against a store with no lists: exit 2 naming it" '[ $rc -eq 2 ] && grep -q "empty.db" err && grep -q "no lists" err'
"$BULWARK" match --db empty.db "$img" >/dev/null 2>err; rc=$?
check "match against a store with no lists: exit 2" '[ $rc -eq 2 ]'
"$BULWARK" lists ls --db empty.db >ls.out 2>&1; rc=$?
check "lists ls of an existing empty store: exit 0, nothing listed" '[ $rc -eq 0 ] && [ ! -s ls.out ]'
# --allow-empty: as asked, run with nothing to match against
"$BULWARK" scan --allow-empty --fail-on-match --json --db empty.db "$img" >ae.jsonl 2>/dev/null; rc=$?
check "scan --allow-empty on an empty store: exit 0 and the record" '[ $rc -eq 0 ] && [ "$(jq -r .kind ae.jsonl)" = image ]'
"$BULWARK" scan --allow-empty --json --db typo.sqlite "$img" >/dev/null 2>&1; rc=$?
check "scan --allow-empty on a missing store: exit 0, still not created" '[ $rc -eq 0 ] && [ ! -e typo.sqlite ]'
"$BULWARK" match --allow-empty --json --db typo.sqlite "$img" >m.jsonl 2>/dev/null; rc=$?
check "match --allow-empty: exit 0, no matches" '[ $rc -eq 0 ] && [ "$(jq -c .matches m.jsonl)" = "[]" ]'

# a file that is not a store
printf 'not sqlite at all, but long enough to look like a file header.....\n' >junk.db
"$BULWARK" scan --fail-on-match --db junk.db "$img" >/dev/null 2>err; rc=$?
check "scan against a file that is not a store: exit 2 naming it" '[ $rc -eq 2 ] && grep -q "junk.db" err'
# a named list that does not exist
"$BULWARK" lists import real listed.txt --db good.db >/dev/null
"$BULWARK" scan --fail-on-match --db good.db --list nosuch "$img" >/dev/null 2>err; rc=$?
check "scan --list of a missing list: exit 2 naming it" '[ $rc -eq 2 ] && grep -q nosuch err'
# and the right store still matches
"$BULWARK" scan --fail-on-match --db good.db "$img" >/dev/null 2>&1; rc=$?
check "the right store: exit 3 on the listed file" '[ $rc -eq 3 ]'
bw_finish
