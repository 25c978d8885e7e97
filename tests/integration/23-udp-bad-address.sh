#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bad --udp-output-address entries are refused at start-up: exit status 2, one line on stderr
# quoting the entry, nothing on stdout. Good forms are accepted (a list, repeated flags,
# [IPv6]:port, a bare IPv6 address, a name), in failover order.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
long=$(printf 'h%.0s' {1..300})

# refused ENTRY [QUOTED]: --udp-output-address ENTRY is refused, quoting QUOTED (default ENTRY)
refused()
{
	local entry=$1 quoted=${2:-$1} status=0 n
	timeout 10 "$PROCSHIP" --udp-output-enabled --udp-output-address "$entry" \
		>"$T/bad.out" 2>"$T/bad.err" || status=$?
	[ "$status" -eq 2 ] || { show_tail "$T/bad.err"; fail "'$entry': exit status $status, expected 2"; }
	n=$(wc -l <"$T/bad.err")
	[ "$n" -eq 1 ] || { show_tail "$T/bad.err"; fail "'$entry': $n lines on stderr, expected 1"; }
	grep -qF -- "udp-output-address" "$T/bad.err" || fail "'$entry': message does not name the flag: $(cat "$T/bad.err")"
	grep -qE -- "[\"'\`‘“]$(printf '%s' "$quoted" | sed 's/[][\.*^$(){}+?|/]/\\&/g')" "$T/bad.err" ||
		fail "'$entry': message does not quote '$quoted': $(cat "$T/bad.err")"
	[ ! -s "$T/bad.out" ] || fail "'$entry': wrote to stdout"
	info "refused: $(cat "$T/bad.err")"
}

refused '[::1'
refused '[::1]:'
refused '[::1]x'
refused 'host:'
refused 'host:0'
refused 'host:70000'
refused 'host:-1'
refused 'host:12ab'
refused '1:2:3'
refused 'a:b:c:d'
refused ''
refused 'a,,b'
refused 'a,'
refused ',a'
refused '127.0.0.1:514,host:0' 'host:0'
refused "$long" "$(printf '%.30s' "$long")"
# a bad entry in a second flag is refused too
status=0
timeout 10 "$PROCSHIP" --udp-output-enabled --udp-output-address 127.0.0.1:514 \
	--udp-output-address 'host:70000' >/dev/null 2>"$T/bad.err" || status=$?
[ "$status" -eq 2 ] || fail "second --udp-output-address 'host:70000': exit status $status"
grep -qF 'host:70000' "$T/bad.err" || fail "second flag: message does not quote the entry"

# good forms: one run, all of them, in order
start_rsyslogd
start_procship --udp-output-enabled \
	--udp-output-address "127.0.0.1:$RSYSLOG_PORT,[::1]:$RSYSLOG_PORT" \
	--udp-output-address ::1 --udp-output-address localhost --udp-output-port "$RSYSLOG_PORT" \
	--udp-output-address "[::1]"
line=$(procship_run_log | grep 'Starting UDP exporter') || fail "no start line"
case $line in
*"address=127.0.0.1:$RSYSLOG_PORT "*"destinations="[5-9]*) ;;
*) fail "start line: want the first destination 127.0.0.1:$RSYSLOG_PORT and 5 or more destinations: $line" ;;
esac
m=procship-it-$$-good
exec_marked "$m"
assert_exec_event "$(wait_for_exec "$RSYSLOG_OUT" "$m" 10)" "$m"
stop_procship
check_own_log
