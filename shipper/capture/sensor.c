/* SPDX-License-Identifier: Apache-2.0 */
/* The BPF sensor: the skeleton's open/load/attach, the ring buffer's drain and poll timer,
 * and the drop counters. */
#include "shipper/capture/sensor.h"

#include <errno.h>
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
			(size < PS_EVENT_DATA_OFF || e->filename_len >= PS_FILENAME_MAX ||
				e->cwd_len > PS_CWD_MAX || e->args_len > PS_ARGS_MAX ||
				(size_t)e->filename_len + e->cwd_len + e->args_len >
					size - PS_EVENT_DATA_OFF))) {
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
	s->skel->rodata->cgroup1_subsys = cfg->cgroup1_subsys;
	ret = libbpf_num_possible_cpus();
	if (ret > 0)
		ret = bpf_map__set_max_entries(s->skel->maps.scratch, (__u32)ret);
	if (ret < 0) {
		snprintf(err, errlen, "sensor: size the exec scratch map: %s", strerror(-ret));
		goto err_out;
	}
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

int sensor_drops(const struct sensor *s, uint64_t drops[PS_DROP_SLOTS])
{
	int ncpus = libbpf_num_possible_cpus();
	__u32 key;

	if (ncpus <= 0)
		return -EINVAL;
	for (key = 0; key < PS_DROP_SLOTS; key++) {
		__u64 values[ncpus];
		int i;

		drops[key] = 0;
		if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.drops), &key, values))
			return -errno;
		for (i = 0; i < ncpus; i++)
			drops[key] += values[i];
	}
	drops[PS_DROP_SHORT] += s->short_records;
	return 0;
}
