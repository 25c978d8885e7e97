/* SPDX-License-Identifier: Apache-2.0 */
/* Export rate limit: a token bucket in integer arithmetic, and the rate_limit_info event. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shipper/admit/ratelimit.h"

/* Credit is counted in token-nanoseconds per minute: one token costs RATELIMIT_REPORT_NS
 * units and every elapsed nanosecond adds `rate` units, so a rate of N per minute refills
 * exactly N tokens a minute with no rounding drift. With rate <= RATELIMIT_MAX the full bucket,
 * rate * 60e9 <= 6e18, fits in 64 bits. */
struct ratelimit {
	long long rate;
	uint64_t credit;
	uint64_t last_ns;
	uint64_t dropped;
	uint64_t reported; /* dropped at the last report */
	uint64_t last_report_ns;
	bool reported_once;
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
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
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
	if (rl->rate == 0 || d == 0)
		return false;
	if (rl->reported_once && now_ns - rl->last_report_ns < RATELIMIT_REPORT_NS)
		return false;
	rl->reported = rl->dropped;
	rl->last_report_ns = now_ns;
	rl->reported_once = true;
	return true;
}
