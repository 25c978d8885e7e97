#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# it-exclusive: deletes its user and adds it back with the same uid (a neighbour could take it)
# --username-metadata unix (issue 15): process.user.name from /etc/passwd, as Tetragon writes
# it ("user":{"name":...}, after tid). A test user created by this scenario runs the marker
# (setpriv): its exec names it, its parent (this root shell) names root. A raw uid with no
# passwd entry gets no "user" at all and no error. A process scanned from /proc at start-up
# has its name too. The user is removed while procship runs: once the file is checked again
# (within a second or two) the same uid gets no name, and a user added while it runs is
# named. Without the option no event has "user". Names, types and order: Tetragon's proto.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed"
u=pst$$
add_test_user "$u"
uid=$(id -u "$u")
raw=$((3000000 + $$ % 100000))
getent passwd "$raw" >/dev/null && fail "uid $raw has a passwd entry"
start_waiting_sh "$T/fifo" "procship-it-$$-scanned"
start_procship --username-metadata unix --export-allowlist '{"arguments_regex":["procship-it-"]}'
# as the test user, then as a raw uid
m=procship-it-$$-user
(cd "$T" && exec setpriv --reuid "$uid" --regid "$uid" --clear-groups /usr/bin/true "$m") ||
	fail "setpriv as $u failed"
ev=$(wait_for_exec "$PROCSHIP_OUT" "$m" 10)
assert_tetragon_schema "$ev"
assert_json "$ev" 'P["uid"] == int(u)' u="$uid"
assert_json "$ev" 'P["user"] == {"name": n}' n="$u"
assert_json "$ev" 'list(P)[list(P).index("tid") + 1] == "user"'
assert_json "$ev" 'j["process_exec"]["parent"]["user"]["name"] == "root"'
ex=$(wait_for_json "$PROCSHIP_OUT" '"process_exit" in j and P["arguments"] == m' 10 m="$m")
assert_json "$ex" 'P["user"]["name"] == n' n="$u"
mr=procship-it-$$-rawuid
(cd "$T" && exec setpriv --reuid "$raw" --regid "$raw" --clear-groups /usr/bin/true "$mr") ||
	fail "setpriv as uid $raw failed"
ev=$(wait_for_exec "$PROCSHIP_OUT" "$mr" 10)
assert_tetragon_schema "$ev"
assert_json "$ev" 'P["uid"] == int(u) and "user" not in P' u="$raw"
# the /proc scan's procFS exec of the waiting shell
sc=$(wait_for_json "$PROCSHIP_OUT" '"process_exec" in j and P["pid"] == int(p)' 10 p="$old")
assert_json "$sc" '"procFS" in P["flags"] and P["user"]["name"] == "root"'
# the user goes; the file is checked again within a second
userdel "$u"
sleep 2.5
m2=procship-it-$$-gone
(cd "$T" && exec setpriv --reuid "$uid" --regid "$uid" --clear-groups /usr/bin/true "$m2") ||
	fail "setpriv as uid $uid failed"
ev=$(wait_for_exec "$PROCSHIP_OUT" "$m2" 10)
assert_json "$ev" 'P["uid"] == int(u) and "user" not in P' u="$uid"
# ...and comes back under the same name
useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
	--uid "$uid" "$u" || fail "cannot create $u again"
sleep 2.5
m3=procship-it-$$-back
(cd "$T" && exec setpriv --reuid "$uid" --regid "$uid" --clear-groups /usr/bin/true "$m3") ||
	fail "setpriv as $u failed"
ev=$(wait_for_exec "$PROCSHIP_OUT" "$m3" 10)
assert_json "$ev" 'P["user"]["name"] == n' n="$u"
echo go >"$T/fifo"
kill "$old" 2>/dev/null || true
stop_procship
check_own_log
n=$(tail -c "+$PROCSHIP_OUT_OFFSET" "$PROCSHIP_OUT" | grep -c '"user"') || true
[ "$n" -ge 4 ] || fail "only $n events with a user name"

# off by default
start_procship --export-allowlist '{"arguments_regex":["procship-it-"]}'
m4=procship-it-$$-off
exec_marked "$m4"
wait_for_exec "$PROCSHIP_OUT" "$m4" 10 >/dev/null
stop_procship
tail -c "+$PROCSHIP_OUT_OFFSET" "$PROCSHIP_OUT" | grep -q '"user"' &&
	fail "a user name without --username-metadata"
rc=0
"$PROCSHIP" --username-metadata ldap >/dev/null 2>"$T/bad.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "username-metadata.*'ldap'" "$T/bad.err" ||
	fail "--username-metadata ldap: status $rc, $(cat "$T/bad.err")"
