#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A process that started before procship (found in /proc at start-up, flags "procFS"): its
# child's exec event has it as parent, and its own exit event has it as process, with a parent
# (this shell, also from /proc). Its exec_id's KTIME is /proc/PID/stat's start time in clock
# ticks x 10^7 ns: Tetragon's fixed CLK_TCK of 100, whatever the host's.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-procfs
start_waiting_sh "$T/go" "$m-child"
ticks=$(sed 's/.*) //' "/proc/$old/stat" | cut -d' ' -f20)
exe=$(readlink "/proc/$old/exe")
start_procship

# go: open the fifo for writing (bounded: the reader is there)
timeout 10 /bin/sh -c 'echo go >"$0"' "$T/go" || fail "the old process did not read its fifo"
child=$(wait_for_json "$PROCSHIP_OUT" 'j["process_exec"]["process"]["arguments"] == marker' 10 \
	marker="$m-child")
assert_json "$child" 'P["flags"] == "execve clone"'
assert_json "$child" 'j["process_exec"]["parent"]["pid"] == int(pid)' pid="$old"
assert_json "$child" '"procFS" in j["process_exec"]["parent"]["flags"].split()'
assert_json "$child" 'j["process_exec"]["parent"]["binary"] == exe' exe="$exe"
assert_json "$child" 'j["process_exec"]["parent"]["cwd"] == cwd' cwd="$T"
assert_json "$child" 'P["parent_exec_id"] == j["process_exec"]["parent"]["exec_id"]'
assert_json "$child" 'b64d(j["process_exec"]["parent"]["exec_id"]) == "%s:%d:%s" % (j["node_name"], int(ticks) * 10**7, pid)' \
	ticks="$ticks" pid="$old"
assert_json "$child" 're.fullmatch(rfc3339, j["process_exec"]["parent"]["start_time"])' rfc3339="$RFC3339_Z"
old_id=$(json_value "$child" 'j["process_exec"]["parent"]["exec_id"]')
wait_for_json "$PROCSHIP_OUT" 'j["process_exit"]["process"]["arguments"] == marker' 10 \
	marker="$m-child" >/dev/null

kill -KILL "$old"
wait "$old" || true
ev=$(wait_for_json "$PROCSHIP_OUT" 'j["process_exit"]["process"]["pid"] == int(pid)' 10 pid="$old")
assert_json "$ev" 'P["exec_id"] == old_id' old_id="$old_id"
assert_json "$ev" '"procFS" in P["flags"].split()'
assert_json "$ev" 'P["binary"] == exe' exe="$exe"
assert_json "$ev" 'j["process_exit"]["signal"] == "SIGKILL"'
assert_json "$ev" 'j["process_exit"]["parent"]["pid"] == int(pid)' pid="$$"
assert_json "$ev" '"procFS" in j["process_exit"]["parent"]["flags"].split()'
assert_json "$ev" 'P["parent_exec_id"] == j["process_exit"]["parent"]["exec_id"]'
assert_json "$ev" 'j["process_exit"]["parent"]["binary"] == exe' exe="$(readlink /proc/$$/exe)"

stop_procship
check_own_log
