/* SPDX-License-Identifier: Apache-2.0 */
/* What test_udp.c and test_udp_link.c share: callbacks that record what the UDP output
 * said and fail the test when one is entered re-entrantly, configuration helpers, and the
 * link-time cuts (-Wl,--wrap=sendmmsg,send,getaddrinfo) both binaries are linked with.
 * Include it once per test binary, after <cmocka.h> and loopback.h. */
#ifndef PROCSHIP_TESTS_UDP_HARNESS_H
#define PROCSHIP_TESTS_UDP_HARNESS_H

#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "shipper/out/udp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Inside a wrapped send or sendmmsg: a callback entered from there would be re-entrant. */
static int in_send;

/* What the greeting hook answers. */
enum greet_mode { GREET_TEXT, GREET_FAIL, GREET_FULL, GREET_TOO_LONG };

/* What the callbacks saw. */
struct seen {
	int warns;
	int lines;
	int failover_lines;
	int dropped_lines;
	char last[512];
	char last_dropped[512];
	int connects;
	char peers[8][128];
	const char *first_datagram; /* the greeting; NULL for none */
	enum greet_mode mode;
	bool in_greeting, in_log;
	struct udp_output *probe; /* set: each callback tries to call the output */
	int probe_calls, probe_refused;
};

/* A callback that calls the output anyway: every call must be refused, none may send. */
static inline void probe_output(struct seen *s)
{
	if (!s->probe)
		return;
	s->probe_calls++;
	if (udp_queue(s->probe, "nested", 6) == -EBUSY && !udp_reserve(s->probe, 6) &&
		udp_commit(s->probe, 6) == -EBUSY && udp_flush(s->probe) == -EBUSY)
		s->probe_refused++;
	udp_tick(s->probe);
}

static inline void seen_log(void *arg, enum udp_log_level level, const char *msg)
{
	struct seen *s = arg;

	if (s->in_greeting || in_send)
		fail_msg("log callback re-entered (greeting %d, send %d)", s->in_greeting, in_send);
	s->in_log = true;
	probe_output(s);
	s->in_log = false;
	fprintf(stderr, "  udp-log %d: %s\n", (int)level, msg);
	s->lines++;
	if (level == UDP_LOG_WARN)
		s->warns++;
	if (strstr(msg, "failover from"))
		s->failover_lines++;
	if (strstr(msg, "dropped ")) {
		s->dropped_lines++;
		snprintf(s->last_dropped, sizeof(s->last_dropped), "%s", msg);
	}
	snprintf(s->last, sizeof(s->last), "%s", msg);
}

static inline ssize_t greeting_text(const struct seen *s, char *buf, size_t size)
{
	size_t len;

	switch (s->mode) {
	case GREET_FAIL:
		return -EIO;
	case GREET_FULL:
	case GREET_TOO_LONG:
		memset(buf, 'g', size);
		return (ssize_t)size + (s->mode == GREET_TOO_LONG);
	default:
		if (!s->first_datagram)
			return 0;
		len = strlen(s->first_datagram);
		assert_true(len <= size);
		memcpy(buf, s->first_datagram, len);
		return (ssize_t)len;
	}
}

/* Fails the test when entered from inside the output's sends, the log callback or itself. */
static inline ssize_t seen_greeting(void *arg, const char *peer, char *buf, size_t size)
{
	struct seen *s = arg;
	ssize_t n;

	if (s->in_greeting || s->in_log || in_send)
		fail_msg("greeting hook re-entered (greeting %d, log %d, send %d)", s->in_greeting,
			s->in_log, in_send);
	s->in_greeting = true;
	if (s->connects < (int)ARRAY_SIZE(s->peers))
		snprintf(s->peers[s->connects], sizeof(s->peers[0]), "%s", peer);
	s->connects++;
	probe_output(s);
	n = greeting_text(s, buf, size);
	s->in_greeting = false;
	return n;
}

static inline struct udp_config config(const struct hostport *dests, size_t n, struct seen *s)
{
	struct udp_config cfg = {
		.dests = dests,
		.ndests = n,
		.max_message = 2048,
		.batch = 8,
		.log = seen_log,
		.greeting = seen_greeting,
		.cb_arg = s,
	};
	return cfg;
}

static inline struct hostport dest(const char *host, uint16_t port)
{
	struct hostport d;

	memset(&d, 0, sizeof(d));
	snprintf(d.host, sizeof(d.host), "%s", host);
	d.port = port;
	return d;
}

static inline struct udp_output *new_or_fail(const struct udp_config *cfg)
{
	char err[256] = "";
	struct udp_output *u = udp_new(cfg, err, sizeof(err));

	if (!u)
		fail_msg("udp_new: %s (errno %d)", err, errno);
	return u;
}

static inline void assert_accounted(const struct udp_output *u, uint64_t queued)
{
	const struct udp_stats *st = udp_get_stats(u);

	assert_int_equal(st->sent + st->dropped, queued);
	assert_int_equal(st->dropped, st->dropped_oversize + st->dropped_send_error +
					      st->dropped_no_destination + st->dropped_refused);
}

static inline void expect_datagram(int fd, const char *want)
{
	char in[256];
	ssize_t r = recv_within(fd, in, sizeof(in), WAIT_MS, NULL);

	if (r != (ssize_t)strlen(want) || memcmp(in, want, strlen(want)) != 0)
		fail_msg("expected \"%s\", got %zd bytes", want, r);
}

/* Names resolve through this cut so a test can make one fail and then come back, and count
 * how often the output resolves. "flaky.test" resolves to 127.0.0.1 only when flaky_ok. */
static bool flaky_ok;
static int resolutions;

int __real_getaddrinfo(
	const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res);
int __wrap_getaddrinfo(
	const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res);

int __wrap_getaddrinfo(
	const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
	resolutions++;
	if (node && strcmp(node, "flaky.test") == 0) {
		if (!flaky_ok)
			return EAI_NONAME;
		node = "127.0.0.1";
	}
	return __real_getaddrinfo(node, service, hints, res);
}

/* sendmmsg through a script: k > 0 lets at most k datagrams through (a short count), -E fails
 * with errno E; past the script, or with no script, the real call. */
static int mm_script[16];
static int mm_len, mm_pos, mm_calls;

int __real_sendmmsg(int fd, struct mmsghdr *msgs, unsigned int vlen, int flags);
int __wrap_sendmmsg(int fd, struct mmsghdr *msgs, unsigned int vlen, int flags);

int __wrap_sendmmsg(int fd, struct mmsghdr *msgs, unsigned int vlen, int flags)
{
	int step = 0, r;

	mm_calls++;
	if (mm_pos < mm_len)
		step = mm_script[mm_pos++];
	if (step < 0) {
		errno = -step;
		return -1;
	}
	in_send++;
	r = __real_sendmmsg(
		fd, msgs, step > 0 && vlen > (unsigned int)step ? (unsigned int)step : vlen, flags);
	in_send--;
	return r;
}

/* send (the greeting's) is only watched: a callback must not run inside it. */
ssize_t __real_send(int fd, const void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags);

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
	ssize_t r;

	in_send++;
	r = __real_send(fd, buf, len, flags);
	in_send--;
	return r;
}

static inline void mm_set(const int *steps, int n)
{
	assert_true(n <= (int)ARRAY_SIZE(mm_script));
	if (n > 0)
		memcpy(mm_script, steps, (size_t)n * sizeof(*steps));
	mm_len = n;
	mm_pos = 0;
	mm_calls = 0;
}

#endif
