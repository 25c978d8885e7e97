#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# contrib/nxlog/procship.conf cannot run here (nxlog is not in Debian 12): what it relies on is
# checked instead, with an independent parser, Wireshark's syslog dissector (tshark). Every
# datagram procship sends is one message; RFC 5424 has PRI, version 1, timestamp, HOSTNAME,
# APP-NAME, PROCID and MSGID as configured, then structured data of RFC 5424's grammar and the
# JSON document; RFC 3164 (also behind --cee-cookie) has PRI, "Mmm dd hh:mm:ss", HOSTNAME and
# TAG[PID]: before the document; bare JSON is a document with no PRI (the config's else
# branch). procship gaps reads files of the shape the config writes (datagrams as received).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
command -v tshark >/dev/null || fail "prerequisite missing: tshark (run 'make deps')"
[ -r "$IT_TOP/contrib/nxlog/procship.conf" ] || fail "contrib/nxlog/procship.conf missing"
start_udp_sink
m=procship-it-$$-84
for run in rfc5424 rfc3164 rfc3164-cee json; do
	fmt=${run%-cee} extra=()
	[ "$fmt" = "$run" ] || extra=(--cee-cookie)
	from=$(($(wc -l <"$SINK_OUT") + 1))
	start_procship --udp-output-enabled --udp-output-address "127.0.0.1:$SINK_PORT" \
		--syslog-format "$fmt" "${extra[@]}" --syslog-facility local3 \
		--syslog-severity notice --hostname itest-host \
		--export-allowlist "$(marker_filter "$m")"
	exec_marked "$m-$run"
	wait_for "$SINK_OUT" "$m-$run" 10
	stop_procship
	tail -n "+$from" "$SINK_OUT" >"$T/raw.$run"
	"$PYTHON" "$IT_HELPERS/syslog_pcap.py" "$T/raw.$run" "$T/$run.pcap"
	tshark -r "$T/$run.pcap" -T fields -E separator=/t -E occurrence=f \
		-e syslog.facility -e syslog.level -e syslog.version -e syslog.timestamp \
		-e syslog.timestamp_rfc3164 -e syslog.hostname -e syslog.appname -e syslog.procid \
		-e syslog.msgid -e udp.length >"$T/$run.fields" 2>"$T/$run.tshark.err" ||
		{ show_tail "$T/$run.tshark.err"; fail "tshark cannot read $T/$run.pcap"; }
	"$PYTHON" - "$run" "$T/raw.$run" "$T/$run.fields" "$m-$run" <<-'PY' || fail "$run: tshark's reading differs (see above)"
	import json, re, sys
	run, raw, fields, marker = sys.argv[1:]
	raws = open(raw, "rb").read().split(b"\n")[:-1]
	rows = [l.split("\t") for l in open(fields).read().split("\n")[:-1]]
	assert len(rows) == len(raws) >= 2, (len(rows), len(raws))
	SD = r'(-|(\[[!-~]{1,32}?( [!-~]{1,32}?="([^"\\\]]|\\["\\\]])*")*\])+)'
	seen = False
	for r, d in zip(rows, raws):
	    fac, lvl, ver, ts, ts3164, host, app, procid, msgid, udplen = r
	    assert int(udplen) == len(d) + 8, "one message per datagram"
	    if run == "json":
	        assert fac == "" and not d.startswith(b"<"), r
	        doc = json.loads(d)
	    else:
	        assert (fac, lvl, host) == ("19", "5", "itest-host"), r
	        if run == "rfc5424":
	            assert ver == "1" and ts.endswith(" UTC") and app == "procship" and procid.isdigit(), r
	            mid, rest = msgid.split(" ", 1)
	            assert mid in ("agent_init", "process_exec", "process_exit"), mid
	            m = re.match(SD + " ", rest)
	            assert m and "[meta sequenceId=" in m.group(0), rest[:200]
	            doc = json.loads(rest[m.end():])
	        else:
	            # tshark 4.0 puts an RFC 3164 TAG in procid and "[PID]: MSG" in msgid
	            assert re.fullmatch(r"[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d", ts3164) and procid == "procship", r
	            m = re.fullmatch(r"\[(\d+)\]: (@cee:)?(.*)", msgid, re.S)
	            assert m and bool(m.group(2)) == run.endswith("-cee"), msgid[:80]
	            doc = json.loads(m.group(3))
	    assert isinstance(doc, dict)
	    seen = seen or (doc.get("process_exec", {}).get("process", {}).get("arguments", "").startswith(marker))
	assert seen, "the marked exec was not among the datagrams"
	print("%s: %d datagrams read by tshark as procship framed them" % (run, len(rows)), file=sys.stderr)
	PY
done
"$PROCSHIP" gaps "$T/raw.rfc5424" >"$T/gaps.out" || { cat "$T/gaps.out" >&2; fail "procship gaps on the raw RFC 5424 lines: something missing"; }
grep -q "run 1 (from its start): sequenceId 1-" "$T/gaps.out" || { cat "$T/gaps.out" >&2; fail "procship gaps read no run from raw lines"; }
check_own_log
