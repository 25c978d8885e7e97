#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Hostile and broken text input (issue 7, Robustness), text inputs only (--process-events=false):
# through --input-unix, a 100 KB message (shipped cut to --max-message-size with
# "truncated":true), NUL bytes and invalid UTF-8 (U+FFFD, "replaced":true), a truncated PRI
# "<13" and an out-of-range "<999>" (kept whole, user.notice, "bad_pri":true), empty datagrams
# (counted as dropped, empty) and a blocking burst of 2000 messages: procship keeps running, and
# every datagram sent is either received by rsyslogd or counted. A 100 KB line on standard input
# is cut and flagged too. The socket's life: a stale socket file is replaced, a socket another
# process listens on is refused (exit 1, a message naming it, the other listener unharmed), a
# regular file is refused and left alone, and the socket is removed at exit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

sock=$T/log.sock
tag=it$$
RSYSLOG_IMUDP_OPTS='rcvbufSize="16m"'
start_rsyslogd

# ---- a stale socket file (its listener is gone) is replaced
"$PYTHON" -c 'import os, socket, sys
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])
os.chmod(sys.argv[1], 0o700)' "$sock"
[ -S "$sock" ] && [ "$(stat -c %a "$sock")" = 700 ] || fail "could not create a stale socket at $sock"
start_procship --process-events=false --udp-output-enabled --input-unix-pid-from-system=false \
	--udp-output-address "127.0.0.1:$RSYSLOG_PORT" --input-unix "$sock" \
	--rulebase "$IT_TOP/conf/rulebases/sshd.rb"
# procship's socket has mode 0666 (the inode number may be reused)
[ -S "$sock" ] && [ "$(stat -c %a "$sock")" = 666 ] || fail "the stale socket $sock was not replaced (mode $(stat -c %a "$sock"))"

# ---- hostile messages, then a burst; the sender prints how many datagrams it sent
"$PYTHON" - "$sock" "$tag" >"$T/sent.txt" <<'PY' || fail "the sender failed"
import socket, sys
path, tag = sys.argv[1], sys.argv[2].encode()
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 32, 4 << 20)  # SO_SNDBUFFORCE: a 100 KB datagram must fit
msgs = [
    b"<14>Nov 23 10:00:00 big[1]: " + tag + b" " + b"A" * 100000,
    b"<14>Nov 23 10:00:00 nul[2]: " + tag + b" before\0after\0\0end",
    b"<14>Nov 23 10:00:00 utf[3]: " + tag + b" bad \xff\xfe and cut \xc3( end",
    b"<13",
    b"<999>" + tag + b" pri out of range",
    b"",
    b"",
    b"<13>Nov 23 10:00:00 ok[4]: " + tag + b" still fine",
]
for m in msgs:
    s.sendto(m, path)
for i in range(2000):  # blocking: a full queue makes the sender wait, nothing is lost here
    s.sendto(b"<13>Nov 23 10:00:00 burst[5]: " + tag + b" burst %d" % i, path)
print(len(msgs) + 2000)
PY
sent=$(cat "$T/sent.txt")
procship_alive
want=$((sent - 2 + 1)) # without the two empty datagrams, with agent_init
wait_lines "$RSYSLOG_OUT" "$want" 15
wait_stable "$RSYSLOG_OUT" 2
procship_alive
assert_all_parsed "$RSYSLOG_OUT"
all_utf8 "$RSYSLOG_OUT"

ev=$(wait_for_json "$RSYSLOG_OUT" 'get(j, "syslog.app_name") == "big"' 5)
assert_json "$ev" 'j["truncated"] is True'
assert_json "$ev" 'j["syslog"]["msg"].startswith(t + " AAAA") and set(j["syslog"]["msg"][len(t) + 1:]) == {"A"}' t="$tag"
assert_json "$ev" 'len(j["syslog"]["msg"]) < 8192'
n=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$RSYSLOG_OUT")
info "longest line at the receiver: $n bytes"
ev=$(wait_for_json "$RSYSLOG_OUT" 'get(j, "syslog.app_name") == "nul"' 5)
assert_json "$ev" 'j["replaced"] is True'
assert_json "$ev" 'j["syslog"]["msg"] == t + " before\ufffdafter\ufffd\ufffdend"' t="$tag"
ev=$(wait_for_json "$RSYSLOG_OUT" 'get(j, "syslog.app_name") == "utf"' 5)
assert_json "$ev" 'j["replaced"] is True'
assert_json "$ev" 'j["syslog"]["msg"].startswith(t + " bad \ufffd") and j["syslog"]["msg"].endswith("( end")' t="$tag"
assert_json "$ev" '"\ufffd" in j["syslog"]["msg"][len(t) + 6:]' t="$tag"
ev=$(wait_for_json "$RSYSLOG_OUT" 'get(j, "syslog.msg") == "<13"' 5)
assert_json "$ev" 'j["bad_pri"] is True'
assert_header "$ev" facility user severity notice
ev=$(wait_for_json "$RSYSLOG_OUT" 'get(j, "syslog.msg") == m' 5 m="<999>$tag pri out of range")
assert_json "$ev" 'j["bad_pri"] is True'
assert_header "$ev" facility user severity notice
ev=$(wait_for_json "$RSYSLOG_OUT" 'get(j, "syslog.msg") == m' 5 m="$tag still fine")
assert_header "$ev" app_name ok procid 4
n=$(json_count "$RSYSLOG_OUT" 'get(j, "syslog.app_name") == "burst"')
[ "$n" -eq 2000 ] || fail "$n of the 2000 burst messages arrived"

stop_procship
[ ! -e "$sock" ] || fail "$sock still exists after procship exited"
got=$(wc -l <"$RSYSLOG_OUT")
messages=$(text_stat messages)
dropped=$(text_stat dropped)
empty=$(text_stat empty)
info "sent $sent datagrams; procship: $messages messages, $dropped dropped ($empty empty); receiver: $got lines"
[ "$empty" -eq 2 ] || fail "summary counts $empty empty messages, want 2"
[ "$((messages + dropped))" -eq "$sent" ] || fail "messages $messages + dropped $dropped != $sent sent"
[ "$got" -eq $((messages + 1)) ] || fail "receiver got $got, want $messages messages + agent_init"
[ "$(text_stat truncated)" -ge 1 ] || fail "the 100 KB message is not counted as truncated"
check_own_log

# ---- a 100 KB line on standard input is cut and flagged; the next line is whole
"$PYTHON" -c 'import sys; sys.stdout.write("x" * 100000 + "\nnext line\n")' >"$T/long.txt"
status=0
timeout 20 "$PROCSHIP" --process-events=false --input-stdin --text-format json <"$T/long.txt" >"$T/long.out" \
	2>>"$PROCSHIP_LOG" || status=$?
[ "$status" -eq 0 ] || fail "procship --input-stdin exited with $status on a 100 KB line"
[ "$(wc -l <"$T/long.out")" -eq 2 ] || fail "a 100 KB line and a short one gave $(wc -l <"$T/long.out") lines"
assert_json "$(sed -n 1p "$T/long.out")" 'j["truncated"] is True and set(j["syslog"]["msg"]) == {"x"}'
assert_json "$(sed -n 2p "$T/long.out")" 'j["syslog"]["msg"] == "next line" and "truncated" not in j'

# ---- a socket another process listens on is refused, and left working
"$PYTHON" - "$sock" "$T/listener.out" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(8)
open(sys.argv[2] + ".ready", "w").close()
try:
    open(sys.argv[2], "wb").write(s.recv(1000))
except socket.timeout:
    pass
PY
lpid=$!
it_on_exit "kill $lpid 2>/dev/null"
for ((i = 0; i < 50; i++)); do [ -e "$T/listener.out.ready" ] && break; sleep 0.1; done
status=0
timeout 10 "$PROCSHIP" --process-events=false --input-unix "$sock" >/dev/null 2>"$T/inuse.err" || status=$?
[ "$status" -eq 1 ] || { cat "$T/inuse.err" >&2; fail "a socket in use: exit status $status, want 1"; }
grep -F "$sock" "$T/inuse.err" | grep -i "in use" >/dev/null ||
	{ cat "$T/inuse.err" >&2; fail "a socket in use: no message naming $sock and 'in use'"; }
logger -u "$sock" "still mine"
for ((i = 0; i < 50; i++)); do [ -s "$T/listener.out" ] && break; sleep 0.1; done
grep -F "still mine" "$T/listener.out" >/dev/null || fail "the other listener lost its socket"
wait "$lpid" || true

# ---- a regular file is refused and kept
rm -f "$sock"
echo precious >"$T/regular"
status=0
timeout 10 "$PROCSHIP" --process-events=false --input-unix "$T/regular" >/dev/null 2>"$T/regular.err" || status=$?
[ "$status" -eq 1 ] || { cat "$T/regular.err" >&2; fail "a regular file as --input-unix: exit status $status, want 1"; }
grep -F "$T/regular" "$T/regular.err" >/dev/null || { cat "$T/regular.err" >&2; fail "no message naming $T/regular"; }
[ "$(cat "$T/regular")" = precious ] || fail "procship changed or removed the regular file $T/regular"
