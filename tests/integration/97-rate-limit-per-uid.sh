#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Fair rate limits (issue 20, item 7; procship.8 --export-rate-limit-per-uid, EVENTS,
# SECURITY): an unprivileged test user execs 40 times a second against --export-rate-limit 300
# while root runs 10 marked execs (20 events). With the shared bucket alone (the control run)
# the user spends it and root gets few of its 20 events out; with
# --export-rate-limit-per-uid 100 the user is held to its own bucket and all 20 of root's
# events are exported. rate_limit_info names the user's uid and never root's, and a last one
# is sent at exit, so that the drops it reports add up to the counter written at exit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

user=psit97-$$
add_test_user "$user"
uid=$(id -u "$user")
m=procship-it-$$-fair

# fair_run NAME FLAGS...: the storm, root's execs once the limit bites, and the run's output
# in $T/NAME.json and $T/NAME.prom; ROOT is set to the number of root's events exported.
fair_run()
{
	local name=$1 storm i
	shift
	start_procship --export-rate-limit 300 --export-allowlist "$(marker_filter "$m")" \
		--metrics-file "$T/$name.prom" --metrics-interval 1 "$@"
	# At most 600 execs in 15 s, one every 25 ms, as the test user.
	setpriv --reuid="$uid" --regid="$uid" --clear-groups --no-new-privs \
		timeout 30 "$PYTHON" "$IT_HELPERS/paced_storm.py" "$m-u" 600 25 15 \
		>"$T/$name.storm" 2>&1 &
	storm=$!
	for ((i = 0; i < 150; i++)); do
		[ "$(metric "$T/$name.prom" procship_export_ratelimit_events_dropped_total \
			2>/dev/null || echo 0)" -gt 0 ] && break
		sleep 0.1
	done
	[ "$i" -lt 150 ] || fail "$name: the storm did not reach the rate limit in 15 s"
	for i in $(seq 10); do
		run_marked "$T/root.pid" /usr/bin/true "$m-root-$i"
		sleep 0.2
	done
	sleep 0.5
	kill "$storm" 2>/dev/null || true
	wait "$storm" || true
	stop_procship
	procship_run_out "$T/$name.json"
	ROOT=$(json_count "$T/$name.json" \
		'("process_exec" in j or "process_exit" in j) and P["uid"] == 0 and P["arguments"].startswith(m + "-root-")' m="$m")
	info "$name: $ROOT of root's 20 events exported"
}

fair_run shared
[ "$ROOT" -lt 20 ] || fail "shared: root's events all passed: the storm did not compete"

fair_run fair --export-rate-limit-per-uid 100
[ "$ROOT" -eq 20 ] || fail "fair: only $ROOT of root's 20 events passed the per-uid limit"
user_out=$(json_count "$T/fair.json" \
	'("process_exec" in j or "process_exit" in j) and P["uid"] == int(u)' u="$uid")
info "fair: the user's events exported: $user_out"
[ "$user_out" -ge 100 ] && [ "$user_out" -le 140 ] ||
	fail "fair: $user_out of the user's events passed a bucket of 100 a minute"
dropped=$(metric "$T/fair.prom" procship_export_ratelimit_events_dropped_total)
by_uid=$(metric "$T/fair.prom" procship_ratelimit_uid_dropped_total)
[ "$by_uid" -ge 1 ] && [ "$by_uid" -le "$dropped" ] ||
	fail "fair: $by_uid dropped by the uid's bucket of $dropped"
# rate_limit_info: one at each one-minute tick with drops (Tetragon's ticker, issue 14: none
# if the run is shorter), the last at exit; together every drop.
"$PYTHON" - "$T/fair.json" "$uid" "$dropped" <<-'EOF' || fail "fair: rate_limit_info is wrong"
	import json, sys
	path, uid, dropped = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	docs = [json.loads(l)["rate_limit_info"] for l in open(path) if '"rate_limit_info"' in l]
	total = sum(int(d["number_of_dropped_process_events"]) for d in docs)
	by = [e for d in docs for e in d.get("procship_dropped_by_uid", [])]
	print("%d documents, %d drops reported, %d counted; by uid %s" % (len(docs), total, dropped, by))
	ok = 1 <= len(docs) <= 2 and total == dropped
	ok = ok and all(isinstance(e["dropped"], str) and isinstance(e["uid"], int) for e in by)
	ok = ok and not any(e["uid"] == 0 for e in by)
	ok = ok and sum(int(e["dropped"]) for e in by if e["uid"] == uid) == dropped
	sys.exit(0 if ok else 1)
	EOF
check_own_log
