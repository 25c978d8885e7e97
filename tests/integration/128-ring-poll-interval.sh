#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --ring-buffer-poll-us (issue 19's wake-ups): while records keep coming, procship reads the
# ring at that interval and is not woken for them. With 100 ms, during an exec storm of the
# test's own (which keeps procship polling), its wake-ups over IT_POLL_WINDOW (2) seconds stay
# under IT_POLL_SLOW_WAKES (120: 20 polls and 2 ticks are expected; an ignored option, the
# 5 ms default, makes ~400); the storm's events still arrive, none lost to the ring.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

window=${IT_POLL_WINDOW:-2}
max_wakes=${IT_POLL_SLOW_WAKES:-120}
m=procship-it-$$-rpoll

start_procship --ring-buffer-poll-us 100000 --export-allowlist "$(marker_filter "$m")"
timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$m" 200000 2 $((window + 3)) >"$T/storm.out" &
storm=$!
it_on_exit "kill $storm 2>/dev/null || true"
sleep 1.5
w0=$(procship_wakes)
sleep "$window"
w1=$(procship_wakes)
# the storm stops by itself (count or seconds); its own status counts reaped children
wait "$storm" || true
info "storm: $(cat "$T/storm.out"); procship woke $((w1 - w0)) times in $window s"
/usr/bin/true "$m-end"
wait_for_exec "$PROCSHIP_OUT" "$m-end" 100 >/dev/null || fail "the storm's last exec did not arrive"
stop_procship
[ $((w1 - w0)) -lt "$max_wakes" ] ||
	fail "procship woke $((w1 - w0)) times in $window s of storm with a 100 ms poll interval"
n=$(grep -c "\"arguments\": \?\"$m-[0-9]" "$PROCSHIP_OUT" || true)
info "$n storm execs and exits exported"
[ "$n" -gt 100 ] || fail "only $n of the storm's events were exported"
[ "$(procship_drops exec ringbuf_full)" -eq 0 ] || fail "exec records were lost to a full ring"
check_own_log
