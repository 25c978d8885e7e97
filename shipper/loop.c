/* SPDX-License-Identifier: Apache-2.0 */
/* The epoll loop, the signalfd and the 1 s tick; see loop.h. */
#include "shipper/loop.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "shipper/capture/proc_cache.h"
#include "shipper/capture/sensor.h"
#include "shipper/encode/event_json.h"
#include "shipper/out/udp.h"
#include "shipper/reloadctl.h"
#include "shipper/setup.h"
#include "shipper/stats_read.h"
#include "shipper/sys/clock.h"
#include "shipper/sys/log.h"
#include "shipper/sys/notify.h"
#include "shipper/text/inputs.h"
#include "shipper/text/lines.h"

#define HOUSEKEEPING_SECONDS  60
#define STATUS_SECONDS	      10
#define STDIN_CHUNKS_PER_TURN 8

void loop_watch(struct daemon *d, int fd, const char *what)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	if (!d->quiet_made) {
		d->epfd_quiet = epoll_create1(EPOLL_CLOEXEC);
		if (d->epfd_quiet == -1)
			fatal("epoll_create1");
		d->quiet_made = true;
	}
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) == -1 ||
		epoll_ctl(d->epfd_quiet, EPOLL_CTL_ADD, fd, &ev) == -1)
		fatal("epoll_ctl %s", what);
}

void loop_watch_text(struct daemon *d, int fd, const char *what)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		fatal("epoll_ctl %s", what);
}

/* Signals are read from the loop, never handled asynchronously. */
static void handle_signals(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reloadctl_answer(&si, setup_reload(d));
			break;
		case SIGUSR1:
			stats_log_summary(d);
			break;
		default:
			log_info("signal %d: exiting", (int)si.ssi_signo);
			d->running = false;
		}
	}
}

/* An exit record lost to a full ring buffer would leave its entry in the cache for ever. */
static bool pid_alive(uint32_t pid, uint64_t ktime)
{
	(void)ktime;
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

static void housekeeping(struct daemon *d)
{
	uint64_t evicted;
	size_t gone;

	if (!d->sensor)
		return;
	/* Drain first: a pending exit must not be mistaken for a lost one. */
	sensor_drain(d->sensor, clock_ns(CLOCK_MONOTONIC));
	gone = pcache_sweep(d->cache, pid_alive);
	if (gone)
		log_info("cache: %zu processes had exited unseen", gone);
	evicted = pcache_evictions_new(d->cache);
	if (evicted)
		log_warnx("cache: %" PRIu64 " exited parents evicted at the cap of %d kept",
			evicted, PCACHE_KEPT_MAX);
	/* NTP may have stepped the wall clock since start. */
	ejson_set_boot_offset(d->pipe.ej, clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME));
}

static void handle_timer(struct daemon *d)
{
	uint64_t expirations;

	if (read(d->tfd, &expirations, sizeof(expirations)) <= 0)
		return;
	d->seconds++;
	if (d->pipe.udp)
		udp_tick(d->pipe.udp);
	stats_check_ringbuf(d);
	stats_check_export(d);
	pipe_tick(&d->pipe);
	if (d->seconds % HOUSEKEEPING_SECONDS == 0)
		housekeeping(d);
	if (d->seconds % (unsigned int)d->conf.metrics_interval == 0)
		stats_write_metrics(d);
	if (d->seconds % STATUS_SECONDS == 0 && notify_enabled()) {
		char status[256];

		stats_status(d, status, sizeof(status));
		notify_status(status);
	}
}

static void on_unix_msg(void *arg, const char *buf, size_t len, unsigned int flags, pid_t pid)
{
	pipe_text(arg, buf, len, flags & INPUT_F_TRUNCATED ? LINES_IN_TRUNCATED : 0, pid, true);
}

/* Standard input may carry pre-encoded JSON events: those pass through unchanged. */
static void on_stdin_line(void *arg, const char *buf, size_t len, unsigned int flags, pid_t pid)
{
	pipe_text(arg, buf, len,
		LINES_IN_JSON | (flags & INPUT_F_TRUNCATED ? LINES_IN_TRUNCATED : 0), pid, false);
}

static void read_stdin(struct daemon *d)
{
	int k;

	/* Several chunks per turn, so that long lines still fill whole sendmmsg batches (one
	 * 64 KiB chunk holds only seven 9 KB lines); bounded so the other sources are served at
	 * least every 512 KiB. */
	for (k = 0; k < STDIN_CHUNKS_PER_TURN; k++)
		if (input_stdin_read(d->in_stdin, on_stdin_line, &d->pipe) <= 0)
			break;
	if (input_stdin_eof(d->in_stdin)) {
		/* A pipe at its end stays readable for ever: stop watching it. */
		if (d->stdin_polled)
			epoll_ctl(d->epfd, EPOLL_CTL_DEL, input_stdin_fd(d->in_stdin), NULL);
		log_info("standard input ended: exiting");
		d->running = false;
	}
}

/* The unix sockets are read every turn: a kernel queue holds only ~10 datagrams by default and
 * a full queue makes the loss happen in the sender, where we cannot count it. Each gets its
 * budget per turn (INPUT_UNIX_BUDGET), after the ring buffer: a flood on one socket can delay
 * neither the others nor process-event capture by more than one budget. */
/* Returns whether the next wait may coalesce: the sockets gave a trickle, none was cut at its
 * budget or found with its queue half full (a writer may be blocked, or soon would be). */
static bool read_inputs(struct daemon *d)
{
	bool trickle = false, busy = false;
	size_t i;

	for (i = 0; i < d->n_unix; i++) {
		int n = input_unix_read(d->in_unix[i], 0, on_unix_msg, &d->pipe);
		int q = input_unix_qlen(d->in_unix[i]);

		if (n <= 0)
			continue;
		trickle = true;
		if (n >= INPUT_UNIX_BUDGET || (q > 0 && 2 * n >= q))
			busy = true;
	}
	if (d->in_stdin && !input_stdin_eof(d->in_stdin)) {
		read_stdin(d);
		if (!d->stdin_polled)
			busy = true; /* a file is read on every turn, without waiting */
	}
	return trickle && !busy;
}

/* Wait on epfd for at most ns nanoseconds (< 0: until something comes). */
static int wait_ns(int epfd, struct epoll_event *events, int max, int64_t ns)
{
	static bool no_pwait2;
	struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
	int n;

	if (ns < 0)
		return epoll_wait(epfd, events, max, -1);
	if (!no_pwait2) {
		n = epoll_pwait2(epfd, events, max, &ts, NULL);
		if (n != -1 || errno != ENOSYS)
			return n;
		no_pwait2 = true; /* before Linux 5.11: whole milliseconds */
	}
	return epoll_wait(epfd, events, max, (int)((ns + 999999) / 1000000));
}

/* The next events: at once for a file on standard input, after at most
 * --input-unix-coalesce-us without the text sockets after a trickle, else when one comes; never
 * later than the ring buffer's next poll while the sensor polls. */
static int wait_events(struct daemon *d, struct epoll_event *events, int max, bool coalesce)
{
	int64_t due = d->sensor ? sensor_poll_due(d->sensor) : -1, ns = -1;

	if (due >= 0) {
		ns = due - clock_ns(CLOCK_MONOTONIC);
		if (ns < 0)
			ns = 0;
	}
	if (d->in_stdin && !d->stdin_polled)
		return epoll_wait(d->epfd, events, max, 0);
	if (coalesce && d->conf.input_unix_coalesce_us > 0) {
		int64_t wait = (int64_t)d->conf.input_unix_coalesce_us * 1000;

		return wait_ns(d->epfd_quiet, events, max, ns >= 0 && ns < wait ? ns : wait);
	}
	return wait_ns(d->epfd, events, max, ns);
}

void loop_run(struct daemon *d)
{
	struct epoll_event events[8];

	bool coalesce = false;

	d->running = true;
	while (d->running) {
		int i, n = wait_events(d, events, 8, coalesce);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			if (events[i].data.fd == d->sfd)
				handle_signals(d);
			else if (events[i].data.fd == d->tfd)
				handle_timer(d);
		}
		/* Whatever woke us, drain everything pending, then send in one batch. */
		if (d->sensor)
			sensor_drain(d->sensor, clock_ns(CLOCK_MONOTONIC));
		coalesce = read_inputs(d);
		pipe_flush(&d->pipe);
	}
	close(d->epfd_quiet);
	d->quiet_made = false;
}
