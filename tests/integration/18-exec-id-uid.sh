#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# exec_id is standard base64 of NODE:KTIME:PID (NODE = node_name, here from HUBBLE_NODE_NAME;
# KTIME = boot-time ns at start, consistent with start_time; PID = the pid); an exec without a
# fork gets a new exec_id with the same pid; start_time is RFC 3339 with 9 fractional digits
# and Z; auid is a number (4294967295 when unset, else the loginuid); uid is the effective uid.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || fail "prerequisite missing: setpriv (util-linux)"
[ -r /proc/self/loginuid ] || fail "no /proc/self/loginuid (kernel without CONFIG_AUDITSYSCALL)"
export HUBBLE_NODE_NAME=itest-node-$$
start_procship

# event_of MARKER: the process_exec event of /usr/bin/true MARKER
event_of()
{
	wait_for_json "$PROCSHIP_OUT" \
		'"process_exec" in j and P["binary"] == "/usr/bin/true" and P["arguments"] == marker' 10 marker="$1"
}
# the boot time in ns since the epoch, as the kernel's two clocks see it now
boot_ns=$("$PYTHON" -c 'import time; print(time.time_ns() - time.clock_gettime_ns(time.CLOCK_BOOTTIME))')

m=procship-it-$$-id
/usr/bin/true "$m" &
pid=$!
wait "$pid"
ev=$(event_of "$m")
assert_json "$ev" 'j["node_name"] == node' node="$HUBBLE_NODE_NAME"
assert_json "$ev" 'P["pid"] == int(pid) and P["tid"] == int(pid)' pid="$pid"
assert_json "$ev" 're.fullmatch(r"[A-Za-z0-9+/]+={0,2}", P["exec_id"]) and len(P["exec_id"]) % 4 == 0'
assert_json "$ev" 're.fullmatch(re.escape(node) + r":[1-9]\d*:" + pid, b64d(P["exec_id"]))' \
	node="$HUBBLE_NODE_NAME" pid="$pid"
# protojson's Timestamp: 0, 3, 6 or 9 fraction digits, trailing zero groups trimmed
assert_json "$ev" 're.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z", P["start_time"])'
assert_json "$ev" 'not re.search(r"(\.|\d{3})000Z$", P["start_time"])'
# start_time - KTIME is the boot time (within 1 s: the clocks drift a little)
"$PYTHON" - "$ev" "$boot_ns" <<'PY' || fail "start_time does not match exec_id's KTIME"
import base64, datetime, json, sys
j = json.loads(sys.argv[1]); p = j["process_exec"]["process"]
ktime = int(base64.b64decode(p["exec_id"]).decode().split(":")[1])
st = p["start_time"]
secs = int(datetime.datetime.strptime(st[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp())
start_ns = secs * 10**9 + (int(st[20:-1].ljust(9, "0")) if st[19] == "." else 0)
diff = start_ns - ktime - int(sys.argv[2])
print("start_time - ktime - boot time = %.6f s" % (diff / 1e9), file=sys.stderr)
sys.exit(0 if abs(diff) < 10**9 else 1)
PY
assert_json "$ev" 'P["auid"] == int(a)' a="$(cat /proc/self/loginuid)"
assert_json "$ev" 'isinstance(P["auid"], int) and isinstance(P["uid"], int)'
assert_json "$ev" 'P["uid"] == 0'
# the parent's exec_id decodes the same way
assert_json "$ev" 're.fullmatch(re.escape(j["node_name"]) + r":\d+:" + str(j["process_exec"]["parent"]["pid"]), b64d(j["process_exec"]["parent"]["exec_id"]))'

# an exec without a fork: same pid, a new (later) exec_id, parent_exec_id the old one
m=procship-it-$$-reexec
run_marked "$T/$m.pid" /usr/bin/true "$m"
ev=$(event_of "$m")
pid=$(cat "$T/$m.pid")
assert_json "$ev" 'P["pid"] == int(pid)' pid="$pid"
assert_json "$ev" 'P["exec_id"] != P["parent_exec_id"]'
assert_json "$ev" 'b64d(P["exec_id"]).split(":")[2] == b64d(P["parent_exec_id"]).split(":")[2] == pid' pid="$pid"
assert_json "$ev" 'int(b64d(P["exec_id"]).split(":")[1]) > int(b64d(P["parent_exec_id"]).split(":")[1])'

# uid is the effective uid: real and effective 65534; effective only; real only
m=procship-it-$$-nobody
setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/true "$m"
assert_json "$(event_of "$m")" 'P["uid"] == 65534'
m=procship-it-$$-euid
setpriv --euid 65534 /usr/bin/true "$m"
assert_json "$(event_of "$m")" 'P["uid"] == 65534'
m=procship-it-$$-ruid
setpriv --ruid 65534 /usr/bin/true "$m"
assert_json "$(event_of "$m")" 'P["uid"] == 0'

# auid: a process with a loginuid of its own (root may set it once when it is unset)
m=procship-it-$$-auid
if [ "$(cat /proc/self/loginuid)" = 4294967295 ]; then
	/bin/sh -c 'echo 4242 >/proc/self/loginuid && exec /usr/bin/true "$0"' "$m" ||
		fail "cannot set a loginuid (needs CAP_AUDIT_CONTROL)"
	assert_json "$(event_of "$m")" 'P["auid"] == 4242'
fi

stop_procship
check_own_log
