/* SPDX-License-Identifier: Apache-2.0 */
/* Loopback UDP peers for the unit tests of shipper/out/: receivers on 127.0.0.1 or ::1 that
 * bind port 0 and read their port back, a port nobody listens on, and bounded waits. Every
 * helper fails the test (cmocka) instead of returning an error it cannot handle: include it
 * after <cmocka.h>. */
#ifndef PROCSHIP_TESTS_LOOPBACK_H
#define PROCSHIP_TESTS_LOOPBACK_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS	 2000 /* longest wait for something that should happen */
#define QUIET_MS 150  /* how long "nothing arrives" is watched */

static inline int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* A receiver bound to loopback port 0 (or the given port); fails the test on error. */
static inline int receiver(int family, uint16_t want_port, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, rcvbuf = 4 << 20;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons(want_port);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s4->sin_port = htons(want_port);
		len = sizeof(*s4);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == -1) {
		fail_msg("bind receiver on %s port %u: %s",
			family == AF_INET6 ? "::1" : "127.0.0.1", want_port, strerror(errno));
	}
	len = sizeof(ss);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					 : ((struct sockaddr_in *)&ss)->sin_port);
	assert_true(*port != 0);
	return fd;
}

/* A loopback port nobody listens on: bind, read the port, close. */
static inline uint16_t closed_port(int family)
{
	uint16_t port;
	int fd = receiver(family, 0, &port);

	close(fd);
	return port;
}

/* One datagram within timeout_ms, or -1. */
static inline ssize_t recv_within(
	int fd, void *buf, size_t len, int timeout_ms, uint16_t *from_port)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t r;

	if (poll(&p, 1, timeout_ms) != 1)
		return -1;
	r = recvfrom(fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&ss, &sslen);
	if (r >= 0 && from_port)
		*from_port =
			ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						       : ((struct sockaddr_in *)&ss)->sin_port);
	return r;
}

static inline int drain(int fd)
{
	char buf[2048];
	int n = 0;

	while (n < 100000 && recv_within(fd, buf, sizeof(buf), 0, NULL) >= 0)
		n++;
	return n;
}

#endif
