#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The sample rulebases of conf/rulebases/ on real-looking sample lines (issue 7): sshd, sudo and
# cron messages in syslog format on standard input, each through its rulebase, to a real
# rsyslogd; the fields, tags and header (facility, severity, app-name, PID) are asserted, and
# a line of one program does not match another program's rulebase.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_procship
start_rsyslogd

# through RULEBASE FILE: the lines of FILE through --rulebase RULEBASE to rsyslogd
through()
{
	local rb=$IT_TOP/conf/rulebases/$1 in=$2 status=0
	[ -r "$rb" ] || fail "sample rulebase $rb is missing"
	: >"$RSYSLOG_OUT"
	PROCSHIP_LOG=$T/procship.log
	PROCSHIP_STARTED=1
	timeout 20 "$PROCSHIP" --process-events=false --input-stdin --udp-output-enabled \
		--udp-output-address "127.0.0.1:$RSYSLOG_PORT" --rulebase "$rb" <"$in" \
		>/dev/null 2>>"$PROCSHIP_LOG" || status=$?
	[ "$status" -eq 0 ] || { show_tail "$PROCSHIP_LOG"; fail "procship with $1 exited with $status"; }
	wait_lines "$RSYSLOG_OUT" $(($(grep -c . "$in") + 1)) 10
	assert_all_parsed "$RSYSLOG_OUT"
}

# event N: the message with "n=N"-free text: select by the msg text
msg() { wait_for_json "$RSYSLOG_OUT" 'get(j, "syslog.msg") == m' 5 m="$1"; }

# ---- sudo: authpriv.notice (85), authpriv.alert (81)
cat >"$T/sudo.txt" <<'IN'
<85>Nov 23 10:00:00 web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update
<81>Nov 23 10:00:01 web1 sudo:      bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/cat /etc/shadow
<85>Nov 23 10:00:02 web1 sudo: carol : PWD=/srv/www ; USER=www-data ; COMMAND=/usr/bin/id -u
<81>Nov 23 10:00:03 web1 sudo:     dave : user NOT in sudoers ; TTY=pts/2 ; PWD=/home/dave ; USER=root ; COMMAND=/bin/sh
<85>Nov 23 10:00:04 web1 sudo: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)
IN
through sudo.rb "$T/sudo.txt"
ev=$(msg "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update")
assert_json "$ev" 'j["fields"]["user"] == "alice" and j["fields"]["tty"] == "pts/0"'
assert_json "$ev" 'j["fields"]["pwd"] == "/home/alice" and j["fields"]["target_user"] == "root"'
assert_json "$ev" 'j["fields"]["command"] == "/usr/bin/apt update"'
assert_json "$ev" '"refused" not in j["fields"]["event.tags"]'
assert_header "$ev" facility authpriv severity notice app_name sudo hostname web1
ev=$(msg "     bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/cat /etc/shadow")
assert_json "$ev" 'j["fields"]["user"] == "bob" and j["fields"]["reason"] == "3 incorrect password attempts"'
assert_json "$ev" 'j["fields"]["command"] == "/bin/cat /etc/shadow" and "refused" in j["fields"]["event.tags"]'
assert_header "$ev" facility authpriv severity alert app_name sudo
ev=$(msg "carol : PWD=/srv/www ; USER=www-data ; COMMAND=/usr/bin/id -u")
assert_json "$ev" 'j["fields"]["user"] == "carol" and "tty" not in j["fields"]'
assert_json "$ev" 'j["fields"]["target_user"] == "www-data" and j["fields"]["pwd"] == "/srv/www"'
ev=$(msg "    dave : user NOT in sudoers ; TTY=pts/2 ; PWD=/home/dave ; USER=root ; COMMAND=/bin/sh")
assert_json "$ev" 'j["fields"]["reason"] == "user NOT in sudoers" and j["fields"]["command"] == "/bin/sh"'
ev=$(msg "pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)")
assert_json "$ev" 'j["unparsed"] is True and "fields" not in j'

# ---- cron: cron.info (78)
cat >"$T/cron.txt" <<'IN'
<78>Nov 23 10:17:01 web1 CRON[1234]: (root) CMD (cd / && run-parts --report /etc/cron.hourly)
<78>Nov 23 10:30:01 web1 CRON[1235]: (root) CMD (test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))
<78>Nov 23 10:45:01 web1 CRON[1236]: (www-data) CMD (/usr/bin/php /srv/www/cron.php >/dev/null 2>&1)
<78>Nov 23 10:45:01 web1 CRON[1237]: pam_unix(cron:session): session closed for user root
IN
through cron.rb "$T/cron.txt"
ev=$(msg "(root) CMD (cd / && run-parts --report /etc/cron.hourly)")
assert_json "$ev" 'j["fields"]["user"] == "root" and j["fields"]["command"] == "cd / && run-parts --report /etc/cron.hourly"'
assert_header "$ev" facility cron severity info app_name CRON procid 1234 hostname web1
ev=$(msg "(root) CMD (test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))")
assert_json "$ev" 'j["fields"]["user"] == "root"'
assert_json "$ev" 'j["fields"]["command_raw"] == "test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))"'
ev=$(msg "(www-data) CMD (/usr/bin/php /srv/www/cron.php >/dev/null 2>&1)")
assert_json "$ev" 'j["fields"]["user"] == "www-data" and j["fields"]["command"] == "/usr/bin/php /srv/www/cron.php >/dev/null 2>&1"'
assert_header "$ev" procid 1236
ev=$(msg "pam_unix(cron:session): session closed for user root")
assert_json "$ev" 'j["unparsed"] is True'

# ---- sshd: auth.info (38)
cat >"$T/sshd.txt" <<'IN'
<38>Nov 23 11:00:00 web1 sshd[812]: Accepted password for alice from 192.0.2.10 port 51234 ssh2
<38>Nov 23 11:00:01 web1 sshd[813]: Failed publickey for root from 2001:db8::77 port 40000 ssh2: RSA SHA256:AbCdEf
<38>Nov 23 11:00:02 web1 sshd[814]: Invalid user admin from 198.51.100.3 port 6000
<38>Nov 23 11:00:03 web1 sshd[815]: Connection closed by 198.51.100.3 port 6000 [preauth]
<78>Nov 23 11:00:04 web1 CRON[1238]: (root) CMD (true)
IN
through sshd.rb "$T/sshd.txt"
ev=$(msg "Accepted password for alice from 192.0.2.10 port 51234 ssh2")
assert_json "$ev" 'j["fields"] == {"auth_method": "password", "user": "alice", "src_ip": "192.0.2.10", "src_port": 51234, "event.tags": ["ssh", "login", "success"]}'
assert_header "$ev" facility auth severity info app_name sshd procid 812
ev=$(msg "Failed publickey for root from 2001:db8::77 port 40000 ssh2: RSA SHA256:AbCdEf")
assert_json "$ev" 'j["fields"]["src_ip"] == "2001:db8::77" and j["fields"]["key_type"] == "RSA"'
assert_json "$ev" 'j["fields"]["key_fingerprint"] == "SHA256:AbCdEf" and "failure" in j["fields"]["event.tags"]'
ev=$(msg "Invalid user admin from 198.51.100.3 port 6000")
assert_json "$ev" 'j["fields"]["user"] == "admin" and j["fields"]["src_port"] == 6000'
ev=$(msg "Connection closed by 198.51.100.3 port 6000 [preauth]")
assert_json "$ev" 'j["unparsed"] is True'
# a cron line is not an sshd login
ev=$(msg "(root) CMD (true)")
assert_json "$ev" 'j["unparsed"] is True'
check_own_log
