#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Faults (issue 9). A full send buffer: procship with --udp-buffer-size 4096 in a network
# namespace of its own whose loopback is shaped (tc tbf, 2 Mbit/s), so that a burst of 500
# execs fills the socket's buffer and sends fail with EAGAIN/ENOBUFS: procship keeps running,
# the failures are counted (procship_udp_datagrams_dropped_total, drops by reason send_error),
# and received + dropped == documents + agent_init. DNS failing: with
# --udp-output-address does-not-exist.invalid:514,127.0.0.1:PORT events reach the second
# destination, procship keeps running, and the unresolvable first one is logged.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-nobuf
ns=procship-it-$$
ip netns add "$ns" || fail "cannot create network namespace $ns"
it_on_exit "ip netns del $ns"
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" tc qdisc add dev lo root tbf rate 2mbit burst 8kb limit 16kb ||
	fail "cannot shape lo in $ns (tc tbf)"
CNT_NS=$ns start_counter r
IT_PROCSHIP_WRAPPER=$T/in-ns
printf '#!/bin/sh\nexec ip netns exec %s "$@"\n' "$ns" >"$IT_PROCSHIP_WRAPPER"
chmod +x "$IT_PROCSHIP_WRAPPER"
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:${CNT_PORT[r]}" \
	--udp-buffer-size 4096 --export-allowlist "$(marker_filter "$m")" --metrics-file "$T/metrics.prom"
unset IT_PROCSHIP_WRAPPER
timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$m" 500 4 30 >/dev/null || fail "the exec driver failed"
sleep 1
procship_alive
stop_procship
stop_counter r
dropped=$(metric "$T/metrics.prom" procship_udp_datagrams_dropped_total)
reason=$(metric "$T/metrics.prom" 'procship_events_dropped_total{reason="send_error"}')
[ "$dropped" -gt 0 ] || fail "no send failed with a 4096-byte buffer on a 2 Mbit/s loopback: the test did not test"
[ "$reason" -eq "$dropped" ] || fail "drops by reason send_error $reason != udp dropped $dropped"
procship_run_log | grep -E "warning: udp: dropped [0-9]+ messages to 127.0.0.1:${CNT_PORT[r]} \((Resource temporarily unavailable|No buffer space available)\)" >/dev/null ||
	{ show_tail "$PROCSHIP_LOG"; fail "the send failures are not logged with their reason"; }
[ "$(counter_kdrops r)" -eq 0 ] || fail "the receiver's socket dropped datagrams"
udp_accounting "send buffer full" "$T/metrics.prom" "$(counter_lines r)"
check_own_log 'warning: udp: dropped [0-9]+ messages'

# ---- DNS failing for the first destination
m=procship-it-$$-dns
start_counter d
start_procship --udp-output-enabled \
	--udp-output-address "does-not-exist.invalid:514,127.0.0.1:${CNT_PORT[d]}" \
	--export-allowlist "$(marker_filter "$m")" --metrics-file "$T/metrics-dns.prom"
exec_marked "$m-1"
for ((i = 0; i < 50; i++)); do grep -qF "$m-1" "${CNT_OUT[d]}" && break; sleep 0.1; done
grep -qF "$m-1" "${CNT_OUT[d]}" || fail "events did not reach the second destination"
procship_signal HUP 'reload: configuration read again' 10
exec_marked "$m-2"
for ((i = 0; i < 50; i++)); do grep -qF "$m-2" "${CNT_OUT[d]}" && break; sleep 0.1; done
grep -qF "$m-2" "${CNT_OUT[d]}" || fail "events did not reach the second destination after a reload"
procship_alive
stop_procship
stop_counter d
procship_run_log | grep -E '(warning|error): .*does-not-exist\.invalid' >/dev/null ||
	{ show_tail "$PROCSHIP_LOG"; fail "the unresolvable destination does-not-exist.invalid is never logged"; }
check_own_log 'does-not-exist\.invalid|warning: udp: dropped [0-9]+ messages'
