#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Lineage: this shell forks sh (A), A forks sh (B), B forks true (C). Each exec event's parent
# is the full process object of the level above (same exec_id, pid, binary, arguments, ...),
# parent_exec_id links C -> B -> A -> this shell, and the exit events carry the same chain.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start_procship
m=procship-it-$$-lineage
# "; :" after each command keeps sh from exec'ing its last command: every level forks.
/bin/sh -c "/bin/sh -c '/usr/bin/true $m-C; : $m-B'; : $m-A" || fail "the process tree failed"

# level NAME KIND: the KIND (process_exec/process_exit) event whose arguments hold NAME
level()
{
	wait_for_json "$PROCSHIP_OUT" \
		'kind in j and (P.get("arguments", "").endswith(name + "\"") or P.get("arguments", "") == name)' \
		10 kind="$2" name="$1"
}
A=$(level "$m-A" process_exec)
B=$(level "$m-B" process_exec)
C=$(level "$m-C" process_exec)
assert_json "$A" 'P["binary"] == "/bin/sh" and P["flags"] == "execve clone"'
assert_json "$B" 'P["binary"] == "/bin/sh" and P["flags"] == "execve clone"'
assert_json "$C" 'P["binary"] == "/usr/bin/true" and P["flags"] == "execve clone"'

# child_of CHILD PARENT: CHILD's parent is PARENT's process, field by field
child_of()
{
	local child=$1 parent=$2 key kind=${3:-process_exec}
	assert_json "$child" 'P["parent_exec_id"] == json.loads(p)["process_exec"]["process"]["exec_id"]' p="$parent"
	for key in exec_id pid uid cwd binary arguments flags start_time auid parent_exec_id tid; do
		assert_json "$child" 'j[kind]["parent"].get(k) == json.loads(p)["process_exec"]["process"].get(k)' \
			k="$key" p="$parent" kind="$kind"
	done
}
child_of "$C" "$B"
child_of "$B" "$A"
assert_json "$A" 'j["process_exec"]["parent"]["pid"] == int(pid)' pid="$$"
assert_json "$A" 'P["parent_exec_id"] == j["process_exec"]["parent"]["exec_id"]'
# pids: C's parent is B's pid, distinct processes
assert_json "$C" 'j["process_exec"]["parent"]["pid"] == json.loads(b)["process_exec"]["process"]["pid"] != P["pid"]' b="$B"

# exits, in child-first order, with the same parents
CX=$(level "$m-C" process_exit)
BX=$(level "$m-B" process_exit)
AX=$(level "$m-A" process_exit)
child_of "$CX" "$B" process_exit
child_of "$BX" "$A" process_exit
assert_json "$CX" 'P["exec_id"] == json.loads(e)["process_exec"]["process"]["exec_id"]' e="$C"
assert_json "$BX" 'P["exec_id"] == json.loads(e)["process_exec"]["process"]["exec_id"]' e="$B"
assert_json "$AX" 'P["exec_id"] == json.loads(e)["process_exec"]["process"]["exec_id"]' e="$A"

stop_procship
check_own_log
