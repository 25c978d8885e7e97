#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A receiver's events file holds events and nothing else. procship runs with --log-syslog in a
# private mount namespace whose /dev/log is its own --input-unix socket (as when
# procship.socket holds journald's forwarding socket), so its own log lines come back and go
# out under its APP-NAME as plain text, beside its events. With them, datagrams under
# procship's name (RFC 3164, RFC 5424) and header-less ones that are no event: text, an array,
# a string, an object with no event key, a cut-short event, an event with a "received" of its
# own, agent_init without procship_version, an event with text after it, null event keys. In
# the own-port layout, syslog-ng and the package's local drop-in (procship-local.conf, whose
# port any local user can reach: sent as nobody there) every line of the events file is an
# event, agent_init or document, and procship's own lines and the others are in the relayed
# file (local.syslog for the drop-in); in the filter layout procship's own lines take the
# standard rules (syslog), never procship's files.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
m=procship-it-$$-92
sock=$T/log.sock

# own-log.sh SOCK PROGRAM ARGS...: PROGRAM with /dev a fresh tmpfs (this mount namespace only)
# holding null, zero, random, urandom and /dev/log, a symbolic link to SOCK.
cat >"$T/own-log.sh" <<'EOF'
set -eu
sock=$1
shift
mount -t tmpfs -o mode=0755 tmpfs /dev
mknod -m 0666 /dev/null c 1 3
mknod -m 0666 /dev/zero c 1 5
mknod -m 0666 /dev/random c 1 8
mknod -m 0666 /dev/urandom c 1 9
ln -s "$sock" /dev/log
exec "$@"
EOF

# wait_count FILE REGEX N SECONDS: until N lines of FILE match the extended REGEX; no failure.
wait_count()
{
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		[ "$(grep -Ec -- "$2" "$1" 2>/dev/null)" -lt "$3" ] || return 0
		sleep 0.1
	done
	return 1
}

# start_own RELAYED-FILE WRAPPER ARGS...: procship --log-syslog (through WRAPPER unless it is
# "") with ARGS; returns once its own "ready" line, relayed under its name and pid, is in
# RELAYED-FILE.
start_own()
{
	local relayed=$1 wrap=$2
	shift 2
	PROCSHIP_LOG=$T/procship.log PROCSHIP_OUT=$T/procship.out
	printf -- '--- procship --log-syslog %s\n' "$*" >>"$PROCSHIP_LOG"
	${wrap:+"$wrap"} unshare --mount --propagation private sh "$T/own-log.sh" "$sock" \
		"$PROCSHIP" --log-syslog --input-unix "$sock" --udp-output-enabled \
		--export-allowlist "$(marker_filter "$m")" "$@" >>"$PROCSHIP_OUT" 2>>"$PROCSHIP_LOG" &
	PROCSHIP_PID=$!
	PROCSHIP_STARTED=1
	# one space before MSG or two: RFC 5424 keeps the space that followed the TAG, as a stock
	# rsyslog relays it, and syslog-ng writes MSG as it came
	wait_for "$relayed" " procship $PROCSHIP_PID - -  ?info: ready: " 20
	info "procship $PROCSHIP_PID: its own log lines reach $relayed"
}

# not_events_send [WRAPPER] HOST PORT JSON-PORT TAG: ten messages that are no event, marked
# TAG.n1 .. TAG.n10, under procship's name in RFC 3164 and in RFC 5424 to PORT, and with no
# header at all to JSON-PORT.
not_events_send()
{
	local wrap=
	[ $# -eq 4 ] || { wrap=$1; shift; }
	${wrap:+"$wrap"} "$PYTHON" - "$@" <<'PY'
import socket, sys
host, port, jport, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ev = '{"process_exec":{"process":{"binary":"/usr/bin/%s","uid":0}}'
bodies = ["plain text %s", '[1,"%s"]', '"%s"', '{"hello":"%s"}', ev,
          ev + '},"received":{"app_name":"procship"}}', '{"event":"agent_init","hostname":"%s"}',
          ev + '}} trailing', '{"process_exec":null,"x":"%s"}', '{"rate_limit_info":null,"x":"%s"}']
heads = [("<30>procship[4242]: ", port), ("<30>1 2026-12-01T00:00:00Z h1 procship 4242 process_exec - ", port),
         ("", int(jport) if jport != "-" else 0)][:2 if jport == "-" else 3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for h, p in heads:
    for i, b in enumerate(bodies):
        s.sendto((h + b % ("%s.n%d" % (tag, i + 1))).encode(), (host, p))
PY
}

# assert_not_events EVENTS RELAYED TAG WANT: the WANT datagrams of not_events_send TAG are all
# in RELAYED and none is in EVENTS, whose every line is an event.
assert_not_events()
{
	local n
	wait_count "$2" "$3\\.n[0-9]+\\b" "$4" 10 || true
	n=$(grep -Ec -- "$3\\.n[0-9]+\b" "$2" || true)
	[ "$n" -eq "$4" ] || { grep -F -- "$3.n" "$2" >&2; fail "$2: $n of the $4 messages that are no event"; }
	! grep -qF -- "$3.n" "$1" || { grep -F -- "$3.n" "$1" >&2; fail "$1: a message that is no event"; }
	assert_events_only "$1"
	info "$1: events only; the $4 others in $2"
}

# run_layout EVENTS RELAYED WRAP SEND-WRAP DEST-PORT PORT JSON-PORT FORMAT: procship (through
# WRAP) sends its own log lines and an exec in FORMAT to DEST-PORT, and not_events_send
# (through SEND-WRAP) the messages that are no event to PORT and JSON-PORT ("-": none
# header-less); the exec must be in EVENTS, the rest in RELAYED, and EVENTS hold events only.
run_layout()
{
	local events=$1 relayed=$2 wrap=$3 swrap=$4 dest=$5 port=$6 jport=$7 fmt=$8 tag n
	tag=$m-$fmt-$dest
	start_own "$relayed" "$wrap" --udp-output-address "127.0.0.1:$dest" --syslog-format "$fmt"
	exec_marked "$tag"
	assert_exec_event "$(wait_for_exec "$events" "$tag" 10)" "$tag"
	kill -USR1 "$PROCSHIP_PID"
	wait_for "$relayed" " procship $PROCSHIP_PID - -  ?info: events: [0-9]+ exec" 10
	not_events_send ${swrap:+"$swrap"} 127.0.0.1 "$port" "$jport" "$tag"
	stop_procship
	n=30
	[ "$jport" != - ] || n=20
	assert_not_events "$events" "$relayed" "$tag" "$n"
	! grep -q '"msg":"info: \|"procship_ours"' "$events" ||
		fail "$events: procship's own log lines in the events file"
}

# (1) the own-port layout: bare JSON on the same port
start_port_receiver port
for fmt in rfc3164 rfc5424 json; do
	run_layout "$PORT_RCV_DIR/127.0.0.1.json" "$PORT_RCV_DIR/127.0.0.1.syslog" "" "" \
		"$PORT_RCV_PORT" "$PORT_RCV_PORT" "$PORT_RCV_PORT" "$fmt"
done

# (2) syslog-ng: bare JSON on its no-parse port
start_syslogng
for fmt in rfc3164 rfc5424 json; do
	p=$SNG_PORT
	[ "$fmt" != json ] || p=$SNG_JPORT
	run_layout "$SNG_DIR/127.0.0.1.json" "$SNG_DIR/127.0.0.1.syslog" "$SNG_WRAP" "$SNG_WRAP" \
		"$p" "$SNG_PORT" "$SNG_JPORT" "$fmt"
done
! ls "$SNG_DIR"/*.unparsed >/dev/null 2>&1 || fail "syslog-ng wrote an .unparsed file"

# (3) the filter layout: what is not an event goes on to Debian's rules (daemon: syslog)
start_central_receiver central
for fmt in rfc3164 rfc5424; do
	run_layout "$CENTRAL_DIR/127.0.0.1.json" "$CENTRAL_LOG/itest-all.log" "" "" \
		"$CENTRAL_PORT" "$CENTRAL_PORT" - "$fmt"
	wait_for "$CENTRAL_LOG/syslog" " $(uname -n) procship\\[[0-9]+\\]:? info: ready: " 10
done
[ "$(ls "$CENTRAL_DIR")" = 127.0.0.1.json ] || fail "files in $CENTRAL_DIR: $(ls "$CENTRAL_DIR")"
! grep -q "info: ready: \|$m-rfc[0-9]*-[0-9]*\.n" "$CENTRAL_DIR/127.0.0.1.json" ||
	fail "the filter layout filed procship's own lines or no event as events"

# (4) the package's drop-in, on a port of its own; the messages that are no event come from
# an unprivileged user, as any local user can send them
port=$(free_udp_port)
mkdir -p "$T/local/work"
contrib_copy "$CONTRIB_RSYSLOG/procship-local.conf" "$T/local/drop-in.conf" \
	"s|/usr/share/procship/rsyslog/procship-receiver.conf|$CONTRIB_RSYSLOG/procship-receiver.conf|" \
	"s|/var/log/procship/|$T/local/log/|g" "s/port=\"5514\"/port=\"$port\"/"
printf 'global(workDirectory="%s")\ninclude(file="%s")\n' "$T/local/work" "$T/local/drop-in.conf" \
	>"$T/local/rsyslogd.conf"
rsyslogd_run local "$T/local/rsyslogd.conf" "udp:$port"
printf '#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"\n' >"$T/as-nobody"
chmod +x "$T/as-nobody"
run_layout "$T/local/log/events.json" "$T/local/log/local.syslog" "" "$T/as-nobody" \
	"$port" "$port" "$port" rfc5424
for f in events.json local.syslog; do
	[ "$(stat -c '%U:%G %a' "$T/local/log/$f")" = "root:adm 640" ] ||
		fail "$f is $(stat -c '%U:%G %a' "$T/local/log/$f"), want root:adm 640"
done
head -n1 "$T/local/log/events.json" | grep -q '"agent_init"' || fail "events.json does not start with agent_init"
# the package's logrotate file takes both
sed "s|/var/log/procship/|$T/local/log/|g" "$IT_TOP/debian/procship.logrotate" >"$T/logrotate.conf"
logrotate -d -s "$T/logrotate.state" "$T/logrotate.conf" >"$T/logrotate.out" 2>&1 ||
	{ cat "$T/logrotate.out" >&2; fail "logrotate -d refuses debian/procship.logrotate"; }
for f in events.json local.syslog; do
	grep -qx "considering log $T/local/log/$f" "$T/logrotate.out" ||
		{ cat "$T/logrotate.out" >&2; fail "debian/procship.logrotate does not rotate $f"; }
done
check_own_log
