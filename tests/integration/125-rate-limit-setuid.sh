#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The per-uid buckets charge the real uid (issue 20, hostile review finding 3; procship.8
# --export-rate-limit-per-uid, SECURITY): an unprivileged test user runs a set-user-ID-root
# copy of true 200 times under --export-rate-limit-per-uid 30. Its events show uid 0
# (the effective uid, as Tetragon's), but they spend the user's bucket: root's own 8 marked
# events still arrive, and rate_limit_info names the user's uid, never root's. Charged to the
# effective uid, the storm would have emptied root's bucket and root's events would be dropped.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-suidrl
user=psit$$suidrl
add_test_user "$user"
uid=$(id -u "$user")
# the user must reach the binary: $T is private
bin=$(mktemp -d /tmp/procship-it-suidrl.XXXXXX)
it_on_exit "rm -rf '$bin'"
chmod 755 "$bin"
install -m 4755 -o root -g root /usr/bin/true "$bin/suid-true"

start_procship --export-rate-limit-per-uid 30 --export-allowlist "$(marker_filter "$m")" \
	--metrics-file "$T/m.prom" --metrics-interval 1
# At most 200 set-user-ID execs in 60 s (no --no-new-privs: the exec must raise the euid); a
# slow host may stop it early, which the bucket check below tells.
setpriv --reuid="$uid" --regid="$uid" --clear-groups \
	timeout 60 /bin/sh -c 'i=0; while [ $i -lt 200 ]; do "$0" "$1-u-$i"; i=$((i + 1)); done' \
	"$bin/suid-true" "$m" >"$T/storm.out" 2>&1 || info "the storm stopped: $(cat "$T/storm.out")"
for ((i = 0; i < 100; i++)); do
	[ "$(metric "$T/m.prom" procship_ratelimit_uid_dropped_total 2>/dev/null || echo 0)" \
		-gt 0 ] && break
	sleep 0.1
done
[ "$i" -lt 100 ] || fail "the storm's events did not pass a per-uid bucket of 30 in 10 s"
for i in $(seq 4); do
	run_marked "$T/root.pid" /usr/bin/true "$m-root-$i"
done
wait_for_json "$PROCSHIP_OUT" '"process_exit" in j and P["arguments"] == a' 10 \
	a="$m-root-4" >/dev/null || fail "root's last marked exit did not arrive"
stop_procship
procship_run_out "$T/out.json"

storm=$(json_count "$T/out.json" \
	'"process_exec" in j and P["arguments"].startswith(m + "-u-")' m="$m")
info "the user's set-user-ID execs exported: $storm of 200"
[ "$storm" -ge 1 ] && [ "$storm" -le 40 ] ||
	fail "$storm of the user's execs passed a bucket of 30 a minute"
# the event's uid stays the effective one (Tetragon's process.uid)
euid0=$(json_count "$T/out.json" \
	'"process_exec" in j and P["arguments"].startswith(m + "-u-") and P["uid"] == 0' m="$m")
[ "$euid0" -eq "$storm" ] || fail "$euid0 of $storm set-user-ID execs show uid 0 (the euid)"
root=$(json_count "$T/out.json" '(("process_exec" in j or "process_exit" in j) and
	P["uid"] == 0 and P["arguments"].startswith(m + "-root-"))' m="$m")
[ "$root" -eq 8 ] || fail "only $root of root's 8 events passed: the storm spent root's bucket"
"$PYTHON" - "$T/out.json" "$uid" <<-'EOF' || fail "rate_limit_info does not name the user alone"
	import json, sys
	path, uid = sys.argv[1], int(sys.argv[2])
	docs = [json.loads(l)["rate_limit_info"] for l in open(path) if '"rate_limit_info"' in l]
	by = [e for d in docs for e in d.get("procship_dropped_by_uid", [])]
	print("rate_limit_info by uid: %s" % by)
	sys.exit(0 if by and all(e["uid"] == uid for e in by) else 1)
	EOF
check_own_log
