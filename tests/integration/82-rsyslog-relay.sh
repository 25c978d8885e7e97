#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The relay recipe (contrib/rsyslog/procship-relay.conf): procship -> rsyslogd on loopback ->
# omfwd TCP with a disk-assisted queue -> a central rsyslogd with procship-receiver.conf.
# The central server is stopped in the middle and started again; every event sent before,
# during and after arrives, in one run of sequence numbers that `procship gaps` finds whole.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
udp=$(free_udp_port)
tcp=$(free_tcp_port)
m=procship-it-$$-82
start_relay_central central "$tcp"
start_relay relay "$udp" "$tcp"
file=$T/central/received/$(uname -n).json
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$udp" \
	--syslog-format rfc5424 --export-allowlist "$(marker_filter "$m")"

# burst TAG: 100 execs, each with its own argument
burst()
{
	local i
	for ((i = 0; i < 100; i++)); do
		/usr/bin/true "$m-$1-$i"
	done
}

burst before
wait_for_json "$file" 'get(j, "process_exec.process.arguments") == a' 20 a="$m-before-99" >/dev/null
rsyslogd_halt central
burst during
sleep 2 # the relay finds the server gone and queues
start_relay_central central "$tcp"
burst after
# 300 execs and their exits, and agent_init
wait_lines "$file" 601 60
wait_stable "$file" 2
stop_procship
assert_all_parsed "$file"
for tag in before during after; do
	n=$(json_count "$file" '(get(j, "process_exec.process.arguments") or "").startswith(p)' p="$m-$tag-")
	[ "$n" -eq 100 ] || fail "$n of the 100 execs sent while the central server was $tag its restart arrived"
done
assert_header "$(first_line "$file")" msgid agent_init app_name procship hostname "$(uname -n)"
"$PROCSHIP" gaps "$file" >"$T/gaps.out" || { cat "$T/gaps.out" >&2; fail "procship gaps: something missing"; }
grep -q "run 1 (from its start): sequenceId 1-601, 601 received, 0 missing" "$T/gaps.out" ||
	{ cat "$T/gaps.out" >&2; fail "procship gaps: not one whole run of 601"; }
check_own_log
