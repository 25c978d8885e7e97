# SPDX-License-Identifier: Apache-2.0
# Integration-test library, metrics: series of procship's Prometheus text file and the UDP
# accounting that checks them against the exit summary and a receiver. Sourced by lib.sh.

# ---- metrics and counters ----------------------------------------------------------------------
# metric FILE SERIES: the sum of the values of SERIES in the Prometheus text FILE. SERIES is a
# metric name (every label set counts) or a name with labels exactly as written, e.g.
# 'procship_events_dropped_total{reason="send_error"}'. Fails if no such series is present.
metric()
{
	"$PYTHON" - "$1" "$2" <<-'EOF' || { show_tail "$1" 60; fail "no series $2 in $1"; }
	import sys
	path, want = sys.argv[1], sys.argv[2]
	total, found = 0, False
	with open(path) as f:
	    for line in f:
	        if not line.strip() or line.startswith("#"):
	            continue
	        series, value = line.rsplit(None, 1)
	        name = series.split("{", 1)[0]
	        if series == want or ("{" not in want and name == want):
	            total += float(value)
	            found = True
	if not found:
	    sys.exit(1)
	print(int(total) if total == int(total) else total)
	EOF
}

# udp_accounting DESC METRICS_FILE RECEIVED: with procship stopped, check that every datagram is
# accounted for: procship_udp_datagrams_sent_total + procship_udp_datagrams_dropped_total ==
# the documents procship wrote (the summary's "handed to outputs") + the agent_init documents, and that
# every datagram counted as sent was received (RECEIVED, kernel drops at the receiver already
# excluded by the caller). Prints "sent dropped" on success.
udp_accounting()
{
	local desc=$1 mf=$2 got=$3 sent dropped exported inits
	sent=$(metric "$mf" procship_udp_datagrams_sent_total)
	dropped=$(metric "$mf" procship_udp_datagrams_dropped_total)
	exported=$(procship_stat handed)
	inits=$((sent + dropped - exported))
	info "$desc: $exported documents, udp: $sent sent + $dropped dropped (so $inits agent_init); received $got"
	[ "$inits" -ge 1 ] && [ "$inits" -le 50 ] ||
		fail "$desc: sent $sent + dropped $dropped - exported $exported = $inits agent_init documents?"
	[ "$got" -eq "$sent" ] ||
		fail "$desc: $sent datagrams counted as sent, $got received: $((sent - got)) lost without being counted as dropped"
}
