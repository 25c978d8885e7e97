#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Environment variables (issue 15, Tetragon v1.7.0's --enable-process-environment-variables
# and --filter-environment-variables): a real /usr/bin/true exec'd with a chosen environment
# carries environment_variables, field by field as Tetragon writes them (the first '='
# splits, an empty Key or Value is left out, no '=' is Key "invalid", bad UTF-8 is U+FFFD),
# on its process_exec and process_exit, after in_init_tree; its parent (env, with this
# script's environment) carries its own. The filter keeps exact names only ("," is the
# empty name, with a warning, as Tetragon's flag reads it). A block past
# 327360 bytes is cut there (its last, partial entry left out), flagged truncEnvs (not on a
# fork-only child); over --max-message-size entries go (flagged)
# (the parent's first) before the arguments are cut. Without the option, no field at all. Only this script's
# markers are looked at.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-env
envexec() { "$PYTHON" "$IT_HELPERS/envexec.py" "$@" || fail "envexec.py $1 failed"; }
exec_of() { wait_for_json "$PROCSHIP_OUT" '"process_exec" in j and P["arguments"] == a' 10 a="$1"; }
exit_of() { wait_for_json "$PROCSHIP_OUT" '"process_exit" in j and P["arguments"] == a' 10 a="$1"; }
envs_are() { assert_json "$1" 'P.get("environment_variables") == json.loads(w)' w="$2"; }
# the marker's parent is the env image it replaced (same pid), with this script's variables
export PROCSHIP_IT_ENV_PROBE="$m"
run_env() { env -i A=1 B==x C= MARKERX=no "MARKER=$m" /usr/bin/true "$1"; }
hostile() { envexec "$1" 'A=B=C' 'NOEQUALS' '' '=first' 'U=\xff\xfeok' "MARKER=$m"; }
PLAIN='[{"Key":"A","Value":"1"},{"Key":"B","Value":"=x"},{"Key":"C"},{"Key":"MARKERX","Value":"no"},{"Key":"MARKER","Value":"'$m'"}]'
HOSTILE='[{"Key":"A","Value":"B=C"},{"Key":"invalid","Value":"NOEQUALS"},{"Key":"invalid"},{"Value":"first"},{"Key":"U","Value":"\ufffdok"},{"Key":"MARKER","Value":"'$m'"}]'

info "on, no filter"
start_procship --enable-process-environment-variables \
	--export-allowlist "$(marker_filter "$m")"$'\n''{"arguments_regex":["'"$m"'-bigfork$"]}'
run_env "$m-plain"
hostile "$m-hostile"
e=$(exec_of "$m-plain")
assert_tetragon_schema "$e"
envs_are "$e" "$PLAIN"
# field 21 comes last in the process object, after in_init_tree (20)
assert_json "$e" 'list(P)[-2:] == ["in_init_tree", "environment_variables"]'
assert_json "$e" '{"Key": "PROCSHIP_IT_ENV_PROBE", "Value": m} in j["process_exec"]["parent"]["environment_variables"]' m="$m"
assert_json "$e" 'not {"truncEnvs", "errorEnvs"} & set(P["flags"].split())'
x=$(exit_of "$m-plain")
assert_tetragon_schema "$x"
envs_are "$x" "$PLAIN"
e=$(exec_of "$m-hostile")
assert_tetragon_schema "$e"
envs_are "$e" "$HOSTILE"
# at the kernel's bound: three 120000-byte variables, the block cut at 327360 bytes
big=$(head -c 120000 /dev/zero | tr '\0' v)
env -i "MARKER=$m" "V1=$big" "V2=$big" "V3=$big" /usr/bin/true "$m-big"
# (the event is too long for an argument: checked in the file)
big_is() {
	json_lines_match "$PROCSHIP_OUT" '"process_exec" in j and P["arguments"] == a and ('"$1"')' \
		a="$m-big" m="$m" >"$T/big.json" || fail "the exec of $m-big: not $1"
}
wait_for "$PROCSHIP_OUT" "\"arguments\":\"$m-big\"" 10
big_is 'True'
"$PYTHON" "$IT_HELPERS/tetragon_schema.py" "@$T/big.json" || fail "not Tetragon's schema"
big_is '"truncEnvs" in P["flags"].split()'
# the piece of V3 within the bound would be a wrong value: it is left out
big_is '[v["Key"] for v in P["environment_variables"]] == ["MARKER", "V1", "V2"]'
big_is 'sum(len(v["Key"]) + len(v.get("Value", "")) + 2 for v in P["environment_variables"]) == len(m) + 8 + 2 * 120004'
big_is 'P["environment_variables"][2]["Value"] == "v" * 120000'
# a fork-only child of such an exec copies its environment, not its truncEnvs: Tetragon's
# clone keeps only the clone record's flags
env -i "MARKER=$m" "V1=$big" "V2=$big" "V3=$big" /bin/sh -c '(exit 3); :' "$m-bigfork"
wait_for "$PROCSHIP_OUT" "\"process_exit\".*$m-bigfork.*\"refcnt\":1" 20
json_lines_match "$PROCSHIP_OUT" '"process_exit" in j and P.get("refcnt") == 1 and P["arguments"].endswith(a)' \
	a="$m-bigfork" >"$T/bigfork.json" || fail "no exit of the fork-only child of $m-bigfork"
"$PYTHON" "$IT_HELPERS/tetragon_schema.py" "@$T/bigfork.json" || fail "not Tetragon's schema"
json_lines_match "$T/bigfork.json" 'P["flags"] == "execve" and j["process_exit"]["status"] == 3 and "truncEnvs" in j["process_exit"]["parent"]["flags"].split() and [v["Key"] for v in P["environment_variables"]] == ["MARKER", "V1", "V2"]' \
	>/dev/null || fail "the fork-only child of $m-bigfork: not flags execve with its parent's cut environment"
stop_procship
check_own_log

info "filter: exact names"
start_procship --enable-process-environment-variables --filter-environment-variables MARKER,C \
	--filter-environment-variables NOEQUALS --export-allowlist "$(marker_filter "$m")"
run_env "$m-plain-f"
hostile "$m-hostile-f"
e=$(exec_of "$m-plain-f")
assert_tetragon_schema "$e"
envs_are "$e" '[{"Key":"C"},{"Key":"MARKER","Value":"'$m'"}]'
# the parent's environment went through the same filter: none of its names is kept
assert_json "$e" '"environment_variables" not in j["process_exec"]["parent"]'
e=$(exec_of "$m-hostile-f")
envs_are "$e" '[{"Key":"invalid","Value":"NOEQUALS"},{"Key":"MARKER","Value":"'$m'"}]'
stop_procship
check_own_log

info "over --max-message-size: entries go before the arguments"
max=4096
start_udp_sink
start_procship --enable-process-environment-variables --udp-output-enabled \
	--udp-output-address "127.0.0.1:$SINK_PORT" --syslog-format json --max-message-size "$max" \
	--export-allowlist "$(marker_filter "$m")"
# from a file: the parent (python) keeps short arguments, and its environment goes first
{
	echo "MARKER=$m"
	for i in $(seq -w 1 60); do echo "VAR$i=$(head -c 100 /dev/zero | tr '\0' x)"; done
} >"$T/fit.env"
envexec "$m-fit" "@$T/fit.env"
wait_for "$SINK_OUT" "process_exit.*\"arguments\":\"$m-fit\"" 10
stop_procship
biggest=$(sort -n "$SINK_SIZES" | tail -1)
[ "$biggest" -le "$max" ] || fail "a $biggest-byte datagram with --max-message-size $max"
for kind in process_exec process_exit; do
	ev=$(json_lines_match "$SINK_OUT" 'k in j and P["arguments"] == a' k="$kind" a="$m-fit") ||
		fail "no $kind of $m-fit"
	assert_tetragon_schema "$ev"
	assert_json "$ev" '"truncEnvs" in P["flags"].split() and "truncArgs" not in P["flags"]'
	# the first entries stay, in order
	assert_json "$ev" '[v["Key"] for v in P["environment_variables"]] == ["MARKER"] + ["VAR%02d" % i for i in range(1, len(P["environment_variables"]))]'
	assert_json "$ev" '5 < len(P["environment_variables"]) < 61'
done
n=$(procship_run_log | grep -o 'encode\.envs_cut=[0-9]*' | tail -1 | cut -d= -f2)
[ "${n:-0}" -ge 2 ] || fail "the summary counts ${n:-no} environments cut, want >= 2"
[ "$(procship_stat cut)" -eq 0 ] || fail "datagrams cut by the framer"
stop_udp_sink
check_own_log

info "off: no field at all"
start_procship --export-allowlist "$(marker_filter "$m")"
run_env "$m-off"
e=$(exec_of "$m-off")
assert_tetragon_schema "$e"
assert_json "$e" '"environment_variables" not in P and "environment_variables" not in j["process_exec"]["parent"]'
x=$(exit_of "$m-off")
assert_json "$x" '"environment_variables" not in P'
stop_procship
check_own_log

info "filter: a stray comma is the empty name, as in Tetragon, not 'all'"
start_procship --enable-process-environment-variables --filter-environment-variables , \
	--export-allowlist "$(marker_filter "$m")"
hostile "$m-hostile-c"
e=$(exec_of "$m-hostile-c")
# the entries with an empty name only: '' (Key invalid) and '=first'
envs_are "$e" '[{"Key":"invalid"},{"Value":"first"}]'
assert_json "$e" '"environment_variables" not in j["process_exec"]["parent"]'
stop_procship
# (last: the warning stays in the log the later checks read)
grep -q 'warning: --filter-environment-variables: an empty name' "$PROCSHIP_LOG" ||
	fail "no warning for the empty name of --filter-environment-variables ,"
check_own_log 'filter-environment-variables: an empty name'
