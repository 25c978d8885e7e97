/* Unit tests for shipper/out/udp.c: real UDP sockets on loopback (127.0.0.1 and ::1): delivery,
 * batching, fire-and-forget, oversize, failover, name resolution, SO_SNDBUF, the local port and the
 * drop summary. Receivers bind port 0 and read their port back. Every wait is bounded in count and
 * time. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdbool.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "shipper/out/udp.h"

#include "loopback.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------------------------ */

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
static void probe_output(struct seen *s)
{
	if (s->probe == NULL)
		return;
	s->probe_calls++;
	if (udp_queue(s->probe, "nested", 6) == -EBUSY && udp_reserve(s->probe, 6) == NULL &&
		udp_commit(s->probe, 6) == -EBUSY && udp_flush(s->probe) == -EBUSY)
		s->probe_refused++;
	udp_tick(s->probe);
}

static void seen_log(void *arg, enum udp_log_level level, const char *msg)
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
	if (strstr(msg, "failover from") != NULL)
		s->failover_lines++;
	if (strstr(msg, "dropped ") != NULL) {
		s->dropped_lines++;
		snprintf(s->last_dropped, sizeof(s->last_dropped), "%s", msg);
	}
	snprintf(s->last, sizeof(s->last), "%s", msg);
}

static ssize_t greeting_text(const struct seen *s, char *buf, size_t size)
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
		if (s->first_datagram == NULL)
			return 0;
		len = strlen(s->first_datagram);
		assert_true(len <= size);
		memcpy(buf, s->first_datagram, len);
		return (ssize_t)len;
	}
}

/* Fails the test when entered from inside the output's sends, the log callback or itself. */
static ssize_t seen_greeting(void *arg, const char *peer, char *buf, size_t size)
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

static struct udp_config config(const struct hostport *dests, size_t n, struct seen *s)
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

static struct hostport dest(const char *host, uint16_t port)
{
	struct hostport d;

	memset(&d, 0, sizeof(d));
	snprintf(d.host, sizeof(d.host), "%s", host);
	d.port = port;
	return d;
}

static struct udp_output *new_or_fail(const struct udp_config *cfg)
{
	char err[256] = "";
	struct udp_output *u = udp_new(cfg, err, sizeof(err));

	if (u == NULL)
		fail_msg("udp_new: %s (errno %d)", err, errno);
	return u;
}

static void assert_accounted(const struct udp_output *u, uint64_t queued)
{
	const struct udp_stats *st = udp_get_stats(u);

	assert_int_equal(st->sent + st->dropped, queued);
	assert_int_equal(st->dropped, st->dropped_oversize + st->dropped_send_error +
					      st->dropped_no_destination + st->dropped_refused);
}

/* ---- one destination ---------------------------------------------------------------------- */

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

/* ---- several destinations ------------------------------------------------------------------- */

static void test_failover(void **state)
{
	struct seen s = {0};
	struct hostport d[2];
	struct udp_config cfg;
	struct udp_output *u;
	char in[256], want_b[64], want_a[64];
	uint16_t pa, pb;
	int afd, bfd, i, got, probes_b;
	int64_t deadline;
	uint64_t queued = 0;
	const struct udp_dest_stats *da, *db;
	const char *name;

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
	deadline = now_ms() + WAIT_MS;
	for (i = 0; i < 1000 && udp_get_stats(u)->failovers == 0 && now_ms() < deadline; i++) {
		(void)udp_queue(u, "probe", 5);
		queued++;
		(void)udp_flush(u);
		sleep_ms(1);
	}
	if (udp_get_stats(u)->failovers == 0)
		fail_msg("no failover after %d datagrams to a closed port", i);
	queued++; /* agent_init for B */
	assert_int_equal(udp_get_stats(u)->failovers, 1);
	assert_int_equal(udp_get_stats(u)->reconnects, 1);
	assert_int_equal(s.failover_lines, 1);
	assert_non_null(strstr(s.last, "failover from"));
	assert_int_equal(s.connects, 2);
	assert_string_equal(s.peers[1], want_b);
	assert_string_equal(udp_current_peer(u), want_b);
	{
		char line[256];

		snprintf(line, sizeof(line), "failover from %s to %s: Connection refused", want_a,
			want_b);
		assert_non_null(strstr(s.last, line));
	}
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

	/* Each destination is credited with what went to it: B with exactly what it received. */
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

/* ---- names ---------------------------------------------------------------------------------- */

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
	if (node != NULL && strcmp(node, "flaky.test") == 0) {
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

static void mm_set(const int *steps, int n)
{
	assert_true(n <= (int)ARRAY_SIZE(mm_script));
	if (n > 0)
		memcpy(mm_script, steps, (size_t)n * sizeof(*steps));
	mm_len = n;
	mm_pos = 0;
	mm_calls = 0;
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

	/* short counts with no reason on the error queue: the rest is sent again */
	mm_set((const int[]){3, 2}, 2);
	for (i = 0; i < 8; i++, queued++)
		assert_int_equal(udp_queue(u, "abcd", 4), 0);
	assert_int_equal(udp_get_stats(u)->sent, 8);
	assert_int_equal(mm_calls, 3);
	assert_int_equal(drain(rfd), 8);

	/* a transient error costs one datagram; the rest go */
	mm_set((const int[]){2, -EHOSTUNREACH}, 2);
	for (i = 0; i < 5; i++, queued++)
		assert_int_equal(udp_queue(u, "abcd", 4), 0);
	assert_int_equal(udp_flush(u), 0);
	assert_int_equal(udp_get_stats(u)->sent, 12);
	assert_int_equal(udp_get_stats(u)->dropped_send_error, 1);
	assert_int_equal(drain(rfd), 4);

	/* the last datagram dropped: flush says why */
	mm_set((const int[]){-EPERM}, 1);
	assert_int_equal(udp_queue(u, "abcd", 4), 0);
	queued++;
	assert_int_equal(udp_flush(u), -EPERM);
	assert_int_equal(udp_get_stats(u)->dropped_send_error, 2);

	/* a full buffer drops the rest of the batch at once */
	mm_set((const int[]){1, -ENOBUFS}, 2);
	for (i = 0; i < 6; i++, queued++)
		assert_int_equal(udp_queue(u, "abcd", 4), 0);
	assert_int_equal(udp_flush(u), -ENOBUFS);
	assert_int_equal(mm_calls, 2);
	assert_int_equal(udp_get_stats(u)->dropped_send_error, 7);
	assert_int_equal(drain(rfd), 1);

	/* EINTR is retried */
	mm_set((const int[]){-EINTR, -EINTR}, 2);
	assert_int_equal(udp_queue(u, "abcd", 4), 0);
	queued++;
	assert_int_equal(udp_flush(u), 0);
	assert_int_equal(drain(rfd), 1);

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

/* ---- the greeting -------------------------------------------------------------------------- */

static void expect_datagram(int fd, const char *want)
{
	char in[256];
	ssize_t r = recv_within(fd, in, sizeof(in), WAIT_MS, NULL);

	if (r != (ssize_t)strlen(want) || memcmp(in, want, strlen(want)) != 0)
		fail_msg("expected \"%s\", got %zd bytes", want, r);
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

/* ---- sockets -------------------------------------------------------------------------------- */

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
		cmocka_unit_test(test_failover),
		cmocka_unit_test(test_failover_within_batch),
		cmocka_unit_test(test_failover_all_down_is_paced),
		cmocka_unit_test(test_localhost_name),
		cmocka_unit_test(test_unresolvable_name),
		cmocka_unit_test(test_retry_backoff),
		cmocka_unit_test(test_retry_recovers),
		cmocka_unit_test(test_send_errors),
		cmocka_unit_test(test_greeting_after_reconnect),
		cmocka_unit_test(test_greeting_after_failover),
		cmocka_unit_test(test_greeting_results),
		cmocka_unit_test(test_callbacks_refused),
		cmocka_unit_test(test_sndbuf),
		cmocka_unit_test(test_local_port),
		cmocka_unit_test(test_ipv6_loopback),
		cmocka_unit_test(test_summary_on_recovery),
		cmocka_unit_test(test_bad_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
