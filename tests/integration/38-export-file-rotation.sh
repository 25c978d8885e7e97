#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --export-filename with rotation (issue 6): --export-file-max-size-mb 1
# --export-file-max-backups 2 --export-file-compress, and about 3.5 MB of events (400 execs
# with 4 KB arguments, only ours pass the allowlist). The file has mode 0600 and JSON lines; it
# is rotated to NAME-TIMESTAMP.json.gz, at most 2 backups are kept, every file stays within
# 1 MiB, each backup decompresses to whole JSON lines, the lines of the kept files are the
# newest events without a gap or a duplicate, and procship_export_file_rotations_total counts
# the rotations.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

count=400
m=procship-it-$$-rot
long=$m-$(printf 'x%.0s' {1..4000})
dir=$T/export
mkdir -p "$dir"
start_procship --export-filename "$dir/events.json" --export-file-max-size-mb 1 \
	--export-file-max-backups 2 --export-file-compress --export-allowlist "$(marker_filter "$m")" \
	--metrics-file "$T/metrics.prom"
mode=$(stat -c %a "$dir/events.json")
[ "$mode" = 600 ] || fail "export file mode $mode, want 600"
timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$long" "$count" 4 30 >"$T/storm.out" ||
	{ cat "$T/storm.out" >&2; fail "the exec driver failed"; }
# the exit of the last process is in the file (or in a backup)
for ((i = 0; i < 50; i++)); do
	grep -qF "\"$long-$((count - 1))\"" "$dir/events.json" 2>/dev/null && grep -F "$long-$((count - 1))\"" "$dir/events.json" | grep -q process_exit && break
	sleep 0.1
done
stop_procship
[ -s "$PROCSHIP_OUT" ] && fail "something written to standard output with --export-filename"
ls -l "$dir" >&2
rotations=$(metric "$T/metrics.prom" procship_export_file_rotations_total)
"$PYTHON" - "$dir" "$long" "$count" "$rotations" <<'PY' || fail "rotation check failed (see above)"
import gzip, json, os, re, sys
d, prefix, count, rotations = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
names = sorted(os.listdir(d))
backups = [n for n in names if n != "events.json"]
ok = True
def bad(msg):
    global ok
    ok = False
    print(msg, file=sys.stderr)
pat = re.compile(r"events-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.json\.gz")
for n in backups:
    if not pat.fullmatch(n):
        bad("unexpected file %s (want events-YYYY-MM-DDTHH-MM-SS.mmm.json.gz)" % n)
if len(backups) != 2:
    bad("%d backups kept, want 2 (--export-file-max-backups 2): %s" % (len(backups), backups))
if rotations < 3:
    bad("procship_export_file_rotations_total %d, want >= 3 for ~3.5 MB at 1 MiB" % rotations)
seen = []
for n in backups + ["events.json"]:   # timestamps sort oldest first
    p = os.path.join(d, n)
    raw = gzip.open(p).read() if n.endswith(".gz") else open(p, "rb").read()
    if len(raw) > 1 << 20:
        bad("%s holds %d bytes, more than 1 MiB" % (n, len(raw)))
    if raw and not raw.endswith(b"\n"):
        bad("%s does not end with a whole line" % n)
    for line in raw.split(b"\n")[:-1]:
        j = json.loads(line)
        kind = "process_exec" if "process_exec" in j else "process_exit"
        i = int(j[kind]["process"]["arguments"].rsplit("-", 1)[1])
        seen.append((i, kind))
# the kept files hold the newest events: every exec and exit from some index on, once each
execs = sorted(i for i, k in seen if k == "process_exec")
exits = sorted(i for i, k in seen if k == "process_exit")
if len(set(execs)) != len(execs) or len(set(exits)) != len(exits):
    bad("duplicated events in the export files")
if not execs or execs[-1] != count - 1 or not exits or exits[-1] != count - 1:
    bad("the newest events are missing (last exec %s, last exit %s)" % (execs[-1:], exits[-1:]))
# The driver runs 4 processes at a time, so execs are at most 4 places out of order; an exit
# can come much later than its exec (a slow process, more so under ASan), so exits alone say
# nothing about where the kept files start: count from the oldest kept exec.
lo = execs[0] + 4
if [i for i in range(lo, count) if i not in set(execs) or i not in set(exits)]:
    bad("a gap in the kept events from %d on" % lo)
print("%d lines in %d files, rotations %d" % (len(seen), len(backups) + 1, rotations), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
check_own_log
