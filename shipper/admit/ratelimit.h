/* SPDX-License-Identifier: Apache-2.0 */
/* Export rate limit, as Tetragon's --export-rate-limit: N events per minute, a token bucket
 * holding at most N tokens (the burst), refilled continuously at N per minute. -1 is unlimited,
 * 0 disables export. Every refused event is counted; on a one-minute ticker, when there were
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

/* Call from a timer (once a second is enough). The report runs on a one-minute ticker started
 * by ratelimit_new, as Tetragon v1.7.0's (pkg/ratelimit): true at the first call on or after a
 * tick when there were drops since the previous report; then *dropped_since holds them and
 * they count as reported. A drop waits for the next tick, up to a minute; a minute with no
 * drops sends nothing. Otherwise false and *dropped_since holds the drops not reported yet.
 * Never true when the rate is 0: export, rate_limit_info included, is disabled. */
bool ratelimit_report_due(struct ratelimit *rl, uint64_t now_ns, uint64_t *dropped_since);

/* ---- fair limits: a bucket per uid (issue 20) ------------------------------------------------
 * With a per-uid rate, each uid (the event's process's effective uid) has a bucket of its own,
 * as the shared one: per_minute events a minute, bursts of per_minute. An event takes a token
 * from its uid's bucket first, then from the shared one, so one uid can spend at most its own
 * rate of the shared budget and cannot starve the others. Every refusal, by either bucket, is
 * counted in ratelimit_dropped and charged to the event's uid for the report. At most
 * RATELIMIT_UIDS_MAX uids are tracked at once (an idle entry, with a full bucket and nothing
 * to report, is forgotten when room is needed); uids beyond that share one bucket and are left
 * out of the report. */
#define RATELIMIT_UIDS_MAX 4096

/* -1 (the default) turns the per-uid buckets off, 0 refuses every event, else 1..RATELIMIT_MAX.
 * Every uid's bucket is refilled to the new burst. Returns 0 or -EINVAL (unchanged). */
int ratelimit_set_per_uid(struct ratelimit *rl, long long per_minute, uint64_t now_ns);
long long ratelimit_per_uid(const struct ratelimit *rl);
/* ratelimit_allow with the uid's bucket first. With per-uid buckets off, the same answer as
 * ratelimit_allow, the drop charged to uid. */
bool ratelimit_allow_uid(struct ratelimit *rl, uint32_t uid, uint64_t now_ns);
/* Refused by a uid's own bucket, since ratelimit_new (part of ratelimit_dropped). */
uint64_t ratelimit_uid_dropped(const struct ratelimit *rl);

struct ratelimit_uid_drops {
	uint32_t uid;
	uint64_t dropped;
};
/* The (at most max) uids with most drops since the last call, most first (then the lower
 * uid); every uid's count starts again from 0. Returns how many are in out. */
size_t ratelimit_take_uid_drops(struct ratelimit *rl, struct ratelimit_uid_drops *out, size_t max);

/* At exit: true when there were drops not reported yet (rate not 0), whatever the time since
 * the last report; *dropped_since is what to report, and the report is taken as sent. */
bool ratelimit_report_final(struct ratelimit *rl, uint64_t *dropped_since);

#endif
