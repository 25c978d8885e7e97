/* SPDX-License-Identifier: Apache-2.0 */
/* lib/fmt: decimals, and RFC 3339 times at each fraction width, at the edges of the years and
 * of the buffer, through the per-second cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lib/fmt.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* 2026-11-23T14:09:17Z */
#define T_NOV23 1795442957

static void test_u64(void **state)
{
	static const struct {
		uint64_t v;
		const char *want;
	} cases[] = {
		{0, "0"},
		{9, "9"},
		{10, "10"},
		{4242, "4242"},
		{4294967295u, "4294967295"},
		{UINT64_MAX, "18446744073709551615"},
	};
	char d[24];
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(d, 0x5a, sizeof(d));
		n = fmt_u64(d, cases[i].v);
		assert_int_equal(n, strlen(cases[i].want));
		assert_memory_equal(d, cases[i].want, n);
		assert_int_equal(d[n], 0x5a); /* no NUL */
	}
}

/* Tetragon's "time": nanoseconds, as event_json writes it (was ejson_time). */
static void test_time_format(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(fmt_rfc3339_ns(buf, sizeof(buf), 0, 9), 30);
	assert_string_equal(buf, "1970-01-01T00:00:00.000000000Z");
	fmt_rfc3339_ns(buf, sizeof(buf), 1696629837700327580LL, 9);
	assert_string_equal(buf, "2023-10-06T22:03:57.700327580Z");
	fmt_rfc3339_ns(buf, sizeof(buf), -1, 9);
	assert_string_equal(buf, "1969-12-31T23:59:59.999999999Z");
}

/* protojson's Timestamp (what Tetragon's export writes): trailing zero groups of three are
 * trimmed, so 0, 3, 6 or 9 digits; never 1, 2, 4, 5, 7 or 8. */
static void test_protojson_digits(void **state)
{
	static const struct {
		long nsec;
		const char *want;
	} cases[] = {
		{0, "2026-11-23T14:09:17Z"},
		{100000000, "2026-11-23T14:09:17.100Z"},
		{120000000, "2026-11-23T14:09:17.120Z"},
		{123000000, "2026-11-23T14:09:17.123Z"},
		{123400000, "2026-11-23T14:09:17.123400Z"},
		{123456000, "2026-11-23T14:09:17.123456Z"},
		{123456700, "2026-11-23T14:09:17.123456700Z"},
		{123456789, "2026-11-23T14:09:17.123456789Z"},
		{1000, "2026-11-23T14:09:17.000001Z"},
		{1, "2026-11-23T14:09:17.000000001Z"},
		{1000000, "2026-11-23T14:09:17.001Z"},
		{999999999, "2026-11-23T14:09:17.999999999Z"},
	};
	struct timespec ts = {T_NOV23, 0};
	char buf[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ts.tv_nsec = cases[i].nsec;
		n = fmt_rfc3339(buf, sizeof(buf), &ts, FMT_PROTOJSON);
		if (n != strlen(cases[i].want) || strcmp(buf, cases[i].want) != 0)
			fail_msg("case %zu: got %zu [%s], want [%s]", i, n, buf, cases[i].want);
	}
	/* Through the nanosecond form, before the epoch too, and with too little room. */
	assert_int_equal(fmt_rfc3339_ns(buf, sizeof(buf), 1500000000LL, FMT_PROTOJSON), 24);
	assert_string_equal(buf, "1970-01-01T00:00:01.500Z");
	fmt_rfc3339_ns(buf, sizeof(buf), -1000, FMT_PROTOJSON);
	assert_string_equal(buf, "1969-12-31T23:59:59.999999Z");
	ts.tv_nsec = 500000000;
	assert_int_equal(fmt_rfc3339(buf, 25, &ts, FMT_PROTOJSON), 24);
	assert_int_equal(fmt_rfc3339(buf, 24, &ts, FMT_PROTOJSON), 0);
	ts.tv_nsec = 1000000000L;
	assert_int_equal(fmt_rfc3339(buf, sizeof(buf), &ts, FMT_PROTOJSON), 0);
}

static void test_rfc3339(void **state)
{
	static const struct {
		time_t sec;
		long nsec;
		unsigned int digits;
		const char *want; /* "" for a refusal */
	} cases[] = {
		{0, 0, 6, "1970-01-01T00:00:00.000000Z"},
		{T_NOV23, 999999999, 6, "2026-11-23T14:09:17.999999Z"}, /* cut, not rounded */
		{T_NOV23, 1000, 6, "2026-11-23T14:09:17.000001Z"},
		{T_NOV23, 999, 6, "2026-11-23T14:09:17.000000Z"},
		{T_NOV23, 123456789, 0, "2026-11-23T14:09:17Z"},
		{T_NOV23, 123456789, 1, "2026-11-23T14:09:17.1Z"},
		{T_NOV23, 123456789, 3, "2026-11-23T14:09:17.123Z"},
		{T_NOV23, 123456789, 9, "2026-11-23T14:09:17.123456789Z"},
		{1767582245, 0, 6, "2026-01-05T03:04:05.000000Z"},
		{951782400, 0, 0, "2000-02-29T00:00:00Z"},
		{253402300799, 0, 6, "9999-12-31T23:59:59.000000Z"},
		{253402300800, 0, 0, "10000-01-01T00:00:00Z"}, /* as strftime's %Y */
		{-62167219200, 0, 0, "0000-01-01T00:00:00Z"},
		{-62135596800, 0, 0, "0001-01-01T00:00:00Z"},
		{-30610224000, 0, 0, "1000-01-01T00:00:00Z"},
		{-62167219201, 0, 0, ""}, /* year -1 */
		{T_NOV23, -1, 6, ""},
		{T_NOV23, 1000000000, 6, ""},
		{T_NOV23, 0, 10, ""},
	};
	char buf[64];
	struct timespec ts;
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ts.tv_sec = cases[i].sec;
		ts.tv_nsec = cases[i].nsec;
		memset(buf, 0x5a, sizeof(buf));
		n = fmt_rfc3339(buf, sizeof(buf), &ts, cases[i].digits);
		if (n != strlen(cases[i].want) || (n && strcmp(buf, cases[i].want) != 0))
			fail_msg("case %zu: got %zu [%.*s], want [%s]", i, n, (int)n, buf,
				cases[i].want);
	}
}

static void test_rfc3339_room(void **state)
{
	struct timespec ts = {T_NOV23, 123456789};
	char buf[32];

	(void)state;
	/* 30 bytes and the NUL: 31 is enough, 30 is not, and nothing is written then. */
	assert_int_equal(fmt_rfc3339(buf, 31, &ts, 9), 30);
	assert_string_equal(buf, "2026-11-23T14:09:17.123456789Z");
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(fmt_rfc3339(buf, 30, &ts, 9), 0);
	assert_int_equal(buf[0], 0x5a);
	assert_int_equal(fmt_rfc3339(buf, 21, &ts, 0), 20);
	assert_int_equal(fmt_rfc3339(buf, 20, &ts, 0), 0);
	assert_int_equal(fmt_rfc3339(buf, 0, &ts, 0), 0);
}

/* The cached second must never leak into another: alternate, step by one, refuse and resume. */
static void test_rfc3339_cache(void **state)
{
	static const time_t secs[] = {T_NOV23, T_NOV23 + 1, T_NOV23, 0, -62167219201, T_NOV23 + 1};
	char buf[64], want[64];
	struct timespec ts;
	struct tm tm;
	size_t i, n;

	(void)state;
	setenv("TZ", "EST5", 1); /* UTC whatever the zone */
	tzset();
	for (i = 0; i < ARRAY_SIZE(secs); i++) {
		ts.tv_sec = secs[i];
		ts.tv_nsec = (long)i;
		n = fmt_rfc3339(buf, sizeof(buf), &ts, 9);
		if (secs[i] < -62167219200) {
			assert_int_equal(n, 0);
			continue;
		}
		assert_non_null(gmtime_r(&ts.tv_sec, &tm));
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want + strlen(want), sizeof(want) - strlen(want), ".%09ldZ", ts.tv_nsec);
		assert_string_equal(buf, want);
		assert_int_equal(n, strlen(want));
	}
	unsetenv("TZ");
	tzset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_protojson_digits),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_rfc3339_room),
		cmocka_unit_test(test_rfc3339_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
