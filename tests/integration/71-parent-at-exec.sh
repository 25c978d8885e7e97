#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The parent of an exec is the task's real_parent at exec time, as Tetragon's BPF reads it: a
# double-forked child whose forker died before it exec'd names the subreaper that adopted it
# (or init), never the dead forker, and its "clone" flag stays. Its parent_exec_id is that
# parent's exec_id.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start_procship
m=procship-it-$$-orphan
# python: become a subreaper, fork A; A forks B and exits; B waits until it has been adopted,
# records its parent, and execs true. Every wait is bounded.
"$PYTHON" - "$T" "$m" <<'PY' || fail "the double fork did not run"
import ctypes, os, sys, time
t, m = sys.argv[1], sys.argv[2]
libc = ctypes.CDLL(None, use_errno=True)
PR_SET_CHILD_SUBREAPER = 36
ul = ctypes.c_ulong
if libc.prctl(PR_SET_CHILD_SUBREAPER, ul(1), ul(0), ul(0), ul(0)) != 0:
    sys.exit("prctl: %d" % ctypes.get_errno())
open(t + "/reaper.pid", "w").write("%d\n" % os.getpid())
a = os.fork()
if a == 0:
    forker = os.getpid()
    open(t + "/forker.pid", "w").write("%d\n" % forker)
    b = os.fork()
    if b == 0:
        for _ in range(1000):
            if os.getppid() != forker:
                break
            time.sleep(0.01)
        open(t + "/orphan.ppid", "w").write("%d\n" % os.getppid())
        os.execv("/usr/bin/true", ["/usr/bin/true", m])
    os._exit(0)
os.waitpid(a, 0)
deadline = time.time() + 10
while time.time() < deadline:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        break
    time.sleep(0.01)
PY
reaper=$(cat "$T/reaper.pid")
forker=$(cat "$T/forker.pid")
[ "$(cat "$T/orphan.ppid")" = "$reaper" ] || fail "the orphan was adopted by $(cat "$T/orphan.ppid"), not the subreaper $reaper"
ev=$(wait_for_exec "$PROCSHIP_OUT" "$m" 10)
assert_json "$ev" 'j["process_exec"]["parent"]["pid"] == int(reaper)' reaper="$reaper"
assert_json "$ev" 'j["process_exec"]["parent"]["pid"] != int(forker)' forker="$forker"
assert_json "$ev" 'P["parent_exec_id"] == j["process_exec"]["parent"]["exec_id"]'
assert_json "$ev" 'P["flags"] == "execve clone"'
reaper_exec=$(json_lines_match "$PROCSHIP_OUT" 'P["pid"] == int(reaper) and "process_exec" in j' \
	reaper="$reaper") || fail "no process_exec for the subreaper $reaper"
assert_json "$ev" 'P["parent_exec_id"] == id' id="$(json_value "$reaper_exec" 'P["exec_id"]')"
# the forker's exit names the same parent the orphan's fork had (the subreaper)
ex=$(wait_for_json "$PROCSHIP_OUT" 'P["pid"] == int(forker) and "process_exit" in j' 10 \
	forker="$forker")
assert_json "$ex" 'j["process_exit"]["parent"]["pid"] == int(reaper)' reaper="$reaper"

stop_procship
check_own_log
