#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --metrics-file (issue 6): the Prometheus file agrees with what a receiver counted.
# procship_udp_datagrams_sent_total{destination} equals the datagrams received;
# procship_events_exported_total and procship_events_exported_bytes_total count the events
# among them, not the agent_init greetings (procship_udp_output_greetings_total); nothing
# dropped. The
# file is rewritten every --metrics-interval (values grow while procship runs), mode 0644, no
# temporary file left behind. The counters are counters: after a SIGHUP (which builds the UDP
# output again) they still count everything since start-up and still equal the receiver's.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-met
mf=$T/metrics.prom
start_counter r
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:${CNT_PORT[r]}" \
	--export-allowlist "$(marker_filter "$m")" --metrics-file "$mf" --metrics-interval 1
[ -s "$mf" ] || fail "no metrics file at start-up"
mode=$(stat -c %a "$mf")
[ "$mode" = 644 ] || fail "metrics file mode $mode, want 644"
before=$(metric "$mf" procship_events_exported_total)
timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$m-a" 150 4 30 >/dev/null || fail "the exec driver failed"
# rewritten while running: within 3 s the exported counter has grown past the burst
for ((i = 0; i < 30; i++)); do
	[ "$(metric "$mf" procship_events_exported_total)" -ge $((before + 300)) ] && break
	sleep 0.1
done
[ "$(metric "$mf" procship_events_exported_total)" -ge $((before + 300)) ] ||
	fail "metrics file not rewritten within 3 s (exported $(metric "$mf" procship_events_exported_total))"

# compare DESC: the metrics file against the counter (procship has exited: final values)
compare()
{
	local exported bytes sent dropped greetings got events evbytes
	exported=$(metric "$mf" procship_events_exported_total)
	bytes=$(metric "$mf" procship_events_exported_bytes_total)
	sent=$(metric "$mf" procship_udp_datagrams_sent_total)
	dropped=$(metric "$mf" procship_udp_datagrams_dropped_total)
	greetings=$(metric "$mf" procship_udp_output_greetings_total)
	got=$(counter_lines r)
	# received events (every line but agent_init) and their bytes
	read -r events evbytes < <("$PYTHON" -c 'import sys
ls = [l.rstrip(b"\n").replace(b"\\\\n", b"\n") for l in open(sys.argv[1], "rb")]
ev = [l for l in ls if b"\"agent_init\"" not in l]
print(len(ev), sum(len(l) for l in ev))' "${CNT_OUT[r]}")
	info "$1: metrics: exported $exported ($bytes bytes), udp sent $sent ($greetings agent_init), dropped $dropped; received $got, $events events ($evbytes bytes)"
	[ "$dropped" -eq 0 ] || fail "$1: $dropped datagrams dropped with the receiver up"
	[ "$(counter_kdrops r)" -eq 0 ] || fail "$1: the receiver's socket dropped datagrams"
	[ "$sent" -eq "$got" ] || fail "$1: procship_udp_datagrams_sent_total $sent != $got received"
	[ "$greetings" -eq $((got - events)) ] || fail "$1: $greetings agent_init counted, $((got - events)) received"
	[ "$greetings" -ge 1 ] || fail "$1: no agent_init counted"
	[ "$exported" -eq "$events" ] || fail "$1: procship_events_exported_total $exported != $events events received"
	[ "$bytes" -eq "$evbytes" ] || fail "$1: procship_events_exported_bytes_total $bytes != $evbytes bytes of events received"
}

stop_procship
stop_counter r
ls "$T" | grep -E '^metrics\.prom\.' >/dev/null && fail "temporary metrics files left: $(ls "$T" | grep -E '^metrics\.prom\.')"
compare "no reload"
n=$(grep -c "process_e" "${CNT_OUT[r]}")
[ "$n" -eq 300 ] || fail "$n events received, want 300"
check_own_log

# with a reload in the middle
: >"${CNT_OUT[r]}"
start_counter r "${CNT_PORT[r]}"
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:${CNT_PORT[r]}" \
	--export-allowlist "$(marker_filter "$m")" --metrics-file "$mf" --metrics-interval 1
timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$m-b" 50 4 30 >/dev/null || fail "the exec driver failed"
procship_signal HUP 'reload: configuration read again' 10
timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$m-c" 50 4 30 >/dev/null || fail "the exec driver failed"
sleep 0.5
stop_procship
stop_counter r
n=$(grep -c "process_e" "${CNT_OUT[r]}")
[ "$n" -eq 200 ] || fail "$n events received, want 200"
compare "after a SIGHUP"
check_own_log
