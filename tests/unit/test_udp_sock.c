/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shipper/out/udp_sock.c on real loopback sockets (127.0.0.1 and ::1): each
 * helper's result and the exact message it leaves in the caller's buffer, delivery by send
 * and sendmmsg, SO_SNDBUF read-back, the local port, and ICMP refusals read from the error
 * queue. */
#include <errno.h>
#include <netdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "loopback.h"
#include "shipper/out/udp_sock.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct sockaddr_in addr4(const char *ip, uint16_t port)
{
	struct sockaddr_in s4;

	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	s4.sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &s4.sin_addr), 1);
	return s4;
}

static struct sockaddr_in6 addr6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 s6;

	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, ip, &s6.sin6_addr), 1);
	return s6;
}

/* A socket of family connected to the loopback port, with the error queue on. */
static int connected(int family, uint16_t port)
{
	struct sockaddr_in s4 = addr4("127.0.0.1", port);
	struct sockaddr_in6 s6 = addr6("::1", port);
	char err[256] = "";
	int fd = usock_open(family, err, sizeof(err));

	if (fd < 0)
		fail_msg("usock_open: %s", err);
	assert_int_equal(usock_set_recverr(fd, family), 0);
	if (family == AF_INET6)
		assert_int_equal(
			usock_connect(fd, (struct sockaddr *)&s6, sizeof(s6), err, sizeof(err)), 0);
	else
		assert_int_equal(
			usock_connect(fd, (struct sockaddr *)&s4, sizeof(s4), err, sizeof(err)), 0);
	return fd;
}

static void test_format_addr(void **state)
{
	struct sockaddr_in s4 = addr4("10.0.0.1", 514);
	struct sockaddr_in6 s6 = addr6("::1", 6514), m6 = addr6("::ffff:10.0.0.1", 1);
	char buf[128];

	(void)state;
	usock_format_addr((struct sockaddr *)&s4, sizeof(s4), buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.1:514");
	usock_format_addr((struct sockaddr *)&s6, sizeof(s6), buf, sizeof(buf));
	assert_string_equal(buf, "[::1]:6514");
	usock_format_addr((struct sockaddr *)&m6, sizeof(m6), buf, sizeof(buf));
	assert_string_equal(buf, "[::ffff:10.0.0.1]:1");
	/* an address too short for its family cannot be written */
	usock_format_addr((struct sockaddr *)&s6, 4, buf, sizeof(buf));
	assert_string_equal(buf, "?");
}

static void test_open_refused(void **state)
{
	char err[256] = "";

	(void)state;
	assert_int_equal(usock_open(-1, err, sizeof(err)), -EAFNOSUPPORT);
	assert_string_equal(err, "socket: Address family not supported by protocol");
	/* no buffer, or a tiny one, is fine */
	assert_int_equal(usock_open(-1, NULL, 0), -EAFNOSUPPORT);
	assert_int_equal(usock_open(-1, err, 1), -EAFNOSUPPORT);
	assert_string_equal(err, "");
}

static void test_connect_refused(void **state)
{
	struct sockaddr_in6 s6 = addr6("::1", 514);
	char err[256] = "";
	int fd = usock_open(AF_INET, err, sizeof(err));

	(void)state;
	assert_true(fd >= 0);
	/* an IPv6 address on an IPv4 socket: refused at once, and named in brackets */
	assert_int_equal(usock_connect(fd, (struct sockaddr *)&s6, sizeof(s6), err, sizeof(err)),
		-EAFNOSUPPORT);
	assert_string_equal(err, "connect [::1]:514: Address family not supported by protocol");
	close(fd);
	assert_int_equal(
		usock_connect(fd, (struct sockaddr *)&s6, sizeof(s6), err, sizeof(err)), -EBADF);
	assert_string_equal(err, "connect [::1]:514: Bad file descriptor");
}

static void test_resolve(void **state)
{
	static const struct {
		const char *host;
		int family;
		const char *want;
	} cases[] = {
		{"127.0.0.1", AF_INET, "127.0.0.1:5514"},
		{"::1", AF_INET6, "[::1]:5514"},
	};
	struct addrinfo *res;
	char err[256], buf[128];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(usock_resolve(cases[i].host, 5514, &res, err, sizeof(err)), 0);
		assert_non_null(res);
		assert_int_equal(res->ai_family, cases[i].family);
		assert_int_equal(res->ai_socktype, SOCK_DGRAM);
		assert_int_equal(res->ai_protocol, IPPROTO_UDP);
		usock_format_addr(res->ai_addr, res->ai_addrlen, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].want);
		freeaddrinfo(res);
	}
	err[0] = '\0';
	assert_int_equal(usock_resolve("does-not-exist.invalid", 514, &res, err, sizeof(err)),
		-EHOSTUNREACH);
	if (strncmp(err, "resolve does-not-exist.invalid: ", 32) != 0 || strlen(err) <= 32)
		fail_msg("message \"%s\"", err);
}

static void test_send_and_batch(void **state)
{
	enum { N = 5 };
	struct mmsghdr msgs[N];
	struct iovec iov[N];
	char data[N][2], in[64];
	uint16_t port;
	int rfd, fd, k;

	(void)state;
	rfd = receiver(AF_INET, 0, &port);
	fd = connected(AF_INET, port);
	assert_int_equal(usock_send(fd, "one", 3), 3);
	assert_int_equal(recv_within(rfd, in, sizeof(in), WAIT_MS, NULL), 3);
	assert_memory_equal(in, "one", 3);
	memset(msgs, 0, sizeof(msgs));
	for (k = 0; k < N; k++) {
		data[k][0] = 'b';
		data[k][1] = (char)('0' + k);
		iov[k].iov_base = data[k];
		iov[k].iov_len = 2;
		msgs[k].msg_hdr.msg_iov = &iov[k];
		msgs[k].msg_hdr.msg_iovlen = 1;
	}
	assert_int_equal(usock_send_batch(fd, msgs, N), N);
	for (k = 0; k < N; k++) {
		assert_int_equal(msgs[k].msg_len, 2);
		assert_int_equal(recv_within(rfd, in, sizeof(in), WAIT_MS, NULL), 2);
		assert_memory_equal(in, data[k], 2);
	}
	close(fd);
	assert_int_equal(usock_send(fd, "x", 1), -EBADF);
	assert_int_equal(usock_send_batch(fd, msgs, 1), -EBADF);
	close(rfd);
}

/* IPv6 the same way: a receiver on ::1 hears what was sent. */
static void test_send_ipv6(void **state)
{
	char in[16];
	uint16_t port;
	int rfd, fd;

	(void)state;
	rfd = receiver(AF_INET6, 0, &port);
	fd = connected(AF_INET6, port);
	assert_int_equal(usock_send(fd, "six", 3), 3);
	assert_int_equal(recv_within(rfd, in, sizeof(in), WAIT_MS, NULL), 3);
	close(fd);
	close(rfd);
}

/* The kernel reports twice what it was asked (its own bookkeeping). As root (the test suite
 * runs as root) SO_SNDBUFFORCE grants any size; otherwise net.core.wmem_max may clamp it. */
static void test_sndbuf(void **state)
{
	char err[256];
	int fd, eff = 0;

	(void)state;
	fd = usock_open(AF_INET, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(usock_set_sndbuf(fd, 0, &eff, err, sizeof(err)), 0);
	assert_true(eff > 0);
	eff = 0;
	assert_int_equal(usock_set_sndbuf(fd, 3 << 20, &eff, err, sizeof(err)), 0);
	if (geteuid() == 0)
		assert_int_equal(eff, 6 << 20);
	else
		assert_true(eff > 0 && eff <= 6 << 20);
	close(fd);
	eff = -1;
	assert_int_equal(usock_set_sndbuf(fd, 0, &eff, err, sizeof(err)), -EBADF);
	assert_string_equal(err, "getsockopt SO_SNDBUF: Bad file descriptor");
	assert_int_equal(eff, -1);
}

/* A port another socket holds: bind and probe both say so; once free, both succeed. */
static void test_bind_port(void **state)
{
	static const int families[] = {AF_INET, AF_INET6};
	char err[256], want[96];
	uint16_t port;
	int hold, fd;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(families); i++) {
		hold = usock_open(families[i], err, sizeof(err));
		assert_true(hold >= 0);
		port = closed_port(AF_INET);
		assert_int_equal(usock_bind_port(hold, families[i], port, err, sizeof(err)), 0);
		snprintf(want, sizeof(want), "bind local port %u: Address already in use", port);
		fd = usock_open(families[i], err, sizeof(err));
		assert_true(fd >= 0);
		assert_int_equal(
			usock_bind_port(fd, families[i], port, err, sizeof(err)), -EADDRINUSE);
		assert_string_equal(err, want);
		err[0] = '\0';
		assert_int_equal(usock_probe_port(port, err, sizeof(err)), -EADDRINUSE);
		assert_string_equal(err, want);
		close(hold);
		assert_int_equal(usock_probe_port(port, err, sizeof(err)), 0);
		assert_int_equal(usock_bind_port(fd, families[i], port, err, sizeof(err)), 0);
		close(fd);
	}
}

/* A datagram to a closed port comes back as an ICMP error on the queue: read once, counted
 * once, and the queue is empty afterwards; the socket sends again. */
static void test_errqueue_refused(void **state)
{
	unsigned int refused = 99;
	int fd, rc = 0, i;

	(void)state;
	fd = connected(AF_INET, closed_port(AF_INET));
	assert_int_equal(usock_read_errqueue(fd, &refused), 0);
	assert_int_equal(refused, 0);
	assert_int_equal(usock_send(fd, "lost", 4), 4);
	for (i = 0; i < WAIT_MS / 10 && rc == 0; i++) {
		rc = usock_read_errqueue(fd, &refused);
		if (rc == 0)
			sleep_ms(10);
	}
	assert_int_equal(rc, -ECONNREFUSED);
	assert_int_equal(refused, 1);
	assert_int_equal(usock_read_errqueue(fd, &refused), 0);
	assert_int_equal(refused, 0);
	/* the queue read cleared the pending error: the next send goes out */
	assert_int_equal(usock_send(fd, "next", 4), 4);
	close(fd);
}

/* Without IP_RECVERR the kernel keeps nothing to read: the refusal only shows as a failed
 * send. */
static void test_errqueue_off(void **state)
{
	struct sockaddr_in s4 = addr4("127.0.0.1", closed_port(AF_INET));
	unsigned int refused = 99;
	char err[256];
	ssize_t r = 0;
	int fd, i;

	(void)state;
	fd = usock_open(AF_INET, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(
		usock_connect(fd, (struct sockaddr *)&s4, sizeof(s4), err, sizeof(err)), 0);
	assert_int_equal(usock_send(fd, "lost", 4), 4);
	for (i = 0; i < WAIT_MS / 10 && r >= 0; i++) {
		sleep_ms(10);
		r = usock_send(fd, "again", 5);
	}
	assert_int_equal(r, -ECONNREFUSED);
	assert_int_equal(usock_read_errqueue(fd, &refused), 0);
	assert_int_equal(refused, 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_addr),
		cmocka_unit_test(test_open_refused),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_send_and_batch),
		cmocka_unit_test(test_send_ipv6),
		cmocka_unit_test(test_sndbuf),
		cmocka_unit_test(test_bind_port),
		cmocka_unit_test(test_errqueue_refused),
		cmocka_unit_test(test_errqueue_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
