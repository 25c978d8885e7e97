#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Tetragon v1.7.0's filter fields that ancestors and the init tree make meaningful (issue 15):
# ancestor_binary_regex matches the binaries of the event's ancestors (beyond the parent):
# under a chain whose top shell is a copy of /bin/sh, the marker's and level 1's events pass
# an allowlist on that copy, level 2's (whose parent is the copy) and the top's do not, nor
# does an exec elsewhere; in a denylist restricted to PROCESS_EXIT it refuses the marker's
# exit, not its exec. Without --enable-ancestors such a filter is refused at start-up (status
# 2), as Tetragon refuses it, and so is one whose event_set (all of Tetragon's ancestor types
# when it has none) names a type without ancestors. in_init_tree (a boolean): a denylist on true refuses the exec of
# a PID namespace's init (unshare -p -f) and keeps the same program's exec outside; an
# allowlist on true keeps only the former. pid_set needs --enable-pid-set-filter, as in
# Tetragon.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ancestry.inc"

anc="{\"ancestor_binary_regex\":[\"/anc-sh-$$\$\"],\"event_set\":[\"PROCESS_EXEC\",\"PROCESS_EXIT\"]}"
start_procship --enable-ancestors base --export-allowlist "$anc"
m=procship-it-$$-fanc
level_chain 3 "$m"
mo=procship-it-$$-fanc-other
exec_marked "$mo"
ev=$(wait_for_exec "$PROCSHIP_OUT" "$m" 10)
assert_json "$ev" 'any(a["binary"].endswith(s) for a in j["process_exec"]["ancestors"])' s="/anc-sh-$$"
wait_for_json "$PROCSHIP_OUT" '"process_exec" in j and P["pid"] == int(p)' 10 p="$(level_pid "$m" 1)" >/dev/null
stop_procship
out=$T/anc.out
tail -c "+$PROCSHIP_OUT_OFFSET" "$PROCSHIP_OUT" >"$out"
for lv in 2 3; do
	[ "$(json_count "$out" 'P["pid"] == int(p)' p="$(level_pid "$m" "$lv")")" -eq 0 ] ||
		fail "level $lv passed an ancestor filter that only its descendants match"
done
[ "$(json_count "$out" 'm in P["arguments"]' m="$mo")" -eq 0 ] || fail "$mo passed the ancestor filter"
[ "$(json_count "$out" 'not any(a["binary"].endswith(s) for a in get(j, "process_exec.ancestors") or get(j, "process_exit.ancestors") or [])' s="/anc-sh-$$")" -eq 0 ] ||
	fail "an event without the ancestor passed"

# in a denylist for exits only
start_procship --enable-ancestors base --export-allowlist '{"arguments_regex":["procship-it-"]}' \
	--export-denylist "{\"event_set\":[\"PROCESS_EXIT\"],\"ancestor_binary_regex\":[\"/anc-sh-$$\$\"]}"
m2=procship-it-$$-fanc-deny
level_chain 2 "$m2"
exec_marked "$m2-other"
wait_for_exec "$PROCSHIP_OUT" "$m2" 10 >/dev/null
wait_for_json "$PROCSHIP_OUT" '"process_exit" in j and P["arguments"].startswith(m)' 10 m="$m2-other" >/dev/null
stop_procship
tail -c "+$PROCSHIP_OUT_OFFSET" "$PROCSHIP_OUT" >"$out"
[ "$(json_count "$out" '"process_exit" in j and P["arguments"] == m' m="$m2")" -eq 0 ] ||
	fail "the marker's exit passed the denylist"

# refused without ancestors
rc=0
"$PROCSHIP" --export-allowlist "$anc" >/dev/null 2>"$T/bad.err" || rc=$?
[ "$rc" -eq 2 ] || fail "an ancestor filter without --enable-ancestors: status $rc, want 2"
grep -q "ancestor_binary_regex needs --enable-ancestors base" "$T/bad.err" ||
	fail "the refusal does not say why: $(cat "$T/bad.err")"
# ... and, as Tetragon's CheckAncestorsEnabled, without an event_set (all of its ancestor
# types) or with a type that has no ancestors on
for f in "{\"ancestor_binary_regex\":[\"x\"]}" \
	"{\"ancestor_binary_regex\":[\"x\"],\"event_set\":[\"PROCESS_EXEC\",\"PROCESS_KPROBE\"]}"; do
	rc=0
	"$PROCSHIP" --enable-ancestors base --export-denylist "$f" >/dev/null 2>"$T/bad.err" || rc=$?
	[ "$rc" -eq 2 ] || fail "$f with --enable-ancestors base: status $rc, want 2"
	grep -q "denylist line 1: ancestor_binary_regex applies to PROCESS_KPROBE, which has no ancestors" "$T/bad.err" ||
		fail "the refusal of $f does not say why: $(cat "$T/bad.err")"
done

# in_init_tree
mi=procship-it-$$-itree
run_ns()
{
	unshare -p -f --mount-proc=/proc /bin/sh -c 'exec /usr/bin/true "$0-init"' "$mi" ||
		fail "unshare -p -f failed"
	(cd "$T" && exec /usr/bin/true "$mi-outside")
}
start_procship --export-allowlist '{"arguments_regex":["procship-it-"]}' \
	--export-denylist '{"in_init_tree":true}'
run_ns
ev=$(wait_for_json "$PROCSHIP_OUT" 'P["arguments"] == m' 10 m="$mi-outside")
assert_json "$ev" 'P["in_init_tree"] is False'
stop_procship
tail -c "+$PROCSHIP_OUT_OFFSET" "$PROCSHIP_OUT" >"$out"
[ "$(json_count "$out" 'P["arguments"] == m' m="$mi-init")" -eq 0 ] ||
	fail "the namespace's init passed a denylist on in_init_tree"
start_procship --export-allowlist '{"in_init_tree":true,"arguments_regex":["procship-it-"]}'
run_ns
ev=$(wait_for_json "$PROCSHIP_OUT" '"process_exec" in j and P["arguments"] == m' 10 m="$mi-init")
assert_json "$ev" 'P["in_init_tree"] is True and "inInitTree" in P["flags"]'
wait_for_json "$PROCSHIP_OUT" '"process_exit" in j and P["arguments"] == m' 10 m="$mi-init" >/dev/null
stop_procship
tail -c "+$PROCSHIP_OUT_OFFSET" "$PROCSHIP_OUT" >"$out"
[ "$(json_count "$out" 'P["arguments"] == m' m="$mi-outside")" -eq 0 ] ||
	fail "a process outside any init tree passed an allowlist on in_init_tree"
check_own_log

# pid_set: refused without --enable-pid-set-filter, as Tetragon v1.7.0 refuses it; with it,
# this shell's children pass
ps="{\"pid_set\":[$$]}"
rc=0
"$PROCSHIP" --export-allowlist "$ps" >/dev/null 2>"$T/bad.err" || rc=$?
[ "$rc" -eq 2 ] || fail "pid_set without --enable-pid-set-filter: status $rc, want 2"
grep -q "allowlist line 1: pid_set needs --enable-pid-set-filter" "$T/bad.err" ||
	fail "the refusal of pid_set does not say why: $(cat "$T/bad.err")"
mp=procship-it-$$-pidset
start_procship --enable-pid-set-filter --export-allowlist "$ps"
(cd "$T" && exec /usr/bin/true "$mp")
ev=$(wait_for_exec "$PROCSHIP_OUT" "$mp" 10)
assert_json "$ev" 'j["process_exec"]["parent"]["pid"] == int(me)' me="$$"
stop_procship
check_own_log
