/* SPDX-License-Identifier: Apache-2.0 */
/* Tetragon's capabilities filter field (CapFilter, CapFilterSet): reading it, matching it. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json.h>

#include "lib/capnames.h"
#include "shipper/admit/filters_int.h"

static const char *const set_names[FILTERS_CAP_SETS] = {
	[FILTERS_CAP_PERMITTED] = "permitted",
	[FILTERS_CAP_EFFECTIVE] = "effective",
	[FILTERS_CAP_INHERITABLE] = "inheritable",
};

/* CapFilterSet's fields, by enum caps_op. */
static const char *const op_names[] = {
	[CAPS_ANY] = "any",
	[CAPS_ALL] = "all",
	[CAPS_EXACTLY] = "exactly",
	[CAPS_NONE] = "none",
};

#define NOPS (sizeof(op_names) / sizeof(op_names[0]))

/* A name protojson would refuse, with the spelling it takes when there is one that is close:
 * the kernel's CAP_DAC_OVERRIDE is the proto's DAC_OVERRIDE, and enum names are upper case. */
static int bad_name(const struct filters_where *w, const char *field, const char *s)
{
	char hint[64] = "";
	unsigned bit;

	for (bit = 0; bit < CAPNAMES_BITS && capnames_name(bit); bit++) {
		const char *n = capnames_name(bit);

		if (!strcasecmp(n, s) || (!strncasecmp(s, "CAP_", 4) && !strcasecmp(n, s + 4))) {
			snprintf(hint, sizeof(hint), " (Tetragon's name is \"%s\")", n);
			break;
		}
	}
	return filters_i_err(w, "%s: unknown capability \"%s\"%s", field, s, hint);
}

/* One capability: its proto name or its number (protojson takes both for an enum). */
static int parse_cap(
	const struct filters_where *w, const char *field, struct fjson_object *e, uint64_t *mask)
{
	int64_t x;
	int bit;

	if (fjson_object_is_type(e, fjson_type_string)) {
		bit = capnames_bit(fjson_object_get_string(e));
		if (bit < 0)
			return bad_name(w, field, fjson_object_get_string(e));
		*mask |= 1ull << bit;
		return 0;
	}
	if (!fjson_object_is_type(e, fjson_type_int))
		return filters_i_err(w,
			"%s: %s is not a capability (a name such as \"CAP_SYS_ADMIN\" "
			"or a number 0..63)",
			field, e ? fjson_object_to_json_string(e) : "null");
	x = fjson_object_get_int64(e);
	if (x < 0 || x >= CAPNAMES_BITS)
		return filters_i_err(
			w, "%s: capability %" PRId64 " out of range (0..63)", field, x);
	*mask |= 1ull << x;
	return 0;
}

/* One CapFilterSet: exactly one of any/all/exactly/none, a non-empty array, as Tetragon's
 * ensureSingleSetDefined wants (an empty array or null is not given, as protojson reads it). */
static int parse_set(const struct filters_where *w, enum filters_cap_set which,
	struct caps_filter *c, struct fjson_object *v)
{
	struct fjson_object_iterator it, end;
	struct fjson_object *a;
	const char *key, *given = NULL;
	char field[64];
	size_t op;
	int i, n, ret;

	if (!v)
		return 0;
	if (!fjson_object_is_type(v, fjson_type_object))
		return filters_i_err(w,
			"capabilities.%s: expected an object with one of any, all, "
			"exactly, none",
			set_names[which]);
	it = fjson_object_iter_begin(v);
	end = fjson_object_iter_end(v);
	for (; !fjson_object_iter_equal(&it, &end); fjson_object_iter_next(&it)) {
		key = fjson_object_iter_peek_name(&it);
		a = fjson_object_iter_peek_value(&it);
		for (op = 1; op < NOPS && strcmp(op_names[op], key); op++)
			;
		snprintf(field, sizeof(field), "capabilities.%s.%s", set_names[which], key);
		if (op == NOPS)
			return filters_i_err(w,
				"capabilities.%s: unknown field \"%s\" (any, all, "
				"exactly, none)",
				set_names[which], key);
		if (a && !fjson_object_is_type(a, fjson_type_array))
			return filters_i_err(w, "%s: expected an array of capabilities", field);
		n = a ? fjson_object_array_length(a) : 0;
		if (n == 0)
			continue;
		if (given)
			return filters_i_err(w,
				"capabilities.%s: only one of any, all, exactly, none "
				"may be given, got %s and %s",
				set_names[which], given, key);
		given = op_names[op];
		c->set[which].op = (enum caps_op)op;
		for (i = 0; i < n; i++) {
			ret = parse_cap(
				w, field, fjson_object_array_get_idx(a, i), &c->set[which].mask);
			if (ret < 0)
				return ret;
		}
	}
	if (!given)
		return filters_i_err(w,
			"capabilities.%s: give one of any, all, exactly, none "
			"(a non-empty array)",
			set_names[which]);
	return 0;
}

int filters_i_parse_caps(
	const struct filters_where *w, struct caps_filter *c, struct fjson_object *v)
{
	struct fjson_object_iterator it, end;
	const char *key;
	size_t i;
	int ret;

	if (!v)
		return 0;
	if (!fjson_object_is_type(v, fjson_type_object))
		return filters_i_err(w, "capabilities: expected an object with permitted, "
					"effective or inheritable");
	c->given = true;
	it = fjson_object_iter_begin(v);
	end = fjson_object_iter_end(v);
	for (; !fjson_object_iter_equal(&it, &end); fjson_object_iter_next(&it)) {
		key = fjson_object_iter_peek_name(&it);
		for (i = 0; i < FILTERS_CAP_SETS && strcmp(set_names[i], key); i++)
			;
		if (i == FILTERS_CAP_SETS)
			return filters_i_err(w,
				"capabilities: unknown field \"%s\" (permitted, "
				"effective, inheritable)",
				key);
		ret = parse_set(w, (enum filters_cap_set)i, c, fjson_object_iter_peek_value(&it));
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ---- matching (hot path) ------------------------------------------------------------------ */

static bool set_match(enum caps_op op, uint64_t mask, uint64_t caps)
{
	switch (op) {
	case CAPS_ANY:
		return (caps & mask) != 0;
	case CAPS_ALL:
		return (caps & mask) == mask;
	case CAPS_EXACTLY:
		return caps == mask;
	case CAPS_NONE:
		return (caps & mask) == 0;
	case CAPS_UNSET:
		break;
	}
	return true;
}

bool filters_i_caps_match(const struct caps_filter *c, const uint64_t *caps)
{
	size_t i;

	if (!c->given)
		return true;
	if (!caps)
		return false;
	for (i = 0; i < FILTERS_CAP_SETS; i++)
		if (!set_match(c->set[i].op, c->set[i].mask, caps[i]))
			return false;
	return true;
}
