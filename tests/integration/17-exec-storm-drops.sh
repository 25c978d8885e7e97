#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The exec storm of 16-exec-storm.sh with a one-page ring buffer, so that records are lost:
# every lost event must be counted in procship's log ("N exec records dropped (ringbuf_full)"),
# nothing may be duplicated, and the summary must still agree with what was written.
# IT_STORM_DROPS_COUNT sets the number of processes (default 1500).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

STORM_COUNT=${IT_STORM_DROPS_COUNT:-1500}
STORM_PARALLEL=8
STORM_RINGBUF=4096
. "$IT_LIB_DIR/exec-storm.inc"
