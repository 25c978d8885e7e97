#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Faults (issue 9): the export file's disk is full (a 64 KiB tmpfs mounted on a directory of
# the scenario, nearly filled): procship keeps running, the lost events are counted
# (procship_events_dropped_total{reason="export_file"}) and logged, the file holds only whole
# JSON lines, and once space is freed new events are written again; lines written + dropped
# == events exported.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-full
dir=$T/full
mkdir -p "$dir"
mount -t tmpfs -o size=64k,mode=0700 procship-it "$dir" || fail "cannot mount a tmpfs on $dir"
it_on_exit "umount -l '$dir'"
head -c 40000 /dev/zero >"$dir/filler"
mf=$T/metrics.prom
start_procship --export-filename "$dir/events.json" --export-allowlist "$(marker_filter "$m")" \
	--metrics-file "$mf" --metrics-interval 1
timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$m-a" 100 2 30 >/dev/null || fail "the exec driver failed"
for ((i = 0; i < 30; i++)); do
	[ "$(metric "$mf" 'procship_events_dropped_total{reason="export_file"}')" -gt 0 ] && break
	sleep 0.1
done
lost=$(metric "$mf" 'procship_events_dropped_total{reason="export_file"}')
[ "$lost" -gt 0 ] || fail "no event counted as lost with the disk full"
procship_alive
rm -f "$dir/filler"
timeout 60 "$PYTHON" "$IT_HELPERS/storm.py" "$m-b" 20 2 30 >/dev/null || fail "the exec driver failed"
for ((i = 0; i < 50; i++)); do
	grep -F "\"$m-b-19\"" "$dir/events.json" 2>/dev/null | grep -q process_exit && break
	sleep 0.1
done
procship_alive
stop_procship
all_json "$dir/events.json"
[ "$(tail -c 1 "$dir/events.json" | od -An -c | tr -d ' ')" = '\n' ] || fail "the export file ends with a partial line"
lines=$(wc -l <"$dir/events.json")
dropped=$(metric "$mf" 'procship_events_dropped_total{reason="export_file"}')
exported=$(procship_stat handed)
after=$(grep -c "\"$m-b-" "$dir/events.json" || true)
info "export file: $lines lines, $dropped dropped, $exported exported; $after lines after space was freed"
[ "$after" -eq 40 ] || fail "$after of the 40 events after space was freed were written"
[ $((lines + dropped)) -eq "$exported" ] || fail "lines $lines + dropped $dropped != exported $exported"
procship_run_log | grep -E "warning: export file: .*No space left on device" >/dev/null ||
	{ show_tail "$PROCSHIP_LOG"; fail "the write errors are not logged"; }
check_own_log 'warning: export file: .*No space left on device'
