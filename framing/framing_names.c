/* SPDX-License-Identifier: Apache-2.0 */
/* Facility, severity, format and RFC 3164 timestamp names, both ways, from the one table in
 * framing.h. */
#include <stddef.h>
#include <string.h>

#include "framing/framing.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct name_value {
	const char *name;
	int value;
};

#define NAME_AT(name, value)	[value] = name,
#define NAME_VALUE(name, value) {name, value},

static const char *const facility_names[24] = {FRAMING_FACILITIES(NAME_AT)};
static const struct name_value facility_aliases[] = {FRAMING_FACILITY_ALIASES(NAME_VALUE)};
static const char *const severity_names[8] = {FRAMING_SEVERITIES(NAME_AT)};
static const struct name_value severity_aliases[] = {FRAMING_SEVERITY_ALIASES(NAME_VALUE)};

static const char *const format_names[] = {
	[FRAMING_JSON] = "json",
	[FRAMING_RFC3164] = "rfc3164",
	[FRAMING_RFC5424] = "rfc5424",
};

static const char *const time3164_names[] = {
	[FRAMING_3164_LOCAL] = "local",
	[FRAMING_3164_UTC] = "utc",
	[FRAMING_3164_RFC3339] = "rfc3339",
};

/* The index of name in names[0..n) (holes allowed), else its value in aliases, else -1. */
static int lookup(const char *const *names, size_t n, const struct name_value *aliases,
	size_t naliases, const char *name)
{
	size_t i;

	if (!name)
		return -1;
	for (i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return (int)i;
	for (i = 0; i < naliases; i++)
		if (strcmp(aliases[i].name, name) == 0)
			return aliases[i].value;
	return -1;
}

static const char *name_of(const char *const *names, size_t n, int value)
{
	if (value < 0 || (size_t)value >= n || !names[value])
		return "unknown";
	return names[value];
}

int framing_facility_from_name(const char *name)
{
	return lookup(facility_names, ARRAY_SIZE(facility_names), facility_aliases,
		ARRAY_SIZE(facility_aliases), name);
}

int framing_severity_from_name(const char *name)
{
	return lookup(severity_names, ARRAY_SIZE(severity_names), severity_aliases,
		ARRAY_SIZE(severity_aliases), name);
}

const char *framing_facility_name(int facility)
{
	return name_of(facility_names, ARRAY_SIZE(facility_names), facility);
}

const char *framing_severity_name(int severity)
{
	return name_of(severity_names, ARRAY_SIZE(severity_names), severity);
}

int framing_format_from_name(const char *name)
{
	return lookup(format_names, ARRAY_SIZE(format_names), NULL, 0, name);
}

const char *framing_format_name(enum framing_format format)
{
	return name_of(format_names, ARRAY_SIZE(format_names), (int)format);
}

int framing_3164_time_from_name(const char *name)
{
	return lookup(time3164_names, ARRAY_SIZE(time3164_names), NULL, 0, name);
}

const char *framing_3164_time_name(enum framing_3164_time t)
{
	return name_of(time3164_names, ARRAY_SIZE(time3164_names), (int)t);
}
