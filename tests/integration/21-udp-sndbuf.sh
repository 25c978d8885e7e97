#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --udp-buffer-size sets SO_SNDBUF: the start line "Starting UDP exporter ... buffer=N" shows
# the size granted, which is at least the request and is what the kernel reports for
# procship's socket (ss: skmem tb); agent_init's udp_buffer_size is the configured size. A request above
# net.core.wmem_max is granted too when procship runs as root (SO_SNDBUFFORCE).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start_rsyslogd
wmem_max=$(cat /proc/sys/net/core/wmem_max)

# check REQUEST: run procship with --udp-buffer-size REQUEST and check what it got
check()
{
	local want=$1 line buffer tb
	: >"$RSYSLOG_OUT"
	start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$RSYSLOG_PORT" \
		--udp-buffer-size "$want"
	line=$(procship_run_log | grep 'Starting UDP exporter') ||
		{ show_tail "$PROCSHIP_LOG"; fail "no 'Starting UDP exporter' line"; }
	buffer=$(printf '%s\n' "$line" | sed -n 's/.* buffer=\([0-9]*\).*/\1/p')
	[ -n "$buffer" ] || fail "no buffer=N in: $line"
	[ "$buffer" -ge "$want" ] || fail "asked for a $want-byte send buffer, got $buffer: $line"
	tb=$(ss -Huapm | grep -A1 "pid=$PROCSHIP_PID," | sed -n 's/.*skmem:(.*,tb\([0-9]*\),.*/\1/p' | head -1)
	[ -n "$tb" ] || { ss -Huapm >&2; fail "no UDP socket of procship $PROCSHIP_PID in ss"; }
	[ "$tb" -eq "$buffer" ] || fail "the start line says buffer=$buffer, the kernel says $tb"
	# agent_init reports the configured size (seeds 000/002: "Configured UDP buffer size").
	# This run's, by its pid: on a busy host rsyslogd may still be writing the previous run's
	# events into the file just emptied.
	line=$(wait_for_json "$RSYSLOG_OUT" 'j.get("event") == "agent_init" and j["pid"] == int(p)' \
		10 p="$PROCSHIP_PID")
	assert_json "$line" 'j["udp_buffer_size"] == int(b)' b="$want"
	info "--udp-buffer-size $want: granted $buffer (wmem_max $wmem_max)"
	stop_procship
}

check 262144
check 65536
# above wmem_max: root may force it
check $((wmem_max * 2))
check_own_log
