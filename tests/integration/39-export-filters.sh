#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --export-allowlist / --export-denylist (issue 6, procship.8 FILTERS): with
# '{"binary_regex":["^/usr/bin/true$"]}' only /usr/bin/true's events are exported (never
# /usr/bin/env's); a denylist on the arguments wins over the allowlist; event_set keeps one
# event type; two allowlist lines are ORed; the filtered events are counted.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-flt
start_procship --export-allowlist '{"binary_regex":["^/usr/bin/true$"]}' \
	--export-denylist '{"arguments_regex":["^'"$m"'-deny"]}' --metrics-file "$T/metrics.prom"
run_marked "$T/a.pid" /usr/bin/true "$m-true"
run_marked "$T/b.pid" /usr/bin/env /usr/bin/true "$m-env"
run_marked "$T/c.pid" /usr/bin/true "$m-deny"
run_marked "$T/e.pid" /usr/bin/true "$m-last"
wait_for_json "$PROCSHIP_OUT" '"process_exit" in j and P["arguments"] == a' 10 a="$m-last" >/dev/null
stop_procship
procship_run_out "$T/run.out"
all_json "$T/run.out"
cnt() { json_count "$T/run.out" "$1" m="$m"; }
[ "$(cnt '"process_exec" in j and P["arguments"] == m + "-true"')" -eq 1 ] || fail "the exec of /usr/bin/true was not exported"
[ "$(cnt '"process_exit" in j and P["arguments"] == m + "-true"')" -eq 1 ] || fail "the exit of /usr/bin/true was not exported"
[ "$(cnt 'P["arguments"] == "/usr/bin/true " + m + "-env"')" -eq 0 ] || fail "/usr/bin/env's events passed an allowlist of /usr/bin/true"
[ "$(cnt '"process_exec" in j and P["arguments"] == m + "-env"')" -eq 1 ] || fail "the exec of true from env ($m-env) is missing"
[ "$(cnt 'P["arguments"] == m + "-deny"')" -eq 0 ] || fail "the denylist did not win over the allowlist"
[ "$(cnt '"process_exec" in j and P["binary"] == "/usr/bin/env"')" -eq 0 ] || fail "an exec of /usr/bin/env was exported"
n=$(cnt 'P["binary"] != "/usr/bin/true"')
[ "$n" -eq 0 ] || { grep -v '"/usr/bin/true"' "$T/run.out" | head -n 3 | cut -c1-300 >&2; fail "$n events of other binaries exported"; }
filtered=$(metric "$T/metrics.prom" 'procship_events_dropped_total{reason="filtered"}')
[ "$filtered" -eq "$(procship_stat filtered)" ] || fail "metrics count $filtered filtered, the summary $(procship_stat filtered)"
[ "$filtered" -ge 5 ] || fail "only $filtered events counted as filtered"
check_own_log

# event_set and OR: exits of PREFIX-exit only, or execs of /usr/bin/env
start_procship --export-allowlist '{"event_set":["PROCESS_EXIT"],"arguments_regex":["^'"$m"'-exit"]}
{"event_set":["PROCESS_EXEC"],"binary_regex":["^/usr/bin/env$"],"arguments_regex":["'"$m"'-or"]}'
run_marked "$T/f.pid" /usr/bin/true "$m-exit"
run_marked "$T/g.pid" /usr/bin/env /usr/bin/true "$m-or"
run_marked "$T/h.pid" /usr/bin/true "$m-exit-end"
wait_for_json "$PROCSHIP_OUT" '"process_exit" in j and P["arguments"] == a' 10 a="$m-exit-end" >/dev/null
stop_procship
procship_run_out "$T/run2.out"
cnt() { json_count "$T/run2.out" "$1" m="$m"; }
[ "$(cnt '"process_exit" in j and P["arguments"] == m + "-exit"')" -eq 1 ] || fail "event_set PROCESS_EXIT: the exit is missing"
[ "$(cnt '"process_exec" in j and P["arguments"] == m + "-exit"')" -eq 0 ] || fail "event_set PROCESS_EXIT: the exec passed"
[ "$(cnt '"process_exec" in j and P["binary"] == "/usr/bin/env" and P["arguments"] == "/usr/bin/true " + m + "-or"')" -eq 1 ] ||
	fail "the second allowlist line (OR) did not let env's exec through"
[ "$(cnt '"process_exit" in j and P["arguments"].endswith(m + "-or")')" -eq 0 ] || fail "an exit passed event_set PROCESS_EXEC"
check_own_log
