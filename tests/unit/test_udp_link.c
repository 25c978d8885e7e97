/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shipper/out/udp_link.c, which destination the UDP output talks to and when
 * it connects again: failover (between receivers, within one batch, paced when all are
 * down, with the greeting first), names (several addresses, none, one that comes back), the
 * retry schedule, SO_SNDBUF, the local port and IPv6; through the output on real loopback
 * sockets, and the schedule also on the link alone with the clock given. */
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
#include "shipper/out/udp_link.h"

/* A stops: datagrams to it are refused until the refusal moves the output to B; one line. */
static void failover_a_stops(struct udp_output *u, const struct seen *s, const char *want_a,
	const char *want_b, uint64_t *queued)
{
	int64_t deadline = now_ms() + WAIT_MS;
	char line[256];
	int i;

	for (i = 0; i < 1000 && udp_get_stats(u)->failovers == 0 && now_ms() < deadline; i++) {
		(void)udp_queue(u, "probe", 5);
		(*queued)++;
		(void)udp_flush(u);
		sleep_ms(1);
	}
	if (udp_get_stats(u)->failovers == 0)
		fail_msg("no failover after %d datagrams to a closed port", i);
	(*queued)++; /* agent_init for B */
	assert_int_equal(udp_get_stats(u)->failovers, 1);
	assert_int_equal(udp_get_stats(u)->reconnects, 1);
	assert_int_equal(s->failover_lines, 1);
	assert_non_null(strstr(s->last, "failover from"));
	assert_int_equal(s->connects, 2);
	assert_string_equal(s->peers[1], want_b);
	assert_string_equal(udp_current_peer(u), want_b);
	snprintf(line, sizeof(line), "failover from %s to %s: Connection refused", want_a, want_b);
	assert_non_null(strstr(s->last, line));
}

/* Each destination is credited with what went to it: B with exactly what it received. */
static void assert_credited(const struct udp_output *u, const char *want_a, const char *want_b,
	int probes_b, uint64_t queued)
{
	const struct udp_dest_stats *da, *db;
	const char *name;

	assert_int_equal(udp_dest_count(u), 2);
	da = udp_get_dest_stats(u, 0, &name);
	assert_string_equal(name, want_a);
	db = udp_get_dest_stats(u, 1, &name);
	assert_string_equal(name, want_b);
	assert_null(udp_get_dest_stats(u, 2, &name));
	assert_int_equal(db->sent, 1 + probes_b + 20);
	assert_int_equal(db->dropped, 0);
	assert_true(da->sent >= 2); /* agent_init and "to-a" arrived */
	assert_int_equal(da->sent + da->dropped + db->sent + db->dropped, queued);
	assert_int_equal(da->sent + db->sent, udp_get_stats(u)->sent);
}

static void test_failover(void **state)
{
	struct seen s = {0};
	struct hostport d[2];
	struct udp_config cfg;
	struct udp_output *u;
	char in[256], want_b[64], want_a[64];
	uint16_t pa, pb;
	int afd, bfd, i, got, probes_b;
	uint64_t queued = 0;

	(void)state;
	afd = receiver(AF_INET, 0, &pa);
	bfd = receiver(AF_INET, 0, &pb);
	d[0] = dest("127.0.0.1", pa);
	d[1] = dest("127.0.0.1", pb);
	snprintf(want_a, sizeof(want_a), "127.0.0.1:%u", pa);
	snprintf(want_b, sizeof(want_b), "127.0.0.1:%u", pb);
	cfg = config(d, 2, &s);
	u = new_or_fail(&cfg);
	s.first_datagram = "agent_init";
	assert_string_equal(udp_current_peer(u), want_a);

	/* A works */
	assert_int_equal(udp_queue(u, "to-a", 4), 0);
	queued++;
	assert_int_equal(udp_flush(u), 0);
	queued++; /* the greeting, agent_init, went first */
	assert_int_equal(s.connects, 1);
	assert_string_equal(s.peers[0], want_a);
	assert_int_equal(recv_within(afd, in, sizeof(in), WAIT_MS, NULL), 10);
	assert_memory_equal(in, "agent_init", 10);
	assert_int_equal(recv_within(afd, in, sizeof(in), WAIT_MS, NULL), 4);

	/* A stops: the refusal moves the output to B */
	close(afd);
	failover_a_stops(u, &s, want_a, want_b, &queued);
	/* B's first datagram is its greeting */
	assert_int_equal(recv_within(bfd, in, sizeof(in), WAIT_MS, NULL), 10);
	assert_memory_equal(in, "agent_init", 10);
	probes_b = drain(bfd);

	/* subsequent datagrams go to B */
	s.first_datagram = NULL;
	for (i = 0; i < 20; i++) {
		assert_int_equal(udp_queue(u, "to-b", 4), 0);
		queued++;
	}
	assert_int_equal(udp_flush(u), 0);
	for (got = 0; got < 20; got++) {
		if (recv_within(bfd, in, sizeof(in), WAIT_MS, NULL) != 4)
			break;
		assert_memory_equal(in, "to-b", 4);
	}
	assert_int_equal(got, 20);
	assert_int_equal(udp_get_stats(u)->failovers, 1);
	assert_int_equal(s.failover_lines, 1);
	assert_accounted(u, queued);
	assert_credited(u, want_a, want_b, probes_b, queued);
	udp_free(u);
	close(bfd);
}

/* The refusal arrives in the middle of one sendmmsg, which swallows it and returns a short
 * count: the error queue (IP_RECVERR) still tells the output to fail over. */
static void test_failover_within_batch(void **state)
{
	struct seen s = {0};
	struct hostport d[2];
	struct udp_config cfg;
	struct udp_output *u;
	uint16_t pa, pb;
	int afd, bfd, k;
	uint64_t queued = 0;

	(void)state;
	afd = receiver(AF_INET, 0, &pa);
	bfd = receiver(AF_INET, 0, &pb);
	d[0] = dest("127.0.0.1", pa);
	d[1] = dest("127.0.0.1", pb);
	cfg = config(d, 2, &s);
	cfg.batch = 16;
	u = new_or_fail(&cfg);
	close(afd);
	/* one full batch, no flush: the refusal happens inside this one sendmmsg (loopback
	 * delivers the ICMP error before the call returns) */
	for (k = 0; k < 16; k++, queued++)
		(void)udp_queue(u, "batch", 5);
	if (udp_get_stats(u)->failovers == 0)
		fail_msg("no failover within one batch to a closed port (sent %llu)",
			(unsigned long long)udp_get_stats(u)->sent);
	assert_int_equal(udp_get_stats(u)->failovers, 1);
	assert_string_equal(s.peers[1], udp_current_peer(u));
	assert_true(drain(bfd) >= 1);
	assert_accounted(u, queued);
	udp_free(u);
	close(bfd);
}

/* Every destination refuses: failovers are paced by the reconnect interval, not per datagram. */
static void test_failover_all_down_is_paced(void **state)
{
	struct seen s = {0};
	struct hostport d[2];
	struct udp_config cfg;
	struct udp_output *u;
	int64_t deadline;
	int i;

	(void)state;
	d[0] = dest("127.0.0.1", closed_port(AF_INET));
	d[1] = dest("127.0.0.1", closed_port(AF_INET));
	cfg = config(d, 2, &s);
	u = new_or_fail(&cfg);
	deadline = now_ms() + 800; /* well inside the second failover's 1 s */
	for (i = 0; i < 500 && now_ms() < deadline; i++) {
		(void)udp_queue(u, "x", 1);
		(void)udp_flush(u);
	}
	/* the first refusal moves at once, the next waits for the interval (1 s) */
	assert_true(udp_get_stats(u)->failovers >= 1);
	assert_true(udp_get_stats(u)->failovers <= 2);
	assert_true(s.failover_lines <= 2);
	assert_accounted(u, (uint64_t)i);
	udp_free(u);
}

/* A refusal inside one sendmmsg moves the output to B in the middle of the batch: B hears
 * the greeting first, then the rest of the batch, and the hook never runs inside a send. */
static void test_greeting_after_failover(void **state)
{
	struct seen s = {.first_datagram = "hello"};
	struct hostport d[2];
	struct udp_config cfg;
	struct udp_output *u;
	char want_b[64];
	uint16_t pa, pb;
	int afd, bfd, k;

	(void)state;
	afd = receiver(AF_INET, 0, &pa);
	bfd = receiver(AF_INET, 0, &pb);
	d[0] = dest("127.0.0.1", pa);
	d[1] = dest("127.0.0.1", pb);
	snprintf(want_b, sizeof(want_b), "127.0.0.1:%u", pb);
	cfg = config(d, 2, &s);
	cfg.batch = 16;
	u = new_or_fail(&cfg);
	assert_int_equal(udp_queue(u, "a1", 2), 0);
	assert_int_equal(udp_flush(u), 0);
	expect_datagram(afd, "hello");
	expect_datagram(afd, "a1");
	close(afd);
	for (k = 0; k < 16; k++)
		(void)udp_queue(u, "batch", 5);
	assert_int_equal(udp_get_stats(u)->failovers, 1);
	assert_int_equal(s.connects, 2);
	assert_string_equal(s.peers[1], want_b);
	expect_datagram(bfd, "hello");
	expect_datagram(bfd, "batch");
	assert_accounted(u, 2 + 16 + 1);
	udp_free(u);
	close(bfd);
}

static void test_localhost_name(void **state)
{
	struct seen s = {0};
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	char err[256], in[64], entry[64];
	uint16_t port;
	int rfd, i;
	ssize_t r = -1;

	(void)state;
	rfd = receiver(AF_INET, 0, &port);
	snprintf(entry, sizeof(entry), "localhost:%u", port);
	assert_int_equal(hostport_parse(entry, 514, &d, err, sizeof(err)), 0);
	cfg = config(&d, 1, &s);
	u = new_or_fail(&cfg);
	/* localhost may also name ::1, where nobody listens: then the refusal fails over */
	for (i = 0; i < 50 && r == -1; i++) {
		(void)udp_queue(u, "hello", 5);
		(void)udp_flush(u);
		r = recv_within(rfd, in, sizeof(in), 40, NULL);
	}
	assert_int_equal(r, 5);
	assert_memory_equal(in, "hello", 5);
	assert_true(s.connects >= 1);
	udp_free(u);
	close(rfd);
}

static void test_unresolvable_name(void **state)
{
	struct seen s = {0};
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	int i;

	(void)state;
	d = dest("does-not-exist.invalid", 514);
	cfg = config(&d, 1, &s);
	u = new_or_fail(&cfg);
	assert_string_equal(udp_current_peer(u), "does-not-exist.invalid:514");
	assert_int_equal(s.warns, 1);
	assert_non_null(strstr(s.last, "resolve does-not-exist.invalid"));
	for (i = 0; i < 10; i++)
		assert_int_equal(udp_queue(u, "x", 1), -ENOTCONN);
	assert_int_equal(udp_flush(u), 0);
	/* not due yet: no retry, no new line */
	udp_tick(u);
	assert_int_equal(s.warns, 1);
	assert_int_equal(udp_get_stats(u)->dropped_no_destination, 10);
	assert_int_equal(udp_get_stats(u)->dropped, 10);
	assert_int_equal(udp_get_stats(u)->sent, 0);
	assert_int_equal(s.connects, 0);
	udp_log_drop_summary(u);
	assert_non_null(strstr(s.last_dropped,
		"dropped 10 messages to does-not-exist.invalid:514 (no destination: resolve "));
	udp_free(u);
}

/* A name that does not resolve yet: the doubling interval paces the retries (1 s, then 2 s),
 * and every retry resolves again. */
static void test_retry_backoff(void **state)
{
	struct seen s = {0};
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	int before;

	(void)state;
	flaky_ok = false;
	d = dest("flaky.test", closed_port(AF_INET));
	cfg = config(&d, 1, &s);
	resolutions = 0;
	u = new_or_fail(&cfg);
	assert_int_equal(resolutions, 1);
	assert_int_equal(s.warns, 1);
	udp_tick(u);
	assert_int_equal(resolutions, 1); /* not due: 1 s */
	sleep_ms(1100);
	udp_tick(u);
	assert_int_equal(resolutions, 2);
	before = s.lines;
	sleep_ms(300);
	udp_tick(u);
	assert_int_equal(resolutions, 2); /* not due: 2 s now */
	assert_int_equal(s.warns, 1);	  /* one warning per failing streak */
	assert_true(s.lines - before <= 1);
	assert_int_equal(udp_get_stats(u)->reconnects, 0);
	udp_free(u);
}

/* The name comes back: the next due tick connects, greets, and sending resumes. */
static void test_retry_recovers(void **state)
{
	struct seen s = {0};
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	char in[64], want[64];
	uint16_t port;
	int rfd, i;
	int64_t deadline;

	(void)state;
	flaky_ok = false;
	rfd = receiver(AF_INET, 0, &port);
	d = dest("flaky.test", port);
	cfg = config(&d, 1, &s);
	cfg.reconnect_interval = 1;
	u = new_or_fail(&cfg);
	assert_int_equal(udp_queue(u, "x", 1), -ENOTCONN);
	assert_int_equal(udp_get_stats(u)->dropped_no_destination, 1);
	{
		char conf[64];

		snprintf(conf, sizeof(conf), "flaky.test:%u", port);
		assert_string_equal(udp_current_peer(u), conf);
	}
	flaky_ok = true;
	deadline = now_ms() + 3000;
	for (i = 0; i < 400 && s.connects == 0 && now_ms() < deadline; i++) {
		udp_tick(u);
		sleep_ms(10);
	}
	assert_int_equal(s.connects, 1);
	snprintf(want, sizeof(want), "127.0.0.1:%u", port);
	assert_string_equal(s.peers[0], want);
	assert_string_equal(udp_current_peer(u), want);
	assert_int_equal(udp_get_stats(u)->reconnects, 1);
	assert_non_null(strstr(s.last, "connected to"));
	assert_int_equal(udp_queue(u, "y", 1), 0);
	assert_int_equal(udp_flush(u), 0);
	assert_int_equal(recv_within(rfd, in, sizeof(in), WAIT_MS, NULL), 1);
	/* the drop while nothing resolved is reported on the clean flush */
	assert_int_equal(s.dropped_lines, 1);
	assert_non_null(strstr(s.last_dropped, "dropped 1 messages to flaky.test:"));
	assert_non_null(strstr(s.last_dropped, "(no destination: resolve flaky.test: "));
	flaky_ok = false;
	udp_free(u);
	close(rfd);
}

static void test_sndbuf(void **state)
{
	struct seen s = {0};
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	uint16_t port;
	int rfd;

	(void)state;
	rfd = receiver(AF_INET, 0, &port);
	d = dest("127.0.0.1", port);
	cfg = config(&d, 1, &s);
	u = new_or_fail(&cfg);
	assert_true(udp_get_stats(u)->sndbuf_effective > 0);
	udp_free(u);

	cfg.sndbuf = 1 << 20;
	memset(&s, 0, sizeof(s));
	u = new_or_fail(&cfg);
	fprintf(stderr, "  SO_SNDBUF 1 MiB asked, %d read back\n",
		udp_get_stats(u)->sndbuf_effective);
	assert_true(udp_get_stats(u)->sndbuf_effective > 0);
	/* either granted (the kernel reports twice the request) or a warning says why not */
	if (udp_get_stats(u)->sndbuf_effective < 2 << 20) {
		assert_int_equal(s.warns, 1);
		assert_non_null(strstr(s.last, "net.core.wmem_max"));
	} else {
		assert_int_equal(s.warns, 0);
	}
	udp_free(u);
	close(rfd);
}

static void test_local_port(void **state)
{
	struct seen s = {0};
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	struct sockaddr_in any;
	char err[256], want[96], in[16];
	uint16_t port, local, from = 0;
	int rfd, hold;

	(void)state;
	rfd = receiver(AF_INET, 0, &port);
	d = dest("127.0.0.1", port);
	cfg = config(&d, 1, &s);

	/* a port someone else holds: a local error, udp_new fails and names the port */
	hold = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(hold >= 0);
	memset(&any, 0, sizeof(any));
	any.sin_family = AF_INET;
	any.sin_addr.s_addr = htonl(INADDR_ANY);
	assert_int_equal(bind(hold, (struct sockaddr *)&any, sizeof(any)), 0);
	{
		socklen_t len = sizeof(any);

		assert_int_equal(getsockname(hold, (struct sockaddr *)&any, &len), 0);
	}
	local = ntohs(any.sin_port);
	cfg.local_port = local;
	err[0] = '\0';
	errno = 0;
	u = udp_new(&cfg, err, sizeof(err));
	assert_null(u);
	assert_int_equal(errno, EADDRINUSE);
	snprintf(want, sizeof(want), "bind local port %u: Address already in use", local);
	assert_string_equal(err, want);
	close(hold);

	/* the same port, now free: datagrams come from it */
	u = new_or_fail(&cfg);
	assert_int_equal(udp_queue(u, "lp", 2), 0);
	assert_int_equal(udp_flush(u), 0);
	assert_int_equal(recv_within(rfd, in, sizeof(in), WAIT_MS, &from), 2);
	assert_int_equal(from, local);
	udp_free(u);
	close(rfd);
}

static void test_ipv6_loopback(void **state)
{
	struct seen s = {0};
	struct hostport d;
	struct udp_config cfg;
	struct udp_output *u;
	char err[256], entry[64], want[64], in[64];
	uint16_t port;
	int rfd, i;

	(void)state;
	/* ::1 is expected here; receiver() fails the test with the reason if it is missing */
	rfd = receiver(AF_INET6, 0, &port);
	snprintf(entry, sizeof(entry), "[::1]:%u", port);
	assert_int_equal(hostport_parse(entry, 514, &d, err, sizeof(err)), 0);
	assert_string_equal(d.host, "::1");
	cfg = config(&d, 1, &s);
	u = new_or_fail(&cfg);
	snprintf(want, sizeof(want), "[::1]:%u", port);
	assert_string_equal(udp_current_peer(u), want);
	for (i = 0; i < 5; i++)
		assert_int_equal(udp_queue(u, "six", 3), 0);
	assert_int_equal(udp_flush(u), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(recv_within(rfd, in, sizeof(in), WAIT_MS, NULL), 3);
	assert_int_equal(s.connects, 1);
	assert_string_equal(s.peers[0], want);
	udp_free(u);
	close(rfd);
}

/* ---- the link alone, with the clock given ------------------------------------------------ */

#define T0 1000000 /* ms: any start will do */

static void link_init(struct ulink *l, const struct hostport *d, size_t n, int interval,
	struct seen *s, struct udp_stats *st)
{
	struct udp_config cfg = {.dests = d, .ndests = n, .reconnect_interval = interval};
	char err[256] = "";

	memset(st, 0, sizeof(*st));
	if (ulink_init(l, &cfg, seen_log, s, st, err, sizeof(err)) != 0)
		fail_msg("ulink_init: %s", err);
}

/* OpenBSD's loghost_retry(): 1 s doubling to 60 s while the name does not resolve; after
 * that, a connection that outlived the interval lets the next move happen at once and the
 * interval start again from 1 s, a short one doubles it. */
static void test_link_schedule(void **state)
{
	static const int64_t delays[] = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000};
	struct seen s = {0};
	struct udp_stats st;
	struct ulink l;
	struct hostport d;
	char err[256];
	uint16_t port;
	int64_t now = T0;
	bool local = false;
	size_t i;
	int rfd;

	(void)state;
	rfd = receiver(AF_INET, 0, &port);
	d = dest("flaky.test", port);
	flaky_ok = false;
	link_init(&l, &d, 1, 0, &s, &st);
	snprintf(err, sizeof(err), "flaky.test:%u", port);
	assert_string_equal(ulink_peer(&l), err); /* not connected: the name as configured */
	for (i = 0; i < ARRAY_SIZE(delays); i++) {
		assert_int_equal(ulink_retry(&l, now, &local, err, sizeof(err)), -EHOSTUNREACH);
		assert_string_equal(err, "resolve flaky.test: Name or service not known");
		assert_int_equal(l.next_attempt - now, delays[i]);
		now = l.next_attempt;
	}
	assert_false(local);
	assert_int_equal(st.resolve_failures, ARRAY_SIZE(delays));
	assert_int_equal(s.warns, 1); /* the first of the streak; the rest at debug level */
	assert_string_equal(l.connect_error, err);

	flaky_ok = true;
	assert_int_equal(ulink_retry(&l, now, &local, err, sizeof(err)), 0);
	assert_true(l.fd >= 0);
	assert_non_null(strstr(s.last, "connected to 127.0.0.1:"));
	assert_int_equal(l.next_attempt - now, 60000);
	assert_false(ulink_can_failover(&l, l.next_attempt)); /* one target, one address */
	now += 61000;					      /* outlived the interval: stable */
	assert_int_equal(ulink_failover(&l, ECONNREFUSED, now), 0);
	assert_int_equal(l.next_attempt, now);
	now += 500; /* short-lived: the interval starts again from 1 s and doubles */
	assert_int_equal(ulink_failover(&l, ECONNREFUSED, now), 0);
	assert_int_equal(l.next_attempt - now, 1000);
	assert_int_equal(ulink_failover(&l, ECONNREFUSED, now + 1000), 0);
	assert_int_equal(l.next_attempt - (now + 1000), 2000);
	assert_int_equal(st.failovers, 3);
	assert_int_equal(st.reconnects, 3);
	flaky_ok = false;
	ulink_close(&l);
	assert_int_equal(l.fd, -1);
	ulink_fini(&l);
	close(rfd);
}

/* A fixed interval is the interval after every failure; it never doubles. */
static void test_link_fixed_interval(void **state)
{
	struct seen s = {0};
	struct udp_stats st;
	struct ulink l;
	struct hostport d = dest("flaky.test", 514);
	int64_t now = T0;
	bool local = false;
	int i;

	(void)state;
	flaky_ok = false;
	link_init(&l, &d, 1, 5, &s, &st);
	for (i = 0; i < 4; i++) {
		assert_true(ulink_retry(&l, now, &local, NULL, 0) < 0);
		assert_int_equal(l.next_attempt - now, 5000);
		now = l.next_attempt;
	}
	assert_int_equal(l.backoff, 1);
	ulink_fini(&l);
}

/* Failover walks the list in order and wraps; a name that does not resolve is skipped with
 * one warning; each move is one line naming both ends. */
static void test_link_failover_order(void **state)
{
	struct seen s = {0};
	struct udp_stats st;
	struct ulink l;
	struct hostport d[3];
	char want[3][64], line[512];
	int64_t now = T0;
	bool local = false;
	int i;

	(void)state;
	flaky_ok = false;
	d[0] = dest("127.0.0.1", closed_port(AF_INET));
	d[1] = dest("flaky.test", 514);
	d[2] = dest("::1", closed_port(AF_INET6));
	snprintf(want[0], sizeof(want[0]), "127.0.0.1:%u", d[0].port);
	snprintf(want[2], sizeof(want[2]), "[::1]:%u", d[2].port);
	link_init(&l, d, 3, 0, &s, &st);
	assert_string_equal(ulink_peer(&l), want[0]); /* not connected: the first name */
	assert_string_equal(l.targets[2].name, want[2]);
	assert_int_equal(ulink_retry(&l, now, &local, NULL, 0), 0);
	assert_string_equal(ulink_peer(&l), want[0]);
	for (i = 0; i < 2; i++) {
		now = l.next_attempt;
		assert_true(ulink_can_failover(&l, now));
		assert_false(ulink_can_failover(&l, now - 1));
		assert_int_equal(ulink_failover(&l, ECONNREFUSED, now), 0);
		assert_string_equal(ulink_peer(&l), want[i == 0 ? 2 : 0]);
		snprintf(line, sizeof(line), "udp: failover from %s to %s: Connection refused",
			want[i == 0 ? 0 : 2], want[i == 0 ? 2 : 0]);
		assert_string_equal(s.last, line);
	}
	assert_int_equal(s.failover_lines, 2);
	assert_int_equal(s.warns, 3);		  /* flaky.test once, and the two moves */
	assert_int_equal(st.resolve_failures, 1); /* C wraps straight to A */
	ulink_close(&l);
	ulink_fini(&l);
}

/* The local port is ours: a bind failure says so (*local), names the port, and connects
 * nothing. */
static void test_link_local_port_taken(void **state)
{
	struct seen s = {0};
	struct udp_stats st;
	struct ulink l;
	struct hostport d = dest("127.0.0.1", 514);
	struct udp_config cfg = {.dests = &d, .ndests = 1};
	char err[256], want[96];
	bool local = false;
	uint16_t port;
	int hold;

	(void)state;
	hold = receiver(AF_INET, 0, &port);
	cfg.local_port = port;
	memset(&st, 0, sizeof(st));
	assert_int_equal(ulink_init(&l, &cfg, seen_log, &s, &st, err, sizeof(err)), 0);
	assert_int_equal(ulink_retry(&l, T0, &local, err, sizeof(err)), -EADDRINUSE);
	assert_true(local);
	snprintf(want, sizeof(want), "bind local port %u: Address already in use", port);
	assert_string_equal(err, want);
	assert_int_equal(l.fd, -1);
	ulink_fini(&l);
	close(hold);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failover),
		cmocka_unit_test(test_failover_within_batch),
		cmocka_unit_test(test_failover_all_down_is_paced),
		cmocka_unit_test(test_greeting_after_failover),
		cmocka_unit_test(test_localhost_name),
		cmocka_unit_test(test_unresolvable_name),
		cmocka_unit_test(test_retry_backoff),
		cmocka_unit_test(test_retry_recovers),
		cmocka_unit_test(test_sndbuf),
		cmocka_unit_test(test_local_port),
		cmocka_unit_test(test_ipv6_loopback),
		cmocka_unit_test(test_link_schedule),
		cmocka_unit_test(test_link_fixed_interval),
		cmocka_unit_test(test_link_failover_order),
		cmocka_unit_test(test_link_local_port_taken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
