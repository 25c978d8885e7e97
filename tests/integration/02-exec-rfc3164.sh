#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Default framing (RFC 3164) to HOST:PORT: agent_init comes first, then a Tetragon-style
# process_exec event, with the default header: app-name procship, facility user, severity info.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start_rsyslogd
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$RSYSLOG_PORT"
wait_for_json "$RSYSLOG_OUT" 'j.get("event") == "agent_init"' 10 >/dev/null
first=$(first_line "$RSYSLOG_OUT")
assert_agent_init "$first" "127.0.0.1:$RSYSLOG_PORT"
assert_header "$first" app_name procship facility user severity info

marker=procship-it-$$-rfc3164
exec_marked "$marker"
ev=$(wait_for_exec "$RSYSLOG_OUT" "$marker" 10)
assert_exec_event "$ev" "$marker" "${HUBBLE_NODE_NAME:-${NODE_NAME:-$(uname -n)}}"
assert_header "$ev" app_name procship facility user severity info hostname "$(uname -n)"

stop_procship
assert_all_parsed "$RSYSLOG_OUT"
check_own_log
