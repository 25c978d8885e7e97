#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --cee-cookie puts "@cee:" before the JSON; the receiver parses it after either header (with
# bare JSON the cookie is refused at start-up: 05-bad-flags).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start_rsyslogd
for format in rfc3164 rfc5424; do
	start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$RSYSLOG_PORT" \
		--syslog-format "$format" --cee-cookie
	marker=procship-it-$$-cee-$format
	exec_marked "$marker"
	ev=$(wait_for_exec "$RSYSLOG_OUT" "$marker" 10)
	assert_exec_event "$ev" "$marker"
	stop_procship
	assert_all_parsed "$RSYSLOG_OUT"
done
check_own_log
