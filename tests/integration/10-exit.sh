#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# process_exit: the exit code in "status", a killing signal by name in "signal", zero values
# left out.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start_procship
exit_event()
{
	wait_for_exit "$PROCSHIP_OUT" "$(cat "$T/$1.pid")" 'f in P.get("arguments", "")' 10 f="$T/$1.pid"
}

marker=procship-it-$$-exit3
run_marked "$T/$marker.pid" /usr/bin/sh -c 'exit 3'
ev=$(exit_event "$marker")
assert_json "$ev" 'sorted(j) == ["node_name", "process_exit", "time"]'
assert_json "$ev" 'j["process_exit"]["status"] == 3'
assert_json "$ev" '"signal" not in j["process_exit"]'
assert_json "$ev" 'j["process_exit"]["process"]["binary"] == "/usr/bin/sh"'

marker=procship-it-$$-exit0
exec_marked "$marker"
ev=$(exit_event "$marker")
assert_json "$ev" '"status" not in j["process_exit"] and "signal" not in j["process_exit"]'
assert_json "$ev" 'j["process_exit"]["process"]["arguments"] == args' args="$marker \"two words\""

marker=procship-it-$$-killed
(cd "$T" && exec /bin/sh -c 'echo $$ >"$0"; exec /usr/bin/sleep 30' "$T/$marker.pid") &
sleeper=$!
wait_for "$T/$marker.pid" '^[0-9]+$' 10
wait_for_json "$PROCSHIP_OUT" \
	'j["process_exec"]["process"]["pid"] == int(pid) and j["process_exec"]["process"]["binary"] == "/usr/bin/sleep"' \
	10 pid="$(cat "$T/$marker.pid")" >/dev/null
kill -KILL "$sleeper"
wait "$sleeper" || true
ev=$(exit_event "$marker")
assert_json "$ev" 'j["process_exit"]["signal"] == "SIGKILL"'
assert_json "$ev" '"status" not in j["process_exit"]'
assert_json "$ev" 're.fullmatch(rfc3339, j["process_exit"]["time"])' rfc3339="$RFC3339_Z"

stop_procship
check_own_log
