/* SPDX-License-Identifier: Apache-2.0 */
/* framing/framing_parse.c: every header form and each sub-parser's edges, the fields as they
 * are kept (printable, cut at the RFC 5424 limits), timestamps and the year of RFC 3164's, and
 * what is text after all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "framing/framing_parse.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* 2026-11-23T14:09:17.123456789Z: "now" for every test. */
static const struct timespec now = {1795442957, 123456789};

static struct framing_parser parser;
static struct framing_parsed out;

static void parse(const char *s)
{
	framing_parse(&parser, s, strlen(s), &now, &out);
}

static void assert_msg(const char *want)
{
	if (out.msg_len != strlen(want) || memcmp(out.msg, want, out.msg_len) != 0)
		fail_msg("msg [%.*s], want [%s]", (int)out.msg_len, out.msg, want);
}

static void assert_fields(const char *host, const char *app, const char *procid, const char *msgid)
{
	assert_string_equal(out.hdr.hostname, host);
	assert_string_equal(out.hdr.app_name, app);
	assert_string_equal(out.hdr.procid, procid);
	assert_string_equal(out.hdr.msgid, msgid);
}

static int setup(void **state)
{
	(void)state;
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	framing_parser_init(&parser);
	return 0;
}

/* The local time of a parsed RFC 3164 stamp, broken down. */
static void assert_local(int mon, int mday, int hour, int min, int sec)
{
	struct tm tm;

	assert_true(out.have_time);
	localtime_r(&out.hdr.time.tv_sec, &tm);
	assert_int_equal(tm.tm_mon, mon);
	assert_int_equal(tm.tm_mday, mday);
	assert_int_equal(tm.tm_hour, hour);
	assert_int_equal(tm.tm_min, min);
	assert_int_equal(tm.tm_sec, sec);
	assert_int_equal(out.hdr.time.tv_nsec, 0);
}

static void test_pri(void **state)
{
	static const struct {
		const char *text;
		int facility, severity;
		bool bad;
	} cases[] = {
		{"<0>k: x", 0, 0, false},
		{"<13>k: x", 1, 5, false},
		{"<38>k: x", 4, 6, false},
		{"<191>k: x", 23, 7, false},
		{"<007>k: x", 0, 7, false},
		{"k: x", 1, 5, false}, /* no PRI: user.notice */
		{"<13", 1, 5, true},
		{"<999>hello", 1, 5, true},
		{"<192>x", 1, 5, true},
		{"<>x", 1, 5, true},
		{"<1234>x", 1, 5, true},
		{"<a>x", 1, 5, true},
		{"<-1>x", 1, 5, true},
		{"<", 1, 5, true},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		parse(cases[i].text);
		assert_int_equal(out.hdr.facility, cases[i].facility);
		assert_int_equal(out.hdr.severity, cases[i].severity);
		assert_int_equal(out.bad_pri, cases[i].bad);
		if (cases[i].bad) {
			/* All of it text, the PRI included. */
			assert_int_equal(out.form, FRAMING_FORM_PLAIN);
			assert_ptr_equal(out.msg, cases[i].text);
			assert_msg(cases[i].text);
			assert_false(out.have_time);
		}
	}
}

static void test_rfc3164(void **state)
{
	(void)state;
	/* What syslog(3) and `logger -u` send to /dev/log: no hostname. */
	parse("<38>Nov  3 14:24:21 myapp[42]: hello local");
	assert_int_equal(out.form, FRAMING_FORM_RFC3164);
	assert_int_equal(out.hdr.facility, 4);
	assert_int_equal(out.hdr.severity, 6);
	assert_fields("", "myapp", "42", "");
	assert_msg("hello local");
	assert_local(10, 3, 14, 24, 21);
	/* logger --rfc3164 puts the hostname in. */
	parse("<13>Nov 23 14:24:21 vm root[8829]: hello 3164");
	assert_fields("vm", "root", "8829", "");
	assert_msg("hello 3164");
	assert_local(10, 23, 14, 24, 21);
	/* No pid, message right after the colon; a stamp at the very end. */
	parse("<13>Nov 23 14:24:21 tag:text");
	assert_fields("", "tag", "", "");
	assert_msg("text");
	parse("<13>Nov 23 14:24:21");
	assert_local(10, 23, 14, 24, 21);
	assert_msg("");
	/* Two words and no TAG: no hostname is guessed, the text is MSG. */
	parse("<13>Nov 23 14:24:21 hello world");
	assert_fields("", "", "", "");
	assert_msg("hello world");
	/* No timestamp at all. */
	parse("<14>kernel: boot");
	assert_int_equal(out.form, FRAMING_FORM_RFC3164);
	assert_false(out.have_time);
	assert_true(out.hdr.time.tv_sec == now.tv_sec && out.hdr.time.tv_nsec == now.tv_nsec);
	assert_fields("", "kernel", "", "");
	assert_msg("boot");
	/* A line of /var/log/auth.log: the header without PRI. */
	parse("Jan  5 01:02:03 web1 CRON[77]: (root) CMD (true)");
	assert_int_equal(out.form, FRAMING_FORM_RFC3164);
	assert_int_equal(out.hdr.facility, 1);
	assert_int_equal(out.hdr.severity, 5);
	assert_fields("web1", "CRON", "77", "");
	assert_msg("(root) CMD (true)");
	/* Without PRI, a TAG alone is no header: plain text. */
	parse("error: disk full on /var");
	assert_int_equal(out.form, FRAMING_FORM_PLAIN);
	assert_fields("", "", "", "");
	assert_msg("error: disk full on /var");
}

static void test_rfc3164_tags(void **state)
{
	static const struct {
		const char *text, *host, *app, *procid, *msg;
	} cases[] = {
		{"<13>a[1]:m", "", "a", "1", "m"}, {"<13>a[]: m", "", "a", "", "m"},
		{"<13>a[1 2]: m", "", "", "", "a[1 2]: m"}, /* a space inside [PID]: no TAG */
		{"<13>a[1: m", "", "", "", "a[1: m"}, {"<13>a[1]x: m", "", "", "", "a[1]x: m"},
		{"<13>a:  two", "", "a", "", " two"}, /* one space is the separator */
		{"<13>:m", "", "", "", ":m"},
		{"<13>h.example-1_x t: m", "h.example-1_x", "t", "", "m"},
		{"<13>h:9 t: m", "", "h", "", "9 t: m"},  /* a ':' in the first word ends a TAG */
		{"<13>h!x t: m", "", "", "", "h!x t: m"}, /* '!' is no hostname character */
		{"<13>-: m", "", "", "", "m"},		  /* "-" is NILVALUE: absent */
		{"<13>- -: m", "", "", "", "m"},
		{"<13>a\x01z[\x7f]: m", "", "a", "_", "m"}, /* the program name ends at \x01 */
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		parse(cases[i].text);
		assert_int_equal(out.form, FRAMING_FORM_RFC3164);
		assert_fields(cases[i].host, cases[i].app, cases[i].procid, "");
		assert_msg(cases[i].msg);
		assert_null(out.word);
	}
	parse("<13>a\x01z[\x7f]: m");
	assert_string_equal(out.tag, "a_z");
}

/* APP-NAME is rsyslog's program name, the TAG up to '/', ':', '[' or a byte outside printable
 * ASCII; the TAG itself is kept for RFC 3164, its bytes from 128 up as they came. */
static void test_rfc3164_program_name(void **state)
{
	static const struct {
		const char *text, *app, *tag;
	} cases[] = {
		{"<13>postfix/smtpd[7]: x", "postfix", "postfix/smtpd"},
		{"<13>h\xc3\xa9llo: x", "h", "h\xc3\xa9llo"}, {"<13>\xff\xfe: x", "", "\xff\xfe"},
		{"<13>a]b: x", "a]b", "a]b"},
		{"<13>1 - h app/x 1 - - m", "app/x", "app/x"}, /* RFC 5424: as written */
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		parse(cases[i].text);
		assert_string_equal(out.hdr.app_name, cases[i].app);
		assert_string_equal(out.tag, cases[i].tag);
	}
}

/* A local message as rsyslog 8.2302's imuxsock reads it (established with the daemon, see
 * tests/integration/64-relay-tagless.sh): no HOSTNAME, the TAG is the first word up to a
 * space; APP-NAME its program name, PROCID the first "[...]" in it, MSG what follows. */
static void test_local_first_word(void **state)
{
	static const struct {
		const char *text, *app, *tag, *procid, *word, *msg;
		bool space;
	} cases[] = {
		{"<13>hello world", "hello", "hello", "", "hello", "world", true},
		{"<13>Dec  2 00:00:00 hello world", "hello", "hello", "", "hello", "world", true},
		{"<13>hello[12] world", "hello", "hello", "12", "hello[12]", "world", true},
		{"<13>hello[12]: world", "hello", "hello", "12", "hello[12]:", "world", true},
		{"<13>hello:world x", "hello", "hello", "", "hello:world", "x", true},
		{"<13>hello[12 world", "hello", "hello", "", "hello[12", "world", true},
		{"<13>hel[lo]x y", "hel", "hel", "lo", "hel[lo]x", "y", true},
		{"<13>[x] y", "", "", "x", "[x]", "y", true},
		{"<13>dir/prog x", "dir", "dir/prog", "", "dir/prog", "x", true},
		{"<13>myhost sshd[1]: x", "myhost", "myhost", "", "myhost", "sshd[1]: x", true},
		{"<13>hello", "hello", "hello", "", "hello", "", false},
		{"<13>hello  two", "hello", "hello", "", "hello", " two", true},
		{"<13>  lead", "", "", "", NULL, "  lead", false},
		{"<13>   ", "", "", "", NULL, "   ", false}, {"<13>", "", "", "", NULL, "", false},
		{"<13>hello\tworld x", "", "", "", NULL, "hello\tworld x", false},
		{"<13>1 - - app 9 - - m", "app", "app", "9", NULL, "m", false}, /* RFC 5424 */
	};
	size_t i;

	(void)state;
	parser.local = true;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		parse(cases[i].text);
		assert_fields("", cases[i].app, cases[i].procid, "");
		assert_string_equal(out.tag, cases[i].tag);
		assert_msg(cases[i].msg);
		assert_int_equal(out.tag_space, cases[i].space);
		if (!cases[i].word) {
			assert_null(out.word);
			continue;
		}
		assert_non_null(out.word);
		assert_int_equal(out.word_len, strlen(cases[i].word));
		assert_memory_equal(out.word, cases[i].word, out.word_len);
	}
	/* long words: a long name or a long word with more after its TAG is text */
	parse("<13>TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT["
	      "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP]: m");
	assert_string_equal(out.hdr.app_name, "TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT");
	assert_int_equal(strlen(out.hdr.procid), 48);
	assert_int_equal(out.word_tail, 0);
	parse("<13>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA x"); /* a 49-byte name */
	assert_null(out.word);
	assert_string_equal(out.hdr.app_name, "");
	assert_msg("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA x");
	parse("<13>{\"process_exec\":{\"process\":{\"binary\":\"/usr/bin/x\"}}}");
	assert_null(out.word);
	assert_string_equal(out.hdr.app_name, "");
	parse("<13>hello:world x");
	assert_int_equal(out.word_tail, 5);
	parser.local = false;
}

static void test_rfc3164_timestamps(void **state)
{
	static const struct {
		const char *text;
		bool have_time;
		const char *msg;
	} cases[] = {
		{"<13>Nov  3 14:24:21 t: m", true, "m"},
		{"<13>Nov 3 14:24:21 t: m", false, "Nov 3 14:24:21 t: m"},
		{"<13>Nov  3 24:00:00 t: m", false, "Nov  3 24:00:00 t: m"},
		{"<13>Nov  3 23:59:60 t: m", true, "m"}, /* a leap second */
		{"<13>Nov 32 10:10:10 t: m", false, "Nov 32 10:10:10 t: m"},
		{"<13>Foo  3 10:10:10 t: m", false, "Foo  3 10:10:10 t: m"},
		{"<13>nov  3 10:10:10 t: m", false, "nov  3 10:10:10 t: m"},
		{"<13>Nov  3 14:24:21x t: m", false, "Nov  3 14:24:21x t: m"},
		/* rsyslog's high-precision RFC 3164 template. */
		{"<13>2026-11-23T14:24:21.557806+01:00 host app[3]: hp", true, "hp"},
		/* Not RFC 3339 (no offset): up to its first ':' it reads as a TAG. */
		{"<13>2026-11-23T14:24:21 host app[3]: hp", false, "24:21 host app[3]: hp"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		parse(cases[i].text);
		if (out.have_time != cases[i].have_time)
			fail_msg("case %zu: have_time %d", i, out.have_time);
		assert_msg(cases[i].msg);
		if (!out.have_time)
			assert_true(out.hdr.time.tv_sec == now.tv_sec);
	}
	/* A stamp more than 31 days ahead of now is last year's (December read in January); one
	 * within them is this year's. Now is 2026-11-23. */
	parse("<13>Dec 20 10:00:00 t: m");
	assert_local(11, 20, 10, 0, 0);
	assert_true(out.hdr.time.tv_sec > now.tv_sec); /* 2026 */
	parse("<13>Dec 31 23:59:59 t: m");
	assert_local(11, 31, 23, 59, 59);
	assert_true(out.hdr.time.tv_sec < now.tv_sec); /* 2025 */
	/* The cached hour must not leak into another day or hour. */
	parse("<13>Jan  1 00:00:00 t: m");
	assert_local(0, 1, 0, 0, 0);
	parse("<13>Jan  1 01:00:00 t: m");
	assert_local(0, 1, 1, 0, 0);
	parse("<13>Jan  2 01:00:00 t: m");
	assert_local(0, 2, 1, 0, 0);
}

static void test_rfc5424(void **state)
{
	static const char sd[] =
		"[timeQuality tzKnown=\"1\" isSynced=\"0\"][foo@32473 a=\"b c\\]\"]";

	(void)state;
	/* Exactly what logger --rfc5424 --msgid ID1 --sd-id foo@32473 --sd-param 'a="b c"' sends.
	 */
	parse("<13>1 2026-11-23T14:24:21.557806+01:00 vm root 99 ID1 [timeQuality tzKnown=\"1\" "
	      "isSynced=\"0\"][foo@32473 a=\"b c\\]\"] sd msg");
	assert_int_equal(out.form, FRAMING_FORM_RFC5424);
	assert_fields("vm", "root", "99", "ID1");
	assert_true(out.have_time);
	assert_true(out.hdr.time.tv_sec == 1795443861 - 3600);
	assert_int_equal(out.hdr.time.tv_nsec, 557806000);
	assert_int_equal(out.sd_len, strlen(sd));
	assert_memory_equal(out.sd, sd, out.sd_len);
	assert_msg("sd msg");
	/* All NILVALUEs, a BOM before MSG. */
	parse("<165>1 - - - - - - \xef\xbb\xbfhi /x");
	assert_int_equal(out.hdr.facility, 20);
	assert_int_equal(out.hdr.severity, 5);
	assert_fields("", "", "", "");
	assert_false(out.have_time);
	assert_null(out.sd);
	assert_msg("hi /x");
	/* Cut short after the hostname: what is there is kept. */
	parse("<13>1 2024-01-01T00:00:00Z host");
	assert_fields("host", "", "", "");
	assert_true(out.hdr.time.tv_sec == 1704067200);
	assert_msg("");
	/* No MSG after SD; an SD that never ends takes the rest. */
	parse("<13>1 - h a p m [x y=\"1\"]");
	assert_int_equal(out.sd_len, strlen("[x y=\"1\"]"));
	assert_msg("");
	parse("<13>1 - h a p m [x y=\"]\" z");
	assert_int_equal(out.sd_len, strlen("[x y=\"]\" z"));
	assert_msg("");
	/* Not SD at all: no SD, and the token is MSG. */
	parse("<13>1 - h a p m text here");
	assert_null(out.sd);
	assert_msg("text here");
	/* "<PRI>1" without the space is RFC 3164 text. */
	parse("<13>1- x");
	assert_int_equal(out.form, FRAMING_FORM_RFC3164);
}

static void test_rfc5424_fields(void **state)
{
	char text[1024], want[300];

	(void)state;
	/* Kept printable and within the limits; a longer field is cut, never shifting the next. */
	snprintf(text, sizeof(text), "<13>1 - %0300d %060d %0200d %040d - m", 1, 2, 3, 4);
	parse(text);
	snprintf(want, sizeof(want), "%0255d", 0);
	assert_string_equal(out.hdr.hostname, want);
	snprintf(want, sizeof(want), "%048d", 0);
	assert_string_equal(out.hdr.app_name, want);
	snprintf(want, sizeof(want), "%0128d", 0);
	assert_string_equal(out.hdr.procid, want);
	snprintf(want, sizeof(want), "%032d", 0);
	assert_string_equal(out.hdr.msgid, want);
	assert_msg("m");
	parse("<13>1 - h\x01\x7f\xc3\xa9 a p m - m");
	assert_string_equal(out.hdr.hostname, "h____");
	/* The fields of one message do not survive into the next. */
	parse("plain");
	assert_fields("", "", "", "");
}

static void test_rfc3339(void **state)
{
	static const struct {
		const char *stamp;
		time_t sec; /* 0: refused */
		long nsec;
	} cases[] = {
		{"2024-01-01T00:00:00Z", 1704067200, 0},
		{"2024-01-01t00:00:00z", 1704067200, 0},
		{"2024-01-01T00:00:00.5Z", 1704067200, 500000000},
		{"2024-01-01T00:00:00.123456789Z", 1704067200, 123456789},
		{"2024-01-01T00:00:00.1234567890Z", 0, 0}, /* ten digits */
		{"2024-01-01T00:00:00.Z", 0, 0},
		{"2024-01-01T01:30:00+01:30", 1704067200, 0},
		{"2023-12-31T22:00:00-02:00", 1704067200, 0},
		{"2024-01-01T00:00:00+24:00", 0, 0},
		{"2024-01-01T00:00:00+01:60", 0, 0},
		{"2024-01-01T00:00:00+0100", 0, 0},
		{"2024-01-01T00:00:00", 0, 0},
		{"2024-01-01_00:00:00Z", 0, 0},
		{"2024-13-01T00:00:00Z", 0, 0},
		{"2024-01-32T00:00:00Z", 0, 0},
		{"1969-12-31T23:59:59Z", 0, 0}, /* before 1970 */
		{"2024-01-01T00:00:00Zx", 0, 0},
	};
	char text[128];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), "<13>1 %s h a p m - m", cases[i].stamp);
		parse(text);
		if (out.have_time != (cases[i].sec != 0))
			fail_msg("case %zu (%s): have_time %d", i, cases[i].stamp, out.have_time);
		if (cases[i].sec) {
			assert_true(out.hdr.time.tv_sec == cases[i].sec);
			assert_int_equal(out.hdr.time.tv_nsec, cases[i].nsec);
		} else {
			assert_true(out.hdr.time.tv_sec == now.tv_sec);
		}
		assert_msg("m");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_pri, setup),
		cmocka_unit_test_setup(test_rfc3164, setup),
		cmocka_unit_test_setup(test_rfc3164_tags, setup),
		cmocka_unit_test_setup(test_rfc3164_program_name, setup),
		cmocka_unit_test_setup(test_local_first_word, setup),
		cmocka_unit_test_setup(test_rfc3164_timestamps, setup),
		cmocka_unit_test_setup(test_rfc5424, setup),
		cmocka_unit_test_setup(test_rfc5424_fields, setup),
		cmocka_unit_test_setup(test_rfc3339, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
