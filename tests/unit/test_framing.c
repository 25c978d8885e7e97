/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for framing/framing.c: exact bytes of every format, field limits, escaping and
 * truncation. Linked with framing/ and lib/ only (and the mock log, which framing never
 * calls). */
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

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CANARY	      ((char)0xa5)

/* 2026-11-23T14:09:17.123456789Z and 2026-01-05T03:04:05Z */
#define T_NOV23 1795442957
#define T_JAN05 1767582245
/* What base_hdr() frames before the SD (RFC 5424) or the MSG (RFC 3164). */
#define H5424 "<13>1 2026-11-23T14:09:17.123456Z host1 procship 42 exec "
#define H3164 "<13>Nov 23 14:09:17 host1 procship[42]: "

static char out[4096];

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

/* Builds into out, which is filled with a canary first so the test sees that nothing is
 * written past the returned length (in particular no NUL). */
static ssize_t build_n(enum framing_format format, const struct framing_header *hdr,
	const char *msg, size_t msg_len, size_t size, bool *truncated)
{
	ssize_t n;

	assert_true(size < sizeof(out));
	memset(out, CANARY, sizeof(out));
	n = framing_build(out, size, format, hdr, msg, msg_len, truncated);
	if (n >= 0) {
		assert_true((size_t)n <= size);
		assert_int_equal(out[n], CANARY);
	}
	return n;
}

static ssize_t build(enum framing_format format, const struct framing_header *hdr, const char *msg,
	size_t size, bool *truncated)
{
	return build_n(format, hdr, msg, msg ? strlen(msg) : 0, size, truncated);
}

static void assert_out(ssize_t n, const char *want)
{
	assert_true(n >= 0);
	if ((size_t)n != strlen(want))
		fprintf(stderr, "got  [%.*s]\nwant [%s]\n", (int)n, out, want);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, strlen(want));
}

/* Builds the full message with a roomy buffer and checks the exact bytes. */
static void expect(enum framing_format format, const struct framing_header *hdr, const char *msg,
	const char *want)
{
	bool truncated = true;

	assert_out(build(format, hdr, msg, sizeof(out) - 1, &truncated), want);
	assert_false(truncated);
}

static char *repeat(char *dst, char c, size_t n)
{
	memset(dst, c, n);
	dst[n] = '\0';
	return dst;
}

/* ---- RFC 5424 ------------------------------------------------------------------------- */

static void test_5424_basic(void **state)
{
	static const char *const absent[] = {NULL, ""};
	struct framing_header hdr = base_hdr();
	size_t i;

	(void)state;
	expect(FRAMING_RFC5424, &hdr, "hello world", H5424 "- hello world");
	/* No MSG: no space after SD, and BOM and cookie go with the MSG they introduce. */
	hdr.bom = true;
	hdr.cee = true;
	expect(FRAMING_RFC5424, &hdr, "", H5424 "-");
	expect(FRAMING_RFC5424, &hdr, NULL, H5424 "-");
	hdr = base_hdr();
	for (i = 0; i < ARRAY_SIZE(absent); i++) {
		hdr.hostname = hdr.app_name = hdr.procid = hdr.msgid = absent[i];
		hdr.sd_id = absent[i];
		expect(FRAMING_RFC5424, &hdr, "m", "<13>1 2026-11-23T14:09:17.123456Z - - - - - m");
	}
}

static void test_5424_field_limits(void **state)
{
	static const size_t max[4] = {255, 48, 128, 32}; /* hostname, app, procid, msgid */
	/* Lengths relative to the limit: below, at, one over, far over. */
	static const int deltas[] = {-1, 0, 1, 100};
	char value[512], kept[512], want[4 * 512 + 64];
	const char *fields[4], *wants[4];
	struct framing_header hdr;
	size_t i, j, k, len;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(max); i++) {
		for (j = 0; j < ARRAY_SIZE(deltas); j++) {
			len = max[i] + deltas[j];
			for (k = 0; k < 4; k++)
				fields[k] = wants[k] = "x";
			fields[i] = repeat(value, 'a', len);
			wants[i] = repeat(kept, 'a', len < max[i] ? len : max[i]);
			hdr = base_hdr();
			hdr.hostname = fields[0];
			hdr.app_name = fields[1];
			hdr.procid = fields[2];
			hdr.msgid = fields[3];
			snprintf(want, sizeof(want),
				"<13>1 2026-11-23T14:09:17.123456Z %s %s %s %s - m", wants[0],
				wants[1], wants[2], wants[3]);
			expect(FRAMING_RFC5424, &hdr, "m", want);
		}
	}
}

static void test_5424_header_chars(void **state)
{
	struct framing_header hdr = base_hdr();

	(void)state;
	/* Only PRINTUSASCII (33..126) survives; a space or newline never shifts a field. */
	hdr.hostname = "evil\nhost name";
	hdr.app_name = "a\tb\rc";
	hdr.procid = "1 2\x7f";
	hdr.msgid = "\xc3\xa9t\xe9";
	expect(FRAMING_RFC5424, &hdr, "m",
		"<13>1 2026-11-23T14:09:17.123456Z evil_host_name a_b_c 1_2_ __t_ - m");
	/* "~" (126) and "!" (33) are the edges of the allowed set. */
	hdr.hostname = "!~";
	hdr.app_name = "-";
	expect(FRAMING_RFC5424, &hdr, "m", "<13>1 2026-11-23T14:09:17.123456Z !~ - 1_2_ __t_ - m");
}

static void test_5424_timestamp(void **state)
{
	static const struct {
		time_t sec;
		long nsec;
		const char *want;
	} cases[] = {
		{0, 0, "1970-01-01T00:00:00.000000Z"},
		{T_NOV23, 123456789, "2026-11-23T14:09:17.123456Z"},
		{T_NOV23, 999999999, "2026-11-23T14:09:17.999999Z"}, /* cut, not rounded */
		{T_NOV23, 1000, "2026-11-23T14:09:17.000001Z"},
		{T_NOV23, 999, "2026-11-23T14:09:17.000000Z"},
		{T_JAN05, 0, "2026-01-05T03:04:05.000000Z"},
		{253402300799, 0, "9999-12-31T23:59:59.000000Z"},
		{253402300800, 0, "-"}, /* year 10000 has no RFC 3339 form */
		{T_NOV23, -1, "-"},
		{T_NOV23, 1000000000, "-"},
	};
	struct framing_header hdr = base_hdr();
	char want[256];
	size_t i, k;

	(void)state;
	for (i = 0; i < 2 * ARRAY_SIZE(cases); i++) {
		/* UTC whatever the zone: the second round runs in EST5. */
		if ((k = i % ARRAY_SIZE(cases)) == 0 && i > 0) {
			setenv("TZ", "EST5", 1);
			tzset();
		}
		hdr.time.tv_sec = cases[k].sec;
		hdr.time.tv_nsec = cases[k].nsec;
		snprintf(want, sizeof(want), "<13>1 %s host1 procship 42 exec - m", cases[k].want);
		expect(FRAMING_RFC5424, &hdr, "m", want);
	}
	setenv("TZ", "UTC", 1);
	tzset();
}

static void test_5424_sd_escaping(void **state)
{
	static const struct {
		const char *value;
		const char *want;
	} cases[] = {
		{"plain", "plain"},
		{"", ""},
		{NULL, ""},
		{"a\"b", "a\\\"b"},
		{"a\\b", "a\\\\b"},
		{"a]b", "a\\]b"},
		{"\"\\]", "\\\"\\\\\\]"},
		{"[x=y ]", "[x=y \\]"}, /* '[', '=' and ' ' need no escape in a value */
		{"caf\xc3\xa9", "caf\xc3\xa9"},
		{"line\nbreak\ttab\x7f", "line_break_tab_"},
	};
	struct framing_sd_param param;
	struct framing_header hdr = base_hdr();
	char want[256];
	size_t i;

	(void)state;
	hdr.sd_id = "proc@32473";
	hdr.sd_params = &param;
	hdr.sd_nparams = 1;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		param.name = "v";
		param.value = cases[i].value;
		snprintf(want, sizeof(want), H5424 "[proc@32473 v=\"%s\"] m", cases[i].want);
		expect(FRAMING_RFC5424, &hdr, "m", want);
	}
}

static void test_5424_sd_params(void **state)
{
	static const struct framing_sd_param params[] = {
		{"exe", "/usr/bin/true"},
		{NULL, "skipped"},
		{"", "skipped too"},
		{"uid", "0"},
	};
	struct framing_header hdr = base_hdr();

	(void)state;
	hdr.sd_id = "proc@32473";
	hdr.sd_params = params;
	hdr.sd_nparams = ARRAY_SIZE(params);
	expect(FRAMING_RFC5424, &hdr, "m", H5424 "[proc@32473 exe=\"/usr/bin/true\" uid=\"0\"] m");

	/* An SD-ELEMENT without parameters is legal (RFC 5424 section 6.3.1). */
	hdr.sd_nparams = 0;
	expect(FRAMING_RFC5424, &hdr, "m", H5424 "[proc@32473] m");
	hdr.sd_params = NULL;
	hdr.sd_nparams = 3;
	expect(FRAMING_RFC5424, &hdr, "m", H5424 "[proc@32473] m");

	/* Parameters without an SD-ID are ignored. */
	hdr.sd_id = NULL;
	hdr.sd_params = params;
	hdr.sd_nparams = ARRAY_SIZE(params);
	expect(FRAMING_RFC5424, &hdr, "m", H5424 "- m");
}

static void test_5424_sd_names(void **state)
{
	struct framing_sd_param param = {NULL, "v"};
	struct framing_header hdr = base_hdr();
	char name[64], id[64], want[512];

	(void)state;
	hdr.sd_params = &param;
	hdr.sd_nparams = 1;

	/* '=', ' ', ']', '"' and non-PRINTUSASCII are refused in an SD-NAME. */
	hdr.sd_id = "i d]x";
	param.name = "a b=c]d\"e\nf";
	expect(FRAMING_RFC5424, &hdr, "m",
		H5424 "[i_d_x "
		      "a_b_c_d_e_f=\"v\"] m");

	/* 32 bytes is kept whole, 33 is cut to 32. */
	hdr.sd_id = repeat(id, 'i', 32);
	param.name = repeat(name, 'n', 32);
	snprintf(want, sizeof(want), H5424 "[%s %s=\"v\"] m", id, name);
	expect(FRAMING_RFC5424, &hdr, "m", want);
	repeat(id, 'i', 33);
	repeat(name, 'n', 33);
	expect(FRAMING_RFC5424, &hdr, "m", want);
}

static void test_5424_msg(void **state)
{
	static const char msg[] = "multi\nline\0with nul \xff";
	static const char want[] = H5424 "- "
					 "multi\nline\0with nul \xff";
	struct framing_header hdr = base_hdr();
	bool truncated;
	ssize_t n;

	(void)state;
	expect(FRAMING_RFC5424, &hdr, "m", H5424 "- m");
	/* The payload goes out byte for byte. */
	n = build_n(FRAMING_RFC5424, &hdr, msg, sizeof(msg) - 1, 1000, &truncated);
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, sizeof(want) - 1);
	assert_false(truncated);
	hdr.bom = true;
	expect(FRAMING_RFC5424, &hdr, "m", H5424 "- \xef\xbb\xbfm");
	hdr.cee = true;
	expect(FRAMING_RFC5424, &hdr, "{}", H5424 "- \xef\xbb\xbf@cee:{}");
}

/* ---- RFC 3164 ------------------------------------------------------------------------- */

static void test_3164_fields(void **state)
{
	struct framing_header hdr = base_hdr();

	(void)state;
	expect(FRAMING_RFC3164, &hdr, "hello world", H3164 "hello world");
	hdr.hostname = NULL;
	hdr.procid = NULL;
	expect(FRAMING_RFC3164, &hdr, "m", "<13>Nov 23 14:09:17 - procship: m");
	hdr.hostname = "";
	hdr.procid = "";
	hdr.app_name = NULL;
	expect(FRAMING_RFC3164, &hdr, "m", "<13>Nov 23 14:09:17 - -: m");
	/* msgid, SD and BOM have no place in RFC 3164. */
	hdr = base_hdr();
	hdr.sd_id = "proc@32473";
	hdr.bom = true;
	expect(FRAMING_RFC3164, &hdr, "m", H3164 "m");
	/* An empty MSG keeps the ':' but not the space after it. */
	expect(FRAMING_RFC3164, &hdr, "", "<13>Nov 23 14:09:17 host1 procship[42]:");
}

static void test_3164_time(void **state)
{
	static const struct {
		time_t sec;
		const char *want;
	} cases[] = {
		{T_JAN05, "Jan  5 03:04:05"},
		{T_NOV23, "Nov 23 14:09:17"},
		{0, "Jan  1 00:00:00"},
		{1798761599, "Dec 31 23:59:59"},
		{1772323200, "Mar  1 00:00:00"},
	};
	struct framing_header hdr = base_hdr();
	char want[128];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		hdr.time.tv_sec = cases[i].sec;
		snprintf(want, sizeof(want), "<13>%s host1 procship[42]: m", cases[i].want);
		expect(FRAMING_RFC3164, &hdr, "m", want);
	}
	hdr = base_hdr();
	/* EST5 is a fixed UTC-5 zone without DST rules. */
	setenv("TZ", "EST5", 1);
	tzset();
	expect(FRAMING_RFC3164, &hdr, "m", "<13>Nov 23 09:09:17 host1 procship[42]: m");
	hdr.time.tv_sec = T_JAN05;
	expect(FRAMING_RFC3164, &hdr, "m", "<13>Jan  4 22:04:05 host1 procship[42]: m");
	setenv("TZ", "UTC", 1);
	tzset();
}

static void test_3164_tag(void **state)
{
	static const struct {
		const char *app_name;
		const char *want;
	} cases[] = {
		{"procship", "procship"},
		{"a/b-c_d.e09AZ", "a/b-c_d.e09AZ"},
		{"my prog", "my_prog"},
		{"x:y[1]", "x_y_1_"},
		{"new\nline", "new_line"},
		{"caf\xc3\xa9", "caf__"},
		{NULL, "-"},
		{"", "-"},
		/* 31, 32, 33 and 42 bytes: the TAG keeps 32 (RFC 3164 section 4.1.3). */
		{"0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcde"},
		{"0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"},
		{"0123456789abcdef0123456789abcdefX", "0123456789abcdef0123456789abcdef"},
		{"0123456789abcdef0123456789abcdef0123456789", "0123456789abcdef0123456789abcdef"},
	};
	struct framing_header hdr = base_hdr();
	char want[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		hdr.app_name = cases[i].app_name;
		snprintf(want, sizeof(want), "<13>Nov 23 14:09:17 host1 %s[42]: m", cases[i].want);
		expect(FRAMING_RFC3164, &hdr, "m", want);
	}
}

static void test_3164_header_chars(void **state)
{
	struct framing_header hdr = base_hdr();
	char host[300], want[512];

	(void)state;
	hdr.hostname = "evil\nhost name";
	hdr.procid = "1] x\n";
	expect(FRAMING_RFC3164, &hdr, "m", "<13>Nov 23 14:09:17 evil_host_name procship[1__x_]: m");

	hdr = base_hdr();
	hdr.hostname = repeat(host, 'h', 256);
	snprintf(want, sizeof(want), "<13>Nov 23 14:09:17 %.255s procship[42]: m", host);
	expect(FRAMING_RFC3164, &hdr, "m", want);
}

/* ---- both formats ------------------------------------------------------------------------ */

static void test_pri(void **state)
{
	static const struct {
		int facility, severity;
		const char *pri;
	} cases[] = {
		{0, 0, "<0>"},	  /* kern.emerg */
		{1, 5, "<13>"},	  /* user.notice */
		{4, 2, "<34>"},	  /* auth.crit, RFC 5424 section 6.5 example 1 */
		{16, 6, "<134>"}, /* local0.info */
		{23, 7, "<191>"}, /* local7.debug */
	};
	static const struct {
		int facility, severity;
	} bad[] = {{-1, 0}, {24, 0}, {0, -1}, {0, 8}, {100, 100}};
	static const enum framing_format formats[] = {FRAMING_RFC3164, FRAMING_RFC5424};
	struct framing_header hdr = base_hdr();
	char want[256];
	bool truncated;
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		hdr.facility = cases[i].facility;
		hdr.severity = cases[i].severity;
		snprintf(want, sizeof(want),
			"%s1 2026-11-23T14:09:17.123456Z host1 procship 42 exec - m", cases[i].pri);
		expect(FRAMING_RFC5424, &hdr, "m", want);
		snprintf(want, sizeof(want), "%sNov 23 14:09:17 host1 procship[42]: m",
			cases[i].pri);
		expect(FRAMING_RFC3164, &hdr, "m", want);
	}
	/* Out of range: refused. */
	for (j = 0; j < ARRAY_SIZE(formats); j++) {
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			hdr.facility = bad[i].facility;
			hdr.severity = bad[i].severity;
			assert_int_equal(build(formats[j], &hdr, "m", 1000, &truncated), -EINVAL);
		}
		assert_int_equal(build(formats[j], NULL, "m", 1000, &truncated), -EINVAL);
	}
}

static void test_cee(void **state)
{
	static const struct {
		enum framing_format format;
		bool cee;
		const char *msg;
		const char *want;
	} cases[] = {
		{FRAMING_JSON, false, "{\"a\":1}", "{\"a\":1}"},
		{FRAMING_JSON, true, "{\"a\":1}", "@cee:{\"a\":1}"},
		{FRAMING_JSON, true, "", ""},
		{FRAMING_RFC3164, false, "{\"a\":1}", H3164 "{\"a\":1}"},
		{FRAMING_RFC3164, true, "{\"a\":1}", H3164 "@cee:{\"a\":1}"},
		{FRAMING_RFC3164, true, "", "<13>Nov 23 14:09:17 host1 procship[42]:"},
		{FRAMING_RFC5424, false, "{\"a\":1}", H5424 "- {\"a\":1}"},
		{FRAMING_RFC5424, true, "{\"a\":1}",
			H5424 "- "
			      "@cee:{\"a\":1}"},
		{FRAMING_RFC5424, true, "", H5424 "-"},
	};
	struct framing_header hdr = base_hdr();
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		hdr.cee = cases[i].cee;
		expect(cases[i].format, &hdr, cases[i].msg, cases[i].want);
	}
}

/* ---- JSON and dispatch ------------------------------------------------------------------- */

static void test_json_passthrough(void **state)
{
	static const char msg[] = "{\"exe\":\"/bin/sh\",\"args\":\"a\\nb\"}\n\0\xff\xc3\xa9";
	struct framing_header hdr = base_hdr();
	bool truncated = true;
	ssize_t n;

	(void)state;
	/* Every header field is ignored; the payload goes out byte for byte. */
	hdr.bom = true;
	n = build_n(FRAMING_JSON, &hdr, msg, sizeof(msg) - 1, 1000, &truncated);
	assert_int_equal(n, sizeof(msg) - 1);
	assert_memory_equal(out, msg, sizeof(msg) - 1);
	assert_false(truncated);

	/* The JSON format needs no header at all. */
	truncated = true;
	n = build_n(FRAMING_JSON, NULL, msg, sizeof(msg) - 1, 1000, &truncated);
	assert_int_equal(n, sizeof(msg) - 1);
	assert_memory_equal(out, msg, sizeof(msg) - 1);
	assert_false(truncated);

	n = build_n(FRAMING_JSON, NULL, NULL, 0, 0, &truncated);
	assert_int_equal(n, 0);
	assert_false(truncated);
}

static void test_build_dispatch(void **state)
{
	static const enum framing_format formats[] = {
		FRAMING_JSON, FRAMING_RFC3164, FRAMING_RFC5424};
	struct framing_header hdr = base_hdr();
	char direct[512];
	ssize_t n, m;
	bool truncated;
	size_t i;

	(void)state;
	hdr.cee = true;
	for (i = 0; i < ARRAY_SIZE(formats); i++) {
		n = build(formats[i], &hdr, "payload", 1000, &truncated);
		switch (formats[i]) {
		case FRAMING_JSON:
			m = framing_json(direct, sizeof(direct), &hdr, "payload", 7, &truncated);
			break;
		case FRAMING_RFC3164:
			m = framing_rfc3164(direct, sizeof(direct), &hdr, "payload", 7, &truncated);
			break;
		default:
			m = framing_rfc5424(direct, sizeof(direct), &hdr, "payload", 7, &truncated);
			break;
		}
		assert_true(n > 0);
		assert_int_equal(n, m);
		assert_memory_equal(out, direct, n);
	}
	assert_int_equal(build((enum framing_format)3, &hdr, "m", 1000, &truncated), -EINVAL);
	assert_int_equal(build((enum framing_format) - 1, &hdr, "m", 1000, &truncated), -EINVAL);
}

/* ---- truncation -------------------------------------------------------------------------- */

static void test_truncation_sizes(void **state)
{
	static const char hdr5424[] = H5424 "-";
	static const char hdr3164[] = H3164 "@cee:";
	static const char bom5424[] = H5424 "- \xef\xbb\xbf";
	const size_t h = sizeof(hdr5424) - 1, h3 = sizeof(hdr3164) - 1;
	struct framing_header hdr = base_hdr();
	char want[256];
	bool truncated;

	(void)state;
	/* Empty MSG, header fits exactly. */
	truncated = true;
	assert_out(build(FRAMING_RFC5424, &hdr, "", h, &truncated), hdr5424);
	assert_false(truncated);
	/* One byte short of the header. */
	assert_int_equal(build(FRAMING_RFC5424, &hdr, "", h - 1, &truncated), -ENOSPC);
	assert_int_equal(build(FRAMING_RFC5424, &hdr, "hello", h - 1, &truncated), -ENOSPC);
	/* The space before MSG belongs to the header: without room for it, no message. */
	assert_int_equal(build(FRAMING_RFC5424, &hdr, "hello", h, &truncated), -ENOSPC);
	/* Header and separator fit, not a byte of the payload. */
	truncated = false;
	snprintf(want, sizeof(want), "%s ", hdr5424);
	assert_out(build(FRAMING_RFC5424, &hdr, "hello", h + 1, &truncated), want);
	assert_true(truncated);
	/* Payload cut by one byte. */
	snprintf(want, sizeof(want), "%s hell", hdr5424);
	assert_out(build(FRAMING_RFC5424, &hdr, "hello", h + 5, &truncated), want);
	assert_true(truncated);
	/* Exact fit, and *truncated goes back to false. */
	snprintf(want, sizeof(want), "%s hello", hdr5424);
	assert_out(build(FRAMING_RFC5424, &hdr, "hello", h + 6, &truncated), want);
	assert_false(truncated);
	/* A zero-sized buffer may be NULL. */
	assert_int_equal(
		framing_build(NULL, 0, FRAMING_RFC5424, &hdr, "m", 1, &truncated), -ENOSPC);
	assert_int_equal(
		framing_build(NULL, 0, FRAMING_RFC3164, &hdr, "m", 1, &truncated), -ENOSPC);
	/* A NULL truncated pointer is allowed. */
	snprintf(want, sizeof(want), "%s he", hdr5424);
	assert_out(build(FRAMING_RFC5424, &hdr, "hello", h + 3, NULL), want);
	hdr = base_hdr();
	/* The cookie is never cut: it is part of the header. */
	hdr.cee = true;
	assert_int_equal(build(FRAMING_RFC3164, &hdr, "{}", h3 - 1, &truncated), -ENOSPC);
	assert_out(build(FRAMING_RFC3164, &hdr, "{}", h3 + 1, &truncated), H3164 "@cee:{");
	assert_true(truncated);
	assert_int_equal(build(FRAMING_JSON, &hdr, "{}", 4, &truncated), -ENOSPC);
	assert_out(build(FRAMING_JSON, &hdr, "{}", 5, &truncated), "@cee:");
	assert_true(truncated);
	/* The BOM is not cut either. */
	hdr.cee = false;
	hdr.bom = true;
	assert_int_equal(
		build(FRAMING_RFC5424, &hdr, "m", sizeof(bom5424) - 2, &truncated), -ENOSPC);
	assert_out(build(FRAMING_RFC5424, &hdr, "m", sizeof(bom5424) - 1, &truncated), bom5424);
	assert_true(truncated);
}

static void test_truncation_utf8(void **state)
{
	/* "ab" then one 2-, 3- and 4-byte character: é € U+1F600. */
	static const char msg[] = "ab\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z";
	static const struct {
		size_t room;
		size_t kept;
	} cases[] = {
		{0, 0},
		{2, 2},
		{3, 2}, /* inside é */
		{4, 4},
		{5, 4}, /* inside €, after its first byte */
		{6, 4}, /* inside €, after its second byte */
		{7, 7},
		{8, 7},	 /* inside U+1F600, 1 of 4 */
		{9, 7},	 /* 2 of 4 */
		{10, 7}, /* 3 of 4 */
		{11, 11},
	};
	static const enum framing_format formats[] = {
		FRAMING_JSON, FRAMING_RFC3164, FRAMING_RFC5424};
	struct framing_header hdr = base_hdr();
	bool truncated;
	size_t i, j, h;
	ssize_t n;

	(void)state;
	for (j = 0; j < ARRAY_SIZE(formats); j++) {
		/* The header length is what an empty payload's room leaves over. */
		n = build(formats[j], &hdr, "x", sizeof(out) - 1, &truncated);
		assert_true(n >= 1);
		h = (size_t)n - 1;
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			n = build_n(formats[j], &hdr, msg, sizeof(msg) - 1, h + cases[i].room,
				&truncated);
			assert_int_equal(n, h + cases[i].kept);
			assert_memory_equal(out + h, msg, cases[i].kept);
			assert_true(truncated);
		}
		n = build_n(
			formats[j], &hdr, msg, sizeof(msg) - 1, h + sizeof(msg) - 1, &truncated);
		assert_int_equal(n, h + sizeof(msg) - 1);
		assert_false(truncated);
	}
}

static int setup_utc(void **state)
{
	(void)state;
	if (setenv("TZ", "UTC", 1) != 0)
		return -1;
	tzset();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_5424_basic),
		cmocka_unit_test(test_5424_field_limits),
		cmocka_unit_test(test_5424_header_chars),
		cmocka_unit_test(test_5424_timestamp),
		cmocka_unit_test(test_5424_sd_escaping),
		cmocka_unit_test(test_5424_sd_params),
		cmocka_unit_test(test_5424_sd_names),
		cmocka_unit_test(test_5424_msg),
		cmocka_unit_test(test_3164_fields),
		cmocka_unit_test(test_3164_time),
		cmocka_unit_test(test_3164_tag),
		cmocka_unit_test(test_3164_header_chars),
		cmocka_unit_test(test_pri),
		cmocka_unit_test(test_cee),
		cmocka_unit_test(test_json_passthrough),
		cmocka_unit_test(test_build_dispatch),
		cmocka_unit_test(test_truncation_sizes),
		cmocka_unit_test(test_truncation_utf8),
	};

	return cmocka_run_group_tests(tests, setup_utc, NULL);
}
