#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The harness itself: a private rsyslogd running the contrib receiver parses events (here
# Tetragon's "test" event) sent under procship's APP-NAME with RFC 3164 and RFC 5424 headers,
# with and without the @cee: cookie, and files what another program sent (plain syslog, as
# procship relays it, JSON or not) and JSON under procship's name that is no event apart, as
# an RFC 5424 line in <sender>.syslog.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start_rsyslogd
send() { logger -n 127.0.0.1 -P "$RSYSLOG_PORT" -d "$@"; }
send -t procship --rfc3164 '{"test":{"hello":"world"},"n":1}'
send -t procship --rfc5424 -p local3.notice '{"test":{"hello":"world"},"n":2}'
send -t procship --rfc3164 '@cee:{"test":{"hello":"cookie"},"n":3}'
send -t procship --rfc3164 '{"hello":"no event","n":6}'
send -t itest --rfc3164 '{"hello":"another program","n":5}'
send -t itest --rfc3164 'plain text, n=4'

relayed=${RSYSLOG_OUT%.json}.syslog
wait_for "$relayed" 'plain text, n=4' 10
all_json "$RSYSLOG_OUT"

line=$(json_lines_match "$RSYSLOG_OUT" 'j.get("n") == 1') || fail "RFC 3164 message missing"
assert_json "$line" 'j["test"]["hello"] == "world"'
assert_json "$line" 'j["received"]["app_name"] == "procship"'
assert_json "$line" 'j["received"]["parsesuccess"] == "OK"'
assert_json "$line" 'j["received"]["fromhost_ip"] == "127.0.0.1"'

line=$(json_lines_match "$RSYSLOG_OUT" 'j.get("n") == 2') || fail "RFC 5424 message missing"
assert_json "$line" 'j["test"]["hello"] == "world"'
assert_json "$line" 'j["received"]["facility"] == "local3"'
assert_json "$line" 'j["received"]["severity"] == "notice"'
assert_json "$line" 're.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", j["received"]["timereported"])'

line=$(json_lines_match "$RSYSLOG_OUT" 'j.get("n") == 3') || fail "@cee: message missing"
assert_json "$line" 'j["test"]["hello"] == "cookie"'

grep -q 'plain text' "$RSYSLOG_OUT" && fail "the plain-text message was filed as an event"
grep -q 'another program' "$RSYSLOG_OUT" && fail "another program's JSON was filed as an event"
grep -q 'no event' "$RSYSLOG_OUT" && fail "JSON with no event key was filed as an event"
grep -q 'procship - - - {"hello":"no event","n":6}$' "$relayed" ||
	fail "procship's JSON with no event key is not in $relayed: $(cat "$relayed")"
grep -q 'itest - - - {"hello":"another program","n":5}$' "$relayed" ||
	fail "another program's JSON is not in $relayed: $(cat "$relayed")"
grep -Eq '^<13>1 [^ ]+ [^ ]+ itest - - - plain text, n=4$' \
	"$relayed" || fail "the plain-text line in $relayed is not RFC 5424 with its own fields: $(cat "$relayed")"

stop_rsyslogd
