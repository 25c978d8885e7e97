#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A bounded flood on the input socket during an exec storm (issue 16): IT_FLOOD_WRITERS (4)
# blocking writers, as syslog(3) writes, send up to IT_FLOOD_COUNT (20000) messages each (at
# most 30 s) to --input-unix while IT_STORM_COUNT (3000) execs run. Every exec of the storm
# arrives (or is counted as a ring-buffer drop), every message a writer managed to write is
# received or counted as dropped with a reason (procship's text and UDP counters, the
# receiver's socket), and the longest time one write blocked is reported and stays under
# IT_FLOOD_MAX_BLOCK_MS (2000: a turn of the loop, not a stall).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

writers=${IT_FLOOD_WRITERS:-4}
count=${IT_FLOOD_COUNT:-20000}
storm=${IT_STORM_COUNT:-3000}
bound=${IT_FLOOD_MAX_BLOCK_MS:-2000}
mk=procship-it-$$-flood
sock=$T/log.sock
start_counter sink
start_procship --udp-output-enabled --udp-output-address "127.0.0.1:${CNT_PORT[sink]}" \
	--udp-buffer-size 4194304 --input-unix "$sock" \
	--export-allowlist '{"arguments_regex":["^'"$mk"'"]}'

timeout 120 "$PYTHON" "$IT_HELPERS/storm.py" "$mk-exec" "$storm" 4 90 >"$T/storm.out" & sp=$!
timeout 60 "$PYTHON" "$IT_HELPERS/flood.py" "$sock" "$mk-text" "$writers" "$count" 30 >"$T/flood.out" & fp=$!
wait "$fp" || { cat "$T/flood.out" >&2; fail "the flood driver failed"; }
wait "$sp" || { cat "$T/storm.out" >&2; fail "the storm driver failed"; }
info "storm: $(cat "$T/storm.out"); flood: $(cat "$T/flood.out")"
sent=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$T/flood.out")
maxb=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["max_block_ms"])' "$T/flood.out")
# a last exec, then the receiver has it all once its exit arrives
for ((i = 1; i <= 20; i++)); do
	/usr/bin/true "$mk-end-$i"
	sleep 0.25
	grep -q -F "$mk-end-$i" "${CNT_OUT[sink]}" 2>/dev/null && break
done
sleep 0.5
stop_procship
stop_counter sink

execs=$(grep -F '"process_exec"' "${CNT_OUT[sink]}" | grep -c -F "\"$mk-exec-" || true)
texts=$(grep -c -F "flood[" "${CNT_OUT[sink]}" || true)
rb=$(procship_drops exec ringbuf_full)
tdrop=$(text_stat dropped)
udrop=$(procship_stat dropped)
kdrop=$(counter_kdrops sink)
info "execs: $execs of $storm arrived ($rb ring-buffer drops); text: $texts of $sent arrived, \
procship dropped $tdrop (parser) + $udrop (udp), the receiver's socket $kdrop; longest write \
blocked ${maxb} ms"
[ $((execs + rb)) -ge "$storm" ] || fail "$execs of $storm execs arrived and only $rb drops counted"
[ "$execs" -eq "$storm" ] || fail "$((storm - execs)) execs lost to the flood (counted as ringbuf_full)"
[ $((texts + tdrop + udrop + kdrop)) -eq "$sent" ] ||
	fail "$sent written, $texts received + $tdrop + $udrop + $kdrop counted: some lost unseen"
[ "$texts" -ge $((sent * 9 / 10)) ] || fail "only $texts of $sent flood messages arrived"
"$PYTHON" -c 'import sys; sys.exit(float(sys.argv[1]) > float(sys.argv[2]))' "$maxb" "$bound" ||
	fail "a writer was blocked for $maxb ms, more than $bound ms"
check_own_log
