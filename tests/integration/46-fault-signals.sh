#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Faults (issue 9): a SIGHUP storm (50 SIGHUPs in a bounded loop, 20 ms apart) while execs go
# on, and SIGSTOP / SIGCONT of procship itself (stopped 1 s while 100 processes run): procship
# keeps running, ships afterwards, the events of the stopped second are delivered late (the
# ring buffer holds them) and nothing is duplicated; SIGTERM still ends it with status 0.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-sig
cf=$T/procship.yaml
RSYSLOG_IMUDP_OPTS='rcvbufSize="16m"'
start_rsyslogd
printf 'udp-output-enabled: true\nudp-output-address: 127.0.0.1:%s\nexport-allowlist: '"'"'%s'"'"'\n' \
	"$RSYSLOG_PORT" "$(marker_filter "$m")" >"$cf"
chmod 600 "$cf"
start_procship --config-file "$cf"
timeout 60 "$PYTHON" "$IT_HELPERS/paced_storm.py" "$m-hup" 300 5 30 >/dev/null &
storm=$!
it_on_exit "kill $storm 2>/dev/null"
for ((i = 0; i < 50; i++)); do
	kill -HUP "$PROCSHIP_PID" || fail "procship is gone during the SIGHUP storm"
	sleep 0.02
done
wait "$storm" || fail "the exec driver failed"
procship_alive
exec_marked "$m-after-hup"
wait_for_exec "$RSYSLOG_OUT" "$m-after-hup" 10 >/dev/null

kill -STOP "$PROCSHIP_PID"
timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$m-stopped" 100 2 30 >/dev/null || fail "the exec driver failed"
sleep 1
kill -CONT "$PROCSHIP_PID"
procship_alive
exec_marked "$m-after-cont"
wait_for_exec "$RSYSLOG_OUT" "$m-after-cont" 10 >/dev/null
wait_for_json "$RSYSLOG_OUT" '"process_exit" in j and P["arguments"] == a' 10 a="$m-stopped-99" >/dev/null
stop_procship
wait_stable "$RSYSLOG_OUT" 2
"$PYTHON" - "$RSYSLOG_OUT" "$m" <<'PY' || fail "events lost or duplicated (see above)"
import collections, json, sys
m = sys.argv[2]
c = collections.Counter()
for line in open(sys.argv[1], errors="replace"):
    j = json.loads(line)
    for k in ("process_exec", "process_exit"):
        if k in j:
            c[(k, j[k]["process"]["arguments"])] += 1
dups = [k for k, n in c.items() if n > 1]
miss = [("process_%s" % k, "%s-%s-%d" % (m, p, i)) for p, n in (("hup", 300), ("stopped", 100))
        for i in range(n) for k in ("exec", "exit") if ("process_%s" % k, "%s-%s-%d" % (m, p, i)) not in c]
print("%d distinct events, %d duplicated, %d missing" % (len(c), len(dups), len(miss)), file=sys.stderr)
for x in (dups + miss)[:5]:
    print("  ", x, file=sys.stderr)
sys.exit(1 if dups or miss else 0)
PY
n=$(procship_run_log | grep -c 'reload: configuration read again' || true)
info "$n reloads logged for 50 SIGHUPs"
[ "$n" -ge 1 ] || fail "no reload logged"
assert_all_parsed "$RSYSLOG_OUT"
check_own_log
