#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# it-exclusive: raises net.unix.max_dgram_qlen for a while, which every unix datagram socket sees
# What a local user can do to procship through --input-unix (issue 20 item 9, issue 16):
# - maximal RFC 5424 header fields (48-byte APP-NAME, 128-byte PROCID, 32-byte MSGID) and a
#   long MSG in --text-format json at --max-message-size 1024 and 2048: every datagram stays
#   within the limit and the JSON after the header still parses (the payload is budgeted from
#   the header actually sent);
# - one noisy process under --input-ratelimit-interval/--input-ratelimit-burst: a quiet one
#   loses nothing, the noisy one gets its burst, a "begins to drop" and a "lost N" notice from
#   procship, and the drops are counted;
# - --input-unix-queue: with procship stopped (SIGSTOP), a non-blocking writer (with a send
#   buffer large enough not to be the limit) gets the queue asked for before EAGAIN, all of it
#   arrives after SIGCONT, and the sysctl is put back.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay.inc"

mk=hst$$
sock=$T/log.sock
start_udp_sink
# ---- long header fields, JSON documents
send_long()
{
	"$PYTHON" - "$sock" "$mk" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
app, procid, msgid = b"A" * 48, b"P" * 128, b"M" * 32
msg = (sys.argv[2] + ' "quoted" \\ ' + "x" * 3000).encode()
s.sendto(b"<13>1 2026-01-01T00:00:00Z h " + app + b" " + procid + b" " + msgid + b" - " + msg, sys.argv[1])
s.sendto(b"<13>Jan  1 00:00:00 " + b"T" * 40 + b"[" + procid + b"]: " + msg, sys.argv[1])
PY
}
for size in 1024 2048; do
	for fmt in rfc5424 rfc3164; do
		before=$(wc -l <"$SINK_OUT" 2>/dev/null || echo 0)
		start_procship --process-events=false --udp-output-enabled --udp-output-address \
			"127.0.0.1:$SINK_PORT" --syslog-format "$fmt" --max-message-size "$size" \
			--text-format json --input-unix-pid-from-system=false --input-unix "$sock"
		send_long
		for ((i = 0; i < 50; i++)); do
			[ "$(grep -c -F "$mk" "$SINK_OUT" 2>/dev/null || true)" -ge $((before + 2)) ] && break
			sleep 0.1
		done
		stop_procship
		tail -n +"$((before + 1))" "$SINK_OUT" | grep -F "$mk" >"$T/long.$fmt.$size"
		"$PYTHON" - "$T/long.$fmt.$size" "$size" "$mk" <<'PY' || fail "$fmt at $size: a cut or invalid document"
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
if len(lines) != 2:
    sys.exit(print("%d messages, want 2" % len(lines), file=sys.stderr) or 1)
for l in lines:
    if len(l) > int(sys.argv[2]):
        sys.exit(print("%d bytes > %s" % (len(l), sys.argv[2]), file=sys.stderr) or 1)
    doc = json.loads(l[l.index(b"{"):])
    assert doc["truncated"] is True and doc["syslog"]["msg"].startswith(sys.argv[3]), doc
PY
	done
done
[ ! -e "$SINK_OUT.bad" ] || fail "a datagram held a raw newline"

# ---- rate limit per process
relay_central central
start_procship --process-events=false --udp-output-enabled --udp-output-address "127.0.0.1:$CENTRAL_PORT" \
	--input-unix "$sock" --input-ratelimit-interval 2 --input-ratelimit-burst 50
"$PYTHON" - "$sock" "$mk" >"$T/pids" <<'PY'
import os, socket, sys, time
def send(n, who):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.connect(sys.argv[1])
    for i in range(n):
        s.send(b"<14>Jan  1 00:00:00 %s: %s %d" % (who, sys.argv[2].encode(), i))
pid = os.fork()
if pid == 0:
    send(500, b"noisy")
    os._exit(0)
os.waitpid(pid, 0)
print(pid)
send(10, b"quiet")
print(os.getpid())
PY
noisy=$(sed -n 1p "$T/pids") quiet=$(sed -n 2p "$T/pids")
wait_for "$CENTRAL_LOG/syslog" "procship\[[0-9]+\]: 450 messages from pid $noisy lost due to rate-limiting" 10
stop_procship
n=$(grep -c "quiet\[$quiet\]: $mk" "$CENTRAL_LOG/syslog" || true)
[ "$n" -eq 10 ] || fail "the quiet process got $n of its 10 messages through"
n=$(grep -c "noisy\[$noisy\]: $mk" "$CENTRAL_LOG/syslog" || true)
[ "$n" -eq 50 ] || fail "the noisy process got $n messages through, want its burst of 50"
grep -q "procship\[[0-9]*\]: begins to drop messages from pid $noisy due to rate-limiting" "$CENTRAL_LOG/syslog" ||
	fail "no 'begins to drop' notice"
[ "$(relay_counter pipeline.text_ratelimited)" -eq 450 ] || fail "text_ratelimited is $(relay_counter pipeline.text_ratelimited), want 450"

# ---- the queue asked for, with procship stopped
qlen=$(cat /proc/sys/net/unix/max_dgram_qlen)
start_procship --process-events=false --udp-output-enabled --udp-output-address "127.0.0.1:$CENTRAL_PORT" \
	--input-unix "$sock" --input-unix-queue 1000
[ "$(cat /proc/sys/net/unix/max_dgram_qlen)" = "$qlen" ] || fail "net.unix.max_dgram_qlen not put back"
procship_run_log | grep -F "(queue of 1000 datagrams)" >/dev/null || fail "the queue got is not logged"
kill -STOP "$PROCSHIP_PID"
got=$("$PYTHON" - "$sock" "$mk" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(sys.argv[1])
# a writer's own send buffer bounds what it alone can queue (about 278 small datagrams with
# the default one): a big one, so that the socket's queue is what is measured
s.setsockopt(socket.SOL_SOCKET, 32, 4 << 20)  # SO_SNDBUFFORCE
s.setblocking(False)
n = 0
try:
    while n < 5000:
        s.send(b"<14>Jan  1 00:00:00 queued: %s %d" % (sys.argv[2].encode(), n))
        n += 1
except BlockingIOError:
    pass
print(n)
PY
)
kill -CONT "$PROCSHIP_PID"
info "with procship stopped, $got datagrams queued before EAGAIN (system default $qlen)"
[ "$got" -ge 1000 ] && [ "$got" -lt 5000 ] || fail "$got datagrams queued, want the 1000 asked for"
wait_for "$CENTRAL_LOG/syslog" "queued\[[0-9]+\]: $mk $((got - 1))$" 10
stop_procship
n=$(grep -c "queued\[[0-9]*\]: $mk" "$CENTRAL_LOG/syslog" || true)
[ "$n" -eq "$got" ] || fail "$n of the $got queued datagrams arrived"
check_own_log "input: (begins to drop messages|450 messages) from pid $noisy"
