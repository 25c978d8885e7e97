# SPDX-License-Identifier: Apache-2.0
# Integration-test library, core: messages and failure, prerequisites, the scenario's private
# directory ($T), waiting, and the EXIT trap that stops everything the other parts started.
#
# Each part registers what it must stop with it_at_cleanup; the trap runs those in the order
# they were registered (procship, then the rsyslogds, then the receivers), then the exit hooks
# of it_on_exit. Sourced by lib.sh.

SCENARIO=$(basename "$0" .sh)

# fail MSG...: say what went wrong and end the scenario (the EXIT trap cleans up).
fail()
{
	printf '%s: FAIL: %s\n' "$SCENARIO" "$*" >&2
	exit 1
}

info()
{
	printf '%s: %s\n' "$SCENARIO" "$*" >&2
}

# show_tail FILE [LINES]: a file's last lines, for failure messages.
show_tail()
{
	if [ -s "$1" ]; then
		printf -- '--- last lines of %s\n' "$1" >&2
		tail -n "${2:-15}" "$1" >&2
	else
		printf -- '--- %s is empty or missing\n' "$1" >&2
	fi
}

# ---- prerequisites: checked here, reported as failures ----------------------------------------
[ "$(id -u)" -eq 0 ] || fail "must run as root (BPF and a private rsyslogd); got uid $(id -u)"
# The system's python3 (what `make deps` installs) starts faster than wrappers found first on
# some PATHs; the helpers start it often.
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
for it_cmd in rsyslogd logger "$PYTHON" ss timeout; do
	command -v "$it_cmd" >/dev/null 2>&1 || fail "prerequisite missing: $it_cmd (run 'make deps')"
done
unset it_cmd

# ---- private directory ------------------------------------------------------------------------
if [ -n "${IT_SCENARIO_DIR:-}" ]; then
	T=$IT_SCENARIO_DIR
	mkdir -p "$T"
else
	T=$(mktemp -d "${TMPDIR:-/tmp}/procship-it-$SCENARIO.XXXXXX")
fi
T=$(cd "$T" && pwd)
info "files in $T"

# ---- cleanup ----------------------------------------------------------------------------------
# stop_pid PID SECONDS: SIGTERM, then SIGKILL if still there after SECONDS; returns 1 if the
# process had to be killed. Only for our own children.
stop_pid()
{
	local pid=$1 secs=$2 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	return 1
}

# ---- exit hooks -------------------------------------------------------------------------------
# it_on_exit COMMAND...: run COMMAND (one string, eval'd) when the scenario ends, after
# procship and the receivers are stopped: to delete a network namespace, unmount a file
# system, stop a helper process. Hooks run in the order they were added; failures are ignored.
IT_EXIT_HOOKS=()
it_on_exit()
{
	IT_EXIT_HOOKS+=("$*")
}

it_run_exit_hooks()
{
	local h
	for h in "${IT_EXIT_HOOKS[@]}"; do
		eval "$h" || true
	done
	IT_EXIT_HOOKS=()
}

# it_at_cleanup FUNCTION: run FUNCTION when the scenario ends, with IT_STATUS holding the exit
# status it may set (to fail a scenario that passed); for the parts of this library.
IT_CLEANUPS=()
IT_STATUS=0
it_at_cleanup()
{
	IT_CLEANUPS+=("$1")
}

it_cleanup()
{
	IT_STATUS=$?
	trap - EXIT INT TERM
	set +e
	local f
	for f in "${IT_CLEANUPS[@]}"; do
		"$f"
	done
	it_run_exit_hooks
	exit "$IT_STATUS"
}
trap it_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- waiting ----------------------------------------------------------------------------------
# wait_for FILE REGEX SECONDS: until a line of FILE matches the extended REGEX; fails on timeout.
wait_for()
{
	local file=$1 re=$2 secs=$3 i
	for ((i = 0; i < secs * 10; i++)); do
		grep -Eq -- "$re" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	show_tail "$file"
	fail "timed out after ${secs}s waiting for /$re/ in $file"
}

# wait_after FILE FROM RE SECONDS: until the part of FILE from byte FROM on (1-based, as for
# tail -c +FROM) has a line matching the extended RE; returns 1 on timeout, after showing that
# part. For a file that keeps earlier steps' lines, which wait_for would match at once.
wait_after()
{
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		tail -c "+$2" "$1" 2>/dev/null | grep -Eq -- "$3" && return 0
		sleep 0.1
	done
	tail -c "+$2" "$1" 2>/dev/null | tail -n 20 >&2
	return 1
}

# wait_lines FILE N SECONDS: until FILE has at least N complete lines; fails on timeout.
wait_lines()
{
	local file=$1 n=$2 secs=$3 i got=0
	for ((i = 0; i < secs * 10; i++)); do
		[ -e "$file" ] && got=$(wc -l <"$file")
		[ "$got" -lt "$n" ] || return 0
		sleep 0.1
	done
	show_tail "$file" 5
	fail "timed out after ${secs}s waiting for $n lines in $file (got $got)"
}

# wait_stable FILE SECONDS: until FILE's line count stops changing for 0.5 s (at most SECONDS).
wait_stable()
{
	local file=$1 secs=$2 i last=-1 now
	for ((i = 0; i < secs * 4; i++)); do
		now=$( [ -e "$file" ] && wc -l <"$file" || echo 0)
		[ "$now" -ne "$last" ] || return 0
		last=$now
		sleep 0.25
	done
}

# ---- test processes ---------------------------------------------------------------------------
# run_marked PIDFILE PROGRAM ARGS...: run PROGRAM ARGS in $T as a child of this shell; the pid
# of the exec'd program (the sh that execs it) goes to PIDFILE. PROGRAM's status is ignored.
run_marked()
{
	local pidfile=$1
	shift
	(cd "$T" && exec /bin/sh -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@") || true
}

# start_waiting_sh FIFO MARKER: a /bin/sh in $T, started before procship, that blocks on the
# FIFO (no fork) until told to go (`echo go >FIFO`), then runs `/usr/bin/true MARKER` and
# blocks again until killed; its pid goes to $old, once it has exec'd /bin/sh (bounded 10 s).
# The second wait loops: it may open the fifo while the writer still holds it, and then reads
# end-of-file at once instead of blocking.
start_waiting_sh()
{
	local i sh_exe
	mkfifo "$1"
	(cd "$T" && exec /bin/sh -c 'read x <"$0"; /usr/bin/true "$1"; while :; do read x <"$0"; done' \
		"$1" "$2") &
	old=$!
	# killed whatever way the scenario ends, so that it holds no lock or fifo after it
	it_on_exit "kill -KILL $old 2>/dev/null || true"
	sh_exe=$(readlink -f /bin/sh)
	for ((i = 0; i < 100; i++)); do
		[ "$(readlink "/proc/$old/exe")" != "$sh_exe" ] || break
		sleep 0.1
	done
	[ "$(readlink "/proc/$old/exe")" = "$sh_exe" ] ||
		fail "the old process did not exec $sh_exe within 10s"
}

# add_test_user NAME: a system account NAME with no home and no shell, removed when the
# scenario exits; fails the scenario when it cannot be created.
add_test_user()
{
	local i
	# a neighbouring scenario's useradd may hold the passwd lock for a moment
	for ((i = 0; i < 10; i++)); do
		useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
			"$1" && break
		getent passwd "$1" >/dev/null && fail "the test user $1 exists already"
		sleep 0.5
	done
	[ "$i" -lt 10 ] || fail "cannot create the test user $1"
	it_on_exit "remove_test_user '$1'"
}

# remove_test_user NAME: userdel refuses an account that still runs a process, and the exit
# hooks run in the order they were added, so the user's processes may still be alive here:
# kill them and retry (bounded 5 s); a user left behind is reported on stderr.
remove_test_user()
{
	local i
	for ((i = 0; i < 50; i++)); do
		pkill -KILL -u "$1" 2>/dev/null || true
		userdel "$1" 2>/dev/null && return 0
		id -u "$1" >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	echo "cannot remove the test user $1" >&2
}
