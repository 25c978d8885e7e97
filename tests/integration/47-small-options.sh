#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Options no other scenario runs, each shown to change what procship does: --log-level,
# --udp-local-port (the receiver sees that source port), --metrics-interval (the file is
# rewritten that often), --syslog-app-name on text input.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_procship

# --log-level: "error" keeps the info lines out, "info" lets them in.
echo '{"a":1}' | "$PROCSHIP" --process-events=false --input-stdin --log-level error \
	>"$T/quiet.out" 2>"$T/quiet.err" || fail "procship --log-level error exited $?"
[ ! -s "$T/quiet.err" ] || { show_tail "$T/quiet.err"; fail "--log-level error still logged"; }
echo '{"a":1}' | "$PROCSHIP" --process-events=false --input-stdin --log-level info \
	>"$T/loud.out" 2>"$T/loud.err" || fail "procship --log-level info exited $?"
grep -q 'info: standard input ended' "$T/loud.err" || fail "--log-level info logged no info line"
grep -qx '{"a":1}' "$T/quiet.out" || fail "the JSON line did not pass through to stdout"

# --udp-local-port: the datagrams leave from that port.
start_udp_sink
local_port=$(free_udp_port)
echo '{"b":2}' | "$PROCSHIP" --process-events=false --input-stdin --udp-output-enabled \
	--udp-output-address "127.0.0.1:$SINK_PORT" --udp-local-port "$local_port" \
	2>"$T/local.err" || { show_tail "$T/local.err"; fail "procship --udp-local-port exited $?"; }
wait_lines "$SINK_PEERS" 1 10
stop_udp_sink
[ "$(head -n 1 "$SINK_PEERS")" = "$local_port" ] ||
	fail "datagram came from port $(head -n 1 "$SINK_PEERS"), not --udp-local-port $local_port"

# --metrics-interval 1: rewritten every second (the inode changes with each atomic rename).
start_procship --process-events=false --input-unix "$T/log.sock" \
	--metrics-file "$T/m.prom" --metrics-interval 1
wait_for "$T/m.prom" 'procship_build_info' 5
first=$(stat -c %i "$T/m.prom")
for ((i = 0; i < 30; i++)); do
	[ "$(stat -c %i "$T/m.prom")" != "$first" ] && break
	sleep 0.1
done
[ "$(stat -c %i "$T/m.prom")" != "$first" ] || fail "--metrics-interval 1: not rewritten within 3 s"
stop_procship
check_own_log
