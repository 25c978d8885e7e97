/* SPDX-License-Identifier: Apache-2.0 */
/* The compiled form of the allow/deny lists, shared by filters.c (matching), filters_parse.c
 * (the JSON filter objects) and filters_caps.c (the capabilities field); not for other
 * modules. */
#ifndef PROCSHIP_FILTERS_INT_H
#define PROCSHIP_FILTERS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "shipper/admit/filters.h"

struct fjson_object;

struct rx_list {
	pcre2_code **re;
	size_t n;
	size_t interpreted; /* of them, not JIT-compiled */
};

struct pid_list {
	uint32_t *pid;
	size_t n;
};

/* CapFilterSet's match sets; CAPS_UNSET when the set is not given (it then matches). */
enum caps_op { CAPS_UNSET, CAPS_ANY, CAPS_ALL, CAPS_EXACTLY, CAPS_NONE };

/* Tetragon's CapFilter: "capabilities" given (even as {}) needs an event that carries cap;
 * each of its sets (FILTERS_CAP_*) that is given must match too. */
struct caps_filter {
	bool given;
	struct {
		enum caps_op op;
		uint64_t mask; /* capability bits */
	} set[FILTERS_CAP_SETS];
};

struct filter {
	int line;	     /* where it starts in its list, for filters_needs */
	bool has_events;     /* event_set given: the event must be in `events` */
	unsigned int events; /* enum filters_event bits */
	unsigned int types;  /* the event_set's types, by bit of filters_i_types */
	struct pid_list pid, pid_set;
	struct rx_list binary, parent_binary, arguments, parent_arguments, ancestor_binary;
	int in_init_tree; /* -1: not given; else the value the process must have */
	struct caps_filter caps;
};

struct filter_list {
	struct filter *f;
	size_t n;
};

/* Where a parse error is: the list's name and the line of the filter being parsed. */
struct filters_where {
	const char *list;
	int line;
	char *err;
	size_t errlen;
};

/* Tetragon's event type names a filter's event_set may hold: first the eight it gives
 * ancestors to (CheckAncestorsEnabled's list, in its order, PROCESS_EXEC and PROCESS_EXIT
 * first), then the others. */
extern const char *const filters_i_types[];
#define FILTERS_I_NTYPES	 11
#define FILTERS_I_ANCESTOR_TYPES 8

/* "LIST line N: " and the message into w->err; returns -EINVAL. */
int filters_i_err(const struct filters_where *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The value of "capabilities" (NULL: JSON null, not given) into c: 0, or -EINVAL with the
 * list, line, field and value in w->err. */
int filters_i_parse_caps(
	const struct filters_where *w, struct caps_filter *c, struct fjson_object *v);
/* Whether c lets the event through: caps is permitted, effective, inheritable (FILTERS_CAP_*)
 * or NULL when the event carries no cap (then a given c never matches, as in Tetragon). */
bool filters_i_caps_match(const struct caps_filter *c, const uint64_t *caps);

/* Parse one list's text into l (what was built stays in l on error: free it with
 * filters_i_free_list). 0, or -EINVAL with "NAME line N: why" in err, or -ENOMEM. */
int filters_i_parse_list(
	struct filter_list *l, const char *name, const char *text, char *err, size_t errlen);
void filters_i_free_list(struct filter_list *l);

#endif
