/* SPDX-License-Identifier: Apache-2.0 */
/* The compiled form of the allow/deny lists, shared by filters.c (matching) and
 * filters_parse.c (the JSON filter objects); not for other modules. */
#ifndef PROCSHIP_FILTERS_INT_H
#define PROCSHIP_FILTERS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

struct rx_list {
	pcre2_code **re;
	size_t n;
	size_t interpreted; /* of them, not JIT-compiled */
};

struct pid_list {
	uint32_t *pid;
	size_t n;
};

struct filter {
	bool has_events;     /* event_set given: the event must be in `events` */
	unsigned int events; /* enum filters_event bits */
	struct pid_list pid, pid_set;
	struct rx_list binary, parent_binary, arguments, ancestor_binary;
	int in_init_tree; /* -1: not given; else the value the process must have */
};

struct filter_list {
	struct filter *f;
	size_t n;
};

/* The regex time budget, and what was decided without running regexes. */
/* Parse one list's text into l (what was built stays in l on error: free it with
 * filters_i_free_list). 0, or -EINVAL with "NAME line N: why" in err, or -ENOMEM. */
int filters_i_parse_list(
	struct filter_list *l, const char *name, const char *text, char *err, size_t errlen);
void filters_i_free_list(struct filter_list *l);

#endif
