#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The central-server layout: Debian's own /etc/rsyslog.conf (its standard rules) receiving on
# one port, with contrib/rsyslog/procship-filter.conf and procship-receiver.conf in its include
# directory. procship's events (RFC 3164 and RFC 5424) go to procship's per-sender file and to
# no standard log; ordinary syslog from another program on the same port still reaches
# auth.log, syslog and user.log untouched, including a message that borrows procship's
# APP-NAME with a MSGID of its own; relayed text keeps its own APP-NAME and takes the rules.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
start_central_receiver central
m=procship-it-$$-81
file=$CENTRAL_DIR/127.0.0.1.json
sock=$T/log.sock

for fmt in rfc3164 rfc5424; do
	start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$CENTRAL_PORT" \
		--syslog-format "$fmt" --export-allowlist "$(marker_filter "$m")" --input-unix "$sock"
	exec_marked "$m-$fmt"
	logger -u "$sock" -t sshd -p authpriv.info "Accepted publickey for $m-relayed-$fmt"
	assert_exec_event "$(wait_for_exec "$file" "$m-$fmt" 10)" "$m-$fmt"
	wait_for "$CENTRAL_LOG/auth.log" "$m-relayed-$fmt" 10
	stop_procship
done
assert_all_parsed "$file"
[ "$(json_count "$file" '"process_exec" in j')" -eq 2 ] || fail "$file: not exactly our 2 execs"

# Other senders: straight to the standard rules, byte for byte as rsyslog writes them.
logger -n 127.0.0.1 -P "$CENTRAL_PORT" -d --rfc3164 -p auth.info -t sshd "Failed password for $m-auth"
logger -n 127.0.0.1 -P "$CENTRAL_PORT" -d --rfc3164 -p user.notice -t myapp "plain $m-user"
logger -n 127.0.0.1 -P "$CENTRAL_PORT" -d --rfc5424 -p user.notice -t procship --msgid other \
	"not an event $m-borrowed"
wait_for "$CENTRAL_LOG/auth.log" "sshd: Failed password for $m-auth\$" 10
wait_for "$CENTRAL_LOG/syslog" "myapp: plain $m-user\$" 10
wait_for "$CENTRAL_LOG/user.log" "myapp: plain $m-user\$" 10
wait_for "$CENTRAL_LOG/syslog" "procship.*not an event $m-borrowed" 10
! grep -q "$m-auth" "$CENTRAL_LOG/syslog" || fail "an auth message reached syslog"
for f in syslog user.log auth.log; do
	! grep -q "process_exec\|agent_init" "$CENTRAL_LOG/$f" || fail "a procship event reached $f"
done
! grep -q "$m-user\|$m-auth\|$m-borrowed\|$m-relayed" "$file" || fail "another program's message reached $file"
check_own_log
