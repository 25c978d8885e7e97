/* SPDX-License-Identifier: Apache-2.0 */
/* framing/framing_names.c: every name both ways, the aliases, and what is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "framing/framing.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_facility_names(void **state)
{
	static const struct {
		const char *name;
		int value;
	} cases[] = {
		{"kern", 0},
		{"user", 1},
		{"mail", 2},
		{"daemon", 3},
		{"auth", 4},
		{"security", 4},
		{"syslog", 5},
		{"lpr", 6},
		{"news", 7},
		{"uucp", 8},
		{"cron", 9},
		{"authpriv", 10},
		{"ftp", 11},
		{"ntp", 12},
		{"bsd_security", 13},
		{"console", 14},
		{"local0", 16},
		{"local1", 17},
		{"local2", 18},
		{"local3", 19},
		{"local4", 20},
		{"local5", 21},
		{"local6", 22},
		{"local7", 23},
		{NULL, -1},
		{"", -1},
		{"USER", -1},
		{"User", -1},
		{"local8", -1},
		{"local", -1},
		{"bogus", -1},
		{"mark", -1},
		{"*", -1},
		{"user ", -1},
		{" user", -1},
		{"1", -1},
		{"info", -1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(framing_facility_from_name(cases[i].name), cases[i].value);
}

static void test_severity_names(void **state)
{
	static const struct {
		const char *name;
		int value;
	} cases[] = {
		{"emerg", 0},
		{"panic", 0},
		{"alert", 1},
		{"crit", 2},
		{"err", 3},
		{"error", 3},
		{"warning", 4},
		{"warn", 4},
		{"notice", 5},
		{"info", 6},
		{"debug", 7},
		{NULL, -1},
		{"", -1},
		{"INFO", -1},
		{"Err", -1},
		{"none", -1},
		{"*", -1},
		{"bogus", -1},
		{"8", -1},
		{"emergency", -1},
		{"user", -1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(framing_severity_from_name(cases[i].name), cases[i].value);
}

static void test_format_names(void **state)
{
	static const struct {
		const char *name;
		int value;
	} cases[] = {
		{"json", FRAMING_JSON},
		{"rfc3164", FRAMING_RFC3164},
		{"rfc5424", FRAMING_RFC5424},
		{NULL, -1},
		{"", -1},
		{"JSON", -1},
		{"RFC5424", -1},
		{"5424", -1},
		{"rfc", -1},
		{"bogus", -1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(framing_format_from_name(cases[i].name), cases[i].value);
	assert_string_equal(framing_format_name(FRAMING_JSON), "json");
	assert_string_equal(framing_format_name(FRAMING_RFC3164), "rfc3164");
	assert_string_equal(framing_format_name(FRAMING_RFC5424), "rfc5424");
	assert_string_equal(framing_format_name((enum framing_format)3), "unknown");
	assert_string_equal(framing_format_name((enum framing_format) - 1), "unknown");
}

/* The name written for each number; the parser reads it back to the same number. */
static void test_names_of_numbers(void **state)
{
	static const char *const facilities[24] = {"kern", "user", "mail", "daemon", "auth",
		"syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp", "bsd_security",
		"console", "clock", "local0", "local1", "local2", "local3", "local4", "local5",
		"local6", "local7"};
	static const char *const severities[8] = {
		"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};
	int i;

	(void)state;
	for (i = 0; i < 24; i++) {
		assert_string_equal(framing_facility_name(i), facilities[i]);
		assert_int_equal(framing_facility_from_name(framing_facility_name(i)), i);
	}
	for (i = 0; i < 8; i++) {
		assert_string_equal(framing_severity_name(i), severities[i]);
		assert_int_equal(framing_severity_from_name(framing_severity_name(i)), i);
	}
	/* Aliases are read, never written. */
	assert_string_equal(framing_facility_name(framing_facility_from_name("security")), "auth");
	assert_string_equal(framing_severity_name(framing_severity_from_name("panic")), "emerg");
	assert_string_equal(framing_severity_name(framing_severity_from_name("error")), "err");
	assert_string_equal(framing_severity_name(framing_severity_from_name("warn")), "warning");
	assert_string_equal(framing_facility_name(-1), "unknown");
	assert_string_equal(framing_facility_name(24), "unknown");
	assert_string_equal(framing_severity_name(-1), "unknown");
	assert_string_equal(framing_severity_name(8), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_facility_names),
		cmocka_unit_test(test_severity_names),
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_names_of_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
