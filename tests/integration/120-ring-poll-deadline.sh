#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The ring buffer's two ways of telling user space (issue 19's CPU per exec): while records
# come fast procship polls the ring when its loop's wait times out (no timer fd to read and
# re-arm on each poll), else the BPF side wakes it. Checked, with bare JSON over UDP to a
# receiver in the test (helpers/exec_arrival.py): IT_POLL_PACED (40) execs one at a time,
# 200 ms apart, the first half alone (woken, on a quiet host), the second half beside two
# spawn loops of the test's own (so that procship polls), each reach the receiver, the median
# of each half within IT_POLL_P50_MS (20: generous on a busy host, where it is ~3 ms; a poll
# that never comes due would leave events to a backlog's wake-up or the 1 s tick: 40 ms and
# more, measured with that bug); then
# IT_POLL_BURST (3000) execs 4 at a time: every exec and exit arrives, none of the exits before
# its exec. Afterwards, with nothing of ours running, procship's loop does not spin (a poll
# deadline in the past, never moved, would): its CPU over 2 s stays under IT_POLL_IDLE_PCT
# (30%) of one core, and its wake-ups under IT_POLL_IDLE_WAKES (1500: a 5 ms poll for 2 s is
# 400; the host's other execs add theirs).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

paced=${IT_POLL_PACED:-40}
burst=${IT_POLL_BURST:-3000}
p50_max=${IT_POLL_P50_MS:-20}
idle_pct=${IT_POLL_IDLE_PCT:-30}
idle_wakes=${IT_POLL_IDLE_WAKES:-1500}
m=procship-it-$$-poll
port=$(free_udp_port)

cpu_ticks()
{
	awk '{print $14 + $15}' "/proc/$PROCSHIP_PID/stat"
}

# the receiver first: agent_init is the first datagram procship sends
timeout 100 "$PYTHON" "$IT_HELPERS/exec_arrival.py" --port "$port" --prefix "$m" \
	--paced "$paced" --interval-ms 200 --burst "$burst" --parallel 4 --background 2 --seconds 90 \
	--ready "$T/arrival.ready" --go "$T/arrival.go" >"$T/arrival.json" &
driver=$!
it_on_exit "kill $driver 2>/dev/null || true"
for ((i = 0; i < 100; i++)); do
	[ -e "$T/arrival.ready" ] || sleep 0.1
done
[ -e "$T/arrival.ready" ] || fail "the exec driver did not bind 127.0.0.1:$port within 10 s"
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$port" --syslog-format json \
	--export-allowlist "$(marker_filter "$m")"
touch "$T/arrival.go"
wait "$driver" || fail "the exec driver failed"
c0=$(cpu_ticks)
w0=$(procship_wakes)
sleep 2
c1=$(cpu_ticks)
w1=$(procship_wakes)
stop_procship
hz=$(getconf CLK_TCK)
"$PYTHON" - "$T/arrival.json" "$paced" "$burst" "$p50_max" <<'PY' || fail "events missing or out of order (see above)"
import json, sys
r = json.load(open(sys.argv[1]))
paced, burst, p50_max = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
ok, n = r["spawned_burst"] == burst, 0
for half in ("alone_ms", "busy_ms"):
    d = r[half]
    n += len(d)
    p50 = d[len(d) // 2] if d else float("inf")
    print(f"paced, {half[:-3]}: {len(d)} arrived, delay p50 {p50} ms, max {max(d or [0])} ms",
          file=sys.stderr)
    ok = ok and p50 <= p50_max
print(f"paced: {n} of {paced} arrived; burst {r['spawned_burst']} spawned; missing exec "
      f"{len(r['missing_exec'])}, exit {len(r['missing_exit'])}; exit before exec "
      f"{len(r['exit_before_exec'])}", file=sys.stderr)
ok = ok and n == paced
for k in ("missing_exec", "missing_exit", "exit_before_exec"):
    if r[k]:
        print(f"{k}: {r[k][:10]}", file=sys.stderr)
        ok = False
sys.exit(0 if ok else 1)
PY
pct=$(((c1 - c0) * 100 / (2 * hz)))
info "idle 2 s: procship used $((c1 - c0)) ticks ($pct% of a core), $((w1 - w0)) wake-ups"
[ "$pct" -lt "$idle_pct" ] || fail "procship used $pct% of a core while idle: its loop spins"
[ $((w1 - w0)) -lt "$idle_wakes" ] || fail "procship woke $((w1 - w0)) times in 2 s of idle"
[ "$(procship_drops exec ringbuf_full)" -eq 0 ] || fail "exec records were lost to a full ring"
check_own_log
