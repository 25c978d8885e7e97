/* procship: wires the sensor, the process cache, the encoder, framing and the UDP output
 * around one epoll loop. Policy lives in the modules; this file only connects them. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "framing/framing.h"
#include "agent_meta.h"
#include "conf.h"
#include "event_json.h"
#include "getevents.h"
#include "log.h"
#include "output_udp.h"
#include "proc_cache.h"
#include "procevents.h"
#include "sensor.h"

#define DRAIN_INTERVAL_NS (10 * 1000 * 1000) /* catch records submitted without a wake-up */
#define TICKS_PER_SECOND 100
#define HOUSEKEEPING_SECONDS 60
#define MAX_DESTS 64

struct app {
	struct conf conf;
	char node[256];
	char procid[16];
	struct udp_output *udp;
	char peer[NI_MAXHOST + 16];
	char agent_init[2048];
	int agent_init_len;
	char agent_init_peer[NI_MAXHOST + 16];
	char *frame;
	/* agent_init is framed apart: it may be sent from inside a udp_queue of an event, while
	 * that event's frame is still being copied. */
	char *init_frame;
	struct framing_header hdr;
	uint64_t events;
	uint64_t truncated;
	uint64_t frame_errors;
	uint64_t stdout_errors;
	uint64_t ringbuf_drops[4];
	struct sensor *sensor;
	struct pcache *cache;
	struct ejson *ej;
	struct pev *pev;
	int sfd;
	int tfd;
	unsigned int ticks;
	unsigned int seconds;
	bool running;
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Tetragon's rule: HUBBLE_NODE_NAME, else NODE_NAME, else the host name. */
static void node_name(char *buf, size_t size)
{
	const char *env = getenv("HUBBLE_NODE_NAME");

	if (!env || !env[0])
		env = getenv("NODE_NAME");
	if (env && env[0]) {
		snprintf(buf, size, "%s", env);
		return;
	}
	if (gethostname(buf, size) == -1 || !buf[0])
		snprintf(buf, size, "localhost");
	buf[size - 1] = '\0';
}

/* The first key of a document names its kind: {"process_exec":...} -> process_exec. */
static const char *msgid_of(const char *json, size_t len, char *buf, size_t size)
{
	size_t i, o = 0;

	if (len < 3 || json[0] != '{' || json[1] != '"')
		return NULL;
	for (i = 2; i < len && json[i] != '"' && o + 1 < size; i++)
		buf[o++] = json[i];
	buf[o] = '\0';
	return o ? buf : NULL;
}

static void send_doc(struct app *a, char *frame, const char *json, size_t len,
	const char *msgid)
{
	bool truncated = false;
	ssize_t n;

	clock_gettime(CLOCK_REALTIME, &a->hdr.time);
	a->hdr.msgid = msgid;
	n = framing_build(frame, (size_t)a->conf.max_message_size, a->conf.syslog_format,
		&a->hdr, json, len, &truncated);
	if (n < 0) {
		a->frame_errors++;
		return;
	}
	if (truncated)
		a->truncated++;
	udp_queue(a->udp, frame, (size_t)n);
}

static void send_agent_init(struct app *a)
{
	if (strcmp(a->agent_init_peer, a->peer) != 0 || a->agent_init_len <= 0) {
		struct agent_meta_info info = {
			.hostname = a->hdr.hostname,
			.udp_destination = a->peer,
			.udp_buffer_size = (int)a->conf.udp_buffer_size,
		};

		clock_gettime(CLOCK_REALTIME, &info.started);
		a->agent_init_len = agent_meta_build(&info, a->agent_init, sizeof(a->agent_init));
		snprintf(a->agent_init_peer, sizeof(a->agent_init_peer), "%s", a->peer);
		if (a->agent_init_len < 0) {
			log_warnx("agent_init: cannot build the document (%s)",
				strerror(-a->agent_init_len));
			return;
		}
	}
	send_doc(a, a->init_frame, a->agent_init, (size_t)a->agent_init_len, "agent_init");
}

/* What is left of --max-message-size for the JSON once the syslog header is written: header
 * lengths are fixed for a run but for MSGID, so measure with the longest one we use. */
static size_t payload_budget(struct app *a)
{
	bool truncated;
	ssize_t n;

	if (!a->conf.udp_output_enabled)
		return 0;
	a->hdr.msgid = "process_exec";
	clock_gettime(CLOCK_REALTIME, &a->hdr.time);
	n = framing_build(a->frame, (size_t)a->conf.max_message_size, a->conf.syslog_format,
		&a->hdr, "x", 1, &truncated);
	/* json framing has no header: the whole datagram is the payload. */
	if (n < 1)
		fatalx("--max-message-size %ld leaves no room for a message after the syslog header",
			a->conf.max_message_size);
	return (size_t)a->conf.max_message_size - (size_t)(n - 1);
}

static void on_event(void *arg, const char *json, size_t len)
{
	struct app *a = arg;
	char kind[32];

	a->events++;
	if (!a->udp) {
		if (fwrite(json, 1, len, stdout) != len || putchar('\n') == EOF)
			a->stdout_errors++;
		return;
	}
	send_doc(a, a->frame, json, len, msgid_of(json, len, kind, sizeof(kind)));
}

static void on_udp_log(void *arg, enum udp_log_level level, const char *msg)
{
	(void)arg;
	if (level == UDP_LOG_WARN)
		log_warnx("%s", msg);
	else if (level == UDP_LOG_INFO)
		log_info("%s", msg);
	else
		log_debug("%s", msg);
}

/* Every new target hears agent_init first: the output calls this before it sends anything
 * to a newly connected target, and sends what we queue from here at once. */
static void on_udp_connect(void *arg, const char *peer)
{
	struct app *a = arg;

	snprintf(a->peer, sizeof(a->peer), "%s", peer);
	send_agent_init(a);
}

static void usage_error(const char *msg)
{
	fprintf(stderr, "procship: %s\n", msg);
	exit(2);
}

static void start_udp(struct app *a)
{
	static struct udp_dest dests[MAX_DESTS];
	char err[512];
	size_t i, n = 0;
	struct udp_config cfg = {0};

	for (i = 0; i < a->conf.udp_output_address.n; i++) {
		int ret = udp_parse_dest_list(a->conf.udp_output_address.v[i],
			(uint16_t)a->conf.udp_output_port, dests + n, MAX_DESTS - n, err, sizeof(err));

		if (ret < 0) {
			char msg[700];

			snprintf(msg, sizeof(msg), "--udp-output-address: %s", err);
			usage_error(msg);
		}
		n += (size_t)ret;
	}
	cfg.dests = dests;
	cfg.ndests = n;
	cfg.sndbuf = (int)a->conf.udp_buffer_size;
	cfg.local_port = (uint16_t)a->conf.udp_local_port;
	cfg.reconnect_interval = (int)a->conf.udp_reconnect_interval;
	cfg.max_message = (size_t)a->conf.max_message_size;
	cfg.log = on_udp_log;
	cfg.on_connect = on_udp_connect;
	cfg.cb_arg = a;
	a->udp = udp_new(&cfg, err, sizeof(err));
	if (!a->udp)
		fatalx("udp output: %s", err);
	if (!a->peer[0])
		snprintf(a->peer, sizeof(a->peer), "%s", udp_current_peer(a->udp));
	log_info("Starting UDP exporter address=%s format=%s buffer=%d destinations=%zu", a->peer,
		framing_format_name(a->conf.syslog_format), udp_get_stats(a->udp)->sndbuf_effective,
		n);
	/* Connects (or schedules the retry) and so sends agent_init first, before any event. */
	udp_flush(a->udp);
}

/* An exit record lost to a full ring buffer would leave its entry in the cache for ever. */
static bool pid_alive(uint32_t pid, uint64_t ktime)
{
	(void)ktime;
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

static void check_ringbuf_drops(struct app *a)
{
	uint64_t drops[4];
	int i;

	if (sensor_drops(a->sensor, drops) != 0)
		return;
	for (i = 0; i < 4; i++) {
		if (drops[i] != a->ringbuf_drops[i])
			log_warnx("%" PRIu64 " %s records dropped (%s)", drops[i] - a->ringbuf_drops[i],
				i == PS_EVENT_EXEC ? "exec" : i == PS_EVENT_EXIT ? "exit"
					: i == PS_EVENT_FORK			 ? "fork"
										 : "malformed",
				i == 0 ? "short_record" : "ringbuf_full");
		a->ringbuf_drops[i] = drops[i];
	}
}

static void flush_output(struct app *a)
{
	if (a->udp)
		udp_flush(a->udp);
	else
		fflush(stdout);
}

static void log_summary(struct app *a, const struct pev *pev)
{
	const struct pev_stats *ps = pev_get_stats(pev);

	const struct ejson_stats *es = ejson_get_stats(a->ej);

	log_info("events: %" PRIu64 " exec, %" PRIu64 " exit, %" PRIu64 " fork; %" PRIu64
		 " encoded, %" PRIu64 " shortened to fit, %" PRIu64 " cut by the framer, %" PRIu64
		 " cache misses",
		ps->execs, ps->exits, ps->forks, a->events, es->shortened, a->truncated,
		ps->parent_misses + ps->exit_misses);
	if (a->udp) {
		const struct udp_stats *us = udp_get_stats(a->udp);

		udp_log_drop_summary(a->udp);
		log_info("udp: %" PRIu64 " sent, %" PRIu64 " dropped, %" PRIu64 " failovers",
			us->sent, us->dropped, us->failovers);
	}
	if (a->stdout_errors)
		log_warnx("stdout: %" PRIu64 " events could not be written", a->stdout_errors);
}

/* Signals are read from the loop, never handled asynchronously. */
static void handle_signals(struct app *a)
{
	struct signalfd_siginfo si;

	while (read(a->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_summary(a, a->pev);
			continue;
		}
		log_info("signal %d: exiting", (int)si.ssi_signo);
		a->running = false;
	}
}

static void housekeeping(struct app *a)
{
	size_t gone;

	/* Drain first: a pending exit must not be mistaken for a lost one. */
	sensor_drain(a->sensor);
	gone = pcache_sweep(a->cache, pid_alive);
	if (gone)
		log_info("cache: %zu processes had exited unseen", gone);
	/* NTP may have stepped the wall clock since start. */
	ejson_set_boot_offset(a->ej, clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME));
}

static void handle_timer(struct app *a)
{
	uint64_t expirations;

	if (read(a->tfd, &expirations, sizeof(expirations)) > 0)
		a->ticks += (unsigned int)expirations;
	if (a->ticks < TICKS_PER_SECOND)
		return;
	a->ticks = 0;
	if (a->udp)
		udp_tick(a->udp);
	check_ringbuf_drops(a);
	if (++a->seconds % HOUSEKEEPING_SECONDS == 0)
		housekeeping(a);
}

int main(int argc, char **argv)
{
	static struct app app;
	struct app *a = &app;
	struct sensor_config scfg = {0};
	struct epoll_event ev, events[8];
	struct itimerspec its = {{0, DRAIN_INTERVAL_NS}, {0, DRAIN_INTERVAL_NS}};
	char err[512];
	sigset_t mask;
	int epfd, scanned;

	if (argc > 1 && strcmp(argv[1], "getevents") == 0)
		return getevents_main(argc - 1, argv + 1);
	conf_defaults(&a->conf);
	switch (conf_parse_args(&a->conf, argc, argv, err, sizeof(err))) {
	case CONF_HELP:
		conf_usage(stdout);
		return 0;
	case CONF_VERSION:
		printf("procship %s (commit %s, built %s)\n", PROCSHIP_VERSION, PROCSHIP_BUILD_COMMIT,
			PROCSHIP_BUILD_DATE);
		return 0;
	case CONF_ERROR:
		usage_error(err);
		break;
	case CONF_OK:
		break;
	}
	log_init("procship", (enum log_level)a->conf.log_level);
	signal(SIGPIPE, SIG_IGN);

	node_name(a->node, sizeof(a->node));
	snprintf(a->procid, sizeof(a->procid), "%d", (int)getpid());
	a->hdr.facility = a->conf.syslog_facility;
	a->hdr.severity = a->conf.syslog_severity;
	a->hdr.hostname = a->conf.hostname[0] ? a->conf.hostname : a->node;
	a->hdr.app_name = a->conf.syslog_app_name;
	a->hdr.procid = a->procid;
	a->hdr.cee = a->conf.cee_cookie;
	a->frame = malloc((size_t)a->conf.max_message_size);
	a->init_frame = malloc((size_t)a->conf.max_message_size);
	if (!a->frame || !a->init_frame)
		fatal("frame buffer");

	a->cache = pcache_new(a->node);
	a->ej = ejson_new(a->node, clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME));
	if (!a->cache || !a->ej)
		fatal("start-up");
	ejson_set_max_len(a->ej, payload_budget(a));
	a->pev = pev_new(a->cache, a->ej, on_event, a);
	if (!a->pev)
		fatal("start-up");

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		fatal("sigprocmask");
	a->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	a->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (a->sfd == -1 || a->tfd == -1 || epfd == -1)
		fatal("event loop set-up");

	if (a->conf.udp_output_enabled)
		start_udp(a);

	scfg.cb = pev_record;
	scfg.cb_arg = a->pev;
	scfg.ringbuf_bytes = (size_t)a->conf.ringbuf_size;
	a->sensor = sensor_open(&scfg, err, sizeof(err));
	if (!a->sensor)
		fatalx("%s", err);
	/* Attach first, then scan: a process that starts in between is seen twice, never
	 * missed, and the exec record simply replaces the scanned entry. */
	scanned = sensor_scan_proc("/proc", pev_record, a->pev);
	if (scanned < 0)
		log_warnx("scan /proc: %s", strerror(-scanned));

	if (timerfd_settime(a->tfd, 0, &its, NULL) == -1)
		fatal("timerfd_settime");
	ev.events = EPOLLIN;
	ev.data.fd = sensor_fd(a->sensor);
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) == -1)
		fatal("epoll_ctl ring buffer");
	ev.data.fd = a->sfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, a->sfd, &ev) == -1)
		fatal("epoll_ctl signalfd");
	ev.data.fd = a->tfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, a->tfd, &ev) == -1)
		fatal("epoll_ctl timerfd");
	log_info("ready: %zu processes in cache, node %s, output %s", pcache_count(a->cache), a->node,
		a->udp ? "udp" : "stdout");

	a->running = true;
	while (a->running) {
		int i, n = epoll_wait(epfd, events, 8, -1);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			if (events[i].data.fd == a->sfd)
				handle_signals(a);
			else if (events[i].data.fd == a->tfd)
				handle_timer(a);
		}
		/* Whatever woke us, drain everything pending, then send in one batch. */
		sensor_drain(a->sensor);
		flush_output(a);
	}

	sensor_drain(a->sensor);
	flush_output(a);
	check_ringbuf_drops(a);
	log_summary(a, a->pev);
	udp_free(a->udp);
	sensor_free(a->sensor);
	pev_free(a->pev);
	ejson_free(a->ej);
	pcache_free(a->cache);
	free(a->frame);
	free(a->init_frame);
	close(epfd);
	close(a->tfd);
	close(a->sfd);
	return 0;
}
