# SPDX-License-Identifier: Apache-2.0
# Integration-test library, assertions: JSON lines in files (select, wait, count, assert) and
# the shape of procship's events (agent_init, process_exec, the receiver's syslog header).
# Sourced by lib.sh.

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

# wait_for_json [--has TEXT] FILE EXPR SECONDS [NAME=VALUE...]: print the first matching line,
# waiting for it; fails on timeout. Each look reads only what was appended since the last: on
# a busy host FILE holds other processes' events by the gigabyte. With --has, only lines
# holding TEXT (a marker the line must carry) are parsed.
wait_for_json()
{
	local has=() file expr secs
	[ "$1" != --has ] || { has=(--has "$2"); shift 2; }
	file=$1 expr=$2 secs=$3
	shift 3
	"$PYTHON" "$IT_HELPERS/jsoncheck.py" select --wait "$secs" "${has[@]}" "$file" "$expr" \
		"$@" && return 0
	show_tail "$file" 5
	fail "timed out after ${secs}s waiting in $file for a JSON line with: $expr${*:+ ($*)}"
}

# wait_for_exit FILE PID EXPR SECONDS [NAME=VALUE...]: print the process_exit of the process
# PID whose process_exec makes EXPR true (its marker, say), found by exec_id: under an exec
# storm PID is soon another process's, and that one's exit may come first in FILE. Each look
# reads only what was appended since the last, and parses only lines holding PID's digits.
wait_for_exit()
{
	local file=$1 pid=$2 expr=$3 secs=$4
	shift 4
	"$PYTHON" "$IT_HELPERS/jsoncheck.py" exitof --wait "$secs" "$file" "$pid" "$expr" "$@" &&
		return 0
	show_tail "$file" 5
	fail "timed out after ${secs}s waiting in $file for the exit of pid $pid, exec'd with: $expr${*:+ ($*)}"
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

# all_utf8 FILE: fail unless every byte of FILE is valid UTF-8 (the JSON checks read files
# replacing bad bytes, so they alone would not notice raw invalid bytes).
all_utf8()
{
	"$PYTHON" "$IT_HELPERS/jsoncheck.py" utf8 "$1" || fail "$1 is not valid UTF-8"
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
	wait_for_json --has "$2" "$1" \
		'j["process_exec"]["process"]["arguments"].split(" ")[0] == marker' "$3" marker="$2"
}

# assert_exec_event LINE MARKER [NODE_NAME]: LINE is the Tetragon-style process_exec event of
# exec_marked MARKER.
assert_exec_event()
{
	local line=$1 marker=$2 node=${3:-} pid
	pid=$(cat "$T/$marker.pid")
	# the receiver adds "received"
	assert_json "$line" 'sorted(set(j) - {"received"}) == ["node_name", "process_exec", "time"]'
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
	n=$(json_count "$1" 'j["received"]["parsesuccess"] != "OK"')
	[ "$n" -eq 0 ] || { grep -m 3 '"parsesuccess":"FAIL"' "$1" | cut -c1-500 >&2;
		fail "$n messages in $1 did not parse as JSON"; }
}

# What a receiver's events file may hold, as a jsoncheck expression: a Tetragon event (a key of
# v1.7.0's GetEventsResponse oneof event holding an object), agent_init, or a --text-format
# json document (a "syslog" object), each of which a Tetragon consumer reads or skips by its
# documented test.
IT_EVENT_LINE='any(isinstance(j.get(k), dict) for k in ["process_exec", "process_exit", "process_kprobe", "process_tracepoint", "process_loader", "process_uprobe", "process_throttle", "process_lsm", "process_usdt", "test", "rate_limit_info"]) or (j.get("event") == "agent_init" and "procship_version" in j) or isinstance(j.get("syslog"), dict)'

# assert_events_only FILE: every line of FILE is JSON and one of those.
assert_events_only()
{
	local n
	all_json "$1"
	n=$(json_count "$1" "not (isinstance(j, dict) and ($IT_EVENT_LINE))")
	[ "$n" -eq 0 ] || { json_lines_match "$1" "not (isinstance(j, dict) and ($IT_EVENT_LINE))" | cut -c1-300 >&2
		fail "$n lines of $1 are neither an event, agent_init nor a document (one above)"; }
}

# assert_header LINE NAME VALUE...: the receiver recorded these syslog header properties
# (app_name, hostname, facility, severity, procid, ...; under "received").
assert_header()
{
	local line=$1
	shift
	while [ $# -ge 2 ]; do
		assert_json "$line" 'j["received"][name] == value' name="$1" value="$2"
		shift 2
	done
}

# assert_tetragon_schema JSON: the event's fields, their JSON types and their order are those
# of Tetragon v1.7.0's proto (process, parent, ancestors, user, ...; see the helper).
assert_tetragon_schema()
{
	"$PYTHON" "$IT_HELPERS/tetragon_schema.py" "$1" || fail "not Tetragon's schema: ${1:0:300}"
}
