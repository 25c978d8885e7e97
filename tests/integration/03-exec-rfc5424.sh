#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# RFC 5424 framing, the port given on its own, and the header options: the receiver sees the
# facility, severity, host name and app-name asked for.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

RSYSLOG_APP_NAME=itest-app start_rsyslogd
start_procship --udp-output-enabled --udp-output-address 127.0.0.1 \
	--udp-output-port "$RSYSLOG_PORT" --syslog-format rfc5424 \
	--syslog-facility local3 --syslog-severity notice --hostname itest-host \
	--syslog-app-name itest-app
wait_for_json "$RSYSLOG_OUT" 'j.get("event") == "agent_init"' 10 >/dev/null
first=$(first_line "$RSYSLOG_OUT")
assert_agent_init "$first" "127.0.0.1:$RSYSLOG_PORT"
assert_header "$first" app_name itest-app facility local3 severity notice hostname itest-host

marker=procship-it-$$-rfc5424
exec_marked "$marker"
ev=$(wait_for_exec "$RSYSLOG_OUT" "$marker" 10)
assert_exec_event "$ev" "$marker"
assert_header "$ev" app_name itest-app facility local3 severity notice hostname itest-host
# RFC 5424 carries fractional seconds and a zone.
assert_json "$ev" 're.fullmatch(r"\S+T\S+\.\d+(Z|[+-]\d\d:\d\d)", j["received"]["timereported"])'

stop_procship
assert_all_parsed "$RSYSLOG_OUT"
check_own_log
