#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Without --udp-output-enabled, events go to stdout, one JSON object per line, as they happen.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start_procship
marker=procship-it-$$-stdout
exec_marked "$marker"
ev=$(wait_for_exec "$PROCSHIP_OUT" "$marker" 10)
assert_exec_event "$ev" "$marker"

stop_procship
all_json "$PROCSHIP_OUT"
check_own_log
