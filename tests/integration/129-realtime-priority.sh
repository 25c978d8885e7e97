#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --realtime-priority (issue 19's latency): the event loop, procship's main thread, runs under
# SCHED_FIFO at the priority given, and only it: the resolver's threads (a destination by
# name starts them) run under the ordinary policy at nice 0 (SCHED_RESET_ON_FORK). Events
# still reach a real rsyslog. Without CAP_SYS_NICE (dropped from the bounding set, so root
# cannot have it) procship refuses to start, naming the option and what it needs, instead of
# running at an ordinary priority the operator did not choose. Launched already under FIFO 7
# without CAP_SYS_NICE, as procship.service's drop-in does it, it starts.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed to drop CAP_SYS_NICE"
m=procship-it-$$-rt
start_port_receiver rt
start_procship --realtime-priority 7 --udp-output-enabled \
	--udp-output-address "localhost:$PORT_RCV_PORT" --export-allowlist "$(marker_filter "$m")"
/usr/bin/true "$m-one"
for ((i = 0; i < 200; i++)); do
	grep -rqs -- "$m-one" "$PORT_RCV_DIR" && break
	sleep 0.1
done
grep -rqs -- "$m-one" "$PORT_RCV_DIR" || fail "the marked exec did not reach rsyslog in $PORT_RCV_DIR within 20 s"
ps -L -o tid=,cls=,rtprio=,ni= -p "$PROCSHIP_PID" >"$T/threads"
info "threads (tid class rtprio nice): $(tr -s ' \n' ' ' <"$T/threads")"
read -r tid cls prio _ < <(awk -v p="$PROCSHIP_PID" '$1 == p' "$T/threads")
[ "$tid" = "$PROCSHIP_PID" ] || fail "no main thread in the list"
[ "$cls" = FF ] && [ "$prio" = 7 ] ||
	fail "the event loop runs as class $cls priority $prio, want FF (SCHED_FIFO) 7"
others=$(awk -v p="$PROCSHIP_PID" '$1 != p' "$T/threads")
[ -n "$others" ] || fail "no resolver thread: the inheritance check would prove nothing"
bad=$(printf '%s\n' "$others" | awk '$2 != "TS" || $4 != 0' || true)
[ -z "$bad" ] || fail "threads other than the loop run real-time or off nice 0: $bad"
stop_procship
check_own_log

rc=0
setpriv --bounding-set -sys_nice -- "$PROCSHIP" --realtime-priority 7 --process-events=false \
	--input-stdin </dev/null >"$T/noperm.out" 2>"$T/noperm.err" || rc=$?
info "without CAP_SYS_NICE: status $rc: $(cat "$T/noperm.err")"
[ "$rc" -ne 0 ] || fail "procship started at an ordinary priority when SCHED_FIFO was refused"
grep -q -- '--realtime-priority 7: .*CAP_SYS_NICE' "$T/noperm.err" ||
	fail "the refusal does not name --realtime-priority and CAP_SYS_NICE"

# As under procship.service's drop-in (CPUSchedulingPolicy=fifo, CPUSchedulingResetOnFork=yes):
# the launcher sets the class, procship has no CAP_SYS_NICE, finds it in place and starts.
IT_PROCSHIP_WRAPPER=$T/as-unit
printf '#!/bin/sh\nexec chrt -f -R 7 setpriv --bounding-set -sys_nice -- "$@"\n' >"$IT_PROCSHIP_WRAPPER"
chmod +x "$IT_PROCSHIP_WRAPPER"
start_procship --realtime-priority 7 --export-allowlist "$(marker_filter "$m")"
IT_PROCSHIP_WRAPPER=
/usr/bin/true "$m-two"
wait_for_exec "$PROCSHIP_OUT" "$m-two" 100 >/dev/null || fail "no exec exported with the class set by the launcher"
read -r cls prio < <(ps -o cls=,rtprio= -p "$PROCSHIP_PID")
[ "$cls" = FF ] && [ "$prio" = 7 ] || fail "launched under FIFO 7, procship runs as $cls $prio"
stop_procship
check_own_log 'nice -10: .*keeping nice'
