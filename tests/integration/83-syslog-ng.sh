#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# contrib/syslog-ng/procship.conf with the real syslog-ng 3.38 (Debian's, unpacked privately),
# in its defaults (log-msg-size): every framing (RFC 3164 and RFC 5424 on its syslog() source,
# bare JSON on the no-parse one), --cee-cookie, IPv4 and IPv6 senders each in its own file,
# the largest default event whole and parsed, a relayed text message's own fields kept,
# procship gaps on its files, and how it files RFC 3164 timestamps of each kind.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
start_syslogng
m=procship-it-$$-83
IT_PROCSHIP_WRAPPER=$SNG_WRAP
receiver_senders "$m" "$SNG_DIR" "$SNG_PORT" "$SNG_JPORT"
receiver_3164_times "$m" "127.0.0.1:$SNG_PORT" "$SNG_DIR/127.0.0.1.json"
unset IT_PROCSHIP_WRAPPER
! ls "$SNG_DIR"/*.unparsed >/dev/null 2>&1 || { cat "$SNG_DIR"/*.unparsed >&2; fail "syslog-ng could not parse a message"; }
check_own_log
