#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --max-message-size 1500 and an exec whose arguments take 5000 bytes: no datagram is over
# 1500 bytes (header included), the event still parses as JSON, its flags contain truncArgs
# and its arguments are a prefix of the original. Checked on a bare sink (exact datagram
# sizes) in every framing, and through rsyslog. Then a 1400-byte cwd on top: the longest
# strings are shortened first, so the 13-byte binary path stays whole. Last, procship's own
# documents at --max-message-size 480 are whole JSON, and a limit too small for them is refused.
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

# procship's own documents at the smallest limit: the budget is measured with the longest
# MSGID (rate_limit_info), agent_init takes its short form, and the rate_limit_info sent at
# exit names as many of the 12 uids the per-uid limit dropped as fit; both parse, in every
# framing. A limit too small even for those (a long --hostname) is refused at start-up.
small=480
for format in json rfc3164 rfc5424; do
	: >"$SINK_OUT"
	: >"$SINK_SIZES"
	m=procship-it-$$-docs-$format
	start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$SINK_PORT" \
		--max-message-size "$small" --syslog-format "$format" --export-rate-limit-per-uid 1 \
		--export-allowlist "$(marker_filter "$m")"
	for u in $(seq 60001 60012); do
		for i in 1 2; do
			setpriv --reuid="$u" --regid="$u" --clear-groups /usr/bin/true "$m-$u-$i" ||
				fail "setpriv --reuid $u failed"
		done
	done
	wait_for "$SINK_OUT" "\"uid\":60012," 10 # at 480 bytes no arguments are left
	stop_procship
	biggest=$(sort -n "$SINK_SIZES" | tail -1)
	[ "$biggest" -le "$small" ] || fail "$format: a $biggest-byte datagram at $small"
	# (process events this small are cut: see above; procship's own documents never are)
	sed 's/^[^{]*//' "$SINK_OUT" | grep -E '^\{"(@timestamp|rate_limit_info)"' \
		>"$T/docs-$format.json" || true
	[ "$(grep -c . "$T/docs-$format.json")" -eq 2 ] || fail "$format: not 2 documents of procship's"
	all_json "$T/docs-$format.json"
	ev=$(json_lines_match "$T/docs-$format.json" 'j.get("event") == "agent_init"') ||
		fail "$format: no whole agent_init"
	info "$format: agent_init of $(json_value "$ev" 'len(__import__("json").dumps(j))') bytes"
	ev=$(json_lines_match "$T/docs-$format.json" '"rate_limit_info" in j') ||
		fail "$format: no whole rate_limit_info"
	n=$(json_value "$ev" 'len(j["rate_limit_info"].get("procship_dropped_by_uid", []))')
	info "$format: rate_limit_info names $n uids: $ev"
	[ "$n" -ge 1 ] && [ "$n" -le 10 ] || fail "$format: rate_limit_info names $n uids"
	! procship_run_log | grep -q "pipeline.docs_too_long=" || fail "$format: a document not sent"
done
"$PROCSHIP" --process-events=false --udp-output-enabled --udp-output-address "127.0.0.1:$SINK_PORT" \
	--max-message-size "$small" --syslog-format rfc5424 --hostname "$(printf 'h%.0s' {1..200})" \
	>"$T/small.out" 2>&1 && fail "a limit too small for agent_init was accepted"
rc=$?
[ "$rc" -eq 2 ] || fail "exit status $rc for a limit too small for agent_init, want 2"
grep -q -- "--max-message-size $small: too small for procship's agent_init" "$T/small.out" ||
	{ cat "$T/small.out" >&2; fail "the start-up error does not name --max-message-size"; }
stop_udp_sink
check_own_log
