/* SPDX-License-Identifier: Apache-2.0 */
/* UDP output: a failover list of destinations, connected datagram sockets, sendmmsg batches.
 * The contract is in udp.h; this file explains the why. Which destination the socket is
 * connected to, and when it connects again, is the link's (udp_link.c); this file batches,
 * sends, greets and counts.
 *
 * A refusal (ICMP port unreachable, ECONNREFUSED) means "receiver stopped": with more than
 * one candidate the output fails over to the next one; with one candidate it only counts
 * the datagram (fire-and-forget).
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

#include "lib/strbuf.h"
#include "shipper/out/udp_link.h"
#include "shipper/out/udp_sock.h"

#define UDP_SUMMARY_MIN_MS 10000 /* automatic drop summaries at most this often */
#define UDP_REASON_MAX	   ULINK_REASON_MAX
#define UDP_EINTR_RETRIES  16	       /* per flush; then EINTR costs a datagram like ENOBUFS */
#define UDP_SEQUENCE_MAX   2147483647U /* RFC 5424 section 7.3.1: then 1 again */

/* What one destination was sent and dropped, by the index the link gives it. */
struct udp_target {
	uint64_t drops;		      /* since the last summary */
	char reason[UDP_REASON_MAX];  /* why the latest of them was dropped */
	struct udp_dest_stats totals; /* since udp_new, for the metrics */
	uint32_t next_seq;	      /* the sequence number of its next datagram; 0 = 1 */
};

struct udp_output {
	struct ulink link; /* the destinations, the socket and when to connect again */
	struct udp_target *targets;

	size_t max_message;
	unsigned int batch;
	udp_log_fn *log;
	udp_greeting_fn *greeting;
	bool number_greeting;
	void *cb_arg;
	bool in_callback;   /* log or greeting running: calls into the output are refused */
	bool greet_pending; /* the link's target has not heard the greeting yet */

	/* drop reporting */
	bool troubled; /* drops not yet summarized */
	bool last_flush_clean;
	int64_t last_summary; /* -1 = never */

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

	if (!u->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	u->in_callback = true;
	u->log(u->cb_arg, level, msg);
	u->in_callback = false;
}

/* The link's lines go to the caller's log as the output's own do: as a callback. */
static void udp_link_log(void *arg, enum udp_log_level level, const char *msg)
{
	struct udp_output *u = arg;

	u->in_callback = true;
	u->log(u->cb_arg, level, msg);
	u->in_callback = false;
}

/* ---- counting ------------------------------------------------------------------------------ */

static void udp_count_drop(
	struct udp_output *u, unsigned int n, uint64_t *counter, const char *reason)
{
	struct udp_target *t = &u->targets[u->link.cur];

	if (n == 0)
		return;
	*counter += n;
	u->stats.dropped += n;
	t->drops += n;
	t->totals.dropped += n;
	if (counter == &u->stats.dropped_send_error)
		t->totals.send_errors += n;
	strbuf_copy(t->reason, reason, sizeof(t->reason));
	u->troubled = true;
}

static void udp_drop_no_destination(struct udp_output *u, unsigned int n)
{
	char reason[UDP_REASON_MAX + 24];

	snprintf(reason, sizeof(reason), "no destination: %s", u->link.connect_error);
	udp_count_drop(u, n, &u->stats.dropped_no_destination, reason);
}

void udp_log_drop_summary(struct udp_output *u)
{
	size_t i;

	if (!u)
		return;
	for (i = 0; i < u->link.ntargets; i++) {
		struct udp_target *t = &u->targets[i];

		if (t->drops == 0)
			continue;
		udp_log(u, UDP_LOG_WARN, "udp: dropped %" PRIu64 " messages to %s (%s)", t->drops,
			u->link.targets[i].name, t->reason);
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

	if (u->link.fd == -1)
		return 0;
	last = -usock_read_errqueue(u->link.fd, &lost);
	if (lost) {
		/* The kernel rate-limits ICMP, so this is a floor, exact at ordinary rates. */
		struct udp_target *t = &u->targets[u->link.cur];

		lost = lost > u->stats.sent ? (unsigned int)u->stats.sent : lost;
		u->stats.sent -= lost;
		t->totals.sent -= lost < t->totals.sent ? lost : t->totals.sent;
		udp_count_drop(u, lost, &u->stats.dropped_refused, strerror(last));
	}
	return last;
}

/* The link moves on, or connects again; the refusals still queued on the socket it closes
 * are counted first, against the target they came from. */
static void udp_failover(struct udp_output *u, int e, int64_t now)
{
	(void)udp_read_errqueue(u);
	u->greet_pending = ulink_failover(&u->link, e, now) == 0;
}

static int udp_retry(struct udp_output *u, int64_t now, bool *local, char *err, size_t errlen)
{
	int rc;

	(void)udp_read_errqueue(u);
	rc = ulink_retry(&u->link, now, local, err, errlen);
	u->greet_pending = rc == 0;
	return rc;
}

static void udp_count_sent(struct udp_output *u, unsigned int from, unsigned int n)
{
	unsigned int k;

	u->stats.sent += n;
	u->targets[u->link.cur].totals.sent += n;
	for (k = from; k < from + n; k++)
		u->stats.sent_bytes += u->msgs[k].msg_len;
}

/* The greeting: sent at once, apart from the batch, which may be half sent. */
static int udp_send_now(struct udp_output *u, const void *buf, size_t len)
{
	ssize_t r;
	int e;

	if (u->link.fd == -1) {
		udp_drop_no_destination(u, 1);
		return -ENOTCONN;
	}
	r = usock_send(u->link.fd, buf, len);
	if (r < 0) {
		e = (int)-r;
		(void)udp_read_errqueue(u);
		udp_count_drop(u, 1, &u->stats.dropped_send_error, strerror(e));
		return -e;
	}
	u->stats.sent++;
	u->stats.sent_bytes += (uint64_t)r;
	u->targets[u->link.cur].totals.sent++;
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

	if (!u->greet_pending || u->link.fd == -1)
		return;
	u->greet_pending = false;
	if (!u->greeting)
		return;
	u->in_callback = true;
	n = u->greeting(u->cb_arg, u->link.peer, u->greeting_buf, u->max_message);
	u->in_callback = false;
	if (n <= 0)
		return; /* none, or the hook could not build one and said why */
	if (u->number_greeting)
		udp_spend_sequence(u);
	if ((size_t)n > u->max_message) {
		(void)udp_drop_oversize(u);
		return;
	}
	if (udp_send_now(u, u->greeting_buf, (size_t)n) == 0) {
		u->stats.greetings++;
		u->stats.greeting_bytes += (uint64_t)n;
	}
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
		if (u->link.fd == -1) {
			udp_drop_no_destination(u, n - i);
			rc = -ENOTCONN;
			errors = true;
			break;
		}
		r = usock_send_batch(u->link.fd, u->msgs + i, n - i);
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
		if (e == ECONNREFUSED && spins++ < n && ulink_can_failover(&u->link, now)) {
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
		(void)udp_read_errqueue(u); /* its refusals count before the socket goes */
		u->greet_pending = false;
		ulink_drop(&u->link, e, now);
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

static int udp_check_config(const struct udp_config *cfg, char *err, size_t errlen)
{
	if (!cfg || !cfg->dests || cfg->ndests == 0) {
		strbuf_printf(err, errlen, "no destination configured");
		return -EINVAL;
	}
	if (cfg->max_message > UDP_MAX_PAYLOAD || cfg->sndbuf < 0 || cfg->reconnect_interval < 0 ||
		cfg->batch > UIO_MAXIOV) {
		strbuf_printf(err, errlen,
			"invalid udp output settings (max_message %zu, at most %d; sndbuf %d; "
			"reconnect_interval %d; batch %u, at most %d)",
			cfg->max_message, UDP_MAX_PAYLOAD, cfg->sndbuf, cfg->reconnect_interval,
			cfg->batch, UIO_MAXIOV);
		return -EINVAL;
	}
	return 0;
}

/* Everything the output allocates, once: the per-destination counts, the arena, the
 * greeting's buffer and the batch's headers. */
static int udp_alloc(struct udp_output *u)
{
	unsigned int k;

	u->targets = calloc(u->link.ntargets, sizeof(*u->targets));
	u->arena_size = UDP_ARENA_BYTES + u->max_message;
	u->arena = malloc(u->arena_size);
	u->greeting_buf = malloc(u->max_message);
	u->iov = calloc(u->batch, sizeof(*u->iov));
	u->msgs = calloc(u->batch, sizeof(*u->msgs));
	if (!u->targets || !u->arena || !u->greeting_buf || !u->iov || !u->msgs)
		return -ENOMEM;
	for (k = 0; k < u->batch; k++) {
		u->msgs[k].msg_hdr.msg_iov = &u->iov[k];
		u->msgs[k].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

struct udp_output *udp_new(const struct udp_config *cfg, char *err, size_t errlen)
{
	struct udp_output *u = NULL;
	bool local = false;
	int rc;

	rc = udp_check_config(cfg, err, errlen);
	if (rc < 0)
		goto err_out;
	u = calloc(1, sizeof(*u));
	if (!u)
		goto err_nomem;
	u->link.fd = -1;
	u->max_message = cfg->max_message != 0 ? cfg->max_message : UDP_MAX_PAYLOAD;
	u->batch = cfg->batch != 0 ? cfg->batch : UDP_DEFAULT_BATCH;
	u->log = cfg->log;
	u->greeting = cfg->greeting;
	u->number_greeting = cfg->number_greeting;
	u->cb_arg = cfg->cb_arg;
	u->last_summary = -1;
	rc = ulink_init(&u->link, cfg, cfg->log ? udp_link_log : NULL, u, &u->stats, err, errlen);
	if (rc == -ENOMEM || (rc == 0 && udp_alloc(u) < 0))
		goto err_nomem;
	if (rc < 0)
		goto err_out;

	if (cfg->local_port != 0) {
		/* Checked at start-up even when no name resolves yet, so that a local
		 * configuration error fails udp_new instead of hiding behind a retry. */
		rc = usock_probe_port(cfg->local_port, err, errlen);
		if (rc < 0)
			goto err_out;
	}
	rc = udp_retry(u, udp_now(), &local, err, errlen);
	if (rc < 0 && local)
		goto err_out;
	return u;

err_nomem:
	strbuf_printf(err, errlen, "udp output: %s", strerror(ENOMEM));
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
	if (!u)
		return;
	if (u->msgs && u->nqueued > 0)
		(void)udp_send_queued(u);
	if (u->link.fd != -1) {
		(void)udp_read_errqueue(u);
		ulink_close(&u->link);
	}
	if (u->troubled)
		udp_log_drop_summary(u);
}

void udp_free_stats(struct udp_output *u, struct udp_stats *final)
{
	if (!u)
		return;
	udp_close(u);
	if (final)
		*final = u->stats;
	free(u->msgs);
	free(u->iov);
	free(u->arena);
	free(u->greeting_buf);
	free(u->targets);
	ulink_fini(&u->link);
	free(u);
}

void *udp_reserve(struct udp_output *u, size_t max)
{
	if (!u || max > u->max_message || u->in_callback)
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

	if (!u)
		return -EINVAL;
	if (u->in_callback)
		return -EBUSY;
	if (len > u->max_message || u->arena_off + len > u->arena_size)
		return udp_drop_oversize(u);
	if (u->link.fd == -1) {
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

	if (!u || (!buf && len > 0))
		return -EINVAL;
	if (u->in_callback)
		return -EBUSY;
	if (len > u->max_message)
		return udp_drop_oversize(u);
	p = udp_reserve(u, len);
	if (!p)
		return -EINVAL;
	if (len > 0)
		memcpy(p, buf, len);
	return udp_commit(u, len);
}

int udp_flush(struct udp_output *u)
{
	if (!u)
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

	if (!u || u->in_callback)
		return;
	now = udp_now();
	/* Refusals of the last datagrams sent arrive after the send that caused them: with
	 * nothing more to send, they are found here, and with several destinations they move
	 * the output to the next one as a failed send would. */
	if (u->link.fd != -1 && udp_read_errqueue(u) == ECONNREFUSED &&
		ulink_can_failover(&u->link, now))
		udp_failover(u, ECONNREFUSED, now);
	ulink_poll_resolver(&u->link, now);
	if (u->link.fd == -1 && now >= u->link.next_attempt) {
		if (udp_retry(u, now, &local, NULL, 0) == 0)
			u->stats.reconnects++;
	}
	udp_greet(u);
	udp_maybe_summary(u, now);
}

const struct udp_stats *udp_get_stats(const struct udp_output *u)
{
	return u ? &u->stats : NULL;
}

size_t udp_dest_count(const struct udp_output *u)
{
	return u ? u->link.ntargets : 0;
}

const struct udp_dest_stats *udp_get_dest_stats(
	const struct udp_output *u, size_t i, const char **name)
{
	if (!u || i >= u->link.ntargets)
		return NULL;
	if (name)
		*name = u->link.targets[i].name;
	return &u->targets[i].totals;
}

const char *udp_current_peer(const struct udp_output *u)
{
	if (!u)
		return "";
	return ulink_peer(&u->link);
}

uint32_t udp_next_sequence(const struct udp_output *u)
{
	uint32_t seq;

	if (!u)
		return 1;
	seq = u->targets[u->link.cur].next_seq;
	return seq == 0 ? 1 : seq;
}

/* The current target's number is spent, whatever becomes of the datagram. */
void udp_spend_sequence(struct udp_output *u)
{
	uint32_t seq;

	if (!u)
		return;
	seq = udp_next_sequence(u);
	u->targets[u->link.cur].next_seq = seq >= UDP_SEQUENCE_MAX ? 1 : seq + 1;
}

void udp_continue_sequences(struct udp_output *to, const struct udp_output *from)
{
	size_t i, j;

	if (!to || !from)
		return;
	for (i = 0; i < to->link.ntargets; i++)
		for (j = 0; j < from->link.ntargets; j++)
			if (strcmp(to->link.targets[i].name, from->link.targets[j].name) == 0)
				to->targets[i].next_seq = from->targets[j].next_seq;
}
