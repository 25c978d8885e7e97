/* SPDX-License-Identifier: Apache-2.0 */
/* Export rate limit, as Tetragon's --export-rate-limit: N events per minute, a token bucket
 * holding at most N tokens (the burst), refilled continuously at N per minute. -1 is unlimited,
 * 0 disables export. Every refused event is counted; at most once a minute, while there were
 * drops, the caller sends one rate_limit_info event (which itself bypasses the limit).
 *
 * Time is passed in (CLOCK_MONOTONIC nanoseconds); the module reads no clock and never logs. */
#ifndef PROCSHIP_RATELIMIT_H
#define PROCSHIP_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_UNLIMITED (-1LL)
/* Largest accepted rate: keeps the bucket arithmetic in 64 bits, and is far above what one
 * core can send (about 36 million datagrams a minute). */
#define RATELIMIT_MAX	    100000000LL
#define RATELIMIT_REPORT_NS (60ULL * 1000000000ULL)

struct ratelimit;

/* per_minute: -1, 0 or 1..RATELIMIT_MAX; the bucket starts full at now_ns. NULL with errno
 * EINVAL and a message in err for any other value, ENOMEM. */
struct ratelimit *ratelimit_new(long long per_minute, uint64_t now_ns, char *err, size_t errlen);
void ratelimit_free(struct ratelimit *rl); /* accepts NULL */

/* A new rate (SIGHUP). The bucket is refilled to the new burst; counters are kept.
 * Returns 0 or -EINVAL (rate unchanged) for a value ratelimit_new refuses. */
int ratelimit_set_rate(struct ratelimit *rl, long long per_minute, uint64_t now_ns);
long long ratelimit_rate(const struct ratelimit *rl);

/* The hot path: true when one event may be exported now (a token is taken); false when it
 * must be dropped (counted). Always true when unlimited, always false when the rate is 0.
 * A clock that goes backwards refills nothing. */
bool ratelimit_allow(struct ratelimit *rl, uint64_t now_ns);

/* Events refused since ratelimit_new: procship_export_ratelimit_events_dropped_total. */
uint64_t ratelimit_dropped(const struct ratelimit *rl);

/* Call from a timer (once a second is enough). True when a rate_limit_info event must be sent
 * now: there were drops since the last report and the last report is at least a minute old
 * (or there was none yet: the first drop after a quiet minute is reported at once). Then
 * *dropped_since holds the drops since the previous report and the report is taken as sent.
 * Otherwise false and *dropped_since holds the drops not reported yet. Never true when the
 * rate is 0: export, rate_limit_info included, is disabled. */
bool ratelimit_report_due(struct ratelimit *rl, uint64_t now_ns, uint64_t *dropped_since);

#endif
