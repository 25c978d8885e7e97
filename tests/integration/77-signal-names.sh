#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# process_exit "signal" as Tetragon v1.7.0 names it (issue 14): Go's unix.SignalName of the
# killing signal, so SIGIO for 29 and SIGPWR for 30 (glibc's name for 29 is SIGPOLL), and no
# name at all for a real-time signal: such an exit has neither "signal" nor "status". Real
# sleeps (a copy named after this run, which the allowlist keeps), killed by real signals once
# their exec was seen; procship getevents -o compact shows the same.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-sig
sleeper_bin=$T/$m-sleep
cp /usr/bin/sleep "$sleeper_bin"
start_procship --export-allowlist "{\"binary_regex\":[\"/$m-sleep\$\"]}"

# killed SIGNAL NAME: a sleep killed by SIGNAL (kill's spelling) after procship reported its
# exec; its exit event goes to $T/NAME.exit.
killed()
{
	local sig=$1 name=$2 pid sleeper
	(cd "$T" && exec /bin/sh -c 'echo $$ >"$0"; exec "$1" 30' "$T/$name.pid" "$sleeper_bin") &
	sleeper=$!
	wait_for "$T/$name.pid" '^[0-9]+$' 10
	pid=$(cat "$T/$name.pid")
	wait_for_json "$PROCSHIP_OUT" \
		'j["process_exec"]["process"]["pid"] == int(pid) and P["binary"] == b' \
		10 pid="$pid" b="$sleeper_bin" >/dev/null
	kill -s "$sig" "$sleeper"
	wait "$sleeper" || true
	wait_for_json "$PROCSHIP_OUT" 'j["process_exit"]["process"]["pid"] == int(pid)' 10 \
		pid="$pid" >"$T/$name.exit"
}

killed IO io
assert_json "$(cat "$T/io.exit")" 'j["process_exit"]["signal"] == "SIGIO"'
assert_json "$(cat "$T/io.exit")" '"status" not in j["process_exit"]'
killed PWR pwr
assert_json "$(cat "$T/pwr.exit")" 'j["process_exit"]["signal"] == "SIGPWR"'
killed STKFLT stkflt
assert_json "$(cat "$T/stkflt.exit")" 'j["process_exit"]["signal"] == "SIGSTKFLT"'
killed SYS sys
assert_json "$(cat "$T/sys.exit")" 'j["process_exit"]["signal"] == "SIGSYS"'
# Real-time signals: SIGRTMIN (34 with glibc), one above it, SIGRTMAX (64): no name.
for sig in RTMIN RTMIN+3 RTMAX; do
	killed "$sig" "rt-$sig"
	ev=$(cat "$T/rt-$sig.exit")
	assert_json "$ev" '"signal" not in j["process_exit"] and "status" not in j["process_exit"]'
	assert_json "$ev" 'P["binary"] == b' b="$sleeper_bin"
done
stop_procship

# The compact lines: the signal's name, else tetra's status 0.
"$PROCSHIP" getevents -o compact --color never "$PROCSHIP_OUT" >"$T/compact" 2>"$T/compact.err" ||
	{ cat "$T/compact.err" >&2; fail "procship getevents failed"; }
grep -q "exit    [^ ]* $sleeper_bin 30 SIGIO\$" "$T/compact" || fail "no SIGIO exit line: $(cat "$T/compact")"
n=$(grep -c "^.*exit    [^ ]* $sleeper_bin 30 0\$" "$T/compact" || true)
[ "$n" -eq 3 ] || fail "$n real-time exit lines ending in status 0, want 3: $(cat "$T/compact")"
all_json "$PROCSHIP_OUT"
check_own_log
