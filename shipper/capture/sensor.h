/* BPF sensor: loads and attaches bpf/procship.bpf.c, drains its ring buffer from the caller's
 * event loop, and reads the kernel-side drop counters. Also scans /proc at start-up so that
 * processes older than procship are known. */
#ifndef PROCSHIP_SENSOR_H
#define PROCSHIP_SENSOR_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "bpf/procship_event.h"

/* Called for each record, in ring-buffer order. The record is only valid during the call. */
typedef void sensor_record_fn(void *arg, const struct ps_event *e);

struct sensor_config {
	sensor_record_fn *cb;
	void *cb_arg;
	size_t ringbuf_bytes;  /* power of two >= page size; 0 = the BPF default (2 MiB) */
	uint64_t wakeup_bytes; /* pending bytes that wake user space; 0 = default */
};

struct sensor;

/* Open, load and attach. NULL with errno and a message in err: not root, no BTF, verifier. */
struct sensor *sensor_open(const struct sensor_config *cfg, char *err, size_t errlen);
void sensor_free(struct sensor *s); /* detaches; accepts NULL */
/* An fd for epoll: readable when records wait (after a wake-up). */
int sensor_fd(const struct sensor *s);
/* A timer fd for epoll: readable when the ring is due to be polled. */
int sensor_timer_fd(const struct sensor *s);
/* Consume every pending record, and decide how user space hears of the next ones: by its
 * poll timer while they keep coming, by a wake-up from the BPF side once a drain finds
 * nothing. Call whenever either fd is readable (or at any other time). Returns the count
 * or -errno. */
int sensor_drain(struct sensor *s);
/* Reserve failures counted in BPF, summed over CPUs, per enum ps_event_type (index 1..3);
 * index PS_DROP_SHORT counts records too short to be read (a kernel/user layout mismatch). */
int sensor_drops(const struct sensor *s, uint64_t drops[PS_DROP_SLOTS]);

#endif
