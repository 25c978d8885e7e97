#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --enable-process-ns (issue 15): a process in new pid, mnt, net and uts namespaces (unshare)
# has ns with every Tetragon name, each inum equal to its /proc/PID/ns/NAME inode, is_host left
# out (protojson's false) for those four and pid_for_children, true for ipc, cgroup, user (and
# time when the kernel has it); a process outside has is_host true everywhere.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-ns
enrich() { "$PYTHON" "$IT_HELPERS/enrichcheck.py" "$@" || fail "enrichment schema (see above)"; }
exec_of() { wait_for_json "$PROCSHIP_OUT" '"process_exec" in j and P["arguments"] == a' 10 a="$1"; }
# ns_json PID: {"uts": inode, ...} of /proc/PID/ns/*
ns_json()
{
	"$PYTHON" -c 'import json, os, sys
print(json.dumps({n: os.stat(f"/proc/{sys.argv[1]}/ns/{n}").st_ino
	for n in os.listdir(f"/proc/{sys.argv[1]}/ns")}))' "$1"
}

start_procship --enable-process-ns --export-allowlist "$(marker_filter "$m")"
# inside, sh records its namespaces (its own /proc) then execs the marker
unshare --pid --mount --net --uts --fork --mount-proc=/proc /bin/sh -c \
	'"$0" -c "import json, os; print(json.dumps({n: os.stat(\"/proc/self/ns/\" + n).st_ino for n in os.listdir(\"/proc/self/ns\")}))" >"$1"; exec /usr/bin/true "$2"' \
	"$PYTHON" "$T/inside.ns" "$m-inside" || fail "unshare failed"
ns_json $$ >"$T/outside.ns"
/usr/bin/true "$m-outside"

in=$(exec_of "$m-inside")
enrich "$in" ns
want=$(cat "$T/inside.ns")
assert_json "$in" 'all(P["ns"][k].get("inum") == v for k, v in json.loads(w).items())' w="$want"
assert_json "$in" 'sorted(P["ns"]) == sorted(json.loads(w))' w="$want"
for k in pid pid_for_children mnt net uts; do
	assert_json "$in" '"is_host" not in P["ns"][k]' k="$k"
done
assert_json "$in" 'all(P["ns"][k]["is_host"] is True for k in P["ns"]
	if k not in ("pid", "pid_for_children", "mnt", "net", "uts"))'
out=$(exec_of "$m-outside")
enrich "$out" ns
assert_json "$out" 'all(v == {"inum": json.loads(w)[k], "is_host": True} for k, v in P["ns"].items())' \
	w="$(cat "$T/outside.ns")"
# the parent is the sh the marker replaced, in the same namespaces
assert_json "$in" 'j["process_exec"]["parent"]["binary"] == "/bin/sh"'
assert_json "$in" 'j["process_exec"]["parent"]["ns"] == P["ns"]'
stop_procship
check_own_log
