/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shipper/out/udp.c, the batch and what it counts, on real UDP sockets on
 * loopback: delivery, batching, datagrams framed in place, fire-and-forget, oversize,
 * scripted send errors, the greeting, callbacks that call the output, the drop summary and
 * a bad configuration. Which destination the output talks to is test_udp_link.c's. Receivers
 * bind port 0 and read their port back. Every wait is bounded in count and time. */
#include <errno.h>
#include <netdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "loopback.h"
#include "udp_harness.h"

static void fill(char *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)((seed * 31 + i * 7) & 0xff);
}

static void test_send_receive_exact(void **state)
{
	enum { N = 100 };
	struct seen s = {0};
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	char out[2048], in[4096];
	uint16_t port;
	uint64_t bytes = 0;
	int rfd, i;

	(void)state;
	rfd = receiver(AF_INET, 0, &port);
	d = dest("127.0.0.1", port);
	cfg = config(&d, 1, &s);
	u = new_or_fail(&cfg);
	for (i = 0; i < N; i++) {
		size_t len = (size_t)(i * 17) % sizeof(out);

		fill(out, len, (unsigned int)i);
		bytes += len;
		assert_int_equal(udp_queue(u, out, len), 0);
	}
	assert_int_equal(udp_flush(u), 0);
	for (i = 0; i < N; i++) {
		size_t len = (size_t)(i * 17) % sizeof(out);
		ssize_t r = recv_within(rfd, in, sizeof(in), WAIT_MS, NULL);

		if (r == -1)
			fail_msg("datagram %d of %d did not arrive", i, N);
		fill(out, len, (unsigned int)i);
		assert_int_equal(r, len);
		assert_memory_equal(in, out, len);
	}
	assert_int_equal(udp_get_stats(u)->sent, N);
	assert_int_equal(udp_get_stats(u)->sent_bytes, bytes);
	assert_int_equal(udp_get_stats(u)->dropped, 0);
	assert_int_equal(s.connects, 1);
	assert_int_equal(s.warns, 0);
	udp_free(u);
	close(rfd);
}

static void test_batching(void **state)
{
	struct seen s = {0};
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	char in[64];
	uint16_t port;
	int rfd, i;

	(void)state;
	rfd = receiver(AF_INET, 0, &port);
	d = dest("127.0.0.1", port);
	cfg = config(&d, 1, &s);
	cfg.batch = 4;
	u = new_or_fail(&cfg);

	/* fewer than a batch: nothing until flush */
	for (i = 0; i < 3; i++)
		assert_int_equal(udp_queue(u, "abc", 3), 0);
	assert_int_equal(recv_within(rfd, in, sizeof(in), QUIET_MS, NULL), -1);
	assert_int_equal(udp_get_stats(u)->sent, 0);
	assert_int_equal(udp_flush(u), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(recv_within(rfd, in, sizeof(in), WAIT_MS, NULL), 3);

	/* a full batch goes without flush */
	for (i = 0; i < 4; i++)
		assert_int_equal(udp_queue(u, "wxyz", 4), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(recv_within(rfd, in, sizeof(in), WAIT_MS, NULL), 4);
	assert_int_equal(udp_get_stats(u)->sent, 7);

	/* an empty flush is harmless; free sends what is queued */
	assert_int_equal(udp_flush(u), 0);
	assert_int_equal(udp_queue(u, "last", 4), 0);
	udp_free(u);
	assert_int_equal(recv_within(rfd, in, sizeof(in), WAIT_MS, NULL), 4);
	assert_memory_equal(in, "last", 4);
	close(rfd);
}

/* Datagrams framed in place: packed one after another, sent when the next reservation would
 * not fit (one sendmmsg, no flush), each exactly as written; a reservation never committed
 * sends nothing; the greeting (built into a buffer of its own) goes first. */
static void test_reserve_commit(void **state)
{
	enum { N = 40, LEN = 9000, STRIDE = (LEN + 63) & ~63 };
	const unsigned int fit = UDP_ARENA_BYTES / STRIDE + 1; /* queued when a send is forced */
	struct seen s = {0};
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	static char in[65536], want[LEN];
	uint16_t port;
	unsigned int i;
	char *p;
	int rfd;

	(void)state;
	rfd = receiver(AF_INET, 0, &port);
	d = dest("127.0.0.1", port);
	cfg = config(&d, 1, &s);
	cfg.max_message = UDP_MAX_PAYLOAD;
	cfg.batch = 64;
	s.first_datagram = "hello";
	u = new_or_fail(&cfg);
	mm_set(NULL, 0);
	for (i = 0; i < N; i++) {
		p = udp_reserve(u, UDP_MAX_PAYLOAD);
		assert_non_null(p);
		if (i < fit) {
			assert_int_equal(mm_calls, 0);
			assert_int_equal(udp_get_stats(u)->sent, 1); /* "hello", from the first */
		} else {
			assert_int_equal(mm_calls, 1);
			assert_int_equal(udp_get_stats(u)->sent, 1 + fit);
		}
		fill(p, LEN, i);
		assert_int_equal(udp_commit(u, LEN), 0);
	}
	assert_null(udp_reserve(u, UDP_MAX_PAYLOAD + 1));
	p = udp_reserve(u, 100);
	assert_non_null(p);
	memset(p, 'z', 100); /* never committed */
	assert_int_equal(udp_flush(u), 0);
	assert_int_equal(s.connects, 1);

	assert_int_equal(recv_within(rfd, in, sizeof(in), WAIT_MS, NULL), 5);
	assert_memory_equal(in, "hello", 5);
	for (i = 0; i < N; i++) {
		ssize_t r = recv_within(rfd, in, sizeof(in), WAIT_MS, NULL);

		if (r == -1)
			fail_msg("datagram %u of %d did not arrive", i, N);
		assert_int_equal(r, LEN);
		fill(want, LEN, i);
		assert_memory_equal(in, want, LEN);
	}
	assert_int_equal(recv_within(rfd, in, sizeof(in), QUIET_MS, NULL), -1);
	assert_int_equal(udp_get_stats(u)->sent, N + 1);
	assert_int_equal(udp_get_stats(u)->dropped, 0);
	assert_accounted(u, N + 1);
	udp_free(u);
	close(rfd);
}

static void test_fire_and_forget(void **state)
{
	enum { N = 1000 };
	struct seen s = {0};
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	char msg[200];
	int i;

	(void)state;
	d = dest("127.0.0.1", closed_port(AF_INET));
	cfg = config(&d, 1, &s);
	u = new_or_fail(&cfg);
	assert_int_equal(s.warns, 0);
	for (i = 0; i < N; i++) {
		fill(msg, sizeof(msg), (unsigned int)i);
		(void)udp_queue(u, msg, sizeof(msg));
		if (i % 10 == 9)
			(void)udp_flush(u);
	}
	(void)udp_flush(u);
	udp_tick(u);
	assert_accounted(u, N);
	fprintf(stderr, "  closed port: sent %llu, dropped %llu (send errors)\n",
		(unsigned long long)udp_get_stats(u)->sent,
		(unsigned long long)udp_get_stats(u)->dropped_send_error);
	/* the refusals were seen and counted, and only counted: the failed sends, and the
	 * datagrams sent before them that the closed port refused (ICMP) */
	assert_true(udp_get_stats(u)->dropped_send_error > 0);
	assert_true(udp_get_stats(u)->dropped_refused > 0);
	assert_int_equal(udp_get_stats(u)->failovers, 0);
	assert_int_equal(udp_get_stats(u)->reconnects, 0);
	assert_int_equal(udp_get_stats(u)->dropped_no_destination, 0);
	/* bounded logging: at most the one automatic summary, never per datagram */
	assert_true(s.lines <= 1);
	udp_log_drop_summary(u);
	assert_true(s.dropped_lines >= 1);
	assert_non_null(strstr(s.last_dropped, "(Connection refused)"));
	{
		char want[64];

		snprintf(want, sizeof(want), "to 127.0.0.1:%u ", d.port);
		assert_non_null(strstr(s.last_dropped, want));
	}
	/* nothing new: no line */
	i = s.lines;
	udp_log_drop_summary(u);
	assert_int_equal(s.lines, i);
	udp_free(u);
}

static void test_oversize(void **state)
{
	struct seen s = {0};
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	char big[101], in[256];
	uint16_t port;
	int rfd;

	(void)state;
	memset(big, 'x', sizeof(big));
	rfd = receiver(AF_INET, 0, &port);
	d = dest("127.0.0.1", port);
	cfg = config(&d, 1, &s);
	cfg.max_message = 100;
	u = new_or_fail(&cfg);
	assert_int_equal(udp_queue(u, big, 101), -EMSGSIZE);
	assert_int_equal(udp_get_stats(u)->dropped_oversize, 1);
	assert_int_equal(udp_get_stats(u)->dropped, 1);
	assert_int_equal(udp_queue(u, big, 100), 0);
	assert_int_equal(udp_flush(u), 0);
	assert_int_equal(recv_within(rfd, in, sizeof(in), WAIT_MS, NULL), 100);
	assert_accounted(u, 2);
	/* the clean flush after the drop is a recovery: one summary line */
	assert_int_equal(s.dropped_lines, 1);
	assert_non_null(strstr(s.last_dropped, "dropped 1 messages to 127.0.0.1:"));
	assert_non_null(strstr(s.last_dropped, "(longer than 100 bytes)"));
	udp_free(u);
	close(rfd);
}

/* The errors that only cost datagrams, each scripted on a batch of "abcd"s. */
static void send_errors_transient(struct udp_output *u, int rfd, uint64_t *queued)
{
	int i;

	/* short counts with no reason on the error queue: the rest is sent again */
	mm_set((const int[]){3, 2}, 2);
	for (i = 0; i < 8; i++, (*queued)++)
		assert_int_equal(udp_queue(u, "abcd", 4), 0);
	assert_int_equal(udp_get_stats(u)->sent, 8);
	assert_int_equal(mm_calls, 3);
	assert_int_equal(drain(rfd), 8);

	/* a transient error costs one datagram; the rest go */
	mm_set((const int[]){2, -EHOSTUNREACH}, 2);
	for (i = 0; i < 5; i++, (*queued)++)
		assert_int_equal(udp_queue(u, "abcd", 4), 0);
	assert_int_equal(udp_flush(u), 0);
	assert_int_equal(udp_get_stats(u)->sent, 12);
	assert_int_equal(udp_get_stats(u)->dropped_send_error, 1);
	assert_int_equal(drain(rfd), 4);

	/* the last datagram dropped: flush says why */
	mm_set((const int[]){-EPERM}, 1);
	assert_int_equal(udp_queue(u, "abcd", 4), 0);
	(*queued)++;
	assert_int_equal(udp_flush(u), -EPERM);
	assert_int_equal(udp_get_stats(u)->dropped_send_error, 2);

	/* a full buffer drops the rest of the batch at once */
	mm_set((const int[]){1, -ENOBUFS}, 2);
	for (i = 0; i < 6; i++, (*queued)++)
		assert_int_equal(udp_queue(u, "abcd", 4), 0);
	assert_int_equal(udp_flush(u), -ENOBUFS);
	assert_int_equal(mm_calls, 2);
	assert_int_equal(udp_get_stats(u)->dropped_send_error, 7);
	assert_int_equal(drain(rfd), 1);

	/* EINTR is retried */
	mm_set((const int[]){-EINTR, -EINTR}, 2);
	assert_int_equal(udp_queue(u, "abcd", 4), 0);
	(*queued)++;
	assert_int_equal(udp_flush(u), 0);
	assert_int_equal(drain(rfd), 1);
}

/* Scripted send errors: short counts are retried, transient errors drop and count, a full
 * buffer drops the rest of the batch, an unexpected errno reconnects; nothing is lost
 * silently and nothing loops. */
static void test_send_errors(void **state)
{
	struct seen s = {0};
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	uint16_t port;
	int rfd, i, rc;
	uint64_t queued = 0;

	(void)state;
	rfd = receiver(AF_INET, 0, &port);
	d = dest("127.0.0.1", port);
	cfg = config(&d, 1, &s);
	cfg.batch = 8;
	cfg.reconnect_interval = 1;
	u = new_or_fail(&cfg);

	send_errors_transient(u, rfd, &queued);

	/* an errno that is not expected: drop the rest, close, reconnect when due */
	mm_set((const int[]){-EINVAL}, 1);
	for (i = 0; i < 3; i++, queued++)
		assert_int_equal(udp_queue(u, "abcd", 4), 0);
	assert_int_equal(udp_flush(u), -EINVAL);
	assert_non_null(strstr(s.last, "send to 127.0.0.1:"));
	assert_int_equal(udp_queue(u, "abcd", 4), -ENOTCONN);
	queued++;
	assert_int_equal(udp_get_stats(u)->dropped_no_destination, 1);
	for (i = 0; i < 300 && udp_get_stats(u)->reconnects == 0; i++) {
		udp_tick(u);
		sleep_ms(10);
	}
	assert_int_equal(udp_get_stats(u)->reconnects, 1);
	assert_int_equal(s.connects, 2);
	rc = udp_queue(u, "abcd", 4);
	queued++;
	assert_int_equal(rc, 0);
	assert_int_equal(udp_flush(u), 0);
	assert_int_equal(drain(rfd), 1);
	assert_accounted(u, queued);
	/* and never a line per datagram */
	assert_true(s.lines <= 4);
	mm_set(NULL, 0);
	udp_free(u);
	close(rfd);
}

/* An unexpected send error closes the socket; the tick that connects again greets at once,
 * so the new connection's first datagram is the greeting, then what is queued after. */
static void test_greeting_after_reconnect(void **state)
{
	struct seen s = {.first_datagram = "hello"};
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	char in[64];
	uint16_t port;
	int rfd, i;

	(void)state;
	rfd = receiver(AF_INET, 0, &port);
	d = dest("127.0.0.1", port);
	cfg = config(&d, 1, &s);
	cfg.reconnect_interval = 1;
	u = new_or_fail(&cfg);
	assert_int_equal(s.connects, 0); /* connected, but greets only when it first sends */
	assert_int_equal(udp_queue(u, "e1", 2), 0);
	assert_int_equal(s.connects, 1);
	assert_int_equal(udp_flush(u), 0);
	expect_datagram(rfd, "hello");
	expect_datagram(rfd, "e1");
	mm_set((const int[]){-EINVAL}, 1);
	assert_int_equal(udp_queue(u, "e2", 2), 0);
	assert_int_equal(udp_flush(u), -EINVAL);
	for (i = 0; i < 300 && udp_get_stats(u)->reconnects == 0; i++) {
		udp_tick(u);
		sleep_ms(10);
	}
	assert_int_equal(udp_get_stats(u)->reconnects, 1);
	assert_int_equal(s.connects, 2);
	expect_datagram(rfd, "hello");
	assert_int_equal(udp_queue(u, "e3", 2), 0);
	assert_int_equal(udp_flush(u), 0);
	expect_datagram(rfd, "e3");
	assert_int_equal(recv_within(rfd, in, sizeof(in), QUIET_MS, NULL), -1);
	assert_int_equal(udp_get_stats(u)->sent, 4);
	assert_accounted(u, 5);
	mm_set(NULL, 0);
	udp_free(u);
	close(rfd);
}

/* A numbered greeting and every datagram whose number was spent take the next one, sent or
 * not; unnumbered datagrams take none; a replacement output continues the series of the
 * destinations it shares. */
static void test_sequences(void **state)
{
	struct seen s = {.first_datagram = "hello"};
	struct hostport d[2];
	struct udp_config cfg;
	struct udp_output *u, *u2, *u3;
	uint16_t port;
	char *p;
	int rfd;

	(void)state;
	rfd = receiver(AF_INET, 0, &port);
	d[0] = dest("127.0.0.1", port);
	cfg = config(d, 1, &s);
	cfg.number_greeting = true;
	u = new_or_fail(&cfg);
	assert_int_equal(udp_next_sequence(u), 1);
	/* as the pipeline does: reserve (the greeting goes first and takes 1), number, commit */
	p = udp_reserve(u, 2);
	assert_non_null(p);
	assert_int_equal(udp_next_sequence(u), 2);
	memcpy(p, "e1", 2);
	udp_spend_sequence(u);
	assert_int_equal(udp_commit(u, 2), 0);
	assert_int_equal(udp_next_sequence(u), 3);
	assert_int_equal(udp_queue(u, "raw", 3), 0); /* nobody numbered it */
	assert_int_equal(udp_next_sequence(u), 3);
	assert_int_equal(udp_flush(u), 0);
	expect_datagram(rfd, "hello");
	expect_datagram(rfd, "e1");
	expect_datagram(rfd, "raw");
	mm_set((const int[]){-EINVAL}, 1);
	udp_spend_sequence(u);
	assert_int_equal(udp_queue(u, "e2", 2), 0); /* lost on the way: its number is spent */
	assert_int_equal(udp_flush(u), -EINVAL);
	mm_set(NULL, 0);
	assert_int_equal(udp_next_sequence(u), 4);

	/* The same destination in a new output (a reload) goes on from 4; another starts at 1. */
	u2 = new_or_fail(&cfg);
	udp_continue_sequences(u2, u);
	assert_int_equal(udp_next_sequence(u2), 4);
	d[1] = dest("127.0.0.2", port);
	cfg = config(d + 1, 1, &s);
	u3 = new_or_fail(&cfg);
	udp_continue_sequences(u3, u);
	assert_int_equal(udp_next_sequence(u3), 1);
	udp_continue_sequences(u3, NULL);
	assert_int_equal(udp_next_sequence(NULL), 1);
	udp_spend_sequence(NULL);
	udp_free(u3);
	udp_free(u2);
	udp_free(u);
	close(rfd);
}

/* What the hook returns decides what goes first: its datagram, nothing (0, or an error),
 * exactly the buffer's size, or a length past it (dropped, counted as oversize). */
static void test_greeting_results(void **state)
{
	static const struct {
		enum greet_mode mode;
		const char *text;
		ssize_t first_len; /* of the first datagram received; 5 is the event */
		uint64_t sent, oversize;
	} cases[] = {
		{GREET_TEXT, "hi", 2, 2, 0},
		{GREET_TEXT, NULL, 5, 1, 0},
		{GREET_FAIL, NULL, 5, 1, 0},
		{GREET_FULL, NULL, 2048, 2, 0},
		{GREET_TOO_LONG, NULL, 5, 1, 1},
	};
	static char in[4096];
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	uint16_t port;
	size_t i;
	int rfd;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct seen s = {.mode = cases[i].mode, .first_datagram = cases[i].text};

		rfd = receiver(AF_INET, 0, &port);
		d = dest("127.0.0.1", port);
		cfg = config(&d, 1, &s);
		u = new_or_fail(&cfg);
		assert_int_equal(udp_queue(u, "event", 5), 0);
		assert_int_equal(udp_flush(u), 0);
		assert_int_equal(
			recv_within(rfd, in, sizeof(in), WAIT_MS, NULL), cases[i].first_len);
		if (cases[i].first_len == 5)
			assert_memory_equal(in, "event", 5);
		assert_int_equal(udp_get_stats(u)->sent, cases[i].sent);
		assert_int_equal(udp_get_stats(u)->dropped_oversize, cases[i].oversize);
		assert_accounted(u, cases[i].sent + cases[i].oversize);
		assert_int_equal(s.connects, 1);
		udp_free(u);
		close(rfd);
	}
}

/* Callbacks that call the output anyway (the contract forbids it) are refused, every call,
 * and nothing they try is sent: the greeting and the drop summary's log line both try. */
static void test_callbacks_refused(void **state)
{
	struct seen s = {.first_datagram = "hello"};
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	char big[2049], in[64];
	uint16_t port;
	int rfd;

	(void)state;
	memset(big, 'x', sizeof(big));
	rfd = receiver(AF_INET, 0, &port);
	d = dest("127.0.0.1", port);
	cfg = config(&d, 1, &s);
	u = new_or_fail(&cfg);
	s.probe = u;
	assert_int_equal(udp_queue(u, big, sizeof(big)), -EMSGSIZE);
	assert_int_equal(udp_queue(u, "event", 5), 0);
	assert_int_equal(udp_flush(u), 0); /* clean after a drop: the summary is logged */
	assert_int_equal(s.dropped_lines, 1);
	assert_int_equal(s.probe_calls, 2);
	assert_int_equal(s.probe_refused, 2);
	expect_datagram(rfd, "hello");
	expect_datagram(rfd, "event");
	assert_int_equal(recv_within(rfd, in, sizeof(in), QUIET_MS, NULL), -1);
	assert_int_equal(udp_get_stats(u)->sent, 2);
	assert_accounted(u, 3);
	s.probe = NULL;
	udp_free(u);
	close(rfd);
}

/* A receiver that comes back: the first clean flush logs the drops once. */
static void test_summary_on_recovery(void **state)
{
	struct seen s = {0};
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	char in[64], want[96];
	uint16_t port, again;
	int rfd, i;
	int64_t deadline;

	(void)state;
	d = dest("127.0.0.1", closed_port(AF_INET));
	cfg = config(&d, 1, &s);
	u = new_or_fail(&cfg);
	deadline = now_ms() + WAIT_MS;
	for (i = 0; i < 1000 && udp_get_stats(u)->dropped == 0 && now_ms() < deadline; i++) {
		(void)udp_queue(u, "lost", 4);
		(void)udp_flush(u);
		sleep_ms(1);
	}
	assert_true(udp_get_stats(u)->dropped > 0);
	assert_int_equal(s.dropped_lines, 0);

	rfd = receiver(AF_INET, d.port, &port);
	assert_int_equal(port, d.port);
	deadline = now_ms() + WAIT_MS;
	for (again = 0; again < 100 && s.dropped_lines == 0 && now_ms() < deadline; again++) {
		(void)udp_queue(u, "back", 4);
		(void)udp_flush(u);
	}
	assert_int_equal(s.dropped_lines, 1);
	snprintf(want, sizeof(want), "to 127.0.0.1:%u (Connection refused)", d.port);
	assert_non_null(strstr(s.last_dropped, "dropped "));
	assert_non_null(strstr(s.last_dropped, want));
	assert_true(drain(rfd) >= 1);
	(void)in;
	udp_free(u);
	close(rfd);
}

static void test_bad_config(void **state)
{
	struct hostport d = dest("127.0.0.1", 514);
	struct udp_config cfg;
	char err[256];

	(void)state;
	errno = 0;
	assert_null(udp_new(NULL, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, "no destination configured");

	cfg = config(&d, 0, NULL);
	assert_null(udp_new(&cfg, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);

	cfg = config(&d, 1, NULL);
	cfg.max_message = UDP_MAX_PAYLOAD + 1;
	assert_null(udp_new(&cfg, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);

	d.port = 0;
	cfg = config(&d, 1, NULL);
	assert_null(udp_new(&cfg, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "destination 1"));

	udp_free(NULL);
	assert_int_equal(udp_queue(NULL, "x", 1), -EINVAL);
	assert_int_equal(udp_flush(NULL), -EINVAL);
	udp_tick(NULL);
	udp_log_drop_summary(NULL);
	assert_null(udp_get_stats(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_receive_exact),
		cmocka_unit_test(test_batching),
		cmocka_unit_test(test_reserve_commit),
		cmocka_unit_test(test_fire_and_forget),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_send_errors),
		cmocka_unit_test(test_greeting_after_reconnect),
		cmocka_unit_test(test_sequences),
		cmocka_unit_test(test_greeting_results),
		cmocka_unit_test(test_callbacks_refused),
		cmocka_unit_test(test_summary_on_recovery),
		cmocka_unit_test(test_bad_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
