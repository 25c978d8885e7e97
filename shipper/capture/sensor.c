/* SPDX-License-Identifier: Apache-2.0 */
/* The BPF sensor: the skeleton's open/load/attach, the ring buffer's drain and poll timer,
 * and the drop counters. */
#include "shipper/capture/sensor.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <sys/capability.h>

#include "procship.skel.h"

/* While records keep coming, user space reads the ring every --ring-buffer-poll-us (default
 * POLL_INTERVAL_NS) and the BPF side never wakes it (see consumer_polling in
 * bpf/procship.bpf.c); the interval bounds the latency in a storm. The loop's wait itself
 * ends when the poll is due (sensor_poll_due): a timer fd would cost a read to clear it on
 * every poll, and a settime each time polling starts or stops (bench/FINDINGS.md 35).
 * Polling starts when wake-ups come less than WAKE_GAP_NS apart (above ~1,000 a second, ~500
 * execs) and ends at a poll that finds fewer than POLL_MIN_RECORDS (~1,600 a second at the
 * default interval): then each exec or exit wakes user space again. Polling on any record
 * kept a busy host's events waiting for the next tick (round two's p99 of 4.3 ms at 20
 * execs/s); waking on every one in a storm costs the traced tasks an interrupt and an IPI
 * each (bench/FINDINGS.md 12). */
#define POLL_INTERVAL_NS (5 * 1000 * 1000)
#define POLL_MIN_RECORDS 8
#define WAKE_GAP_NS	 (1000 * 1000)

struct sensor {
	struct procship_bpf *skel;
	struct ring_buffer *rb;
	bool polling;
	int64_t poll_due_ns;  /* while polling: when the ring is next read */
	int64_t last_wake_ns; /* of the last drain while not polling that found records */
	int64_t poll_ns;
	sensor_record_fn *cb;
	void *cb_arg;
	uint64_t short_records;
	bool prepare_exec;
};

/* Whether the running kernel has the sched_prepare_exec tracepoint (Linux 6.10). */
static bool kernel_has_prepare_exec(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool has;

	if (!btf)
		return false;
	has = btf__find_by_name_kind(btf, "btf_trace_sched_prepare_exec", BTF_KIND_TYPEDEF) > 0;
	btf__free(btf);
	return has;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct sensor *s = ctx;

	const struct ps_event *e = data;

	/* Records are cut to what they use: never read past what arrived. */
	if (size < PS_EVENT_HDR_SIZE ||
		(e->type == PS_EVENT_EXEC &&
			(size < PS_EVENT_DATA_OFF || e->filename_len >= PS_FILENAME_MAX ||
				e->cwd_len > PS_CWD_MAX || e->args_len > PS_ARGS_MAX ||
				e->env_len > PS_ENV_MAX ||
				(e->env_len && !(e->flags & PS_F_EXT_ENV)) ||
				(size_t)e->filename_len + e->cwd_len + e->args_len + e->env_len +
						(e->flags & PS_F_EXT ? sizeof(struct ps_ext) : 0) >
					size - PS_EVENT_DATA_OFF))) {
		s->short_records++;
		return 0;
	}
	s->cb(s->cb_arg, e);
	return 0;
}

/* libbpf's print hook is process-wide and has no argument: the caller's sink is kept here. */
static sensor_libbpf_log_fn *libbpf_sink;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	int n;

	(void)level;
	if (!libbpf_sink)
		return 0;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n <= 0)
		return 0;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1; /* cut: the rest of a long line is lost */
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	libbpf_sink(line);
	return 0;
}

static bool cap_effective(cap_t caps, cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;

	if (!CAP_IS_SUPPORTED(cap) || cap_get_flag(caps, cap, CAP_EFFECTIVE, &v) == -1)
		return false;
	return v == CAP_SET;
}

/* Loading and attaching tracing programs takes CAP_BPF and CAP_PERFMON (Linux 5.8+), or
 * CAP_SYS_ADMIN, which covers both on every kernel. */
static int check_privileges(char *err, size_t errlen)
{
	cap_t caps = cap_get_proc();
	bool bpf, perfmon, admin;

	if (!caps) {
		snprintf(err, errlen, "sensor: read capabilities: %s", strerror(errno));
		return -errno;
	}
	bpf = cap_effective(caps, CAP_BPF);
	perfmon = cap_effective(caps, CAP_PERFMON);
	admin = cap_effective(caps, CAP_SYS_ADMIN);
	cap_free(caps);
	if (admin || (bpf && perfmon))
		return 0;
	snprintf(err, errlen,
		"sensor: missing privileges to load BPF: %s%s%s not effective, nor CAP_SYS_ADMIN "
		"(run as root, or grant CAP_BPF and CAP_PERFMON)",
		bpf ? "" : "CAP_BPF", !bpf && !perfmon ? " and " : "",
		perfmon ? "" : "CAP_PERFMON");
	return -EPERM;
}

/* Parsed, not only opened: a truncated or foreign file is refused here in one line, not by
 * the loader in twenty. */
static int check_btf(const char *path, char *err, size_t errlen)
{
	struct btf *btf;
	int ret;

	if (access(path, R_OK) == -1) {
		ret = -errno;
		snprintf(err, errlen, "sensor: BTF %s: %s", path, strerror(errno));
		return ret;
	}
	btf = btf__parse(path, NULL);
	if (!btf) {
		/* libbpf's own codes (4000 and up) have no strerror text. */
		ret = errno < 4000 ? -errno : -EINVAL;
		snprintf(err, errlen,
			"sensor: BTF %s: not a BTF file, nor an ELF file with BTF%s%s", path,
			errno < 4000 ? ": " : "", errno < 4000 ? strerror(errno) : "");
		return ret;
	}
	btf__free(btf);
	return 0;
}

/* The programs attach to BTF-typed tracepoints: the kernel resolves them in its own BTF,
 * whatever file the loader relocates against. */
static int check_kernel_btf(char *err, size_t errlen)
{
	int ret;

	if (access(SENSOR_KERNEL_BTF, R_OK) == 0)
		return 0;
	ret = -errno;
	snprintf(err, errlen,
		"sensor: the kernel has no BTF (%s: %s): procship needs Linux 5.8 or later built "
		"with CONFIG_DEBUG_INFO_BTF=y",
		SENSOR_KERNEL_BTF, strerror(errno));
	return ret;
}

int sensor_check(const struct sensor_config *cfg, enum sensor_lack *lack, char *err, size_t errlen)
{
	int ret;

	libbpf_sink = cfg->libbpf_log;
	libbpf_set_print(libbpf_print);
	*lack = SENSOR_LACK_KERNEL_BTF;
	ret = check_kernel_btf(err, errlen);
	if (!ret && cfg->btf_path && cfg->btf_path[0]) {
		*lack = SENSOR_LACK_BTF_FILE;
		ret = check_btf(cfg->btf_path, err, errlen);
	}
	if (!ret) {
		*lack = SENSOR_LACK_PRIVILEGES;
		ret = check_privileges(err, errlen);
	}
	return ret;
}

struct sensor *sensor_open(const struct sensor_config *cfg, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts,
		.btf_custom_path = cfg->btf_path && cfg->btf_path[0] ? cfg->btf_path : NULL);
	struct sensor *s;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "sensor: out of memory");
		return NULL;
	}
	s->cb = cfg->cb;
	s->poll_ns = cfg->poll_us ? (int64_t)cfg->poll_us * 1000 : POLL_INTERVAL_NS;
	s->cb_arg = cfg->cb_arg;
	libbpf_sink = cfg->libbpf_log;
	libbpf_set_print(libbpf_print);

	s->skel = procship_bpf__open_opts(&opts);
	if (!s->skel) {
		ret = -errno;
		snprintf(err, errlen, "sensor: open BPF object: %s", strerror(errno));
		goto err_out;
	}
	s->skel->rodata->ignore_tgid = (__u32)getpid();
	s->skel->rodata->cgroup1_subsys = cfg->cgroup1_subsys;
	s->skel->rodata->enrich = cfg->enrich & (PS_F_EXT | PS_F_EXT_ENV);
	s->prepare_exec = (cfg->enrich & PS_F_EXT_CRED) && kernel_has_prepare_exec();
	bpf_program__set_autoload(s->skel->progs.handle_prepare_exec, s->prepare_exec);
	ret = libbpf_num_possible_cpus();
	if (ret > 0)
		ret = bpf_map__set_max_entries(s->skel->maps.scratch, (__u32)ret);
	/* Half a megabyte a CPU when the environment is read, one byte when it is not. */
	if (ret == 0 && (cfg->enrich & PS_F_EXT_ENV))
		ret = bpf_map__set_max_entries(
			s->skel->maps.env_buf, (__u32)libbpf_num_possible_cpus());
	else if (ret == 0)
		ret = bpf_map__set_value_size(s->skel->maps.env_buf, 1);
	if (ret < 0) {
		snprintf(err, errlen, "sensor: size the exec scratch maps: %s", strerror(-ret));
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
			"sensor: load BPF programs: %s (--log-level debug shows the loader's "
			"messages)",
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
	free(s);
}

bool sensor_exact_file_caps(const struct sensor *s)
{
	return s->prepare_exec;
}

int sensor_fd(const struct sensor *s)
{
	return ring_buffer__epoll_fd(s->rb);
}

int64_t sensor_poll_due(const struct sensor *s)
{
	return s->polling ? s->poll_due_ns : -1;
}

/* The next poll is due one interval after this drain began, whatever woke the loop. */
static void set_polling(struct sensor *s, bool on, int64_t now_ns)
{
	s->polling = on;
	s->poll_due_ns = now_ns + s->poll_ns;
}

int sensor_drain(struct sensor *s, int64_t now_ns)
{
	volatile __u32 *flag = &s->skel->bss->consumer_polling;
	bool storm;
	int n, more;

	n = ring_buffer__consume(s->rb);
	if (n < 0)
		return n;
	if (n == 0 && !s->polling)
		return 0; /* woken by something else while idle: still idle */
	if (s->polling) {
		storm = n >= POLL_MIN_RECORDS;
	} else {
		storm = now_ns - s->last_wake_ns < WAKE_GAP_NS;
		s->last_wake_ns = now_ns;
	}
	if (storm) {
		*flag = 1;
		set_polling(s, true, now_ns);
		return n;
	}
	/* Ask to be woken, then look once more, for a record that came before the BPF side
	 * could see the request. The fence pairs with the atomic in wakeup_flag(): either that
	 * record is seen here or its program sees the request and wakes us. */
	*flag = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	more = ring_buffer__consume(s->rb);
	if (more < 0)
		return more;
	if (more > 0) {
		/* it may have come after the request: poll once more rather than wait for it */
		*flag = 1;
		set_polling(s, true, now_ns);
		return n + more;
	}
	set_polling(s, false, now_ns);
	return n;
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
