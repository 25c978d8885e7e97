#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Faults (issue 9): both destinations of a failover list down for a while (300 execs), then
# up again: procship keeps running, events reach a destination again within 3 s, and every
# datagram is received or counted as dropped (received == procship_udp_datagrams_sent_total,
# sent + dropped == documents written + agent_init), per the metrics file.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-down
mf=$T/metrics.prom
start_counter a
start_counter b
start_procship --udp-output-enabled \
	--udp-output-address "127.0.0.1:${CNT_PORT[a]},127.0.0.1:${CNT_PORT[b]}" \
	--udp-reconnect-interval 1 --export-allowlist "$(marker_filter "$m")" --metrics-file "$mf"
exec_marked "$m-first"
for ((i = 0; i < 50; i++)); do grep -qF "$m-first" "${CNT_OUT[a]}" && break; sleep 0.1; done
stop_counter a
stop_counter b
timeout 60 "$PYTHON" "$IT_HELPERS/paced_storm.py" "$m-dark" 300 3 30 >/dev/null || fail "the exec driver failed"
sleep 1
procship_alive
start_counter a "${CNT_PORT[a]}"
start_counter b "${CNT_PORT[b]}"
for ((i = 1; i <= 30; i++)); do
	/usr/bin/true "$m-back-$i"
	sleep 0.1
	grep -qF "\"$m-back-" "${CNT_OUT[a]}" "${CNT_OUT[b]}" && break
done
grep -qF "\"$m-back-" "${CNT_OUT[a]}" "${CNT_OUT[b]}" || fail "no event reached a destination within 3 s of both coming back"
procship_alive
sleep 0.3
stop_procship
stop_counter a
stop_counter b
[ "$(counter_kdrops a)" -eq 0 ] && [ "$(counter_kdrops b)" -eq 0 ] || fail "a receiver's socket dropped datagrams"
udp_accounting "all destinations down" "$mf" $(( $(counter_lines a) + $(counter_lines b) ))
check_own_log 'warning: udp: (dropped [0-9]+ messages|failover from)'
