# SPDX-License-Identifier: Apache-2.0
# Integration-test library, UDP receivers: free ports, the one receiver program
# (helpers/udp_receiver.py) as a bare sink (start_udp_sink) and as counters (start_counter
# NAME), and the kernel's drop count of a UDP socket. Sourced by lib.sh.

# free_udp_port: print a UDP port on 127.0.0.1 that nobody uses right now (imudp cannot bind
# port 0 and tell us, so we ask the kernel for one and hand it over).
free_udp_port()
{
	"$PYTHON" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# port_is_listening PORT: a UDP socket is bound to 127.0.0.1:PORT.
port_is_listening()
{
	ss -Hunl "sport = :$1" 2>/dev/null | grep "127\.0\.0\.1:$1\b" >/dev/null
}

# udp_socket_drops PORT: datagrams the kernel dropped at the UDP socket bound to
# 127.0.0.1:PORT (receive buffer full), from /proc/net/udp; 0 if there is no such socket.
udp_socket_drops()
{
	"$PYTHON" - "$1" <<-'EOF'
	import sys
	port = int(sys.argv[1])
	drops = 0
	with open("/proc/net/udp") as f:
	    next(f)
	    for line in f:
	        fields = line.split()
	        addr, hexport = fields[1].split(":")
	        if addr == "0100007F" and int(hexport, 16) == port:
	            drops += int(fields[-1])
	print(drops)
	EOF
}

# ---- the receiver -----------------------------------------------------------------------------
# it_launch_receiver BASE PORT ARGS...: helpers/udp_receiver.py on 127.0.0.1:PORT with ARGS, its
# stderr appended to BASE.log; in the network namespace $CNT_NS if set. Sets IT_RCV_PID; returns
# once the socket is bound. It ends by itself after 300 s.
it_launch_receiver()
{
	local base=$1 port=$2 ns=${CNT_NS:-} i
	shift 2
	rm -f "$base.ready"
	${ns:+ip netns exec "$ns"} "$PYTHON" "$IT_HELPERS/udp_receiver.py" --port "$port" \
		--ready "$base.ready" "$@" 2>>"$base.log" &
	IT_RCV_PID=$!
	for ((i = 0; i < 100; i++)); do
		[ -e "$base.ready" ] && return 0
		kill -0 "$IT_RCV_PID" 2>/dev/null || break
		sleep 0.05
	done
	show_tail "$base.log"
	fail "udp receiver did not bind 127.0.0.1:$port${ns:+ in netns $ns}"
}

# ---- a bare UDP sink --------------------------------------------------------------------------
# start_udp_sink [PORT]: the receiver on 127.0.0.1:PORT (a free port if none is given): every
# datagram becomes one line of $SINK_OUT (bytes as received; a datagram with a newline in it is
# counted in $SINK_OUT.bad instead), its size one line of $SINK_SIZES and its source port one
# line of $SINK_PEERS. Sets SINK_PID and SINK_PORT.
SINK_PID=
SINK_PORT=
SINK_OUT=
SINK_SIZES=
SINK_PEERS=
start_udp_sink()
{
	local port=${1:-}
	[ -z "$SINK_PID" ] || fail "start_udp_sink: the sink $SINK_PID is still running"
	[ -n "$port" ] || port=$(free_udp_port)
	SINK_OUT=$T/sink.out
	SINK_SIZES=$T/sink.sizes
	SINK_PEERS=$T/sink.peers
	CNT_NS= it_launch_receiver "$T/sink" "$port" --out "$SINK_OUT" --newlines refuse \
		--sizes "$SINK_SIZES" --peers "$SINK_PEERS"
	SINK_PID=$IT_RCV_PID
	SINK_PORT=$port
	info "udp sink $SINK_PID listening on 127.0.0.1:$SINK_PORT, writing $SINK_OUT"
}

stop_udp_sink()
{
	[ -n "$SINK_PID" ] || return 0
	stop_pid "$SINK_PID" 10 || fail "udp_sink did not exit within 10s of SIGTERM"
	wait "$SINK_PID" 2>/dev/null || true
	SINK_PID=
}

# ---- counting receivers -----------------------------------------------------------------------
# The receiver, one per NAME, writing one line per datagram to CNT_OUT[NAME]
# ($T/counter-NAME.out, appended to by every instance of NAME; a newline or NUL inside a
# datagram written as \n or \0). stop_counter first stops accepting (the socket is connect()ed
# elsewhere, so new datagrams are refused with ICMP as if the port were closed), then reads what
# is queued, so that nothing the kernel accepted for it is lost at shutdown; the datagrams its
# socket dropped (receive buffer full) are added to $T/counter-NAME.kdrops. CNT_NS (a network
# namespace name) runs it there.
declare -A CNT_PID=() CNT_PORT=() CNT_OUT=() CNT_NSNAME=()

# start_counter NAME [PORT]
start_counter()
{
	local name=$1 port=${2:-} ns=${CNT_NS:-}
	[ -z "${CNT_PID[$name]:-}" ] || fail "start_counter: counter $name is still running"
	[ -n "$port" ] || port=$(free_udp_port)
	CNT_OUT[$name]=$T/counter-$name.out
	it_launch_receiver "$T/counter-$name" "$port" --out "${CNT_OUT[$name]}" \
		--kdrops "$T/counter-$name.kdrops"
	CNT_PID[$name]=$IT_RCV_PID
	CNT_NSNAME[$name]=$ns
	CNT_PORT[$name]=$port
	info "udp counter $name (${CNT_PID[$name]}) on 127.0.0.1:$port${ns:+ in netns $ns}"
}

# stop_counter NAME: returns once every datagram it accepted is in CNT_OUT[NAME].
stop_counter()
{
	local name=$1 pid=${CNT_PID[$1]:-}
	[ -n "$pid" ] || return 0
	stop_pid "$pid" 10 || fail "udp counter $name did not exit within 10s of SIGTERM"
	wait "$pid" 2>/dev/null || true
	CNT_PID[$name]=
	info "udp counter $name stopped"
}

# counter_lines NAME: datagrams received so far by every instance of counter NAME.
counter_lines()
{
	if [ -e "${CNT_OUT[$1]}" ]; then wc -l <"${CNT_OUT[$1]}"; else echo 0; fi
}

# counter_kdrops NAME: datagrams the kernel dropped at counter NAME's sockets (buffer full).
counter_kdrops()
{
	local f=$T/counter-$1.kdrops
	if [ -s "$f" ]; then awk '{ s += $1 } END { print s + 0 }' "$f"; else echo 0; fi
}

it_stop_counters()
{
	local name
	for name in "${!CNT_PID[@]}"; do
		[ -n "${CNT_PID[$name]}" ] || continue
		stop_pid "${CNT_PID[$name]}" 5 || info "udp counter ${CNT_PID[$name]} needed SIGKILL"
		wait "${CNT_PID[$name]}" 2>/dev/null
	done
}

# At the end: the sink and every counter still running are stopped.
it_receivers_cleanup()
{
	if [ -n "$SINK_PID" ]; then
		stop_pid "$SINK_PID" 5 || info "udp sink $SINK_PID needed SIGKILL"
		wait "$SINK_PID" 2>/dev/null
	fi
	it_stop_counters
}
it_at_cleanup it_receivers_cleanup
