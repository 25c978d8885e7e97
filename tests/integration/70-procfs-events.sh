#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The start-up /proc scan reports what already runs, as Tetragon's /proc reader does: first a
# process_exec for the kernel (pid 0, binary "<kernel>", its own parent, exec_id NODE:1:0),
# then one procFS process_exec per process, every parent's before its children's, this test's
# shell among them; kernel threads are not reported (only cached, as "[name]": the unit tests
# follow a child of one); pid 1 is reported even where its exe cannot be read, with a
# warning. A child the scanned process runs afterwards names it as parent.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-procfs70
start_waiting_sh "$T/go" "$m-child"
sh_exe=$(readlink -f /bin/sh)
start_procship

out=$T/run.out
procship_run_out "$out"
first=$(first_line "$out")
assert_json "$first" 'P["pid"] == 0 and P["binary"] == "<kernel>" and P["flags"] == "procFS"'
assert_json "$first" 'b64d(P["exec_id"]) == j["node_name"] + ":1:0"'
assert_json "$first" 'P["parent_exec_id"] == P["exec_id"] == j["process_exec"]["parent"]["exec_id"]'
assert_json "$first" 'P["in_init_tree"] is False and P["auid"] == 4294967295'

# the scanned shell, with its parent (this test's shell) reported before it
ev=$(wait_for_json "$out" 'P["pid"] == int(pid) and "procFS" in P["flags"].split()' 5 pid="$old")
assert_json "$ev" 'P["flags"] == "procFS" and P["binary"] == exe and P["cwd"] == cwd' \
	exe="$sh_exe" cwd="$T"
assert_json "$ev" 'j["process_exec"]["parent"]["pid"] == int(pid)' pid="$$"
assert_json "$ev" 'P["parent_exec_id"] == j["process_exec"]["parent"]["exec_id"]'
"$PYTHON" - "$out" "$old" <<'PY' || fail "a procFS exec came before its parent's (see above)"
import json, sys
seen, bad = set(), []
for line in open(sys.argv[1]):
    j = json.loads(line).get("process_exec")
    if not j or "procFS" not in j["process"].get("flags", "").split():
        continue
    p = j["process"]
    if p["pid"] != 0 and p["parent_exec_id"] not in seen and p["parent_exec_id"] != "":
        # a parent not reported at all must be a kernel thread (cached, never sent)
        if not j.get("parent", {}).get("binary", "").startswith("["):
            bad.append("%d (%s) before its parent %s" % (p["pid"], p["binary"], j.get("parent")))
    seen.add(p["exec_id"])
if bad:
    print("\n".join(bad[:5]))
    sys.exit(1)
PY
# pid 1 is there, whatever can be read of it
init=$(json_lines_match "$out" 'P["pid"] == 1 and "procFS" in P["flags"].split()') ||
	fail "no procFS process_exec for pid 1"
assert_json "$init" 'j["process_exec"]["parent"]["binary"] == "<kernel>"'
if ! readlink /proc/1/exe >/dev/null 2>&1; then
	assert_json "$init" '"binary" in P'
	procship_run_log | grep -q 'no readable exe (first: /proc/1/exe)' ||
		fail "no warning for pid 1's unreadable exe"
fi
# no kernel thread is reported as an exec
# (an exit may name one: a process caught between exit and reaping has an empty cmdline, and
# the scan takes it for a kernel thread, as Tetragon's reader does)
n=$(json_count "$out" '"process_exec" in j and P["binary"].startswith("[")')
[ "$n" -eq 0 ] || fail "$n kernel threads reported as process_exec"

# the child the scanned shell runs now names it
timeout 10 /bin/sh -c 'echo go >"$0"' "$T/go" || fail "the old process did not read its fifo"
child=$(wait_for_json "$PROCSHIP_OUT" 'P["arguments"] == marker and "process_exec" in j' 10 \
	marker="$m-child")
assert_json "$child" 'P["flags"] == "execve clone"'
assert_json "$child" 'P["parent_exec_id"] == id' id="$(json_value "$ev" 'P["exec_id"]')"
assert_json "$child" 'j["process_exec"]["parent"]["flags"] == "procFS"'

kill -KILL "$old"
wait "$old" || true
stop_procship
all_json "$PROCSHIP_OUT"
check_own_log
