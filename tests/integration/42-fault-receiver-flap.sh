#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Faults (issue 9): the receiver stops and starts 4 times during a paced exec storm (1000 execs,
# one every 3 ms). procship keeps running and ships again after each restart; every event is
# received or counted as dropped: the datagrams received == procship_udp_datagrams_sent_total,
# and sent + dropped == the documents written + agent_init. The receiver (udp_counter.py)
# refuses new datagrams before it closes and reads what was queued, so that it loses nothing
# it accepted; its socket's own drops must be 0.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

count=1000
m=procship-it-$$-flap
mf=$T/metrics.prom
start_counter r
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:${CNT_PORT[r]}" \
	--export-allowlist "$(marker_filter "$m")" --metrics-file "$mf"
timeout 60 "$PYTHON" "$IT_HELPERS/paced_storm.py" "$m" "$count" 3 30 >"$T/storm.out" &
storm=$!
it_on_exit "kill $storm 2>/dev/null"
for ((c = 1; c <= 4; c++)); do
	sleep 0.3
	stop_counter r
	sleep 0.3
	procship_alive
	start_counter r "${CNT_PORT[r]}"
done
wait "$storm" || { cat "$T/storm.out" >&2; fail "the exec driver failed"; }
# after the last restart, events arrive again
for ((i = 1; i <= 30; i++)); do
	/usr/bin/true "$m-end-$i"
	sleep 0.1
	grep -qF "\"$m-end-" "${CNT_OUT[r]}" && break
done
grep -qF "\"$m-end-" "${CNT_OUT[r]}" || fail "no event reached the restarted receiver within 3 s"
procship_alive
sleep 0.3
stop_procship
stop_counter r
[ "$(counter_kdrops r)" -eq 0 ] || fail "the receiver's socket dropped $(counter_kdrops r) datagrams"
udp_accounting "receiver flapping" "$mf" "$(counter_lines r)"
check_own_log 'warning: udp: dropped [0-9]+ messages'
