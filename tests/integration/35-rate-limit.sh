#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --export-rate-limit 60 (issue 6): a bounded burst of 200 execs (400 events, only ours pass the
# allowlist) against a bucket of 60 a minute. Every event is delivered or counted: the events
# received + procship_export_ratelimit_events_dropped_total (metrics file, written at exit)
# == 400; about 60 pass at once; a rate_limit_info document arrives on Tetragon's one-minute
# ticker (procship.8: a minute after the start, not at the drop; issue 14), none before it,
# with a count (a string) no larger than the drops, and the documents, with the last one sent
# at exit, report every drop; the exit summary agrees.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

count=200
m=procship-it-$$-rl
RSYSLOG_IMUDP_OPTS='rcvbufSize="16m"'
start_rsyslogd
ts=$(date +%s%N)
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$RSYSLOG_PORT" \
	--export-rate-limit 60 --export-allowlist "$(marker_filter "$m")" \
	--metrics-file "$T/metrics.prom" --metrics-interval 1
t0=$(date +%s%N)
timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$m" "$count" 4 30 >"$T/storm.out" ||
	{ cat "$T/storm.out" >&2; fail "the exec driver failed"; }
t1=$(date +%s%N)
info "burst of $count execs in $(( (t1 - t0) / 1000000 )) ms"
# Nothing before the first tick, then the report within a few seconds of it.
left=$(( 58 - (t1 - ts) / 1000000000 ))
[ "$left" -le 0 ] || sleep "$left"
n=$(json_count "$RSYSLOG_OUT" '"rate_limit_info" in j')
[ "$n" -eq 0 ] || fail "rate_limit_info before the one-minute tick"
info_line=$(wait_for_json "$RSYSLOG_OUT" '"rate_limit_info" in j' 15)
t2=$(date +%s%N)
info "rate_limit_info $(( (t2 - ts) / 1000000 )) ms after the start: $info_line"
[ $(( (t2 - ts) / 1000000000 )) -ge 59 ] || fail "rate_limit_info before the one-minute tick"
assert_json "$info_line" 'isinstance(j["rate_limit_info"]["number_of_dropped_process_events"], str)'
assert_json "$info_line" 'int(j["rate_limit_info"]["number_of_dropped_process_events"]) >= 1'
assert_json "$info_line" 'isinstance(j["node_name"], str) and re.fullmatch(rfc3339, j["time"])' rfc3339="$RFC3339_Z"
reported=$(json_value "$info_line" 'j["rate_limit_info"]["number_of_dropped_process_events"]')
sleep 0.5
stop_procship
wait_stable "$RSYSLOG_OUT" 3
got=$(json_count "$RSYSLOG_OUT" '("process_exec" in j or "process_exit" in j) and P["arguments"].startswith(m + "-")' m="$m")
dropped=$(metric "$T/metrics.prom" procship_export_ratelimit_events_dropped_total)
by_reason=$(metric "$T/metrics.prom" 'procship_events_dropped_total{reason="ratelimit"}')
summary=$(procship_stat ratelimited)
elapsed=$(( (t1 - t0) / 1000000000 + 2 ))
info "received $got events, $dropped dropped by the rate limit (summary $summary), rate_limit_info said $reported"
[ "$((got + dropped))" -eq $((2 * count)) ] || fail "received $got + rate-limited $dropped != $((2 * count)) produced"
[ "$by_reason" -eq "$dropped" ] || fail "procship_events_dropped_total{reason=\"ratelimit\"} $by_reason != $dropped"
[ "$summary" -eq "$dropped" ] || fail "summary says $summary rate-limited, metrics $dropped"
[ "$got" -ge 60 ] || fail "only $got events passed, the bucket holds 60"
[ "$got" -le $((60 + elapsed)) ] || fail "$got events passed in about ${elapsed}s at 60 a minute"
[ "$reported" -le "$dropped" ] || fail "rate_limit_info reports $reported drops, only $dropped happened"
# One at the first tick, and, for the drops after it, a last one at exit: together, every drop.
n=$(json_count "$RSYSLOG_OUT" '"rate_limit_info" in j')
[ "$n" -ge 1 ] && [ "$n" -le 2 ] || fail "$n rate_limit_info documents within a minute, want 1 or 2"
total=$("$PYTHON" -c '
import json, sys
print(sum(int(json.loads(l[l.index("{"):])["rate_limit_info"]["number_of_dropped_process_events"])
          for l in open(sys.argv[1]) if "\"rate_limit_info\"" in l))' "$RSYSLOG_OUT")
[ "$total" -eq "$dropped" ] || fail "rate_limit_info documents report $total drops, $dropped happened"
assert_all_parsed "$RSYSLOG_OUT"
check_own_log
