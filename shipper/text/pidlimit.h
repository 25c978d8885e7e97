/* SPDX-License-Identifier: Apache-2.0 */
/* Rate limits per sending process for local text input, as rsyslog's imuxsock has them: at most
 * burst messages per interval from one pid, so that one noisy program cannot spend the budget of
 * the others. Emergency and alert messages are never limited (imuxsock's default severity).
 *
 * A fixed table of PIDLIMIT_SLOTS processes, no allocation per message; when it is full, the
 * process whose window started longest ago gives up its slot (its count of drops is reported
 * first). No logging: the caller emits the "begins to drop" and "lost N" messages the
 * functions hand back.
 */
#ifndef PROCSHIP_PIDLIMIT_H
#define PROCSHIP_PIDLIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PIDLIMIT_SLOTS 1024

struct pidlimit_stats {
	uint64_t dropped; /* messages refused */
	uint64_t evicted; /* slots taken over from another process */
};

/* A process whose window ended with messages dropped. */
struct pidlimit_report {
	pid_t pid;
	uint64_t lost;
};

struct pidlimit;

/* interval_s > 0 and burst > 0, else NULL with errno EINVAL. */
struct pidlimit *pidlimit_new(unsigned int interval_s, unsigned int burst);
void pidlimit_free(struct pidlimit *l); /* accepts NULL */

enum pidlimit_verdict {
	PIDLIMIT_PASS,
	PIDLIMIT_FIRST_DROP, /* refused, and the first refused of this window: say so */
	PIDLIMIT_DROP,
};

/* One message from pid (0: unknown, one shared slot) of severity sev at now_ns (monotonic).
 * When the process's previous window ended with drops, *report gets them (lost > 0) before the
 * verdict on this message. */
enum pidlimit_verdict pidlimit_take(
	struct pidlimit *l, pid_t pid, int sev, uint64_t now_ns, struct pidlimit_report *report);
/* Windows that ended with drops and saw no message since: one report each, at most max per
 * call, their counts cleared. Returns how many were written to out. */
unsigned int pidlimit_expired(
	struct pidlimit *l, uint64_t now_ns, struct pidlimit_report *out, unsigned int max);
const struct pidlimit_stats *pidlimit_get_stats(const struct pidlimit *l);

#endif
