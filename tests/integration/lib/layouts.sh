# SPDX-License-Identifier: Apache-2.0
# Integration-test library, receiver layouts: the shipped configurations of contrib/rsyslog
# (port, filter, relay) made into private rsyslogds, each with its own directory, config, pid
# file, work directory and loopback ports. Sourced by lib.sh, after rsyslog.sh: the daemons
# are kept in its RCV_PID/RCV_PORT/RCV_OUT tables, so its cleanup stops them.

CONTRIB_RSYSLOG=$IT_TOP/contrib/rsyslog

# contrib_copy SRC DST SED-EXPR...: DST is the shipped file SRC with each sed expression
# applied; every expression must change the text, so a test fails loudly when the shipped
# file no longer has the shape it edits (a port number, a target name).
contrib_copy()
{
	local src=$1 dst=$2 e
	shift 2
	[ -r "$src" ] || fail "shipped configuration missing: $src"
	cp "$src" "$dst"
	for e in "$@"; do
		sed -e "$e" "$dst" >"$dst.new"
		! cmp -s "$dst" "$dst.new" || fail "contrib_copy: '$e' changes nothing in $src"
		mv "$dst.new" "$dst"
	done
}

# port_bound PROTO PORT: a socket of PROTO (udp, tcp) is bound to loopback PORT.
port_bound()
{
	if [ "$1" = tcp ]; then
		ss -Htln "sport = :$2" 2>/dev/null | grep -q ":$2\b"
	else
		ss -Hunl "sport = :$2" 2>/dev/null | grep -q ":$2\b"
	fi
}

# free_tcp_port: a TCP port on 127.0.0.1 that nobody uses right now.
free_tcp_port()
{
	"$PYTHON" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# rsyslogd_run NAME CONF PROTO:PORT...: rsyslogd -n -f CONF with its pid file beside CONF,
# checked with -N1 first; returns once every PROTO:PORT is bound. RCV_PID[NAME] is set.
rsyslogd_run()
{
	local name=$1 conf=$2 base i pp ok
	shift 2
	base=$(dirname "$conf")
	[ -z "${RCV_PID[$name]:-}" ] || fail "rsyslogd_run: $name is still running"
	rsyslogd -N1 -f "$conf" >"$base/rsyslogd-check.log" 2>&1 ||
		{ show_tail "$base/rsyslogd-check.log"; fail "rsyslogd rejects $conf"; }
	rsyslogd -n -f "$conf" -i "$base/rsyslogd.pid" >>"$base/rsyslogd.log" 2>&1 &
	RCV_PID[$name]=$!
	for ((i = 0; i < 100; i++)); do
		ok=1
		for pp in "$@"; do
			port_bound "${pp%%:*}" "${pp#*:}" || ok=
		done
		[ -n "$ok" ] && break
		kill -0 "${RCV_PID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$ok" ] && kill -0 "${RCV_PID[$name]}" 2>/dev/null ||
		{ show_tail "$base/rsyslogd.log"; fail "rsyslogd $name did not bind $* within 10s"; }
	info "rsyslogd $name (${RCV_PID[$name]}) on $*"
}

# rsyslogd_halt NAME: SIGTERM, and wait until it is gone.
rsyslogd_halt()
{
	local pid=${RCV_PID[$1]:-}
	[ -n "$pid" ] || return 0
	stop_pid "$pid" 20 || fail "rsyslogd $1 did not exit within 20s of SIGTERM"
	wait "$pid" 2>/dev/null || true
	RCV_PID[$1]=
	info "rsyslogd $1 stopped"
}

# ---- the own-port layout: procship-receiver.conf + procship-port.conf -------------------------
# start_port_receiver NAME [CONF-FIRST-LINES [APP-NAME]]: a default rsyslog (no maxMessageSize)
# with the two shipped files, the port input moved to a free port on 127.0.0.1 plus the same
# input on ::1, writing below $T/NAME/received, taking events under APP-NAME if given
# ($.procship_app_name). Sets PORT_RCV_PORT and PORT_RCV_DIR.
start_port_receiver()
{
	local name=$1 base=$T/$1 port
	port=$(free_udp_port)
	mkdir -p "$base/work" "$base/received"
	contrib_copy "$CONTRIB_RSYSLOG/procship-port.conf" "$base/port.conf" \
		"s/port=\"5514\"/address=\"127.0.0.1\" port=\"$port\"/" \
		's/ruleset="procship"/ruleset="itest"/'
	grep -E '^input\(' "$base/port.conf" | sed 's/127\.0\.0\.1/::1/' >>"$base/port.conf"
	cat >"$base/rsyslogd.conf" <<-EOF
	global(workDirectory="$base/work")
	${2:-}
	include(file="$CONTRIB_RSYSLOG/procship-receiver.conf")
	ruleset(name="itest") {
	    set \$.procship_dir = "$base/received";
	    ${3:+set \$.procship_app_name = \"$3\";}
	    call procship
	}
	include(file="$base/port.conf")
	EOF
	rsyslogd_run "$name" "$base/rsyslogd.conf" "udp:$port"
	PORT_RCV_PORT=$port
	PORT_RCV_DIR=$base/received
}

# ---- the central-server layout: Debian's rsyslog.conf + procship-filter.conf ------------------
# start_central_receiver NAME: the installed /etc/rsyslog.conf (its standard rules writing
# below $T/NAME/log instead of /var/log, without the local inputs and the console alerts)
# with imudp inputs on 127.0.0.1 and ::1 in the default ruleset and, in its include directory,
# procship-receiver.conf and procship-filter.conf as shipped, and last a file of every message
# the standard rules see in procship-receiver.conf's RFC 5424 line ($CENTRAL_LOG/itest-all.log).
# Sets CENTRAL_PORT,
# CENTRAL_LOG (the standard rules' directory) and CENTRAL_DIR (procship's files).
start_central_receiver()
{
	local name=$1 base=$T/$1 port
	port=$(free_udp_port)
	mkdir -p "$base/work" "$base/log" "$base/received" "$base/rsyslog.d"
	[ -r /etc/rsyslog.conf ] || fail "no /etc/rsyslog.conf (Debian's rsyslog package)"
	# set before the filter runs: the default ruleset's statements run in order
	printf 'set $.procship_dir = "%s";\n' "$base/received" >"$base/rsyslog.d/00-itest-dir.conf"
	# after the filter: what the standard rules get, every header field on the line
	printf '*.* action(type="omfile" file="%s" template="procship_relayed_line")\n' \
		"$base/log/itest-all.log" >"$base/rsyslog.d/zz-itest-all.conf"
	cp "$CONTRIB_RSYSLOG/procship-filter.conf" "$CONTRIB_RSYSLOG/procship-receiver.conf" \
		"$base/rsyslog.d/"
	contrib_copy /etc/rsyslog.conf "$base/debian.conf" 's/^module(load="imuxsock").*//' \
		's/^module(load="imklog").*//' "s|^\\\$WorkDirectory .*|\$WorkDirectory $base/work|" \
		"s|^\\\$IncludeConfig .*|\$IncludeConfig $base/rsyslog.d/*.conf|" \
		"s|/var/log/|$base/log/|g" 's/^\*\.emerg.*//'
	{
		printf 'module(load="imudp")\ninput(type="imudp" address="127.0.0.1" port="%s")\n' "$port"
		printf 'input(type="imudp" address="::1" port="%s")\n' "$port"
		cat "$base/debian.conf"
	} >"$base/rsyslogd.conf"
	rsyslogd_run "$name" "$base/rsyslogd.conf" "udp:$port"
	CENTRAL_PORT=$port
	CENTRAL_LOG=$base/log
	CENTRAL_DIR=$base/received
}

# ---- the relay recipe: procship-relay.conf -> omfwd TCP -> a central rsyslogd -----------------
# start_relay_central NAME TCP-PORT: the central server of procship-relay.conf's header (its
# imtcp snippet, taken from the header as shipped) on 127.0.0.1:TCP-PORT, writing below
# $T/NAME/received/<HOSTNAME>.json. Restarted on the same port it appends to the same files.
start_relay_central()
{
	local name=$1 base=$T/$1 port=$2
	mkdir -p "$base/work" "$base/received"
	sed -n '/^#       module(load="imtcp")/,/^#       input(type="imtcp"/s/^#       //p' \
		"$CONTRIB_RSYSLOG/procship-relay.conf" >"$base/central.snippet"
	[ "$(wc -l <"$base/central.snippet")" -ge 5 ] ||
		fail "procship-relay.conf: no central-server snippet in its header"
	contrib_copy "$base/central.snippet" "$base/central.conf" \
		's/port="6514"/address="127.0.0.1" port="'"$port"'"/' \
		's|    call procship|    set $.procship_dir = "'"$base"'/received";\n    call procship|'
	cat >"$base/rsyslogd.conf" <<-EOF
	global(workDirectory="$base/work")
	include(file="$CONTRIB_RSYSLOG/procship-receiver.conf")
	include(file="$base/central.conf")
	EOF
	rsyslogd_run "$name" "$base/rsyslogd.conf" "tcp:$port"
}

# start_relay NAME UDP-PORT TCP-PORT: the procship host's rsyslogd of procship-relay.conf,
# imudp on 127.0.0.1:UDP-PORT, forwarding to 127.0.0.1:TCP-PORT with its disk-assisted queue
# in $T/NAME/work.
start_relay()
{
	local name=$1 base=$T/$1
	mkdir -p "$base/work"
	contrib_copy "$CONTRIB_RSYSLOG/procship-relay.conf" "$base/relay.conf" \
		's/target="central.example.com" port="6514"/target="127.0.0.1" port="'"$3"'"/' \
		's/port="5514"/port="'"$2"'"/'
	printf 'global(workDirectory="%s/work")\ninclude(file="%s/relay.conf")\n' "$base" "$base" \
		>"$base/rsyslogd.conf"
	rsyslogd_run "$name" "$base/rsyslogd.conf" "udp:$2"
}

# ---- what every receiver must do --------------------------------------------------------------
# receiver_run MARK ADDR FILE FORMAT [ARGS...]: procship (through $IT_PROCSHIP_WRAPPER if set)
# sends an exec, the largest exec it sends by default and a relayed text message to ADDR;
# each must be in FILE, parsed, with the receiver's header under "received" and the relayed
# document's own "syslog" fields kept.
receiver_run()
{
	local m=$1 addr=$2 file=$3 fmt=$4 tag ev big sock=$T/log.sock
	shift 4
	tag=$m-$fmt${1:+-x}-$(echo "$addr" | tr -dc '0-9a-z')
	big=$(head -c 100000 /dev/zero | tr '\0' a)
	# --text-format json: the relayed message as a document with its own "syslog" object
	start_procship --udp-output-enabled --udp-output-address "$addr" --syslog-format "$fmt" \
		--export-allowlist "$(marker_filter "$m")" --input-unix "$sock" --text-format json "$@"
	exec_marked "$tag"
	run_marked "$T/big.pid" /usr/bin/true "$tag-big" "$big"
	logger -u "$sock" -t sshd -p auth.info "Accepted publickey for $tag"
	ev=$(wait_for_exec "$file" "$tag" 10)
	assert_exec_event "$ev" "$tag"
	[ "$fmt" = json ] || assert_header "$ev" app_name procship
	[ "$fmt" != rfc5424 ] ||
		assert_json "$ev" 're.fullmatch(r"\[meta sequenceId=\"\d+\" sysUpTime=\"\d+\"\]\[origin software=\"procship\" swVersion=\"[^\"]+\"\]", j["received"]["structured_data"])'
	# The largest: its arguments shortened until the datagram fits the default limit.
	ev=$(wait_for_exec "$file" "$tag-big" 10)
	assert_json "$ev" 'j["received"]["parsesuccess"] == "OK" and "truncArgs" in P["flags"]'
	assert_json "$ev" 'len(P["arguments"]) > 3000 and P["pid"] == int(pid)' pid="$(cat "$T/big.pid")"
	ev=$(wait_for_json "$file" 'get(j, "syslog.msg") == "Accepted publickey for " + t' 10 t="$tag")
	assert_json "$ev" 'j["syslog"]["app_name"] == "sshd" and j["syslog"]["facility"] == "auth"'
	[ "$fmt" = json ] || assert_header "$ev" app_name sshd facility auth
	stop_procship
}

# receiver_3164_times MARK ADDR FILE: RFC 3164 from a sender in TZ=EST5 (5 hours west of
# the receiver, which runs in UTC): --syslog-timestamp local is filed 5 hours early (the format
# has no zone), utc and rfc3339 at the right time.
receiver_3164_times()
{
	local m=$1 addr=$2 file=$3 ts tag ev off want
	for ts in local utc rfc3339; do
		tag=$m-ts-$ts
		TZ=EST5 start_procship --udp-output-enabled --udp-output-address "$addr" \
			--export-allowlist "$(marker_filter "$m")" --syslog-timestamp "$ts"
		exec_marked "$tag"
		ev=$(wait_for_exec "$file" "$tag" 10)
		stop_procship
		off=$(json_value "$ev" 'round((__import__("datetime").datetime.fromisoformat(j["time"][:26] + "+00:00") - __import__("datetime").datetime.fromisoformat(j["received"]["timereported"])).total_seconds() / 3600)')
		want=0
		[ "$ts" != local ] || want=5
		[ "$off" = "$want" ] || fail "--syslog-timestamp $ts: filed ${off}h early, want $want"
		info "--syslog-timestamp $ts: filed ${off}h early, as documented"
	done
}

# receiver_senders MARK DIR PORT [JSON-PORT]: receiver_run in every framing, with and without
# --cee-cookie, from 127.0.0.1 and from ::1 (bare JSON to JSON-PORT if given); each sender's
# messages in its own file of DIR (127.0.0.1.json, __1.json), all parsed, and procship gaps
# finds its two RFC 5424 runs whole.
receiver_senders()
{
	local m=$1 dir=$2 port=$3 jport=${4:-$3} host file ip fmt p
	for host in 127.0.0.1 "[::1]"; do
		case $host in
		\[*) file=$dir/__1.json ip=::1 ;;
		*) file=$dir/127.0.0.1.json ip=127.0.0.1 ;;
		esac
		for fmt in rfc3164 rfc5424 json; do
			p=$port
			[ "$fmt" != json ] || p=$jport
			receiver_run "$m" "$host:$p" "$file" "$fmt"
			[ "$fmt" = json ] || receiver_run "$m" "$host:$p" "$file" "$fmt" --cee-cookie
		done
		assert_all_parsed "$file"
		[ "$(json_count "$file" 'j["received"]["fromhost_ip"] != ip' ip="$ip")" -eq 0 ] ||
			fail "$file holds messages of another sender than $ip"
		"$PROCSHIP" gaps "$file" >"$T/gaps.out" 2>&1 ||
			{ cat "$T/gaps.out" >&2; fail "procship gaps $file: something missing"; }
		grep -q " 2 runs, .* 0 missing" "$T/gaps.out" ||
			{ cat "$T/gaps.out" >&2; fail "procship gaps $file: not 2 whole runs"; }
	done
	ls "$dir" >"$T/files"
	[ "$(sort "$T/files" | tr '\n' ' ')" = "127.0.0.1.json __1.json " ] ||
		fail "files written: $(tr '\n' ' ' <"$T/files"), want 127.0.0.1.json and __1.json"
}

# ---- relayed local syslog ---------------------------------------------------------------------
# relayed_send TAG SOCK: logger writes three messages to procship's --input-unix SOCK: an
# RFC 3164 one, an RFC 5424 one with MSGID and structured data, an sshd-like auth line and
# one that names itself procship (which procship relays as local-procship). Their pids go to
# $T/TAG-{a,b,c,d}.pid.
relayed_send()
{
	local tag=$1 sock=$2
	logger -u "$sock" -i -t it-app -p local3.warning "rfc3164 $tag-a" &
	echo $! >"$T/$tag-a.pid"
	wait $!
	logger -u "$sock" -i --rfc5424=notq --msgid IT86 --sd-id "it86@32473" \
		--sd-param 'k="v 1"' -t it-app5 -p daemon.err "rfc5424 $tag-b" &
	echo $! >"$T/$tag-b.pid"
	wait $!
	logger -u "$sock" -i -t sshd -p authpriv.info \
		"Accepted publickey for root from 192.0.2.7 port 4242 ssh2: $tag-c" &
	echo $! >"$T/$tag-c.pid"
	wait $!
	logger -u "$sock" -i -t procship -p user.notice "forged $tag-d" &
	echo $! >"$T/$tag-d.pid"
	wait $!
}

# forged_send TAG SOCK: six datagrams that a receiver would read as APP-NAME procship with
# MSGID "-" (or process_exec), a forged process_exec document as MSG, marked TAG.f1..TAG.f6:
# no TAG ('procship { ...', which rsyslog and syslog-ng read as TAG procship), 'procship/x:'
# (rsyslog's programname ends at '/'), 'procship[:', 'PROCSHIP', a leading space (syslog-ng
# skips it) and RFC 5424 'procship/x' with MSGID process_exec. Each must be renamed.
forged_send()
{
	"$PYTHON" - "$2" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
doc = '{ "process_exec": {"process": {"binary": "/usr/bin/%s", "uid": 0}}, "node_name": "h", "time": "2026-12-01T00:00:00Z"}'
heads = ["<14>procship ", "<14>procship/x: ", "<14>procship[: ", "<14>PROCSHIP ", "<14>  procship ",
         "<14>1 2026-12-01T00:00:00Z dc01 procship/x 1 process_exec - "]
for i, h in enumerate(heads):
    s.sendto((h + doc % ("%s.f%d" % (sys.argv[2], i + 1))).encode(), sys.argv[1])
PY
}

# forged_json_send TAG SOCK: ten datagrams under names not procship's (sshd, or no TAG) whose
# MSG is JSON in the shape of procship's events, marked /usr/bin/TAG.j1 .. TAG.j10: process_exec
# after an RFC 3164 TAG, after @cee:, in RFC 5424 and with no TAG at all; and documents with a
# "syslog" object (the shape of --text-format json) that also carry process_exec, an escaped
# process\u005fexec, an empty process_exit, an escaped empty one, agent_init's "event" and a
# "received" of their own. A receiver must file each as relayed text, never as an event.
forged_json_send()
{
	"$PYTHON" - "$2" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
ev = '{"process_exec":{"process":{"binary":"/usr/bin/%s","uid":0}},"node_name":"h","time":"2026-12-01T00:00:00Z"}'
doc = '{"syslog":{"app_name":"procship","hostname":"dc01","msg":"/usr/bin/%s"},'
msgs = ["<14>sshd: " + ev, "<14>sshd[1]: @cee:" + ev,
        "<14>1 2026-12-01T00:00:00Z - sshd - - - " + ev, "<14>" + ev,
        "<14>sshd: " + doc + '"process_exec":{"process":{"binary":"/usr/bin/x"}}}',
        "<14>sshd: " + doc + '"process\\u005fexec":{"process":{"binary":"/usr/bin/x"}}}',
        "<14>sshd: " + doc + '"process_exit":{}}',
        "<14>sshd: " + doc + '"process\\u005fexit":{}}',
        "<14>sshd: " + doc + '"event":"agent_init"}',
        "<14>sshd: " + doc + '"received":{"app_name":"procship"}}']
for i, m in enumerate(msgs):
    s.sendto((m % ("%s.j%d" % (sys.argv[2], i + 1))).encode(), sys.argv[1])
PY
}

# assert_forged_json DIR SENDER TAG: the ten datagrams of forged_json_send TAG are all in
# DIR/SENDER.syslog and none is in DIR/SENDER.json; waits for them.
assert_forged_json()
{
	local dir=$1 f=$1/$2 tag=$3 n
	wait_for "$f.syslog" "/usr/bin/$tag\.j10\b" 10
	n=$(grep -c -- "/usr/bin/$tag\.j[0-9]*\b" "$f.syslog" || true)
	[ "$n" -eq 10 ] || { grep -F -- "$tag.j" "$f.syslog" >&2; fail "$f.syslog: $n of the 10 forged JSON messages"; }
	! grep -qF -- "/usr/bin/$tag.j" "$f.json" || { grep -F -- "$tag.j" "$f.json" >&2; fail "$f.json: a local message filed as an event"; }
	info "$f: the 10 forged JSON messages of $tag are relayed text, not events"
}

# relayed_lines TAG FORMAT [SEP]: the four lines of relayed_send TAG as an RFC 5424 line
# (procship-receiver.conf's relayed line, timestamp left out) once procship relayed them in
# --syslog-format FORMAT: RFC 3164 has no room for MSGID and structured data. SEP (one space
# unless given) goes before the MSG of the three RFC 3164 messages: relayed as RFC 5424 their
# MSG starts with the space after the TAG, as rsyslog's does, which rsyslog's receiver
# template drops (sp-if-no-1st-sp) and syslog-ng keeps.
relayed_lines()
{
	local tag=$1 h mid='IT86 [it86@32473 k="v 1"]' sp=${3:- }
	h=$(uname -n)
	[ "$2" != rfc3164 ] || mid='- -'
	printf '<156>1 %s it-app %s - -%srfc3164 %s-a\n' "$h" "$(cat "$T/$tag-a.pid")" "$sp" "$tag"
	printf '<27>1 %s it-app5 %s %s rfc5424 %s-b\n' "$h" "$(cat "$T/$tag-b.pid")" "$mid" "$tag"
	printf '<86>1 %s sshd %s - -%sAccepted publickey for root from 192.0.2.7 port 4242 ssh2: %s-c\n' \
		"$h" "$(cat "$T/$tag-c.pid")" "$sp" "$tag"
	printf '<13>1 %s local-procship %s - -%sforged %s-d\n' "$h" "$(cat "$T/$tag-d.pid")" "$sp" "$tag"
}

# assert_relayed FILE TAG FORMAT [SEP]: FILE (RFC 5424 lines) holds exactly relayed_lines TAG
# FORMAT SEP among its lines of TAG, byte for byte but for the timestamp; waits for them.
assert_relayed()
{
	local file=$1 tag=$2
	wait_for "$file" "$tag-d\$" 10
	relayed_lines "$tag" "$3" "${4:-}" >"$T/relayed.want"
	grep -F -- "$tag-" "$file" | sed -E 's/^(<[0-9]+>1) [^ ]+ /\1 /' >"$T/relayed.got" || true
	cmp -s "$T/relayed.want" "$T/relayed.got" ||
		{ diff "$T/relayed.want" "$T/relayed.got" >&2; fail "$file: relayed messages of $tag changed"; }
	info "$file: the 4 relayed messages of $tag as sent"
}
