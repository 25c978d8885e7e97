#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --config-file (issue 6): a YAML file with a list of destinations, the syslog header and an
# allowlist works; flags given on the command line override the file's values; bad files end
# procship with exit status 2 and exactly one line "procship: FILE:LINE: key: reason" (a few
# end to end; the unit tests cover the many). conf/procship.yaml, every key at its default,
# loads.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_procship

RSYSLOG_APP_NAME=fromfile start_receiver a
RSYSLOG_APP_NAME=fromflag start_receiver b
dead=$(free_udp_port)
m=procship-it-$$-conf
cat >"$T/good.yaml" <<EOF2
# a comment
udp-output-enabled: true
udp-output-address:
  - 127.0.0.1:${RCV_PORT[a]}
  - "127.0.0.1:$dead"
syslog-format: rfc5424
syslog-facility: local1
syslog-severity: notice
syslog-app-name: fromfile
export-allowlist: '$(marker_filter "$m")'
EOF2
chmod 600 "$T/good.yaml"
start_procship --config-file "$T/good.yaml"
procship_run_log | grep -F "Starting UDP exporter address=127.0.0.1:${RCV_PORT[a]} format=rfc5424" |
	grep -F "destinations=2" >/dev/null || { show_tail "$PROCSHIP_LOG"; fail "start line does not show the file's settings"; }
exec_marked "$m-1"
ev=$(wait_for_exec "${RCV_OUT[a]}" "$m-1" 10)
assert_exec_event "$ev" "$m-1"
assert_header "$ev" facility local1 severity notice app_name fromfile msgid process_exec
# the allowlist of the file applies: only our events (and agent_init) arrived
wait_for_json "${RCV_OUT[a]}" '"process_exit" in j and P["arguments"].startswith(m + "-1 ")' 10 m="$m" >/dev/null
n=$(json_count "${RCV_OUT[a]}" '"process_exec" in j or "process_exit" in j')
[ "$n" -eq 2 ] || fail "$n process events arrived, want the 2 of $m-1 (allowlist from the file)"
stop_procship
check_own_log

# flags override the file: another destination list, app-name and facility
start_procship --config-file "$T/good.yaml" --udp-output-address "127.0.0.1:${RCV_PORT[b]}" \
	--syslog-app-name fromflag --syslog-facility local2
exec_marked "$m-2"
ev=$(wait_for_exec "${RCV_OUT[b]}" "$m-2" 10)
assert_header "$ev" facility local2 severity notice app_name fromflag
stop_procship
n=$(json_count "${RCV_OUT[a]}" 'P["arguments"].startswith(m + "-2 ")' m="$m")
[ "$n" -eq 0 ] || fail "the file's destination got $n events although --udp-output-address overrode it"
check_own_log

# the annotated sample loads: text input from an empty file, so that procship ends by itself
: >"$T/empty"
status=0
timeout 5 "$PROCSHIP" --config-file "$IT_TOP/conf/procship.yaml" --process-events=false \
	--input-stdin <"$T/empty" >/dev/null 2>"$T/sample.err" || status=$?
[ "$status" -eq 0 ] || { cat "$T/sample.err" >&2; fail "conf/procship.yaml does not load (status $status)"; }

# ---- bad files: bad LINE KEY REASON YAML: exit 2, one line "procship: FILE:LINE: KEY: REASON"
# (REASON ending in * is a prefix). Every case is tried; the failures are listed at the end.
nbad=0
failures=()
bad()
{
	local line=$1 key=$2 reason=$3 f status=0 want got ok=1
	nbad=$((nbad + 1))
	f=$T/bad$nbad.yaml
	printf '%b' "$4" >"$f"
	chmod 600 "$f"
	# a bad file stops procship at once; 3 s means it was accepted
	timeout 3 "$PROCSHIP" --config-file "$f" >"$T/bad.out" 2>"$T/bad.err" || status=$?
	want="procship: $f:$line: $key: $reason"
	got=$(head -c 600 "$T/bad.err")
	if [ "$status" -ne 2 ] || [ "$(wc -l <"$T/bad.err")" -ne 1 ] || [ -s "$T/bad.out" ]; then
		ok=
	else
		case $reason in
		*'*') [[ $got == "${want%\*}"* ]] || ok= ;;
		*) [ "$got" = "$want" ] || ok= ;;
		esac
	fi
	[ -n "$ok" ] && return 0
	failures+=("bad file $nbad ($key, $(printf '%b' "$4" | tr '\n' ' ' | cut -c1-80)): exit status $status (want 2), stderr:
    $(printf '%s' "$got" | head -n 3)
  want one line: $want")
}
bad 2 udp-output-port "70000 is out of range 1..65535" 'udp-output-enabled: true\nudp-output-port: 70000\n'
bad 1 bogus-key "unknown key" 'bogus-key: 1\n'
bad 1 udp-output-enabled "'maybe' is not a boolean (true or false)" 'udp-output-enabled: maybe\n'
bad 1 syslog-format "unknown name 'xml' (one of: json, rfc3164, rfc5424)" 'syslog-format: xml\n'
bad 3 udp-output-port "duplicate key (first on line 1)" 'udp-output-port: 514\n# again\nudp-output-port: 515\n'
bad 1 udp-output-port "expected one value, not a list" 'udp-output-port: [514, 515]\n'
bad 1 udp-output-address "expected a value or a list, not a mapping" 'udp-output-address: {a: b}\n'
bad 3 udp-output-address 'destination "127.0.0.1:99999": invalid port "99999" (need 1-65535)' \
	'udp-output-address:\n  - 127.0.0.1:514\n  - 127.0.0.1:99999\n'
bad 1 config-file "not allowed in a config file (no includes)" 'config-file: other.yaml\n'
bad 1 max-message-size "'12abc' is not a number" 'max-message-size: 12abc\n'
bad 2 metrics-interval "0 is out of range 1..86400" '# metrics\nmetrics-interval: 0\n'
bad 1 user "no such user 'no-such-user-procship-it'" 'user: no-such-user-procship-it\n'
# procship.8: "Size of the BPF ring buffer ..., a power of two"
bad 1 ring-buffer-size '*' 'ring-buffer-size: 5000\n'
# a filter that does not load is a bad value of the file: it names the file and the line too
bad 2 export-allowlist '*' 'log-level: info\nexport-allowlist: '"'"'{"no_such_field":["x"]}'"'"'\n'
info "$nbad bad files tried, ${#failures[@]} not refused as documented"

# ---- the same kind of mistakes on the command line: exit 2, one line naming the option
for args in "--export-rate-limit -5" "--udp-output-port 0" "--max-message-size 100" \
	"--syslog-facility local9" "--ring-buffer-size 5000"; do
	status=0
	# shellcheck disable=SC2086 # one option and its value
	timeout 3 "$PROCSHIP" $args >"$T/bad.out" 2>"$T/bad.err" || status=$?
	opt=${args%% *}
	if [ "$status" -ne 2 ] || [ "$(wc -l <"$T/bad.err")" -ne 1 ] ||
		! grep -qF -- "procship: $opt: " "$T/bad.err"; then
		failures+=("command line '$args': exit status $status (want 2), stderr: $(head -n 2 "$T/bad.err")")
	fi
done
if [ ${#failures[@]} -gt 0 ]; then
	printf '%s\n' "${failures[@]}" >&2
	fail "${#failures[@]} bad inputs not refused as procship.8 and procship.conf.5 say"
fi
