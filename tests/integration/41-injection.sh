#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Injection and escaping (issue 9): a binary whose path holds a newline, a fake "<13>" header,
# "]", '"', "\", "@cee:" and an invalid byte, run with arguments holding the same plus invalid
# UTF-8 and an RFC 5424 structured-data lookalike, a 100 KB argument, and log lines with NUL
# bytes, invalid UTF-8, a forged header and a 100 KB text, in each format (json, rfc3164,
# rfc5424). A bare UDP sink sees exactly one datagram per event, none holding a newline or a
# NUL, each one header of the format (RFC 5424: no SD but procship's [meta] and [origin],
# fields within their grammar) and one JSON object after it; a real rsyslogd gets exactly as
# many messages, all parsed as JSON, with the original text (U+FFFD for invalid bytes).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

m=procship-it-$$-inj
sock=$T/log.sock
# the evil binary: a copy of /usr/bin/true
evil=$("$PYTHON" - "$T" <<'PY'
import os, shutil, sys
p = os.fsencode(sys.argv[1]) + b"/ev\n<13>Nov 1 x y: ]\"\\@cee:\xff"
shutil.copy("/usr/bin/true", p)
os.chmod(p, 0o755)
print(sys.argv[1] + "/ev\\n<13>Nov 1 x y: ]\"\\\\@cee:\\xff")
PY
)
info "evil binary: $evil"
cat >"$T/drive.py" <<'PY'
import os, socket, sys
t, sock = sys.argv[1], sys.argv[2]
m = os.environ["IT_MARK"]  # not in the driver's own arguments
evil = os.fsencode(t) + b"/ev\n<13>Nov 1 x y: ]\"\\@cee:\xff"
args = [b"true", m.encode() + b" line1\nline2 <13>Nov 23 10:00:00 forged x: y",
        b"]\"\\ @cee:{\"a\":1}", b"bad\xff\xfeutf\xc3(", b"[x@1 a=\"]\"]"]
pid = os.posix_spawn(evil, args, {})
os.waitpid(pid, 0)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 32, 4 << 20)
mb = m.encode()
s.sendto(b'<13>1 2026-11-23T10:00:00Z h1 app"x] 12 ID] [a@1 k="v\\"\\]x"] ' + mb +
         b' ] " \\ @cee:{"b":2} <13>Nov 1 x: y\nsecond <14>line', sock)
s.sendto(b"<14>Nov 23 10:00:00 tag[1]: " + mb + b" nul\0after bad\xff\xfe utf \xc3( end", sock)
s.sendto(b"<14>Nov 23 10:00:00 big[2]: " + mb + b" " + b"T" * 100000, sock)
pid = os.posix_spawn("/usr/bin/true", [b"true", mb + b"-big", b"B" * 100000], {})
os.waitpid(pid, 0)
PY

# one run: run_format FORMAT PORT; 4 process events + 3 text messages + agent_init = 8
per_run=8
run_format()
{
	start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$2" --syslog-format "$1" \
		--text-format json --input-unix-pid-from-system=false --input-unix "$sock" \
		--export-allowlist '{"arguments_regex":["^\\W{0,2}'"$m"'"]}'
	IT_MARK=$m "$PYTHON" "$T/drive.py" "$T" "$sock" || fail "the driver failed"
}

# ---- raw datagrams at a bare sink
start_udp_sink
for fmt in json rfc3164 rfc5424; do
	before=$( [ -e "$SINK_OUT" ] && wc -l <"$SINK_OUT" || echo 0)
	run_format "$fmt" "$SINK_PORT"
	for ((i = 0; i < 50; i++)); do
		[ "$(wc -l <"$SINK_OUT")" -ge $((before + per_run)) ] && break
		[ -e "$SINK_OUT.bad" ] && break
		sleep 0.1
	done
	sleep 0.3
	stop_procship
	[ ! -e "$SINK_OUT.bad" ] || fail "$fmt: $(cat "$SINK_OUT.bad") datagrams held a raw newline"
	got=$(( $(wc -l <"$SINK_OUT") - before ))
	[ "$got" -eq "$per_run" ] || { tail -c 3000 "$SINK_OUT" >&2; fail "$fmt: the sink got $got datagrams, want $per_run"; }
	tail -n "$per_run" "$SINK_OUT" >"$T/raw.$fmt"
	"$PYTHON" - "$fmt" "$T/raw.$fmt" <<'PY' || fail "$fmt: a datagram is not one header + one JSON object (see above)"
import json, re, sys
fmt, path = sys.argv[1], sys.argv[2]
PRINT = rb"[\x21-\x7e]"
hdr = {
    "json": re.compile(rb""),
    "rfc3164": re.compile(rb"<\d{1,3}>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d [\x21-\x7e]{1,255} [\x21-\x7e]{1,48}: "),
    "rfc5424": re.compile(rb"<\d{1,3}>1 \S+ (" + PRINT + rb"{1,255}) (" + PRINT + rb"{1,48}) (" + PRINT +
                          rb"{1,128}) (" + PRINT + rb"{1,32}) (-|(\[[^\]\\\"]*(\"([^\"\\\]]|\\[\"\\\]])*\"[^\]\\\"]*)*\])+) "),
}[fmt]
bad = 0
for n, raw in enumerate(open(path, "rb").read().split(b"\n")[:-1], 1):
    why = None
    if b"\0" in raw:
        why = "a NUL byte"
    m = hdr.match(raw)
    if why is None and not m:
        why = "no %s header" % fmt
    if why is None:
        body = raw[m.end():]
        try:
            obj, end = json.JSONDecoder().raw_decode(body.decode("utf-8"))
            if end != len(body.decode("utf-8")):
                why = "text after the JSON object"
            elif not isinstance(obj, dict):
                why = "not a JSON object"
        except (ValueError, UnicodeDecodeError) as e:
            why = "payload: %s" % e
        if why is None and fmt == "rfc5424" and not re.fullmatch(
                rb'\[meta sequenceId="\d+" sysUpTime="\d+"\](\[origin software="procship" swVersion="[^"\\\]]*"\])?',
                m.group(5)):
            why = "structured data %r (procship writes [meta] and [origin] only)" % m.group(5)[:80]
        if why is None and raw.count(b"<13>") and fmt == "rfc3164" and raw.index(b"<13>") < m.end() - 1 and not raw.startswith(b"<13>"):
            why = "a second header"
    if why:
        bad += 1
        print("%s datagram %d: %s: %r" % (fmt, n, why, raw[:300]), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
done
check_own_log

# ---- the same through a real rsyslogd
stop_udp_sink
start_rsyslogd
for fmt in json rfc3164 rfc5424; do
	: >"$RSYSLOG_OUT"
	run_format "$fmt" "$RSYSLOG_PORT"
	wait_for_json "$RSYSLOG_OUT" '"process_exit" in j and P["arguments"].startswith(m + "-big ")' 10 m="$m" >/dev/null
	wait_lines "$RSYSLOG_OUT" "$per_run" 5
	stop_procship
	wait_stable "$RSYSLOG_OUT" 2
	got=$(wc -l <"$RSYSLOG_OUT")
	[ "$got" -eq "$per_run" ] || { cut -c1-300 "$RSYSLOG_OUT" >&2; fail "$fmt: rsyslogd got $got messages, want $per_run"; }
	assert_all_parsed "$RSYSLOG_OUT"
	all_utf8 "$RSYSLOG_OUT"
	for kind in process_exec process_exit; do
		ev=$(wait_for_json "$RSYSLOG_OUT" 'k in j and P["binary"].startswith(t + "/ev")' 2 k="$kind" t="$T")
		assert_json "$ev" 'P["binary"] == t + "/ev\n<13>Nov 1 x y: ]\"\\@cee:\ufffd"' t="$T"
		assert_json "$ev" '(m + " line1\nline2 <13>Nov 23 10:00:00 forged x: y") in P["arguments"]' m="$m"
		assert_json "$ev" '"]\"\\ @cee:{\"a\":1}" in P["arguments"]'
		assert_json "$ev" '"bad\ufffdutf\ufffd(" in P["arguments"]'
		assert_json "$ev" '"[x@1 a=\"]\"]" in P["arguments"]'
		[ "$fmt" = json ] || assert_header "$ev" app_name procship msgid "$( [ "$fmt" = rfc5424 ] && echo "$kind" || echo -)"
		ev=$(wait_for_json "$RSYSLOG_OUT" 'k in j and P["arguments"].startswith(m + "-big ")' 2 k="$kind" m="$m")
		assert_json "$ev" '"truncArgs" in P["flags"] and set(P["arguments"][len(m) + 5:]) <= {"B", " "}' m="$m"
	done
	ev=$(wait_for_json "$RSYSLOG_OUT" '(m + " ] \" \\ @cee:{\"b\":2} <13>Nov 1 x: y\nsecond <14>line") == get(j, "syslog.msg")' 2 m="$m")
	[ "$fmt" = json ] || assert_header "$ev" procid 12
	ev=$(wait_for_json "$RSYSLOG_OUT" 'get(j, "syslog.msg") == m + " nul\ufffdafter bad\ufffd\ufffd utf \ufffd( end"' 2 m="$m")
	assert_json "$ev" 'j["replaced"] is True'
	ev=$(wait_for_json "$RSYSLOG_OUT" 'get(j, "syslog.msg", ).startswith(m + " TTTT")' 2 m="$m")
	assert_json "$ev" 'j["truncated"] is True and set(j["syslog"]["msg"][len(m) + 1:]) == {"T"}' m="$m"
done
check_own_log
