#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# process_exit: "status" is the exit code, "signal" the killing signal's name, each omitted
# when zero/none; "time" is when the process exited (after its start_time).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start_procship

# exit_of MARKER: the process_exit event of the process whose pid is in $T/MARKER.pid.
exit_of()
{
	wait_for_exit "$PROCSHIP_OUT" "$(cat "$T/$1.pid")" 'f in P.get("arguments", "")' 10 f="$T/$1.pid"
}
# assert_exit EVENT: the fields every exit event has
assert_exit()
{
	assert_json "$1" 'sorted(j) == ["node_name", "process_exit", "time"]'
	assert_json "$1" 'set(j["process_exit"]) <= {"parent", "process", "signal", "status", "time"}'
	assert_json "$1" 're.fullmatch(rfc3339, j["process_exit"]["time"])' rfc3339="$RFC3339_Z"
	assert_json "$1" 'j["process_exit"]["time"] >= P["start_time"]'
	assert_json "$1" 'j["process_exit"]["time"] == j["time"]'
}

for code in 1 42 255; do
	m=procship-it-$$-exit$code
	run_marked "$T/$m.pid" /bin/sh -c "exit $code" "$m"
	ev=$(exit_of "$m")
	assert_exit "$ev"
	assert_json "$ev" 'j["process_exit"]["status"] == int(code)' code="$code"
	assert_json "$ev" '"signal" not in j["process_exit"]'
done

m=procship-it-$$-exit0
exec_marked "$m"
ev=$(exit_of "$m")
assert_exit "$ev"
assert_json "$ev" '"status" not in j["process_exit"] and "signal" not in j["process_exit"]'
assert_json "$ev" 'P["binary"] == "/usr/bin/true"'

# killed: sleep in the background, killed once its exec was seen
for sig in KILL TERM INT HUP USR1; do
	m=procship-it-$$-sig$sig
	(cd "$T" && exec /bin/sh -c 'echo $$ >"$0"; exec /usr/bin/sleep 30' "$T/$m.pid") &
	sleeper=$!
	wait_for "$T/$m.pid" '^[0-9]+$' 10
	wait_for_json --has "$(cat "$T/$m.pid")" "$PROCSHIP_OUT" \
		'j["process_exec"]["process"]["pid"] == int(pid) and P["binary"] == "/usr/bin/sleep"' \
		10 pid="$(cat "$T/$m.pid")" >/dev/null
	kill -"$sig" "$sleeper"
	wait "$sleeper" || true
	ev=$(exit_of "$m")
	assert_exit "$ev"
	assert_json "$ev" 'j["process_exit"]["signal"] == "SIG" + sig' sig="$sig"
	assert_json "$ev" '"status" not in j["process_exit"]'
	assert_json "$ev" 'P["binary"] == "/usr/bin/sleep"'
done

# an exit code that looks like a signal is still a code
m=procship-it-$$-exit137
run_marked "$T/$m.pid" /bin/sh -c 'exit 137' "$m"
ev=$(exit_of "$m")
assert_json "$ev" 'j["process_exit"]["status"] == 137 and "signal" not in j["process_exit"]'

# a process that kills itself with SIGTERM from inside (exit by its own signal)
m=procship-it-$$-selfterm
run_marked "$T/$m.pid" /bin/sh -c 'kill -TERM $$' "$m"
ev=$(exit_of "$m")
assert_json "$ev" 'j["process_exit"]["signal"] == "SIGTERM" and "status" not in j["process_exit"]'

# a multi-threaded process: one exit event for the thread group, with its status
m=procship-it-$$-threads
run_marked "$T/$m.pid" "$PYTHON" -c '
import os, threading, time
ts = [threading.Thread(target=time.sleep, args=(0.2,)) for _ in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
os._exit(7)' "$m"
ev=$(exit_of "$m")
assert_json "$ev" 'j["process_exit"]["status"] == 7'
sleep 0.5
n=$(json_count "$PROCSHIP_OUT" '"process_exit" in j and P["exec_id"] == e' e="$(json_value "$ev" 'P["exec_id"]')")
[ "$n" -eq 1 ] || fail "$n process_exit events for the 5-thread process $(cat "$T/$m.pid"), expected 1"

stop_procship
check_own_log
