#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The central-server layout: Debian's own /etc/rsyslog.conf (its standard rules) receiving on
# one port, with contrib/rsyslog/procship-filter.conf and procship-receiver.conf in its include
# directory. procship's events (RFC 3164 and RFC 5424, with and without the cee cookie, from
# IPv4 and IPv6, the largest default one too) go to procship's per-sender file and to
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

big=$(head -c 100000 /dev/zero | tr '\0' a)
for host in 127.0.0.1 "[::1]"; do
	for run in rfc3164 rfc5424 rfc3164-cee rfc5424-cee; do
		fmt=${run%-cee} extra=() tag=$m-$run-$(echo "$host" | tr -dc '0-9')
		[ "$fmt" = "$run" ] || extra=(--cee-cookie)
		start_procship --udp-output-enabled --udp-output-address "$host:$CENTRAL_PORT" \
			--syslog-format "$fmt" "${extra[@]}" --export-allowlist "$(marker_filter "$m")" \
			--input-unix "$sock"
		exec_marked "$tag"
		run_marked "$T/big.pid" /usr/bin/true "$tag-big" "$big"
		logger -u "$sock" -t sshd -p authpriv.info "Accepted publickey for $tag-relayed"
		f=$file
		[ "$host" = 127.0.0.1 ] || f=$CENTRAL_DIR/__1.json
		assert_exec_event "$(wait_for_exec "$f" "$tag" 10)" "$tag"
		assert_json "$(wait_for_exec "$f" "$tag-big" 10)" '"truncArgs" in P["flags"]'
		wait_for "$CENTRAL_LOG/auth.log" "$tag-relayed" 10
		stop_procship
	done
	assert_all_parsed "$f"
	ours=$(json_count "$f" '"process_exec" in j and P["arguments"].startswith(m)' m="$m")
	[ "$ours" -eq 8 ] || fail "$f: $ours of our execs, not 8"
	# Another user's events pass the allowlist only when their regexes were skipped over the
	# time budget (fail closed), which a loaded host can cause; never otherwise.
	all=$(json_count "$f" '"process_exec" in j')
	[ "$all" -eq 8 ] || grep -Eq 'filter_budget_skips=[1-9]' "$PROCSHIP_LOG" ||
		fail "$f: $((all - 8)) execs of other processes passed the allowlist without a budget skip"
done
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
! grep -q "$m-user\|$m-auth\|$m-borrowed\|-relayed" "$file" "$CENTRAL_DIR/__1.json" ||
	fail "another program's message reached procship's files"
check_own_log
