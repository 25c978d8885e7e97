#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Failover between two receivers (--udp-output-address A,B): events go to A; A stopped ->
# events from new execs reach B within 2 s, the failover is logged once and B gets agent_init
# first; B stopped and A restarted on its port -> events come back to A. The metrics file
# credits each destination with what was sent to it: at least what it received, and the two
# add up to everything exported and the agent_init greetings.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start_receiver a
start_receiver b
A=127.0.0.1:${RCV_PORT[a]}
B=127.0.0.1:${RCV_PORT[b]}
mf=$T/metrics.prom
start_procship --udp-output-enabled --udp-output-address "$A,$B" --udp-reconnect-interval 1 \
	--syslog-format rfc5424 --metrics-file "$mf" --metrics-interval 1
grep -F "Starting UDP exporter address=$A " "$PROCSHIP_LOG" >/dev/null ||
	{ show_tail "$PROCSHIP_LOG"; fail "start line does not name $A"; }
grep -F "destinations=2" "$PROCSHIP_LOG" >/dev/null || fail "start line does not count 2 destinations"
wait_for_json "${RCV_OUT[a]}" 'j.get("event") == "agent_init"' 10 >/dev/null
assert_agent_init "$(first_line "${RCV_OUT[a]}")" "$A"
m=procship-it-$$-to-a
exec_marked "$m"
assert_exec_event "$(wait_for_exec "${RCV_OUT[a]}" "$m" 10)" "$m"

# exec_until FILE PREFIX SECONDS: exec PREFIX-1, PREFIX-2, ... every 0.1 s until one reaches
# FILE; prints the marker that arrived and the seconds it took. Fails after SECONDS.
exec_until()
{
	local file=$1 prefix=$2 secs=$3 i t0 now line state
	t0=$(date +%s%N)
	state=$(mktemp "$T/.wait.XXXXXX")
	for ((i = 1; i <= secs * 10; i++)); do
		exec_marked "$prefix-$i"
		sleep 0.1
		line=$(json_lines_match --resume "$state" "$file" \
			'j["process_exec"]["process"]["arguments"].split(" ")[0].startswith(prefix + "-")' \
			prefix="$prefix") || continue
		now=$(date +%s%N)
		printf '%s %s\n' "$(json_value "$line" 'P["arguments"].split(" ")[0]')" \
			"$(( (now - t0) / 1000000 ))"
		return 0
	done
	show_tail "$PROCSHIP_LOG"
	fail "no event from $prefix-* reached $file within ${secs}s"
}

stop_receiver a
read -r got ms < <(exec_until "${RCV_OUT[b]}" "procship-it-$$-to-b" 5)
info "first event at B after A stopped: $got after $ms ms"
[ "$ms" -le 2000 ] || fail "events reached B only after $ms ms (want <= 2000)"
assert_exec_event "$(wait_for_exec "${RCV_OUT[b]}" "$got" 5)" "$got"
first=$(first_line "${RCV_OUT[b]}")
assert_agent_init "$first" "$B"
n=$(procship_run_log | grep -cF "failover from $A to $B" || true)
[ "$n" -eq 1 ] || { show_tail "$PROCSHIP_LOG"; fail "failover from $A to $B logged $n times, want 1"; }
procship_alive

# back to A: B stopped, A restarted on its old port
stop_receiver b
start_receiver a "${RCV_PORT[a]}"
read -r got ms < <(exec_until "${RCV_OUT[a]}" "procship-it-$$-back-to-a" 10)
info "first event back at A: $got after $ms ms"
assert_exec_event "$(wait_for_exec "${RCV_OUT[a]}" "$got" 5)" "$got"
procship_run_log | grep -F "failover from $B to $A" >/dev/null ||
	{ show_tail "$PROCSHIP_LOG"; fail "no failover from $B to $A logged"; }

stop_procship
sent_a=$(metric "$mf" "procship_udp_datagrams_sent_total{destination=\"$A\"}")
sent_b=$(metric "$mf" "procship_udp_datagrams_sent_total{destination=\"$B\"}")
exported=$(metric "$mf" procship_events_exported_total)
greetings=$(metric "$mf" procship_udp_output_greetings_total)
got_a=$(wc -l <"${RCV_OUT[a]}")
got_b=$(wc -l <"${RCV_OUT[b]}")
info "metrics: sent to A $sent_a (A received $got_a), to B $sent_b (B received $got_b), exported $exported, $greetings agent_init"
[ "$sent_b" -ge "$got_b" ] && [ "$got_b" -gt 0 ] || fail "sent to B $sent_b, but B received $got_b"
[ "$sent_a" -ge "$got_a" ] && [ "$got_a" -gt 0 ] || fail "sent to A $sent_a, but A received $got_a"
# the datagrams sent are the events exported and the agent_init greetings (one per connect)
[ $((sent_a + sent_b)) -eq $((exported + greetings)) ] ||
	fail "per-destination sent $sent_a + $sent_b != $exported exported + $greetings agent_init"
n=$(procship_stat failovers)
[ "$n" -ge 2 ] || fail "summary counts $n failovers, want >= 2"
assert_all_parsed "${RCV_OUT[a]}"
assert_all_parsed "${RCV_OUT[b]}"
check_own_log 'warning: udp: (failover from|dropped [0-9]+ messages)'
