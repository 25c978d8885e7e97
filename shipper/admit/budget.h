/* SPDX-License-Identifier: Apache-2.0 */
/* A time budget per key (a uid) and for all keys together, over fixed windows: how much of
 * every window each key, and everyone, may spend on some work (the filters' regexes). The
 * caller asks before the work and charges what it cost after; time is passed in
 * (CLOCK_MONOTONIC nanoseconds), the module reads no clock and never logs.
 *
 * The shared budget counts each key's time only up to the key's own budget, so that one key's
 * last piece of work, running past its budget, cannot put every other key over too. Keys are
 * kept in a small table for the current window only; when its probes find no room (many keys
 * busy in one window), a key is held to the shared budget alone. */
#ifndef PROCSHIP_BUDGET_H
#define PROCSHIP_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#define BUDGET_SLOTS  64 /* keys tracked in one window (a power of two) */
#define BUDGET_PROBES 8

enum budget_verdict {
	BUDGET_OK,	 /* go ahead, then budget_charge */
	BUDGET_OVER_KEY, /* this key spent its budget in this window */
	BUDGET_OVER_ALL, /* everyone together spent the shared budget */
};

struct budget_slot {
	uint64_t window; /* 0: never used */
	uint64_t spent_ns;
	uint32_t key;
};

/* Plain data, so that an owner can embed it; set it up with budget_init. */
struct budget {
	uint64_t window_ns, key_ns, all_ns; /* the window and the two budgets in it */
	uint64_t window;		    /* current window number, from 1 */
	uint64_t spent_all_ns;
	struct budget_slot slot[BUDGET_SLOTS];
	struct budget_slot *cur; /* the slot budget_ask found, for budget_charge */
};

/* Each key may spend key_ns and all keys together all_ns of every window_ns (all > 0). */
void budget_init(struct budget *b, uint64_t window_ns, uint64_t key_ns, uint64_t all_ns);
/* May key spend at now_ns? Opens a new window when now_ns is past the current one. */
enum budget_verdict budget_ask(struct budget *b, uint32_t key, uint64_t now_ns);
/* Charge spent_ns to the key of the last budget_ask (also after a verdict other than OK). */
void budget_charge(struct budget *b, uint64_t spent_ns);

#endif
