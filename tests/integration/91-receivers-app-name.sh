#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Senders with --syslog-app-name: the receiver told the name ($.procship_app_name in the
# own-port layout, syslog-ng's @define procship_app_name) files their events (RFC 3164 and
# RFC 5424) as events, and a sender under the default name, or a local user's JSON relayed
# under another name, as relayed text in <sender>.syslog, never in <sender>.json.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
m=procship-it-$$-91
sock=$T/log.sock
app=itest-ps

# run DIR PORT NAME: procship under NAME sends a marked exec in both framings and relays a
# local user's forged event; ours (NAME itest-ps) must be events, the rest relayed text.
run()
{
	local dir=$1 port=$2 name=$3 fmt tag
	for fmt in rfc3164 rfc5424; do
		tag=$m-$name-$fmt
		start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$port" \
			--syslog-format "$fmt" --syslog-app-name "$name" \
			--export-allowlist "$(marker_filter "$m")" --input-unix "$sock"
		exec_marked "$tag"
		logger -u "$sock" -t sshd "{\"process_exec\":{\"process\":{\"binary\":\"/usr/bin/$tag.x\"}}}"
		wait_for "$dir/127.0.0.1.syslog" "/usr/bin/$tag\\.x" 10
		if [ "$name" = "$app" ]; then
			assert_exec_event "$(wait_for_exec "$dir/127.0.0.1.json" "$tag" 10)" "$tag"
		else
			wait_for "$dir/127.0.0.1.syslog" " $name [0-9]+ .*\"arguments\":\"$tag " 10
			! grep -qF -- "$tag" "$dir/127.0.0.1.json" ||
				fail "$dir: an event under $name, not the receiver's $app, filed as an event"
		fi
		stop_procship
	done
	! grep -qF -- "/usr/bin/$m" "$dir/127.0.0.1.json" || fail "$dir: a local message filed as an event"
	info "$dir: events under $app only"
}

start_port_receiver port "" "$app"
run "$PORT_RCV_DIR" "$PORT_RCV_PORT" "$app"
run "$PORT_RCV_DIR" "$PORT_RCV_PORT" procship
assert_all_parsed "$PORT_RCV_DIR/127.0.0.1.json"
assert_events_only "$PORT_RCV_DIR/127.0.0.1.json"

SNG_APP_NAME=$app start_syslogng
IT_PROCSHIP_WRAPPER=$SNG_WRAP
run "$SNG_DIR" "$SNG_PORT" "$app"
run "$SNG_DIR" "$SNG_PORT" procship
unset IT_PROCSHIP_WRAPPER
assert_all_parsed "$SNG_DIR/127.0.0.1.json"
assert_events_only "$SNG_DIR/127.0.0.1.json"
check_own_log
