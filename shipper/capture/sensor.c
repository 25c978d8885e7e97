#include "shipper/capture/sensor.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "procship.skel.h"

/* While records keep coming, user space reads the ring on this timer and the BPF side never
 * wakes it (see consumer_polling in bpf/procship.bpf.c); a drain that finds nothing ends
 * that, and the next exec or exit wakes it. 5 ms bounds the latency in a storm. */
#define POLL_INTERVAL_NS (5 * 1000 * 1000)

struct sensor {
	struct procship_bpf *skel;
	struct ring_buffer *rb;
	int timer_fd;
	bool polling;
	sensor_record_fn *cb;
	void *cb_arg;
	uint64_t short_records;
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct sensor *s = ctx;

	const struct ps_event *e = data;

	/* Records are cut to what they use: never read past what arrived. */
	if (size < PS_EVENT_HDR_SIZE ||
		(e->type == PS_EVENT_EXEC &&
			(size < PS_EVENT_ARGS_OFF || e->args_len > size - PS_EVENT_ARGS_OFF))) {
		s->short_records++;
		return 0;
	}
	s->cb(s->cb_arg, e);
	return 0;
}

/* libbpf prints through this; keep its warnings, drop its debug chatter. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	fputs("procship: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

struct sensor *sensor_open(const struct sensor_config *cfg, char *err, size_t errlen)
{
	struct sensor *s;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "sensor: out of memory");
		return NULL;
	}
	s->timer_fd = -1;
	s->cb = cfg->cb;
	s->cb_arg = cfg->cb_arg;
	s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (s->timer_fd == -1) {
		ret = -errno;
		snprintf(err, errlen, "sensor: timerfd: %s", strerror(errno));
		goto err_out;
	}
	libbpf_set_print(libbpf_print);

	s->skel = procship_bpf__open();
	if (!s->skel) {
		ret = -errno;
		snprintf(err, errlen, "sensor: open BPF object: %s", strerror(errno));
		goto err_out;
	}
	s->skel->rodata->ignore_tgid = (__u32)getpid();
	if (cfg->wakeup_bytes)
		s->skel->rodata->wakeup_bytes = cfg->wakeup_bytes;
	if (cfg->ringbuf_bytes) {
		ret = bpf_map__set_max_entries(s->skel->maps.events, (__u32)cfg->ringbuf_bytes);
		if (ret) {
			snprintf(err, errlen, "sensor: ring buffer size %zu: %s",
				cfg->ringbuf_bytes, strerror(-ret));
			goto err_out;
		}
	}
	ret = procship_bpf__load(s->skel);
	if (ret) {
		snprintf(err, errlen,
			"sensor: load BPF programs: %s (procship needs root or "
			"CAP_BPF+CAP_PERFMON, "
			"and a kernel with BTF)",
			strerror(-ret));
		goto err_out;
	}
	ret = procship_bpf__attach(s->skel);
	if (ret) {
		snprintf(err, errlen, "sensor: attach BPF programs: %s", strerror(-ret));
		goto err_out;
	}
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.events), on_record, s, NULL);
	if (!s->rb) {
		ret = -errno;
		snprintf(err, errlen, "sensor: ring buffer: %s", strerror(errno));
		goto err_out;
	}
	return s;

err_out:
	sensor_free(s);
	errno = ret < 0 ? -ret : EINVAL;
	return NULL;
}

void sensor_free(struct sensor *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	procship_bpf__destroy(s->skel);
	if (s->timer_fd != -1)
		close(s->timer_fd);
	free(s);
}

int sensor_fd(const struct sensor *s)
{
	return ring_buffer__epoll_fd(s->rb);
}

int sensor_timer_fd(const struct sensor *s)
{
	return s->timer_fd;
}

static int set_polling(struct sensor *s, bool on)
{
	struct itimerspec its = {{0, on ? POLL_INTERVAL_NS : 0}, {0, on ? POLL_INTERVAL_NS : 0}};

	s->polling = on;
	return timerfd_settime(s->timer_fd, 0, &its, NULL) == -1 ? -errno : 0;
}

int sensor_drain(struct sensor *s)
{
	volatile __u32 *flag = &s->skel->bss->consumer_polling;
	uint64_t expirations;
	int n, more;

	(void)!read(s->timer_fd, &expirations, sizeof(expirations));
	n = ring_buffer__consume(s->rb);
	if (n < 0)
		return n;
	if (n > 0) {
		*flag = 1;
		if (!s->polling)
			(void)set_polling(s, true);
		return n;
	}
	if (!s->polling)
		return 0; /* woken by something else while idle: still idle */
	/* Nothing came since the last poll: ask to be woken, then look once more, for a
	 * record that came before the BPF side could see the request. The fence pairs with
	 * the atomic in wakeup_flag(): either that record is seen here or its program sees
	 * the request and wakes us. */
	*flag = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	more = ring_buffer__consume(s->rb);
	if (more > 0) {
		*flag = 1;
		return more;
	}
	(void)set_polling(s, false);
	return more;
}

int sensor_drops(const struct sensor *s, uint64_t drops[4])
{
	int ncpus = libbpf_num_possible_cpus();
	__u32 key;

	if (ncpus <= 0)
		return -EINVAL;
	for (key = 0; key < 4; key++) {
		__u64 values[ncpus];
		int i;

		drops[key] = 0;
		if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.drops), &key, values))
			return -errno;
		for (i = 0; i < ncpus; i++)
			drops[key] += values[i];
	}
	drops[0] += s->short_records;
	return 0;
}

/* ---- /proc scan ------------------------------------------------------------------------- */

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
	e->flags = PS_F_USER_PROCFS;
	e->pid = e->tid = sc->pid;
	if (parse_stat(procroot, sc->pid, &e->ppid, &(unsigned long long){0}) != 0)
		return;
	e->ktime = e->start_ktime =
		sc->start_ticks * (1000000000ULL / (unsigned long long)ticks_per_sec);
	e->auid = 0xffffffff;

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

int sensor_scan_proc(const char *procroot, sensor_record_fn *cb, void *arg)
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
