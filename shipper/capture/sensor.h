/* SPDX-License-Identifier: Apache-2.0 */
/* The BPF sensor, mechanism only: loads and attaches bpf/procship.bpf.c, drains its ring
 * buffer when the caller's event loop says so, and reads the drop counters. It logs nothing of
 * its own; what the records mean is the callback's business (procevents). */
#ifndef PROCSHIP_SENSOR_H
#define PROCSHIP_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "bpf/procship_event.h"

/* Receives each record, in ring-buffer order. The record is only valid during the call, and
 * its size is what its type uses (struct ps_event). It must not call back into the sensor.
 * The /proc scan (procfs.h) feeds the same callback. */
typedef void sensor_record_fn(void *arg, const struct ps_event *e);

/* Receives each line libbpf prints (without its newline), whatever its level. */
typedef void sensor_libbpf_log_fn(const char *line);

#define SENSOR_KERNEL_BTF "/sys/kernel/btf/vmlinux"

struct sensor_config {
	sensor_record_fn *cb; /* required */
	void *cb_arg;
	const char *btf_path;		  /* BTF to relocate against; NULL or "" = the kernel\'s */
	sensor_libbpf_log_fn *libbpf_log; /* NULL: libbpf says nothing */
	size_t ringbuf_bytes;  /* power of two >= page size; 0 = the BPF default (4 MiB) */
	uint64_t wakeup_bytes; /* pending bytes that wake user space; 0 = default */
	uint32_t poll_us;      /* interval of the ring's polls in a storm; 0 = 5000 */
	/* css_set->subsys index + 1 of the cgroup v1 controller whose names to read as well
	 * (procfs_cgroup1_subsys); 0 = none */
	uint32_t cgroup1_subsys;
	/* PS_F_EXT_CRED and/or PS_F_EXT_NS: exec records carry a struct ps_ext; PS_F_EXT_ENV:
	 * they carry the environment; 0 = none */
	uint32_t enrich;
};

struct sensor;

/* What a failed sensor_check found missing. */
enum sensor_lack {
	SENSOR_LACK_KERNEL_BTF, /* SENSOR_KERNEL_BTF: absent, unreadable or not BTF */
	SENSOR_LACK_BTF_FILE,	/* cfg->btf_path: the same */
	SENSOR_LACK_PRIVILEGES, /* neither CAP_BPF with CAP_PERFMON, nor CAP_SYS_ADMIN */
};

/* What loading cfg needs, checked before it is tried, so that the failure is one line: the
 * kernel's own BTF, which tp_btf programs attach through even when cfg->btf_path gives other
 * types to relocate against; that file, when given; and the capabilities, all effective.
 * Installs the libbpf print hook as sensor_open does. Returns 0, or -errno (-ENOENT, -EACCES,
 * -EINVAL, -EPERM ...) with the reason in err and what is missing in *lack. */
int sensor_check(const struct sensor_config *cfg, enum sensor_lack *lack, char *err, size_t errlen);
/* Open, load and attach; cfg is copied. From then on the kernel records every exec, fork and
 * exit but those of the calling process itself. Installs a process-wide libbpf print hook
 * that hands every line to cfg->libbpf_log. Refuses what the kernel refuses (not root nor
 * CAP_BPF+CAP_PERFMON, no BTF, the verifier, a bad ringbuf_bytes): NULL with errno set and a
 * message in err. */
struct sensor *sensor_open(const struct sensor_config *cfg, char *err, size_t errlen);
void sensor_free(struct sensor *s); /* detaches and closes both fds; accepts NULL */
/* With PS_F_EXT_CRED: whether file capabilities gained by an exec are told (the kernel has
 * sched_prepare_exec, Linux 6.10); set-user-ID and set-group-ID execs are told either way. */
bool sensor_exact_file_caps(const struct sensor *s);
/* An fd for epoll, the sensor's: readable when records wait (after a wake-up). */
int sensor_fd(const struct sensor *s);
/* While the sensor polls (records come fast, the BPF side wakes nobody): the CLOCK_MONOTONIC
 * time at which sensor_drain is due, which the caller's wait must not pass; -1 while the next
 * records will make sensor_fd readable. */
int64_t sensor_poll_due(const struct sensor *s);
/* Hand every pending record to cb, and decide how user space hears of the next ones: by
 * polling while they come fast (a storm; see sensor_poll_due), else by a wake-up from the BPF
 * side. now_ns is CLOCK_MONOTONIC, taken before the call. Call whenever sensor_fd is
 * readable, when a poll is due, or at any other time. A record
 * shorter than its type needs is not handed on, but counted (drops[PS_DROP_SHORT]). Returns
 * how many records were consumed, or -errno. */
int sensor_drain(struct sensor *s, int64_t now_ns);
/* Fill drops: reserve failures counted in BPF, summed over CPUs, per enum ps_event_type
 * (index 1..3), and at PS_DROP_SHORT the short records sensor_drain set aside. Each count
 * only grows. Returns 0 or -errno. */
int sensor_drops(const struct sensor *s, uint64_t drops[PS_DROP_SLOTS]);

#endif
