#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A whole exec'd path of exactly 4095 bytes (PATH_MAX with its NUL, the longest execve takes)
# is not flagged truncFilename (issue 20, hostile review finding 9; procship.8 EVENTS): the BPF
# read that fills its 4096 bytes returns the same for it as for a longer path, and the byte
# its NUL went over now tells them apart. The binary is the whole path, byte for byte.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-path4095
# Nested directories of at most 255 bytes under $T, then a copy of true: 4095 bytes in all.
long=$("$PYTHON" - "$T" <<-'PY'
	import os, shutil, sys
	path = os.path.abspath(sys.argv[1])
	while 4095 - len(path) - 1 > 255:
	    n = min(255, 4095 - len(path) - 1 - 2 - 8)
	    path = os.path.join(path, "d" * n)
	    os.mkdir(path)
	path = os.path.join(path, "t" * (4095 - len(path) - 1))
	shutil.copy("/usr/bin/true", path)
	assert len(path) == 4095
	print(path)
	PY
)
[ "${#long}" -eq 4095 ] || fail "the path is ${#long} bytes, not 4095"
start_procship --export-allowlist "$(marker_filter "$m")"
# exec from /, so that the event's cwd is short; an exec without a fork of the sh
(cd / && exec /bin/sh -c 'echo $$ >"$0"; exec "$1" "$2"' "$T/long.pid" "$long" "$m") ||
	fail "the 4095-byte path did not run"
ev=$(wait_for_json "$PROCSHIP_OUT" '"process_exec" in j and P["arguments"] == a' 10 a="$m")
assert_json "$ev" 'P["pid"] == int(pid) and P["binary"] == want' pid="$(cat "$T/long.pid")" \
	want="$long"
assert_json "$ev" '"truncFilename" not in P["flags"].split()'
info "a 4095-byte binary, whole and not flagged: flags \"$(json_value "$ev" 'P["flags"]')\""
check_own_log
