/* SPDX-License-Identifier: Apache-2.0 */
/* The start-up /proc scan: processes older than procship, as records for the same callback as
 * the sensor's ring buffer, and the container-id rules both record sources share. libc only;
 * the procroot is a parameter so that a test can build a fake one. */
#ifndef PROCSHIP_PROCFS_H
#define PROCSHIP_PROCFS_H

#include <stdbool.h>
#include <stdint.h>

#include "shipper/capture/sensor.h"

/* What a scan found, for the caller to log. */
struct procfs_result {
	int listed;	       /* entries with a readable stat */
	int kthreads;	       /* of which kernel threads (cached, not reported) */
	int no_exe;	       /* processes whose exe link could not be read, exiting ones aside */
	unsigned first_no_exe; /* the first of those, for a warning naming it */
};

/* Hand cb, as Tetragon's /proc reader does, first a record for the kernel itself (pid 0,
 * ktime 1, filename "<kernel>"), then one PS_EVENT_EXEC record per entry of procroot
 * (normally "/proc"), every parent before its children (by ppid; siblings by start time).
 * Each record carries PS_F_PROCFS; data holds what procroot/PID/ says:
 *   ppid (stat field 4); ktime = start_ktime = stat field 22 x 10^7 ns (Tetragon's fixed
 *   CLK_TCK of 100); filename = readlink(exe) ("" when unreadable, counted in no_exe);
 *   args = cmdline (PS_F_TRUNC_ARGS past PS_ARGS_MAX); cwd = readlink(cwd), PS_F_ROOTCWD for
 *   "/", PS_F_ROOTCWD|PS_F_ERR_CWD and "" when unreadable; uid and gid = the effective ids in
 *   status, ruid the real uid; auid = loginuid, else PS_AUID_UNSET; cgroup = the container id
 *   (already cut, procfs_container_ids) or ""; nspid = the last NSpid of status when there is
 *   a container id, else 0. A kernel thread (PF_KTHREAD in stat's flags, not an empty
 *   cmdline: a process can empty its own) gets PS_F_KTHREAD, filename "[comm]", no cwd, uids
 *   0. comm is left empty.
 * Skipped: the calling process (the sensor ignores it too), entries whose name is not a
 * decimal number, whose stat, cmdline or comm cannot be read. The record is cb's only during the
 * call. res may be NULL. Returns how many entries had a readable stat when listed, or -errno
 * (procroot cannot be opened; -ENOMEM). */
int procfs_scan(const char *procroot, sensor_record_fn *cb, void *arg, struct procfs_result *res);
/* The same, each record carrying a struct ps_ext with the parts enrich names (PS_F_EXT_CRED:
 * the real, saved and fs ids of status, CapPrm, CapEff, CapInh; PS_F_EXT_NS: the inode of each
 * procroot/PID/ns/NAME), as Tetragon's /proc reader fills them; zeros for a kernel thread. */
int procfs_scan_ext(const char *procroot, uint32_t enrich, sensor_record_fn *cb, void *arg,
	struct procfs_result *res);
/* The inode numbers of procroot/PID/ns/ * by enum ps_ns (0 for one that is missing). Returns 0,
 * or -errno when none could be read. */
int procfs_ns_inums(const char *procroot, uint32_t pid, uint32_t ns[PS_NS_COUNT]);

/* Tetragon's container id of one cgroup name (LookupContainerId on its last component): the
 * part after the last ':' and '-', when it does not end in "service" and has at least 64
 * characters, or 31 when bpf_source and the name filled the kernel's buffer (PS_CGROUP_MAX-1)
 * — its first 31 characters into buf (size >= 32); else "". */
void procfs_container_id(const char *name, bool bpf_source, char *buf, size_t size);
/* Tetragon's container id of a /proc/PID/cgroup text (every line, v1 and v2): a line naming
 * pods, docker or libpod by the rule above, else a last component of at least 31 hex digits
 * (an even count); "" when none. */
void procfs_container_ids(const char *text, char *buf, size_t size);
/* On a cgroup v1 or hybrid host (cgroupfs not cgroup2), the css_set->subsys index + 1 of the
 * first of memory, pids, cpuset with a v1 hierarchy in procroot/cgroups, as Tetragon chooses
 * the controller whose names hold container ids; 0 on a cgroup v2 host or when none. */
unsigned procfs_cgroup1_subsys(const char *procroot, const char *cgroupfs);

#endif
