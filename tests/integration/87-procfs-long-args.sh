#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Processes found by the start-up /proc scan are reported as Tetragon's /proc reader reports
# them (pkg/sensors/exec/procevents, v1.7.0): it fits a process and its parent in one
# message, so past 1124 bytes of their arguments together the process gets no cwd ("nocwd";
# the path ends its arguments as a quoted one), and past 5220 the longer is cut
# ("truncArgs"); a cwd that ends in white space is trimmed. The expected values are computed
# here from /proc, by that rule, for real processes started before procship.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mkfifo "$T/block"
mkdir "$T/dir  " "$T/d2"
long=$(head -c 1200 /dev/zero | tr '\0' a)
huge=$(head -c 7000 /dev/zero | tr '\0' b)
pids=()
# each blocks opening the fifo (no writer) until killed
for spec in "dir  |short" "d2|$long" "d2|$huge"; do
	(cd "$T/${spec%%|*}" && exec /bin/sh -c 'read x <"$0"' "$T/block" "${spec#*|}") &
	pids+=($!)
done
sh_exe=$(readlink -f /bin/sh)
for p in "${pids[@]}"; do
	for ((i = 0; i < 100; i++)); do
		[ "$(readlink "/proc/$p/exe")" != "$sh_exe" ] || break
		sleep 0.1
	done
	[ "$(readlink "/proc/$p/exe")" = "$sh_exe" ] || fail "process $p did not exec $sh_exe"
done

# Tetragon's rule, from /proc, before the scan.
"$PYTHON" - "$T/expect.json" "${pids[@]}" <<'PY'
import json, os, sys

def shape(pid):
    """Tetragon's argument bytes: the exe in place of argv[0] (nothing for a kernel thread)."""
    cmd = open("/proc/%d/cmdline" % pid, "rb").read()
    if not cmd:
        return None, b""
    try:
        exe = os.readlink("/proc/%d/exe" % pid).encode()
    except OSError:
        exe = b""
    return cmd, exe + cmd[len(cmd.split(b"\0")[0]):]

def join(tokens):
    out = ""
    for a in tokens:
        if " " in a:
            out += ' "' + a + '"'
        else:
            out = a if out == "" else out + " " + a
    return out

want = {}
for pid in map(int, sys.argv[2:]):
    ppid = int(open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[1])
    cmd, child = shape(pid)
    parent = shape(ppid)[1] if ppid else b""
    flags, cwd = ["procFS"], os.readlink("/proc/%d/cwd" % pid)
    need = len(child) + len(parent) - 5220
    if need > 0:
        c, p = len(child), len(parent)
        for _ in range(need):
            if p > c:
                p -= 1
            else:
                c -= 1
        if c < len(child):
            child = child[:c]
            flags.append("truncArgs")
    args = child.split(b"\0", 1)[1] if b"\0" in child else b""
    if len(shape(pid)[1]) + len(parent) > 1124:
        flags.append("nocwd")
        args += b" " + cwd.encode()
        cwd = None
    else:
        cwd = cwd.rstrip()
    tokens = args.rstrip(b"\0").split(b"\0")
    want[str(pid)] = {"arguments": join(t.decode() for t in tokens), "cwd": cwd,
                      "flags": " ".join(flags)}
json.dump(want, open(sys.argv[1], "w"))
PY

start_procship
for p in "${pids[@]}"; do
	ev=$(wait_for_json "$PROCSHIP_OUT" 'P["pid"] == int(pid) and "process_exec" in j' 10 pid="$p")
	echo "$ev" >"$T/ev.$p"
	"$PYTHON" - "$T/expect.json" "$p" "$T/ev.$p" <<'PY' || fail "process $p: not as Tetragon's reader sends it"
import json, sys
want = json.load(open(sys.argv[1]))[sys.argv[2]]
P = json.loads(open(sys.argv[3]).read())["process_exec"]["process"]
bad = []
for k in ("arguments", "flags"):
    if P.get(k) != want[k]:
        bad.append("%s: %.80r... (%d) != %.80r... (%d)" % (k, P.get(k), len(P.get(k) or ""),
                   want[k], len(want[k])))
if P.get("cwd") != want["cwd"]:
    bad.append("cwd: %r != %r" % (P.get("cwd"), want["cwd"]))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
done
# what the three show, in plain words
assert_json "$(cat "$T/ev.${pids[0]}")" 'P["cwd"] == want and P["flags"] == "procFS"' want="$T/dir"
assert_json "$(cat "$T/ev.${pids[1]}")" '"cwd" not in P and P["flags"] == "procFS nocwd"'
assert_json "$(cat "$T/ev.${pids[1]}")" 'P["arguments"].endswith(tail)' tail=" \" $T/d2\""
assert_json "$(cat "$T/ev.${pids[2]}")" 'P["flags"] == "procFS truncArgs nocwd"'
assert_json "$(cat "$T/ev.${pids[2]}")" 'len(P["arguments"]) < 5300'

kill -KILL "${pids[@]}"
wait "${pids[@]}" 2>/dev/null || true
stop_procship
all_json "$PROCSHIP_OUT"
check_own_log
