#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --enable-process-cred (issue 15): a set-user-ID-root and a set-group-ID-root binary run by an
# unprivileged test user show the user's real ids, the raised effective ones and the privilege
# change, field by field in Tetragon's names and types (helpers/enrichcheck.py, from v1.7.0's
# proto); a plain exec by the same user has no binary_properties and an empty cap; the exit
# carries the credentials but not binary_properties; without the option none of it is there.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-cred
user=psit$$cred
add_test_user "$user"
uid=$(id -u "$user")
gid=$(id -g "$user")
# the user must reach the binaries: $T is private
bin=$(mktemp -d /tmp/procship-it-cred.XXXXXX)
it_on_exit "rm -rf '$bin'"
chmod 755 "$bin"
install -m 4755 -o root -g root /usr/bin/id "$bin/suid-id"
install -m 2755 -o root -g root /usr/bin/id "$bin/sgid-id"
as_user() { setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@" >/dev/null 2>&1 || true; }
enrich() { "$PYTHON" "$IT_HELPERS/enrichcheck.py" "$@" || fail "enrichment schema (see above)"; }
event() { wait_for_json "$PROCSHIP_OUT" "\"$1\" in j and P[\"arguments\"] == a" 10 a="$2"; }

start_procship --enable-process-cred --export-allowlist "$(marker_filter "$m")"
as_user "$bin/suid-id" "$m-suid"
as_user "$bin/sgid-id" "$m-sgid"
as_user /usr/bin/id "$m-plain"

su=$(event process_exec "$m-suid")
enrich "$su" cred props
assert_json "$su" 'P["uid"] == 0' # Tetragon's process.uid is the effective one
assert_json "$su" 'P["process_credentials"] == {"uid": int(u), "gid": int(g), "euid": 0,
	"egid": int(g), "suid": 0, "sgid": int(g), "fsuid": 0, "fsgid": int(g)}' u="$uid" g="$gid"
assert_json "$su" 'P["binary_properties"] == {"setuid": 0,
	"privileges_changed": ["PRIVILEGES_RAISED_EXEC_FILE_SETUID"]}'
# euid 0 without SECURE_NOROOT: the kernel grants the full sets
assert_json "$su" '"CAP_SYS_ADMIN" in P["cap"]["permitted"] and "CAP_SETUID" in P["cap"]["effective"]'
# the parent is the image setpriv replaced (an exec without a fork): its credentials are
# those of its own exec, by root, as Tetragon's cache keeps them
assert_json "$su" 'j["process_exec"]["parent"]["binary"] == "/usr/bin/setpriv"'
assert_json "$su" 'set(j["process_exec"]["parent"]["process_credentials"].values()) == {0}'

sg=$(event process_exec "$m-sgid")
enrich "$sg" cred props
assert_json "$sg" 'P["uid"] == int(u) and P["process_credentials"]["egid"] == 0' u="$uid"
assert_json "$sg" 'P["process_credentials"]["sgid"] == 0 and P["process_credentials"]["gid"] == int(g)' \
	g="$gid"
assert_json "$sg" 'P["binary_properties"] == {"setgid": 0,
	"privileges_changed": ["PRIVILEGES_RAISED_EXEC_FILE_SETGID"]}'
assert_json "$sg" 'P["cap"] == {}'

pl=$(event process_exec "$m-plain")
enrich "$pl" cred
assert_json "$pl" 'P["cap"] == {} and P["process_credentials"] == {k: int(u if "uid" in k else g)
	for k in ("uid", "gid", "euid", "egid", "suid", "sgid", "fsuid", "fsgid")}' u="$uid" g="$gid"

ex=$(event process_exit "$m-suid")
enrich "$ex" cred
assert_json "$ex" 'P["process_credentials"]["uid"] == int(u) and P["process_credentials"]["euid"] == 0' \
	u="$uid"
stop_procship
check_own_log

# off (the default): none of the fields, on any event
start_procship --export-allowlist "$(marker_filter "$m")"
as_user "$bin/suid-id" "$m-off"
off=$(event process_exec "$m-off")
enrich "$off"
stop_procship
procship_run_out "$T/off.out"
[ "$(json_count "$T/off.out" 'any(k in o for o in (P, get(j, "process_exec.parent") or {},
	get(j, "process_exit.parent") or {}) for k in ("cap", "process_credentials", "binary_properties", "ns"))')" -eq 0 ] ||
	fail "an event has an enrichment without the options"
check_own_log
