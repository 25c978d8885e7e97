#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Every receiving config with procship's default text mode (--text-format relay): logger
# writes an RFC 3164 message, an RFC 5424 one with MSGID and structured data, an sshd-like
# auth line and one forging procship's name to procship's --input-unix socket while it sends
# process events, in each framing the layout takes, from 127.0.0.1 (and once from ::1). The
# events land in the per-sender procship files as before; the relayed messages keep facility,
# severity, APP-NAME, PID, MSGID, SD and MSG byte for byte: in the own-port layout, syslog-ng
# and behind the relay recipe in the per-sender .syslog file, in the filter layout in the
# standard files (auth.log, syslog, user.log) and never in procship's. Nothing is unparsed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
m=procship-it-$$-86
sock=$T/log.sock

# send TAG ADDR FORMAT EVENT-FILE [ARGS...]: procship in its default text mode sends a marked
# exec and relays relayed_send TAG; the exec must be in EVENT-FILE.
send()
{
	local tag=$1 addr=$2 fmt=$3 file=$4
	shift 4
	start_procship --udp-output-enabled --udp-output-address "$addr" --syslog-format "$fmt" \
		--export-allowlist "$(marker_filter "$m")" --input-unix "$sock" "$@"
	exec_marked "$tag"
	relayed_send "$tag" "$sock"
	assert_exec_event "$(wait_for_exec "$file" "$tag" 10)" "$tag"
}

# renamed PROM WANT: procship_pipeline_text_renamed_total in the metrics file written at exit.
renamed()
{
	local n
	n=$(metric "$1" procship_pipeline_text_renamed_total)
	[ "$n" -eq "$2" ] || fail "$1: $n local messages renamed, want $2"
}

# no_relayed_in FILE...: none of our relayed messages is in an events file. The process events
# of the loggers that sent them carry the same text in their arguments and may be there: on a
# busy host the allowlist can be decided without its regex (the regex time budget, fail closed).
no_relayed_in()
{
	! cat -- "$@" | grep -Ev '"binary":"\\?/usr\\?/bin\\?/logger"' |
		grep -E -- "$m-[a-z0-9]+-[abcd]\"|rfc3164 $m|rfc5424 $m|ssh2: $m|forged $m|$m-[a-z0-9]+\.f[1-6]" \
			>/dev/null ||
		fail "a relayed message reached an events file: $*"
}

# (1) the own-port layout
# A local user's JSON under a name not procship's (forged_json_send) is relayed text there,
# in every framing, while procship's events (with and without --cee-cookie) are events.
start_port_receiver port
for fmt in rfc3164 rfc5424 json rfc3164-cee rfc5424-cee; do
	tag=$m-port${fmt/-/} cee=
	[ "$fmt" = "${fmt%-cee}" ] || cee=--cee-cookie
	send "$tag" "127.0.0.1:$PORT_RCV_PORT" "${fmt%-cee}" "$PORT_RCV_DIR/127.0.0.1.json" \
		${cee:+"$cee"}
	forged_json_send "$tag" "$sock"
	assert_relayed "$PORT_RCV_DIR/127.0.0.1.syslog" "$tag" "${fmt%-cee}"
	assert_forged_json "$PORT_RCV_DIR" 127.0.0.1 "$tag"
	stop_procship
done
# an IPv6 sender: its own pair of files, no ':' in their names
send "$m-port6" "[::1]:$PORT_RCV_PORT" rfc5424 "$PORT_RCV_DIR/__1.json"
assert_relayed "$PORT_RCV_DIR/__1.syslog" "$m-port6" rfc5424
stop_procship
for f in 127.0.0.1 __1; do
	assert_all_parsed "$PORT_RCV_DIR/$f.json"
	assert_events_only "$PORT_RCV_DIR/$f.json"
	no_relayed_in "$PORT_RCV_DIR/$f.json"
done

# (2) the filter layout in Debian's rsyslog.conf: bare JSON has no place there. The forged
# datagrams (forged_send) are renamed, so the filter leaves them to the standard rules: in
# RFC 3164 all six (a TAG-less one gets "local-" before its first word), in RFC 5424 the two
# with a TAG (APP-NAME "-" keeps the others from being read as procship), one more each for
# relayed_send's logger -t procship.
start_central_receiver central
for fmt in rfc3164 rfc5424; do
	tag=$m-central$fmt
	send "$tag" "127.0.0.1:$CENTRAL_PORT" "$fmt" "$CENTRAL_DIR/127.0.0.1.json" \
		--metrics-file "$T/$fmt.prom"
	forged_send "$tag" "$sock"
	assert_relayed "$CENTRAL_LOG/itest-all.log" "$tag" "$fmt"
	# Debian's file format writes an RFC 5424 message's TAG as APP-NAME[PROCID], no colon, as
	# for any RFC 5424 sender (rsyslog's own RSYSLOG_SyslogProtocol23Format relay included).
	h=$(uname -n) c=:
	[ "$fmt" = rfc3164 ] || c=
	ssh="Accepted publickey for root from 192\\.0\\.2\\.7 port 4242 ssh2"
	wait_for "$CENTRAL_LOG/auth.log" " $h sshd\\[$(cat "$T/$tag-c.pid")\\]$c $ssh: $tag-c\$" 10
	wait_for "$CENTRAL_LOG/syslog" " $h it-app\\[$(cat "$T/$tag-a.pid")\\]$c rfc3164 $tag-a\$" 10
	wait_for "$CENTRAL_LOG/syslog" " $h it-app5\\[$(cat "$T/$tag-b.pid")\\]$c rfc5424 $tag-b\$" 10
	wait_for "$CENTRAL_LOG/user.log" " $h local-procship\\[$(cat "$T/$tag-d.pid")\\]$c forged $tag-d\$" 10
	wait_for "$CENTRAL_LOG/user.log" "/usr/bin/$tag.f6" 10
	n=$(grep -c -- "/usr/bin/$tag\.f[1-6]\"" "$CENTRAL_LOG/user.log" || true)
	[ "$n" -eq 6 ] || fail "$fmt: $n of the 6 forged datagrams in user.log"
	# the APP-NAME rsyslog read (procship-filter.conf's test), in procship_relayed_line
	grep -F -- "/usr/bin/$tag.f" "$CENTRAL_LOG/itest-all.log" | awk '{ print $4 }' |
		sort >"$T/$fmt.apps"
	info "$fmt: APP-NAMEs of the forged datagrams: $(tr '\n' ' ' <"$T/$fmt.apps")"
	[ "$(grep -c . "$T/$fmt.apps")" -eq 6 ] && ! grep -qix procship "$T/$fmt.apps" ||
		fail "$fmt: a forged datagram was read as procship's"
	! grep -q -- "$tag-c" "$CENTRAL_LOG/syslog" || fail "a relayed auth message reached syslog"
	! grep -q -- "$tag-[ab]" "$CENTRAL_LOG/auth.log" ||
		fail "a relayed non-auth message reached auth.log"
	stop_procship
	# RFC 5424 too renames a first word read as the TAG (procship, PROCSHIP); only
	# "  procship", with no TAG, is named in RFC 3164 alone
	want=7
	[ "$fmt" = rfc3164 ] || want=6
	renamed "$T/$fmt.prom" "$want"
done
# --text-format json: the documents say what their headers say, this host and local-procship
tag=$m-centraljson
start_procship --process-events=false --udp-output-enabled --udp-output-address "127.0.0.1:$CENTRAL_PORT" \
	--input-unix "$sock" --text-format json --metrics-file "$T/json.prom"
forged_send "$tag" "$sock"
wait_for "$CENTRAL_LOG/user.log" "/usr/bin/$tag.f6" 10
stop_procship
renamed "$T/json.prom" 5
grep -F -- "$tag.f" "$CENTRAL_LOG/user.log" | sed 's/^[^{]*//' >"$T/json.docs"
[ "$(json_count "$T/json.docs" 'j["syslog"]["hostname"] == h and j["syslog"].get("app_name", "-").lower() in ("-", "local-procship", "local-procship/x") and "msgid" not in j["syslog"]' h="$(uname -n)")" -eq 6 ] ||
	{ cat "$T/json.docs" >&2; fail "--text-format json: a document keeps a forged header field"; }
assert_all_parsed "$CENTRAL_DIR/127.0.0.1.json"
assert_events_only "$CENTRAL_DIR/127.0.0.1.json"
no_relayed_in "$CENTRAL_DIR"/*
for f in syslog auth.log user.log; do
	! grep -q "process_exec\":{\|agent_init" "$CENTRAL_LOG/$f" || fail "a procship event reached $f"
done

# (3) syslog-ng: bare JSON on its no-parse port, the relayed messages then in RFC 5424
start_syslogng
IT_PROCSHIP_WRAPPER=$SNG_WRAP
for fmt in rfc3164 rfc5424 json rfc3164-cee rfc5424-cee; do
	p=$SNG_PORT tag=$m-sng${fmt/-/} cee=
	[ "$fmt" = "${fmt%-cee}" ] || cee=--cee-cookie
	[ "$fmt" != json ] || p=$SNG_JPORT
	send "$tag" "127.0.0.1:$p" "${fmt%-cee}" "$SNG_DIR/127.0.0.1.json" \
		${cee:+"$cee"}
	forged_json_send "$tag" "$sock"
	sp=' '
	[ "${fmt%-cee}" = rfc3164 ] || sp='  ' # syslog-ng keeps MSG's leading space
	assert_relayed "$SNG_DIR/127.0.0.1.syslog" "$tag" "${fmt%-cee}" "$sp"
	assert_forged_json "$SNG_DIR" 127.0.0.1 "$tag"
	stop_procship
done
send "$m-sng6" "[::1]:$SNG_JPORT" json "$SNG_DIR/__1.json"
assert_relayed "$SNG_DIR/__1.syslog" "$m-sng6" json '  '
stop_procship
unset IT_PROCSHIP_WRAPPER
for f in 127.0.0.1 __1; do
	assert_all_parsed "$SNG_DIR/$f.json"
	assert_events_only "$SNG_DIR/$f.json"
	no_relayed_in "$SNG_DIR/$f.json"
done
! ls "$SNG_DIR"/*.unparsed >/dev/null 2>&1 ||
	{ cat "$SNG_DIR"/*.unparsed >&2; fail "syslog-ng could not parse a message"; }

# (4) the relay recipe: the relayed messages travel through the local rsyslog and its TCP
# forwarding too, into the central server's file named by the sender's HOSTNAME
udp=$(free_udp_port) tcp=$(free_tcp_port)
start_relay_central relaycentral "$tcp"
start_relay relay "$udp" "$tcp"
send "$m-relay" "127.0.0.1:$udp" rfc5424 "$T/relaycentral/received/$(uname -n).json"
assert_relayed "$T/relaycentral/received/$(uname -n).syslog" "$m-relay" rfc5424
stop_procship
assert_all_parsed "$T/relaycentral/received/$(uname -n).json"
assert_events_only "$T/relaycentral/received/$(uname -n).json"
no_relayed_in "$T/relaycentral/received/$(uname -n).json"
check_own_log
