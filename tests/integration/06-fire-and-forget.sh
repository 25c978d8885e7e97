#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Fire-and-forget: with nobody listening procship keeps running and logs refusals rarely; a
# receiver started later gets the events that follow; SIGTERM ends procship with status 0.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

port=$(free_udp_port)
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$port" --syslog-format rfc5424
for i in $(seq 20); do
	exec_marked "procship-it-$$-unheard-$i"
	sleep 0.1
done
procship_alive

start_rsyslogd "$port"
marker=procship-it-$$-heard
exec_marked "$marker"
ev=$(wait_for_exec "$RSYSLOG_OUT" "$marker" 10)
assert_exec_event "$ev" "$marker"
procship_alive

stop_procship
refusals='warning: .*([Cc]onnection refused|ECONNREFUSED|unreachable)'
n=$(grep -Ec "$refusals" "$PROCSHIP_LOG" || true)
[ "$n" -le 5 ] || fail "$n warnings about refused sends: count always, log rarely"
check_own_log "$refusals"
