#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Text input from a unix datagram socket (issue 7): the real logger(1) writes to
# --input-unix SOCK (RFC 3164 by default, --rfc5424, -p auth.warning -t sshd), procship
# normalizes with conf/rulebases/sshd.rb and ships to a real rsyslogd with the contrib receiver
# configuration; text inputs alone (--process-events=false). The fields of the rulebase arrive,
# the sender's facility, severity, app-name and PID are kept in the header, a line that
# matches no rule carries "unparsed":true, the socket has mode 0666 while procship runs and is
# gone after it exits. A second run with --syslog-format rfc5424 keeps logger's MSGID too.
# The PID is the one logger wrote (--input-unix-pid-from-system=false): the kernel's, the
# default since issue 16, is tested in 60-relay-central.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rb=$IT_TOP/conf/rulebases/sshd.rb
sock=$T/log.sock
start_rsyslogd
start_procship --process-events=false --udp-output-enabled --input-unix-pid-from-system=false \
	--udp-output-address "127.0.0.1:$RSYSLOG_PORT" --input-unix "$sock" --rulebase "$rb"
[ -S "$sock" ] || fail "$sock is not a socket while procship runs"
mode=$(stat -c %a "$sock")
[ "$mode" = 666 ] || fail "$sock has mode $mode, want 666"
procship_run_log | grep -F "reading syslog messages from $sock" >/dev/null ||
	{ show_tail "$PROCSHIP_LOG"; fail "no 'reading syslog messages from $sock' line"; }

tag=it$$
# RFC 3164 (logger's default on a local socket), with a PID
logger -u "$sock" -p auth.warning -t sshd --id=4242 \
	"Failed password for invalid user eve$tag from 10.1.2.3 port 4141 ssh2"
# RFC 5424, IPv6 source, public key
logger -u "$sock" --rfc5424 -p auth.info -t sshd \
	"Accepted publickey for bob$tag from 2001:db8::5 port 50022 ssh2: ED25519 SHA256:k3y$tag"
# no rule matches
logger -u "$sock" -p local4.err -t myapp "nothing sshd would say $tag"

ev=$(wait_for_json "$RSYSLOG_OUT" 'get(j, "fields.user") == u' 10 u="eve$tag")
assert_json "$ev" 'j["fields"]["src_ip"] == "10.1.2.3"'
assert_json "$ev" 'j["fields"]["src_port"] == 4141'
assert_json "$ev" 'j["fields"]["auth_method"] == "password"'
assert_json "$ev" '"invalid_user" in j["fields"]["event.tags"]'
assert_json "$ev" 'j["syslog"]["msg"] == m' m="Failed password for invalid user eve$tag from 10.1.2.3 port 4141 ssh2"
assert_json "$ev" '"unparsed" not in j'
assert_header "$ev" facility auth severity warning app_name sshd procid 4242

ev=$(wait_for_json "$RSYSLOG_OUT" 'get(j, "fields.user") == u' 10 u="bob$tag")
assert_json "$ev" 'j["fields"]["src_ip"] == "2001:db8::5"'
assert_json "$ev" 'j["fields"]["src_port"] == 50022'
assert_json "$ev" 'j["fields"]["auth_method"] == "publickey"'
assert_json "$ev" 'j["fields"]["key_type"] == "ED25519"'
assert_json "$ev" 'j["fields"]["key_fingerprint"] == fp' fp="SHA256:k3y$tag"
assert_header "$ev" facility auth severity info app_name sshd hostname "$(uname -n)"

ev=$(wait_for_json "$RSYSLOG_OUT" 'get(j, "syslog.msg") == m' 10 m="nothing sshd would say $tag")
assert_json "$ev" 'j["unparsed"] is True'
assert_json "$ev" '"fields" not in j'
assert_header "$ev" facility local4 severity err app_name myapp
# no process events with --process-events=false: agent_init and the three messages only
wait_stable "$RSYSLOG_OUT" 3
n=$(wc -l <"$RSYSLOG_OUT")
[ "$n" -eq 4 ] || { cat "$RSYSLOG_OUT" >&2; fail "receiver got $n messages, want agent_init + 3"; }
n=$(json_count "$RSYSLOG_OUT" '"process_exec" in j or "process_exit" in j')
[ "$n" -eq 0 ] || fail "$n process events with --process-events=false"
assert_all_parsed "$RSYSLOG_OUT"

stop_procship
[ ! -e "$sock" ] || fail "$sock still exists after procship exited"
[ "$(text_stat messages)" -eq 3 ] || fail "summary counts $(text_stat messages) text messages, want 3"
[ "$(text_stat normalized)" -eq 2 ] || fail "summary counts $(text_stat normalized) normalized, want 2"
[ "$(text_stat unparsed)" -eq 1 ] || fail "summary counts $(text_stat unparsed) unparsed, want 1"
check_own_log

# RFC 5424 out: logger's MSGID and structured data survive, PID as PROCID
: >"$RSYSLOG_OUT"
start_procship --process-events=false --udp-output-enabled --syslog-format rfc5424 \
	--input-unix-pid-from-system=false --udp-output-address "127.0.0.1:$RSYSLOG_PORT" --input-unix "$sock" --rulebase "$rb"
logger -u "$sock" --rfc5424 -p authpriv.notice -t sshd --id=777 --msgid LOGIN \
	--sd-id "origin@32473" --sd-param 'ip="10.9.9.9"' \
	"Accepted password for carol$tag from 10.9.9.9 port 2222 ssh2"
ev=$(wait_for_json "$RSYSLOG_OUT" 'get(j, "fields.user") == u' 10 u="carol$tag")
assert_header "$ev" facility authpriv severity notice app_name sshd procid 777 msgid LOGIN
assert_json "$ev" '"[origin@32473 ip=\"10.9.9.9\"]" in j["syslog"]["structured_data"]'
stop_procship
[ ! -e "$sock" ] || fail "$sock still exists after procship exited"
assert_all_parsed "$RSYSLOG_OUT"
check_own_log
