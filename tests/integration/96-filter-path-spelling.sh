#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The spelling of a binary's path does not evade binary_regex (issue 20, item 6; procship.8
# FILTERS and SECURITY): /usr/bin/id run as /usr/bin//id, //usr/bin/id, /usr/./bin/id,
# /usr/lib/../bin/id and /usr/bin/../bin/./id is matched as /usr/bin/id,
# by an allowlist ^/usr/bin/id$ (every spelling exported) and by a denylist of the same
# (every spelling dropped, while /usr/bin/true next to them passes).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-sp
spellings=(/usr/bin/id /usr/bin//id //usr/bin/id /usr/./bin/id /usr/lib/../bin/id
	/usr/bin/../bin/./id)
# run_spellings: each spelling once, with the marker and its index as arguments.
run_spellings()
{
	local i
	for i in "${!spellings[@]}"; do
		run_marked "$T/id.pid" "${spellings[$i]}" "$m" "$i" >/dev/null
	done
	run_marked "$T/true.pid" /usr/bin/true "$m" true
	sleep 1
}
cnt() { json_count "$1" '"process_exec" in j and P["arguments"] == m + " " + a' m="$m" a="$2"; }

start_procship --export-allowlist '{"binary_regex":["^/usr/bin/id$"]}'
run_spellings
stop_procship
procship_run_out "$T/allow.out"
for i in "${!spellings[@]}"; do
	[ "$(cnt "$T/allow.out" "$i")" -eq 1 ] ||
		fail "allowlist: ${spellings[$i]} was not matched as /usr/bin/id"
done
[ "$(cnt "$T/allow.out" true)" -eq 0 ] || fail "allowlist: /usr/bin/true passed"

start_procship --export-allowlist "$(marker_filter "$m")" \
	--export-denylist '{"binary_regex":["^/usr/bin/id$"]}'
run_spellings
stop_procship
procship_run_out "$T/deny.out"
for i in "${!spellings[@]}"; do
	[ "$(cnt "$T/deny.out" "$i")" -eq 0 ] ||
		fail "denylist: ${spellings[$i]} evaded ^/usr/bin/id$"
done
[ "$(cnt "$T/deny.out" true)" -eq 1 ] || fail "denylist: /usr/bin/true was dropped"
check_own_log
