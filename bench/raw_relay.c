/* SPDX-License-Identifier: Apache-2.0 */
/* raw_relay: the floor of any local-syslog relay, for the relay case.
 *
 *   raw_relay --socket PATH --port N [--coalesce-us US] [--max-seconds S]
 *
 * Binds a unix datagram socket at PATH and sends every datagram it reads, unchanged, to
 * 127.0.0.1:N over a connected UDP socket: recvmmsg and sendmmsg in batches of 64, no parsing,
 * no header, no copy. It wakes as procship's loop does: after a turn that found only a
 * trickle it sleeps US microseconds (default 1000, procship's --input-unix-coalesce-us) so
 * that the next turn finds more; after a full batch, or one that found the queue at least half
 * full (net.unix.max_dgram_qlen, read at start: a writer may be blocked), it reads on at once;
 * with nothing queued it blocks until a datagram comes. What it costs per message is what the
 * kernel charges a relay for the two sockets under that wake-up policy; a relay's own work comes on
 * top of it. Stops on SIGTERM/SIGINT or after S seconds (default 300); prints relayed=N
 * send_errors=E.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BATCH	  64
#define DGRAM_MAX 8192

static char bufs[BATCH][DGRAM_MAX];
static struct mmsghdr in[BATCH], out[BATCH];
static struct iovec iov_in[BATCH], iov_out[BATCH];
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int open_input(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "raw_relay: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || (unlink(path) < 0 && errno != ENOENT) ||
		bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("raw_relay: input socket");
		return -1;
	}
	return fd;
}

static int open_output(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int sndbuf = 4 << 20;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		perror("raw_relay: socket");
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("raw_relay: connect");
		return -1;
	}
	return fd;
}

/* Sends out[0, n) whole; a short count is sent on from where it stopped. */
static void send_all(int fd, unsigned n, unsigned long long *errors)
{
	unsigned off = 0;

	while (off < n) {
		int r = sendmmsg(fd, out + off, n - off, 0);

		if (r < 0) {
			(*errors)++;
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR ||
				errno == ECONNREFUSED)
				continue;
			perror("raw_relay: sendmmsg");
			return;
		}
		off += (unsigned)r;
	}
}

/* What the command line asks for. */
struct relay_opts {
	const char *path;
	int port, coalesce_us;
	double max_seconds;
};

/* 0, or the exit status for a bad command line. */
static int parse_args(int argc, char **argv, struct relay_opts *o)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--socket"))
			o->path = argv[i + 1];
		else if (!strcmp(argv[i], "--port"))
			o->port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--coalesce-us"))
			o->coalesce_us = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--max-seconds"))
			o->max_seconds = atof(argv[i + 1]);
		else {
			fprintf(stderr, "raw_relay: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (!o->path || o->port <= 0 || o->port > 65535 || o->coalesce_us < 0 ||
		o->max_seconds <= 0) {
		fprintf(stderr, "usage: raw_relay --socket PATH --port N [--coalesce-us US] "
				"[--max-seconds S]\n");
		return 2;
	}
	return 0;
}

/* net.unix.max_dgram_qlen, the queue a socket bound now gets, or 0. */
static int unix_qlen(void)
{
	FILE *f = fopen("/proc/sys/net/unix/max_dgram_qlen", "r");
	int qlen = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &qlen) != 1)
		qlen = 0;
	fclose(f);
	return qlen;
}

/* Relays until stopped or the deadline; returns -1 on a read error, else 0. */
static int relay(int infd, int outfd, const struct relay_opts *o, unsigned long long *relayed,
	unsigned long long *errors)
{
	uint64_t deadline = now_ns() + (uint64_t)(o->max_seconds * 1e9);
	struct timespec nap = {0, (long)o->coalesce_us * 1000};
	int qlen = unix_qlen();
	bool trickle = false;

	while (!stop && now_ns() < deadline) {
		int n;

		if (trickle && o->coalesce_us > 0)
			nanosleep(&nap, NULL);
		n = recvmmsg(infd, in, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			struct pollfd p = {.fd = infd, .events = POLLIN};

			if (errno != EAGAIN && errno != EINTR) {
				perror("raw_relay: recvmmsg");
				return -1;
			}
			trickle = false;
			poll(&p, 1, 1000);
			continue;
		}
		for (int i = 0; i < n; i++) {
			iov_out[i].iov_base = bufs[i];
			iov_out[i].iov_len = in[i].msg_len;
		}
		send_all(outfd, (unsigned)n, errors);
		*relayed += (unsigned)n;
		trickle = n < BATCH && !(qlen > 0 && 2 * n >= qlen);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct relay_opts o = {.coalesce_us = 1000, .max_seconds = 300};
	unsigned long long relayed = 0, errors = 0;
	struct sigaction sa = {.sa_handler = on_signal};
	int infd, outfd, rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	infd = open_input(o.path);
	outfd = open_output(o.port);
	if (infd < 0 || outfd < 0)
		return 1;
	for (int i = 0; i < BATCH; i++) {
		iov_in[i].iov_base = bufs[i];
		iov_in[i].iov_len = DGRAM_MAX;
		in[i].msg_hdr.msg_iov = &iov_in[i];
		in[i].msg_hdr.msg_iovlen = 1;
		out[i].msg_hdr.msg_iov = &iov_out[i];
		out[i].msg_hdr.msg_iovlen = 1;
	}
	rc = relay(infd, outfd, &o, &relayed, &errors);
	unlink(o.path);
	printf("relayed=%llu send_errors=%llu\n", relayed, errors);
	return rc ? 1 : 0;
}
