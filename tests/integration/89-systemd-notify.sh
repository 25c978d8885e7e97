#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# systemd integration (issue 18), checked on a NOTIFY_SOCKET this test listens on: READY=1 with
# the start-up line once BPF is attached (an exec of ours right after it is shipped, after
# agent_init); `procship reload PID` exits 0 around RELOADING=1/READY=1 for a good file, and 1
# with STATUS= naming the file:line for a bad one, procship shipping on with the old one; a
# plain SIGHUP reloads unanswered; a pid that never answers fails after --timeout; STATUS=
# carries the counters; STOPPING=1 at the end. With JOURNAL_STREAM naming its stderr, every log
# line starts with its sd-daemon priority (<6>info:, <4>warning:) and carries no timestamp, and
# a usage error starts with <3>.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
start_rsyslogd
sock=$T/notify.sock
nlog=$T/notify.log
: >"$nlog"
"$PYTHON" "$IT_HELPERS/notify_socket.py" "$sock" "$nlog" --seconds 100 &
lpid=$!
it_on_exit "kill $lpid 2>/dev/null"
for ((i = 0; i < 50; i++)); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "the notification socket $sock did not appear"

cf=$T/procship.yaml
printf 'udp-output-enabled: true\nudp-output-address: 127.0.0.1:%s\n' "$RSYSLOG_PORT" >"$cf"
touch "$T/procship.log"
journal=$(stat -c '%d:%i' "$T/procship.log")
NOTIFY_SOCKET=$sock JOURNAL_STREAM=$journal start_procship --config-file "$cf"
pid=$PROCSHIP_PID
wait_for "$nlog" '^READY=1\|STATUS=ready: [0-9]+ processes in cache, node .*, output udp$' 10 ||
	{ cat "$nlog" >&2; fail "no READY=1 with the start-up status"; }
# READY means attached: an exec started now is recorded, behind agent_init
exec_marked notify-ready
wait_for_exec "$RSYSLOG_OUT" notify-ready 15 >/dev/null
assert_agent_init "$(first_line "$RSYSLOG_OUT")" "127.0.0.1:$RSYSLOG_PORT"

# notifications from byte N of the log on (N: its size, plus one, before the step)
since() { tail -c "+$1" "$nlog"; }
mark() { echo $(($(stat -c %s "$nlog") + 1)); }

# a good file: exit 0, RELOADING=1 (with MONOTONIC_USEC) then READY=1
n=$(mark)
"$PROCSHIP" reload "$pid" >"$T/reload1.out" 2>&1 || { cat "$T/reload1.out" >&2; fail "reload of a good file failed"; }
grep -q "reloaded" "$T/reload1.out" || fail "procship reload said: $(cat "$T/reload1.out")"
wait_after "$nlog" "$n" '^READY=1\|STATUS=[0-9]+ events exported' 15 || fail "no READY=1 after the reload"
since "$n" | head -n1 | grep -Eq '^RELOADING=1\|MONOTONIC_USEC=[0-9]+$' ||
	{ since "$n" >&2; fail "the reload did not start with RELOADING=1 and MONOTONIC_USEC"; }

# a bad file: exit 1, the reason in STATUS=, the old configuration still shipping
printf 'syslog-format: bogus\n' >>"$cf"
n=$(mark)
status=0
"$PROCSHIP" reload "$pid" >"$T/reload2.out" 2>&1 || status=$?
[ "$status" -eq 1 ] || { cat "$T/reload2.out" >&2; fail "reload of a bad file: exit $status, want 1"; }
grep -q "refused the new configuration" "$T/reload2.out" ||
	fail "procship reload said: $(cat "$T/reload2.out")"
wait_after "$nlog" "$n" "^READY=1\|STATUS=reload refused: $cf:3: syslog-format: unknown name 'bogus'" 15 ||
	{ since "$n" >&2; fail "no STATUS= naming the refused file and line"; }
procship_alive
exec_marked notify-kept
wait_for_exec "$RSYSLOG_OUT" notify-kept 15 >/dev/null

# a plain SIGHUP still reloads, unanswered
sed -i '/bogus/d' "$cf"
n=$(mark)
kill -HUP "$pid"
wait_after "$nlog" "$n" '^READY=1\|STATUS=[0-9]+ events exported' 15 || fail "no READY=1 after kill -HUP"
[ "$(since "$n" | grep -c '^RELOADING=1')" -eq 1 ] || fail "kill -HUP: not one RELOADING=1"

# a process that never answers: exit 1 after --timeout, naming it
bash -c 'trap "" HUP; exec sleep 30' &
deaf=$!
it_on_exit "kill $deaf 2>/dev/null"
sleep 0.2
status=0
timeout 20 "$PROCSHIP" reload --timeout 2 "$deaf" >"$T/reload3.out" 2>&1 || status=$?
[ "$status" -eq 1 ] || { cat "$T/reload3.out" >&2; fail "reload of a deaf process: exit $status, want 1"; }
grep -q "no answer from process $deaf within 2 s" "$T/reload3.out" ||
	fail "procship reload said: $(cat "$T/reload3.out")"
status=0
"$PROCSHIP" reload 1x >"$T/reload4.out" 2>&1 || status=$?
[ "$status" -eq 2 ] && grep -q "'1x' is not a process id" "$T/reload4.out" ||
	fail "reload 1x: exit $status: $(cat "$T/reload4.out")"

# counters every 10 s
wait_for "$nlog" '^STATUS=[0-9]+ events exported, [0-9]+ dropped, [0-9]+ processes in cache$' 15 ||
	{ tail -n 5 "$nlog" >&2; fail "no STATUS= with counters within 15 s"; }

stop_procship
wait_for "$nlog" '^STOPPING=1$' 5 || fail "no STOPPING=1 at exit"

# the journal's view of stderr: priorities, no timestamps
log=$(procship_run_log)
grep -q '^<6>info: ready: ' <<<"$log" || fail "no '<6>info: ready' line: $(head -n 3 <<<"$log")"
grep -q "^<4>warning: reload: $cf:3: syslog-format" <<<"$log" ||
	fail "the refused reload is not a <4>warning: line"
bad=$(grep -Ev '^<[3-7]>(fatal|warning|info|debug): ' <<<"$log" || true)
[ -z "$bad" ] || fail "log lines without an sd-daemon prefix: $bad"
check_own_log "reload: $cf:3: syslog-format"

# a usage error, written before logging starts, carries its priority too
touch "$T/usage.err"
status=0
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/usage.err") "$PROCSHIP" --no-such-flag 2>>"$T/usage.err" ||
	status=$?
[ "$status" -eq 2 ] && grep -q "^<3>procship: unknown option '--no-such-flag'" "$T/usage.err" ||
	fail "usage error under the journal: exit $status, $(cat "$T/usage.err")"
