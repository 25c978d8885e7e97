/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shipper/out/hostport.c: every accepted and every refused host:port form,
 * one table row each, lists of them, and the formatter. */
#include <errno.h>
#include <netdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "shipper/out/hostport.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char long_name[300];

static const char *make_name(size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		long_name[i] = (i % 10 == 9) ? '.' : 'a';
	long_name[len] = '\0';
	return long_name;
}

struct accept_case {
	const char *entry;
	const char *host;
	uint16_t port;
};

static const struct accept_case accepted[] = {
	{"loghost", "loghost", 514},
	{"loghost:1514", "loghost", 1514},
	{"log-host.example.org:6514", "log-host.example.org", 6514},
	{"under_score:1", "under_score", 1},
	{"10.0.0.1", "10.0.0.1", 514},
	{"10.0.0.1:65535", "10.0.0.1", 65535},
	{"[::1]:6514", "::1", 6514},
	{"[2001:db8::1]", "2001:db8::1", 514},
	{"[fe80::1%lo]:514", "fe80::1%lo", 514},
	{"::1", "::1", 514},
	{"2001:db8::42", "2001:db8::42", 514},
	{"::ffff:10.0.0.1", "::ffff:10.0.0.1", 514},
	{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", 514},
	{"localhost:00514", "localhost", 514},
};

static void test_parse_accepted(void **state)
{
	struct hostport d;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(accepted); i++) {
		err[0] = '\0';
		memset(&d, 0x5a, sizeof(d));
		if (hostport_parse(accepted[i].entry, 514, &d, err, sizeof(err)) != 0)
			fail_msg("\"%s\" refused: %s", accepted[i].entry, err);
		assert_string_equal(d.host, accepted[i].host);
		assert_int_equal(d.port, accepted[i].port);
	}
	/* the longest DNS name */
	make_name(253);
	assert_int_equal(hostport_parse(long_name, 514, &d, err, sizeof(err)), 0);
	assert_int_equal(strlen(d.host), 253);
}

struct refuse_case {
	const char *entry;
	const char *why; /* substring of the message, after the quoted entry */
};

static const struct refuse_case refused[] = {
	{"[::1", "missing ']'"},
	{"[::1:514", "missing ']'"},
	{"host:", "invalid port"},
	{"host:0", "invalid port"},
	{"host:70000", "invalid port"},
	{"host:65536", "invalid port"},
	{"host:123456", "invalid port"},
	{"host:abc", "invalid port"},
	{"host:-1", "invalid port"},
	{"host:+1", "invalid port"},
	{"host:5x", "invalid port"},
	{"[::1]:", "invalid port"},
	{"[::1]:0", "invalid port"},
	{"a:b:c", "not an IPv6 address"},
	{"host:514:1", "not an IPv6 address"},
	{"1:2:3:4:5:6:7:8:9", "not an IPv6 address"},
	{"::1::2", "not an IPv6 address"},
	{"[10.0.0.1]:514", "not an IPv6 address"},
	{"[loghost]:514", "not an IPv6 address"},
	{"[::1]x", "unexpected text after ']'"},
	{"[::1]514", "unexpected text after ']'"},
	{"[]:514", "empty host"},
	{":514", "empty host"},
	{"ho st:514", "whitespace"},
	{" host", "whitespace"},
	{"host\t:514", "whitespace"},
	{"host\n", "whitespace"},
	{"a/b:514", "invalid character"},
	{"a[b:514", "invalid character"},
	{"a]b", "invalid character"},
	{"a%b", "invalid character"},
};

static void test_parse_refused(void **state)
{
	struct hostport d;
	char err[512], quoted[300];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		err[0] = '\0';
		if (hostport_parse(refused[i].entry, 514, &d, err, sizeof(err)) != -EINVAL)
			fail_msg("\"%s\" accepted or wrong errno", refused[i].entry);
		snprintf(quoted, sizeof(quoted), "\"%s\"", refused[i].entry);
		if (!strstr(err, quoted) || !strstr(err, refused[i].why))
			fail_msg("\"%s\": message \"%s\" lacks %s or \"%s\"", refused[i].entry, err,
				quoted, refused[i].why);
	}
}

static void test_parse_refused_empty_long_noport(void **state)
{
	struct hostport d;
	char err[512], entry[400];

	(void)state;
	assert_int_equal(hostport_parse("", 514, &d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "empty destination");
	assert_int_equal(hostport_parse(NULL, 514, &d, err, sizeof(err)), -EINVAL);

	/* 254 bytes: one more than DNS allows */
	make_name(254);
	assert_int_equal(hostport_parse(long_name, 514, &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer than 253"));
	snprintf(entry, sizeof(entry), "%s:514", long_name);
	assert_int_equal(hostport_parse(entry, 514, &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer than 253"));

	/* far longer than NI_MAXHOST: refused before anything is copied */
	{
		static char huge[3 * NI_MAXHOST];

		memset(huge, 'a', sizeof(huge) - 1);
		assert_int_equal(hostport_parse(huge, 514, &d, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "too long"));
	}

	/* no port anywhere */
	assert_int_equal(hostport_parse("loghost", 0, &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"loghost\": no port"));
	/* a NULL or tiny error buffer is fine */
	assert_int_equal(hostport_parse("host:", 514, &d, NULL, 0), -EINVAL);
	assert_int_equal(hostport_parse("host:", 514, &d, err, 1), -EINVAL);
	assert_string_equal(err, "");
}

static void test_parse_list(void **state)
{
	struct hostport d[4];
	char err[512];

	(void)state;
	assert_int_equal(hostport_parse_list("a,b:2,[::1]:3,::2", 514, d, 4, err, sizeof(err)), 4);
	assert_string_equal(d[0].host, "a");
	assert_int_equal(d[0].port, 514);
	assert_string_equal(d[1].host, "b");
	assert_int_equal(d[1].port, 2);
	assert_string_equal(d[2].host, "::1");
	assert_int_equal(d[2].port, 3);
	assert_string_equal(d[3].host, "::2");
	assert_int_equal(d[3].port, 514);

	/* blanks around items are layout */
	assert_int_equal(hostport_parse_list(" a , b:7 ", 514, d, 4, err, sizeof(err)), 2);
	assert_string_equal(d[1].host, "b");
	assert_int_equal(d[1].port, 7);

	assert_int_equal(hostport_parse_list("one", 514, d, 4, err, sizeof(err)), 1);
}

static void test_parse_list_refused(void **state)
{
	static const struct {
		const char *list;
		size_t max;
		int rc;
		const char *msg;
	} cases[] = {
		{"a,,b", 4, -EINVAL, "destination list \"a,,b\": item 2 is empty"},
		{"a,", 4, -EINVAL, "destination list \"a,\": item 2 is empty"},
		{",a", 4, -EINVAL, "destination list \",a\": item 1 is empty"},
		{"", 4, -EINVAL, "destination list \"\": item 1 is empty"},
		{"a, ,b", 4, -EINVAL, "item 2 is empty"},
		{"a,host:0", 4, -EINVAL, "destination \"host:0\": invalid port"},
		{"a,[::1", 4, -EINVAL, "destination \"[::1\": missing ']'"},
		{"a,b,c", 2, -E2BIG, "more than 2 destinations"},
	};
	struct hostport d[4];
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		err[0] = '\0';
		assert_int_equal(
			hostport_parse_list(cases[i].list, 514, d, cases[i].max, err, sizeof(err)),
			cases[i].rc);
		if (!strstr(err, cases[i].msg))
			fail_msg("list \"%s\": \"%s\" lacks \"%s\"", cases[i].list, err,
				cases[i].msg);
	}
}

/* ---- the formatter -------------------------------------------------------------------------- */

static const struct {
	const char *host;
	uint16_t port;
	const char *want;
} formatted[] = {
	{"loghost", 514, "loghost:514"},
	{"log-host.example.org", 6514, "log-host.example.org:6514"},
	{"10.0.0.1", 65535, "10.0.0.1:65535"},
	{"::1", 6514, "[::1]:6514"},
	{"2001:db8::1", 1, "[2001:db8::1]:1"},
	{"fe80::1%lo", 514, "[fe80::1%lo]:514"},
	{"::ffff:10.0.0.1", 514, "[::ffff:10.0.0.1]:514"},
};

/* Each form, and each parses back to what was formatted. */
static void test_format(void **state)
{
	static char host[NI_MAXHOST];
	char buf[HOSTPORT_NAME_MAX], err[256];
	struct hostport d;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(formatted); i++) {
		assert_int_equal(
			hostport_format(buf, sizeof(buf), formatted[i].host, formatted[i].port),
			strlen(formatted[i].want));
		assert_string_equal(buf, formatted[i].want);
		if (hostport_parse(buf, 0, &d, err, sizeof(err)) != 0)
			fail_msg("\"%s\" does not parse back: %s", buf, err);
		assert_string_equal(d.host, formatted[i].host);
		assert_int_equal(d.port, formatted[i].port);
	}
	/* the longest host there can be fits the name buffer */
	memset(host, 'a', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	assert_int_equal(hostport_format(buf, sizeof(buf), host, 65535), NI_MAXHOST - 1 + 6);
	assert_int_equal(strlen(buf), NI_MAXHOST - 1 + 6);
}

/* As snprintf: the whole length back, a terminated prefix in a short buffer. */
static void test_format_truncated(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(hostport_format(buf, 6, "::1", 514), strlen("[::1]:514"));
	assert_string_equal(buf, "[::1]");
	assert_int_equal(buf[6], 'x');
	assert_int_equal(hostport_format(buf, 1, "a", 1), 3);
	assert_string_equal(buf, "");
	buf[0] = 'x';
	assert_int_equal(hostport_format(buf, 0, "a", 1), 3);
	assert_int_equal(buf[0], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_accepted),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_parse_refused_empty_long_noport),
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_parse_list_refused),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
