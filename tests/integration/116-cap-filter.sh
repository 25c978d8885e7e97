#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Tetragon v1.7.0's capabilities filter field (issue 15), with --enable-process-cred and real
# processes exec'ing /usr/bin/true with markers: root's (every capability of this host's
# bounding set), a test user's (none) and the same user's with exactly CAP_NET_BIND_SERVICE in
# each set (setpriv --inh-caps/--ambient-caps). An allowlist on effective any CAP_SYS_ADMIN
# exports root's exec and exit, not the user's; a denylist on effective none CAP_SYS_ADMIN
# for PROCESS_EXEC refuses the execs of the user and of the one-capability process, not their
# exits, and keeps root's; effective exactly [CAP_NET_BIND_SERVICE] and inheritable exactly
# [10] (the enum's number) export only the one-capability process, and so do permitted all
# [CAP_NET_BIND_SERVICE] with effective none [CAP_SYS_ADMIN] (sets ANDed). Without
# --enable-process-cred the filter is refused at start-up (status 2, naming the list and the
# line), as Tetragon refuses it, also by a reload (the running filters kept), while a reload
# with the credentials on applies a new one; bad values are refused, naming the list, line,
# field and value.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-capf
user=psit$$capf
add_test_user "$user"
uid=$(id -u "$user")
gid=$(id -g "$user")
mine="\"arguments_regex\":[\"^$m-\"]"
as_user() { setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@" || fail "setpriv $*"; }
# the three processes, then root's sentinel: once its exit is out, the others were decided
run_all()
{
	as_user /usr/bin/true "$m-user-$1"
	as_user --inh-caps=+net_bind_service --ambient-caps=+net_bind_service \
		/usr/bin/true "$m-one-$1"
	(cd "$T" && exec /usr/bin/true "$m-root-$1")
	(cd "$T" && exec /usr/bin/true "$m-sentinel-$1")
}
# passed NAME RUN: the process names (user, one, root) whose exec passed in this run's output
passed()
{
	procship_run_out "$T/$1.out"
	local w
	for w in user one root; do
		[ "$(json_count "$T/$1.out" '"process_exec" in j and P["arguments"] == a' a="$m-$w-$1")" -eq 0 ] ||
			printf '%s ' "$w"
	done
}
# expect NAME WANT ARGS...: run procship with ARGS and the three processes; WANT is the list
# of those whose exec must pass (the sentinel always passes: the allowlists name it)
expect()
{
	local name=$1 want=$2 got
	shift 2
	start_procship --enable-process-cred "$@"
	run_all "$name"
	wait_for_json "$PROCSHIP_OUT" '"process_exit" in j and P["arguments"] == a' 30 \
		a="$m-sentinel-$name" >/dev/null
	stop_procship
	got=$(passed "$name")
	[ "$got" = "$want" ] || fail "$name: the execs that passed are '$got', want '$want'"
}

any="{\"capabilities\":{\"effective\":{\"any\":[\"CAP_SYS_ADMIN\"]}},$mine}"
expect any "root " --export-allowlist "$any"
ev=$(json_lines_match "$T/any.out" '"process_exec" in j and P["arguments"] == a' a="$m-root-any")
assert_json "$ev" '"CAP_SYS_ADMIN" in P["cap"]["effective"] and "CAP_SYS_ADMIN" in P["cap"]["permitted"]'
[ "$(json_count "$T/any.out" '"process_exit" in j and P["arguments"] == a' a="$m-root-any")" -eq 1 ] ||
	fail "root's exit did not pass the capabilities allowlist"
[ "$(json_count "$T/any.out" '"process_exit" in j and P["arguments"] == a' a="$m-user-any")" -eq 0 ] ||
	fail "the user's exit passed an allowlist on CAP_SYS_ADMIN"
check_own_log

expect none "root " --export-allowlist "{$mine}" \
	--export-denylist '{"capabilities":{"effective":{"none":["CAP_SYS_ADMIN"]}},"event_set":["PROCESS_EXEC"]}
{"pid":[1]}'
# the user's exec is refused, its exit (outside the denylist's event_set) is not
[ "$(json_count "$T/none.out" '"process_exit" in j and P["arguments"] == a' a="$m-user-none")" -eq 1 ] ||
	fail "the user's exit was refused by a denylist for PROCESS_EXEC"
check_own_log

exactly="{\"capabilities\":{\"effective\":{\"exactly\":[\"CAP_NET_BIND_SERVICE\"]}},$mine}
{\"arguments_regex\":[\"^$m-sentinel\"]}"
expect exactly "one " --export-allowlist "$exactly"
ev=$(json_lines_match "$T/exactly.out" '"process_exec" in j and P["arguments"] == a' a="$m-one-exactly")
assert_json "$ev" 'P["cap"] == {"permitted": ["CAP_NET_BIND_SERVICE"],
	"effective": ["CAP_NET_BIND_SERVICE"], "inheritable": ["CAP_NET_BIND_SERVICE"]}'
assert_json "$ev" 'P["uid"] == int(u)' u="$uid"
# by number (protojson's other spelling of an enum value), on another set
expect number "one " --export-allowlist "{\"capabilities\":{\"inheritable\":{\"exactly\":[10]}},$mine}
{\"arguments_regex\":[\"^$m-sentinel\"]}"

expect and "one " --export-allowlist \
	"{\"capabilities\":{\"permitted\":{\"all\":[\"CAP_NET_BIND_SERVICE\"]},\"effective\":{\"none\":[\"CAP_SYS_ADMIN\"]}},$mine}
{\"arguments_regex\":[\"^$m-sentinel\"]}"
check_own_log

# SIGHUP: a new capabilities filter is applied when the running process has the credentials,
# refused (the running filters kept) when it has not: a reload cannot turn them on
cf=$T/procship.yaml
printf 'enable-process-cred: true\nexport-allowlist: |\n  %s\n' "$any" >"$cf"
start_procship --config-file "$cf"
printf 'enable-process-cred: true\nexport-allowlist: |\n  %s\n  %s\n' \
	"{\"capabilities\":{\"effective\":{\"none\":[\"CAP_SYS_ADMIN\"]}},$mine}" \
	"{\"arguments_regex\":[\"^$m-sentinel\"]}" >"$cf"
procship_signal HUP 'reload: configuration read again' 10
run_all reload
wait_for_json "$PROCSHIP_OUT" '"process_exit" in j and P["arguments"] == a' 30 a="$m-sentinel-reload" >/dev/null
stop_procship
got=$(passed reload)
[ "$got" = "user one " ] || fail "after the reload the execs that passed are '$got', want 'user one '"
check_own_log
printf 'export-allowlist: |\n  {%s}\n' "$mine" >"$cf"
start_procship --config-file "$cf"
printf 'enable-process-cred: true\nexport-allowlist: |\n  %s\n' "$any" >"$cf"
procship_signal HUP 'warning: reload: --export-allowlist/--export-denylist: allowlist line 1: capabilities needs --enable-process-cred .*keeping the running configuration' 10
run_all refused
wait_for_json "$PROCSHIP_OUT" '"process_exit" in j and P["arguments"] == a' 30 a="$m-sentinel-refused" >/dev/null
stop_procship
got=$(passed refused)
[ "$got" = "user one root " ] || fail "after a refused reload the execs that passed are '$got', want all three"
refused='warning: reload: --export-allowlist/--export-denylist: allowlist line 1: capabilities needs'
check_own_log "$refused"

# refused without the credentials, naming the list and the line
rc=0
"$PROCSHIP" --export-allowlist "{$mine}" --export-denylist "{\"pid\":[1]}
$any" >/dev/null 2>"$T/nocred.err" || rc=$?
[ "$rc" -eq 2 ] || fail "a capabilities filter without --enable-process-cred: status $rc, want 2"
grep -q "denylist line 2: capabilities needs --enable-process-cred" "$T/nocred.err" ||
	fail "the refusal does not say where and why: $(cat "$T/nocred.err")"
# bad values: status 2, the message naming list, line, field and value
bad()
{
	local msg=$1 rc=0
	shift
	"$PROCSHIP" --enable-process-cred "$@" >/dev/null 2>"$T/bad.err" || rc=$?
	[ "$rc" -eq 2 ] || fail "$* : status $rc, want 2"
	grep -qF -- "$msg" "$T/bad.err" || fail "$*: '$(cat "$T/bad.err")' does not say '$msg'"
}
bad '--export-allowlist: line 2: capabilities.effective.any: unknown capability "CAP_SYS_ADMN"' \
	--export-allowlist '{"pid":[1]}
{"capabilities":{"effective":{"any":["CAP_SYS_ADMN"]}}}'
bad '--export-denylist: line 1: capabilities.permitted.none: capability 99 out of range (0..63)' \
	--export-denylist '{"capabilities":{"permitted":{"none":[41,99]}}}'
bad 'line 1: capabilities.inheritable: only one of any, all, exactly, none may be given, got all and none' \
	--export-denylist '{"capabilities":{"inheritable":{"all":[1],"none":[2]}}}'
bad '--export-denylist: line 1: capabilities.effective.any: unknown capability "21"' \
	--export-denylist '{"capabilities":{"effective":{"any":["21"]}}}'
bad '--export-allowlist: line 1: capabilities.effective.any: unknown capability "CAP_DAC_OVERRIDE" (Tetragon'"'"'s name is "DAC_OVERRIDE")' \
	--export-allowlist '{"capabilities":{"effective":{"any":["CAP_DAC_OVERRIDE"]}}}'
check_own_log "$refused" # the log holds every run's lines
