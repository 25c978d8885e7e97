#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Ancestors do not make the datagram limit lose events (issue 15): with --max-message-size
# 2048 a chain of 7 levels gives the marker far more ancestors than fit. Its process_exec and
# process_exit still arrive, each datagram within the limit and valid JSON of Tetragon's
# schema; the farthest ancestors went, the nearest stay (level 2 first), and the process is
# flagged truncAncestors (procship's flag), while its arguments, binary and cwd are whole:
# ancestors go before anything else is cut. The summary counts the events shortened, and no
# event was dropped or cut by the framer.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ancestry.inc"

max=2048
start_udp_sink
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$SINK_PORT" \
	--syslog-format json --max-message-size "$max" --enable-ancestors base \
	--export-allowlist "$ANC_ALLOW"
m=procship-it-$$-anc-short
level_chain 7 "$m"
wait_for "$SINK_OUT" "process_exit.*\"arguments\":\"$m\"" 10
stop_procship
[ ! -e "$SINK_OUT.bad" ] || fail "datagrams with a newline in them"
biggest=$(sort -n "$SINK_SIZES" | tail -1)
[ "$biggest" -le "$max" ] || fail "a $biggest-byte datagram with --max-message-size $max"
all_json "$SINK_OUT"
for kind in process_exec process_exit; do
	ev=$(json_lines_match "$SINK_OUT" 'k in j and P["binary"] == "/usr/bin/true" and P["arguments"] == m' k="$kind" m="$m") ||
		fail "no $kind of the marker"
	info "$kind: ${#ev} bytes, $(json_value "$ev" 'len(j[k].get("ancestors", []))' k="$kind") ancestors"
	assert_tetragon_schema "$ev"
	assert_json "$ev" '"truncAncestors" in P["flags"].split()'
	assert_json "$ev" 'not {"truncArgs", "truncFilename", "truncCWD"} & set(P["flags"].split())'
	assert_json "$ev" 'P["cwd"] == t' t="$T"
	assert_json "$ev" 'j[k]["parent"]["pid"] == int(p)' k="$kind" p="$(level_pid "$m" 1)"
	assert_json "$ev" '1 <= len(j[k]["ancestors"]) < 6' k="$kind"
	assert_json "$ev" 'j[k]["ancestors"][0]["pid"] == int(p)' k="$kind" p="$(level_pid "$m" 2)"
	assert_json "$ev" 'all(a["parent_exec_id"] == b["exec_id"] for a, b in zip(j[k]["ancestors"], j[k]["ancestors"][1:]))' k="$kind"
done
n=$(procship_run_log | grep -o 'encode\.ancestors_cut=[0-9]*' | tail -1 | cut -d= -f2)
[ "${n:-0}" -ge 2 ] || fail "the summary counts ${n:-no} events with ancestors cut, want >= 2"
[ "$(procship_stat cut)" -eq 0 ] || fail "datagrams cut by the framer"
[ "$(procship_stat dropped)" -eq 0 ] || fail "datagrams dropped"
stop_udp_sink
check_own_log
