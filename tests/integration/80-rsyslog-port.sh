#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The own-port layout (contrib/rsyslog/procship-receiver.conf + procship-port.conf) in a
# DEFAULT rsyslog (no maxMessageSize): every framing, with and without --cee-cookie, from an
# IPv4 and an IPv6 sender, each into its own file (IPv6: no ':' in the name); the largest
# event procship sends by default arrives whole and parses; a relayed text message keeps its
# own "syslog" fields beside the receiver's "received"; the RFC 3164 timestamp choices as the
# receiver files them; `procship gaps` finds nothing missing in either file.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_procship
start_port_receiver port
m=procship-it-$$-80
receiver_senders "$m" "$PORT_RCV_DIR" "$PORT_RCV_PORT"

# RFC 3164 timestamps from a sender 5 hours west of the receiver
receiver_3164_times "$m" "127.0.0.1:$PORT_RCV_PORT" "$PORT_RCV_DIR/127.0.0.1.json"
check_own_log
