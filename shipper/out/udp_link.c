/* SPDX-License-Identifier: Apache-2.0 */
/* The UDP output's link: the failover list, the connected socket, the reconnect schedule.
 * The contract is in udp_link.h; this file explains the why.
 *
 * Candidates in order, as nxlog om_udp walks them: every address of every name. A refusal
 * (ICMP port unreachable, ECONNREFUSED) means "receiver stopped": with more than one
 * candidate the output moves to the next one, wrapping around. Reconnects follow OpenBSD
 * syslogd's loghost_retry(): 1 s, doubling up to ULINK_BACKOFF_CAP_S, back to 1 s once a
 * connection outlived the interval.
 */
#include "shipper/out/udp_link.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "shipper/out/resolver.h"
#include "shipper/out/udp_sock.h"

#define ULINK_BACKOFF_CAP_S 60 /* doubling reconnect interval stops here */

static void ulink_log(struct ulink *l, enum udp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void ulink_log(struct ulink *l, enum udp_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!l->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	l->log(l->log_arg, level, msg);
}

int ulink_init(struct ulink *l, const struct udp_config *cfg, udp_log_fn *log, void *log_arg,
	struct udp_stats *stats, char *err, size_t errlen)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	l->fd = -1;
	for (i = 0; i < cfg->ndests; i++) {
		const struct hostport *d = &cfg->dests[i];

		if (d->port == 0 || strnlen(d->host, sizeof(d->host)) == 0 ||
			strnlen(d->host, sizeof(d->host)) == sizeof(d->host)) {
			if (err && errlen > 0)
				snprintf(err, errlen,
					"destination %zu: empty or unterminated host, or port 0",
					i + 1);
			return -EINVAL;
		}
	}
	l->targets = calloc(cfg->ndests, sizeof(*l->targets));
	if (!l->targets)
		return -ENOMEM;
	l->ntargets = cfg->ndests;
	for (i = 0; i < l->ntargets; i++) {
		l->targets[i].dest = cfg->dests[i];
		(void)hostport_format(l->targets[i].name, sizeof(l->targets[i].name),
			cfg->dests[i].host, cfg->dests[i].port);
	}
	l->sndbuf = cfg->sndbuf;
	l->local_port = cfg->local_port;
	l->fixed_interval = cfg->reconnect_interval;
	l->log = log;
	l->log_arg = log_arg;
	l->stats = stats;
	l->backoff = 1;
	l->good_answers = resolv_good_answers();
	l->prev_lasted = INT64_MAX; /* the first connect may fail over at once */
	snprintf(l->connect_error, sizeof(l->connect_error), "not connected yet");
	return 0;
}

void ulink_fini(struct ulink *l)
{
	free(l->targets);
	l->targets = NULL;
	l->ntargets = 0;
}

/* SO_SNDBUF as asked, read back for the stats; one warning when the kernel gave less. */
static void ulink_set_sndbuf(struct ulink *l, int fd)
{
	int eff = 0, want = l->sndbuf;

	if (usock_set_sndbuf(fd, want, &eff, NULL, 0) < 0)
		return;
	l->stats->sndbuf_effective = eff;
	if (want > 0 && eff / 2 < (want > INT32_MAX / 2 ? INT32_MAX / 2 : want) &&
		!l->sndbuf_warned) {
		l->sndbuf_warned = true;
		ulink_log(l, UDP_LOG_WARN,
			"udp: SO_SNDBUF %d bytes requested, %d usable: raise net.core.wmem_max "
			"or run with CAP_NET_ADMIN",
			want, eff / 2);
	}
}

/* One socket for one address. *local is set when the failure is ours (the local port). */
static int ulink_open(
	struct ulink *l, const struct addrinfo *ai, bool *local, char *err, size_t errlen)
{
	int fd, rc;

	fd = usock_open(ai->ai_family, err, errlen);
	if (fd < 0)
		return fd;
	ulink_set_sndbuf(l, fd);
	/* best effort: without it a refusal is noticed less precisely, never missed badly */
	(void)usock_set_recverr(fd, ai->ai_family);
	if (l->local_port != 0) {
		rc = usock_bind_port(fd, ai->ai_family, l->local_port, err, errlen);
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

/* A failed look-up of target t: say so once per streak, or a dead entry in the list would go
 * unnoticed for ever. */
static void ulink_resolve_failed(struct ulink *l, struct ulink_target *t, const char *err)
{
	l->stats->resolve_failures++;
	if (t->resolve_failing)
		return;
	t->resolve_failing = true;
	/* With one destination the caller's "no destination reachable" says it. */
	if (l->ntargets > 1)
		ulink_log(l, UDP_LOG_WARN, "udp: %s; trying the next destination", err);
}

/* Look target d up again. A name that does not resolve is skipped for the next one. */
static int ulink_resolve(struct ulink *l, size_t d, struct addrinfo **res, char *err, size_t errlen)
{
	struct ulink_target *t = &l->targets[d];
	int rc = resolv_lookup(t->dest.host, t->dest.port, res, err, errlen);

	/* Not answered yet: the loop does not wait; the next destination is tried, and this
	 * one again once a name resolves. */
	if (rc == -EINPROGRESS) {
		if (!t->resolve_waiting && l->ntargets > 1)
			ulink_log(l, UDP_LOG_INFO, "udp: %s; trying the next destination", err);
		t->resolve_waiting = true;
		return rc;
	}
	t->resolve_waiting = false;
	if (rc != 0) {
		ulink_resolve_failed(l, t, err);
	} else if (t->resolve_failing) {
		t->resolve_failing = false;
		ulink_log(l, UDP_LOG_INFO, "udp: %s resolves again", t->name);
	}
	return rc;
}

/* Connect to the first connectable candidate from address a of destination d, in failover
 * order, trying each candidate at most once (the ones before (d, a) last). */
static int ulink_connect_from(
	struct ulink *l, size_t d, size_t a, bool *local, char *err, size_t errlen)
{
	const size_t a0 = a;
	struct addrinfo *res, *ai;
	size_t visit, n, count;
	int rc = -EHOSTUNREACH, fd;

	for (visit = 0; visit <= l->ntargets; visit++) {
		bool wrapped = visit == l->ntargets; /* back at d0: only addresses before a0 */

		if (wrapped && a0 == 0)
			break;
		rc = ulink_resolve(l, d, &res, err, errlen);
		if (rc == 0) {
			count = 0;
			for (ai = res; ai; ai = ai->ai_next)
				count++;
			for (ai = res, n = 0; ai; ai = ai->ai_next, n++) {
				if (n < a || (wrapped && n >= a0))
					continue;
				fd = ulink_open(l, ai, local, err, errlen);
				if (fd < 0) {
					rc = fd;
					continue;
				}
				l->fd = fd;
				l->cur = d;
				l->cur_addr = n;
				l->cur_naddrs = count;
				usock_format_addr(
					ai->ai_addr, ai->ai_addrlen, l->peer, sizeof(l->peer));
				resolv_free(res);
				return 0;
			}
			resolv_free(res);
			if (rc == 0)
				rc = -EHOSTUNREACH; /* resolved, but no address left to try */
		}
		d = (d + 1) % l->ntargets;
		a = 0;
	}
	return rc;
}

static int64_t ulink_interval_ms(const struct ulink *l)
{
	return (int64_t)(l->fixed_interval > 0 ? l->fixed_interval : l->backoff) * 1000;
}

static void ulink_disconnect(struct ulink *l, int64_t now)
{
	if (l->fd == -1)
		return;
	close(l->fd);
	l->fd = -1;
	l->prev_lasted = now - l->conn_since;
}

/* Close the current socket (a local port can be bound only once), connect to a candidate,
 * and decide when the next reconnect may happen: at once after a connection that outlived
 * the interval (and after the first connect), otherwise after the interval, which doubles. */
static int ulink_reconnect(
	struct ulink *l, size_t d, size_t a, int64_t now, bool *local, char *err, size_t errlen)
{
	bool stable;
	int64_t delay;
	int rc;

	ulink_disconnect(l, now);
	l->good_answers = resolv_good_answers(); /* what this attempt knew */
	stable = l->prev_lasted > ulink_interval_ms(l);
	rc = ulink_connect_from(l, d, a, local, err, errlen);
	if (rc == 0) {
		l->conn_since = now;
		l->prev_lasted = -1;
	} else {
		l->prev_lasted = -1;
		stable = false;
	}
	if (stable) {
		l->backoff = 1;
		delay = 0;
	} else {
		delay = ulink_interval_ms(l);
		if (l->fixed_interval == 0) {
			l->backoff *= 2;
			if (l->backoff > ULINK_BACKOFF_CAP_S)
				l->backoff = ULINK_BACKOFF_CAP_S;
		}
	}
	l->next_attempt = now + delay;
	return rc;
}

int ulink_retry(struct ulink *l, int64_t now, bool *local, char *err, size_t errlen)
{
	char why[ULINK_REASON_MAX];
	int rc;

	rc = ulink_reconnect(l, l->cur, l->cur_addr, now, local, why, sizeof(why));
	if (rc == 0) {
		if (l->connect_failing)
			ulink_log(l, UDP_LOG_INFO, "udp: connected to %s", l->peer);
		l->connect_failing = false;
		return 0;
	}
	strbuf_copy(l->connect_error, why, sizeof(l->connect_error));
	if (err && errlen > 0)
		snprintf(err, errlen, "%s", why);
	/* A name not answered yet is no failure of the destination: the caller that holds the
	 * resolver back says so when the wait ends. */
	ulink_log(l, l->connect_failing || rc == -EINPROGRESS ? UDP_LOG_DEBUG : UDP_LOG_WARN,
		"udp: no destination reachable (%s); retrying in %" PRId64 " s", why,
		(l->next_attempt - now) / 1000);
	if (rc != -EINPROGRESS)
		l->connect_failing = true; /* the first real failure of a streak warns */
	return rc;
}

bool ulink_can_failover(const struct ulink *l, int64_t now)
{
	return (l->ntargets > 1 || l->cur_naddrs > 1) && now >= l->next_attempt;
}

int ulink_failover(struct ulink *l, int e, int64_t now)
{
	char from[HOSTPORT_NAME_MAX], why[ULINK_REASON_MAX];
	bool local = false;
	size_t d = l->cur, a = l->cur_addr + 1;
	int rc;

	strbuf_copy(from, l->peer, sizeof(from));
	if (a >= l->cur_naddrs) {
		d = (d + 1) % l->ntargets;
		a = 0;
	}
	l->stats->failovers++;
	rc = ulink_reconnect(l, d, a, now, &local, why, sizeof(why));
	if (rc == 0) {
		l->stats->reconnects++;
		l->connect_failing = false;
		ulink_log(l, UDP_LOG_WARN, "udp: failover from %s to %s: %s", from, l->peer,
			strerror(e));
		return 0;
	}
	strbuf_copy(l->connect_error, why, sizeof(l->connect_error));
	l->connect_failing = true;
	ulink_log(l, UDP_LOG_WARN,
		"udp: failover from %s: %s; no destination reachable (%s); retrying in %" PRId64
		" s",
		from, strerror(e), why, (l->next_attempt - now) / 1000);
	return rc;
}

void ulink_drop(struct ulink *l, int e, int64_t now)
{
	ulink_log(l, UDP_LOG_WARN, "udp: send to %s: %s; reconnecting", l->peer, strerror(e));
	ulink_disconnect(l, now);
	snprintf(l->connect_error, sizeof(l->connect_error), "send: %s", strerror(e));
	if (l->next_attempt < now)
		l->next_attempt = now;
}

void ulink_close(struct ulink *l)
{
	if (l->fd == -1)
		return;
	close(l->fd);
	l->fd = -1;
}

void ulink_poll_resolver(struct ulink *l, int64_t now)
{
	uint64_t good = resolv_good_answers();
	char err[ULINK_REASON_MAX];
	size_t i;
	int rc;

	/* A name skipped while unanswered: its answer, when it fails, is worth its warning. */
	for (i = 0; i < l->ntargets; i++) {
		struct ulink_target *t = &l->targets[i];

		if (!t->resolve_waiting)
			continue;
		rc = resolv_peek(t->dest.host, t->dest.port, err, sizeof(err));
		if (rc == -EINPROGRESS)
			continue;
		t->resolve_waiting = false;
		if (rc != 0 && l->ntargets > 1)
			ulink_resolve_failed(l, t, err);
	}

	if (good == l->good_answers)
		return;
	l->good_answers = good;
	if (l->fd == -1 && l->next_attempt > now)
		l->next_attempt = now;
}

const char *ulink_peer(const struct ulink *l)
{
	return l->fd != -1 ? l->peer : l->targets[0].name;
}
