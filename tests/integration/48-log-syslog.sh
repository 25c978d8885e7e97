#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --log-syslog: procship's own log lines go to syslog(3) instead of standard error. Shown in a
# private mount namespace whose /dev is a fresh tmpfs, so that /dev/log is a socket this test
# listens on and no system logger is involved.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_procship

cat >"$T/inner.sh" <<'INNER'
set -eu
T=$1 PROCSHIP=$2 PYTHON=$3
mount -t tmpfs -o mode=0755 tmpfs /dev
mknod -m 0666 /dev/null c 1 3
"$PYTHON" - "$T/syslog.got" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(10)
with open(sys.argv[1], "w") as out:
    try:
        while True:
            out.write(s.recv(65536).decode(errors="replace") + "\n")
            out.flush()
    except socket.timeout:
        pass
PY
listener=$!
for i in $(seq 100); do [ -e "$T/syslog.got.ready" ] && break; sleep 0.05; done
echo '{"a":1}' | "$PROCSHIP" --process-events=false --input-stdin --log-syslog \
	>"$T/out" 2>"$T/err"
for i in $(seq 100); do grep -q 'standard input ended' "$T/syslog.got" 2>/dev/null && break; sleep 0.05; done
kill "$listener" 2>/dev/null || true
wait "$listener" 2>/dev/null || true
INNER
unshare --mount --propagation private bash "$T/inner.sh" "$T" "$PROCSHIP" "$PYTHON" ||
	fail "the private-namespace run failed"
[ ! -s "$T/err" ] || { show_tail "$T/err"; fail "--log-syslog still wrote to standard error"; }
grep -Eq 'procship\[[0-9]+\]: info: standard input ended' "$T/syslog.got" ||
	{ show_tail "$T/syslog.got"; fail "no procship log line reached syslog(3)"; }
grep -q '^<30>' "$T/syslog.got" || fail "log lines are not facility daemon, severity info (<30>)"
grep -qx '{"a":1}' "$T/out" || fail "the event did not reach standard output"
