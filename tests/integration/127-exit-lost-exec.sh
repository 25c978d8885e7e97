#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The exit of a process whose exec record was lost (issue 14): Tetragon sends a process of pid
# and start_time only, its start_time the time of the last exec (its BPF process map's key),
# not of the fork. procship is stopped while 150 children fork, wait 0.5 s and exec, so that
# the 64 KiB ring loses most of their exec records; it is let go before they exit. Every exit
# of theirs that arrives must say when they exec'd: at least 0.4 s after their fork.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start_procship --ring-buffer-size 65536
forks=$T/forks
kill -STOP "$PROCSHIP_PID"
it_on_exit "kill -CONT $PROCSHIP_PID 2>/dev/null"
timeout 60 "$PYTHON" - "$forks" <<'EOF' &
import os, sys, time
out = open(sys.argv[1], "w")
kids = []
for i in range(150):
    pid = os.fork()
    if pid == 0:
        time.sleep(0.5)
        os.execv("/usr/bin/sleep", ["sleep", "%.2f" % (3 + i * 0.01)])
    out.write("%d %.6f\n" % (pid, time.time()))
    kids.append(pid)
out.close()
for pid in kids:
    os.waitpid(pid, 0)
EOF
spawner=$!
sleep 2
kill -CONT "$PROCSHIP_PID"
wait "$spawner" || fail "the children did not all exit within 60 s"
procship_alive
sleep 1
stop_procship
grep -E 'exec records dropped \(ringbuf_full\)' "$PROCSHIP_LOG" >&2 ||
	fail "no exec record was lost: the scenario did not reproduce what it tests"

"$PYTHON" - "$forks" "$PROCSHIP_OUT" <<'EOF' || fail "an exit's start_time is not its exec's (above)"
import datetime, json, sys
forked = {}
for line in open(sys.argv[1]):
    pid, wall = line.split()
    forked[int(pid)] = float(wall)
def wall(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
exits = {}
for line in open(sys.argv[2], errors="replace"):
    try:
        j = json.loads(line)
    except ValueError:
        continue
    e = j.get("process_exit") if isinstance(j, dict) else None
    p = e and e.get("process")
    if not p or p.get("pid") not in forked or wall(e["time"]) < forked[p["pid"]]:
        continue
    # A child sleeps 3 s or more after its exec. When its exit record is lost, a later
    # process may reuse its pid on a busy host; that one ran for milliseconds.
    if wall(e["time"]) - wall(p["start_time"]) < 2.5 and p.get("binary") != "/usr/bin/sleep":
        continue
    exits.setdefault(p["pid"], p)  # the first exit after the fork is the child's
bare = [pid for pid, p in exits.items() if sorted(p) == ["pid", "start_time"]]
bad = []
for pid, p in exits.items():
    after = wall(p["start_time"]) - forked[pid]
    if not 0.4 <= after <= 30:
        bad.append("pid %d: start_time %s is %.3f s after its fork" % (pid, p["start_time"], after))
    if pid not in bare and p.get("binary") != "/usr/bin/sleep":
        bad.append("pid %d: exit of %r, not of /usr/bin/sleep" % (pid, p.get("binary")))
print("127: %d children, %d exits arrived, %d of them bare" % (len(forked), len(exits), len(bare)),
      file=sys.stderr)
if not bare:
    bad.append("no bare exit: every child's exec arrived, nothing was tested")
for b in bad[:20]:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
check_own_log
