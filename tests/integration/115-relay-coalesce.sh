#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Relay batching (issue 16's relay CPU, issue 19): with --input-unix-coalesce-us a loop turn
# that relayed a trickle waits up to that long for more, so that several writers' messages
# share one wake-up. IT_COAL_WRITERS (6) blocking writers send IT_COAL_COUNT (2000) messages
# each at IT_COAL_RATE (1000) a second, in a burst each millisecond, once with the default
# wait (1000 us) and once with 0 (never). Each time every message arrives (or is counted
# dropped with a reason), in the order each writer sent them; the delay from send to receipt
# is reported and its p99 stays under IT_COAL_MAX_P99_MS (500: generous on a busy host; the
# bound the wait adds is 1 ms). With the wait, procship wakes (voluntary context switches of
# its loop) at most IT_COAL_WAKE_RATIO (0.7) times as often as without it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

writers=${IT_COAL_WRITERS:-6}
count=${IT_COAL_COUNT:-2000}
rate=${IT_COAL_RATE:-1000}
max_p99=${IT_COAL_MAX_P99_MS:-500}
ratio=${IT_COAL_WAKE_RATIO:-0.7}
sock=$T/log.sock

# relay_run NAME ARGS...: one relay of the paced writers through procship ARGS; sets
# WAKES_<NAME> and leaves the receiver's lines in $T/NAME.out, receipt times in $T/NAME.stamps.
relay_run()
{
	local name=$1 port w0 w1 sent got i
	shift
	port=$(free_udp_port)
	CNT_NS= it_launch_receiver "$T/$name" "$port" --out "$T/$name.out" \
		--stamps "$T/$name.stamps" --kdrops "$T/$name.kdrops"
	local rpid=$IT_RCV_PID
	start_procship --process-events=false --udp-output-enabled \
		--udp-output-address "127.0.0.1:$port" --udp-buffer-size 4194304 \
		--input-unix "$sock" "$@"
	w0=$(procship_wakes)
	timeout 60 "$PYTHON" "$IT_HELPERS/flood.py" "$sock" "coal-$name" "$writers" "$count" 30 \
		"$rate" >"$T/$name.flood" || { cat "$T/$name.flood" >&2; fail "the writers failed"; }
	sent=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' \
		"$T/$name.flood")
	[ "$sent" -eq $((writers * count)) ] || fail "$name: the writers sent $sent, not $((writers * count))"
	for ((i = 0; i < 200; i++)); do
		got=$(grep -c -F "coal-$name " "$T/$name.out" 2>/dev/null || true)
		[ "${got:-0}" -ge "$sent" ] && break
		sleep 0.1
	done
	[ "${got:-0}" -ge "$sent" ] || fail "$name: ${got:-0} of $sent messages arrived within 20 s"
	w1=$(procship_wakes)
	printf -v "WAKES_$name" '%s' $((w1 - w0))
	stop_procship
	stop_pid "$rpid" 10 || fail "the receiver did not stop"
	wait "$rpid" 2>/dev/null || true
	[ "$(text_stat dropped)" -eq 0 ] || fail "$name: procship dropped $(text_stat dropped) messages"
	[ "$(procship_stat dropped)" -eq 0 ] || fail "$name: udp dropped $(procship_stat dropped)"
	check_own_log
}

# check_run NAME: every message once, in order per writer; prints "p50 p99 max" delay in ms.
check_run()
{
	"$PYTHON" - "$T/$1.out" "$T/$1.stamps" "coal-$1" "$writers" "$count" <<'PY'
import re, sys
out, stamps, mark, writers, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
lines, times = open(out, errors="replace").read().splitlines(), open(stamps).read().split()
if len(lines) != len(times):
    sys.exit(f"{len(lines)} lines but {len(times)} receipt times")
pat = re.compile(re.escape(mark) + r" (\d+) (\d+) (\d+)$")
last, delays = {}, []
for line, t in zip(lines, times):
    m = pat.search(line)
    if not m:
        continue
    w, n, sent = int(m[1]), int(m[2]), int(m[3])
    if n != last.get(w, -1) + 1:
        sys.exit(f"writer {w}: message {n} arrived after {last.get(w, -1)}")
    last[w] = n
    delays.append((int(t) - sent) / 1e6)
if sorted(last.items()) != [(w, count - 1) for w in range(writers)]:
    sys.exit(f"last message per writer: {sorted(last.items())}, not {count - 1} each")
delays.sort()
print(f"{delays[len(delays) // 2]:.2f} {delays[len(delays) * 99 // 100]:.2f} {delays[-1]:.2f}")
PY
}

relay_run wait
relay_run nowait --input-unix-coalesce-us 0
read -r p50w p99w maxw <<<"$(check_run wait)" || fail "with the wait: $(check_run wait 2>&1)"
read -r p50n p99n maxn <<<"$(check_run nowait)" || fail "without it: $(check_run nowait 2>&1)"
info "wait 1000 us: $WAKES_wait wake-ups, delay p50 $p50w p99 $p99w max $maxw ms; \
no wait: $WAKES_nowait wake-ups, delay p50 $p50n p99 $p99n max $maxn ms"
for p in "$p99w" "$p99n"; do
	"$PYTHON" -c 'import sys; sys.exit(float(sys.argv[1]) > float(sys.argv[2]))' "$p" "$max_p99" ||
		fail "a delay p99 of $p ms, more than $max_p99 ms"
done
"$PYTHON" -c 'import sys; sys.exit(int(sys.argv[1]) > float(sys.argv[3]) * int(sys.argv[2]))' \
	"$WAKES_wait" "$WAKES_nowait" "$ratio" ||
	fail "with the wait procship woke $WAKES_wait times, without it $WAKES_nowait (want <= ${ratio}x)"
