#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bad command lines: exit status 2, one line on stderr naming the flag (and the value), nothing
# on stdout, and nothing reaches the receiver.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
start_rsyslogd
dest=(--udp-output-enabled --udp-output-address "127.0.0.1:$RSYSLOG_PORT")

# refused FLAG VALUE ARGS...: procship ARGS is refused, naming FLAG and VALUE (if not empty).
refused()
{
	local flag=$1 value=$2 status=0 n
	shift 2
	timeout 10 "$PROCSHIP" "$@" >"$T/bad.out" 2>"$T/bad.err" || status=$?
	[ "$status" -eq 2 ] ||
		{ show_tail "$T/bad.err"; fail "procship $*: exit status $status, expected 2"; }
	n=$(wc -l <"$T/bad.err")
	[ "$n" -eq 1 ] || { show_tail "$T/bad.err"; fail "procship $*: $n lines on stderr, expected 1"; }
	grep -qF -- "$flag" "$T/bad.err" || fail "procship $*: message does not name $flag: $(cat "$T/bad.err")"
	[ -z "$value" ] || grep -qF -- "$value" "$T/bad.err" ||
		fail "procship $*: message does not name '$value': $(cat "$T/bad.err")"
	[ ! -s "$T/bad.out" ] || { show_tail "$T/bad.out"; fail "procship $*: wrote to stdout"; }
	info "refused as expected: $*: $(cat "$T/bad.err")"
}

refused --no-such-flag ''          "${dest[@]}" --no-such-flag
refused --no-such-flag ''          --no-such-flag=1 "${dest[@]}"
refused syslog-format ''           "${dest[@]}" --syslog-format
refused syslog-facility bogus      "${dest[@]}" --syslog-facility bogus
refused syslog-severity loud       "${dest[@]}" --syslog-severity=loud
refused syslog-format xml          "${dest[@]}" --syslog-format xml
refused syslog-format xml          --syslog-format=xml "${dest[@]}"
refused udp-output-port 0          --udp-output-enabled --udp-output-address 127.0.0.1 --udp-output-port 0
refused udp-output-port 70000      --udp-output-enabled --udp-output-address 127.0.0.1 --udp-output-port 70000
refused udp-output-port 12ab       --udp-output-enabled --udp-output-address 127.0.0.1 --udp-output-port=12ab
refused udp-output-address 70000   --udp-output-enabled --udp-output-address 127.0.0.1:70000
refused syslog-timestamp zulu      "${dest[@]}" --syslog-timestamp zulu
refused syslog-meta maybe          "${dest[@]}" --syslog-meta=maybe
# A bare "@cee:" would be read as the TAG by every receiver: the pair is refused.
refused cee-cookie 'syslog-format json' "${dest[@]}" --syslog-format json --cee-cookie
refused cee-cookie 'syslog-format json' --cee-cookie "${dest[@]}" --syslog-format=json

# Nothing was sent: a message of our own is the first the receiver got.
logger -n 127.0.0.1 -P "$RSYSLOG_PORT" -d --rfc5424 -t procship '{"test":{},"sentinel":1}'
wait_for_json "$RSYSLOG_OUT" 'j.get("sentinel") == 1' 10 >/dev/null
assert_json "$(first_line "$RSYSLOG_OUT")" 'j.get("sentinel") == 1'
