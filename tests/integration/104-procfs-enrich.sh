#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The start-up /proc scan fills the enrichments as Tetragon's procfs reader does (issue 15):
# a process running as a test user before procship started has process_credentials from
# /proc/PID/status (real, effective, saved, fs ids), cap from CapPrm/CapEff/CapInh, ns from
# /proc/PID/ns/* (a process in new net and uts namespaces: is_host left out for those), and
# no binary_properties (/proc does not say how it was exec'd).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-pfs
user=psit$$pfs
add_test_user "$user"
uid=$(id -u "$user")
gid=$(id -g "$user")
enrich() { "$PYTHON" "$IT_HELPERS/enrichcheck.py" "$@" || fail "enrichment schema (see above)"; }
sleeper='import sys, time; time.sleep(60)'
(cd / && exec setpriv --reuid="$uid" --regid="$gid" --clear-groups "$PYTHON" -c "$sleeper" "$m-user") &
upid=$!
it_on_exit "kill $upid 2>/dev/null || true"
(cd / && exec unshare --net --uts "$PYTHON" -c "$sleeper" "$m-ns") &
npid=$!
it_on_exit "kill $npid 2>/dev/null || true"
# both have exec'd python (bounded 10 s)
py=$(readlink -f "$(command -v "$PYTHON")")
for ((i = 0; i < 100; i++)); do
	[ "$(readlink "/proc/$upid/exe")" != "$py" ] || [ "$(readlink "/proc/$npid/exe")" != "$py" ] ||
		break
	sleep 0.1
done
[ "$(readlink "/proc/$npid/exe")" = "$py" ] || fail "the sleepers did not exec $py within 10s"
# ns_json PID: {"uts": inode, ...} of /proc/PID/ns/*
ns_json()
{
	"$PYTHON" -c 'import json, os, sys
print(json.dumps({n: os.stat(f"/proc/{sys.argv[1]}/ns/{n}").st_ino
	for n in os.listdir(f"/proc/{sys.argv[1]}/ns")}))' "$1"
}

start_procship --enable-process-cred --enable-process-ns --export-allowlist '{"arguments_regex":["'"$m"'"]}'
scanned() { wait_for_json "$PROCSHIP_OUT" '"process_exec" in j and P["pid"] == int(p) and P["flags"] == "procFS rootcwd"' 10 p="$1"; }
u=$(scanned "$upid")
enrich "$u" cred ns
assert_json "$u" 'P["process_credentials"] == {k: int(u if "uid" in k else g)
	for k in ("uid", "gid", "euid", "egid", "suid", "sgid", "fsuid", "fsgid")}' u="$uid" g="$gid"
assert_json "$u" 'P["cap"] == {} and P["uid"] == int(u)' u="$uid"
assert_json "$u" 'all(P["ns"][k] == {"inum": v, "is_host": True} for k, v in json.loads(w).items())' \
	w="$(ns_json "$upid")"
n=$(scanned "$npid")
enrich "$n" cred ns
assert_json "$n" 'all(P["ns"][k]["inum"] == v for k, v in json.loads(w).items())' w="$(ns_json "$npid")"
assert_json "$n" '"is_host" not in P["ns"]["net"] and "is_host" not in P["ns"]["uts"]'
assert_json "$n" 'P["ns"]["pid"]["is_host"] is True and P["ns"]["mnt"]["is_host"] is True'
assert_json "$n" '"CAP_SYS_ADMIN" in P["cap"]["effective"] and set(P["process_credentials"].values()) == {0}'
stop_procship
check_own_log
