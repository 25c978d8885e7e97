/* SPDX-License-Identifier: Apache-2.0 */
/* Time budgets per key and shared, over fixed windows, in integer arithmetic. */
#include "shipper/admit/budget.h"

#include <string.h>

void budget_init(struct budget *b, uint64_t window_ns, uint64_t key_ns, uint64_t all_ns)
{
	memset(b, 0, sizeof(*b));
	b->window_ns = window_ns;
	b->key_ns = key_ns;
	b->all_ns = all_ns;
}

/* The key's slot in this window: its own, or a stale one to take over; NULL when every probe
 * finds another key charged in this window. */
static struct budget_slot *find_slot(struct budget *b, uint32_t key)
{
	struct budget_slot *s;
	uint32_t h = key * 2654435761u, i;

	for (i = 0; i < BUDGET_PROBES; i++) {
		s = &b->slot[(h + i) & (BUDGET_SLOTS - 1)];
		if (s->window == b->window && s->key == key)
			return s;
		if (s->window != b->window) {
			s->window = b->window;
			s->key = key;
			s->spent_ns = 0;
			return s;
		}
	}
	return NULL;
}

enum budget_verdict budget_ask(struct budget *b, uint32_t key, uint64_t now_ns)
{
	/* Numbered from 1, so that a zeroed slot is never the current window's. */
	uint64_t window = now_ns / b->window_ns + 1;

	if (window != b->window) {
		b->window = window;
		b->spent_all_ns = 0;
	}
	b->cur = find_slot(b, key);
	if (b->spent_all_ns >= b->all_ns)
		return BUDGET_OVER_ALL;
	if (b->cur && b->cur->spent_ns >= b->key_ns)
		return BUDGET_OVER_KEY;
	return BUDGET_OK;
}

void budget_charge(struct budget *b, uint64_t spent_ns)
{
	struct budget_slot *s = b->cur;
	uint64_t room;

	if (!s) {
		b->spent_all_ns += spent_ns;
		return;
	}
	room = s->spent_ns < b->key_ns ? b->key_ns - s->spent_ns : 0;
	b->spent_all_ns += spent_ns < room ? spent_ns : room;
	s->spent_ns += spent_ns;
}
