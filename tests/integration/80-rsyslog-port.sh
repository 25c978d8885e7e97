#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The own-port layout (contrib/rsyslog/procship-receiver.conf + procship-port.conf) in a
# DEFAULT rsyslog (no maxMessageSize): every framing, with and without --cee-cookie, from an
# IPv4 and an IPv6 sender, each into its own file (IPv6: no ':' in the name); the largest
# event procship sends by default arrives whole and parses; a relayed text message keeps its
# own "syslog" fields beside the receiver's "received"; the RFC 3164 timestamp choices as the
# receiver files them; `procship gaps` finds nothing missing in either file.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
start_port_receiver port
m=procship-it-$$-80
sock=$T/log.sock
big=$(head -c 100000 /dev/zero | tr '\0' a)

# one_run ADDR FILE FORMAT [ARGS...]: an exec, the largest exec and a relayed text message
# through the receiver, each checked in FILE.
one_run()
{
	local addr=$1 file=$2 fmt=$3 tag ev
	shift 3
	tag=$m-$fmt${1:+-x}-$(echo "$addr" | tr -dc '0-9a-z')
	start_procship --udp-output-enabled --udp-output-address "$addr" --syslog-format "$fmt" \
		--export-allowlist "$(marker_filter "$m")" --input-unix "$sock" "$@"
	exec_marked "$tag"
	run_marked "$T/big.pid" /usr/bin/true "$tag-big" "$big"
	logger -u "$sock" -t sshd -p auth.info "Accepted publickey for $tag"
	ev=$(wait_for_exec "$file" "$tag" 10)
	assert_exec_event "$ev" "$tag"
	[ "$fmt" = json ] || assert_header "$ev" app_name procship
	[ "$fmt" != rfc5424 ] ||
		assert_json "$ev" 're.fullmatch(r"\[meta sequenceId=\"\d+\" sysUpTime=\"\d+\"\]\[origin software=\"procship\" swVersion=\"[^\"]+\"\]", j["received"]["structured_data"])'
	ev=$(wait_for_exec "$file" "$tag-big" 10)
	assert_json "$ev" 'j["received"]["parsesuccess"] == "OK" and "truncArgs" in P["flags"]'
	assert_json "$ev" 'len(P["arguments"]) > 3000 and P["pid"] == int(pid)' pid="$(cat "$T/big.pid")"
	ev=$(wait_for_json "$file" 'get(j, "syslog.msg") == "Accepted publickey for " + t' 10 t="$tag")
	assert_json "$ev" 'j["syslog"]["app_name"] == "sshd" and j["syslog"]["facility"] == "auth"'
	[ "$fmt" = json ] || assert_header "$ev" app_name sshd facility auth
	stop_procship
}

for addr in "127.0.0.1:$PORT_RCV_PORT" "[::1]:$PORT_RCV_PORT"; do
	case $addr in
	\[*) file=$PORT_RCV_DIR/__1.json ip=::1 ;;
	*) file=$PORT_RCV_DIR/127.0.0.1.json ip=127.0.0.1 ;;
	esac
	for fmt in rfc3164 rfc5424 json; do
		one_run "$addr" "$file" "$fmt"
		[ "$fmt" = json ] || one_run "$addr" "$file" "$fmt" --cee-cookie
	done
	assert_all_parsed "$file"
	[ "$(json_count "$file" 'j["received"]["fromhost_ip"] != ip' ip="$ip")" -eq 0 ] ||
		fail "$file holds messages of another sender than $ip"
	# Two RFC 5424 runs per sender, each from its agent_init on, nothing missing.
	"$PROCSHIP" gaps "$file" >"$T/gaps.out" 2>&1 || { cat "$T/gaps.out" >&2; fail "procship gaps $file: status $?"; }
	grep -q " 2 runs, .* 0 missing" "$T/gaps.out" || { cat "$T/gaps.out" >&2; fail "procship gaps: not 2 runs without loss"; }
done
ls "$PORT_RCV_DIR" >"$T/files"
[ "$(sort "$T/files" | tr '\n' ' ')" = "127.0.0.1.json __1.json " ] ||
	fail "files written: $(tr '\n' ' ' <"$T/files"), want 127.0.0.1.json and __1.json"

# RFC 3164 timestamps from a sender 5 hours west of the receiver: local is filed 5 hours
# off (no zone in the format), utc and rfc3339 at the right time.
for ts in local utc rfc3339; do
	tag=$m-ts-$ts
	TZ=EST5 start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$PORT_RCV_PORT" \
		--export-allowlist "$(marker_filter "$m")" --syslog-timestamp "$ts"
	exec_marked "$tag"
	ev=$(wait_for_exec "$PORT_RCV_DIR/127.0.0.1.json" "$tag" 10)
	stop_procship
	off=$(json_value "$ev" 'round((__import__("datetime").datetime.fromisoformat(j["time"][:26] + "+00:00") - __import__("datetime").datetime.fromisoformat(j["received"]["timereported"])).total_seconds() / 3600)')
	want=0
	[ "$ts" != local ] || want=5 # EST5 writes 07:00 for 12:00Z; UTC files it at 07:00Z
	[ "$off" = "$want" ] || fail "--syslog-timestamp $ts: rsyslog filed the event ${off}h early, want $want"
	info "--syslog-timestamp $ts: filed ${off}h early, as documented"
done
check_own_log
