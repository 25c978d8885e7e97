#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Exec storm: IT_STORM_COUNT (default 3000) short-lived processes, IT_STORM_PARALLEL (default 4)
# at a time, each /usr/bin/true with a unique marker. Every marker has exactly one process_exec
# and one process_exit; a missing event is only allowed when procship's log counts at least as
# many ring-buffer drops ("N exec records dropped (ringbuf_full)"). The exit summary agrees with
# what was written. IT_STORM_RINGBUF sets --ring-buffer-size (default: procship's).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

STORM_COUNT=${IT_STORM_COUNT:-3000}
STORM_PARALLEL=${IT_STORM_PARALLEL:-4}
STORM_RINGBUF=${IT_STORM_RINGBUF:-}
. "$IT_LIB_DIR/exec-storm.inc"
