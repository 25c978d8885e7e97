#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Parents as Tetragon reports them (its event reference, seeds 003: "bash -c curl" execs curl
# without a fork, and curl's parent is that bash, same pid, older exec_id): after a fork+exec
# the parent is the forking process; after an exec without a fork it is the image the pid ran
# before. The exec without a fork gets a new exec_id (same pid, new ktime), no "clone" flag.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start_procship
marker=procship-it-$$-forked
/usr/bin/true "$marker" "two words" &
forked_pid=$!
wait "$forked_pid"
forked=$(wait_for_exec "$PROCSHIP_OUT" "$marker" 10)
assert_json "$forked" 'j["process_exec"]["process"]["pid"] == int(pid)' pid="$forked_pid"
assert_json "$forked" 'j["process_exec"]["process"]["flags"] == "execve clone"'
assert_json "$forked" 'j["process_exec"]["parent"]["pid"] == int(pid)' pid="$$"
shell_exec_id=$(json_value "$forked" 'j["process_exec"]["parent"]["exec_id"]')

marker=procship-it-$$-execd
exec_marked "$marker"
ev=$(wait_for_exec "$PROCSHIP_OUT" "$marker" 10)
sh=$(json_lines_match "$PROCSHIP_OUT" \
	'j["process_exec"]["process"]["pid"] == int(pid) and j["process_exec"]["process"]["binary"] != "/usr/bin/true" and f in P["arguments"]' \
	pid="$(cat "$T/$marker.pid")" f="$T/$marker.pid") || fail "no process_exec event for the sh that exec'd $marker"
assert_json "$sh" 'j["process_exec"]["process"]["flags"] == "execve clone"'
assert_json "$ev" 'j["process_exec"]["process"]["flags"] == "execve"'
assert_json "$ev" 'j["process_exec"]["process"]["exec_id"] != sh_id' \
	sh_id="$(json_value "$sh" 'j["process_exec"]["process"]["exec_id"]')"
sh_id=$(json_value "$sh" 'j["process_exec"]["process"]["exec_id"]')
assert_json "$ev" 'j["process_exec"]["parent"]["pid"] == j["process_exec"]["process"]["pid"]'
assert_json "$ev" 'j["process_exec"]["parent"]["exec_id"] == id' id="$sh_id"
assert_json "$ev" 'j["process_exec"]["process"]["parent_exec_id"] == id' id="$sh_id"
assert_json "$ev" 'j["process_exec"]["parent"]["binary"] == b' \
	b="$(json_value "$sh" 'j["process_exec"]["process"]["binary"]')"
# ... and the sh itself was forked by this test's shell.
assert_json "$sh" 'j["process_exec"]["parent"]["pid"] == int(pid)' pid="$$"
assert_json "$sh" 'j["process_exec"]["process"]["parent_exec_id"] == id' id="$shell_exec_id"

stop_procship
check_own_log
