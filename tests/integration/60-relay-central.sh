#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# procship as a drop-in syslog relay (issue 16): a central rsyslogd with Debian's standard rules
# (auth.log, syslog, cron.log, user.log ... in a private copy of the layout) files what procship
# relays from logger (default and with -p/-t), glibc syslog(3) itself (in a mount namespace whose
# /dev/log leads to the socket) and journald-style forwarded datagrams exactly as it files the
# same messages relayed by a stock rsyslog (imuxsock -> omfwd, UsePIDFromSystem on, as
# procship's --input-unix-pid-from-system): the same lines in the same files, timestamps left
# out, the PID the kernel's for both. fail2ban-regex with its stock sshd filter matches as many
# lines in both auth.log files, and some. logger --rfc5424 with MSGID and structured data, which
# a stock imuxsock cannot parse (its special parser), arrives as TAG[PID]: MSG in RFC 3164 and
# with MSGID and SD intact in RFC 5424. A local sender cannot forge procship's name or MSGID,
# nor another HOSTNAME or PID.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay.inc"

mk=rly$$
psock=$T/p.sock
rsock=$T/r.sock
relay_central central-p
pport=$CENTRAL_PORT plog=$CENTRAL_LOG
relay_central central-r
rport=$CENTRAL_PORT rlog=$CENTRAL_LOG
relay_stock stock "$rport" "$rsock" 'UsePIDFromSystem="on"'
start_procship --process-events=false --udp-output-enabled \
	--udp-output-address "127.0.0.1:$pport" --input-unix "$psock"

# ---- the same messages to both relays; SED-P / SED-R map each sender's pid to [PID]
sedp=() sedr=()
both_logger()
{
	local p
	logger -u "$psock" "$@" & p=$!
	wait "$p" || fail "logger $* failed"
	sedp+=(-e "s/\[$p\]/[PID]/")
	logger -u "$rsock" "$@" & p=$!
	wait "$p" || fail "logger $* failed"
	sedr+=(-e "s/\[$p\]/[PID]/")
}
both_logger -p auth.info -t sshd "Failed password for invalid user eve$mk from 10.1.2.3 port 4141 ssh2"
both_logger -p auth.info -t sshd "Failed password for root from 192.0.2.9 port 2222 ssh2 $mk"
both_logger -p authpriv.notice -t sshd "Accepted publickey for bob$mk from 10.0.0.2 port 50022 ssh2"
both_logger -p cron.info -t CRON "(root) CMD (run-parts /etc/cron.hourly) $mk"
both_logger -p user.err "plain user message with \"quotes\" and a	tab $mk"
both_logger -p mail.warning -t postfix/smtpd "warning: hostname unknown $mk"
# glibc syslog(3), one process writing to both sockets through /dev/log
p=$(unshare --mount --propagation private /bin/sh -c 'mount -t tmpfs none /dev &&
	exec "$0" "$1" syslog3 "$2" /dev/log "$3" "$4"' "$PYTHON" "$RELAY_SEND" "$mk" "$psock" "$rsock") ||
	fail "the glibc syslog(3) sender failed"
sedp+=(-e "s/\[$p\]/[PID]/") sedr+=(-e "s/\[$p\]/[PID]/")
# journald's forwarding: credentials of another process (a sleeping child), as journald sends
sleep 60 & sl=$!
"$PYTHON" "$RELAY_SEND" journald "$sl" "$mk" "$psock" "$rsock" >/dev/null || fail "journald-style sender failed"
sedp+=(-e "s/\[$sl\]/[PID]/") sedr+=(-e "s/\[$sl\]/[PID]/")
kill "$sl"

# 10 messages, 13 lines: 6 in auth.log, 4 in syslog, one each in cron.log, mail.log, user.log
want=13
for ((i = 0; i < 100; i++)); do
	[ "$(cat "$plog"/* 2>/dev/null | grep -c -F "$mk" || true)" -ge "$want" ] &&
		[ "$(cat "$rlog"/* 2>/dev/null | grep -c -F "$mk" || true)" -ge "$want" ] && break
	sleep 0.1
done
sleep 1 # rsyslog's omfile buffers the files written with '-'
relay_lines "$plog" "$mk" | sed "${sedp[@]}" >"$T/lines.p"
relay_lines "$rlog" "$mk" | sed "${sedr[@]}" >"$T/lines.r"
info "central files via procship:"; cat "$T/lines.p" >&2
[ "$(grep -c . "$T/lines.p")" -eq "$want" ] || fail "$(grep -c . "$T/lines.p") lines via procship, want $want"
diff -u "$T/lines.r" "$T/lines.p" >&2 || fail "the central files differ between rsyslog's relay (-) and procship's (+)"
grep -q "^auth.log: $(uname -n) sshd\[PID\]: Failed password for invalid user eve$mk from" "$T/lines.p" ||
	fail "auth.log lacks the sshd line with this host's name and the kernel's PID"
grep -q "^cron.log: $(uname -n) CRON\[PID\]: (root) CMD" "$T/lines.p" || fail "cron.log lacks the CRON line"
grep -q "^user.log: .*#011tab $mk" "$T/lines.p" || fail "the tab is not escaped as rsyslog escapes it"
grep -q "^mail.log: .*postfix/smtpd\[PID\]: warning" "$T/lines.p" || fail "mail.log lacks postfix/smtpd"
grep -q "^auth.log: .* sshd\[PID\]: Failed password for root from 10.3.3.3" "$T/lines.p" || fail "no syslog(3) line"
grep -q "^syslog: .* myapp\[PID\]: glibc says $mk" "$T/lines.p" || fail "no local4 syslog(3) line in syslog"
grep -q "^auth.log: .* cron\[PID\]: pam_unix(cron:session)" "$T/lines.p" || fail "no journald-style cron line"

# fail2ban's stock sshd filter: as many matches in both auth.log files, and at least the three
# failures (two by logger, one by syslog(3), one forwarded by journald)
mp=$(relay_matched "$plog/auth.log")
mr=$(relay_matched "$rlog/auth.log")
info "fail2ban-regex sshd: $mp matched via procship, $mr via rsyslog"
[ -n "$mp" ] && [ "$mp" = "$mr" ] || fail "fail2ban matched '$mp' lines via procship, '$mr' via rsyslog"
[ "$mp" -ge 4 ] || fail "fail2ban matched only $mp lines, want >= 4"

# ---- RFC 5424 from logger: RFC 3164 keeps TAG[PID]: MSG; rfc5424 keeps MSGID and SD
logger -u "$psock" --rfc5424 -p authpriv.notice -t sshd --msgid LOGIN --sd-id origin@32473 \
	--sd-param 'ip="10.9.9.9"' "Accepted password for carol$mk from 10.9.9.9 port 22 ssh2" & p=$!
wait "$p"
wait_for "$plog/auth.log" "$(uname -n) sshd\[$p\]: Accepted password for carol$mk from" 10
# a forged header: another host, procship's name and MSGID, another pid
"$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"<14>1 2026-01-01T00:00:00Z evilhost procship 1 process_exec - {\"process_exec\":{\"m\":\"" + sys.argv[2].encode() + b"\"}}", sys.argv[1])' "$psock" "$mk" & p=$!
wait "$p"
wait_for "$plog/user.log" "$(uname -n) local-procship\[$p\]: \{\"process_exec\":\{\"m\":\"$mk\"\}\}" 10
grep -F "$mk" "$plog/user.log" | grep -q evilhost && fail "the forged hostname was relayed"
stop_procship
[ "$(relay_counter pipeline.text_renamed)" -eq 1 ] || fail "text_renamed is $(relay_counter pipeline.text_renamed), want 1"

# RFC 5424 out, to a receiver that files RFC 5424 as it came
cport=$(free_udp_port)
relay_rsyslogd "$T/c5424" "module(load=\"imudp\")
input(type=\"imudp\" address=\"127.0.0.1\" port=\"$cport\")
*.* action(type=\"omfile\" file=\"$T/c5424/all.log\" template=\"RSYSLOG_SyslogProtocol23Format\")"
for ((i = 0; i < 100; i++)); do port_is_listening "$cport" && break; sleep 0.1; done
start_procship --process-events=false --udp-output-enabled --syslog-format rfc5424 \
	--udp-output-address "127.0.0.1:$cport" --input-unix "$psock"
logger -u "$psock" --rfc5424 -p authpriv.notice -t sshd --msgid LOGIN --sd-id origin@32473 \
	--sd-param 'ip="10.9.9.9"' "Accepted password for dave$mk" & p=$!
wait "$p"
logger -u "$psock" -p cron.info -t CRON "3164 in $mk" & q=$!
wait "$q"
wait_for "$T/c5424/all.log" "^<85>1 [^ ]+ $(uname -n) sshd $p LOGIN \[timeQuality [^]]*\]\[origin@32473 ip=\"10.9.9.9\"\] Accepted password for dave$mk$" 10
# MSG keeps the space after "CRON[PID]:", as rsyslog's RFC 5424 has it (64-relay-tagless)
wait_for "$T/c5424/all.log" "^<78>1 [^ ]+ $(uname -n) CRON $q - -  3164 in $mk$" 10
stop_procship
check_own_log
