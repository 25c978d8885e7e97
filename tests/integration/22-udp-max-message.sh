#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --max-message-size 1500 and an exec whose arguments take 5000 bytes: no datagram is over
# 1500 bytes (header included), the event still parses as JSON, its flags contain truncArgs
# and its arguments are a prefix of the original. Checked on a bare sink (exact datagram
# sizes) in every framing, and through rsyslog. Last, a 1400-byte cwd on top: the longest
# strings are shortened first, so the 13-byte binary path stays whole.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

max=1500
# 50 arguments of 99 bytes: 5000 bytes of arguments with the spaces
long=()
for ((i = 0; i < 50; i++)); do
	long+=("$(printf 'arg%02d-%0*d' "$i" 93 "$i")")
done

# run_long MARKER: /usr/bin/true MARKER <the long arguments>, its pid in $T/MARKER.pid
run_long()
{
	run_marked "$T/$1.pid" /usr/bin/true "$1" "${long[@]}"
}
# check_truncated EVENT MARKER KIND
check_truncated()
{
	local ev=$1 m=$2 kind=$3
	assert_json "$ev" 'P["pid"] == int(pid)' pid="$(cat "$T/$m.pid")"
	assert_json "$ev" '"truncArgs" in P["flags"].split()'
	assert_json "$ev" 'P["arguments"].startswith(marker + " ")' marker="$m"
	assert_json "$ev" 'full.startswith(P["arguments"]) and len(P["arguments"]) < len(full)' \
		full="$m ${long[*]}"
	assert_json "$ev" 'P["binary"] == "/usr/bin/true" and P["cwd"] == cwd' cwd="$T"
	assert_json "$ev" 'kind in j' kind="$kind"
}

start_udp_sink
for format in json rfc3164 rfc5424; do
	: >"$SINK_OUT"
	: >"$SINK_SIZES"
	start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$SINK_PORT" \
		--max-message-size "$max" --syslog-format "$format"
	m=procship-it-$$-long-$format
	run_long "$m"
	wait_for "$SINK_OUT" "\"arguments\":\"$m " 10
	wait_for "$SINK_OUT" "process_exit.*\"arguments\":\"$m " 10
	stop_procship
	[ ! -e "$SINK_OUT.bad" ] || fail "datagrams with a newline in them: $(cat "$SINK_OUT.bad")"
	biggest=$(sort -n "$SINK_SIZES" | tail -1)
	info "$format: $(wc -l <"$SINK_SIZES") datagrams, the biggest $biggest bytes"
	[ "$biggest" -le "$max" ] || fail "$format: a $biggest-byte datagram with --max-message-size $max"
	# the JSON starts at the first "{" (after the header, if any)
	sed 's/^[^{]*//' "$SINK_OUT" >"$T/sink-$format.json"
	all_utf8 "$T/sink-$format.json"
	all_json "$T/sink-$format.json"
	ev=$(json_lines_match "$T/sink-$format.json" '"process_exec" in j and P["arguments"].startswith(m + " ")' m="$m") ||
		fail "$format: no process_exec for $m"
	check_truncated "$ev" "$m" process_exec
	ev=$(json_lines_match "$T/sink-$format.json" '"process_exit" in j and P["arguments"].startswith(m + " ")' m="$m") ||
		fail "$format: no process_exit for $m"
	check_truncated "$ev" "$m" process_exit
	n=$(procship_stat shortened)
	[ "$n" -ge 2 ] || fail "$format: summary counts $n events shortened to fit, want >= 2"
done

# through rsyslog: it parses what arrives
start_rsyslogd
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$RSYSLOG_PORT" \
	--max-message-size "$max"
m=procship-it-$$-long-rsyslog
run_long "$m"
ev=$(wait_for_exec "$RSYSLOG_OUT" "$m" 10)
check_truncated "$ev" "$m" process_exec
stop_procship
assert_all_parsed "$RSYSLOG_OUT"

# a long path too: a 1400-byte cwd and the long arguments; whatever gets cut, the datagram
# fits and the JSON is valid
deep=$T
for ((i = 0; i < 14; i++)); do
	deep=$deep/$(printf 'd%02d%097d' "$i" 0)
done
mkdir -p "$deep"
: >"$SINK_OUT"
: >"$SINK_SIZES"
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$SINK_PORT" \
	--max-message-size "$max" --syslog-format rfc5424
m=procship-it-$$-deep
(cd "$deep" && exec /bin/sh -c 'echo $$ >"$0"; exec "$@"' "$T/$m.pid" /usr/bin/true "$m" "${long[@]}") || true
wait_for "$SINK_OUT" "process_exit.*\"pid\":$(cat "$T/$m.pid")," 10
stop_procship
biggest=$(sort -n "$SINK_SIZES" | tail -1)
[ "$biggest" -le "$max" ] || fail "deep cwd: a $biggest-byte datagram with --max-message-size $max"
sed 's/^[^{]*//' "$SINK_OUT" >"$T/sink-deep.json"
all_utf8 "$T/sink-deep.json"
all_json "$T/sink-deep.json"
# the exec of /usr/bin/true (the second exec of that pid: the first is the sh that execs it)
ev=$(json_lines_match "$T/sink-deep.json" '"process_exec" in j and P["pid"] == int(pid) and j["process_exec"]["parent"]["pid"] == int(pid)' pid="$(cat "$T/$m.pid")") ||
	fail "no process_exec for $m"
assert_json "$ev" '"truncArgs" in P["flags"].split()'
assert_json "$ev" 'full.startswith(P.get("arguments", ""))' full="$m ${long[*]}"
info "deep cwd: flags \"$(json_value "$ev" 'P["flags"]')\", binary $(json_value "$ev" 'P["binary"]'), parent binary $(json_value "$ev" 'j["process_exec"]["parent"]["binary"]'), cwd of $(json_value "$ev" 'len(P.get("cwd", ""))') bytes (really ${#deep}), arguments of $(json_value "$ev" 'len(P.get("arguments", ""))') bytes"
# The longest strings are shortened first: 13-byte binaries are not cut while cwds of
# hundreds of bytes remain.
assert_json "$ev" 'P["binary"] == "/usr/bin/true"'
assert_json "$ev" 'j["process_exec"]["parent"]["binary"] == sh' sh=/bin/sh
stop_udp_sink
check_own_log
