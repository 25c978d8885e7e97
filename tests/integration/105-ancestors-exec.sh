#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --enable-ancestors base (issue 15): a 5-level ancestry of real processes, sh -> sh -> sh ->
# sh -> /usr/bin/true MARKER, each level a fork and an exec. The marker's process_exec names
# level 1 as parent and lists levels 2, 3 and 4, then this script's shells, up to pid 1, as
# "ancestors": nearest first, each the very object its own exec event carried (exec_id and
# all), each one's parent_exec_id the next one's exec_id, as Tetragon v1.7.0 lists them.
# Each level's own exec has ancestors too; the field names, types and order are Tetragon's
# proto. Without the option, no event has ancestors (the default is unchanged); a value that
# is not one of Tetragon's event types is refused at start-up naming the flag and the value.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ancestry.inc"

start_procship --enable-ancestors base --export-allowlist "$ANC_ALLOW"
m=procship-it-$$-anc
level_chain 4 "$m"
ev=$(wait_for_exec "$PROCSHIP_OUT" "$m" 10)
assert_json "$ev" 'P["pid"] != int(l1)' l1="$(level_pid "$m" 1)"
assert_chain_ancestors "$ev" process_exec "$m" 4
# level 3's own exec: parent level 4, ancestors from this script's shell up
l3=$(wait_for_json "$PROCSHIP_OUT" '"process_exec" in j and P["pid"] == int(p)' 10 p="$(level_pid "$m" 3)")
assert_tetragon_schema "$l3"
assert_json "$l3" 'j["process_exec"]["parent"]["pid"] == int(p)' p="$(level_pid "$m" 4)"
assert_json "$l3" 'j["process_exec"]["ancestors"][0]["pid"] == int(p)' p="$$"
# every event procship wrote has Tetragon's schema
n=0
while IFS= read -r line; do
	assert_tetragon_schema "$line"
	n=$((n + 1))
done < <(grep "$m" "$PROCSHIP_OUT")
[ "$n" -ge 10 ] || fail "only $n events of the chain"
stop_procship
check_own_log

# off by default: the same chain, no ancestors anywhere
start_procship --export-allowlist '{"arguments_regex":["procship-it-"]}'
m2=procship-it-$$-noanc
level_chain 4 "$m2"
wait_for_exec "$PROCSHIP_OUT" "$m2" 10 >/dev/null
stop_procship
tail -c "+$PROCSHIP_OUT_OFFSET" "$PROCSHIP_OUT" >"$T/off.out"
[ "$(json_count "$T/off.out" 'm in P["arguments"]' m="$m2")" -ge 2 ] || fail "no events of $m2"
[ "$(json_count "$T/off.out" '"ancestors" in j.get("process_exec", j.get("process_exit", {}))')" -eq 0 ] ||
	fail "ancestors without --enable-ancestors"

# refused values, exit status 2, the flag and the value named
for bad in basic "base,kprobes" kprobe; do
	rc=0
	"$PROCSHIP" --enable-ancestors "$bad" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
	[ "$rc" -eq 2 ] || fail "--enable-ancestors $bad: exit status $rc, want 2"
	grep -q -- "--enable-ancestors" "$T/bad.err" || fail "--enable-ancestors $bad: $(cat "$T/bad.err")"
done
grep -q "unknown event type 'kprobes'" <("$PROCSHIP" --enable-ancestors base,kprobes 2>&1) ||
	fail "--enable-ancestors base,kprobes does not name kprobes"
