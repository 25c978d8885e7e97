/* SPDX-License-Identifier: Apache-2.0 */
/* The start-up /proc scan: one exec-like record per process found in a procroot, parents
 * first, so that processes older than procship are reported and known; and Tetragon's
 * container-id rules. libc only. */
#include "shipper/capture/procfs.h"
#include "shipper/capture/procfs_ext.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define CGROUP2_MAGIC 0x63677270

/* Tetragon turns stat's start time into ns with a fixed CLK_TCK of 100. */
#define NS_PER_TICK 10000000ULL
/* The kernel's PF_KTHREAD, in stat's flags (field 9): what makes a task a kernel thread. */
#define PROCFS_PF_KTHREAD 0x00200000UL

struct scanned {
	uint32_t pid;
	uint32_t ppid;
	unsigned long long start_ticks;
	bool kthread;
};

static int by_pid(const void *a, const void *b)
{
	const struct scanned *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int by_start(const void *a, const void *b)
{
	const struct scanned *x = *(const struct scanned *const *)a;
	const struct scanned *y = *(const struct scanned *const *)b;

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

/* Up to size bytes, in as many reads as it takes (cmdline comes a page at a time). */
static ssize_t read_file(int root, uint32_t pid, const char *name, char *buf, size_t size)
{
	char path[32];
	size_t got = 0;
	ssize_t n = 0;
	int fd;

	proc_path(path, sizeof(path), pid, name);
	fd = openat(root, path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	while (got < size && (n = read(fd, buf + got, size - got)) > 0)
		got += (size_t)n;
	close(fd);
	return n < 0 && got == 0 ? -1 : (ssize_t)got;
}

static ssize_t read_link(int root, uint32_t pid, const char *name, char *buf, size_t size)
{
	char path[32];

	proc_path(path, sizeof(path), pid, name);
	return readlinkat(root, path, buf, size);
}

/* Fields after the ")" that ends comm: state is field 3, ppid 4, flags 9, starttime 22. The
 * last ")" is comm's end whatever bytes comm holds: the fields after it are numbers. */
static int parse_stat(int root, uint32_t pid, struct scanned *sc)
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
			sc->ppid = (uint32_t)strtoul(p, NULL, 10);
		if (field == 9)
			sc->kthread = (strtoul(p, NULL, 10) & PROCFS_PF_KTHREAD) != 0;
		if (field == 22) {
			sc->start_ticks = strtoull(p, NULL, 10);
			return 0;
		}
		p = strchr(p, ' ');
	}
	return -1;
}

/* The real and effective uid (the first and second of status's four), the effective gid, the
 * last NSpid, the loginuid. */
static void read_ids(int root, uint32_t pid, struct ps_event *e, uint32_t *nspid)
{
	char buf[2048];
	char *line;
	ssize_t n;

	n = read_file(root, pid, "status", buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		line = strstr(buf, "\nUid:");
		if (line)
			sscanf(line + 5, "%u %u", &e->ruid, &e->uid);
		line = strstr(buf, "\nGid:");
		if (line)
			sscanf(line + 5, "%*u %u", &e->gid);
		line = strstr(buf, "\nNSpid:");
		if (line) {
			char *end = strchr(line + 1, '\n'), *last;

			if (end)
				*end = '\0';
			last = strrchr(line, '\t');
			last = last ? last : strrchr(line, ' ');
			*nspid = last ? (uint32_t)strtoul(last + 1, NULL, 10) : 0;
		}
	}
	n = read_file(root, pid, "loginuid", buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		e->auid = (uint32_t)strtoul(buf, NULL, 10);
	}
}

/* What Tetragon's /proc reader fills of --enable-process-cred and --enable-process-ns from
 * status and ns/: the ids, the three capability sets (no securebits, nor how the exec raised
 * them, nor the file: /proc does not say) and the namespaces. A kernel thread gets zeros. */
static void fill_ext(int root, uint32_t pid, struct ps_event *e, uint32_t enrich)
{
	struct ps_ext x;
	char buf[8192];
	ssize_t n;

	memset(&x, 0, sizeof(x));
	if (!(e->flags & PS_F_KTHREAD) && pid > 0) {
		n = read_file(root, pid, "status", buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		if (enrich & PS_F_EXT_CRED && n > 0)
			procfs_status_ext(buf, &x);
		if (enrich & PS_F_EXT_NS)
			procfs_ns_inums_at(root, pid, x.ns);
	}
	memcpy(e->data + PS_EVENT_EXT_OFF(e), &x, sizeof(x));
	e->flags |= enrich & PS_F_EXT;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

void procfs_container_id(const char *name, bool bpf_source, char *buf, size_t size)
{
	const char *slash = strrchr(name, '/'), *colon, *dash, *id;
	size_t len;

	buf[0] = '\0';
	if (size < 32)
		return;
	name = slash ? slash + 1 : name;
	colon = strrchr(name, ':');
	id = colon ? colon + 1 : name;
	dash = strrchr(id, '-');
	id = dash ? dash + 1 : id;
	len = strlen(id);
	if (ends_with(id, len, "service"))
		return;
	if (len >= 64 || (bpf_source && strlen(name) >= PS_CGROUP_MAX - 1 && len >= 31)) {
		memcpy(buf, id, 31);
		buf[31] = '\0';
	}
}

static bool is_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return len > 0 && len % 2 == 0;
}

void procfs_container_ids(const char *text, char *buf, size_t size)
{
	char line[4096];

	buf[0] = '\0';
	if (size < 32)
		return;
	while (*text) {
		const char *nl = strchr(text, '\n'), *last;
		size_t len = nl ? (size_t)(nl - text) : strlen(text);

		snprintf(line, sizeof(line), "%.*s", (int)len, text);
		text += nl ? len + 1 : len;
		if (strstr(line, "pods") || strstr(line, "docker") || strstr(line, "libpod")) {
			procfs_container_id(line, false, buf, size);
			if (buf[0])
				return;
		}
		last = strrchr(line, '/');
		last = last ? last + 1 : line;
		if (strlen(last) >= 31 && is_hex(last, strlen(last))) {
			memcpy(buf, last, 31);
			buf[31] = '\0';
			return;
		}
	}
}

unsigned procfs_cgroup1_subsys(const char *procroot, const char *cgroupfs)
{
	static const char *const wanted[] = {"memory", "pids", "cpuset"};
	char path[4096], name[64];
	unsigned hier, best = 3, idx = 0, found = 0, i;
	struct statfs sfs;
	FILE *f;

	if (statfs(cgroupfs, &sfs) == 0 && sfs.f_type == CGROUP2_MAGIC)
		return 0;
	snprintf(path, sizeof(path), "%s/cgroups", procroot);
	f = fopen(path, "re");
	if (!f)
		return 0;
	/* One line per controller, in css_set->subsys order: name, hierarchy, count, enabled. */
	while (fgets(path, sizeof(path), f)) {
		int enabled = 0;

		if (path[0] == '#')
			continue;
		if (sscanf(path, "%63s %u %*u %d", name, &hier, &enabled) == 3 && hier && enabled)
			for (i = 0; i < best; i++)
				if (strcmp(name, wanted[i]) == 0) {
					best = i;
					found = idx + 1;
				}
		idx++;
	}
	fclose(f);
	return found;
}

/* The current directory, as Tetragon's /proc reader reports it. */
static void read_cwd(int root, uint32_t pid, struct ps_event *e, char *cwd, size_t size)
{
	ssize_t n = read_link(root, pid, "cwd", cwd, size);

	e->cwd_len = 0;
	if (n <= 0 || (size_t)n >= size) {
		e->flags |= PS_F_ROOTCWD | PS_F_ERR_CWD;
	} else if (n == 1 && cwd[0] == '/') {
		e->flags |= PS_F_ROOTCWD;
	} else {
		e->cwd_len = (uint32_t)n;
	}
}

/* The length of the white space Go's unicode.IsSpace sees at the end of s[0..len). */
static size_t trailing_space(const char *s, size_t len)
{
	static const char *const wide[] = {"\xc2\x85", "\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\xa8",
		"\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80"};
	size_t end = len, i;
	bool more = true;

	while (more && end > 0) {
		more = false;
		if (strchr(" \t\n\v\f\r", s[end - 1]) && s[end - 1]) {
			end--;
			more = true;
			continue;
		}
		/* U+2000..U+200A */
		if (end >= 3 && memcmp(s + end - 3, "\xe2\x80", 2) == 0 &&
			(unsigned char)s[end - 1] >= 0x80 && (unsigned char)s[end - 1] <= 0x8a) {
			end -= 3;
			more = true;
			continue;
		}
		for (i = 0; i < sizeof(wide) / sizeof(wide[0]) && !more; i++) {
			size_t w = strlen(wide[i]);

			if (end >= w && memcmp(s + end - w, wide[i], w) == 0) {
				end -= w;
				more = true;
			}
		}
	}
	return len - end;
}

/* A command line's length and that of its argv[0], read whole (not only what is kept). */
static int cmdline_shape(int root, uint32_t pid, size_t *total, size_t *argv0)
{
	char path[32], buf[4096];
	bool in_argv0 = true;
	ssize_t n;
	int fd;

	*total = *argv0 = 0;
	proc_path(path, sizeof(path), pid, "cmdline");
	fd = openat(root, path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		char *nul = in_argv0 ? memchr(buf, '\0', (size_t)n) : NULL;

		if (in_argv0)
			*argv0 += nul ? (size_t)(nul - buf) : (size_t)n;
		in_argv0 = in_argv0 && !nul;
		*total += (size_t)n;
	}
	close(fd);
	return n < 0 ? -1 : 0;
}

/* The length Tetragon's /proc reader gives a process's arguments: its exe in place of
 * argv[0]. A kernel thread as a parent counts nothing: its exe cannot be read and its comm,
 * which stands in for its command line, holds no NUL. */
static size_t tetragon_args_len(int root, uint32_t pid)
{
	char exe[PS_FILENAME_MAX];
	size_t total, argv0;
	ssize_t n;

	if (pid == 0 || cmdline_shape(root, pid, &total, &argv0) != 0 || total == 0)
		return 0;
	n = read_link(root, pid, "exe", exe, sizeof(exe));
	return (n > 0 && (size_t)n < sizeof(exe) ? (size_t)n : 0) + total - argv0;
}

/* How many bytes Tetragon's reader cuts from the child's arguments, cutting one at a time
 * from whichever of the child's and the parent's is longer (the child's on a tie). */
static size_t tetragon_child_cut(size_t child, size_t parent, size_t need)
{
	size_t first;

	if (child > parent) {
		first = child - parent < need ? child - parent : need;
		return first + (need - first + 1) / 2;
	}
	first = parent - child < need ? parent - child : need;
	return (need - first + 1) / 2;
}

/* Tetragon's /proc reader fits a process and its parent into one message of
 * TG_PROCFS_BUFFER bytes, reserving a cwd for each: past TG_PROCFS_NOCWD bytes of arguments
 * between the two, the child loses its cwd (nocwd; the path then ends its arguments, as
 * Tetragon's decoder reads them), and past TG_PROCFS_CUT the longer arguments are cut
 * (truncArgs). exe_len is the filename's length; the arguments sit after the cwd in data. */
#define TG_PROCFS_NOCWD 1124 /* 1024 + 4096 + 2 * 64 + 100 (its buffer) - 2 * (64 + 4096) */
#define TG_PROCFS_CUT	5220 /* TG_PROCFS_NOCWD + the child's cwd */
static void tetragon_fit(int root, uint32_t pid, uint32_t ppid, struct ps_event *e)
{
	size_t total, argv0, child, parent, keep;
	char *args = e->data + e->filename_len + e->cwd_len;

	if (cmdline_shape(root, pid, &total, &argv0) != 0 || total == 0)
		return;
	child = e->filename_len + total - argv0;
	parent = tetragon_args_len(root, ppid);
	if (child + parent > TG_PROCFS_CUT) {
		keep = child - tetragon_child_cut(child, parent, child + parent - TG_PROCFS_CUT);
		keep = keep > e->filename_len ? keep - e->filename_len : 0;
		if (argv0 + keep < e->args_len) {
			e->args_len = (uint32_t)(argv0 + keep);
			e->flags |= PS_F_TRUNC_ARGS;
		}
	}
	if (child + parent > TG_PROCFS_NOCWD) {
		e->flags |= PS_F_NOCWD;
		if (e->cwd_len > 0) {
			char cwd[PS_CWD_MAX];
			uint32_t clen = e->cwd_len;

			memcpy(cwd, e->data + e->filename_len, clen);
			memmove(e->data + e->filename_len, args, e->args_len);
			e->data[e->filename_len + e->args_len] = ' ';
			memcpy(e->data + e->filename_len + e->args_len + 1, cwd, clen);
			e->args_len += 1 + clen;
			e->cwd_len = 0;
		}
		return;
	}
	/* Tetragon's decoder trims the white space around the cwd of a /proc process. */
	if (e->cwd_len > 0) {
		size_t cut = trailing_space(e->data + e->filename_len, e->cwd_len);

		if (cut > 0) {
			memmove(args - cut, args, e->args_len);
			e->cwd_len -= (uint32_t)cut;
		}
	}
}

/* comm, without the newline, bracketed: how Tetragon (and ps) name a kernel thread. */
static int kthread_name(int root, uint32_t pid, char *buf, size_t size)
{
	char comm[PS_COMM_MAX + 2];
	ssize_t n = read_file(root, pid, "comm", comm, sizeof(comm) - 1);

	if (n < 0)
		return -1;
	while (n > 0 && comm[n - 1] == '\n')
		n--;
	return snprintf(buf, size, "[%.*s]", (int)n, comm);
}

/* The strings of a process: filename, cwd and cmdline back to back in data. Returns -1 when
 * the entry is to be skipped (gone, or no cmdline or comm to read). A kernel thread is told
 * by its PF_KTHREAD, not by an empty cmdline (Tetragon v1.7.0's test), which any process can
 * give itself (or a zombie has): it must not pass for a uid-0 thread that is never reported. */
static int fill_strings(
	int root, const struct scanned *sc, struct ps_event *e, struct procfs_result *res)
{
	uint32_t pid = sc->pid;
	char exe[PS_FILENAME_MAX], cwd[PS_CWD_MAX + 1], comm[PS_COMM_MAX + 2];
	ssize_t n, args;
	char *at;

	if (read_file(root, pid, "comm", comm, sizeof(comm)) < 0)
		return -1;
	n = read_link(root, pid, "exe", exe, sizeof(exe));
	if (n < 0 || (size_t)n >= sizeof(exe))
		n = 0;
	read_cwd(root, pid, e, cwd, sizeof(cwd));
	e->filename_len = (uint32_t)n;
	at = e->data + e->filename_len + e->cwd_len;
	args = read_file(root, pid, "cmdline", at, PS_ARGS_MAX + 1);
	if (args < 0)
		return -1;
	if (sc->kthread) {
		/* A kernel thread: its name in place of a path, no cwd, root. */
		int w = kthread_name(root, pid, e->data, PS_COMM_MAX + 3);

		if (w < 0)
			return -1;
		e->filename_len = (uint32_t)w;
		e->cwd_len = 0;
		e->flags = PS_F_PROCFS | PS_F_KTHREAD;
		e->uid = e->gid = e->ruid = 0;
		res->kthreads++;
		return 0;
	}
	/* More than PS_ARGS_MAX is always cut to less by tetragon_fit. */
	e->args_len = (uint32_t)(args > PS_ARGS_MAX ? PS_ARGS_MAX : args);
	memcpy(e->data, exe, (size_t)n);
	memcpy(e->data + n, cwd, e->cwd_len);
	/* Without a cmdline either, the process has no memory left: it is exiting, or a zombie,
	 * which is no news (a sandbox's pid 1, whose exe alone is hidden, is). */
	if (n == 0 && args > 0) {
		if (!res->no_exe++)
			res->first_no_exe = pid;
	}
	tetragon_fit(root, pid, e->ppid, e);
	return 0;
}

/* Fill e for one listed process and hand it to cb; nothing for a process that has gone since
 * it was listed. Only the header is cleared: the strings are cut to their lengths. */
static void scan_one(int root, const struct scanned *sc, struct ps_event *e,
	struct procfs_result *res, uint32_t enrich, sensor_record_fn *cb, void *arg)
{
	char cgroup[4096];
	uint32_t nspid = 0;
	ssize_t n;

	memset(e, 0, PS_EVENT_DATA_OFF);
	e->type = PS_EVENT_EXEC;
	e->flags = PS_F_PROCFS;
	e->pid = e->tid = sc->pid;
	e->ppid = sc->ppid;
	e->ktime = e->start_ktime = sc->start_ticks * NS_PER_TICK;
	e->auid = PS_AUID_UNSET;
	e->uid = e->gid = e->ruid = PS_AUID_UNSET;
	read_ids(root, sc->pid, e, &nspid);
	if (fill_strings(root, sc, e, res) != 0)
		return;
	if (!(e->flags & PS_F_KTHREAD) && sc->pid > 0) {
		n = read_file(root, sc->pid, "cgroup", cgroup, sizeof(cgroup) - 1);
		cgroup[n > 0 ? n : 0] = '\0';
		procfs_container_ids(cgroup, e->cgroup, sizeof(e->cgroup));
		/* Tetragon keeps the namespaced pid only with a container id. */
		e->nspid = e->cgroup[0] ? nspid : 0;
	}
	if (enrich & PS_F_EXT)
		fill_ext(root, sc->pid, e, enrich);
	cb(arg, e);
}

/* Tetragon's first procFS entry: the kernel, pid 0, its own parent. */
static void scan_kernel(struct ps_event *e, uint32_t enrich, sensor_record_fn *cb, void *arg)
{
	static const char name[] = "<kernel>";

	memset(e, 0, PS_EVENT_DATA_OFF);
	e->type = PS_EVENT_EXEC;
	e->flags = PS_F_PROCFS;
	e->ktime = e->start_ktime = 1;
	e->auid = PS_AUID_UNSET;
	memcpy(e->data, name, sizeof(name) - 1);
	e->filename_len = sizeof(name) - 1;
	if (enrich & PS_F_EXT)
		fill_ext(-1, 0, e, enrich);
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
		struct scanned sc = {0};
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (!isdigit((unsigned char)de->d_name[0]) || *end != '\0' || pid == 0 ||
			pid > UINT32_MAX)
			continue;
		sc.pid = (uint32_t)pid;
		if (parse_stat(dirfd(dir), sc.pid, &sc) != 0)
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
		(*list)[count++] = sc;
	}
	return (int)count;
}

/* order[] gets the entries parents first: in start-time order, each entry preceded by its
 * ancestors not yet placed. list is sorted by pid (for the parent look-ups). A start-time
 * order alone is not enough: a process adopted by a subreaper that started after it. */
static int parents_first(struct scanned *list, size_t count, struct scanned **order)
{
	struct scanned **by_time = malloc(count * sizeof(*by_time));
	struct scanned **stack = malloc(count * sizeof(*stack));
	unsigned char *placed = calloc(count, 1);
	size_t i, n = 0;

	if (count == 0) {
		free(by_time);
		free(stack);
		free(placed);
		return 0;
	}
	if (!by_time || !stack || !placed) {
		free(by_time);
		free(stack);
		free(placed);
		return -ENOMEM;
	}
	for (i = 0; i < count; i++)
		by_time[i] = &list[i];
	qsort(by_time, count, sizeof(*by_time), by_start);
	for (i = 0; i < count; i++) {
		size_t depth = 0;
		struct scanned *s = by_time[i];

		/* Climb to the first placed (or unknown) ancestor, then place on the way down;
		 * marking on the way up makes a ppid loop end. */
		while (s && !placed[s - list] && depth < count) {
			struct scanned key = {.pid = s->ppid};

			placed[s - list] = 1;
			stack[depth++] = s;
			s = s->ppid ? bsearch(&key, list, count, sizeof(*list), by_pid) : NULL;
		}
		while (depth > 0)
			order[n++] = stack[--depth];
	}
	free(by_time);
	free(stack);
	free(placed);
	return (int)n;
}

int procfs_scan(const char *procroot, sensor_record_fn *cb, void *arg, struct procfs_result *res)
{
	return procfs_scan_ext(procroot, 0, cb, arg, res);
}

int procfs_scan_ext(const char *procroot, uint32_t enrich, sensor_record_fn *cb, void *arg,
	struct procfs_result *res)
{
	struct procfs_result local = {0};
	struct scanned *list = NULL, **order = NULL;
	struct ps_event *e = NULL;
	DIR *dir;
	int count, i;

	res = res ? res : &local;
	memset(res, 0, sizeof(*res));
	dir = opendir(procroot);
	if (!dir)
		return -errno;
	count = list_procs(dir, &list);
	if (count < 0)
		goto out;
	res->listed = count;
	if (count > 0)
		qsort(list, (size_t)count, sizeof(*list), by_pid);
	order = malloc(((size_t)count + 1) * sizeof(*order));
	e = malloc(sizeof(*e));
	if (!order || !e || parents_first(list, (size_t)count, order) < 0) {
		count = -ENOMEM;
		goto out;
	}
	scan_kernel(e, enrich, cb, arg);
	/* procship itself is not reported, as the sensor ignores it. */
	for (i = 0; i < count; i++)
		if (order[i]->pid != (uint32_t)getpid())
			scan_one(dirfd(dir), order[i], e, res, enrich, cb, arg);
out:
	free(e);
	free(order);
	free(list);
	closedir(dir);
	return count;
}
