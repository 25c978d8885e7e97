#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# "arguments" exactly as Tetragon joins them (argv[1..] joined by single spaces; an argument
# holding a space wrapped in double quotes and preceded by a space, even when it comes first;
# nothing else escaped), then JSON-escaped: quotes, backslashes, tabs, newlines, non-ASCII as
# raw UTF-8, invalid UTF-8 as U+FFFD, an empty argument as a double space (a trailing space
# when last, unless the cwd is "/"). Every line procship writes is valid UTF-8 and valid
# JSON, and process_exit carries the same string.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-args
# Only this scenario's events: on a busy host others' execs would fill the output.
start_procship --export-allowlist "{\"arguments_regex\":[\"procship-it-$$-\"]}"
FFFD=$'\xef\xbf\xbd'

# check MARKER EXPECTED ARGS...: run /usr/bin/true MARKER ARGS..., expect "arguments" to be
# EXPECTED in its exec and exit events.
check()
{
	local marker=$1 want=$2 pid ev
	shift 2
	run_marked "$T/$marker.pid" /usr/bin/true "$marker" "$@"
	pid=$(cat "$T/$marker.pid")
	ev=$(wait_for_json "$PROCSHIP_OUT" \
		'j["process_exec"]["process"]["pid"] == int(pid) and P["binary"] == "/usr/bin/true"' 10 pid="$pid")
	assert_json "$ev" 'P["arguments"] == want' want="$want"
	ev=$(wait_for_exit "$PROCSHIP_OUT" "$pid" 'f in P.get("arguments", "")' 10 f="$T/$marker.pid")
	assert_json "$ev" 'P["arguments"] == want' want="$want"
}

check "$m-plain"   "$m-plain a b c"                       a b c
check "$m-space"   "$m-space \"two words\" x"             "two words" x
check "$m-quote"   "$m-quote say\"hi\" 'single'"          'say"hi"' "'single'"
check "$m-qspace"  "$m-qspace \"say \"hi\"\""             'say "hi"'
check "$m-bslash"  "$m-bslash back\\slash C:\\dir\\ \\\\" 'back\slash' 'C:\dir\' '\\'
check "$m-tab"     "$m-tab a"$'\t'"b"                     $'a\tb'
check "$m-newline" "$m-newline line1"$'\n'"line2 x"       $'line1\nline2' x
check "$m-ctrl"    "$m-ctrl "$'\x01\x1f\x7f'              $'\x01\x1f\x7f'
check "$m-unicode" "$m-unicode é 🚀 \"ü ñ\" 日本"          é 🚀 'ü ñ' 日本
check "$m-badutf8" "$m-badutf8 $FFFD a${FFFD}b $FFFD("    $'\xff' $'a\xfeb' $'\xc3('
check "$m-empty"   "$m-empty a  b"                        a '' b
check "$m-empty2"  "$m-empty2   b"                        '' '' b
check "$m-json"    "$m-json {\"k\":[1,\"v\"]} </script>"  '{"k":[1,"v"]}' '</script>'
# an empty last argument: a trailing space, but not with the cwd "/" (Tetragon's decoder trims
# the NULs no cwd follows)
check "$m-trail"   "$m-trail a "                          a ''
m3=procship-it-$$-roottrail
(cd / && exec /bin/sh -c 'echo $$ >"$0"; exec "$@"' "$T/$m3.pid" /usr/bin/true "$m3" a '' '') || true
ev=$(wait_for_json "$PROCSHIP_OUT" \
	'j["process_exec"]["process"]["pid"] == int(pid) and P["binary"] == "/usr/bin/true"' 10 \
	pid="$(cat "$T/$m3.pid")")
assert_json "$ev" 'P["arguments"] == want and P["flags"] == "execve rootcwd"' want="$m3 a"
# a first argument holding a space: Tetragon's joining gives a leading space
m2=procship-it-$$-lead
run_marked "$T/$m2.pid" /usr/bin/true "lead $m2" tail
ev=$(wait_for_json "$PROCSHIP_OUT" \
	'j["process_exec"]["process"]["pid"] == int(pid) and P["binary"] == "/usr/bin/true"' 10 \
	pid="$(cat "$T/$m2.pid")")
assert_json "$ev" 'P["arguments"] == want' want=" \"lead $m2\" tail"

stop_procship
all_utf8 "$PROCSHIP_OUT"
all_json "$PROCSHIP_OUT"
check_own_log
