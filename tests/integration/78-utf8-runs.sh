#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Invalid UTF-8 in arguments, a binary's path and a cwd is replaced as Tetragon v1.7.0 does
# it (issue 14): Go's strings.ToValidUTF8 writes one U+FFFD for each run of consecutive bad
# bytes (procship used to write one per byte). Real execs of real files in real directories
# whose names hold the bytes; every line stays valid UTF-8 and JSON, and procship getevents
# prints the repaired strings as they are (U+FFFD is printable: nothing to quote).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-utf8
F=$'\xef\xbf\xbd'
start_procship --export-allowlist "$(marker_filter "$m")"

# exec_of MARKER: the exec event of the process whose pid is in $T/MARKER.pid
exec_of()
{
	wait_for_json "$PROCSHIP_OUT" 'j["process_exec"]["process"]["pid"] == int(pid)' 10 \
		pid="$(cat "$T/$1.pid")"
}

# Runs of 3, 2 (a cut sequence), 2 (an overlong "/"), 3 (a surrogate), and two runs around a
# valid character: one U+FFFD each.
run_marked "$T/$m-args.pid" /usr/bin/true "$m-args" $'\xff\xfe\xfd' $'a\xe2\x82b' $'\xc0\xaf' \
	$'x\xed\xa0\x80y' $'\xff\xc3\xa9\xff'
ev=$(exec_of "$m-args")
want="$m-args $F a${F}b $F x${F}y ${F}é${F}"
assert_json "$ev" 'P["arguments"] == want' want="$want"
node=$(json_value "$ev" 'j["node_name"]')

# A binary whose name ends in two bad bytes.
bin=$T/$m-bin$'\xff\xfe'
cp /usr/bin/true "$bin"
run_marked "$T/$m-bin.pid" "$bin" "$m-bin"
ev=$(exec_of "$m-bin")
assert_json "$ev" 'P["binary"] == want' want="$T/$m-bin$F"

# A cwd whose last component is three continuation bytes.
dir=$T/d$'\x80\x81\x82'
mkdir "$dir"
(cd "$dir" && exec /bin/sh -c 'echo $$ >"$0"; exec /usr/bin/true "$1"' "$T/$m-cwd.pid" "$m-cwd")
ev=$(exec_of "$m-cwd")
assert_json "$ev" 'P["cwd"] == want' want="$T/d$F"
stop_procship
all_utf8 "$PROCSHIP_OUT"
all_json "$PROCSHIP_OUT"

# getevents: the arguments line as the event has it, unquoted.
"$PROCSHIP" getevents -o compact --color never "$PROCSHIP_OUT" >"$T/compact" 2>"$T/compact.err" ||
	{ cat "$T/compact.err" >&2; fail "procship getevents failed"; }
grep -qxF "🚀 process $node /usr/bin/true $want" "$T/compact" ||
	fail "no compact line for the arguments: $(cat "$T/compact")"
check_own_log
