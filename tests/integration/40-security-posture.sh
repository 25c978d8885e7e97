#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Security posture (issue 9, procship.8): once "ready", procship holds no capability (CapEff,
# CapPrm, CapBnd, CapInh, CapAmb all 0) and has NoNewPrivs 1; it has no listening network socket
# at all: no TCP socket (none in LISTEN), every UDP socket connected to a peer (the sending
# socket), no raw or packet socket, and no unix socket but its --input-unix one; a group-writable
# config file and a world-writable rulebase are warned about; during a run that reloads,
# rotates and compresses the export file and resolves a name, procship starts no process (no
# event whose parent is procship). --user nobody: Uid and Gid 65534, still shipping.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

RSYSLOG_IMUDP_OPTS='rcvbufSize="16m"'
start_rsyslogd
cf=$T/procship.yaml
printf 'udp-output-enabled: true\nudp-output-address: localhost:%s\n' "$RSYSLOG_PORT" >"$cf"
chmod 664 "$cf"
cp "$IT_TOP/conf/rulebases/sshd.rb" "$T/sshd.rb"
chmod 666 "$T/sshd.rb"
mkdir -p "$T/export"
start_procship --config-file "$cf" --rulebase "$T/sshd.rb" --input-unix "$T/log.sock" \
	--export-filename "$T/export/events.json" --export-file-max-size-mb 1 --export-file-compress \
	--metrics-file "$T/metrics.prom"
pid=$PROCSHIP_PID

# warnings about unsafe permissions, naming the file
procship_run_log | grep -E "warning: .*$cf.*(unsafe|writable)" >/dev/null ||
	{ show_tail "$PROCSHIP_LOG"; fail "no warning about the group-writable $cf"; }
procship_run_log | grep -E "warning: .*$T/sshd.rb.*(unsafe|writable)" >/dev/null ||
	{ show_tail "$PROCSHIP_LOG"; fail "no warning about the world-writable rulebase $T/sshd.rb"; }

# check_privs PID UID: capabilities, no_new_privs, user
check_privs()
{
	local st=/proc/$1/status f v
	for f in CapInh CapPrm CapEff CapBnd CapAmb; do
		v=$(awk -v f="$f:" '$1 == f { print $2 }' "$st")
		[ "$v" = 0000000000000000 ] || fail "$f is $v after ready, want 0"
	done
	v=$(awk '$1 == "NoNewPrivs:" { print $2 }' "$st")
	[ "$v" = 1 ] || fail "NoNewPrivs is $v, want 1"
	v=$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "$st")
	[ "$v" = "$2 $2 $2 $2" ] || fail "Uid: $v, want $2 everywhere"
}
check_privs "$pid" 0

# check_sockets PID [UNIX_PATH]: no listening network socket
check_sockets()
{
	"$PYTHON" - "$1" "${2:-}" <<'PY' || fail "procship has a socket it should not have (see above)"
import os, sys
pid, unix_ok = sys.argv[1], sys.argv[2]
inodes = set()
for fd in os.listdir("/proc/%s/fd" % pid):
    try:
        t = os.readlink("/proc/%s/fd/%s" % (pid, fd))
    except OSError:
        continue
    if t.startswith("socket:["):
        inodes.add(t[8:-1])
bad, seen = [], {}
def table(name):
    try:
        with open("/proc/%s/net/%s" % (pid, name)) as f:
            next(f)
            return [l.split() for l in f]
    except FileNotFoundError:
        return []
for proto in ("tcp", "tcp6"):
    for r in table(proto):
        if r[9] in inodes:
            bad.append("%s socket %s -> %s state %s%s" % (proto, r[1], r[2], r[3], " (LISTEN)" if r[3] == "0A" else ""))
            seen[r[9]] = proto
for proto in ("udp", "udp6", "udplite", "udplite6"):
    for r in table(proto):
        if r[9] in inodes:
            seen[r[9]] = proto
            rem_addr, rem_port = r[2].split(":")
            if int(rem_port, 16) == 0 or set(rem_addr) == {"0"}:
                bad.append("%s socket bound to %s without a peer" % (proto, r[1]))
for proto in ("raw", "raw6", "packet"):
    for r in table(proto):
        ino = r[9] if proto != "packet" else r[8]
        if ino in inodes:
            bad.append("%s socket" % proto)
            seen[ino] = proto
for r in table("unix"):
    if r[6] in inodes:
        seen[r[6]] = "unix"
        path = r[7] if len(r) > 7 else ""
        if path and path != unix_ok:
            bad.append("unix socket bound to %s" % path)
for r in table("netlink"):
    if r[-1] in inodes:
        seen[r[-1]] = "netlink"
print("procship's sockets: %s" % sorted(seen.values()), file=sys.stderr)
if sorted(v for v in seen.values() if v.startswith("udp")) == []:
    bad.append("no UDP socket at all, but UDP output is on")
for b in bad:
    print("procship %s: %s" % (pid, b), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
	# and as ss shows it: no TCP or UDP socket of procship's in the listening list
	if ss -Hlntup 2>/dev/null | grep -F "pid=$1," >/dev/null; then
		ss -Hlntup | grep -F "pid=$1," >&2
		fail "ss lists a listening socket of procship"
	fi
}
check_sockets "$pid" "$T/log.sock"

# exercise what might start a helper: a reload (resolving "localhost" again), rotations with
# compression (~2.5 MB of events), the stats signal
m=procship-it-$$-sec
timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$m-$(printf 'y%.0s' {1..4000})" 300 4 30 >/dev/null ||
	fail "the exec driver failed"
procship_signal HUP 'reload: configuration read again' 10
kill -USR1 "$pid"
exec_marked "$m-end"
wait_for_exec "$RSYSLOG_OUT" "$m-end" 10 >/dev/null
check_privs "$pid" 0
check_sockets "$pid" "$T/log.sock"
stop_procship
rot=$(metric "$T/metrics.prom" procship_export_file_rotations_total)
[ "$rot" -ge 1 ] || fail "no rotation happened ($rot): the compression path was not exercised"
n=$("$PYTHON" - "$RSYSLOG_OUT" "$pid" <<'PY'
import json, sys
pid = int(sys.argv[2])
n = 0
for line in open(sys.argv[1], errors="replace"):
    try:
        j = json.loads(line)
    except ValueError:
        continue
    for k in ("process_exec", "process_exit"):
        if k in j and (j[k].get("parent", {}).get("pid") == pid or j[k]["process"]["pid"] == pid):
            n += 1
            print(line[:300], file=sys.stderr)
print(n)
PY
)
[ "$n" -eq 0 ] || fail "$n events of processes started by procship (pid $pid): it must never run a program"
check_own_log 'unsafe permissions|warning: .*writable'

# --user nobody
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$RSYSLOG_PORT" --user nobody
check_privs "$PROCSHIP_PID" 65534
v=$(awk '$1 == "Gid:" { print $2, $3, $4, $5 }' "/proc/$PROCSHIP_PID/status")
[ "$v" = "65534 65534 65534 65534" ] || fail "Gid: $v with --user nobody, want 65534"
check_sockets "$PROCSHIP_PID"
exec_marked "$m-nobody"
assert_exec_event "$(wait_for_exec "$RSYSLOG_OUT" "$m-nobody" 10)" "$m-nobody"
stop_procship
assert_all_parsed "$RSYSLOG_OUT"
check_own_log 'unsafe permissions|warning: .*writable'
