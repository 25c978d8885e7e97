/* SPDX-License-Identifier: Apache-2.0 */
/* What the /proc scan reads for the enrichments: status's ids and capability sets, ns/ inodes. */
#include "shipper/capture/procfs_ext.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shipper/capture/procfs.h"

static const char *const ns_files[PS_NS_COUNT] = {
	[PS_NS_UTS] = "ns/uts",
	[PS_NS_IPC] = "ns/ipc",
	[PS_NS_MNT] = "ns/mnt",
	[PS_NS_PID] = "ns/pid",
	[PS_NS_PID_FOR_CHILDREN] = "ns/pid_for_children",
	[PS_NS_NET] = "ns/net",
	[PS_NS_TIME] = "ns/time",
	[PS_NS_TIME_FOR_CHILDREN] = "ns/time_for_children",
	[PS_NS_CGROUP] = "ns/cgroup",
	[PS_NS_USER] = "ns/user",
};

int procfs_ns_inums_at(int root, uint32_t pid, uint32_t ns[PS_NS_COUNT])
{
	int i, found = 0;

	for (i = 0; i < PS_NS_COUNT; i++) {
		char path[48];
		struct stat st;

		snprintf(path, sizeof(path), "%u/%s", pid, ns_files[i]);
		ns[i] = fstatat(root, path, &st, 0) == 0 ? (uint32_t)st.st_ino : 0;
		found += ns[i] != 0;
	}
	return found ? 0 : -ENOENT;
}

int procfs_ns_inums(const char *procroot, uint32_t pid, uint32_t ns[PS_NS_COUNT])
{
	int root = open(procroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

	if (root == -1) {
		memset(ns, 0, PS_NS_COUNT * sizeof(*ns));
		return -errno;
	}
	ret = procfs_ns_inums_at(root, pid, ns);
	close(root);
	return ret;
}

/* The four ids of a status line ("Uid:\treal\teffective\tsaved\tfs"). */
static void status_ids(const char *buf, const char *key, uint32_t *r, uint32_t *s, uint32_t *fs)
{
	const char *line = strstr(buf, key);

	if (line)
		sscanf(line + strlen(key), "%u %*u %u %u", r, s, fs);
}

static uint64_t status_caps(const char *buf, const char *key)
{
	const char *line = strstr(buf, key);

	return line ? strtoull(line + strlen(key), NULL, 16) : 0;
}

void procfs_status_ext(const char *status, struct ps_ext *x)
{
	status_ids(status, "\nUid:", &x->uid, &x->suid, &x->fsuid);
	status_ids(status, "\nGid:", &x->gid, &x->sgid, &x->fsgid);
	x->cap_inheritable = status_caps(status, "\nCapInh:");
	x->cap_permitted = status_caps(status, "\nCapPrm:");
	x->cap_effective = status_caps(status, "\nCapEff:");
}
