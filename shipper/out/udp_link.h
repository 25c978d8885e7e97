/* SPDX-License-Identifier: Apache-2.0 */
/* The UDP output's link: the failover list of destinations, the one connected socket, and
 * when to connect again. Policy over udp_sock's mechanism; udp.c is its only user.
 *
 * Candidates are all addresses of all names, in failover order; a name is resolved again on
 * every (re)connect, off the loop (resolver.h: the last good addresses answer at once, a name
 * not answered yet is skipped), and the first connectable address wins. Reconnects are paced: a
 * fixed interval, or 1 s doubling to a cap, back to 1 s once a connection outlived the interval.
 * The link logs through the output's log sink and counts into the output's struct udp_stats
 * (failovers, reconnects, resolve_failures, sndbuf_effective). It never reads the socket's
 * error queue: the output takes in the refusals before calling anything here that closes
 * the socket. Times are CLOCK_MONOTONIC milliseconds, given by the caller.
 *
 * The output reads the fields of struct ulink; only ulink_ functions write them.
 */
#ifndef PROCSHIP_OUT_UDP_LINK_H
#define PROCSHIP_OUT_UDP_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shipper/out/hostport.h"
#include "shipper/out/udp.h"

#define ULINK_REASON_MAX 160 /* a failure, as a log line or a drop reason says it */

struct ulink_target {
	struct hostport dest;
	char name[HOSTPORT_NAME_MAX]; /* as configured: "host:port" or "[v6]:port" */
	bool resolve_failing;	      /* logged once per streak of failed look-ups */
	bool resolve_waiting;	      /* the resolver has not answered yet */
};

struct ulink {
	struct ulink_target *targets; /* failover order */
	size_t ntargets;
	int sndbuf;	     /* SO_SNDBUF bytes; 0 = the system default */
	uint16_t local_port; /* 0 = any */
	int fixed_interval;  /* seconds, 0 = doubling */
	udp_log_fn *log;     /* may be NULL */
	void *log_arg;
	struct udp_stats *stats;

	/* the connected socket (-1: none) and which candidate it points to */
	int fd;
	size_t cur;	   /* index of the current target */
	size_t cur_addr;   /* which of its addresses */
	size_t cur_naddrs; /* how many it resolved to at the last connect */
	char peer[HOSTPORT_NAME_MAX];

	/* the reconnect schedule */
	int64_t conn_since;
	int64_t next_attempt;
	int64_t prev_lasted; /* how long the previous connection lived; -1 = there was none */
	int backoff;	     /* seconds */
	bool connect_failing;
	char connect_error[ULINK_REASON_MAX]; /* why the last connect failed */
	bool sndbuf_warned;
	uint64_t good_answers; /* resolv_good_answers() when last polled */
};

/* Set up l from the output's configuration (cfg->dests copied, cfg->log ignored): log and
 * log_arg receive the link's lines, stats its counters. Connects nothing. Returns 0, -EINVAL
 * with a message in err for a destination with no host or port, or -ENOMEM. */
int ulink_init(struct ulink *l, const struct udp_config *cfg, udp_log_fn *log, void *log_arg,
	struct udp_stats *stats, char *err, size_t errlen);
/* Frees what ulink_init allocated; the socket must be closed (ulink_close). */
void ulink_fini(struct ulink *l);

/* Connect again from the current candidate: at start and from the output's tick once
 * next_attempt is due. Logs the first failure of a streak and the recovery. Returns 0, or
 * -errno with the reason in err; *local is set when the failure is ours (the local port). */
int ulink_retry(struct ulink *l, int64_t now, bool *local, char *err, size_t errlen);
/* Is there another candidate to move to, and is a move due? */
bool ulink_can_failover(const struct ulink *l, int64_t now);
/* Move to the next candidate after error e (a refusal), wrapping around; logs one line.
 * Returns 0 when connected there, -errno when no candidate was reachable. */
int ulink_failover(struct ulink *l, int e, int64_t now);
/* Give up the socket after an unexpected send error e: logs it, closes, and lets the next
 * retry happen when it is due, but not before now. */
void ulink_drop(struct ulink *l, int e, int64_t now);
/* Close the socket for good (the output is closing): no schedule, no log. */
void ulink_close(struct ulink *l);

/* Not connected and a name has resolved since the last poll: the next retry is due now (a
 * name the resolver answered late connects at the next tick, not after the backoff). */
void ulink_poll_resolver(struct ulink *l, int64_t now);

/* "host:port" of the current target, or of the first destination when not connected. */
const char *ulink_peer(const struct ulink *l);

#endif
