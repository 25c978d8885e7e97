#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# procship getevents = tetra getevents (issue 14), on what a receiver really got: procship
# ships bare JSON over UDP to a sink (agent_init first), real processes run (arguments with a
# newline and quotes, an exit status, a SIGIO kill), and getevents reads the sink's file:
#   - JSON by default: exactly the received event lines, agent_init skipped;
#   - -o compact: tetra's lines byte for byte, one per event even with the newline;
#   - --processes (regex), --event-types, --timestamps (the event's time, nine digits),
#     --color always;
#   - a line it cannot print is reported as FILE:LINE and the status is 1; a bad flag is 2;
#   - procship --help names the subcommand.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-ge
for b in true sh sleep; do cp "/usr/bin/$b" "$T/$m-$b"; done
start_udp_sink
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$SINK_PORT" \
	--syslog-format json --export-allowlist "{\"binary_regex\":[\"/$m-\"]}"

# ran MARKER PROGRAM ARGS...: run it and wait for its exit in the sink
ran()
{
	local name=$1
	shift
	run_marked "$T/$name.pid" "$@"
	wait_for_json "$SINK_OUT" 'j["process_exit"]["process"]["pid"] == int(pid)' 10 \
		pid="$(cat "$T/$name.pid")" >/dev/null
}
ran plain "$T/$m-true" plain a b
ran newline "$T/$m-true" $'line1\nline2' 'two "words"'
ran status "$T/$m-sh" -c 'exit 3'
(cd "$T" && exec /bin/sh -c 'echo $$ >"$0"; exec "$1" 30' "$T/io.pid" "$T/$m-sleep") &
sleeper=$!
wait_for "$T/io.pid" '^[0-9]+$' 10
wait_for_json "$SINK_OUT" 'j["process_exec"]["process"]["pid"] == int(pid)' 10 \
	pid="$(cat "$T/io.pid")" >/dev/null
kill -IO "$sleeper"
wait "$sleeper" || true
wait_for_json "$SINK_OUT" 'j["process_exit"]["process"]["pid"] == int(pid)' 10 \
	pid="$(cat "$T/io.pid")" >/dev/null
stop_procship
stop_udp_sink
first=$(head -n 1 "$SINK_OUT")
assert_json "$first" 'j.get("event") == "agent_init"'
node=$(json_value "$(sed -n 2p "$SINK_OUT")" 'j["node_name"]')
ge() { "$PROCSHIP" getevents "$@"; }

# JSON: the event lines as received (agent_init is the one line left out).
ge "$SINK_OUT" >"$T/json" 2>"$T/json.err" || fail "getevents failed: $(cat "$T/json.err")"
tail -n +2 "$SINK_OUT" | cmp -s - "$T/json" || fail "JSON output differs from the events received"
[ ! -s "$T/json.err" ] || fail "getevents reported: $(cat "$T/json.err")"

# compact, only this run's binaries, no colour: tetra's bytes.
ge -o compact --color never --processes "/$m-" <"$SINK_OUT" >"$T/compact"
# Tetragon's joining quotes 'two "words"' (a space); the newline makes the line quote it all.
q='"line1\nline2 \"two \"words\"\""'
cat >"$T/want" <<WANT
🚀 process $node $T/$m-true plain a b
💥 exit    $node $T/$m-true plain a b 0
🚀 process $node $T/$m-true $q
💥 exit    $node $T/$m-true $q 0
🚀 process $node $T/$m-sh -c "exit 3"
💥 exit    $node $T/$m-sh -c "exit 3" 3
🚀 process $node $T/$m-sleep 30
💥 exit    $node $T/$m-sleep 30 SIGIO
WANT
diff "$T/want" "$T/compact" >&2 || fail "compact lines differ from tetra's (above)"

# --processes is a regex on the binary; --event-types ANDs with it.
n=$(ge -o compact --processes "$m-(sh|sleep)\$" -e PROCESS_EXIT "$SINK_OUT" | wc -l)
[ "$n" -eq 2 ] || fail "$n exit lines of sh and sleep, want 2"
n=$(ge --event-types PROCESS_EXEC --process "/$m-true\$" "$SINK_OUT" | wc -l)
[ "$n" -eq 2 ] || fail "$n JSON exec events of true, want 2"

# --timestamps: the event's time, nine digits, before the line.
line=$(ge -o compact --timestamps --processes "/$m-sleep" -e PROCESS_EXIT "$SINK_OUT")
ev=$(grep -F "\"binary\":\"$T/$m-sleep\"" "$SINK_OUT" | grep process_exit)
"$PYTHON" - "$ev" "$line" <<'PY' || fail "the timestamp is not the event's time: $line"
import json, sys
t = json.loads(sys.argv[1])["time"]
head, frac = (t[:-1].split(".") + [""])[:2]
sys.exit(0 if sys.argv[2].startswith(head + "." + frac.ljust(9, "0") + "Z \U0001F4A5 exit") else 1)
PY

# --color always: fatih/color's sequences.
ge -o compact --color always --processes "/$m-true" -e PROCESS_EXEC "$SINK_OUT" >"$T/color"
line=$(head -n 1 "$T/color")
case "$line" in
$'\e[34m🚀 process\e[0m \e[32m'"$node"$'\e[0m \e[35m'"$T/$m-true"$'\e[0m \e[36mplain a b\e[0m '*$'\e[35m\e[0m') ;;
*) fail "coloured line: $(printf '%q' "$line")" ;;
esac

# What it cannot print is reported with its place; the good lines still come.
{ cat "$SINK_OUT"; echo 'not json'; echo '{"process_exec":{}}'; } >"$T/mixed"
total=$(wc -l <"$T/mixed")
rc=0
ge -o compact "$T/mixed" >"$T/mixed.out" 2>"$T/mixed.err" || rc=$?
[ "$rc" -eq 1 ] || fail "getevents exited $rc on bad lines, want 1"
grep -qF "$T/mixed:$((total - 1)): not a JSON object" "$T/mixed.err" || fail "$(cat "$T/mixed.err")"
grep -qF "$T/mixed:$total: process_exec: process field is not set" "$T/mixed.err" ||
	fail "$(cat "$T/mixed.err")"
[ "$(wc -l <"$T/mixed.out")" -eq $((total - 3)) ] || fail "not every event printed"
rc=0
ge -e PROCESS_EXCE "$SINK_OUT" >/dev/null 2>"$T/usage.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "unknown event type 'PROCESS_EXCE'" "$T/usage.err" ||
	fail "a bad --event-types: status $rc, $(cat "$T/usage.err")"
help=$("$PROCSHIP" --help)
[[ $help == *"procship getevents"* ]] || fail "procship --help does not name getevents"
check_own_log
