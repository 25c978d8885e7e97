/* SPDX-License-Identifier: Apache-2.0 */
/* framing/framing_relay.c: a local message written again as RFC 3164 and RFC 5424 the way
 * rsyslog's standard forwarding templates write it, the header never cut, MSG cut at a
 * character, and which STRUCTURED-DATA a relay vouches for. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "framing/framing_relay.h"

/* 2026-11-23T14:09:17.123456789Z */
static const struct timespec t0 = {1795442957, 123456789};

static char buf[1024];
static bool cut;

static struct framing_relay msg(const char *app, const char *procid, const char *text)
{
	struct framing_relay m = {
		.facility = 4,
		.severity = 6,
		.time = t0,
		.hostname = "host1",
		.app_name = app,
		.procid = procid,
		.msgid = "",
		.msg = text,
		.msg_len = strlen(text),
	};

	return m;
}

static void assert_built(ssize_t n, const char *want)
{
	assert_true(n >= 0);
	if ((size_t)n != strlen(want) || memcmp(buf, want, (size_t)n) != 0)
		fail_msg("got [%.*s], want [%s]", (int)n, buf, want);
}

static int setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

static void rfc3164_tag_forms(void **state)
{
	struct framing_relay m = msg("sshd", "42", "Failed password for eve");

	(void)state;
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut),
		"<38>Nov 23 14:09:17 host1 sshd[42]: Failed password for eve");
	assert_false(cut);
	m = msg("CRON", "", "(root) CMD (true)");
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut),
		"<38>Nov 23 14:09:17 host1 CRON: (root) CMD (true)");
	/* no TAG: MSG follows the hostname, as the receiver would have read it from the sender */
	m = msg("", "", "just text");
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut),
		"<38>Nov 23 14:09:17 host1 just text");
	/* a PROCID without a name still says whose it is */
	m = msg("", "77", " just text");
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut),
		"<38>Nov 23 14:09:17 host1 [77]: just text");
	/* rsyslog's sp-if-no-1st-sp: a space after the TAG unless MSG has one, also when empty */
	m = msg("app", "", "");
	assert_built(
		framing_relay_3164(buf, sizeof(buf), &m, &cut), "<38>Nov 23 14:09:17 host1 app: ");
	m = msg("CRON", "9", " (root)");
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut),
		"<38>Nov 23 14:09:17 host1 CRON[9]: (root)");
	m = msg("", "", "");
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut), "<38>Nov 23 14:09:17 host1  ");
	/* the TAG's name, not the program name, goes in RFC 3164 */
	m = msg("postfix", "3", " x");
	m.tag = "postfix/smtpd";
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut),
		"<38>Nov 23 14:09:17 host1 postfix/smtpd[3]: x");
	assert_built(framing_relay_5424(buf, sizeof(buf), &m, &cut),
		"<38>1 2026-11-23T14:09:17.123456Z host1 postfix 3 - -  x");
}

/* A first word read as the TAG goes on as it came (rsyslog's omfwd: %syslogtag:1:32%), MSG
 * after it with its space; RFC 5424 has APP-NAME and PROCID instead. */
static void rfc3164_word_passed_on(void **state)
{
	static const char a40[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	struct framing_relay m = msg("hello", "12", " world");

	(void)state;
	m.word = "hello[12]";
	m.word_len = 9;
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut),
		"<38>Nov 23 14:09:17 host1 hello[12] world");
	assert_built(framing_relay_5424(buf, sizeof(buf), &m, &cut),
		"<38>1 2026-11-23T14:09:17.123456Z host1 hello 12 - -  world");
	m = msg("hello", "", "");
	m.word = "hello:world";
	m.word_len = 11;
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut),
		"<38>Nov 23 14:09:17 host1 hello:world ");
	m = msg(a40, "", " w");
	m.word = a40;
	m.word_len = 40;
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut),
		"<38>Nov 23 14:09:17 host1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA w");
	m = msg("local-procship", "", " {}");
	m.word = "procship";
	m.word_len = 8;
	m.msg_prefix = "local-";
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut),
		"<38>Nov 23 14:09:17 host1 local-procship {}");
}

static void rfc3164_drops_what_it_cannot_carry(void **state)
{
	static const char sd[] = "[origin@32473 ip=\"10.9.9.9\"]";
	struct framing_relay m = msg("a-very-long-program-name-of-40-chars-xx", "1", "x");

	(void)state;
	m.msgid = "LOGIN";
	m.sd = sd;
	m.sd_len = strlen(sd);
	/* TAG cut at 32 (RFC 3164 4.1.3), MSGID and SD left out */
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut),
		"<38>Nov 23 14:09:17 host1 a-very-long-program-name-of-40-c[1]: x");
	/* an RFC 5424 APP-NAME that would end or split the TAG */
	m = msg("procship:[1]", "2]", "x");
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut),
		"<38>Nov 23 14:09:17 host1 procship__1_[2_]: x");
}

static void rfc5424_fields(void **state)
{
	static const char sd[] = "[origin@32473 ip=\"10.9.9.9\"][a b=\"\\]\"]";
	struct framing_relay m = msg("sshd", "42", "Accepted");

	(void)state;
	m.msgid = "LOGIN";
	m.sd = sd;
	m.sd_len = strlen(sd);
	assert_built(framing_relay_5424(buf, sizeof(buf), &m, &cut),
		"<38>1 2026-11-23T14:09:17.123456Z host1 sshd 42 LOGIN "
		"[origin@32473 ip=\"10.9.9.9\"][a b=\"\\]\"] Accepted");
	/* from RFC 3164: nothing but the TAG's parts, "-" for the rest; MSG keeps its space */
	m = msg("CRON", "", " run");
	assert_built(framing_relay_5424(buf, sizeof(buf), &m, &cut),
		"<38>1 2026-11-23T14:09:17.123456Z host1 CRON - - -  run");
	m = msg("CRON", "", "run");
	/* an SD the relay cannot vouch for is not written */
	m.sd = "[x y=\"open";
	m.sd_len = strlen(m.sd);
	assert_built(framing_relay_5424(buf, sizeof(buf), &m, &cut),
		"<38>1 2026-11-23T14:09:17.123456Z host1 CRON - - - run");
}

static void header_never_cut_msg_cut_at_character(void **state)
{
	struct framing_relay m = msg("app", "1", "h\xc3\xa9llo");
	ssize_t n;

	(void)state;
	n = framing_relay_3164(buf, 10, &m, &cut);
	assert_int_equal(n, -ENOSPC);
	/* "<38>Nov 23 14:09:17 host1 app[1]: " is 34 bytes; room for "h" and not half of é */
	n = framing_relay_3164(buf, 36, &m, &cut);
	assert_int_equal(n, 35);
	assert_true(cut);
	m.facility = 24;
	assert_int_equal(framing_relay_5424(buf, sizeof(buf), &m, &cut), -EINVAL);
}

static void sd_validity(void **state)
{
	static const char *const good[] = {"[a]", "[a b=\"\"]", "[a b=\"x\\\"y\" c=\"\\\\\"][d]",
		"[exampleSDID@32473 iut=\"3\" eventSource=\"Application\"]"};
	static const char *const bad[] = {"", "-", "[]", "[a", "[a b]", "[a b=\"x]", "[a b=\"x\"",
		"[a b=\"]\"]", "[a][", "[a] ", "[a b=\"x\ny\"]", "[a=b]",
		"[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]", "[a b=x]"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!framing_sd_valid(good[i], strlen(good[i])))
			fail_msg("refused %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (framing_sd_valid(bad[i], strlen(bad[i])))
			fail_msg("accepted %s", bad[i]);
}

static void escape_controls(void **state)
{
	static const char in[] = "a\nb\tc\x1f\xc3\xa9\x7f";
	char out[64];
	size_t n;

	(void)state;
	assert_int_equal(framing_relay_controls(in, sizeof(in)), 4); /* the NUL at the end too */
	n = framing_relay_escape(out, in, sizeof(in));
	assert_int_equal(n, sizeof(in) + 4 * 3);
	assert_memory_equal(out, "a#012b#011c#037\xc3\xa9\x7f#000", n);
	assert_int_equal(framing_relay_controls("plain", 5), 0);
}

/* As rsyslog 8.2302 and syslog-ng 3.38 read these (checked with both daemons): true when
 * either takes the program name for procship. */
static void program_name_as_receivers_read_it(void **state)
{
	static const struct {
		const char *s;
		bool is;
		size_t at;
	} cases[] = {
		{"procship {\"a\":1}", true, 0}, /* rsyslog and syslog-ng: no colon needed */
		{"procship", true, 0},
		{"PROCSHIP x", true, 0},    /* any case */
		{"procship/x: y", true, 0}, /* rsyslog's programname ends at '/' */
		{"procship[: y", true, 0},  /* both end it at '[' */
		{"procship[1]x y", true, 0},
		{"procship:{}", true, 0},
		{"procship\xc3\xa9 y", true, 0}, /* rsyslog ends it at a byte not printable */
		{"  procship y", true, 2},	 /* syslog-ng skips the spaces */
		{"procship_x: y", false, 0},
		{"procshipx y", false, 0},
		{"procship, y", false, 0},
		{"procship]x: y", false, 0},
		{"local-procship y", false, 0},
		{"ab/procship: y", false, 0},
		{"-: procship y", false, 0},
		{"procshi", false, 0},
		{"", false, 0},
	};
	size_t i, at;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool is = framing_program_is(cases[i].s, strlen(cases[i].s), "procship", &at);

		if (is != cases[i].is)
			fail_msg("[%s]: %d, want %d", cases[i].s, is, cases[i].is);
		if (is)
			assert_int_equal(at, cases[i].at);
	}
	assert_false(framing_program_is("procship x", 10, "", &at));
	assert_false(framing_program_is("procship x", 10, NULL, &at));
	assert_true(framing_program_is("agent y", 7, "agent", &at)); /* --syslog-app-name */
}

/* A TAG-less message names its first word with msg_prefix in RFC 3164 only. */
static void msg_prefix_before_first_word(void **state)
{
	struct framing_relay m = msg("", "", "procship {\"a\":1}");

	(void)state;
	m.msg_prefix = "local-";
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut),
		"<38>Nov 23 14:09:17 host1 local-procship {\"a\":1}");
	m = msg("", "", "  procship x");
	m.msg_prefix = "local-";
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut),
		"<38>Nov 23 14:09:17 host1   local-procship x");
	assert_built(framing_relay_5424(buf, sizeof(buf), &m, &cut),
		"<38>1 2026-11-23T14:09:17.123456Z host1 - - - -   procship x");
	m = msg("", "77", "  procship x"); /* [PID]: without a name: syslog-ng reads on */
	m.msg_prefix = "local-";
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut),
		"<38>Nov 23 14:09:17 host1 [77]:  local-procship x");
	m = msg("sshd", "", "procship x"); /* with a TAG, MSG is MSG */
	m.msg_prefix = "local-";
	assert_built(framing_relay_3164(buf, sizeof(buf), &m, &cut),
		"<38>Nov 23 14:09:17 host1 sshd: procship x");
	m = msg("", "", "procship x and more");
	m.msg_prefix = "local-";
	assert_int_equal(framing_relay_3164(buf, 36, &m, &cut), 36); /* MSG cut, prefix kept */
	assert_true(cut);
	assert_memory_equal(buf, "<38>Nov 23 14:09:17 host1 local-proc", 36);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc3164_tag_forms),
		cmocka_unit_test(rfc3164_word_passed_on),
		cmocka_unit_test(rfc3164_drops_what_it_cannot_carry),
		cmocka_unit_test(rfc5424_fields),
		cmocka_unit_test(header_never_cut_msg_cut_at_character),
		cmocka_unit_test(sd_validity),
		cmocka_unit_test(escape_controls),
		cmocka_unit_test(program_name_as_receivers_read_it),
		cmocka_unit_test(msg_prefix_before_first_word),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
