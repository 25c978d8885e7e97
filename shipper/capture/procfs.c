/* SPDX-License-Identifier: Apache-2.0 */
/* The start-up /proc scan: one exec-like record per process found in a procroot, so that
 * processes older than procship are known. libc only. */
#include "shipper/capture/procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct scanned {
	uint32_t pid;
	unsigned long long start_ticks;
};

static int by_start(const void *a, const void *b)
{
	const struct scanned *x = a, *y = b;

	if (x->start_ticks != y->start_ticks)
		return x->start_ticks < y->start_ticks ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Files are opened relative to the procroot's fd, so that no procroot is too long for a
 * path buffer: "PID/NAME" always fits. */
static void proc_path(char *path, size_t size, uint32_t pid, const char *name)
{
	snprintf(path, size, "%u/%s", pid, name);
}

/* One read(2): what procfs hands over at once. */
static ssize_t read_file(int root, uint32_t pid, const char *name, char *buf, size_t size)
{
	char path[32];
	ssize_t n;
	int fd;

	proc_path(path, sizeof(path), pid, name);
	fd = openat(root, path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = read(fd, buf, size);
	close(fd);
	return n;
}

static ssize_t read_link(int root, uint32_t pid, const char *name, char *buf, size_t size)
{
	char path[32];

	proc_path(path, sizeof(path), pid, name);
	return readlinkat(root, path, buf, size);
}

/* Fields after the ")" that ends comm: state is field 3, ppid 4, starttime 22. The last ")"
 * is comm's end whatever bytes comm holds: the fields after it are numbers. */
static int parse_stat(int root, uint32_t pid, uint32_t *ppid, unsigned long long *start)
{
	char buf[1024];
	char *p;
	ssize_t n;
	int field;

	n = read_file(root, pid, "stat", buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	p++;
	for (field = 3; field <= 22 && p; field++) {
		while (*p == ' ')
			p++;
		if (field == 4)
			*ppid = (uint32_t)strtoul(p, NULL, 10);
		if (field == 22) {
			*start = strtoull(p, NULL, 10);
			return 0;
		}
		p = strchr(p, ' ');
	}
	return -1;
}

/* The effective uid and gid (the second of status's four), and the loginuid. */
static void read_ids(int root, uint32_t pid, struct ps_event *e)
{
	char buf[512];
	char *line;
	ssize_t n;

	n = read_file(root, pid, "status", buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		line = strstr(buf, "\nUid:");
		if (line)
			sscanf(line + 5, "%*u %u", &e->uid);
		line = strstr(buf, "\nGid:");
		if (line)
			sscanf(line + 5, "%*u %u", &e->gid);
	}
	n = read_file(root, pid, "loginuid", buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		e->auid = (uint32_t)strtoul(buf, NULL, 10);
	}
}

/* The last component of the cgroup v2 path ("0::/a/b" -> "b"), as the BPF side reads the
 * innermost cgroup's name. */
static void read_cgroup(int root, uint32_t pid, struct ps_event *e)
{
	char buf[512];
	char *line, *nl, *slash;
	ssize_t n;

	e->cgroup[0] = '\0';
	n = read_file(root, pid, "cgroup", buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	line = strstr(buf, "0::");
	if (!line)
		return;
	nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	slash = strrchr(line, '/');
	snprintf(e->cgroup, sizeof(e->cgroup), "%s", slash ? slash + 1 : "");
}

/* Fill e for one listed process and hand it to cb; nothing for a process that has gone since
 * it was listed, or has no executable. Only the header is cleared: the strings are cut to
 * their lengths. */
static void scan_one(int root, const struct scanned *sc, long ticks_per_sec, struct ps_event *e,
	sensor_record_fn *cb, void *arg)
{
	ssize_t n;

	memset(e, 0, offsetof(struct ps_event, filename));
	e->type = PS_EVENT_EXEC;
	e->flags = PS_F_PROCFS;
	e->pid = e->tid = sc->pid;
	if (parse_stat(root, sc->pid, &e->ppid, &(unsigned long long){0}) != 0)
		return;
	e->ktime = e->start_ktime =
		sc->start_ticks * (1000000000ULL / (unsigned long long)ticks_per_sec);
	e->auid = PS_AUID_UNSET;

	n = read_link(root, sc->pid, "exe", e->filename, sizeof(e->filename) - 1);
	if (n <= 0)
		return; /* kernel threads have no executable: not processes we report */
	e->filename[n] = '\0';
	e->filename_len = (uint32_t)n;

	n = read_file(root, sc->pid, "cmdline", e->args, sizeof(e->args));
	e->args_len = n > 0 ? (uint32_t)n : 0;
	if (n == (ssize_t)sizeof(e->args))
		e->flags |= PS_F_TRUNC_ARGS;

	/* cwd is stored as a plain path here: sensor records from BPF hold components leaf
	 * first, so the procfs flag tells the consumer which form it has. */
	n = read_link(root, sc->pid, "cwd", e->cwd, sizeof(e->cwd) - 1);
	if (n > 0) {
		e->cwd[n] = '\0';
		e->cwd_len = (uint32_t)n;
	} else {
		e->cwd[0] = '\0';
		e->flags |= PS_F_ERR_CWD;
	}
	read_ids(root, sc->pid, e);
	read_cgroup(root, sc->pid, e);
	cb(arg, e);
}

/* The numeric entries of dir whose stat can be read, in *list (malloc'd). Returns their count
 * or -ENOMEM. */
static int list_procs(DIR *dir, struct scanned **list)
{
	size_t count = 0, cap = 0;
	struct dirent *de;

	*list = NULL;
	while ((de = readdir(dir))) {
		uint32_t ppid;
		unsigned long long start;
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (!isdigit((unsigned char)de->d_name[0]) || *end != '\0')
			continue;
		if (parse_stat(dirfd(dir), (uint32_t)pid, &ppid, &start) != 0)
			continue;
		if (count == cap) {
			struct scanned *grown;

			cap = cap ? cap * 2 : 256;
			grown = realloc(*list, cap * sizeof(**list));
			if (!grown) {
				free(*list);
				*list = NULL;
				return -ENOMEM;
			}
			*list = grown;
		}
		(*list)[count].pid = (uint32_t)pid;
		(*list)[count].start_ticks = start;
		count++;
	}
	return (int)count;
}

int procfs_scan(const char *procroot, sensor_record_fn *cb, void *arg)
{
	long ticks_per_sec = sysconf(_SC_CLK_TCK);
	struct scanned *list;
	struct ps_event *e;
	DIR *dir;
	int count, i;

	if (ticks_per_sec <= 0)
		ticks_per_sec = 100;
	dir = opendir(procroot);
	if (!dir)
		return -errno;
	count = list_procs(dir, &list);
	if (count < 0)
		goto out;
	/* Parents start before their children: start-time order feeds parents first. */
	if (count > 0)
		qsort(list, (size_t)count, sizeof(*list), by_start);
	e = malloc(sizeof(*e));
	if (!e) {
		count = -ENOMEM;
		goto out;
	}
	for (i = 0; i < count; i++)
		scan_one(dirfd(dir), &list[i], ticks_per_sec, e, cb, arg);
	free(e);
out:
	free(list);
	closedir(dir);
	return count;
}
