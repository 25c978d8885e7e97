#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# RFC 3164 without "TAG:" and odd TAGs, relayed side by side by a stock rsyslog (imuxsock ->
# omfwd, its default RSYSLOG_TraditionalForwardFormat and RSYSLOG_SyslogProtocol23Format) and by
# procship in --syslog-format rfc3164 and rfc5424, to central rsyslogds filing each message as
# RFC 5424 and in Debian's traditional file format: with the PID as the sender wrote it (stock
# imuxsock's default, --input-unix-pid-from-system=false) the central files are the same line
# for line (timestamps left out), but for the rows where rsyslog loses bytes (see procship(8),
# Relay); with the kernel's PID (the default) the first word becomes TAG[PID]:.
# The rows: raw datagrams with and without a timestamp (helpers/relay_send.py TAGLESS) and
# logger -u with TAGs that hold a space, ':', '/', non-ASCII or nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay.inc"

mk=tgl$$
psock=$T/p.sock
h=$(uname -n)

# tl_central NAME: an rsyslogd on a free UDP port of 127.0.0.1 writing what it gets to
# $T/NAME/p23.log (RFC 5424 as rsyslog reads it) and $T/NAME/trad.log (auth.log's format).
# Sets TL_PORT.
tl_central()
{
	local dir=$T/$1 i
	TL_PORT=$(free_udp_port)
	relay_rsyslogd "$dir" "module(load=\"imudp\")
input(type=\"imudp\" address=\"127.0.0.1\" port=\"$TL_PORT\")
*.* action(type=\"omfile\" file=\"$dir/p23.log\" template=\"RSYSLOG_SyslogProtocol23Format\")
*.* action(type=\"omfile\" file=\"$dir/trad.log\" template=\"RSYSLOG_TraditionalFileFormat\")"
	for ((i = 0; i < 100; i++)); do
		port_is_listening "$TL_PORT" && return 0
		sleep 0.1
	done
	show_tail "$dir/rsyslogd.log"
	fail "central $1 did not listen"
}

# tl_send SOCK...: the rows to every SOCK, in the same order; prints the raw sender's pid.
tl_send()
{
	local t s
	for t in '' 'hello world' ' ' 'hello/x' 'héllo' 'hello::' 'hello[12]'; do
		for s in "$@"; do
			logger -u "$s" -t "$t" "msg x" || fail "logger -t '$t' failed"
		done
	done
	"$PYTHON" "$RELAY_SEND" tagless "$mk" "$@" || fail "the tagless sender failed"
}

# tl_lines NAME: central NAME's two files, once both hold the two end lines, without the
# timestamps: "trad: HOST TAG MSG", "p23: <PRI>1 HOST APP-NAME PROCID MSGID SD MSG".
tl_lines()
{
	local dir=$T/$1 i
	for ((i = 0; i < 200; i++)); do
		[ "$(grep -a -c -E "$mk.* end\$" "$dir/trad.log" 2>/dev/null || true)" -ge 2 ] &&
			[ "$(grep -a -c -E "$mk.* end\$" "$dir/p23.log" 2>/dev/null || true)" -ge 2 ] && break
		sleep 0.1
	done
	[ "$i" -lt 200 ] || { show_tail "$dir/trad.log"; fail "central $1 lacks the end lines"; }
	sed -E 's/^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} /trad: /' "$dir/trad.log" | grep -a -v -F '"event":"agent_init"'
	sed -E 's/^(<[0-9]+>1) [^ ]+ /p23: \1 /' "$dir/p23.log" | grep -a -v -F '"event":"agent_init"'
}

# ---- the stock relays, RFC 3164 and RFC 5424 out
tl_central r3
r3=$TL_PORT
relay_stock stock3 "$r3" "$T/r3.sock"
tl_central r5
r5=$TL_PORT
relay_rsyslogd "$T/stock5" "module(load=\"imuxsock\" SysSock.Use=\"off\")
input(type=\"imuxsock\" Socket=\"$T/r5.sock\")
*.* action(type=\"omfwd\" target=\"127.0.0.1\" port=\"$r5\" protocol=\"udp\" template=\"RSYSLOG_SyslogProtocol23Format\")"
for ((i = 0; i < 100; i++)); do [ -S "$T/r5.sock" ] && break; sleep 0.1; done
[ -S "$T/r5.sock" ] || fail "stock rsyslogd stock5 did not create $T/r5.sock"

# ---- procship with the sender's PID, as the stock imuxsock keeps it
for fmt in rfc3164 rfc5424; do
	tl_central "p${fmt:3:1}"
	start_procship --process-events=false --udp-output-enabled --syslog-format "$fmt" \
		--udp-output-address "127.0.0.1:$TL_PORT" --input-unix "$psock" \
		--input-unix-pid-from-system=false
	if [ "$fmt" = rfc3164 ]; then
		tl_send "$psock" "$T/r3.sock" "$T/r5.sock" >/dev/null
	else
		tl_send "$psock" >/dev/null
	fi
	tl_lines "p${fmt:3:1}" >"$T/lines.p${fmt:3:1}"
	stop_procship
done
tl_lines r3 >"$T/lines.r3"
tl_lines r5 >"$T/lines.r5"
info "central lines via procship, RFC 3164:"; cat "$T/lines.p3" >&2
info "central lines via procship, RFC 5424:"; cat "$T/lines.p5" >&2
[ "$(grep -a -c . "$T/lines.r3")" -ge 100 ] || fail "only $(grep -a -c . "$T/lines.r3") lines via rsyslog"
diff -u "$T/lines.r3" "$T/lines.p3" >&2 ||
	fail "RFC 3164: the central files differ between rsyslog's relay (-) and procship's (+)"
# rsyslog writes an empty PROCID field for "hello[]:", which is no RFC 5424: procship writes "-"
grep -a -q -x -F "p23: <13>1 $h hello  - -  empty-procid" "$T/lines.r5" ||
	fail "rsyslog no longer writes the empty PROCID: update procship(8), Relay"
grep -a -c -x -F "p23: <13>1 $h hello - - -  empty-procid" "$T/lines.p5" | grep -qx 2 ||
	fail "procship does not write '-' for an empty PROCID"
diff -u <(grep -v empty-procid "$T/lines.r5") <(grep -v empty-procid "$T/lines.p5") >&2 ||
	fail "RFC 5424: the central files differ between rsyslog's relay (-) and procship's (+)"

# ---- the kernel's PID (the default): the first word becomes TAG[PID]:, no PID of the sender's
for fmt in rfc3164 rfc5424; do
	tl_central "k${fmt:3:1}"
	start_procship --process-events=false --udp-output-enabled --syslog-format "$fmt" \
		--udp-output-address "127.0.0.1:$TL_PORT" --input-unix "$psock"
	n=${fmt:3:1}
	pid[n]=$(tl_send "$psock")
	tl_lines "k$n" >"$T/lines.k$n"
	stop_procship
	[ "$(grep -a -c . "$T/lines.k$n")" -eq "$(grep -a -c . "$T/lines.r$n")" ] ||
		fail "$fmt: $(grep -a -c . "$T/lines.k$n") lines with the kernel's PID, want $(grep -a -c . "$T/lines.r$n")"
	! grep -a -E "^trad: $h [^ ]*\[(12|x|lo)?\]|^p23: <13>1 $h [^ ]+ (12|x|lo) " "$T/lines.k$n" >&2 ||
		fail "$fmt: a PID the sender wrote reached the central files"
done
info "central lines via procship, the kernel's PID:"; cat "$T/lines.k3" "$T/lines.k5" >&2
p=${pid[3]}
for want in "hello[$p]: world" "hello[$p]: world x" "hello[$p]: [12 world" "[$p]: y" "dir/prog[$p]: x" "hel[$p]: x y" "hello[$p]: empty-procid"; do
	grep -a -q -F "trad: $h $want" "$T/lines.k3" || fail "RFC 3164 with the kernel's PID lacks '$want'"
done
p=${pid[5]}
[ "$(grep -a -c -x -F "p23: <13>1 $h hello $p - -  world" "$T/lines.k5")" -eq 8 ] ||
	fail "RFC 5424 with the kernel's PID: not 8 lines 'hello $p - -  world'"
# what follows the TAG in the first word is kept in MSG (rsyslog passes the word on instead)
grep -a -q -x -F "p23: <13>1 $h hello $p - - world x" "$T/lines.k5" || fail "RFC 5424 lost 'world' of hello:world"
grep -a -q -x -F "p23: <13>1 $h - $p - -  y" "$T/lines.k5" || fail "RFC 5424: '[x] y' is not '- $p - -  y'"
check_own_log
