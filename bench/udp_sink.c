// SPDX-License-Identifier: BSD-2-Clause
/* udp_sink: a loopback UDP receiver for the benchmarks.
 *
 * Counts datagrams and bytes, optionally only those containing every --match substring, and
 * for latency probes parses "<lat-prefix><monotonic ns>" out of matching datagrams and reports
 * receive time minus that stamp (p50/p90/p99/max). Always bounded: stops at --max-seconds, at
 * --count matching datagrams, after --idle-ms without any datagram once one arrived, at the
 * first datagram containing --exit-on, or on SIGTERM/SIGINT. Prints "port=N" once bound (on
 * stdout, flushed), and one key=value report line at the end.
 *
 * --poll-us N: never sleep in the socket; drain it without waiting, then sleep N µs. On
 * loopback the receive path runs in the sender's context, so a receiver blocked in recvmmsg
 * makes the sender pay a cross-CPU wake-up (an IPI, a VM exit here) for nearly every burst:
 * a cost a remote receiver never puts on the sender. Polling keeps it out of the sender's CPU
 * time, for every sender alike; the large receive buffer absorbs what arrives meanwhile.
 *
 * --hold: read nothing until SIGUSR1 (datagrams wait in the receive buffer), then count as
 * usual. For overhead runs: a remote receiver takes no CPU from the traced host, while one on
 * loopback would compete with the very loop being measured.
 *
 *   udp_sink [--addr 127.0.0.1|::1] [--port N] [--rcvbuf BYTES] [--max-seconds S] [--count N]
 *            [--idle-ms MS] [--match STR]... [--lat-prefix STR] [--exit-on STR] [--poll-us N]
 *            [--hold]
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
		"[--poll-us N] [--hold]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *lat_prefix = NULL, *exit_on = NULL;
	const char *match[MAX_MATCH];
	int nmatch = 0, port = 0, rcvbuf = 64 << 20;
	double max_seconds = 60;
	unsigned long long want = 0;
	long idle_ms = 0, poll_us = 0;
	int hold = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--hold")) {
			hold = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		const char *v = argv[++i];
		if (!strcmp(a, "--addr"))
			addr = v;
		else if (!strcmp(a, "--port"))
			port = atoi(v);
		else if (!strcmp(a, "--rcvbuf"))
			rcvbuf = atoi(v);
		else if (!strcmp(a, "--max-seconds"))
			max_seconds = atof(v);
		else if (!strcmp(a, "--count"))
			want = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--idle-ms"))
			idle_ms = atol(v);
		else if (!strcmp(a, "--match") && nmatch < MAX_MATCH)
			match[nmatch++] = v;
		else if (!strcmp(a, "--lat-prefix"))
			lat_prefix = v;
		else if (!strcmp(a, "--exit-on"))
			exit_on = v;
		else if (!strcmp(a, "--poll-us"))
			poll_us = atol(v);
		else
			usage();
	}

	int v6 = strchr(addr, ':') != NULL;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	/* SO_RCVBUFFORCE works as root and ignores rmem_max; fall back to SO_RCVBUF. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, addr, &s4->sin_addr);
		sl = sizeof(*s4);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		perror("bind");
		return 1;
	}
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
			: ((struct sockaddr_in *)&ss)->sin_port);
	int eff = 0;
	socklen_t el = sizeof(eff);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &eff, &el);
	struct timeval tv = {0, 50 * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: recvmmsg returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	printf("port=%d rcvbuf=%d\n", port, eff);
	fflush(stdout);
	if (hold) {
		uint64_t until = now_ns() + (uint64_t)(max_seconds * 1e9);
		struct timespec ts = {0, 10 * 1000 * 1000};

		while (!go && !stop && now_ns() < until)
			nanosleep(&ts, NULL);
	}

	static char bufs[BATCH][BUFSZ + 1];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint64_t *lat = lat_prefix ? calloc(MAX_LAT, sizeof(uint64_t)) : NULL;
	size_t nlat = 0;
	size_t plen = lat_prefix ? strlen(lat_prefix) : 0;
	unsigned long long total = 0, bytes = 0, matched = 0, truncated = 0;
	uint64_t start = now_ns(), first = 0, last = 0, exit_on_ns = 0;
	uint64_t deadline = start + (uint64_t)(max_seconds * 1e9);
	const char *why = "signal";

	for (;;) {
		if (stop)
			break;
		uint64_t t = now_ns();
		if (t >= deadline) {
			why = "max-seconds";
			break;
		}
		if (idle_ms > 0 && last && t - last > (uint64_t)idle_ms * 1000000ull) {
			why = "idle";
			break;
		}
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = BUFSZ;
			memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		int n = recvmmsg(
			fd, msgs, BATCH, poll_us > 0 ? MSG_DONTWAIT : MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (poll_us > 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				struct timespec ts = {
					poll_us / 1000000, (poll_us % 1000000) * 1000};

				nanosleep(&ts, NULL);
				continue;
			}
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			perror("recvmmsg");
			return 1;
		}
		t = now_ns();
		if (!first)
			first = t;
		last = t;
		int done = 0;
		for (int i = 0; i < n; i++) {
			unsigned len = msgs[i].msg_len;
			char *b = bufs[i];
			total++;
			bytes += len;
			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
				truncated++;
			b[len < BUFSZ ? len : BUFSZ] = 0;
			if (exit_on && strstr(b, exit_on)) {
				exit_on_ns = t;
				done = 1;
			}
			int ok = 1;
			for (int m = 0; m < nmatch && ok; m++)
				ok = strstr(b, match[m]) != NULL;
			if (!ok)
				continue;
			matched++;
			if (lat && nlat < MAX_LAT) {
				char *p = strstr(b, lat_prefix);
				if (p) {
					uint64_t stamp = strtoull(p + plen, NULL, 10);
					if (stamp && stamp <= t)
						lat[nlat++] = t - stamp;
				}
			}
		}
		if (done) {
			why = "exit-on";
			break;
		}
		if (want && matched >= want) {
			why = "count";
			break;
		}
	}

	printf("received=%llu bytes=%llu matched=%llu truncated=%llu stop=%s start_ns=%llu "
	       "first_ns=%llu last_ns=%llu exit_on_ns=%llu",
		total, bytes, matched, truncated, why, (unsigned long long)start,
		(unsigned long long)first, (unsigned long long)last,
		(unsigned long long)exit_on_ns);
	if (lat) {
		printf(" lat_n=%zu", nlat);
		if (nlat) {
			qsort(lat, nlat, sizeof(*lat), cmp_u64);
			printf(" lat_p50_us=%.1f lat_p90_us=%.1f lat_p99_us=%.1f lat_max_us=%.1f",
				lat[nlat / 2] / 1e3, lat[nlat * 90 / 100] / 1e3,
				lat[nlat * 99 / 100] / 1e3, lat[nlat - 1] / 1e3);
		}
	}
	printf("\n");
	return 0;
}
