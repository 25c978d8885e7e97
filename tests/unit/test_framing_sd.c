/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for framing/framing.c's RFC 5424 [meta] and [origin] elements (sections 7.3 and
 * 7.2), the sequenceId wrap, and the choice of RFC 3164 timestamp. Linked with framing/ and
 * lib/ only. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "framing/framing.h"

/* 2026-11-23T14:09:17.123456789Z */
#define T_NOV23 1795442957

static char out[1024];

static struct framing_header base_hdr(void)
{
	struct framing_header hdr = {
		.facility = 1,
		.severity = 5,
		.time = {.tv_sec = T_NOV23, .tv_nsec = 123456789},
		.hostname = "host1",
		.app_name = "procship",
		.procid = "42",
		.msgid = "exec",
	};
	return hdr;
}

static void expect(enum framing_format format, const struct framing_header *hdr, const char *msg,
	const char *want)
{
	bool truncated = true;
	ssize_t n = framing_build(out, sizeof(out), format, hdr, msg, strlen(msg), &truncated);

	assert_true(n >= 0);
	if ((size_t)n != strlen(want))
		fprintf(stderr, "got  [%.*s]\nwant [%s]\n", (int)n, out, want);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, strlen(want));
	assert_false(truncated);
}

static void test_meta_and_origin(void **state)
{
	struct framing_header hdr = base_hdr();
	struct framing_meta meta = {7, 12345, "procship", "1.2.3"};

	(void)state;
	hdr.meta = &meta;
	expect(FRAMING_RFC5424, &hdr, "{}",
		"<13>1 2026-11-23T14:09:17.123456Z host1 procship 42 exec "
		"[meta sequenceId=\"7\" sysUpTime=\"12345\"]"
		"[origin software=\"procship\" swVersion=\"1.2.3\"] {}");
	/* No software: [meta] alone (a relayed message has an originator of its own). */
	meta.software = NULL;
	expect(FRAMING_RFC5424, &hdr, "{}",
		"<13>1 2026-11-23T14:09:17.123456Z host1 procship 42 exec "
		"[meta sequenceId=\"7\" sysUpTime=\"12345\"] {}");
	/* No sequence number: [origin] alone, without swVersion when there is none. */
	meta = (struct framing_meta){0, 99, "procship", NULL};
	expect(FRAMING_RFC5424, &hdr, "{}",
		"<13>1 2026-11-23T14:09:17.123456Z host1 procship 42 exec "
		"[origin software=\"procship\"] {}");
	/* Neither: NILVALUE, as without meta. */
	meta.software = "";
	expect(FRAMING_RFC5424, &hdr, "{}",
		"<13>1 2026-11-23T14:09:17.123456Z host1 procship 42 exec - {}");
	/* The widest numbers. */
	meta = (struct framing_meta){FRAMING_SEQUENCE_MAX, UINT32_MAX, NULL, NULL};
	expect(FRAMING_RFC5424, &hdr, "m",
		"<13>1 2026-11-23T14:09:17.123456Z host1 procship 42 exec "
		"[meta sequenceId=\"2147483647\" sysUpTime=\"4294967295\"] m");
}

/* The caller's own element comes first, then [meta]; values are escaped as in any element. */
static void test_meta_after_element(void **state)
{
	static const struct framing_sd_param params[] = {{"k", "v"}};
	struct framing_header hdr = base_hdr();
	struct framing_meta meta = {1, 0, "a\"b]", "x\\y"};

	(void)state;
	hdr.sd_id = "ex@32473";
	hdr.sd_params = params;
	hdr.sd_nparams = 1;
	hdr.meta = &meta;
	expect(FRAMING_RFC5424, &hdr, "",
		"<13>1 2026-11-23T14:09:17.123456Z host1 procship 42 exec [ex@32473 k=\"v\"]"
		"[meta sequenceId=\"1\" sysUpTime=\"0\"]"
		"[origin software=\"a\\\"b\\]\" swVersion=\"x\\\\y\"]");
}

/* RFC 3164 and bare JSON have no place for it: the same bytes as without. */
static void test_meta_elsewhere_ignored(void **state)
{
	struct framing_header hdr = base_hdr();
	struct framing_meta meta = {5, 1, "procship", "1"};

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	hdr.meta = &meta;
	expect(FRAMING_RFC3164, &hdr, "{}", "<13>Nov 23 14:09:17 host1 procship[42]: {}");
	expect(FRAMING_JSON, &hdr, "{}", "{}");
}

/* A header that does not fit with its SD is refused whole, never cut inside [meta]. */
static void test_meta_never_cut(void **state)
{
	struct framing_header hdr = base_hdr();
	struct framing_meta meta = {123, 456, NULL, NULL};
	const char *want = "<13>1 2026-11-23T14:09:17.123456Z host1 procship 42 exec "
			   "[meta sequenceId=\"123\" sysUpTime=\"456\"] ";
	size_t hlen = strlen(want);
	bool truncated = false;

	(void)state;
	hdr.meta = &meta;
	assert_int_equal(
		framing_build(out, hlen - 1, FRAMING_RFC5424, &hdr, "xyz", 3, &truncated), -ENOSPC);
	assert_int_equal(framing_build(out, hlen + 1, FRAMING_RFC5424, &hdr, "xyz", 3, &truncated),
		hlen + 1);
	assert_true(truncated);
	assert_memory_equal(out, want, hlen);
}

static void test_sequence_next(void **state)
{
	(void)state;
	assert_int_equal(framing_sequence_next(0), 1);
	assert_int_equal(framing_sequence_next(1), 2);
	assert_int_equal(framing_sequence_next(FRAMING_SEQUENCE_MAX - 1), FRAMING_SEQUENCE_MAX);
	assert_int_equal(framing_sequence_next(FRAMING_SEQUENCE_MAX), 1);
	assert_int_equal(framing_sequence_next(UINT32_MAX), 1);
}

static void test_3164_time_choices(void **state)
{
	struct framing_header hdr = base_hdr();

	(void)state;
	/* EST5: a fixed UTC-5 zone, so local and UTC differ by five hours. */
	setenv("TZ", "EST5", 1);
	tzset();
	hdr.time3164 = FRAMING_3164_LOCAL;
	expect(FRAMING_RFC3164, &hdr, "m", "<13>Nov 23 09:09:17 host1 procship[42]: m");
	hdr.time3164 = FRAMING_3164_UTC;
	expect(FRAMING_RFC3164, &hdr, "m", "<13>Nov 23 14:09:17 host1 procship[42]: m");
	hdr.time3164 = FRAMING_3164_RFC3339;
	expect(FRAMING_RFC3164, &hdr, "m", "<13>2026-11-23T14:09:17.123456Z host1 procship[42]: m");
	/* The day of the month follows the zone too. */
	hdr.time.tv_sec = 1767582245; /* 2026-01-05T03:04:05Z */
	hdr.time3164 = FRAMING_3164_UTC;
	expect(FRAMING_RFC3164, &hdr, "m", "<13>Jan  5 03:04:05 host1 procship[42]: m");
	hdr.time3164 = FRAMING_3164_LOCAL;
	expect(FRAMING_RFC3164, &hdr, "m", "<13>Jan  4 22:04:05 host1 procship[42]: m");
	/* RFC 5424 is always UTC whatever the RFC 3164 choice. */
	hdr.time3164 = FRAMING_3164_UTC;
	expect(FRAMING_RFC5424, &hdr, "m",
		"<13>1 2026-01-05T03:04:05.123456Z host1 procship 42 exec - m");
	hdr.time3164 = (enum framing_3164_time)7;
	assert_int_equal(
		framing_build(out, sizeof(out), FRAMING_RFC3164, &hdr, "m", 1, NULL), -EINVAL);
	setenv("TZ", "UTC", 1);
	tzset();
}

static void test_3164_time_names(void **state)
{
	(void)state;
	assert_int_equal(framing_3164_time_from_name("local"), FRAMING_3164_LOCAL);
	assert_int_equal(framing_3164_time_from_name("utc"), FRAMING_3164_UTC);
	assert_int_equal(framing_3164_time_from_name("rfc3339"), FRAMING_3164_RFC3339);
	assert_int_equal(framing_3164_time_from_name("UTC"), -1);
	assert_int_equal(framing_3164_time_from_name(NULL), -1);
	assert_string_equal(framing_3164_time_name(FRAMING_3164_RFC3339), "rfc3339");
	assert_string_equal(framing_3164_time_name((enum framing_3164_time)9), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meta_and_origin),
		cmocka_unit_test(test_meta_after_element),
		cmocka_unit_test(test_meta_elsewhere_ignored),
		cmocka_unit_test(test_meta_never_cut),
		cmocka_unit_test(test_sequence_next),
		cmocka_unit_test(test_3164_time_choices),
		cmocka_unit_test(test_3164_time_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
