#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# in_init_tree, as Tetragon writes it since v1.3: on every process object; true, with the
# inInitTree flag, for a PID namespace's init (unshare -p -f's child, pid 1 inside) and what
# descends from it; false for unshare itself and for everything outside.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-pidns
start_procship
# inside: sh is pid 1 of the new namespace; it forks true (pid 2 inside) and execs true
unshare -p -f --mount-proc=/proc /bin/sh -c '/usr/bin/true "$0-child"; exec /usr/bin/true "$0-init"' "$m" ||
	fail "unshare -p -f failed"
/usr/bin/true "$m-outside"

init=$(wait_for_exec "$PROCSHIP_OUT" "$m-init" 10)
assert_json "$init" 'P["in_init_tree"] is True and P["flags"] == "execve inInitTree"'
child=$(wait_for_exec "$PROCSHIP_OUT" "$m-child" 10)
assert_json "$child" 'P["in_init_tree"] is True and P["flags"] == "execve clone inInitTree"'
# the child's parent is the namespace's init, the sh
assert_json "$child" 'j["process_exec"]["parent"]["in_init_tree"] is True'
sh=$(json_lines_match "$PROCSHIP_OUT" 'P["pid"] == int(pid) and P["binary"] == sh and "process_exec" in j' \
	pid="$(json_value "$init" 'P["pid"]')" sh=/bin/sh) ||
	fail "no exec event for the namespace's sh"
assert_json "$sh" 'P["in_init_tree"] is True and P["flags"] == "execve clone inInitTree"'
# its parent, unshare, is outside the namespace's tree
assert_json "$sh" 'j["process_exec"]["parent"]["in_init_tree"] is False'
assert_json "$sh" 'j["process_exec"]["parent"]["binary"] == "/usr/bin/unshare"'
out=$(wait_for_exec "$PROCSHIP_OUT" "$m-outside" 10)
assert_json "$out" 'P["in_init_tree"] is False and P["flags"] == "execve clone"'
# the exits say the same
ex=$(wait_for_json "$PROCSHIP_OUT" 'P["arguments"] == a and "process_exit" in j' 10 a="$m-child")
assert_json "$ex" 'P["in_init_tree"] is True'

stop_procship
# every process object of this run has the key, but the bare one of an exit whose exec nobody
# saw ({pid, start_time}, as Tetragon's: on a busy host another user's process can start
# during the /proc scan)
"$PYTHON" - "$PROCSHIP_OUT" <<'PY' || fail "a process object without in_init_tree (see above)"
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    j = json.loads(line)
    for kind in ("process_exec", "process_exit"):
        for who in ("process", "parent"):
            o = j.get(kind, {}).get(who)
            if o is None or set(o) == {"pid", "start_time"}:
                continue
            if not isinstance(o.get("in_init_tree"), bool):
                sys.exit("line %d: %s.%s has no in_init_tree" % (n, kind, who))
PY
check_own_log
