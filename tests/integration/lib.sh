# SPDX-License-Identifier: Apache-2.0
# Helpers for the integration scenarios: source it first thing, after `set -euo pipefail`.
#
# Each scenario gets a private directory ($T), a private rsyslogd (own config built around
# contrib/rsyslog/procship-receiver.conf, own pid file, work directory and loopback port) and
# the procship binary named by $PROCSHIP. Everything started here is stopped by an EXIT trap,
# also when the scenario fails. A missing prerequisite fails the scenario: nothing is skipped.
#
# Environment: PROCSHIP (absolute path of the binary, for scenarios that run it),
# IT_SCENARIO_DIR (set by ./run: where this scenario keeps its files; else a fresh temp dir).
#
# The functions live in lib/, one file per role: core (fail, info, waiting, cleanup, exit
# hooks), procship, rsyslog, receivers (UDP sinks and counters), assert (JSON and events),
# metrics. Their order here is the order in which the EXIT trap stops what they started.

IT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_TOP=$(cd "$IT_LIB_DIR/../.." && pwd)
# the programs the scenarios and these functions run (receivers, exec drivers, JSON checks)
IT_HELPERS=$IT_LIB_DIR/helpers

for it_part in core procship rsyslog layouts syslogng receivers assert metrics; do
	. "$IT_LIB_DIR/lib/$it_part.sh"
done
unset it_part
