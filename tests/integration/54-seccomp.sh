#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 20 item 8: the seccomp allowlist is on by default in every thread (Seccomp 2 and
# NoNewPrivs 1 in /proc/PID/task/*/status), as root and with --user (a test user, created and
# removed here), and every normal path still works under it: UDP to a name, export rotation
# with compression, the metrics file, SIGUSR1, a SIGHUP reload that changes the destination,
# the export file and the filters, a unix-socket text input, standard input to its end, exit
# status 0 and no "seccomp:" line. That a call outside the list is refused (SIGSYS with a
# line naming it, or EPERM) is tests/unit/test_sandbox.c's, on the same table. A bad
# --seccomp value is a usage error.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
status=0
"$PROCSHIP" --seccomp bogus >/dev/null 2>"$T/bad.err" || status=$?
[ "$status" -eq 2 ] && grep -q 'seccomp' "$T/bad.err" ||
	fail "--seccomp bogus: status $status, $(cat "$T/bad.err")"

u=psit$$
add_test_user "$u"
W=$(mktemp -d /tmp/procship-it-54.XXXXXX)
it_on_exit "rm -rf '$W'"
chmod 0755 "$W"
start_counter a
start_counter b
m=procship-it-$$-scmp

# check_threads PID UID: every thread under the filter, without privileges
check_threads()
{
	local t v n=0
	for t in /proc/"$1"/task/*; do
		v=$(awk '$1 == "Seccomp:" { print $2 }' "$t/status")
		[ "$v" = 2 ] || fail "thread ${t##*/}: Seccomp $v, want 2 (filter)"
		v=$(awk '$1 == "NoNewPrivs:" { print $2 }' "$t/status")
		[ "$v" = 1 ] || fail "thread ${t##*/}: NoNewPrivs $v"
		v=$(awk '$1 == "CapEff:" { print $2 }' "$t/status")
		[ "$v" = 0000000000000000 ] || fail "thread ${t##*/}: CapEff $v"
		v=$(awk '$1 == "Uid:" { print $2 }' "$t/status")
		[ "$v" = "$2" ] || fail "thread ${t##*/}: uid $v, want $2"
		n=$((n + 1))
	done
	info "$n threads of $1 under the filter as uid $2"
}

# run_paths USER_ARGS...: one run through every path, as root or as --user
run_paths()
{
	local name=$1 dir=$W/run$1 uid=$2
	shift 2
	mkdir -m 0755 "$dir" "$dir/exp"
	[ "$uid" = 0 ] || chown "$u:" "$dir" "$dir/exp"
	printf 'udp-output-enabled: true\nudp-output-address: localhost:%s\nsyslog-format: json\n' \
		"${CNT_PORT[a]}" >"$dir/conf.yaml"
	chmod 0644 "$dir/conf.yaml"
	start_procship "$@" --config-file "$dir/conf.yaml" --export-filename "$dir/exp/events.json" \
		--export-file-max-size-mb 1 --export-file-max-backups 2 --export-file-compress \
		--metrics-file "$dir/p.prom" --metrics-interval 1 --input-unix "$dir/log.sock" \
		--export-allowlist "$(marker_filter "$m")"
	check_threads "$PROCSHIP_PID" "$uid"
	timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$m-$name-$(printf 'y%.0s' {1..4000})" 300 4 30 \
		>/dev/null || fail "the exec driver failed"
	logger -u "$dir/log.sock" "sshd[1]: $m-$name text input"
	kill -USR1 "$PROCSHIP_PID"
	wait_for "$dir/exp/events.json" "$m-$name text input" 10
	printf 'udp-output-enabled: true\nudp-output-address: 127.0.0.1:%s\nsyslog-format: json\n' \
		"${CNT_PORT[b]}" >"$dir/conf.yaml"
	procship_signal HUP 'reload: configuration read again' 10
	exec_marked "$m-$name-after"
	for ((i = 0; i < 50; i++)); do grep -qF "$m-$name-after" "${CNT_OUT[b]}" && break; sleep 0.1; done
	grep -qF "$m-$name-after" "${CNT_OUT[b]}" || fail "no event at the new destination after a reload"
	sleep 1.5
	check_threads "$PROCSHIP_PID" "$uid"
	procship_alive
	stop_procship
	[ "$(metric "$dir/p.prom" procship_export_file_rotations_total)" -ge 1 ] ||
		fail "no rotation: the compression path was not exercised"
	ls "$dir/exp" | grep -q '\.json\.gz$' || fail "no compressed backup"
	grep -qF "$m-$name-y" "${CNT_OUT[a]}" || fail "no event reached localhost"
	! procship_run_log | grep -F 'seccomp: system call' || fail "a system call was refused"
}
run_paths root 0
run_paths user "$(id -u "$u")" --user "$u"

# standard input, to its end
printf '%s stdin line %d\n' "$m" 1 "$m" 2 >"$T/lines"
status=0
timeout 20 "$PROCSHIP" --process-events=false --input-stdin --udp-output-enabled \
	--udp-output-address "127.0.0.1:${CNT_PORT[b]}" <"$T/lines" >/dev/null 2>"$T/stdin.err" ||
	status=$?
[ "$status" -eq 0 ] || { show_tail "$T/stdin.err"; fail "--input-stdin under the filter: status $status"; }
grep -q 'seccomp: system-call allowlist installed' "$T/stdin.err" || fail "no filter with --input-stdin"
for ((i = 0; i < 30; i++)); do grep -qF "$m stdin line 2" "${CNT_OUT[b]}" && break; sleep 0.1; done
grep -qF "$m stdin line 2" "${CNT_OUT[b]}" || fail "standard input's lines did not arrive"
stop_counter a
stop_counter b
check_own_log 'records dropped \(ringbuf_full'
