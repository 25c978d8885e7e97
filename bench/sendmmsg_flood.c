/* SPDX-License-Identifier: Apache-2.0 */
/* sendmmsg_flood: the ceiling baseline for output throughput.
 *
 *   sendmmsg_flood --port N [--addr 127.0.0.1] [--size BYTES] [--count N] [--max-seconds S]
 *                  [--sndbuf BYTES] [--file FILE] [--batch 1..64]
 *
 * Sends COUNT pre-made datagrams of SIZE bytes (an RFC 3164 header + a JSON-looking payload)
 * to a connected loopback UDP socket with sendmmsg, --batch of them a call (64 unless told),
 * bounded by count and time.
 * With --file, the datagrams are FILE's lines instead, as read() gives them (256 KiB a call,
 * each line sent from the read buffer, no header): the ceiling of any sender that has to read
 * its input, which the pre-made datagrams, always in cache, do not pay.
 * A short count is retried from where it stopped; ENOBUFS/EAGAIN are counted and retried.
 * Prints: sent=N errors=E wall_ns=W cpu_ns=C (user+sys of this process, getrusage).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000ull;
}

/* What the command line asks for. */
struct flood_opts {
	const char *addr;
	int port, size, sndbuf, batch;
	unsigned long long count;
	double max_seconds;
	const char *file;
};

#define FILE_CHUNK (256 * 1024)

static char bufs[BATCH][65536];
static struct mmsghdr msgs[BATCH];
static struct iovec iov[BATCH];

/* 0, or the exit status for a bad command line. */
static int parse_args(int argc, char **argv, struct flood_opts *o)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--addr"))
			o->addr = argv[i + 1];
		else if (!strcmp(argv[i], "--port"))
			o->port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--size"))
			o->size = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--count"))
			o->count = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--max-seconds"))
			o->max_seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--sndbuf"))
			o->sndbuf = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--file"))
			o->file = argv[i + 1];
		else if (!strcmp(argv[i], "--batch"))
			o->batch = atoi(argv[i + 1]);
		else {
			fprintf(stderr, "sendmmsg_flood: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (o->port <= 0 || o->size < 64 || o->size > 65507 || o->batch < 1 || o->batch > BATCH) {
		fprintf(stderr, "usage: sendmmsg_flood --port N [--size 64..65507] [--count N] "
				"[--batch 1..64]\n");
		return 2;
	}
	return 0;
}

/* A UDP socket connected to the receiver, or -1. */
static int open_connected(const struct flood_opts *o)
{
	int v6 = strchr(o->addr, ':') != NULL;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &o->sndbuf, sizeof(o->sndbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &o->sndbuf, sizeof(o->sndbuf));
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
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		perror("connect");
		return -1;
	}
	return fd;
}

/* Pre-made datagrams: each one distinct only in its sequence digits, as real events are. */
static void make_batch(int size)
{
	for (int i = 0; i < BATCH; i++) {
		int n = snprintf(bufs[i], sizeof(bufs[i]),
			"<14>Jan  1 00:00:00 bench procship: {\"seq\":%06d,\"pad\":\"", i);
		memset(bufs[i] + n, 'x', (size_t)(size - n - 2));
		memcpy(bufs[i] + size - 2, "\"}", 2);
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = (size_t)size;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
}

/* Sends count datagrams (fewer if the deadline passes or a send fails for good); returns how
 * many were sent, the failed calls in *errors. */
static unsigned long long flood(int fd, unsigned long long count, unsigned batch, uint64_t deadline,
	unsigned long long *errors)
{
	unsigned long long sent = 0;

	while (sent < count) {
		if ((sent & 1023) < batch && now_ns() >= deadline)
			break;
		unsigned want = count - sent < batch ? (unsigned)(count - sent) : batch;
		unsigned off = 0;
		while (off < want) {
			int n = sendmmsg(fd, msgs + off, want - off, 0);
			if (n < 0) {
				(*errors)++;
				if (now_ns() >= deadline)
					return sent;
				if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR ||
					errno == ECONNREFUSED)
					continue;
				perror("sendmmsg");
				return sent;
			}
			off += (unsigned)n;
		}
		sent += want;
	}
	return sent;
}

/* Sends msgs[0, n) whole: a short count is sent on from where it stopped. */
static int send_all(int fd, unsigned n, unsigned long long *errors)
{
	unsigned off = 0;

	while (off < n) {
		int r = sendmmsg(fd, msgs + off, n - off, 0);
		if (r < 0) {
			(*errors)++;
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR ||
				errno == ECONNREFUSED)
				continue;
			perror("sendmmsg");
			return -1;
		}
		off += (unsigned)r;
	}
	return 0;
}

/* --file: every line of path, one datagram each, read() FILE_CHUNK at a time; a line cut by a
 * chunk's end moves to the front (lines are at most 64 KiB). Returns the datagrams sent. */
static unsigned long long flood_file(
	int fd, const char *path, uint64_t deadline, unsigned long long *errors)
{
	static char buf[FILE_CHUNK + 65536];
	unsigned long long sent = 0;
	size_t fill = 0;
	int in = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (in < 0) {
		perror(path);
		return 0;
	}
	while (now_ns() < deadline && (n = read(in, buf + fill, FILE_CHUNK)) > 0) {
		size_t start = 0, end = fill + (size_t)n;
		unsigned k = 0;
		char *nl;

		while ((nl = memchr(buf + start, '\n', end - start))) {
			iov[k] = (struct iovec){buf + start, (size_t)(nl - (buf + start))};
			msgs[k].msg_hdr = (struct msghdr){.msg_iov = &iov[k], .msg_iovlen = 1};
			start = (size_t)(nl - buf) + 1;
			if (++k == BATCH) {
				if (send_all(fd, k, errors) < 0)
					goto out;
				sent += k;
				k = 0;
			}
		}
		if (k && send_all(fd, k, errors) < 0)
			goto out;
		sent += k;
		fill = end - start;
		memmove(buf, buf + start, fill);
	}
out:
	close(in);
	return sent;
}

int main(int argc, char **argv)
{
	struct flood_opts o = {.addr = "127.0.0.1",
		.size = 200,
		.sndbuf = 4 << 20,
		.count = 100000,
		.max_seconds = 30,
		.batch = BATCH};
	int status = parse_args(argc, argv, &o);
	if (status)
		return status;
	int fd = open_connected(&o);
	if (fd < 0)
		return 1;
	make_batch(o.size);

	uint64_t start = now_ns(), deadline = start + (uint64_t)(o.max_seconds * 1e9);
	unsigned long long errors = 0;
	unsigned long long sent = o.file ? flood_file(fd, o.file, deadline, &errors)
					 : flood(fd, o.count, (unsigned)o.batch, deadline, &errors);
	uint64_t wall = now_ns() - start;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("sent=%llu errors=%llu wall_ns=%llu cpu_ns=%llu\n", sent, errors,
		(unsigned long long)wall,
		(unsigned long long)(tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime)));
	return 0;
}
