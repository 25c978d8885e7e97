/* UDP output: a failover list of destinations, connected datagram sockets, sendmmsg batches.
 * The contract is in udp.h; this file explains the why.
 *
 * Candidates are all addresses of all names, in order (nxlog om_udp): a name is resolved
 * again on every (re)connect and the first connectable address wins. A refusal (ICMP port
 * unreachable, ECONNREFUSED) means "receiver stopped": with more than one candidate the
 * output moves to the next one, wrapping around; with one candidate it only counts the
 * datagram (fire-and-forget). Reconnects follow OpenBSD syslogd's loghost_retry(): 1 s,
 * doubling up to UDP_BACKOFF_CAP_S, back to 1 s once a connection outlived the interval.
 *
 * sendmmsg on a connected socket swallows the error of the datagram that stopped it and
 * returns a short count; an asynchronous ICMP error is also consumed by that failed call.
 * The sockets therefore run with IP_RECVERR / IPV6_RECVERR, which keeps a copy of each ICMP
 * error on the error queue: after a short count the queue tells why the next datagram failed.
 * Without an entry, the rest is sent again and a persistent error shows up as -1/errno.
 */
#include "shipper/out/udp.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shipper/out/udp_sock.h"

#define UDP_BACKOFF_CAP_S  60	 /* doubling reconnect interval stops here */
#define UDP_SUMMARY_MIN_MS 10000 /* automatic drop summaries at most this often */
#define UDP_REASON_MAX	   160
#define UDP_EINTR_RETRIES  16 /* per flush; then EINTR costs a datagram like ENOBUFS */

struct udp_target {
	struct hostport dest;
	char name[HOSTPORT_NAME_MAX]; /* as configured: "host:port" or "[v6]:port" */
	uint64_t drops;		      /* since the last summary */
	char reason[UDP_REASON_MAX];  /* why the latest of them was dropped */
	bool resolve_failing;	      /* logged once per streak of failed look-ups */
	struct udp_dest_stats totals; /* since udp_new, for the metrics */
};

struct udp_output {
	struct udp_target *targets;
	size_t ntargets;

	int sndbuf;
	uint16_t local_port;
	int fixed_interval; /* seconds, 0 = doubling */
	size_t max_message;
	unsigned int batch;
	udp_log_fn *log;
	udp_greeting_fn *greeting;
	void *cb_arg;
	bool in_callback; /* log or greeting running: calls into the output are refused */

	/* the connected socket and which candidate it points to */
	int fd;
	size_t cur_dest;
	size_t cur_addr;
	size_t cur_naddrs; /* addresses cur_dest resolved to at the last connect */
	char peer[HOSTPORT_NAME_MAX];
	bool greet_pending; /* fd's target has not heard the greeting yet */

	/* reconnect schedule, CLOCK_MONOTONIC milliseconds */
	int64_t conn_since;
	int64_t next_attempt;
	int64_t prev_lasted; /* how long the previous connection lived; -1 = there was none */
	int backoff;	     /* seconds */
	bool connect_failing;
	char connect_error[UDP_REASON_MAX];

	/* drop reporting */
	bool troubled; /* drops not yet summarized */
	bool last_flush_clean;
	int64_t last_summary; /* -1 = never */
	bool sndbuf_warned;

	/* The batch: datagrams packed one after another in the arena, so a batch of small ones
	 * stays within a few cache lines and a long one is written where the kernel reads it.
	 * The arena holds UDP_ARENA_BYTES plus one longest datagram, allocated once. */
	unsigned char *arena;
	size_t arena_size;
	size_t arena_off;
	struct iovec *iov;
	struct mmsghdr *msgs;
	unsigned int nqueued;
	/* the greeting, built by the caller's hook and sent apart from the batch */
	char *greeting_buf;

	struct udp_stats stats;
};

static int64_t udp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void udp_log(struct udp_output *u, enum udp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void udp_log(struct udp_output *u, enum udp_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (u->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	u->in_callback = true;
	u->log(u->cb_arg, level, msg);
	u->in_callback = false;
}

/* Copies what fits, always terminated; truncation is expected for long reasons. */
static void udp_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void udp_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void udp_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- connecting ----------------------------------------------------------------------------- */

/* SO_SNDBUF as asked, read back for the stats; one warning when the kernel gave less. */
static void udp_set_sndbuf(struct udp_output *u, int fd)
{
	int eff = 0, want = u->sndbuf;

	if (usock_set_sndbuf(fd, want, &eff, NULL, 0) < 0)
		return;
	u->stats.sndbuf_effective = eff;
	if (want > 0 && eff / 2 < (want > INT32_MAX / 2 ? INT32_MAX / 2 : want) &&
		!u->sndbuf_warned) {
		u->sndbuf_warned = true;
		udp_log(u, UDP_LOG_WARN,
			"udp: SO_SNDBUF %d bytes requested, %d usable: raise net.core.wmem_max "
			"or run with CAP_NET_ADMIN",
			want, eff / 2);
	}
}

/* One socket for one address. *local is set when the failure is ours (the local port). */
static int udp_open(
	struct udp_output *u, const struct addrinfo *ai, bool *local, char *err, size_t errlen)
{
	int fd, rc;

	fd = usock_open(ai->ai_family, err, errlen);
	if (fd < 0)
		return fd;
	udp_set_sndbuf(u, fd);
	/* best effort: without it a refusal is noticed less precisely, never missed badly */
	(void)usock_set_recverr(fd, ai->ai_family);
	if (u->local_port != 0) {
		rc = usock_bind_port(fd, ai->ai_family, u->local_port, err, errlen);
		if (rc < 0) {
			*local = true;
			goto err_out;
		}
	}
	rc = usock_connect(fd, ai->ai_addr, ai->ai_addrlen, err, errlen);
	if (rc < 0)
		goto err_out;
	return fd;

err_out:
	close(fd);
	return rc;
}

/* Connect to the first connectable candidate from address a of destination d, in failover
 * order, trying each candidate at most once (the ones before (d, a) last). */
static int udp_connect_from(
	struct udp_output *u, size_t d, size_t a, bool *local, char *err, size_t errlen)
{
	const size_t a0 = a;
	struct addrinfo *res, *ai;
	size_t visit, n, count;
	int rc = -EHOSTUNREACH, fd;

	for (visit = 0; visit <= u->ntargets; visit++) {
		bool wrapped = visit == u->ntargets; /* back at d0: only addresses before a0 */

		if (wrapped && a0 == 0)
			break;
		rc = usock_resolve(
			u->targets[d].dest.host, u->targets[d].dest.port, &res, err, errlen);
		/* A name that does not resolve is skipped for the next one: say so once, or
		 * a dead entry in the list would go unnoticed for ever. */
		if (rc != 0 && !u->targets[d].resolve_failing) {
			u->targets[d].resolve_failing = true;
			u->stats.resolve_failures++;
			/* With one destination the caller's "no destination reachable" says it. */
			if (u->ntargets > 1)
				udp_log(u, UDP_LOG_WARN, "udp: %s; trying the next destination",
					err);
		} else if (rc != 0) {
			u->stats.resolve_failures++;
		} else if (u->targets[d].resolve_failing) {
			u->targets[d].resolve_failing = false;
			udp_log(u, UDP_LOG_INFO, "udp: %s resolves again", u->targets[d].name);
		}
		if (rc == 0) {
			count = 0;
			for (ai = res; ai != NULL; ai = ai->ai_next)
				count++;
			for (ai = res, n = 0; ai != NULL; ai = ai->ai_next, n++) {
				if (n < a || (wrapped && n >= a0))
					continue;
				fd = udp_open(u, ai, local, err, errlen);
				if (fd < 0) {
					rc = fd;
					continue;
				}
				u->fd = fd;
				u->cur_dest = d;
				u->cur_addr = n;
				u->cur_naddrs = count;
				usock_format_addr(
					ai->ai_addr, ai->ai_addrlen, u->peer, sizeof(u->peer));
				freeaddrinfo(res);
				return 0;
			}
			freeaddrinfo(res);
			if (rc == 0)
				rc = -EHOSTUNREACH; /* resolved, but no address left to try */
		}
		d = (d + 1) % u->ntargets;
		a = 0;
	}
	return rc;
}

static int64_t udp_interval_ms(const struct udp_output *u)
{
	return (int64_t)(u->fixed_interval > 0 ? u->fixed_interval : u->backoff) * 1000;
}

static int udp_read_errqueue(struct udp_output *u);

static void udp_disconnect(struct udp_output *u, int64_t now)
{
	if (u->fd == -1)
		return;
	/* Refusals still queued are counted before the socket and its queue go. */
	(void)udp_read_errqueue(u);
	close(u->fd);
	u->fd = -1;
	u->greet_pending = false;
	u->prev_lasted = now - u->conn_since;
}

/* Close the current socket (a local port can be bound only once), connect to a candidate,
 * and decide when the next reconnect may happen: at once after a connection that outlived
 * the interval (and after the first connect), otherwise after the interval, which doubles. */
static int udp_reconnect(struct udp_output *u, size_t d, size_t a, int64_t now, bool *local,
	char *err, size_t errlen)
{
	bool stable;
	int64_t delay;
	int rc;

	udp_disconnect(u, now);
	stable = u->prev_lasted > udp_interval_ms(u);
	rc = udp_connect_from(u, d, a, local, err, errlen);
	if (rc == 0) {
		u->conn_since = now;
		u->greet_pending = true;
		u->prev_lasted = -1;
	} else {
		u->prev_lasted = -1;
		stable = false;
	}
	if (stable) {
		u->backoff = 1;
		delay = 0;
	} else {
		delay = udp_interval_ms(u);
		if (u->fixed_interval == 0) {
			u->backoff *= 2;
			if (u->backoff > UDP_BACKOFF_CAP_S)
				u->backoff = UDP_BACKOFF_CAP_S;
		}
	}
	u->next_attempt = now + delay;
	return rc;
}

/* A retry from udp_tick (or udp_new): logs the first failure of a streak and the recovery. */
static int udp_retry(struct udp_output *u, int64_t now, bool *local, char *err, size_t errlen)
{
	char why[UDP_REASON_MAX];
	int rc;

	rc = udp_reconnect(u, u->cur_dest, u->cur_addr, now, local, why, sizeof(why));
	if (rc == 0) {
		if (u->connect_failing)
			udp_log(u, UDP_LOG_INFO, "udp: connected to %s", u->peer);
		u->connect_failing = false;
		return 0;
	}
	udp_strlcpy(u->connect_error, why, sizeof(u->connect_error));
	udp_seterr(err, errlen, "%s", why);
	udp_log(u, u->connect_failing ? UDP_LOG_DEBUG : UDP_LOG_WARN,
		"udp: no destination reachable (%s); retrying in %" PRId64 " s", why,
		(u->next_attempt - now) / 1000);
	u->connect_failing = true;
	return rc;
}

/* ---- counting ------------------------------------------------------------------------------ */

static void udp_count_drop(
	struct udp_output *u, unsigned int n, uint64_t *counter, const char *reason)
{
	struct udp_target *t = &u->targets[u->cur_dest];

	if (n == 0)
		return;
	*counter += n;
	u->stats.dropped += n;
	t->drops += n;
	t->totals.dropped += n;
	if (counter == &u->stats.dropped_send_error)
		t->totals.send_errors += n;
	udp_strlcpy(t->reason, reason, sizeof(t->reason));
	u->troubled = true;
}

static void udp_drop_no_destination(struct udp_output *u, unsigned int n)
{
	char reason[UDP_REASON_MAX + 24];

	snprintf(reason, sizeof(reason), "no destination: %s", u->connect_error);
	udp_count_drop(u, n, &u->stats.dropped_no_destination, reason);
}

void udp_log_drop_summary(struct udp_output *u)
{
	size_t i;

	if (u == NULL)
		return;
	for (i = 0; i < u->ntargets; i++) {
		struct udp_target *t = &u->targets[i];

		if (t->drops == 0)
			continue;
		udp_log(u, UDP_LOG_WARN, "udp: dropped %" PRIu64 " messages to %s (%s)", t->drops,
			t->name, t->reason);
		t->drops = 0;
	}
	u->troubled = false;
	u->last_summary = udp_now();
}

/* A path recovered: summarize, but not more often than UDP_SUMMARY_MIN_MS (a closed port
 * with one destination alternates success and refusal; that must not log per datagram). */
static void udp_maybe_summary(struct udp_output *u, int64_t now)
{
	if (!u->troubled || !u->last_flush_clean)
		return;
	if (u->last_summary != -1 && now - u->last_summary < UDP_SUMMARY_MIN_MS)
		return;
	udp_log_drop_summary(u);
}

/* ---- sending ------------------------------------------------------------------------------- */

/* Errors that only cost the datagram: the path is down or full for now, not broken. */
static bool udp_transient(int e)
{
	switch (e) {
	case ECONNREFUSED:
	case EINTR:
	case ENOBUFS:
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENETDOWN:
	case EPERM:
	case EMSGSIZE:
		return true;
	default:
		return false;
	}
}

/* Take in the refusals the kernel kept (IP_RECVERR): each is a datagram sent earlier that
 * never arrived, such as to a port nobody listens on while a receiver is down. Those move
 * from sent to dropped, so that the counts say what was lost. Returns the errno of the
 * latest entry, 0 when there was none. */
static int udp_read_errqueue(struct udp_output *u)
{
	unsigned int lost;
	int last;

	if (u->fd == -1)
		return 0;
	last = -usock_read_errqueue(u->fd, &lost);
	if (lost) {
		/* The kernel rate-limits ICMP, so this is a floor, exact at ordinary rates. */
		struct udp_target *t = &u->targets[u->cur_dest];

		lost = lost > u->stats.sent ? (unsigned int)u->stats.sent : lost;
		u->stats.sent -= lost;
		t->totals.sent -= lost < t->totals.sent ? lost : t->totals.sent;
		udp_count_drop(u, lost, &u->stats.dropped_refused, strerror(last));
	}
	return last;
}

static bool udp_can_failover(const struct udp_output *u, int64_t now)
{
	return (u->ntargets > 1 || u->cur_naddrs > 1) && now >= u->next_attempt;
}

/* Move to the next candidate after a refusal; logs one line. */
static void udp_failover(struct udp_output *u, int e, int64_t now)
{
	char from[HOSTPORT_NAME_MAX], why[UDP_REASON_MAX];
	bool local = false;
	size_t d = u->cur_dest, a = u->cur_addr + 1;

	udp_strlcpy(from, u->peer, sizeof(from));
	if (a >= u->cur_naddrs) {
		d = (d + 1) % u->ntargets;
		a = 0;
	}
	u->stats.failovers++;
	if (udp_reconnect(u, d, a, now, &local, why, sizeof(why)) == 0) {
		u->stats.reconnects++;
		u->connect_failing = false;
		udp_log(u, UDP_LOG_WARN, "udp: failover from %s to %s: %s", from, u->peer,
			strerror(e));
		return;
	}
	udp_strlcpy(u->connect_error, why, sizeof(u->connect_error));
	u->connect_failing = true;
	udp_log(u, UDP_LOG_WARN,
		"udp: failover from %s: %s; no destination reachable (%s); retrying in %" PRId64
		" s",
		from, strerror(e), why, (u->next_attempt - now) / 1000);
}

static void udp_count_sent(struct udp_output *u, unsigned int from, unsigned int n)
{
	unsigned int k;

	u->stats.sent += n;
	u->targets[u->cur_dest].totals.sent += n;
	for (k = from; k < from + n; k++)
		u->stats.sent_bytes += u->msgs[k].msg_len;
}

/* The greeting: sent at once, apart from the batch, which may be half sent. */
static int udp_send_now(struct udp_output *u, const void *buf, size_t len)
{
	ssize_t r;
	int e;

	if (u->fd == -1) {
		udp_drop_no_destination(u, 1);
		return -ENOTCONN;
	}
	r = usock_send(u->fd, buf, len);
	if (r < 0) {
		e = (int)-r;
		(void)udp_read_errqueue(u);
		udp_count_drop(u, 1, &u->stats.dropped_send_error, strerror(e));
		return -e;
	}
	u->stats.sent++;
	u->stats.sent_bytes += (uint64_t)r;
	u->targets[u->cur_dest].totals.sent++;
	return 0;
}

static int udp_drop_oversize(struct udp_output *u)
{
	char reason[64];

	snprintf(reason, sizeof(reason), "longer than %zu bytes", u->max_message);
	udp_count_drop(u, 1, &u->stats.dropped_oversize, reason);
	return -EMSGSIZE;
}

/* A newly connected target hears the greeting before anything else: the caller's hook
 * builds it into the output's own buffer, and the output sends it, here and now. The hook
 * runs as a callback, so it cannot queue or send anything itself. */
static void udp_greet(struct udp_output *u)
{
	ssize_t n;

	if (!u->greet_pending || u->fd == -1)
		return;
	u->greet_pending = false;
	if (u->greeting == NULL)
		return;
	u->in_callback = true;
	n = u->greeting(u->cb_arg, u->peer, u->greeting_buf, u->max_message);
	u->in_callback = false;
	if (n <= 0)
		return; /* none, or the hook could not build one and said why */
	if ((size_t)n > u->max_message) {
		(void)udp_drop_oversize(u);
		return;
	}
	(void)udp_send_now(u, u->greeting_buf, (size_t)n);
}

/* Send slots [0, nqueued). Every slot ends as sent or counted dropped. The loop makes
 * progress on each turn (datagrams sent or dropped) except for failovers (at most one per
 * datagram, and paced by the reconnect interval) and EINTR (at most UDP_EINTR_RETRIES). Returns 0,
 * or -errno of the last datagram's drop. */
static int udp_send_queued(struct udp_output *u)
{
	unsigned int i = 0, n = u->nqueued, spins = 0, intr = 0;
	int64_t now = 0;
	bool errors = false, any_sent = false;
	int r, e, rc = 0;

	if (n == 0)
		return 0;
	while (i < n) {
		if (u->fd == -1) {
			udp_drop_no_destination(u, n - i);
			rc = -ENOTCONN;
			errors = true;
			break;
		}
		r = usock_send_batch(u->fd, u->msgs + i, n - i);
		if (r > 0) {
			udp_count_sent(u, i, (unsigned int)r);
			any_sent = true;
			i += (unsigned int)r;
			if (i == n)
				break;
			/* short count: the error that stopped it was swallowed */
			e = udp_read_errqueue(u);
			if (e == 0)
				continue; /* send the rest; a lasting error returns -1 */
		} else if (r == 0) {
			e = EAGAIN; /* not documented to happen; never spin on it */
		} else {
			e = -r;
			(void)udp_read_errqueue(u);
			if (e == EINTR && intr++ < UDP_EINTR_RETRIES)
				continue;
		}
		errors = true;
		if (now == 0)
			now = udp_now();
		if (e == ECONNREFUSED && spins++ < n && udp_can_failover(u, now)) {
			udp_failover(u, e, now);
			udp_greet(u);
			continue; /* the refused datagram was not sent: offer it to the new target
				   */
		}
		if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) {
			/* the send buffer is full: the rest of the batch would fail alike */
			udp_count_drop(u, n - i, &u->stats.dropped_send_error, strerror(e));
			rc = -e;
			break;
		}
		if (udp_transient(e)) {
			udp_count_drop(u, 1, &u->stats.dropped_send_error, strerror(e));
			if (++i == n)
				rc = -e;
			continue;
		}
		/* unexpected: drop the rest, start again on a fresh socket when due */
		udp_count_drop(u, n - i, &u->stats.dropped_send_error, strerror(e));
		udp_log(u, UDP_LOG_WARN, "udp: send to %s: %s; reconnecting", u->peer, strerror(e));
		udp_disconnect(u, now);
		snprintf(u->connect_error, sizeof(u->connect_error), "send: %s", strerror(e));
		if (u->next_attempt < now)
			u->next_attempt = now;
		rc = -e;
		break;
	}
	u->nqueued = 0;
	u->arena_off = 0;
	if (any_sent) {
		u->last_flush_clean = !errors;
		if (!errors && u->troubled)
			udp_maybe_summary(u, now != 0 ? now : udp_now());
	}
	return rc;
}

/* ---- the exported API ------------------------------------------------------------------------ */

struct udp_output *udp_new(const struct udp_config *cfg, char *err, size_t errlen)
{
	struct udp_output *u = NULL;
	bool local = false;
	unsigned int k;
	size_t i;
	int rc;

	if (cfg == NULL || cfg->dests == NULL || cfg->ndests == 0) {
		udp_seterr(err, errlen, "no destination configured");
		rc = -EINVAL;
		goto err_out;
	}
	if (cfg->max_message > UDP_MAX_PAYLOAD || cfg->sndbuf < 0 || cfg->reconnect_interval < 0 ||
		cfg->batch > UIO_MAXIOV) {
		udp_seterr(err, errlen,
			"invalid udp output settings (max_message %zu, at most %d; sndbuf %d; "
			"reconnect_interval %d; batch %u, at most %d)",
			cfg->max_message, UDP_MAX_PAYLOAD, cfg->sndbuf, cfg->reconnect_interval,
			cfg->batch, UIO_MAXIOV);
		rc = -EINVAL;
		goto err_out;
	}
	for (i = 0; i < cfg->ndests; i++) {
		if (cfg->dests[i].port == 0 ||
			strnlen(cfg->dests[i].host, sizeof(cfg->dests[i].host)) == 0 ||
			strnlen(cfg->dests[i].host, sizeof(cfg->dests[i].host)) ==
				sizeof(cfg->dests[i].host)) {
			udp_seterr(err, errlen,
				"destination %zu: empty or unterminated host, or port 0", i + 1);
			rc = -EINVAL;
			goto err_out;
		}
	}

	u = calloc(1, sizeof(*u));
	if (u == NULL)
		goto err_nomem;
	u->fd = -1;
	u->ntargets = cfg->ndests;
	u->sndbuf = cfg->sndbuf;
	u->local_port = cfg->local_port;
	u->fixed_interval = cfg->reconnect_interval;
	u->max_message = cfg->max_message != 0 ? cfg->max_message : UDP_MAX_PAYLOAD;
	u->batch = cfg->batch != 0 ? cfg->batch : UDP_DEFAULT_BATCH;
	u->log = cfg->log;
	u->greeting = cfg->greeting;
	u->cb_arg = cfg->cb_arg;
	u->backoff = 1;
	u->prev_lasted = INT64_MAX; /* the first connect may fail over at once */
	u->last_summary = -1;
	snprintf(u->connect_error, sizeof(u->connect_error), "not connected yet");

	u->targets = calloc(u->ntargets, sizeof(*u->targets));
	u->arena_size = UDP_ARENA_BYTES + u->max_message;
	u->arena = malloc(u->arena_size);
	u->greeting_buf = malloc(u->max_message);
	u->iov = calloc(u->batch, sizeof(*u->iov));
	u->msgs = calloc(u->batch, sizeof(*u->msgs));
	if (u->targets == NULL || u->arena == NULL || u->greeting_buf == NULL || u->iov == NULL ||
		u->msgs == NULL)
		goto err_nomem;
	for (i = 0; i < u->ntargets; i++) {
		u->targets[i].dest = cfg->dests[i];
		(void)hostport_format(u->targets[i].name, sizeof(u->targets[i].name),
			cfg->dests[i].host, cfg->dests[i].port);
	}
	for (k = 0; k < u->batch; k++) {
		u->msgs[k].msg_hdr.msg_iov = &u->iov[k];
		u->msgs[k].msg_hdr.msg_iovlen = 1;
	}

	if (u->local_port != 0) {
		/* Checked at start-up even when no name resolves yet, so that a local
		 * configuration error fails udp_new instead of hiding behind a retry. */
		rc = usock_probe_port(u->local_port, err, errlen);
		if (rc < 0)
			goto err_out;
	}
	rc = udp_retry(u, udp_now(), &local, err, errlen);
	if (rc < 0 && local)
		goto err_out;
	return u;

err_nomem:
	udp_seterr(err, errlen, "udp output: %s", strerror(ENOMEM));
	rc = -ENOMEM;
err_out:
	udp_free(u);
	errno = -rc;
	return NULL;
}

void udp_free(struct udp_output *u)
{
	udp_free_stats(u, NULL);
}

void udp_close(struct udp_output *u)
{
	if (u == NULL)
		return;
	if (u->msgs != NULL && u->nqueued > 0)
		(void)udp_send_queued(u);
	if (u->fd != -1) {
		(void)udp_read_errqueue(u);
		close(u->fd);
		u->fd = -1;
	}
	if (u->troubled)
		udp_log_drop_summary(u);
}

void udp_free_stats(struct udp_output *u, struct udp_stats *final)
{
	if (u == NULL)
		return;
	udp_close(u);
	if (final)
		*final = u->stats;
	free(u->msgs);
	free(u->iov);
	free(u->arena);
	free(u->greeting_buf);
	free(u->targets);
	free(u);
}

void *udp_reserve(struct udp_output *u, size_t max)
{
	if (u == NULL || max > u->max_message || u->in_callback)
		return NULL;
	/* A new target hears the greeting (agent_init) before this one. */
	udp_greet(u);
	if (u->arena_off + max > u->arena_size)
		(void)udp_send_queued(u); /* its drops are counted there */
	return u->arena + u->arena_off;
}

int udp_commit(struct udp_output *u, size_t len)
{
	struct iovec *v;

	if (u == NULL)
		return -EINVAL;
	if (u->in_callback)
		return -EBUSY;
	if (len > u->max_message || u->arena_off + len > u->arena_size)
		return udp_drop_oversize(u);
	if (u->fd == -1) {
		udp_drop_no_destination(u, 1);
		return -ENOTCONN;
	}
	v = &u->iov[u->nqueued++];
	v->iov_base = u->arena + u->arena_off;
	v->iov_len = len;
	/* The next datagram starts on a fresh cache line. */
	u->arena_off += (len + 63) & ~(size_t)63;
	if (u->nqueued == u->batch)
		return udp_send_queued(u);
	return 0;
}

int udp_queue(struct udp_output *u, const void *buf, size_t len)
{
	void *p;

	if (u == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	if (u->in_callback)
		return -EBUSY;
	if (len > u->max_message)
		return udp_drop_oversize(u);
	p = udp_reserve(u, len);
	if (p == NULL)
		return -EINVAL;
	if (len > 0)
		memcpy(p, buf, len);
	return udp_commit(u, len);
}

int udp_flush(struct udp_output *u)
{
	if (u == NULL)
		return -EINVAL;
	if (u->in_callback)
		return -EBUSY;
	udp_greet(u);
	return udp_send_queued(u);
}

void udp_tick(struct udp_output *u)
{
	int64_t now;
	bool local = false;

	if (u == NULL || u->in_callback)
		return;
	now = udp_now();
	/* Refusals of the last datagrams sent arrive after the send that caused them: with
	 * nothing more to send, they are found here, and with several destinations they move
	 * the output to the next one as a failed send would. */
	if (u->fd != -1 && udp_read_errqueue(u) == ECONNREFUSED && udp_can_failover(u, now))
		udp_failover(u, ECONNREFUSED, now);
	if (u->fd == -1 && now >= u->next_attempt) {
		if (udp_retry(u, now, &local, NULL, 0) == 0)
			u->stats.reconnects++;
	}
	udp_greet(u);
	udp_maybe_summary(u, now);
}

const struct udp_stats *udp_get_stats(const struct udp_output *u)
{
	return u != NULL ? &u->stats : NULL;
}

size_t udp_dest_count(const struct udp_output *u)
{
	return u ? u->ntargets : 0;
}

const struct udp_dest_stats *udp_get_dest_stats(
	const struct udp_output *u, size_t i, const char **name)
{
	if (u == NULL || i >= u->ntargets)
		return NULL;
	if (name)
		*name = u->targets[i].name;
	return &u->targets[i].totals;
}

const char *udp_current_peer(const struct udp_output *u)
{
	if (u == NULL)
		return "";
	return u->fd != -1 ? u->peer : u->targets[0].name;
}
