#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --input-stdin (issue 7): plain lines, syslog lines and pre-made JSON lines from standard input,
# text inputs alone. At the end of the input procship sends everything and exits 0: a real
# rsyslogd gets agent_init + one message per non-empty line, in order; the JSON lines arrive
# unchanged (compared byte for byte in a second run writing to standard output), plain lines
# are wrapped with "unparsed":true under a rulebase. Both a pipe and a regular file work as
# standard input.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_procship

n=500
tag=it$$
gen="$T/input.txt"
"$PYTHON" - "$gen" "$n" "$tag" <<'PY'
import json, sys
path, n, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "w") as f:
    for i in range(n):
        f.write("plain line %s %d with \"quotes\" and \\ backslash\n" % (tag, i))
        # pre-made events as another agent would write them (odd spacing kept as is)
        f.write(json.dumps({"process_exec": {"process": {"binary": "/bin/x", "arguments": "%s-%d" % (tag, i)}},
                            "node_name": "elsewhere", "n": i}, separators=(", ", ": ")) + "\n")
PY

RSYSLOG_IMUDP_OPTS='rcvbufSize="16m"'
start_rsyslogd
# run_stdin HOW ARGS...: procship reading $gen (HOW: pipe or file) in the foreground; its
# status must be 0 within 20 s.
run_stdin()
{
	local how=$1 status=0
	shift
	PROCSHIP_LOG=$T/procship.log
	PROCSHIP_STARTED=1
	printf -- '--- procship (stdin %s) %s\n' "$how" "$*" >>"$PROCSHIP_LOG"
	PROCSHIP_LOG_OFFSET=$(($(stat -c %s "$PROCSHIP_LOG") + 1))
	if [ "$how" = pipe ]; then
		cat "$gen" | timeout 20 "$PROCSHIP" --process-events=false --input-stdin "$@" \
			>"$T/stdout.$how" 2>>"$PROCSHIP_LOG" || status=$?
	else
		timeout 20 "$PROCSHIP" --process-events=false --input-stdin "$@" <"$gen" \
			>"$T/stdout.$how" 2>>"$PROCSHIP_LOG" || status=$?
	fi
	[ "$status" -eq 0 ] || { show_tail "$PROCSHIP_LOG"; fail "procship (stdin $how) exited with status $status, want 0"; }
	procship_run_log | grep -F "standard input ended" >/dev/null ||
		{ show_tail "$PROCSHIP_LOG"; fail "no 'standard input ended' line"; }
}

for how in pipe file; do
	: >"$RSYSLOG_OUT"
	run_stdin "$how" --udp-output-enabled --udp-output-address "127.0.0.1:$RSYSLOG_PORT" \
		--syslog-format rfc5424 --rulebase "$IT_TOP/conf/rulebases/sshd.rb"
	want=$((2 * n + 1))
	wait_lines "$RSYSLOG_OUT" "$want" 10
	wait_stable "$RSYSLOG_OUT" 2
	got=$(wc -l <"$RSYSLOG_OUT")
	[ "$got" -eq "$want" ] || fail "stdin $how: receiver got $got messages, want $want ($(udp_socket_drops "$RSYSLOG_PORT") dropped by the kernel at its socket)"
	assert_all_parsed "$RSYSLOG_OUT"
	[ "$(text_stat messages)" -eq $((2 * n)) ] || fail "stdin $how: summary counts $(text_stat messages) messages"
	[ "$(text_stat unparsed)" -eq "$n" ] || fail "stdin $how: summary counts $(text_stat unparsed) unparsed, want $n"
	"$PYTHON" - "$RSYSLOG_OUT" "$gen" <<'PY' || fail "stdin $how: the received messages differ from the input (see above)"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
want = [l.rstrip("\n") for l in open(sys.argv[2])]
assert got[0].get("event") == "agent_init", got[0]
bad = 0
for g, w in zip(got[1:], want):
    if w.startswith("{"):
        g.pop("received")
        if g != json.loads(w):
            bad += 1; print("JSON line changed:\n  sent %s\n  got  %s" % (w, g), file=sys.stderr)
    else:
        if g["syslog"].get("msg") != w or g.get("unparsed") is not True:
            bad += 1; print("plain line: sent %r\n  got %s" % (w, g), file=sys.stderr)
    if bad > 3:
        break
sys.exit(1 if bad else 0)
PY
done

# to standard output: the JSON lines byte for byte (the text lines as documents)
run_stdin file --text-format json
"$PYTHON" - "$T/stdout.file" "$gen" <<'PY' || fail "stdout: JSON lines not passed through unchanged (see above)"
import json, sys
out = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
inp = open(sys.argv[2], "rb").read().split(b"\n")[:-1]
if len(out) != len(inp):
    sys.exit(print("%d lines out, %d in" % (len(out), len(inp)), file=sys.stderr) or 1)
for o, i in zip(out, inp):
    if i.startswith(b"{") and o != i:
        sys.exit(print("changed:\n  in  %r\n  out %r" % (i, o), file=sys.stderr) or 1)
    json.loads(o)
PY

# /dev/null as standard input (as under systemd's StandardInput=null): at once at its end
status=0
timeout 10 "$PROCSHIP" --process-events=false --input-stdin </dev/null >"$T/null.out" \
	2>>"$PROCSHIP_LOG" || status=$?
[ "$status" -eq 0 ] || { show_tail "$PROCSHIP_LOG" 3; fail "--input-stdin </dev/null: exit status $status, want 0"; }
check_own_log
