/* SPDX-License-Identifier: Apache-2.0 */
/* The /proc scan's side of --enable-process-cred and --enable-process-ns (procfs.c's helpers,
 * not for other modules): ids and capability sets from a status text, namespace inodes from
 * PID/ns/ under an open procroot. */
#ifndef PROCSHIP_PROCFS_EXT_H
#define PROCSHIP_PROCFS_EXT_H

#include <stdint.h>
#include <linux/types.h>

#include "bpf/procship_event.h"

/* The real, saved and fs ids of the Uid: and Gid: lines and CapInh/CapPrm/CapEff of a
 * NUL-terminated /proc/PID/status text into x (what a line lacks is left as it is). */
void procfs_status_ext(const char *status, struct ps_ext *x);
/* The inode of root/PID/ns/NAME by enum ps_ns, 0 for one that cannot be stat'ed. Returns 0, or
 * -ENOENT when none could. */
int procfs_ns_inums_at(int root, uint32_t pid, uint32_t ns[PS_NS_COUNT]);

#endif
