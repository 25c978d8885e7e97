#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Tetragon v1.7.0's parent_arguments_regex filter field (issue 15): the parent's arguments,
# not the process's own. Under an allowlist on a "-yes" marker, the child of a /bin/sh whose
# arguments carry it passes (exec and exit), that sh itself does not (its parent, this
# script, has no marker), nor does the child of a sh with a "-no" marker; a parent that was
# running before procship started (read by the start-up /proc scan) counts the same. In a
# denylist, a pattern that a 4 KiB parent argument sends past PCRE2's match limit fails
# closed: the child is exported, and the failure counted and logged.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-pargs
# sh_child WORD: a sh whose last argument is "$m-WORD-parent", running true "$m-WORD-child"
# (which has no "-parent" in its own arguments)
sh_child()
{
	(cd "$T" && /bin/sh -c '/usr/bin/true "$0"; :' "$m-$1-child" "$m-$1-parent") ||
		fail "sh_child $1"
}

start_waiting_sh "$T/fifo" "$m-old-child"
start_procship --export-allowlist "{\"parent_arguments_regex\":[\"$m-(yes-parent|old-child)\$\"]}
{\"arguments_regex\":[\"^$m-sentinel\$\"]}"
sh_child yes
sh_child no
echo go >"$T/fifo"
wait_for_json "$PROCSHIP_OUT" '"process_exec" in j and P["arguments"] == a' 30 a="$m-old-child" >/dev/null
wait_for_json "$PROCSHIP_OUT" '"process_exit" in j and P["arguments"] == a' 30 a="$m-yes-child" >/dev/null
(cd "$T" && exec /usr/bin/true "$m-sentinel")
wait_for_json "$PROCSHIP_OUT" '"process_exit" in j and P["arguments"] == a' 30 a="$m-sentinel" >/dev/null
stop_procship
out=$T/allow.out
procship_run_out "$out"
ev=$(json_lines_match "$out" '"process_exec" in j and P["arguments"] == a' a="$m-yes-child")
assert_json "$ev" 'j["process_exec"]["parent"]["arguments"].endswith(a)' a="$m-yes-parent"
[ "$(json_count "$out" 'a in P["arguments"]' a="$m-yes-parent")" -eq 0 ] ||
	fail "the parent sh passed a filter its own parent does not match"
[ "$(json_count "$out" 'P["arguments"] == a' a="$m-no-child")" -eq 0 ] ||
	fail "the child of a sh without the marker passed"
check_own_log

# fail closed on the match limit, in a denylist: the child is exported anyway
long=$(printf 'a%.0s' $(seq 4000))b
start_procship --metrics-file "$T/metrics.prom" --metrics-interval 1 \
	--export-allowlist "{\"arguments_regex\":[\"^$m-\"]}" \
	--export-denylist '{"parent_arguments_regex":["(a+)+$"]}'
(cd "$T" && /bin/sh -c '/usr/bin/true "$0-limit"; :' "$m" "$long" >/dev/null)
wait_for_json "$PROCSHIP_OUT" '"process_exec" in j and P["arguments"] == a' 30 a="$m-limit" >/dev/null
wait_for "$PROCSHIP_LOG" 'regex matches hit the match limit' 10
stop_procship
grep -Eq '^procship_filter_match_errors_total [1-9]' "$T/metrics.prom" ||
	fail "no filter match error counted: $(grep match_errors "$T/metrics.prom" || true)"
check_own_log 'regex matches hit the match limit, each decided for export'
