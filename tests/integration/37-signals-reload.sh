#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# SIGHUP and SIGUSR1 (issue 6, procship.8 SIGNALS), with --config-file: SIGUSR1 logs one stats
# line ("events: ..." and "udp: ..."); SIGHUP with a broken file keeps running with the old
# configuration and logs why (the file, the line, the reason); SIGHUP with a changed file
# applies it: a new facility, severity and app-name in the header, agent_init sent again,
# and a new rate limit (1 a minute: one event passes, the rest are counted).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-hup
cf=$T/procship.yaml
# The receiver takes procship's events under both names of the reload, and only those.
RSYSLOG_ITEST_RULES='if $app-name == "after" then { set $.procship_app_name = "after"; } else { set $.procship_app_name = "before"; }' \
	start_rsyslogd
write_conf()
{
	cat >"$cf" <<EOF2
udp-output-enabled: true
udp-output-address: 127.0.0.1:$RSYSLOG_PORT
syslog-format: rfc5424
export-allowlist: '$(marker_filter "$m")'
$1
EOF2
	chmod 600 "$cf"
}
write_conf $'syslog-facility: local3\nsyslog-app-name: before'
ts=$(date +%s)
start_procship --config-file "$cf"
exec_marked "$m-1"
assert_header "$(wait_for_exec "$RSYSLOG_OUT" "$m-1" 10)" facility local3 app_name before

# SIGUSR1: one stats line
procship_signal USR1 'info: events: [0-9]+ exec, [0-9]+ exit, [0-9]+ fork; [0-9]+ exported' 10
wait_for "$PROCSHIP_LOG" 'info: udp: [0-9]+ sent, [0-9]+ dropped, [0-9]+ failovers' 5
procship_alive

# SIGHUP with a broken file: still running, the old configuration, the reason logged
printf 'udp-output-enabled: true\nsyslog-facility: nowhere\n' >"$cf"
procship_signal HUP "warning: reload: $cf:2: syslog-facility: .*nowhere.*keeping the running configuration" 10
procship_alive
exec_marked "$m-2"
assert_header "$(wait_for_exec "$RSYSLOG_OUT" "$m-2" 10)" facility local3 app_name before
# and a file that is gone
rm -f "$cf"
procship_signal HUP "warning: reload: $cf: No such file or directory" 10
procship_alive

# SIGHUP with a changed file: new header fields, new rate limit
write_conf $'syslog-facility: local5\nsyslog-severity: warning\nsyslog-app-name: after\nexport-rate-limit: 1'
n_init=$(json_count "$RSYSLOG_OUT" 'j.get("event") == "agent_init"')
procship_signal HUP 'reload: configuration read again' 10
exec_marked "$m-3"
assert_header "$(wait_for_exec "$RSYSLOG_OUT" "$m-3" 10)" facility local5 severity warning app_name after
n=$(json_count "$RSYSLOG_OUT" 'j.get("event") == "agent_init"')
[ "$n" -eq $((n_init + 1)) ] || fail "no agent_init sent again after the reload ($n_init before, $n after)"
# the bucket (1) went to $m-3's exec: the next 5 execs are dropped and reported, on
# Tetragon's one-minute ticker (issue 14), which started with procship and a reload keeps
for i in 1 2 3 4 5; do exec_marked "$m-4-$i"; done
left=$((ts + 58 - $(date +%s)))
[ "$left" -le 0 ] || sleep "$left"
wait_for_json "$RSYSLOG_OUT" '"rate_limit_info" in j' 15 >/dev/null
stop_procship
n=$(json_count "$RSYSLOG_OUT" '"process_exec" in j and P["arguments"].startswith(m + "-4-")' m="$m")
[ "$n" -eq 0 ] || fail "$n events of $m-4-* passed a rate limit of 1 a minute with an empty bucket"
[ "$(procship_stat ratelimited)" -ge 10 ] || fail "summary counts $(procship_stat ratelimited) rate-limited, want >= 10"
assert_all_parsed "$RSYSLOG_OUT"
check_own_log 'warning: reload: '
