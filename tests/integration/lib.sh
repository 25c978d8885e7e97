# Helpers for the integration scenarios: source it first thing, after `set -euo pipefail`.
#
# Each scenario gets a private directory ($T), a private rsyslogd (own config built around
# contrib/rsyslog/procship-receiver.conf, own pid file, work directory and loopback port) and
# the procship binary named by $PROCSHIP. Everything started here is stopped by an EXIT trap,
# also when the scenario fails. A missing prerequisite fails the scenario: nothing is skipped.
#
# Environment: PROCSHIP (absolute path of the binary, for scenarios that run it),
# IT_SCENARIO_DIR (set by ./run: where this scenario keeps its files; else a fresh temp dir).

IT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_TOP=$(cd "$IT_LIB_DIR/../.." && pwd)
# the programs the scenarios and these functions run (receivers, exec drivers, JSON checks)
IT_HELPERS=$IT_LIB_DIR/helpers
RECEIVER_CONF=$IT_TOP/contrib/rsyslog/procship-receiver.conf
SCENARIO=$(basename "$0" .sh)

RSYSLOG_PID=
RSYSLOG_PORT=
RSYSLOG_OUT=
PROCSHIP_PID=
PROCSHIP_STARTED=
PROCSHIP_LOG=
PROCSHIP_OUT=
IT_LOG_CHECKED=
PROCSHIP_LOG_OFFSET=
PROCSHIP_OUT_OFFSET=
# the receivers of start_receiver, by name
declare -A RCV_PID=() RCV_PORT=() RCV_OUT=()

# fail MSG...: say what went wrong and end the scenario (the EXIT trap cleans up).
fail()
{
	printf '%s: FAIL: %s\n' "$SCENARIO" "$*" >&2
	exit 1
}

info()
{
	printf '%s: %s\n' "$SCENARIO" "$*" >&2
}

# show_tail FILE [LINES]: a file's last lines, for failure messages.
show_tail()
{
	if [ -s "$1" ]; then
		printf -- '--- last lines of %s\n' "$1" >&2
		tail -n "${2:-15}" "$1" >&2
	else
		printf -- '--- %s is empty or missing\n' "$1" >&2
	fi
}

# ---- prerequisites: checked here, reported as failures ----------------------------------------
[ "$(id -u)" -eq 0 ] || fail "must run as root (BPF and a private rsyslogd); got uid $(id -u)"
# The system's python3 (what `make deps` installs) starts faster than wrappers found first on
# some PATHs; the helpers start it often.
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
for it_cmd in rsyslogd logger "$PYTHON" ss timeout; do
	command -v "$it_cmd" >/dev/null 2>&1 || fail "prerequisite missing: $it_cmd (run 'make deps')"
done
unset it_cmd
[ -r "$RECEIVER_CONF" ] || fail "receiver config missing: $RECEIVER_CONF"

need_procship()
{
	[ -n "${PROCSHIP:-}" ] || fail "PROCSHIP is not set (the absolute path of the procship binary)"
	case $PROCSHIP in
	/*) ;;
	*) fail "PROCSHIP must be an absolute path, got '$PROCSHIP'" ;;
	esac
	[ -x "$PROCSHIP" ] || fail "PROCSHIP=$PROCSHIP is not an executable file (run 'make')"
	[ -r /sys/kernel/btf/vmlinux ] || fail "no BPF: /sys/kernel/btf/vmlinux is missing (kernel without CONFIG_DEBUG_INFO_BTF)"
}

# ---- private directory ------------------------------------------------------------------------
if [ -n "${IT_SCENARIO_DIR:-}" ]; then
	T=$IT_SCENARIO_DIR
	mkdir -p "$T"
else
	T=$(mktemp -d "${TMPDIR:-/tmp}/procship-it-$SCENARIO.XXXXXX")
fi
T=$(cd "$T" && pwd)
info "files in $T"

# ---- cleanup ----------------------------------------------------------------------------------
# stop_pid PID SECONDS: SIGTERM, then SIGKILL if still there after SECONDS; returns 1 if the
# process had to be killed. Only for our own children.
stop_pid()
{
	local pid=$1 secs=$2 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	return 1
}

it_cleanup()
{
	local status=$?
	trap - EXIT INT TERM
	set +e
	# A scenario that passed without checking procship's log is checked now.
	if [ "$status" -eq 0 ] && [ -n "$PROCSHIP_STARTED" ] && [ -z "$IT_LOG_CHECKED" ]; then
		(check_own_log '') || status=1
	fi
	if [ -n "$PROCSHIP_PID" ]; then
		stop_pid "$PROCSHIP_PID" 5 || info "procship $PROCSHIP_PID needed SIGKILL"
		wait "$PROCSHIP_PID" 2>/dev/null
	fi
	if [ -n "$RSYSLOG_PID" ]; then
		stop_pid "$RSYSLOG_PID" 5 || info "rsyslogd $RSYSLOG_PID needed SIGKILL"
		wait "$RSYSLOG_PID" 2>/dev/null
	fi
	local name
	for name in "${!RCV_PID[@]}"; do
		[ -n "${RCV_PID[$name]}" ] || continue
		stop_pid "${RCV_PID[$name]}" 5 || info "rsyslogd ${RCV_PID[$name]} needed SIGKILL"
		wait "${RCV_PID[$name]}" 2>/dev/null
	done
	if [ -n "$SINK_PID" ]; then
		stop_pid "$SINK_PID" 5 || info "udp sink $SINK_PID needed SIGKILL"
		wait "$SINK_PID" 2>/dev/null
	fi
	# scenarios 30 and later: their counters and exit hooks (none in the older scenarios)
	declare -F it_stop_counters >/dev/null && it_stop_counters
	declare -F it_run_exit_hooks >/dev/null && it_run_exit_hooks
	exit "$status"
}
trap it_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- waiting ----------------------------------------------------------------------------------
# wait_for FILE REGEX SECONDS: until a line of FILE matches the extended REGEX; fails on timeout.
wait_for()
{
	local file=$1 re=$2 secs=$3 i
	for ((i = 0; i < secs * 10; i++)); do
		grep -Eq -- "$re" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	show_tail "$file"
	fail "timed out after ${secs}s waiting for /$re/ in $file"
}

# ---- JSON -------------------------------------------------------------------------------------
# The expressions are Python: `j` is the parsed line, P its process_exec/process_exit
# "process" object; NAME=VALUE arguments become string variables; b64d() decodes base64,
# get(j, "a.b") reads a path or gives None.

# json_lines_match FILE EXPR [NAME=VALUE...]: print the first line of FILE that matches, or
# return 1 (no failure: a building block).
json_lines_match()
{
	"$PYTHON" "$IT_HELPERS/jsoncheck.py" select "$@"
}

# wait_for_json FILE EXPR SECONDS [NAME=VALUE...]: print the first matching line, waiting for
# it; fails on timeout.
wait_for_json()
{
	local file=$1 expr=$2 secs=$3 i
	shift 3
	for ((i = 0; i < secs * 5; i++)); do
		json_lines_match "$file" "$expr" "$@" && return 0
		sleep 0.2
	done
	show_tail "$file" 5
	fail "timed out after ${secs}s waiting in $file for a JSON line with: $expr${*:+ ($*)}"
}

# assert_json JSON EXPR [NAME=VALUE...]: fail unless EXPR holds for the JSON text.
assert_json()
{
	"$PYTHON" "$IT_HELPERS/jsoncheck.py" assert "$@" || fail "JSON assertion failed (see above)"
}

# json_value JSON EXPR [NAME=VALUE...]: print EXPR's value; fails if it cannot be evaluated.
json_value()
{
	"$PYTHON" "$IT_HELPERS/jsoncheck.py" value "$@" || fail "cannot read a value from JSON"
}

# first_line FILE: the first complete line of FILE; fails if there is none.
first_line()
{
	"$PYTHON" "$IT_HELPERS/jsoncheck.py" first "$1" || fail "no complete line in $1"
}

# json_count FILE EXPR [NAME=VALUE...]: how many lines of FILE match.
json_count()
{
	"$PYTHON" "$IT_HELPERS/jsoncheck.py" count "$@"
}

# all_json FILE: fail unless every complete line of FILE is JSON.
all_json()
{
	"$PYTHON" "$IT_HELPERS/jsoncheck.py" alljson "$1" || fail "$1 has a line that is not JSON"
}

# ---- rsyslogd ---------------------------------------------------------------------------------
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

# it_launch_rsyslogd BASE PORT: start an rsyslogd whose files live below BASE (rsyslogd.conf,
# rsyslogd.log, rsyslogd.pid, rsyslog-work/, received/) on 127.0.0.1:PORT (a free port if
# PORT is empty). Sets IT_R_PID and IT_R_PORT. Returns once the port is bound.
# RSYSLOG_IMUDP_OPTS is added to the imudp input() statement; by default rcvbufSize="16m", so a
# burst of the host's own processes cannot push a scenario's events out of rsyslogd's socket.
it_launch_rsyslogd()
{
	local base=$1 port=$2 tries=0 conf=$1/rsyslogd.conf i
	local imudp_opts=${RSYSLOG_IMUDP_OPTS:-'rcvbufSize="16m"'}
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

# ---- a bare UDP sink --------------------------------------------------------------------------
# start_udp_sink [PORT]: udp_sink.py on 127.0.0.1:PORT (a free port if none is given): every
# datagram becomes one line of $SINK_OUT (bytes as received; a datagram with a newline in it is
# counted in $SINK_OUT.bad instead) and its size one line of $SINK_SIZES. Sets SINK_PID and
# SINK_PORT; the sink ends by itself after 300 s.
SINK_PID=
SINK_PORT=
SINK_OUT=
SINK_SIZES=
start_udp_sink()
{
	local port=${1:-} i
	[ -z "$SINK_PID" ] || fail "start_udp_sink: the sink $SINK_PID is still running"
	[ -n "$port" ] || port=$(free_udp_port)
	SINK_OUT=$T/sink.out
	SINK_SIZES=$T/sink.sizes
	"$PYTHON" "$IT_HELPERS/udp_sink.py" "$port" "$SINK_OUT" "$SINK_SIZES" 300 \
		2>>"$T/sink.log" &
	SINK_PID=$!
	for ((i = 0; i < 100; i++)); do
		port_is_listening "$port" && break
		kill -0 "$SINK_PID" 2>/dev/null || break
		sleep 0.1
	done
	port_is_listening "$port" || { show_tail "$T/sink.log"; fail "udp_sink did not listen on $port"; }
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

# ---- procship ---------------------------------------------------------------------------------
# start_procship ARGS...: run $PROCSHIP ARGS in the background, stdout to $PROCSHIP_OUT and
# stderr appended to $PROCSHIP_LOG; returns once it logs "ready" (BPF attached, exporting).
# This run's output starts at byte PROCSHIP_OUT_OFFSET of $PROCSHIP_OUT, its log at byte
# PROCSHIP_LOG_OFFSET of $PROCSHIP_LOG (1-based, for tail -c +N). With IT_PROCSHIP_WRAPPER set
# the command is "$IT_PROCSHIP_WRAPPER" "$PROCSHIP" ARGS: the wrapper must exec its arguments
# (same pid), e.g. to run procship in a mount namespace of its own.
start_procship()
{
	local i offset
	need_procship
	[ -z "$PROCSHIP_PID" ] || fail "start_procship: procship $PROCSHIP_PID is still running"
	PROCSHIP_LOG=$T/procship.log
	PROCSHIP_OUT=$T/procship.out
	printf -- '--- procship %s\n' "$*" >>"$PROCSHIP_LOG"
	# Only this run's lines count: the log keeps those of earlier runs too.
	offset=$(($(stat -c %s "$PROCSHIP_LOG") + 1))
	PROCSHIP_LOG_OFFSET=$offset
	touch "$PROCSHIP_OUT"
	PROCSHIP_OUT_OFFSET=$(($(stat -c %s "$PROCSHIP_OUT") + 1))
	${IT_PROCSHIP_WRAPPER:+"$IT_PROCSHIP_WRAPPER"} "$PROCSHIP" "$@" >>"$PROCSHIP_OUT" 2>>"$PROCSHIP_LOG" &
	PROCSHIP_PID=$!
	PROCSHIP_STARTED=1
	for ((i = 0; i < 200; i++)); do
		tail -c "+$offset" "$PROCSHIP_LOG" | grep -w ready >/dev/null && break
		if ! kill -0 "$PROCSHIP_PID" 2>/dev/null; then
			wait "$PROCSHIP_PID" && i=0 || i=$?
			PROCSHIP_PID=
			show_tail "$PROCSHIP_LOG"
			fail "procship exited with status $i before it was ready"
		fi
		sleep 0.1
	done
	tail -c "+$offset" "$PROCSHIP_LOG" | grep -w ready >/dev/null ||
		{ show_tail "$PROCSHIP_LOG"; fail "procship did not log 'ready' within 20s"; }
	info "procship $PROCSHIP_PID ready: $*"
}

# procship_alive: fail if procship has exited.
procship_alive()
{
	[ -n "$PROCSHIP_PID" ] && kill -0 "$PROCSHIP_PID" 2>/dev/null && return 0
	show_tail "$PROCSHIP_LOG"
	fail "procship is not running any more"
}

# stop_procship: SIGTERM; fails unless procship exits with status 0 within 10 s.
stop_procship()
{
	local pid=$PROCSHIP_PID status=0
	[ -n "$pid" ] || fail "stop_procship: procship is not running"
	PROCSHIP_PID=
	if ! stop_pid "$pid" 10; then
		wait "$pid" 2>/dev/null || true
		show_tail "$PROCSHIP_LOG"
		fail "procship did not exit within 10s of SIGTERM (killed)"
	fi
	wait "$pid" || status=$?
	if [ "$status" -ne 0 ]; then
		show_tail "$PROCSHIP_LOG"
		fail "procship exited with status $status after SIGTERM, expected 0"
	fi
}

# check_own_log [ALLOW_REGEX]: fail if procship logged warnings or fatal errors, except lines
# matching the extended ALLOW_REGEX, or if a sanitizer reported anything.
check_own_log()
{
	local allow=${1:-} bad
	IT_LOG_CHECKED=1
	[ -n "$PROCSHIP_LOG" ] || return 0
	bad=$(grep -E 'warning:|fatal:|AddressSanitizer|LeakSanitizer|runtime error:' \
		"$PROCSHIP_LOG" || true)
	if [ -n "$allow" ] && [ -n "$bad" ]; then
		bad=$(printf '%s\n' "$bad" | grep -Ev -- "$allow" || true)
	fi
	[ -z "$bad" ] || fail "unexpected lines in procship's log $PROCSHIP_LOG:
$bad"
}

# procship_run_log: this run's lines of $PROCSHIP_LOG (the last start_procship).
procship_run_log()
{
	tail -c "+$PROCSHIP_LOG_OFFSET" "$PROCSHIP_LOG"
}

# procship_run_out FILE: copy this run's part of $PROCSHIP_OUT (stdout mode) to FILE.
procship_run_out()
{
	tail -c "+$PROCSHIP_OUT_OFFSET" "$PROCSHIP_OUT" >"$1"
}

# procship_stat NAME: a counter of this run's exit summary (after stop_procship). NAME is one
# of exec, exit, fork, encoded (alias exported: the events written), filtered, ratelimited,
# shortened, cut, misses (the "events:" line) or sent, dropped, failovers (the "udp:" line).
# filtered and ratelimited are 0 when the summary has no such counter (older builds); the
# others fail the scenario when missing.
procship_stat()
{
	local v
	v=$(procship_run_log | "$PYTHON" -c '
import re, sys
name = sys.argv[1]
pats = {
    "exec": r"events: (\d+) exec,", "exit": r"events: \d+ exec, (\d+) exit,",
    "fork": r"events: .* (\d+) fork;", "encoded": r"; (\d+) (?:encoded|exported),",
    "exported": r"; (\d+) (?:encoded|exported),",
    "filtered": r"events: .*, (\d+) filtered,", "ratelimited": r"events: .*, (\d+) rate-limited,",
    "shortened": r", (\d+) shortened to fit,", "cut": r", (\d+) cut by the framer,",
    "misses": r", (\d+) cache misses", "sent": r"udp: (\d+) sent,",
    "dropped": r"udp: \d+ sent, (\d+) dropped,", "failovers": r", (\d+) failovers",
}
found = None
for line in sys.stdin:
    m = re.search(pats[name], line)
    if m:
        found = m.group(1)
    elif name in ("filtered", "ratelimited") and re.search(r"events: \d+ exec,", line):
        found = "0"
if found is None:
    sys.exit(1)
print(found)' "$1") || { show_tail "$PROCSHIP_LOG"; fail "no '$1' counter in procship's exit summary"; }
	printf '%s\n' "$v"
}

# procship_drops KIND REASON: the sum of this run's "N KIND records dropped (REASON)" lines
# (KIND exec, exit, fork or malformed; REASON ringbuf_full or short_record).
procship_drops()
{
	procship_run_log | "$PYTHON" -c '
import re, sys
pat = re.compile(r"(\d+) %s records dropped \(%s\)" % (re.escape(sys.argv[1]), re.escape(sys.argv[2])))
print(sum(int(m.group(1)) for line in sys.stdin for m in [pat.search(line)] if m))' "$1" "$2"
}

# all_utf8 FILE: fail unless every byte of FILE is valid UTF-8 (the JSON checks read files
# replacing bad bytes, so they alone would not notice raw invalid bytes).
all_utf8()
{
	"$PYTHON" "$IT_HELPERS/jsoncheck.py" utf8 "$1" || fail "$1 is not valid UTF-8"
}

# ---- test processes ---------------------------------------------------------------------------
# run_marked PIDFILE PROGRAM ARGS...: run PROGRAM ARGS in $T as a child of this shell; the pid
# of the exec'd program (the sh that execs it) goes to PIDFILE. PROGRAM's status is ignored.
run_marked()
{
	local pidfile=$1
	shift
	(cd "$T" && exec /bin/sh -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@") || true
}

# ---- procship's events ------------------------------------------------------------------------
RFC3339_Z='\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.(\d{3}|\d{6}|\d{9}))?Z'

# assert_agent_init LINE DESTINATION: LINE is procship's agent_init event, sent to DESTINATION.
assert_agent_init()
{
	local line=$1 f
	assert_json "$line" 'j["event"] == "agent_init"'
	for f in procship_version build_commit build_date hostname kernel_version; do
		assert_json "$line" 'isinstance(j[f], str) and j[f] != ""' f=$f
	done
	assert_json "$line" 're.fullmatch(rfc3339, j["@timestamp"])' rfc3339="$RFC3339_Z"
	assert_json "$line" 'j["os"] == "linux"'
	assert_json "$line" 'j["pid"] == int(pid)' pid="$PROCSHIP_PID"
	assert_json "$line" 'j["udp_destination"] == dest' dest="$2"
	assert_json "$line" 'isinstance(j["udp_buffer_size"], int) and j["udp_buffer_size"] > 0'
	assert_json "$line" 'j["uptime"] == "initialized at 0"'
}

# exec_marked MARKER: run /usr/bin/true MARKER "two words" in $T (a child of this shell, through
# sh's exec, so without a fork of its own); its pid goes to $T/MARKER.pid.
exec_marked()
{
	run_marked "$T/$1.pid" /usr/bin/true "$1" "two words"
}

# wait_for_exec FILE MARKER SECONDS: print the process_exec event for exec_marked MARKER (the
# first argument is the marker: the event of the sh that execs the program has it later).
wait_for_exec()
{
	wait_for_json "$1" \
		'j["process_exec"]["process"]["arguments"].split(" ")[0] == marker' "$3" marker="$2"
}

# assert_exec_event LINE MARKER [NODE_NAME]: LINE is the Tetragon-style process_exec event of
# exec_marked MARKER.
assert_exec_event()
{
	local line=$1 marker=$2 node=${3:-} pid
	pid=$(cat "$T/$marker.pid")
	# the receiver adds "syslog"
	assert_json "$line" 'sorted(set(j) - {"syslog"}) == ["node_name", "process_exec", "time"]'
	assert_json "$line" 'isinstance(j["node_name"], str) and j["node_name"] != ""'
	[ -z "$node" ] || assert_json "$line" 'j["node_name"] == node' node="$node"
	assert_json "$line" 're.fullmatch(rfc3339, j["time"])' rfc3339="$RFC3339_Z"
	assert_json "$line" 'P["binary"] == "/usr/bin/true"'
	assert_json "$line" 'P["arguments"] == args' args="$marker \"two words\""
	assert_json "$line" 'P["pid"] == int(pid)' pid="$pid"
	assert_json "$line" 'P["tid"] == int(pid)' pid="$pid"
	assert_json "$line" 'P["uid"] == 0'
	assert_json "$line" 'isinstance(P["auid"], int)'
	assert_json "$line" 'P["cwd"] == cwd' cwd="$T"
	# sh exec'd the program: an exec without a fork, in a directory that is not /
	assert_json "$line" 'P["flags"] == "execve"'
	assert_json "$line" 're.fullmatch(rfc3339, P["start_time"])' rfc3339="$RFC3339_Z"
	assert_json "$line" \
		're.fullmatch(re.escape(j["node_name"]) + r":[1-9]\d*:" + pid, b64d(P["exec_id"]))' \
		pid="$pid"
	assert_json "$line" 'P["parent_exec_id"] == j["process_exec"]["parent"]["exec_id"]'
	assert_json "$line" \
		're.fullmatch(re.escape(j["node_name"]) + r":\d+:" + str(j["process_exec"]["parent"]["pid"]), b64d(j["process_exec"]["parent"]["exec_id"]))'
}

# assert_all_parsed FILE: every line the receiver wrote parsed as JSON (the datagrams procship
# sent for the other processes of the machine too).
assert_all_parsed()
{
	local n
	all_json "$1"
	n=$(json_count "$1" 'j["syslog"]["parsesuccess"] != "OK"')
	[ "$n" -eq 0 ] || { grep -m 3 '"parsesuccess":"FAIL"' "$1" | cut -c1-500 >&2;
		fail "$n messages in $1 did not parse as JSON"; }
}

# assert_header LINE NAME VALUE...: the receiver recorded these syslog header properties
# (app_name, hostname, facility, severity, procid, ...).
assert_header()
{
	local line=$1
	shift
	while [ $# -ge 2 ]; do
		assert_json "$line" 'j["syslog"][name] == value' name="$1" value="$2"
		shift 2
	done
}

# ==== helpers added for scenarios 30 and later ================================================

# ---- more cleanup -----------------------------------------------------------------------------
# it_on_exit COMMAND...: run COMMAND (one string, eval'd) when the scenario ends, after
# procship and the receivers are stopped: to delete a network namespace, unmount a file
# system, stop a helper process. Hooks run in the order they were added; failures are ignored.
IT_EXIT_HOOKS=()
it_on_exit()
{
	IT_EXIT_HOOKS+=("$*")
}

it_run_exit_hooks()
{
	local h
	for h in "${IT_EXIT_HOOKS[@]}"; do
		eval "$h" || true
	done
	IT_EXIT_HOOKS=()
}

# ---- counting receivers -----------------------------------------------------------------------
# A UDP receiver that accounts for every datagram: udp_counter.py, one per NAME, writing one line
# per datagram to CNT_OUT[NAME] ($T/counter-NAME.out, appended to by every instance of NAME).
# stop_counter first stops accepting (the socket is connect()ed elsewhere, so new datagrams are
# refused with ICMP as if the port were closed), then reads what is queued, so that nothing the
# kernel accepted for it is lost at shutdown; the datagrams its socket dropped (receive buffer
# full) are added to $T/counter-NAME.kdrops. CNT_NS (a network namespace name) runs it there.
declare -A CNT_PID=() CNT_PORT=() CNT_OUT=() CNT_NSNAME=()

# start_counter NAME [PORT]
start_counter()
{
	local name=$1 port=${2:-} i ns=${CNT_NS:-}
	[ -z "${CNT_PID[$name]:-}" ] || fail "start_counter: counter $name is still running"
	[ -n "$port" ] || port=$(free_udp_port)
	CNT_OUT[$name]=$T/counter-$name.out
	rm -f "$T/counter-$name.ready"
	${ns:+ip netns exec "$ns"} "$PYTHON" "$IT_HELPERS/udp_counter.py" "$port" "${CNT_OUT[$name]}" \
		"$T/counter-$name.kdrops" "$T/counter-$name.ready" 300 2>>"$T/counter-$name.log" &
	CNT_PID[$name]=$!
	CNT_NSNAME[$name]=$ns
	for ((i = 0; i < 100; i++)); do
		[ -e "$T/counter-$name.ready" ] && break
		kill -0 "${CNT_PID[$name]}" 2>/dev/null || break
		sleep 0.05
	done
	[ -e "$T/counter-$name.ready" ] ||
		{ show_tail "$T/counter-$name.log"; fail "udp counter $name did not bind 127.0.0.1:$port"; }
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

# ---- metrics and counters ----------------------------------------------------------------------
# metric FILE SERIES: the sum of the values of SERIES in the Prometheus text FILE. SERIES is a
# metric name (every label set counts) or a name with labels exactly as written, e.g.
# 'procship_events_dropped_total{reason="send_error"}'. Fails if no such series is present.
metric()
{
	"$PYTHON" - "$1" "$2" <<-'EOF' || { show_tail "$1" 60; fail "no series $2 in $1"; }
	import sys
	path, want = sys.argv[1], sys.argv[2]
	total, found = 0, False
	with open(path) as f:
	    for line in f:
	        if not line.strip() or line.startswith("#"):
	            continue
	        series, value = line.rsplit(None, 1)
	        name = series.split("{", 1)[0]
	        if series == want or ("{" not in want and name == want):
	            total += float(value)
	            found = True
	if not found:
	    sys.exit(1)
	print(int(total) if total == int(total) else total)
	EOF
}

# text_stat NAME: a counter of this run's last "text:" summary line (messages, normalized,
# unparsed, truncated, dropped, empty, toolong).
text_stat()
{
	local v
	v=$(procship_run_log | "$PYTHON" -c '
import re, sys
pat = re.compile(r"text: (\d+) messages, (\d+) normalized, (\d+) unparsed, (\d+) truncated, "
                 r"(\d+) dropped \((\d+) empty, (\d+) too long\)")
names = ["messages", "normalized", "unparsed", "truncated", "dropped", "empty", "toolong"]
found = None
for line in sys.stdin:
    m = pat.search(line)
    if m:
        found = m.group(names.index(sys.argv[1]) + 1)
if found is None:
    sys.exit(1)
print(found)' "$1") || { show_tail "$PROCSHIP_LOG"; fail "no '$1' in a 'text:' line of procship's log"; }
	printf '%s\n' "$v"
}

# wait_lines FILE N SECONDS: until FILE has at least N complete lines; fails on timeout.
wait_lines()
{
	local file=$1 n=$2 secs=$3 i got=0
	for ((i = 0; i < secs * 10; i++)); do
		[ -e "$file" ] && got=$(wc -l <"$file")
		[ "$got" -lt "$n" ] || return 0
		sleep 0.1
	done
	show_tail "$file" 5
	fail "timed out after ${secs}s waiting for $n lines in $file (got $got)"
}

# wait_stable FILE SECONDS: until FILE's line count stops changing for 0.5 s (at most SECONDS).
wait_stable()
{
	local file=$1 secs=$2 i last=-1 now
	for ((i = 0; i < secs * 4; i++)); do
		now=$( [ -e "$file" ] && wc -l <"$file" || echo 0)
		[ "$now" -ne "$last" ] || return 0
		last=$now
		sleep 0.25
	done
}

# marker_filter PREFIX: an --export-allowlist that keeps only the events of processes whose
# arguments start with PREFIX (the host runs other processes too).
marker_filter()
{
	printf '{"arguments_regex":["^%s"]}' "$1"
}

# udp_accounting DESC METRICS_FILE RECEIVED: with procship stopped, check that every datagram is
# accounted for: procship_udp_datagrams_sent_total + procship_udp_datagrams_dropped_total ==
# the documents procship wrote (the summary's "exported") + the agent_init documents, and that
# every datagram counted as sent was received (RECEIVED, kernel drops at the receiver already
# excluded by the caller). Prints "sent dropped" on success.
udp_accounting()
{
	local desc=$1 mf=$2 got=$3 sent dropped exported inits
	sent=$(metric "$mf" procship_udp_datagrams_sent_total)
	dropped=$(metric "$mf" procship_udp_datagrams_dropped_total)
	exported=$(procship_stat exported)
	inits=$((sent + dropped - exported))
	info "$desc: $exported documents, udp: $sent sent + $dropped dropped (so $inits agent_init); received $got"
	[ "$inits" -ge 1 ] && [ "$inits" -le 50 ] ||
		fail "$desc: sent $sent + dropped $dropped - exported $exported = $inits agent_init documents?"
	[ "$got" -eq "$sent" ] ||
		fail "$desc: $sent datagrams counted as sent, $got received: $((sent - got)) lost without being counted as dropped"
}
