#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bare JSON datagrams (no syslog header), options written as --flag=value.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start_rsyslogd
start_procship --udp-output-enabled --udp-output-address="127.0.0.1:$RSYSLOG_PORT" \
	--syslog-format=json
wait_for_json "$RSYSLOG_OUT" 'j.get("event") == "agent_init"' 10 >/dev/null
first=$(first_line "$RSYSLOG_OUT")
assert_agent_init "$first" "127.0.0.1:$RSYSLOG_PORT"
# No header: rsyslog saw a bare message that parsed as JSON.
assert_header "$first" app_name - parsesuccess OK

marker=procship-it-$$-json
exec_marked "$marker"
ev=$(wait_for_exec "$RSYSLOG_OUT" "$marker" 10)
assert_exec_event "$ev" "$marker" "${HUBBLE_NODE_NAME:-${NODE_NAME:-$(uname -n)}}"

stop_procship
assert_all_parsed "$RSYSLOG_OUT"
check_own_log
