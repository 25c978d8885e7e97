#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A child that exits without exec'ing is reported as Tetragon reports it: its parent's copy
# (binary, arguments, uid), with the flag its clone records carry ("execve") and refcnt 1.
# On a cgroup v1 or hybrid host the container id comes from the v1 hierarchy Tetragon reads
# (memory, else pids, else cpuset) with its length rule: a name whose part after the last '-'
# has 64 characters gives its first 31, for an exec and for a process the /proc scan finds;
# a 32-character name gives none on an exec.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

id=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
v1=
for c in memory pids cpuset; do
	if grep -qE "^$c[[:space:]]+[1-9][0-9]*[[:space:]].*1$" /proc/cgroups &&
		[ -d "/sys/fs/cgroup/$c" ] && [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
		v1=/sys/fs/cgroup/$c
		break
	fi
done
[ -n "$v1" ] || fail "no cgroup v1 memory, pids or cpuset hierarchy at /sys/fs/cgroup: this scenario needs a v1 or hybrid host"
base=$v1/procship-it-$$
mkdir -p "$base/docker-$id.scope" "$base/short-0123456789abcdef0123456789abcdef"
it_on_exit "rmdir '$base/docker-$id.scope' '$base/short-0123456789abcdef0123456789abcdef' '$base' 2>/dev/null || true"
m=procship-it-$$-fork76
mkfifo "$T/go"
# a process in the container cgroup before procship starts
/bin/sh -c 'echo $$ >"$1/cgroup.procs"; read x <"$0"; while :; do read x <"$0"; done' \
	"$T/go" "$base/docker-$id.scope" &
old=$!
for ((i = 0; i < 100; i++)); do
	grep -q "docker-$id" "/proc/$old/cgroup" && break
	sleep 0.1
done
start_procship

# the fork-only child: a subshell that exits with status 3 without exec'ing
(echo "$BASHPID" >"$T/sub.pid"; exit 3) || true
sub=$(cat "$T/sub.pid")
# its parent, this shell, tells it from another process that had its pid before
ex=$(wait_for_json "$PROCSHIP_OUT" 'P["pid"] == int(pid) and "process_exit" in j and j["process_exit"]["parent"]["pid"] == int(me)' 10 pid="$sub" me="$$")
assert_json "$ex" 'P["flags"] == "execve" and P["refcnt"] == 1 and P["in_init_tree"] is False'
assert_json "$ex" 'j["process_exit"]["status"] == 3'
assert_json "$ex" 'P["binary"] == j["process_exit"]["parent"]["binary"]'
assert_json "$ex" 'P["parent_exec_id"] == j["process_exit"]["parent"]["exec_id"]'
assert_json "$ex" 'j["process_exit"]["parent"]["pid"] == int(pid)' pid="$$"
assert_json "$ex" '"refcnt" not in j["process_exit"]["parent"]'

# execs in the container cgroup, and in a 32-character one
(echo "$BASHPID" >"$base/docker-$id.scope/cgroup.procs" && exec /usr/bin/true "$m-in") ||
	fail "could not exec in $base/docker-$id.scope"
(echo "$BASHPID" >"$base/short-0123456789abcdef0123456789abcdef/cgroup.procs" &&
	exec /usr/bin/true "$m-short") || fail "could not exec in the short cgroup"
ev=$(wait_for_exec "$PROCSHIP_OUT" "$m-in" 10)
assert_json "$ev" 'P["docker"] == want' want="${id:0:31}"
ev=$(wait_for_exec "$PROCSHIP_OUT" "$m-short" 10)
assert_json "$ev" '"docker" not in P'
scanned=$(wait_for_json "$PROCSHIP_OUT" 'P["pid"] == int(pid) and "process_exec" in j' 10 pid="$old")
assert_json "$scanned" 'P["docker"] == want and P["flags"] == "procFS"' want="${id:0:31}"

kill -KILL "$old"
wait "$old" || true
stop_procship
check_own_log
