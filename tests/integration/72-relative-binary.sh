#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The cwd is resolved whole up to 4096 bytes, as Tetragon's BPF does, and a binary exec'd by a
# relative path is the cwd joined with it and cleaned as Go's filepath.Join cleans it: from 40
# levels down (about 2.5 KB of cwd) "./prog" and "../prog" name files that exist, and from
# /tmp "../usr/bin/true" is "/usr/bin/true". Past 4096 bytes the cwd is flagged
# errorPathResolutionCwd and the binary stays relative: never a path that does not exist.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

deep=$T
for ((i = 0; i < 40; i++)); do
	deep=$deep/level-$i-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
done
mkdir -p "$deep"
cp /usr/bin/true "$deep/prog"
cp /usr/bin/true "$(dirname "$deep")/prog"
start_procship

# run_in DIR MARKER PROGRAM: exec PROGRAM MARKER in DIR, forked from a shell in DIR
run_in()
{
	(cd "$1" && "$3" "$2") || fail "could not run $3 in $1"
}
ev_of()
{
	wait_for_json "$PROCSHIP_OUT" 'P["arguments"] == marker and "process_exec" in j' 10 marker="$1"
}

m=procship-it-$$-deep
run_in "$deep" "$m" ./prog
ev=$(ev_of "$m")
assert_json "$ev" 'P["cwd"] == want' want="$deep"
assert_json "$ev" 'P["binary"] == want' want="$deep/prog"
assert_json "$ev" 'P["flags"] == "execve clone"'
test -x "$(json_value "$ev" 'P["binary"]')" || fail "the binary reported does not exist"

m=procship-it-$$-deepup
run_in "$deep" "$m" ../prog
ev=$(ev_of "$m")
assert_json "$ev" 'P["binary"] == want' want="$(dirname "$deep")/prog"
test -x "$(json_value "$ev" 'P["binary"]')" || fail "the binary reported does not exist"

m=procship-it-$$-tmpup
run_in /tmp "$m" ../usr/bin/true
ev=$(ev_of "$m")
assert_json "$ev" 'P["binary"] == "/usr/bin/true" and P["cwd"] == "/tmp"'

m=procship-it-$$-dotdotslash
run_in /tmp "$m" ..//usr/./bin/../bin/true
ev=$(ev_of "$m")
assert_json "$ev" 'P["binary"] == "/usr/bin/true"'

# deeper than 4096 bytes: a path too long for one chdir, so walk down in steps
deeper=$deep
for ((i = 0; i < 30; i++)); do
	deeper=$deeper/more-$i-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
done
mkdir -p "$deeper"
m=procship-it-$$-toodeep
(cd "$deep" && cd "${deeper#"$deep"/}" && cp /usr/bin/true prog && ./prog "$m") ||
	fail "could not run ./prog in a cwd of ${#deeper} bytes"
ev=$(ev_of "$m")
assert_json "$ev" 'P["flags"] == "execve clone errorPathResolutionCwd"'
assert_json "$ev" 'len(P["cwd"].encode()) == 4096 and want.endswith(P["cwd"])' want="$deeper"
assert_json "$ev" 'P["binary"] == "prog"'

stop_procship
all_json "$PROCSHIP_OUT"
check_own_log
