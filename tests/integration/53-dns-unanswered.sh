#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 20 item 5: a name that is never answered must not stall the loop. procship runs in a
# network namespace of its own and a mount namespace where /etc/resolv.conf points at a name
# server on that loopback which reads every query and answers none (timeout:10 attempts:2, so
# one look-up used to stall 20 s). With --udp-output-address never.procship.test:P,127.0.0.1:P:
# start-up is bounded (ready well within the resolver's timeout), every exec event of a storm
# run while the name waits reaches 127.0.0.1, a reload is not held up, and the resolver's
# threads hold no capability. Then the last good addresses: good.procship.test resolves from
# the private /etc/hosts, the entry is removed (look-ups now go to the silent server), and after
# a reload events still reach it without a drop.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
ns=procship-it-$$-dns
ip netns add "$ns" || fail "cannot create network namespace $ns"
it_on_exit "ip netns del $ns"
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
open(sys.argv[1] + ".ready", "w").close()
n = 0
while True:
    s.recv(4096)
    n += 1
    with open(sys.argv[1], "w") as f:
        f.write("%d\n" % n)
' "$T/dns.count" &
dnspid=$!
it_on_exit "kill $dnspid 2>/dev/null || true"
for ((i = 0; i < 50; i++)); do [ -e "$T/dns.count.ready" ] && break; sleep 0.1; done
[ -e "$T/dns.count.ready" ] || fail "the silent name server did not start"
printf 'nameserver 127.0.0.1\noptions timeout:10 attempts:2\n' >"$T/resolv.conf"
printf '127.0.0.1 localhost\n127.0.0.1 good.procship.test\n' >"$T/hosts"
printf 'hosts: files dns\n' >"$T/nsswitch.conf"
cat >"$T/in-ns" <<EOF
#!/bin/sh
exec ip netns exec $ns unshare -m sh -c 'for f in resolv.conf hosts nsswitch.conf; do mount --bind "\$0/\$f" "/etc/\$f" || exit 1; done; exec "\$@"' "$T" "\$@"
EOF
chmod +x "$T/in-ns"
CNT_NS=$ns start_counter r
port=${CNT_PORT[r]}
m=procship-it-$$-dns
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# arrive_within MARKER N SECONDS: N process_exec events whose arguments start with MARKER
# followed by "-DIGITS" (a storm) or " " (exec_marked) reached the counter
arrive_within()
{
	local i got=0
	for ((i = 0; i < $3 * 10; i++)); do
		got=$(grep -cE "\"process_exec\".*\"arguments\":\"$1(-[0-9]+\"| )" "${CNT_OUT[r]}" ||
			true)
		[ "$got" -lt "$2" ] || return 0
		sleep 0.1
	done
	fail "$got of $2 events of $1 arrived within $3 s"
}

IT_PROCSHIP_WRAPPER=$T/in-ns
t0=$(now_ms)
start_procship --udp-output-enabled --udp-output-address "never.procship.test:$port,127.0.0.1:$port" \
	--syslog-format json --export-allowlist "$(marker_filter "$m")"
started=$(now_ms)
unset IT_PROCSHIP_WRAPPER
info "ready after $((started - t0)) ms"
[ $((started - t0)) -lt 8000 ] || fail "start-up took $((started - t0)) ms with a silent name server"
procship_run_log | grep -F "not answered after 2000 ms" >/dev/null ||
	{ show_tail "$PROCSHIP_LOG"; fail "the unanswered name at start-up is not logged"; }
for task in /proc/"$PROCSHIP_PID"/task/*; do
	for f in CapEff CapPrm CapBnd; do
		v=$(awk -v f="$f:" '$1 == f { print $2 }' "$task/status")
		[ "$v" = 0000000000000000 ] || fail "thread ${task##*/}: $f is $v, want 0"
	done
done
[ "$(ls /proc/"$PROCSHIP_PID"/task | wc -l)" -ge 2 ] || fail "no resolver thread"

timeout 30 "$PYTHON" "$IT_HELPERS/storm.py" "$m-a" 300 4 20 >/dev/null || fail "the exec driver failed"
arrive_within "$m-a" 300 5
queries=$(cat "$T/dns.count" 2>/dev/null || echo 0)
[ "$queries" -ge 1 ] || fail "the name server got no query: the name was never asked"
t1=$(now_ms)
[ $((t1 - started)) -lt 18000 ] ||
	fail "the storm ended $((t1 - started)) ms after start: not within the resolver's wait"
h0=$(now_ms)
procship_signal HUP 'reload: configuration read again' 10
exec_marked "$m-a-hup"
arrive_within "$m-a-hup" 1 3
info "reload and its first event in $(($(now_ms) - h0)) ms; $queries queries unanswered"
procship_alive
stop_procship

# The last good addresses.
IT_PROCSHIP_WRAPPER=$T/in-ns
start_procship --udp-output-enabled --udp-output-address "good.procship.test:$port" \
	--syslog-format json --export-allowlist "$(marker_filter "$m")"
unset IT_PROCSHIP_WRAPPER
exec_marked "$m-b-first"
arrive_within "$m-b-first" 1 5
printf '127.0.0.1 localhost\n' >"$T/hosts"
before=$(cat "$T/dns.count" 2>/dev/null || echo 0)
procship_signal HUP 'reload: configuration read again' 10
timeout 30 "$PYTHON" "$IT_HELPERS/storm.py" "$m-b" 200 4 20 >/dev/null || fail "the exec driver failed"
arrive_within "$m-b" 200 5
after=$(cat "$T/dns.count" 2>/dev/null || echo 0)
[ "$after" -gt "$before" ] || fail "the reload did not ask for good.procship.test again"
stop_procship
stop_counter r
dropped=$(procship_stat dropped)
[ "$dropped" -eq 0 ] || fail "$dropped datagrams dropped while the name was re-resolved"
# other engineers' exec storms may fill the ring buffer on a busy host: counted, not ours
check_own_log 'not answered after 2000 ms|never\.procship\.test|records dropped \(ringbuf_full'
