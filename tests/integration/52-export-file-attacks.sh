#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 20 item 4: what a local user who owns the export directory can plant. procship runs as
# root with --user, the user (created and removed here) owns the directory. Refused at start,
# at once, naming the file and the reason, exit status 1: a symbolic link to a file of root's,
# a FIFO (without and with a reader: it never blocks, the reader gets nothing), a pre-created
# world-readable file, a file of another user's, a world-writable export or metrics directory. While running:
# two planted future-dated backup names are never pruned and the real backups are kept (max
# 2); the live name replaced by a symbolic link makes rotations fail (counted in
# procship_export_file_rotation_errors_total and logged), a reload refuses the link, the
# link's target (root's) is never written, and once the link is gone a reload resumes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
u=psit$$
add_test_user "$u"
as_user() { runuser -u "$u" -- "$@"; }
# $T's parents are root's alone: the user's directories live in one of their own
W=$(mktemp -d /tmp/procship-it-52.XXXXXX)
it_on_exit "rm -rf '$W'"
chmod 0711 "$W"
dir=$W/export
mkdir -m 0755 "$dir" "$W/metrics"
chown "$u:" "$dir" "$W/metrics"
secret=$T/root-secret
echo "root's own" >"$secret"
chmod 0600 "$secret"
sum=$(sha256sum <"$secret")
m=procship-it-$$-fsafe
common=(--user "$u" --export-filename "$dir/events.json" --export-allowlist "$(marker_filter "$m")")

# refused WHAT: procship exits 1 within 5 s, one message naming the export file and WHAT
refused()
{
	local what=$1 status=0 t0 ms
	t0=$(date +%s%N)
	timeout 20 "$PROCSHIP" "${common[@]}" >"$T/r.out" 2>"$T/r.err" || status=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$status" -eq 1 ] || { show_tail "$T/r.err"; fail "$what: exit status $status, want 1"; }
	grep -F -- "$dir/events.json" "$T/r.err" | grep -qF -- "$what" ||
		{ show_tail "$T/r.err"; fail "the error does not name $dir/events.json and '$what'"; }
	[ "$ms" -lt 5000 ] || fail "$what: refusing took $ms ms"
	[ ! -s "$T/r.out" ] || fail "$what: something written to standard output"
	info "refused in $ms ms: $(grep -F "$dir/events.json" "$T/r.err")"
}

as_user ln -s "$secret" "$dir/events.json"
refused "a symbolic link"
rm -f "$dir/events.json"
as_user mkfifo -m 0600 "$dir/events.json"
refused "FIFO"
as_user cat "$dir/events.json" >"$T/leak" &
reader=$!
sleep 0.3
refused "a FIFO, not a regular file"
wait "$reader" || true
[ ! -s "$T/leak" ] || fail "the FIFO's reader got $(wc -c <"$T/leak") bytes"
rm -f "$dir/events.json"
as_user install -m 0644 /dev/null "$dir/events.json"
refused "unsafe mode 0644"
chown nobody: "$dir/events.json"
chmod 0600 "$dir/events.json"
refused "owned by uid $(id -u nobody)"
rm -f "$dir/events.json"
chmod 0777 "$dir"
refused "writable by others"
chmod 0755 "$dir"
# the metrics file's directory: the same rule
chmod 0777 "$W/metrics"
status=0
timeout 20 "$PROCSHIP" --metrics-file "$W/metrics/procship.prom" >"$T/r.out" 2>"$T/r.err" ||
	status=$?
[ "$status" -eq 1 ] && grep -F -- "--metrics-file" "$T/r.err" | grep -qF "writable by others" ||
	{ show_tail "$T/r.err"; fail "a world-writable metrics directory: status $status"; }
chmod 0755 "$W/metrics"

# Running: planted future-dated names first, then ~2.5 MB of events at 1 MiB per file.
as_user sh -c "umask 077; echo planted >'$dir/events-2999-01-01T00-00-00.000.json'; \
	echo planted >'$dir/events-2999-01-01T00-00-00.001.json.gz'"
start_procship "${common[@]}" --export-file-max-size-mb 1 --export-file-max-backups 2 \
	--export-file-compress --metrics-file "$W/metrics/procship.prom" --metrics-interval 1
[ "$(stat -c %U "$dir/events.json")" = "$u" ] || fail "the export file is not owned by $u"
timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$m-a-$(printf 'y%.0s' {1..4000})" 300 4 40 >/dev/null ||
	fail "the exec driver failed"
exec_marked "$m-a-end"
wait_for "$dir/events.json" "$m-a-end" 10
# A rotation compresses and prunes after the file is renamed: while one is under way, a
# backup and its .gz (or one past the bound) exist for a moment. Count once it is done.
for ((i = 0; i < 100; i++)); do
	real=$(find "$dir" -name 'events-2[0-8]*' | wc -l)
	[ "$real" -gt 2 ] || break
	sleep 0.1
done
planted=$(find "$dir" -name 'events-2999-*' | wc -l)
info "backups: $real real, $planted planted: $(ls "$dir" | tr '\n' ' ')"
[ "$planted" -eq 2 ] || fail "planted backup names removed: $planted of 2 left"
[ "$real" -eq 2 ] || fail "$real real backups kept, want 2 (--export-file-max-backups 2)"

# The live name replaced by a link to root's file; a user racing links into the gap.
as_user mv "$dir/events.json" "$dir/moved.json"
as_user ln -s "$secret" "$dir/events.json"
timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$m-b-$(printf 'y%.0s' {1..4000})" 200 4 40 >/dev/null ||
	fail "the exec driver failed"
exec_marked "$m-b-end"
wait_for "$dir/moved.json" "$m-b-end" 10
wait_for "$PROCSHIP_LOG" 'export file: [0-9]+ rotations failed \(the name no longer holds' 5
procship_signal HUP "reload: reopen the export file $dir/events.json: a symbolic link, refused" 10
rm -f "$dir/events.json"
procship_signal HUP 'reload: configuration read again' 10
sleep 0.5
as_user sh -c "for i in \$(seq 1 3000); do ln -s '$secret' '$dir/events.json' 2>/dev/null; done" &
racer=$!
timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$m-c-$(printf 'y%.0s' {1..4000})" 150 4 40 >/dev/null ||
	fail "the exec driver failed"
wait "$racer" || true
procship_alive
sleep 1.5
errors=$(metric "$W/metrics/procship.prom" procship_export_file_rotation_errors_total)
[ "$errors" -ge 1 ] || fail "procship_export_file_rotation_errors_total is $errors"
stop_procship
[ "$(sha256sum <"$secret")" = "$sum" ] || fail "root's file $secret was written to"
[ "$(find "$dir" -name 'events-2999-*' | wc -l)" -eq 2 ] || fail "planted names removed"
grep -qF "$m-c-" "$dir"/*.json "$dir"/moved.json 2>/dev/null ||
	zgrep -qF "$m-c-" "$dir"/*.gz || fail "no event after the reload reached an export file"
check_own_log 'rotations failed|reload: reopen the export file'
