/* SPDX-License-Identifier: Apache-2.0 */
/* udp_sink: a loopback UDP receiver for the benchmarks.
 *
 * Counts datagrams and bytes, optionally only those containing every --match substring, and
 * for latency probes parses "<lat-prefix><monotonic ns>" out of matching datagrams and reports
 * receive time minus that stamp (p50/p90/p99/max), three ways: lat_ is the stamp to the moment
 * this sink read the datagram (its own wake-up included); arr_ is the stamp to the moment the
 * kernel queued the datagram on the socket (SO_TIMESTAMPNS: what a remote receiver's wire would
 * see, without this sink's scheduling); ev_ is the event's own last "time" field (the kernel's
 * exec time, as procship prints it) to that same arrival, which leaves out the execve itself
 * and is procship's whole share: drain, encode, frame, send. Always bounded: stops at
 * --max-seconds, at --count matching datagrams, after --idle-ms without any datagram once one
 * arrived, at the first datagram containing --exit-on, or on SIGTERM/SIGINT. Prints "port=N"
 * once bound (on stdout, flushed), and one key=value report line at the end.
 *
 * --poll-us N: never sleep in the socket; drain it without waiting, then sleep N µs. On
 * loopback the receive path runs in the sender's context, so a receiver blocked in recvmmsg
 * makes the sender pay a cross-CPU wake-up (an IPI, a VM exit here) for nearly every burst:
 * a cost a remote receiver never puts on the sender. Polling keeps it out of the sender's CPU
 * time, for every sender alike; the large receive buffer absorbs what arrives meanwhile.
 *
 * --slow-us N: with --lat-prefix, print each sample whose ev_ latency is over N µs to stderr,
 * with the event's and the arrival's CLOCK_MONOTONIC times, to find it in a trace taken with
 * `perf record -k CLOCK_MONOTONIC` (bench/FINDINGS.md 44).
 *
 * --hold: read nothing until SIGUSR1 (datagrams wait in the receive buffer), then count as
 * usual. For overhead runs: a remote receiver takes no CPU from the traced host, while one on
 * loopback would compete with the very loop being measured.
 *
 *   udp_sink [--addr 127.0.0.1|::1] [--port N] [--rcvbuf BYTES] [--max-seconds S] [--count N]
 *            [--idle-ms MS] [--match STR]... [--lat-prefix STR] [--exit-on STR] [--poll-us N]
 *            [--slow-us N] [--hold]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH	  64
#define BUFSZ	  65536
#define MAX_MATCH 8
#define MAX_LAT	  200000

static volatile sig_atomic_t stop, go;

/* What the command line asks for. */
struct sink_opts {
	const char *addr, *lat_prefix, *exit_on;
	const char *match[MAX_MATCH];
	int nmatch, port, rcvbuf, hold;
	double max_seconds;
	unsigned long long want, slow_us;
	long idle_ms, poll_us;
};

/* What arrived, for the report line. */
struct sink_counts {
	unsigned long long total, bytes, matched, truncated;
	uint64_t start, first, last, exit_on_ns;
	uint64_t *lat, *arr, *ev;
	size_t nlat, narr, nev, plen;
};

static char bufs[BATCH][BUFSZ + 1];
static char cbufs[BATCH][CMSG_SPACE(sizeof(struct timespec))];

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		go = 1;
	else
		stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The kernel's arrival time of a datagram (CLOCK_REALTIME), or 0. */
static uint64_t arrival_ns(const struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		}
	}
	return 0;
}

/* The last "time":"YYYY-MM-DDTHH:MM:SS[.frac]Z" of b as CLOCK_REALTIME ns, or 0. */
static uint64_t event_time_ns(const char *b)
{
	const char *p = NULL, *q = b;
	struct tm tm;
	uint64_t ns = 0, scale = 100000000ull;

	while ((q = strstr(q, "\"time\":\"")))
		p = q++;
	if (!p)
		return 0;
	p += 8;
	memset(&tm, 0, sizeof(tm));
	q = strptime(p, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!q)
		return 0;
	if (*q == '.')
		for (q++; *q >= '0' && *q <= '9'; q++, scale /= 10)
			ns += (uint64_t)(*q - '0') * scale;
	if (*q != 'Z')
		return 0;
	return (uint64_t)timegm(&tm) * 1000000000ull + ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: udp_sink [--addr A] [--port N] [--rcvbuf B] [--max-seconds S] "
		"[--count N] [--idle-ms MS] [--match STR]... [--lat-prefix STR] [--exit-on STR] "
		"[--poll-us N] [--slow-us N] [--hold]\n");
	exit(2);
}

static void parse_args(int argc, char **argv, struct sink_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--hold")) {
			o->hold = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		const char *v = argv[++i];
		if (!strcmp(a, "--addr"))
			o->addr = v;
		else if (!strcmp(a, "--port"))
			o->port = atoi(v);
		else if (!strcmp(a, "--rcvbuf"))
			o->rcvbuf = atoi(v);
		else if (!strcmp(a, "--max-seconds"))
			o->max_seconds = atof(v);
		else if (!strcmp(a, "--count"))
			o->want = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--idle-ms"))
			o->idle_ms = atol(v);
		else if (!strcmp(a, "--match") && o->nmatch < MAX_MATCH)
			o->match[o->nmatch++] = v;
		else if (!strcmp(a, "--lat-prefix"))
			o->lat_prefix = v;
		else if (!strcmp(a, "--exit-on"))
			o->exit_on = v;
		else if (!strcmp(a, "--poll-us"))
			o->poll_us = atol(v);
		else if (!strcmp(a, "--slow-us"))
			o->slow_us = strtoull(v, NULL, 10);
		else
			usage();
	}
}

/* The bound socket (o->port set to the port the kernel chose), or -1; *eff is the receive
 * buffer size the kernel granted. */
static int open_socket(struct sink_opts *o, int *eff)
{
	int v6 = strchr(o->addr, ':') != NULL;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		return -1;
	}
	/* SO_RCVBUFFORCE works as root and ignores rmem_max; fall back to SO_RCVBUF. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &o->rcvbuf, sizeof(o->rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o->rcvbuf, sizeof(o->rcvbuf));
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)o->port);
		inet_pton(AF_INET6, o->addr, &s6->sin6_addr);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)o->port);
		inet_pton(AF_INET, o->addr, &s4->sin_addr);
		sl = sizeof(*s4);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		perror("bind");
		return -1;
	}
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	o->port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
			   : ((struct sockaddr_in *)&ss)->sin_port);
	socklen_t el = sizeof(*eff);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, eff, &el);
	struct timeval tv = {0, 50 * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: recvmmsg returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

/* --hold: datagrams wait in the receive buffer until SIGUSR1. */
static void hold(double max_seconds)
{
	uint64_t until = now_ns() + (uint64_t)(max_seconds * 1e9);
	struct timespec ts = {0, 10 * 1000 * 1000};

	while (!go && !stop && now_ns() < until)
		nanosleep(&ts, NULL);
}

/* Counts the n datagrams of one batch received at t; 1 if one held --exit-on. */
static int count_batch(const struct sink_opts *o, struct sink_counts *c, const struct mmsghdr *msgs,
	int n, uint64_t t, int64_t real_to_mono)
{
	int done = 0;

	for (int i = 0; i < n; i++) {
		unsigned len = msgs[i].msg_len;
		char *b = bufs[i];
		c->total++;
		c->bytes += len;
		if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
			c->truncated++;
		b[len < BUFSZ ? len : BUFSZ] = 0;
		if (o->exit_on && strstr(b, o->exit_on)) {
			c->exit_on_ns = t;
			done = 1;
		}
		int ok = 1;
		for (int m = 0; m < o->nmatch && ok; m++)
			ok = strstr(b, o->match[m]) != NULL;
		if (!ok)
			continue;
		c->matched++;
		if (c->lat && c->nlat < MAX_LAT) {
			char *p = strstr(b, o->lat_prefix);
			if (p) {
				uint64_t stamp = strtoull(p + c->plen, NULL, 10);
				if (stamp && stamp <= t)
					c->lat[c->nlat++] = t - stamp;
				uint64_t a = arrival_ns(&msgs[i].msg_hdr);
				uint64_t am = a ? (uint64_t)((int64_t)a + real_to_mono) : 0;
				if (stamp && am >= stamp && c->narr < MAX_LAT)
					c->arr[c->narr++] = am - stamp;
				uint64_t e = a ? event_time_ns(b) : 0;
				if (!e || e > a)
					continue;
				if (c->nev < MAX_LAT)
					c->ev[c->nev++] = a - e;
				if (o->slow_us && a - e > o->slow_us * 1000)
					fprintf(stderr,
						"slow ev=%llu us event_mono=%llu "
						"arrival_mono=%llu\n",
						(unsigned long long)(a - e) / 1000,
						(unsigned long long)((int64_t)e + real_to_mono),
						(unsigned long long)am);
			}
		}
	}
	return done;
}

/* Receives until a stop condition; returns why it stopped, or NULL on a receive error. */
static const char *receive(int fd, const struct sink_opts *o, struct sink_counts *c)
{
	static struct mmsghdr msgs[BATCH];
	static struct iovec iov[BATCH];
	uint64_t deadline = c->start + (uint64_t)(o->max_seconds * 1e9);

	for (;;) {
		if (stop)
			return "signal";
		uint64_t t = now_ns();
		if (t >= deadline)
			return "max-seconds";
		if (o->idle_ms > 0 && c->last && t - c->last > (uint64_t)o->idle_ms * 1000000ull)
			return "idle";
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = BUFSZ;
			memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_control = cbufs[i];
			msgs[i].msg_hdr.msg_controllen = sizeof(cbufs[i]);
		}
		int n = recvmmsg(
			fd, msgs, BATCH, o->poll_us > 0 ? MSG_DONTWAIT : MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (o->poll_us > 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				struct timespec ts = {
					o->poll_us / 1000000, (o->poll_us % 1000000) * 1000};

				nanosleep(&ts, NULL);
				continue;
			}
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			perror("recvmmsg");
			return NULL;
		}
		t = now_ns();
		int64_t real_to_mono = (int64_t)t - (int64_t)real_ns();
		if (!c->first)
			c->first = t;
		c->last = t;
		if (count_batch(o, c, msgs, n, t, real_to_mono))
			return "exit-on";
		if (o->want && c->matched >= o->want)
			return "count";
	}
}

static void quantiles(const char *name, uint64_t *v, size_t n)
{
	printf(" %s_n=%zu", name, n);
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	printf(" %s_p50_us=%.1f %s_p90_us=%.1f %s_p99_us=%.1f %s_max_us=%.1f", name, v[n / 2] / 1e3,
		name, v[n * 90 / 100] / 1e3, name, v[n * 99 / 100] / 1e3, name, v[n - 1] / 1e3);
}

static void report(const char *why, struct sink_counts *c)
{
	printf("received=%llu bytes=%llu matched=%llu truncated=%llu stop=%s start_ns=%llu "
	       "first_ns=%llu last_ns=%llu exit_on_ns=%llu",
		c->total, c->bytes, c->matched, c->truncated, why, (unsigned long long)c->start,
		(unsigned long long)c->first, (unsigned long long)c->last,
		(unsigned long long)c->exit_on_ns);
	if (c->lat) {
		quantiles("lat", c->lat, c->nlat);
		quantiles("arr", c->arr, c->narr);
		quantiles("ev", c->ev, c->nev);
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	struct sink_opts o = {.addr = "127.0.0.1", .rcvbuf = 64 << 20, .max_seconds = 60};
	struct sink_counts c = {0};
	int eff = 0;

	parse_args(argc, argv, &o);
	int fd = open_socket(&o, &eff);
	if (fd < 0)
		return 1;
	catch_signals();
	printf("port=%d rcvbuf=%d\n", o.port, eff);
	fflush(stdout);
	if (o.hold)
		hold(o.max_seconds);
	if (o.lat_prefix) {
		int on = 1;

		if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0) {
			perror("SO_TIMESTAMPNS");
			return 1;
		}
		c.lat = calloc(MAX_LAT, sizeof(uint64_t));
		c.arr = calloc(MAX_LAT, sizeof(uint64_t));
		c.ev = calloc(MAX_LAT, sizeof(uint64_t));
		if (!c.lat || !c.arr || !c.ev) {
			perror("calloc");
			return 1;
		}
	}
	c.plen = o.lat_prefix ? strlen(o.lat_prefix) : 0;
	c.start = now_ns();
	const char *why = receive(fd, &o, &c);
	if (!why)
		return 1;
	report(why, &c);
	return 0;
}
