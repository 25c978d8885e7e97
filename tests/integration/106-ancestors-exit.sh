#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Ancestors on process_exit, and ancestors that exited (issue 15): level 2 of the chain starts
# level 1 in the background and exits; level 1 waits until level 2 is gone, then runs the
# marker. The marker's process_exec and process_exit both list level 2, exited, as their
# first ancestor with the exec_id of its own exec event, then levels 3 and 4 and this
# script's shells up to pid 1, as Tetragon keeps an exited ancestor while a descendant lives.
# Level 2's own process_exit lists its ancestors too, and every exit has Tetragon's fields.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ancestry.inc"

start_procship --enable-ancestors base --export-allowlist "$ANC_ALLOW"
m=procship-it-$$-anc-exit
level_chain 4 "$m" detach
ex=$(wait_for_json "$PROCSHIP_OUT" '"process_exit" in j and P["binary"] == "/usr/bin/true" and P["arguments"] == m' 20 m="$m")
l2=$(level_pid "$m" 2)
[ ! -e "/proc/$l2" ] || fail "level 2 ($l2) is still running"
# level 2 exited before the marker ran
l2_exit=$(wait_for_json "$PROCSHIP_OUT" '"process_exit" in j and P["pid"] == int(p)' 10 p="$l2")
assert_tetragon_schema "$l2_exit"
assert_json "$l2_exit" 'j["process_exit"]["ancestors"][0]["pid"] == int(p)' p="$(level_pid "$m" 4)"
assert_json "$l2_exit" 'j["process_exit"]["ancestors"][-1]["pid"] == 1'
ev=$(wait_for_exec "$PROCSHIP_OUT" "$m" 10)
assert_chain_ancestors "$ev" process_exec "$m" 4
assert_chain_ancestors "$ex" process_exit "$m" 4
# exit and exec list the same ancestors, and the exit's own fields are in Tetragon's order
assert_json "$ex" 'j["process_exit"]["ancestors"] == json.loads(a)' \
	a="$(json_value "$ev" 'json.dumps(j["process_exec"]["ancestors"])')"
assert_json "$ex" 'list(j["process_exit"])[-1] == "ancestors"'
assert_json "$ex" 'j["process_exit"]["process"]["exec_id"] == x' x="$(json_value "$ev" 'P["exec_id"]')"
stop_procship
check_own_log
