/* SPDX-License-Identifier: Apache-2.0 */
/* Per-process windows of local text input in a fixed open-addressed table; see pidlimit.h. */
#include "shipper/text/pidlimit.h"

#include <errno.h>
#include <stdlib.h>

#define PROBES	   8 /* slots looked at for a pid before the oldest of them is taken */
#define SEV_ALWAYS 1 /* alert and emergency pass, as with imuxsock's ratelimit.severity */
#define NS_PER_SEC 1000000000ULL

struct slot {
	pid_t pid; /* -1: free */
	uint64_t start_ns;
	uint32_t count;
	uint64_t dropped;
};

struct pidlimit {
	uint64_t interval_ns;
	uint32_t burst;
	struct slot slots[PIDLIMIT_SLOTS];
	struct pidlimit_stats stats;
};

struct pidlimit *pidlimit_new(unsigned int interval_s, unsigned int burst)
{
	struct pidlimit *l;
	size_t i;

	if (interval_s == 0 || burst == 0) {
		errno = EINVAL;
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->interval_ns = interval_s * NS_PER_SEC;
	l->burst = burst;
	for (i = 0; i < PIDLIMIT_SLOTS; i++)
		l->slots[i].pid = -1;
	return l;
}

void pidlimit_free(struct pidlimit *l)
{
	free(l);
}

static size_t hash(pid_t pid)
{
	return ((uint32_t)pid * 2654435761u) % PIDLIMIT_SLOTS;
}

/* pid's slot, or a free one, or the oldest of the probed ones (its drops go to *report). */
static struct slot *find(struct pidlimit *l, pid_t pid, struct pidlimit_report *report)
{
	struct slot *s, *oldest = NULL;
	size_t i, h = hash(pid);

	for (i = 0; i < PROBES; i++) {
		s = &l->slots[(h + i) % PIDLIMIT_SLOTS];
		if (s->pid == pid)
			return s;
		if (s->pid == -1)
			break;
		if (!oldest || s->start_ns < oldest->start_ns)
			oldest = s;
	}
	if (i == PROBES) {
		s = oldest;
		l->stats.evicted++;
		if (s->dropped) {
			report->pid = s->pid;
			report->lost = s->dropped;
		}
	}
	s->pid = pid;
	s->start_ns = 0;
	s->count = 0;
	s->dropped = 0;
	return s;
}

enum pidlimit_verdict pidlimit_take(
	struct pidlimit *l, pid_t pid, int sev, uint64_t now_ns, struct pidlimit_report *report)
{
	struct slot *s;

	report->pid = 0;
	report->lost = 0;
	if (sev <= SEV_ALWAYS)
		return PIDLIMIT_PASS;
	s = find(l, pid, report);
	if (s->count == 0 || now_ns - s->start_ns >= l->interval_ns) {
		if (s->dropped && !report->lost) {
			report->pid = pid;
			report->lost = s->dropped;
		}
		s->start_ns = now_ns;
		s->count = 0;
		s->dropped = 0;
	}
	if (s->count < l->burst) {
		s->count++;
		return PIDLIMIT_PASS;
	}
	l->stats.dropped++;
	return s->dropped++ == 0 ? PIDLIMIT_FIRST_DROP : PIDLIMIT_DROP;
}

unsigned int pidlimit_expired(
	struct pidlimit *l, uint64_t now_ns, struct pidlimit_report *out, unsigned int max)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < PIDLIMIT_SLOTS && n < max; i++) {
		struct slot *s = &l->slots[i];

		if (s->pid == -1 || !s->dropped || now_ns - s->start_ns < l->interval_ns)
			continue;
		out[n].pid = s->pid;
		out[n].lost = s->dropped;
		n++;
		s->dropped = 0;
		s->count = 0;
	}
	return n;
}

const struct pidlimit_stats *pidlimit_get_stats(const struct pidlimit *l)
{
	return &l->stats;
}
