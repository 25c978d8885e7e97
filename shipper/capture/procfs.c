/* The start-up /proc scan: one exec-like record per process found in procroot, so that
 * processes older than procship are known. */
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

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = read(fd, buf, size);
	close(fd);
	return n;
}

/* Fields after the ")" that ends comm: state is field 3, ppid 4, starttime 22. */
static int parse_stat(const char *procroot, uint32_t pid, uint32_t *ppid, unsigned long long *start)
{
	char path[64], buf[1024];
	char *p;
	ssize_t n;
	int field;

	snprintf(path, sizeof(path), "%s/%u/stat", procroot, pid);
	n = read_file(path, buf, sizeof(buf) - 1);
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

static void scan_one(const char *procroot, const struct scanned *sc, long ticks_per_sec,
	struct ps_event *e, sensor_record_fn *cb, void *arg)
{
	char path[64], buf[512];
	ssize_t n;
	char *line;

	memset(e, 0, offsetof(struct ps_event, filename));
	e->type = PS_EVENT_EXEC;
	e->flags = PS_F_PROCFS;
	e->pid = e->tid = sc->pid;
	if (parse_stat(procroot, sc->pid, &e->ppid, &(unsigned long long){0}) != 0)
		return;
	e->ktime = e->start_ktime =
		sc->start_ticks * (1000000000ULL / (unsigned long long)ticks_per_sec);
	e->auid = PS_AUID_UNSET;

	snprintf(path, sizeof(path), "%s/%u/exe", procroot, sc->pid);
	n = readlink(path, e->filename, sizeof(e->filename) - 1);
	if (n <= 0)
		return; /* kernel threads have no executable: not processes we report */
	e->filename[n] = '\0';
	e->filename_len = (uint32_t)n;

	snprintf(path, sizeof(path), "%s/%u/cmdline", procroot, sc->pid);
	n = read_file(path, e->args, sizeof(e->args));
	e->args_len = n > 0 ? (uint32_t)n : 0;
	if (n == (ssize_t)sizeof(e->args))
		e->flags |= PS_F_TRUNC_ARGS;

	/* cwd is stored as a plain path here: sensor records from BPF hold components leaf
	 * first, so the procfs flag tells the consumer which form it has. */
	snprintf(path, sizeof(path), "%s/%u/cwd", procroot, sc->pid);
	n = readlink(path, e->cwd, sizeof(e->cwd) - 1);
	if (n > 0) {
		e->cwd[n] = '\0';
		e->cwd_len = (uint32_t)n;
	} else {
		e->cwd[0] = '\0';
		e->flags |= PS_F_ERR_CWD;
	}

	snprintf(path, sizeof(path), "%s/%u/status", procroot, sc->pid);
	n = read_file(path, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		line = strstr(buf, "\nUid:");
		if (line)
			sscanf(line + 5, "%*u %u", &e->uid);
		line = strstr(buf, "\nGid:");
		if (line)
			sscanf(line + 5, "%*u %u", &e->gid);
	}
	snprintf(path, sizeof(path), "%s/%u/loginuid", procroot, sc->pid);
	n = read_file(path, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		e->auid = (uint32_t)strtoul(buf, NULL, 10);
	}
	snprintf(path, sizeof(path), "%s/%u/cgroup", procroot, sc->pid);
	n = read_file(path, buf, sizeof(buf) - 1);
	e->cgroup[0] = '\0';
	if (n > 0) {
		char *nl, *slash;

		buf[n] = '\0';
		line = strstr(buf, "0::");
		if (line) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			slash = strrchr(line, '/');
			snprintf(e->cgroup, sizeof(e->cgroup), "%s", slash ? slash + 1 : "");
		}
	}
	cb(arg, e);
}

int procfs_scan(const char *procroot, sensor_record_fn *cb, void *arg)
{
	long ticks_per_sec = sysconf(_SC_CLK_TCK);
	struct scanned *list = NULL;
	size_t count = 0, cap = 0, i;
	struct ps_event *e;
	struct dirent *de;
	DIR *dir;

	if (ticks_per_sec <= 0)
		ticks_per_sec = 100;
	dir = opendir(procroot);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		uint32_t ppid;
		unsigned long long start;
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (!isdigit((unsigned char)de->d_name[0]) || *end != '\0')
			continue;
		if (parse_stat(procroot, (uint32_t)pid, &ppid, &start) != 0)
			continue;
		if (count == cap) {
			struct scanned *grown;

			cap = cap ? cap * 2 : 256;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown) {
				free(list);
				closedir(dir);
				return -ENOMEM;
			}
			list = grown;
		}
		list[count].pid = (uint32_t)pid;
		list[count].start_ticks = start;
		count++;
	}
	closedir(dir);
	/* Parents start before their children: start-time order feeds parents first. */
	qsort(list, count, sizeof(*list), by_start);
	e = malloc(sizeof(*e));
	if (!e) {
		free(list);
		return -ENOMEM;
	}
	for (i = 0; i < count; i++)
		scan_one(procroot, &list[i], ticks_per_sec, e, cb, arg);
	free(e);
	free(list);
	return (int)count;
}
