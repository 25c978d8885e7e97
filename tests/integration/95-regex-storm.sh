#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A catastrophic regex cannot stall everyone (issue 20, item 2; procship.8 FILTERS and
# SECURITY): with (a+)+$ in the denylist, an unprivileged test user runs an exec storm whose
# 4 KiB argument is built so that every start position of the search stays under PCRE2's match
# limit (blocks of eight a's between bangs: about 1.1 ms per match with the JIT, 11 ms without;
# bench/FINDINGS.md finding 23). Meanwhile root runs 20 marked execs. The user's regex time is
# budgeted, so every one of root's execs arrives and is still filtered (a root exec whose
# argument matches is dropped), a logger(1) on --input-unix is served at once, and the
# counters and the log say whose regexes were not run.
# Twice: with the JIT, and with writable+executable memory refused (PR_SET_MDWE, as
# MemoryDenyWriteExecute=yes in the shipped unit), where PCRE2 falls back to its interpreter
# and procship says so. The tree before the budget lost 9 of root's 20 execs here.
# The sanitizer build on a loaded host may fall behind the ring buffer whatever the filters
# do; there a root exec lost with ring-buffer drops counted is reported, not failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

user=psit95-$$
add_test_user "$user"
uid=$(id -u "$user")
m=procship-it-$$-rx
crafted=$("$PYTHON" -c 'print(("!" + "a" * 8) * 454)')

# A wrapper that refuses writable+executable memory to procship, then execs it.
printf '%s\n' '#!/usr/bin/python3' 'import ctypes, os, sys' \
	'libc = ctypes.CDLL(None, use_errno=True)' \
	'if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN' \
	'    sys.exit("prctl(PR_SET_MDWE): " + os.strerror(ctypes.get_errno()))' \
	'os.execv(sys.argv[1], sys.argv[1:])' >"$T/mdwe"
chmod +x "$T/mdwe"

# storm_run MODE: one run (jit or interpreter) and its checks.
storm_run()
{
	local mode=$1 storm i root denied storm_execs lost skips slow t0 logs
	[ "$mode" = jit ] || IT_PROCSHIP_WRAPPER=$T/mdwe
	start_procship --export-denylist '{"arguments_regex":["(a+)+$"]}' \
		--metrics-file "$T/$mode.prom" --metrics-interval 1 --input-unix "$T/$mode.sock"
	IT_PROCSHIP_WRAPPER=
	# The storm: at most 4,000 execs in 8 s, four at a time, as the test user (the argument
	# travels in the environment: no root process has it in its arguments).
	CRAFTED=$crafted setpriv --reuid="$uid" --regid="$uid" --clear-groups --no-new-privs \
		/bin/sh -c 'exec timeout 20 "$0" "$1" "$CRAFTED" 4000 4 8' \
		"$PYTHON" "$IT_HELPERS/storm.py" >"$T/storm.out" 2>&1 &
	storm=$!
	sleep 1
	slow=0
	for i in $(seq 20); do
		run_marked "$T/root.pid" /usr/bin/true "$m-$i" zzzz
		# a syslog(3) caller on the text input is not kept waiting either
		t0=$(date +%s%N)
		timeout 10 logger -u "$T/$mode.sock" -t psit95 "$m-log-$i" ||
			fail "$mode: logger to --input-unix failed or hung"
		[ $(($(date +%s%N) - t0)) -lt 1000000000 ] || slow=$((slow + 1))
		sleep 0.25
	done
	run_marked "$T/root.pid" /usr/bin/true "$m-deny" aaaa
	wait "$storm" || true
	info "$mode: storm: $(cat "$T/storm.out")"
	sleep 1
	info "$mode: procship used $(awk '{ print ($14 + $15) / 100 }' "/proc/$PROCSHIP_PID/stat") s of CPU"
	stop_procship
	procship_run_out "$T/$mode.json"
	root=$(json_count "$T/$mode.json" \
		'"process_exec" in j and P["uid"] == 0 and re.fullmatch(m + r"-\d+ zzzz", P["arguments"])' m="$m")
	denied=$(json_count "$T/$mode.json" \
		'"process_exec" in j and P["arguments"] == m + "-deny aaaa"' m="$m")
	storm_execs=$(json_count "$T/$mode.json" \
		'"process_exec" in j and P["uid"] == int(u)' u="$uid")
	lost=$(metric "$T/$mode.prom" 'procship_ringbuf_lost_total{type="exec"}')
	info "$mode: root execs exported $root/20, storm execs exported $storm_execs," \
		"exec records lost $lost"
	[ "$storm_execs" -ge 100 ] || fail "$mode: only $storm_execs storm execs exported: no load"
	if [ "$root" -lt 20 ] && [ "$lost" -gt 0 ] && procship_sanitized; then
		info "$mode: the sanitizer build lost $((20 - root)) of root's execs with $lost exec" \
			"records the full ring dropped and counted (the release build's run may lose none)"
	else
		[ "$root" -eq 20 ] || fail "$mode: only $root of root's 20 execs arrived during the storm"
	fi
	[ "$denied" -eq 0 ] || fail "$mode: root's matching exec passed the denylist"
	logs=$(grep -- "$m-log-" "$T/$mode.json" | grep -vc '^{"process_ex' || true)
	[ "$logs" -eq 20 ] || fail "$mode: $logs of 20 messages to --input-unix arrived"
	[ "$slow" -eq 0 ] || fail "$mode: $slow logger calls took a second or more"
	skips=$(metric "$T/$mode.prom" procship_filter_budget_skips_total)
	info "$mode: regexes not run: $skips"
	[ "$skips" -ge 1 ] || fail "$mode: no regex was skipped: the budget did not act"
	procship_run_log | grep -Eq "regexes not run over the regex time budget, [0-9]+ of them for uid $uid " ||
		fail "$mode: no log line naming uid $uid over its budget"
	if [ "$mode" = jit ]; then
		! procship_run_log | grep -q 'no PCRE2 JIT' || fail "jit: procship says it has no JIT"
	else
		procship_run_log | grep -q 'no PCRE2 JIT here' ||
			fail "interpreter: procship did not say that the JIT is off"
	fi
}

storm_run jit
storm_run interpreter
check_own_log 'filters: [0-9]+ regex(es not run over the regex time budget|( matches hit the match limit))'
