# SPDX-License-Identifier: Apache-2.0
# Integration-test library, procship: start it and wait until it is ready, stop it and check
# its exit status, read this run's log, output and exit-summary counters, and check its log for
# warnings (also at the end of a scenario that did not). Sourced by lib.sh.

PROCSHIP_PID=
PROCSHIP_STARTED=
PROCSHIP_LOG=
PROCSHIP_OUT=
IT_LOG_CHECKED=
PROCSHIP_LOG_OFFSET=
PROCSHIP_OUT_OFFSET=

need_procship()
{
	[ -n "${PROCSHIP:-}" ] || fail "PROCSHIP is not set (the absolute path of the procship binary)"
	case $PROCSHIP in
	/*) ;;
	*) fail "PROCSHIP must be an absolute path, got '$PROCSHIP'" ;;
	esac
	[ -x "$PROCSHIP" ] || fail "PROCSHIP=$PROCSHIP is not an executable file (run 'make')"
	[ -r /sys/kernel/btf/vmlinux ] || fail "no BPF: /sys/kernel/btf/vmlinux is missing (kernel without CONFIG_DEBUG_INFO_BTF)"
}

# ---- procship ---------------------------------------------------------------------------------
# start_procship ARGS...: run $PROCSHIP ARGS in the background, stdout to $PROCSHIP_OUT and
# stderr appended to $PROCSHIP_LOG; returns once it logs "ready" (BPF attached, exporting).
# This run's output starts at byte PROCSHIP_OUT_OFFSET of $PROCSHIP_OUT, its log at byte
# PROCSHIP_LOG_OFFSET of $PROCSHIP_LOG (1-based, for tail -c +N). With IT_PROCSHIP_WRAPPER set
# the command is "$IT_PROCSHIP_WRAPPER" "$PROCSHIP" ARGS: the wrapper must exec its arguments
# (same pid), e.g. to run procship in a mount namespace of its own.
start_procship()
{
	local i offset
	need_procship
	[ -z "$PROCSHIP_PID" ] || fail "start_procship: procship $PROCSHIP_PID is still running"
	PROCSHIP_LOG=$T/procship.log
	PROCSHIP_OUT=$T/procship.out
	printf -- '--- procship %s\n' "$*" >>"$PROCSHIP_LOG"
	# Only this run's lines count: the log keeps those of earlier runs too.
	offset=$(($(stat -c %s "$PROCSHIP_LOG") + 1))
	PROCSHIP_LOG_OFFSET=$offset
	touch "$PROCSHIP_OUT"
	PROCSHIP_OUT_OFFSET=$(($(stat -c %s "$PROCSHIP_OUT") + 1))
	${IT_PROCSHIP_WRAPPER:+"$IT_PROCSHIP_WRAPPER"} "$PROCSHIP" "$@" >>"$PROCSHIP_OUT" 2>>"$PROCSHIP_LOG" &
	PROCSHIP_PID=$!
	PROCSHIP_STARTED=1
	for ((i = 0; i < 200; i++)); do
		tail -c "+$offset" "$PROCSHIP_LOG" | grep -w ready >/dev/null && break
		if ! kill -0 "$PROCSHIP_PID" 2>/dev/null; then
			wait "$PROCSHIP_PID" && i=0 || i=$?
			PROCSHIP_PID=
			show_tail "$PROCSHIP_LOG"
			fail "procship exited with status $i before it was ready"
		fi
		sleep 0.1
	done
	tail -c "+$offset" "$PROCSHIP_LOG" | grep -w ready >/dev/null ||
		{ show_tail "$PROCSHIP_LOG"; fail "procship did not log 'ready' within 20s"; }
	info "procship $PROCSHIP_PID ready: $*"
}

# procship_sanitized: whether $PROCSHIP is the AddressSanitizer build (make check-san), several
# times slower than the release build: on a loaded host it may not drain the ring buffer in
# time, which the release build's run of the same scenario must still do.
procship_sanitized()
{
	ldd "$PROCSHIP" 2>/dev/null | grep -q 'libasan\.'
}

# procship_signal SIGNAL RE [SECONDS]: send SIGNAL (HUP, USR1 ...) to procship and wait (10 s
# unless told) for a line matching RE that it logs after the signal: the log keeps the lines of
# earlier signals and runs, and an earlier "configuration read again" is not this reload's.
procship_signal()
{
	local sig=$1 re=$2 secs=${3:-10} from
	from=$(($(stat -c %s "$PROCSHIP_LOG") + 1))
	kill "-$sig" "$PROCSHIP_PID" || fail "kill -$sig $PROCSHIP_PID failed"
	wait_after "$PROCSHIP_LOG" "$from" "$re" "$secs" ||
		fail "timed out after ${secs}s waiting for /$re/ in $PROCSHIP_LOG after SIG$sig"
}

# procship_alive: fail if procship has exited.
procship_alive()
{
	[ -n "$PROCSHIP_PID" ] && kill -0 "$PROCSHIP_PID" 2>/dev/null && return 0
	show_tail "$PROCSHIP_LOG"
	fail "procship is not running any more"
}

# stop_procship: SIGTERM; fails unless procship exits with status 0 within 10 s.
stop_procship()
{
	local pid=$PROCSHIP_PID status=0
	[ -n "$pid" ] || fail "stop_procship: procship is not running"
	PROCSHIP_PID=
	if ! stop_pid "$pid" 10; then
		wait "$pid" 2>/dev/null || true
		show_tail "$PROCSHIP_LOG"
		fail "procship did not exit within 10s of SIGTERM (killed)"
	fi
	wait "$pid" || status=$?
	if [ "$status" -ne 0 ]; then
		show_tail "$PROCSHIP_LOG"
		fail "procship exited with status $status after SIGTERM, expected 0"
	fi
}

# check_own_log [ALLOW_REGEX]: fail if procship logged warnings or fatal errors, except lines
# matching the extended ALLOW_REGEX, or if a sanitizer reported anything. On a busy host other
# users' exec storms can overflow the ring buffer with their records; that loss is counted,
# logged and measured by bench/, and each scenario's own assertions fail if its own events were
# among it, so those lines are host noise here unless IT_STRICT_RINGBUF=1. So is the regex time
# budget's warning: on a slow (sanitizer) build the start-up scan's burst can pass it, and the
# regexes it skips fail closed (exported), which each scenario's own assertions would catch.
check_own_log()
{
	local allow=${1:-} bad
	IT_LOG_CHECKED=1
	[ -n "$PROCSHIP_LOG" ] || return 0
	# A host whose /proc/1/exe cannot be read (a sandbox's init) gets this at every start,
	# as Tetragon warns, and with --enable-process-ns the same for /proc/1/ns: not the
	# scenario's business.
	local pid1='warning: scan /proc: 1 process\(es\) with no readable exe \(first: /proc/1/exe\)'
	pid1+='|warning: --enable-process-ns: /proc/1/ns: '
	bad=$(grep -E 'warning:|fatal:|AddressSanitizer|LeakSanitizer|runtime error:' \
		"$PROCSHIP_LOG" | grep -Ev -- "$pid1" || true)
	if [ "${IT_STRICT_RINGBUF:-0}" != 1 ] && [ -n "$bad" ]; then
		bad=$(printf '%s\n' "$bad" |
			grep -Ev -- 'records dropped \(ringbuf_full[;)]|regexes not run over the regex time budget' ||
			true)
	fi
	if [ -n "$allow" ] && [ -n "$bad" ]; then
		bad=$(printf '%s\n' "$bad" | grep -Ev -- "$allow" || true)
	fi
	[ -z "$bad" ] || fail "unexpected lines in procship's log $PROCSHIP_LOG:
$bad"
}

# procship_run_log: this run's lines of $PROCSHIP_LOG (the last start_procship).
procship_run_log()
{
	tail -c "+$PROCSHIP_LOG_OFFSET" "$PROCSHIP_LOG"
}

# procship_run_out FILE: copy this run's part of $PROCSHIP_OUT (stdout mode) to FILE.
procship_run_out()
{
	tail -c "+$PROCSHIP_OUT_OFFSET" "$PROCSHIP_OUT" >"$1"
}

# procship_stat NAME: a counter of this run's exit summary (after stop_procship). NAME is one
# of exec, exit, fork, exported (what a destination got), handed (alias encoded: the documents
# handed to the outputs), filtered, ratelimited, shortened, cut, misses (the "events:" line),
# sent, dropped, failovers (the "udp:" line) or procfs (the start-up scan's procFS execs, from
# the "counters:" line).
# filtered and ratelimited are 0 when the summary has no such counter (older builds); the
# others fail the scenario when missing.
procship_stat()
{
	local v
	v=$(procship_run_log | "$PYTHON" -c '
import re, sys
name = sys.argv[1]
pats = {
    "exec": r"events: (\d+) exec,", "exit": r"events: \d+ exec, (\d+) exit,",
    "fork": r"events: .* (\d+) fork;", "encoded": r", (\d+) handed to outputs,",
    "handed": r", (\d+) handed to outputs,", "exported": r"; (\d+) (?:encoded|exported),",
    "filtered": r"events: .*, (\d+) filtered,", "ratelimited": r"events: .*, (\d+) rate-limited,",
    "shortened": r", (\d+) shortened to fit,", "cut": r", (\d+) cut by the framer,",
    "misses": r", (\d+) cache misses", "sent": r"udp: (\d+) sent,",
    "procfs": r"capture\.procfs=(\d+)",
    "dropped": r"udp: \d+ sent, (\d+) dropped,", "failovers": r", (\d+) failovers",
}
found = None
for line in sys.stdin:
    m = re.search(pats[name], line)
    if m:
        found = m.group(1)
    elif name in ("filtered", "ratelimited") and re.search(r"events: \d+ exec,", line):
        found = "0"
if found is None:
    sys.exit(1)
print(found)' "$1") || { show_tail "$PROCSHIP_LOG"; fail "no '$1' counter in procship's exit summary"; }
	printf '%s\n' "$v"
}

# procship_wakes: how many times the running procship has slept and been woken (its voluntary
# context switches).
procship_wakes()
{
	sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "/proc/$PROCSHIP_PID/status"
}

# procship_drops KIND REASON: the sum of this run's "N KIND records dropped (REASON)" lines
# (KIND exec, exit, fork or malformed; REASON ringbuf_full or short_record).
procship_drops()
{
	procship_run_log | "$PYTHON" -c '
import re, sys
pat = re.compile(r"(\d+) %s records dropped \(%s[;)]" % (re.escape(sys.argv[1]), re.escape(sys.argv[2])))
print(sum(int(m.group(1)) for line in sys.stdin for m in [pat.search(line)] if m))' "$1" "$2"
}

# text_stat NAME: a counter of this run's last "text:" summary line (messages, normalized,
# unparsed, truncated, dropped, empty, toolong).
text_stat()
{
	local v
	v=$(procship_run_log | "$PYTHON" -c '
import re, sys
pat = re.compile(r"text: (\d+) messages, (\d+) normalized, (\d+) unparsed, (\d+) truncated, "
                 r"(\d+) dropped \((\d+) empty, (\d+) too long\)")
names = ["messages", "normalized", "unparsed", "truncated", "dropped", "empty", "toolong"]
found = None
for line in sys.stdin:
    m = pat.search(line)
    if m:
        found = m.group(names.index(sys.argv[1]) + 1)
if found is None:
    sys.exit(1)
print(found)' "$1") || { show_tail "$PROCSHIP_LOG"; fail "no '$1' in a 'text:' line of procship's log"; }
	printf '%s\n' "$v"
}

# marker_filter PREFIX: an --export-allowlist that keeps only the events of processes whose
# arguments start with PREFIX (the host runs other processes too).
marker_filter()
{
	printf '{"arguments_regex":["^%s"]}' "$1"
}

# At the end: a scenario that passed without checking procship's log is checked now; procship
# is stopped if it still runs.
it_procship_cleanup()
{
	if [ "$IT_STATUS" -eq 0 ] && [ -n "$PROCSHIP_STARTED" ] && [ -z "$IT_LOG_CHECKED" ]; then
		(check_own_log '') || IT_STATUS=1
	fi
	if [ -n "$PROCSHIP_PID" ]; then
		stop_pid "$PROCSHIP_PID" 5 || info "procship $PROCSHIP_PID needed SIGKILL"
		wait "$PROCSHIP_PID" 2>/dev/null
	fi
}
it_at_cleanup it_procship_cleanup
