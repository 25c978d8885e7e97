#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# it-exclusive: sets the host's kernel.core_pattern, which any crash on the host would use
# A process whose parent is a kernel thread (issue 14: "no process is left out of the /proc
# scan ... because it is a kernel thread: kernel threads as [name], so their children keep a
# real parent"). The kernel starts a core_pattern pipe helper itself (call_usermodehelper with
# CLONE_PARENT: the helper's parent is kthreadd, pid 2). Tetragon's /proc reader caches kernel
# threads as "[name]", flagged procFS, uid 0, no arguments, and sends no event for them
# (MsgKThreadInitUnix is not exported); the helper's exec and exit name that entry as parent.
# core_pattern is the host's: saved, set for the one crash of this test, and put back.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cp=/proc/sys/kernel/core_pattern
[ -w "$cp" ] || fail "$cp is not writable here: this test needs to set a core_pattern pipe"
saved=$(cat "$cp")
it_on_exit "printf '%s\n' \"\$saved\" > $cp"
marker=psit-kt-$$
helper=$T/core-helper
printf '#!/bin/sh\necho "$$ $PPID $2" >> %s/ran\n' "$T" > "$helper"
chmod 0755 "$helper"
pattern="|$helper $marker %p"
[ "${#pattern}" -lt 128 ] || fail "core_pattern '$pattern' is longer than the kernel's 127 bytes"

start_procship
printf '%s\n' "$pattern" > "$cp"
sh -c 'ulimit -c unlimited; kill -SEGV $$' 2>/dev/null &
crashed=$!
wait "$crashed" || true
for ((i = 0; i < 100; i++)); do
	grep -q " $crashed\$" "$T/ran" 2>/dev/null && break
	sleep 0.1
done
printf '%s\n' "$saved" > "$cp"
line=$(grep " $crashed\$" "$T/ran" 2>/dev/null) ||
	fail "the kernel did not start the core_pattern helper for pid $crashed within 10 s"
read -r hpid hppid _ <<<"$line"
[ "$hppid" = 2 ] || fail "the helper's parent is pid $hppid, not kthreadd (2): the kernel differs"

ev=$(wait_for_json "$PROCSHIP_OUT" \
	'j["process_exec"]["process"]["pid"] == int(pid) and marker in P["arguments"].split(" ")' \
	20 pid="$hpid" marker="$marker")
assert_json "$ev" 'P["binary"] == h' h="$helper"
assert_json "$ev" 'j["process_exec"]["parent"]["pid"] == 2'
assert_json "$ev" 'j["process_exec"]["parent"]["binary"] == "[kthreadd]"'
assert_json "$ev" 'j["process_exec"]["parent"]["flags"] == "procFS"'
assert_json "$ev" 'j["process_exec"]["parent"]["uid"] == 0'
assert_json "$ev" '"arguments" not in j["process_exec"]["parent"]'
assert_json "$ev" 'P["parent_exec_id"] == j["process_exec"]["parent"]["exec_id"]'
assert_json "$ev" 'b64d(P["parent_exec_id"]).endswith(":2")'
kid=$(json_value "$ev" 'j["process_exec"]["parent"]["exec_id"]')
ex=$(wait_for_exit "$PROCSHIP_OUT" "$hpid" 'marker in P["arguments"].split(" ")' 20 \
	marker="$marker")
assert_json "$ex" 'j["process_exit"]["parent"]["exec_id"] == k' k="$kid"
assert_json "$ex" 'j["process_exit"]["parent"]["binary"] == "[kthreadd]"'
# No event announces the kernel thread itself, as with Tetragon.
n=$("$PYTHON" "$IT_HELPERS/jsoncheck.py" count "$PROCSHIP_OUT" 'P and P["exec_id"] == k' k="$kid")
[ "$n" = 0 ] || fail "$n events were sent for kthreadd itself; Tetragon sends none"

stop_procship
check_own_log
