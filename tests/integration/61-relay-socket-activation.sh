#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Owning /dev/log the way syslog daemons do on systemd hosts (issue 16): a unix datagram socket
# passed in LISTEN_FDS style (fd 3, LISTEN_PID = procship's pid) is read without --input-unix,
# logged as passed, and left in place at exit (systemd owns it); with --input-unix naming its
# path procship uses it rather than binding a second one. A symbolic link at --input-unix (what
# systemd makes /dev/log) is refused with exit status 1 and a message naming the option that
# allows it; with --input-unix-replace-symlink the link becomes procship's socket. The shipped
# units pass systemd-analyze verify, and the service has the runtime directory --input-unix
# needs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay.inc"

mk=act$$
sock=$T/activated.sock
relay_central central
export ACTIVATE_PATH=$sock
IT_PROCSHIP_WRAPPER=$IT_HELPERS/activate.py start_procship --process-events=false \
	--udp-output-enabled --udp-output-address "127.0.0.1:$CENTRAL_PORT"
unset ACTIVATE_PATH
procship_run_log | grep -F "reading syslog messages from the socket systemd passed (fd 3)" >/dev/null ||
	{ show_tail "$PROCSHIP_LOG"; fail "no log line for the passed socket"; }
logger -u "$sock" -p auth.info -t sshd "via the passed socket $mk" & p=$!
wait "$p"
wait_for "$CENTRAL_LOG/auth.log" "$(uname -n) sshd\[$p\]: via the passed socket $mk$" 10
stop_procship
[ -S "$sock" ] || fail "procship removed the socket systemd passed"
check_own_log

# --input-unix naming the passed socket: no second bind, one input
ACTIVATE_PATH=$sock IT_PROCSHIP_WRAPPER=$IT_HELPERS/activate.py start_procship \
	--process-events=false --udp-output-enabled --udp-output-address "127.0.0.1:$CENTRAL_PORT" \
	--input-unix "$sock"
n=$(procship_run_log | grep -c "reading syslog messages from" || true)
[ "$n" -eq 1 ] || { show_tail "$PROCSHIP_LOG"; fail "$n inputs for one passed socket named by --input-unix"; }
logger -u "$sock" -p cron.info -t CRON "named and passed $mk" & p=$!
wait "$p"
wait_for "$CENTRAL_LOG/cron.log" "CRON\[$p\]: named and passed $mk$" 10
stop_procship

# a symbolic link, as systemd's /dev/log -> /run/systemd/journal/dev-log
ln -s "$T/journald-dev-log" "$T/devlog"
status=0
timeout 10 "$PROCSHIP" --process-events=false --input-unix "$T/devlog" >/dev/null 2>"$T/link.err" ||
	status=$?
[ "$status" -eq 1 ] || { cat "$T/link.err" >&2; fail "a symbolic link as --input-unix: status $status, want 1"; }
grep -F -- "--input-unix-replace-symlink" "$T/link.err" >/dev/null ||
	{ cat "$T/link.err" >&2; fail "the refusal does not name --input-unix-replace-symlink"; }
[ -L "$T/devlog" ] || fail "the refused link was touched"
start_procship --process-events=false --udp-output-enabled --udp-output-address "127.0.0.1:$CENTRAL_PORT" \
	--input-unix "$T/devlog" --input-unix-replace-symlink
[ -S "$T/devlog" ] && [ ! -L "$T/devlog" ] || fail "the link was not replaced by a socket"
logger -u "$T/devlog" -p user.notice -t app "replaced link $mk" & p=$!
wait "$p"
wait_for "$CENTRAL_LOG/user.log" "app\[$p\]: replaced link $mk$" 10
stop_procship
check_own_log

# the shipped units, as systemd reads them (the binary path pointed at the one under test)
command -v systemd-analyze >/dev/null || fail "prerequisite missing: systemd-analyze"
mkdir -p "$T/units"
sed "s|/usr/local/sbin/procship|$PROCSHIP|" "$IT_TOP/contrib/systemd/procship.service" >"$T/units/procship.service"
cp "$IT_TOP/contrib/systemd/procship.socket" "$T/units/"
systemd-analyze verify --man=no "$T/units/procship.socket" "$T/units/procship.service" >"$T/verify.out" 2>&1 ||
	{ cat "$T/verify.out" >&2; fail "systemd-analyze verify refuses the units"; }
grep -q '^RuntimeDirectory=procship$' "$T/units/procship.service" || fail "no RuntimeDirectory= in the service"
grep -q '^ListenDatagram=/run/systemd/journal/syslog$' "$T/units/procship.socket" || fail "socket unit"
