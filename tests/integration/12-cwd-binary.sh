#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# "binary" is absolute: a relative exec ("./prog", "sub/prog", "../prog") is joined to the cwd
# and cleaned (Go's filepath.Join); "cwd" is the process's directory; "rootcwd" is set when it
# is "/"; an exec from a directory that was deleted gives its path with " (deleted)".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/dir/sub"
cp /usr/bin/true "$T/dir/prog"
cp /usr/bin/true "$T/dir/sub/prog"
start_procship

# exec_event MARKER: the process_exec event of the process whose pid is in $T/MARKER.pid.
exec_event()
{
	wait_for_json "$PROCSHIP_OUT" \
		'j["process_exec"]["process"]["pid"] == int(pid) and P["arguments"] == marker' 10 \
		pid="$(cat "$T/$1.pid")" marker="$1"
}
# run_in DIR MARKER PROGRAM: exec PROGRAM MARKER in DIR, without a fork (sh's exec).
run_in()
{
	(cd "$1" && exec /bin/sh -c 'echo $$ >"$0"; exec "$1" "$2"' "$T/$2.pid" "$3" "$2") || true
}

m=procship-it-$$-dotslash
run_in "$T/dir" "$m" ./prog
ev=$(exec_event "$m")
assert_json "$ev" 'P["binary"] == want' want="$T/dir/prog"
assert_json "$ev" 'P["cwd"] == want' want="$T/dir"
assert_json "$ev" 'P["flags"] == "execve"'

m=procship-it-$$-subdir
run_in "$T/dir" "$m" sub/prog
ev=$(exec_event "$m")
assert_json "$ev" 'P["binary"] == want' want="$T/dir/sub/prog"

m=procship-it-$$-dotdot
run_in "$T/dir/sub" "$m" ../prog
ev=$(exec_event "$m")
assert_json "$ev" 'P["binary"] == want' want="$T/dir/prog"
assert_json "$ev" 'P["cwd"] == want' want="$T/dir/sub"

# cwd "/": the rootcwd flag, forked (execve rootcwd clone) and not (execve rootcwd)
m=procship-it-$$-root
run_in / "$m" usr/bin/true
ev=$(exec_event "$m")
assert_json "$ev" 'P["binary"] == "/usr/bin/true"'
assert_json "$ev" 'P["cwd"] == "/"'
assert_json "$ev" 'P["flags"] == "execve rootcwd"'
m=procship-it-$$-rootfork
(cd / && /usr/bin/true "$m") &
pid=$!
wait "$pid" || true
echo "$pid" >"$T/$m.pid"
ev=$(exec_event "$m")
assert_json "$ev" 'P["flags"] == "execve rootcwd clone"'
assert_json "$ev" 'P["cwd"] == "/"'

# a deleted cwd: the event arrives, parses, and names the process right
m=procship-it-$$-deleted
mkdir "$T/gone"
(cd "$T/gone" && rmdir "$T/gone" && exec /bin/sh -c 'echo $$ >"$0"; exec /usr/bin/true "$1"' "$T/$m.pid" "$m") || true
ev=$(exec_event "$m")
assert_json "$ev" 'P["binary"] == "/usr/bin/true"'
# the directory's path, marked as the kernel's d_path marks it (73 has more)
assert_json "$ev" 'P["cwd"] == want and P["flags"] == "execve"' want="$T/gone (deleted)"
# and a relative exec from it still gives an absolute binary
m=procship-it-$$-deleted-rel
mkdir "$T/gone2"
cp /usr/bin/true "$T/gone2/prog"
(cd "$T/gone2" && exec 3<prog && rm prog && rmdir "$T/gone2" && exec /bin/sh -c 'echo $$ >"$0"; exec /proc/self/fd/3 "$1"' "$T/$m.pid" "$m") || true
ev=$(exec_event "$m")
assert_json "$ev" 'P["binary"].startswith("/")'
info "binary of a deleted program run through /proc/self/fd: $(json_value "$ev" 'P["binary"]')"

stop_procship
all_utf8 "$PROCSHIP_OUT"
all_json "$PROCSHIP_OUT"
check_own_log
