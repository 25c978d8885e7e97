#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Count every message. With a receiver up the whole time (rsyslogd with a big receive buffer)
# and a burst of IT_COUNT_EXECS (default 1000) execs: procship's summary "udp: N sent, M
# dropped" has M == 0 and N == what was produced (the events written + one agent_init), and
# the receiver got N (plus what the kernel dropped at its socket, from /proc/net/udp, which
# must be 0 with its buffer). With nobody listening: sent + dropped == produced.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

count=${IT_COUNT_EXECS:-1000}
RSYSLOG_IMUDP_OPTS='rcvbufSize="16m"'
start_rsyslogd
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$RSYSLOG_PORT" \
	--syslog-format rfc5424
prefix=procship-it-$$-count
timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$prefix" "$count" 4 45 >"$T/storm.out" ||
	{ cat "$T/storm.out" >&2; fail "the exec driver failed"; }
wait_for_json "$RSYSLOG_OUT" 'j["process_exit"]["process"]["arguments"] == last' 20 \
	last="$prefix-$((count - 1))" >/dev/null
stop_procship
sent=$(procship_stat sent)
dropped=$(procship_stat dropped)
exported=$(procship_stat exported)
info "procship: $exported events written, udp: $sent sent, $dropped dropped"
[ "$dropped" -eq 0 ] || fail "$dropped messages dropped with the receiver up the whole time"
[ "$sent" -eq $((exported + 1)) ] ||
	fail "sent $sent != $exported events + 1 agent_init"
# rsyslogd writes what it got: wait until the count stops short of nothing
for ((i = 0; i < 100; i++)); do
	got=$(wc -l <"$RSYSLOG_OUT")
	[ "$got" -lt "$sent" ] || break
	sleep 0.1
done
sleep 0.5
got=$(wc -l <"$RSYSLOG_OUT")
kdrops=$(udp_socket_drops "$RSYSLOG_PORT")
info "receiver: $got messages, $kdrops dropped by the kernel at its socket"
stop_rsyslogd
[ "$kdrops" -eq 0 ] || fail "the receiver's socket dropped $kdrops datagrams (receive buffer too small?)"
[ "$got" -eq "$sent" ] || fail "procship sent $sent messages, the receiver got $got"
assert_all_parsed "$RSYSLOG_OUT"
n=$(json_count "$RSYSLOG_OUT" 'j.get("event") == "agent_init"')
[ "$n" -eq 1 ] || fail "$n agent_init messages, want 1"
n=$(json_count "$RSYSLOG_OUT" '"process_exec" in j and P["arguments"].startswith(p + "-")' p="$prefix")
[ "$n" -eq "$count" ] || fail "$n process_exec events of the $count execs arrived"
check_own_log

# Nobody listening: every message is sent or counted as dropped.
port=$(free_udp_port)
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$port"
timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$prefix-unheard" 200 4 45 >"$T/storm.out" ||
	{ cat "$T/storm.out" >&2; fail "the exec driver failed"; }
sleep 0.5
stop_procship
sent=$(procship_stat sent)
dropped=$(procship_stat dropped)
exported=$(procship_stat handed)
delivered=$(procship_stat exported)
info "nobody listening: $exported events written ($delivered exported), udp: $sent sent, $dropped dropped"
[ $((sent + dropped)) -eq $((exported + 1)) ] ||
	fail "sent $sent + dropped $dropped != $exported events + 1 agent_init"
# "exported" is what a destination got: refused datagrams are not exported
[ "$delivered" -eq $((sent > 0 ? sent - 1 : 0)) ] ||
	fail "summary says $delivered exported, but udp sent $sent (1 agent_init)"
check_own_log 'warning: .*([Cc]onnection refused|ECONNREFUSED)'
