#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A process whose cwd was removed reports it as the kernel's d_path and Tetragon's BPF do: the
# path it had, ending in " (deleted)", no error flag; the same for a process found by the
# start-up /proc scan (readlink gives that text too).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mkdir "$T/old" "$T/new"
mkfifo "$T/go"
# a process started before procship, in a directory removed before the scan
(cd "$T/old" && exec /bin/sh -c 'read x <"$0"; while :; do read x <"$0"; done' "$T/go") &
old=$!
for ((i = 0; i < 100; i++)); do
	[ "$(readlink "/proc/$old/cwd")" != "$T/old" ] || break
	sleep 0.1
done
rmdir "$T/old"
start_procship

m=procship-it-$$-deleted
(cd "$T/new" && rmdir "$T/new" && /usr/bin/true "$m") || fail "could not run in a removed directory"
ev=$(wait_for_exec "$PROCSHIP_OUT" "$m" 10)
assert_json "$ev" 'P["cwd"] == want' want="$T/new (deleted)"
assert_json "$ev" 'P["flags"] == "execve clone"'
assert_json "$ev" 'P["binary"] == "/usr/bin/true"'
assert_json "$ev" 'j["process_exec"]["parent"]["pid"] == int(pid)' pid="$$"

scanned=$(wait_for_json "$PROCSHIP_OUT" 'P["pid"] == int(pid) and "process_exec" in j' 10 pid="$old")
assert_json "$scanned" 'P["cwd"] == want and P["flags"] == "procFS"' want="$T/old (deleted)"

kill -KILL "$old"
wait "$old" || true
stop_procship
all_json "$PROCSHIP_OUT"
check_own_log
