/* SPDX-License-Identifier: Apache-2.0 */
/* The start-up /proc scan: processes older than procship, as records for the same callback as
 * the sensor's ring buffer. libc only; the procroot is a parameter so that a test can build
 * a fake one. */
#ifndef PROCSHIP_PROCFS_H
#define PROCSHIP_PROCFS_H

#include "shipper/capture/sensor.h"

/* Hand cb one PS_EVENT_EXEC record per process in procroot (normally "/proc"), in start-time
 * order, so parents come before their children. Each record carries PS_F_PROCFS; its strings
 * hold what procroot/PID/ says, cut to the fields' sizes:
 *   ppid (stat field 4); ktime = start_ktime = stat field 22 in ns (clock ticks x
 *   1e9/CLK_TCK); filename = readlink(exe); args = cmdline (PS_F_TRUNC_ARGS when it fills
 *   args); cwd = readlink(cwd), a plain path (PS_F_ERR_CWD and "" when unreadable); uid and
 *   gid = the effective ids in status; auid = loginuid, else PS_AUID_UNSET; cgroup = the last
 *   component of the "0::" line of cgroup. comm is left empty.
 * Skipped: entries whose name is not a decimal number, whose stat cannot be read, and those
 * with no readable exe (kernel threads). The record is cb's only during the call.
 * Returns how many entries had a readable stat when listed, or -errno (procroot cannot be
 * opened; -ENOMEM). */
int procfs_scan(const char *procroot, sensor_record_fn *cb, void *arg);

#endif
