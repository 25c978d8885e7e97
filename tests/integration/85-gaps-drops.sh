#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Loss a receiver can see: a private rsyslogd with a tiny receive buffer is stopped (SIGSTOP)
# while procship sends a burst of RFC 5424 events, so its kernel socket drops datagrams that
# procship counts as sent. `procship gaps` on the receiver's file then reports exactly as many
# missing sequenceIds as the kernel dropped. A reload continues the numbers (agent_init says
# "sequence_restart":false); a restart begins a new run from 1 (agent_init says true).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
RSYSLOG_IMUDP_OPTS='rcvbufSize="4k"' start_rsyslogd
m=procship-it-$$-85
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$RSYSLOG_PORT" \
	--syslog-format rfc5424 --export-allowlist "$(marker_filter "$m")"
exec_marked "$m-first"
wait_for_exec "$RSYSLOG_OUT" "$m-first" 10 >/dev/null
before=$(udp_socket_drops "$RSYSLOG_PORT")
kill -STOP "$RSYSLOG_PID"
for ((i = 0; i < 300; i++)); do
	/usr/bin/true "$m-burst-$i"
done
sleep 1
kill -CONT "$RSYSLOG_PID"
drops=$(($(udp_socket_drops "$RSYSLOG_PORT") - before))
info "the receiver's socket dropped $drops datagrams"
[ "$drops" -gt 0 ] || fail "the stopped receiver dropped nothing: no loss to detect"
kill -HUP "$PROCSHIP_PID"
wait_for_json "$RSYSLOG_OUT" 'j.get("event") == "agent_init" and j.get("sequence_restart") is False' 10 >/dev/null
exec_marked "$m-after-reload"
wait_for_exec "$RSYSLOG_OUT" "$m-after-reload" 10 >/dev/null
stop_procship
[ "$(procship_stat dropped)" -eq 0 ] || fail "procship itself dropped datagrams: $(procship_stat dropped)"

start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$RSYSLOG_PORT" \
	--syslog-format rfc5424 --export-allowlist "$(marker_filter "$m")"
exec_marked "$m-restarted"
wait_for_exec "$RSYSLOG_OUT" "$m-restarted" 10 >/dev/null
stop_procship
wait_stable "$RSYSLOG_OUT" 2
[ "$(udp_socket_drops "$RSYSLOG_PORT")" -eq $((before + drops)) ] || fail "more drops after the burst"

status=0
"$PROCSHIP" gaps "$RSYSLOG_OUT" >"$T/gaps.out" 2>&1 || status=$?
cat "$T/gaps.out" >&2
[ "$status" -eq 1 ] || fail "procship gaps: exit status $status, want 1 (something missing)"
missing=$("$PYTHON" -c 'import re, sys; print(re.search(r"total: .* (\d+) missing", open(sys.argv[1]).read()).group(1))' "$T/gaps.out")
[ "$missing" -eq "$drops" ] || fail "procship gaps reports $missing missing, the kernel dropped $drops"
grep -q " 2 runs," "$T/gaps.out" || fail "procship gaps: not 2 runs (one before the restart, one after)"
grep -q "run 2 (from its start): sequenceId 1-" "$T/gaps.out" || fail "procship gaps: the restart is no new run"
check_own_log
