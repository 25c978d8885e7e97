# SPDX-License-Identifier: Apache-2.0
# Integration-test library, rsyslogd: the private rsyslogd of a scenario (start_rsyslogd) and
# more of them at once for the failover scenarios (start_receiver NAME), each with its own
# config around contrib/rsyslog/procship-receiver.conf, pid file, work directory and port.
# Sourced by lib.sh.

RECEIVER_CONF=$IT_TOP/contrib/rsyslog/procship-receiver.conf
[ -r "$RECEIVER_CONF" ] || fail "receiver config missing: $RECEIVER_CONF"
RSYSLOG_PID=
RSYSLOG_PORT=
RSYSLOG_OUT=
# the receivers of start_receiver, by name
declare -A RCV_PID=() RCV_PORT=() RCV_OUT=()

# ---- rsyslogd ---------------------------------------------------------------------------------
# it_launch_rsyslogd BASE PORT: start an rsyslogd whose files live below BASE (rsyslogd.conf,
# rsyslogd.log, rsyslogd.pid, rsyslog-work/, received/) on 127.0.0.1:PORT (a free port if
# PORT is empty). Sets IT_R_PID and IT_R_PORT. Returns once the port is bound.
# RSYSLOG_IMUDP_OPTS is added to the imudp input() statement; by default rcvbufSize="16m", so a
# burst of the host's own processes cannot push a scenario's events out of rsyslogd's socket.
# RSYSLOG_APP_NAME (procship's --syslog-app-name) sets $.procship_app_name, as an operator
# whose senders use another name does; RSYSLOG_ITEST_RULES is RainerScript run before the call.
it_launch_rsyslogd()
{
	local base=$1 port=$2 tries=0 conf=$1/rsyslogd.conf i
	local imudp_opts=${RSYSLOG_IMUDP_OPTS:-'rcvbufSize="16m"'} app_line=
	[ -z "${RSYSLOG_APP_NAME:-}" ] || app_line="set \$.procship_app_name = \"$RSYSLOG_APP_NAME\";"
	IT_R_PID=
	while :; do
		[ -n "$port" ] || port=$(free_udp_port)
		mkdir -p "$base/rsyslog-work" "$base/received"
		# The receiver loads mmjsonparse; the modules it does not load appear here once.
		cat >"$conf" <<-EOF
		global(workDirectory="$base/rsyslog-work" maxMessageSize="64k")
		# One worker keeps the file in arrival order: "agent_init comes first" is tested.
		main_queue(queue.workerThreads="1")
		module(load="imudp")
		include(file="$RECEIVER_CONF")
		ruleset(name="itest") {
		    set \$.procship_dir = "$base/received";
		    $app_line
		    ${RSYSLOG_ITEST_RULES:-}
		    call procship
		}
		input(type="imudp" address="127.0.0.1" port="$port" ruleset="itest" $imudp_opts)
		EOF
		rsyslogd -N1 -f "$conf" >"$base/rsyslogd-check.log" 2>&1 ||
			{ show_tail "$base/rsyslogd-check.log"; fail "rsyslogd rejects $conf"; }
		rsyslogd -n -f "$conf" -i "$base/rsyslogd.pid" >>"$base/rsyslogd.log" 2>&1 &
		IT_R_PID=$!
		for ((i = 0; i < 100; i++)); do
			port_is_listening "$port" && break
			kill -0 "$IT_R_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$IT_R_PID" 2>/dev/null && port_is_listening "$port"; then
			break
		fi
		stop_pid "$IT_R_PID" 5 || true
		wait "$IT_R_PID" 2>/dev/null || true
		IT_R_PID=
		# A port picked by us may have been taken in between: pick another one, twice.
		if [ -n "$2" ] || [ $((++tries)) -ge 3 ]; then
			show_tail "$base/rsyslogd.log"
			fail "rsyslogd did not listen on 127.0.0.1:$port within 10s"
		fi
		port=
	done
	IT_R_PORT=$port
}

# start_rsyslogd [PORT]: a private rsyslogd on 127.0.0.1:PORT (a free port if none is given)
# running the contrib ruleset. Sets RSYSLOG_PORT, RSYSLOG_PID and RSYSLOG_OUT, the file in
# which messages from 127.0.0.1 end up. Returns once the port is bound.
start_rsyslogd()
{
	it_launch_rsyslogd "$T" "${1:-}"
	RSYSLOG_PID=$IT_R_PID
	RSYSLOG_PORT=$IT_R_PORT
	RSYSLOG_OUT=$T/received/127.0.0.1.json
	info "rsyslogd $RSYSLOG_PID listening on 127.0.0.1:$RSYSLOG_PORT, writing $RSYSLOG_OUT"
}

stop_rsyslogd()
{
	[ -n "$RSYSLOG_PID" ] || return 0
	stop_pid "$RSYSLOG_PID" 10 || fail "rsyslogd did not exit within 10s of SIGTERM"
	wait "$RSYSLOG_PID" 2>/dev/null || true
	RSYSLOG_PID=
}

# More receivers at once (failover tests). Each has a NAME (letters, digits, _) and its own
# directory $T/rsyslog-NAME; RCV_PORT[NAME], RCV_PID[NAME] and RCV_OUT[NAME] are set like the
# RSYSLOG_* variables. A receiver restarted on its old port appends to the same file.

# start_receiver NAME [PORT]
start_receiver()
{
	local name=$1
	[ -z "${RCV_PID[$name]:-}" ] || fail "start_receiver: receiver $name is still running"
	it_launch_rsyslogd "$T/rsyslog-$name" "${2:-}"
	RCV_PID[$name]=$IT_R_PID
	RCV_PORT[$name]=$IT_R_PORT
	RCV_OUT[$name]=$T/rsyslog-$name/received/127.0.0.1.json
	info "rsyslogd $name ($IT_R_PID) listening on 127.0.0.1:$IT_R_PORT, writing ${RCV_OUT[$name]}"
}

# stop_receiver NAME: SIGTERM; returns once the process is gone and its port is closed.
stop_receiver()
{
	local name=$1 pid=${RCV_PID[$1]:-} i
	[ -n "$pid" ] || return 0
	stop_pid "$pid" 10 || fail "rsyslogd $name did not exit within 10s of SIGTERM"
	wait "$pid" 2>/dev/null || true
	RCV_PID[$name]=
	for ((i = 0; i < 50; i++)); do
		port_is_listening "${RCV_PORT[$name]}" || break
		sleep 0.1
	done
	! port_is_listening "${RCV_PORT[$name]}" ||
		fail "port ${RCV_PORT[$name]} still bound after rsyslogd $name exited"
	info "rsyslogd $name stopped"
}

# At the end: every rsyslogd still running is stopped.
it_rsyslog_cleanup()
{
	local name
	if [ -n "$RSYSLOG_PID" ]; then
		stop_pid "$RSYSLOG_PID" 5 || info "rsyslogd $RSYSLOG_PID needed SIGKILL"
		wait "$RSYSLOG_PID" 2>/dev/null
	fi
	for name in "${!RCV_PID[@]}"; do
		[ -n "${RCV_PID[$name]}" ] || continue
		stop_pid "${RCV_PID[$name]}" 5 || info "rsyslogd ${RCV_PID[$name]} needed SIGKILL"
		wait "${RCV_PID[$name]}" 2>/dev/null
	done
}
it_at_cleanup it_rsyslog_cleanup
