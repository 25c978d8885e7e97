#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A name as destination: --udp-output-address localhost:PORT with the receiver on 127.0.0.1.
# First with the system's resolver; then with "localhost" resolving to ::1 first and
# 127.0.0.1 second (a hosts file of our own, bind-mounted over /etc/hosts in a private mount
# namespace for procship alone): [::1]:PORT refuses, procship fails over to 127.0.0.1:PORT,
# logs it, and the events arrive.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

command -v unshare >/dev/null || fail "prerequisite missing: unshare (util-linux)"
[ "$(cat /proc/sys/net/ipv6/conf/lo/disable_ipv6 2>/dev/null)" = 0 ] || fail "IPv6 is disabled on lo"
start_rsyslogd
V4=127.0.0.1:$RSYSLOG_PORT
V6=[::1]:$RSYSLOG_PORT

start_procship --udp-output-enabled --udp-output-address "localhost:$RSYSLOG_PORT" \
	--udp-reconnect-interval 1
m=procship-it-$$-localhost
exec_marked "$m"
assert_exec_event "$(wait_for_exec "$RSYSLOG_OUT" "$m" 10)" "$m"
stop_procship
check_own_log 'warning: udp: (failover from \[::1\]|dropped [0-9]+ messages to localhost:)'

# localhost = ::1, then 127.0.0.1, for procship only
printf '::1 localhost\n127.0.0.1 localhost\n' >"$T/hosts"
printf '%s\n' '#!/bin/sh' \
	'# run "$@" (same pid) in a mount namespace of its own where /etc/hosts is $IT_HOSTS' \
	'exec unshare --mount --propagation private /bin/sh -c '\''mount --bind "$IT_HOSTS" /etc/hosts && exec "$@"'\'' sh "$@"' \
	>"$T/with-hosts"
chmod +x "$T/with-hosts"
export IT_HOSTS=$T/hosts
"$T/with-hosts" getent ahostsv6 localhost >"$T/getent.out" 2>&1 ||
	{ cat "$T/getent.out" >&2; fail "the private hosts file does not work"; }
info "localhost in the private namespace: $("$T/with-hosts" getent ahosts localhost | awk '$2 == "DGRAM" {print $1}' | tr '\n' ' ')"
# A fresh receiver: the running one may still be writing what the first procship sent (on a
# busy host it lags), and this part checks that agent_init comes first.
stop_rsyslogd
: >"$RSYSLOG_OUT"
start_rsyslogd
V4=127.0.0.1:$RSYSLOG_PORT
V6=[::1]:$RSYSLOG_PORT
IT_PROCSHIP_WRAPPER=$T/with-hosts start_procship --udp-output-enabled \
	--udp-output-address "localhost:$RSYSLOG_PORT" --udp-reconnect-interval 1
procship_run_log | grep 'Starting UDP exporter' >&2 || true
m=procship-it-$$-localhost6
state=$(mktemp "$T/.wait.XXXXXX")
for ((i = 1; i <= 30; i++)); do
	exec_marked "$m-$i"
	sleep 0.1
	json_lines_match --resume "$state" "$RSYSLOG_OUT" \
		'j["process_exec"]["process"]["arguments"].startswith(m + "-")' m="$m" >/dev/null && break
done
ev=$(wait_for_json "$RSYSLOG_OUT" 'j["process_exec"]["process"]["arguments"].startswith(m + "-")' 5 m="$m")
info "first event that arrived: $(json_value "$ev" 'P["arguments"].split(" ")[0]')"
first=$(first_line "$RSYSLOG_OUT")
assert_json "$first" 'j.get("event") == "agent_init"'
assert_json "$first" 'j["udp_destination"] in (a, b)' a="$V4" b="localhost:$RSYSLOG_PORT"
# The first candidate was ::1 (refused): a failover to 127.0.0.1, logged.
procship_run_log | grep -F "failover from $V6 to $V4" >/dev/null ||
	{ show_tail "$PROCSHIP_LOG"; fail "no 'failover from $V6 to $V4' logged"; }
stop_procship
assert_all_parsed "$RSYSLOG_OUT"
check_own_log "warning: udp: (failover from \[::1\]:$RSYSLOG_PORT to $V4|dropped [0-9]+ messages to (\[::1\]|localhost):$RSYSLOG_PORT )"
