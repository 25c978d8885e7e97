/* SPDX-License-Identifier: Apache-2.0 */
/* Export rate limit: a token bucket in integer arithmetic, and the rate_limit_info event. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shipper/admit/ratelimit.h"

#include <uthash.h>

/* Credit is counted in token-nanoseconds per minute: one token costs RATELIMIT_REPORT_NS
 * units and every elapsed nanosecond adds `rate` units, so a rate of N per minute refills
 * exactly N tokens a minute with no rounding drift. With rate <= RATELIMIT_MAX the full bucket,
 * rate * 60e9 <= 6e18, fits in 64 bits. */
struct bucket {
	uint64_t credit;
	uint64_t last_ns;
};

/* A uid's own bucket (when per-uid limits are on) and its drops since the last report. */
struct uid_entry {
	uint32_t uid;
	struct bucket b;
	uint64_t dropped_since;
	UT_hash_handle hh;
};

struct ratelimit {
	long long rate;
	uint64_t credit;
	uint64_t last_ns;
	uint64_t dropped;
	/* Per uid: a bucket of per_uid a minute each (-1: none), and who was dropped. */
	long long per_uid;
	struct uid_entry *uids; /* at most RATELIMIT_UIDS_MAX */
	size_t nuids;
	struct uid_entry other; /* the uids that found the table full share this one */
	uint64_t uid_dropped;	/* refused by a uid's own bucket */
	uint64_t swept_ns;
	uint64_t reported;     /* dropped at the last report */
	uint64_t next_tick_ns; /* the report ticker's next tick */
};

static bool rate_ok(long long per_minute)
{
	return per_minute == RATELIMIT_UNLIMITED ||
	       (per_minute >= 0 && per_minute <= RATELIMIT_MAX);
}

static uint64_t capacity(const struct ratelimit *rl)
{
	return (uint64_t)rl->rate * RATELIMIT_REPORT_NS;
}

struct ratelimit *ratelimit_new(long long per_minute, uint64_t now_ns, char *err, size_t errlen)
{
	struct ratelimit *rl;

	if (!rate_ok(per_minute)) {
		snprintf(err, errlen, "ratelimit: %lld events per minute out of range (-1..%lld)",
			per_minute, RATELIMIT_MAX);
		errno = EINVAL;
		return NULL;
	}
	rl = calloc(1, sizeof(*rl));
	if (!rl) {
		snprintf(err, errlen, "ratelimit: %s", strerror(errno));
		return NULL;
	}
	rl->rate = per_minute;
	rl->last_ns = now_ns;
	rl->credit = per_minute > 0 ? capacity(rl) : 0;
	rl->per_uid = RATELIMIT_UNLIMITED;
	rl->next_tick_ns = now_ns + RATELIMIT_REPORT_NS;
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	struct uid_entry *e, *tmp;

	if (!rl)
		return;
	HASH_ITER(hh, rl->uids, e, tmp)
	{
		HASH_DEL(rl->uids, e);
		free(e);
	}
	free(rl);
}

int ratelimit_set_rate(struct ratelimit *rl, long long per_minute, uint64_t now_ns)
{
	if (!rate_ok(per_minute))
		return -EINVAL;
	rl->rate = per_minute;
	rl->last_ns = now_ns;
	rl->credit = per_minute > 0 ? capacity(rl) : 0;
	return 0;
}

long long ratelimit_rate(const struct ratelimit *rl)
{
	return rl->rate;
}

static void refill(struct ratelimit *rl, uint64_t now_ns)
{
	uint64_t cap = capacity(rl), elapsed;

	if (now_ns <= rl->last_ns)
		return;
	elapsed = now_ns - rl->last_ns;
	rl->last_ns = now_ns;
	/* A minute refills any bucket; below that, elapsed * rate < 6e18 cannot overflow. */
	if (elapsed >= RATELIMIT_REPORT_NS || cap - rl->credit <= elapsed * (uint64_t)rl->rate)
		rl->credit = cap;
	else
		rl->credit += elapsed * (uint64_t)rl->rate;
}

bool ratelimit_allow(struct ratelimit *rl, uint64_t now_ns)
{
	if (rl->rate < 0)
		return true;
	if (rl->rate > 0) {
		refill(rl, now_ns);
		if (rl->credit >= RATELIMIT_REPORT_NS) {
			rl->credit -= RATELIMIT_REPORT_NS;
			return true;
		}
	}
	rl->dropped++;
	return false;
}

uint64_t ratelimit_dropped(const struct ratelimit *rl)
{
	return rl->dropped;
}

bool ratelimit_report_due(struct ratelimit *rl, uint64_t now_ns, uint64_t *dropped_since)
{
	uint64_t d = rl->dropped - rl->reported;

	*dropped_since = d;
	if (now_ns < rl->next_tick_ns)
		return false;
	/* Ticks missed while the loop was busy are not made up, as Go's ticker drops them: the
	 * next one keeps the phase of the start. */
	rl->next_tick_ns +=
		((now_ns - rl->next_tick_ns) / RATELIMIT_REPORT_NS + 1) * RATELIMIT_REPORT_NS;
	if (rl->rate == 0 || d == 0)
		return false;
	rl->reported = rl->dropped;
	return true;
}

/* ---- per uid -------------------------------------------------------------------------------- */

/* A bucket of `rate` a minute, in the unit of struct ratelimit's credit. */
static void bucket_fill(struct bucket *b, long long rate, uint64_t now_ns)
{
	b->credit = rate > 0 ? (uint64_t)rate * RATELIMIT_REPORT_NS : 0;
	b->last_ns = now_ns;
}

/* Refill as refill() does, then take a token if there is one. */
static bool bucket_take(struct bucket *b, long long rate, uint64_t now_ns)
{
	uint64_t cap = (uint64_t)rate * RATELIMIT_REPORT_NS, elapsed;

	if (rate <= 0)
		return false;
	if (now_ns > b->last_ns) {
		elapsed = now_ns - b->last_ns;
		b->last_ns = now_ns;
		if (elapsed >= RATELIMIT_REPORT_NS || cap - b->credit <= elapsed * (uint64_t)rate)
			b->credit = cap;
		else
			b->credit += elapsed * (uint64_t)rate;
	}
	if (b->credit < RATELIMIT_REPORT_NS)
		return false;
	b->credit -= RATELIMIT_REPORT_NS;
	return true;
}

/* An entry holds nothing a new one would not: no drops to report, and a bucket that a minute
 * without events has refilled (or none). */
static bool uid_idle(const struct ratelimit *rl, const struct uid_entry *e, uint64_t now_ns)
{
	return !e->dropped_since &&
	       (rl->per_uid < 0 || now_ns - e->b.last_ns >= RATELIMIT_REPORT_NS);
}

/* At the cap, idle entries go, at most once a second: a storm of new uids must not turn
 * every event into a walk of the table. */
static void uid_sweep(struct ratelimit *rl, uint64_t now_ns)
{
	struct uid_entry *e, *tmp;

	if (rl->swept_ns && now_ns - rl->swept_ns < RATELIMIT_REPORT_NS / 60)
		return;
	rl->swept_ns = now_ns;
	HASH_ITER(hh, rl->uids, e, tmp)
	{
		if (!uid_idle(rl, e, now_ns))
			continue;
		HASH_DEL(rl->uids, e);
		free(e);
		rl->nuids--;
	}
}

/* The uid's entry, made with a full bucket when new; the shared `other` when the table is
 * full of busy uids (or there is no memory). */
static struct uid_entry *uid_entry(struct ratelimit *rl, uint32_t uid, uint64_t now_ns)
{
	struct uid_entry *e;

	HASH_FIND(hh, rl->uids, &uid, sizeof(uid), e);
	if (e)
		return e;
	if (rl->nuids >= RATELIMIT_UIDS_MAX)
		uid_sweep(rl, now_ns);
	if (rl->nuids >= RATELIMIT_UIDS_MAX)
		return &rl->other;
	e = calloc(1, sizeof(*e));
	if (!e)
		return &rl->other;
	e->uid = uid;
	bucket_fill(&e->b, rl->per_uid, now_ns);
	HASH_ADD(hh, rl->uids, uid, sizeof(e->uid), e);
	rl->nuids++;
	return e;
}

int ratelimit_set_per_uid(struct ratelimit *rl, long long per_minute, uint64_t now_ns)
{
	struct uid_entry *e, *tmp;

	if (!rate_ok(per_minute))
		return -EINVAL;
	rl->per_uid = per_minute;
	HASH_ITER(hh, rl->uids, e, tmp)
	bucket_fill(&e->b, per_minute, now_ns);
	bucket_fill(&rl->other.b, per_minute, now_ns);
	return 0;
}

long long ratelimit_per_uid(const struct ratelimit *rl)
{
	return rl->per_uid;
}

bool ratelimit_allow_uid(struct ratelimit *rl, uint32_t uid, uint64_t now_ns)
{
	struct uid_entry *e = NULL;

	if (rl->per_uid >= 0) {
		e = uid_entry(rl, uid, now_ns);
		if (!bucket_take(&e->b, rl->per_uid, now_ns)) {
			rl->dropped++;
			rl->uid_dropped++;
			e->dropped_since++;
			return false;
		}
	}
	if (ratelimit_allow(rl, now_ns))
		return true;
	if (!e)
		e = uid_entry(rl, uid, now_ns);
	e->dropped_since++;
	return false;
}

uint64_t ratelimit_uid_dropped(const struct ratelimit *rl)
{
	return rl->uid_dropped;
}

size_t ratelimit_take_uid_drops(struct ratelimit *rl, struct ratelimit_uid_drops *out, size_t max)
{
	struct uid_entry *e, *tmp;
	size_t n = 0, i;

	HASH_ITER(hh, rl->uids, e, tmp)
	{
		if (!e->dropped_since)
			continue;
		/* Insertion into the short sorted list: most drops first, then lower uid. */
		for (i = n; i > 0 && (out[i - 1].dropped < e->dropped_since ||
					     (out[i - 1].dropped == e->dropped_since &&
						     out[i - 1].uid > e->uid));
			i--)
			if (i < max)
				out[i] = out[i - 1];
		if (i < max) {
			out[i].uid = e->uid;
			out[i].dropped = e->dropped_since;
			if (n < max)
				n++;
		}
		e->dropped_since = 0;
	}
	rl->other.dropped_since = 0;
	return n;
}

bool ratelimit_report_final(struct ratelimit *rl, uint64_t *dropped_since)
{
	uint64_t d = rl->dropped - rl->reported;

	*dropped_since = d;
	if (rl->rate == 0 || d == 0)
		return false;
	rl->reported = rl->dropped;
	return true;
}
