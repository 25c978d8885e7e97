/* SPDX-License-Identifier: Apache-2.0 */
/* lib/jsonstr: every byte's escape, strings held to what libfastjson writes for them, the
 * repairing writer, and the undoing of libfastjson's "\/". */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json.h>

#include "lib/jsonstr.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_escape(void **state)
{
	static const struct {
		unsigned char c;
		const char *want;
	} cases[] = {
		{'"', "\\\""},
		{'\\', "\\\\"},
		{'\b', "\\b"},
		{'\f', "\\f"},
		{'\n', "\\n"},
		{'\r', "\\r"},
		{'\t', "\\t"},
		{0x00, "\\u0000"},
		{0x01, "\\u0001"},
		{0x0b, "\\u000b"},
		{0x1b, "\\u001b"},
		{0x1f, "\\u001f"},
	};
	char d[8];
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(d, 0x5a, sizeof(d));
		n = jsonstr_escape(d, cases[i].c);
		assert_int_equal(n, strlen(cases[i].want));
		assert_memory_equal(d, cases[i].want, n);
		assert_int_equal(d[n], 0x5a); /* no NUL */
	}
}

/* What libfastjson writes for s, with its "\/" taken out as every caller does. */
static size_t libfastjson_text(const char *s, char *out, size_t size)
{
	struct fjson_object *o = fjson_object_new_string(s);
	const char *text = fjson_object_to_json_string_ext(o, FJSON_TO_STRING_PLAIN);
	int n = jsonstr_unescape_slashes(out, size, text, strlen(text));

	fjson_object_put(o);
	assert_true(n > 0);
	return (size_t)n;
}

static void check_like_libfastjson(const char *s)
{
	char want[1024], got[1024];
	size_t n = libfastjson_text(s, want, sizeof(want)), m;

	assert_true(JSONSTR_MAX(strlen(s)) <= sizeof(got));
	m = jsonstr_put(got, s, strlen(s), 0);
	if (m != n || memcmp(got, want, n) != 0)
		fail_msg("[%s]: got [%.*s], libfastjson [%.*s]", s, (int)m, got, (int)n, want);
	/* Valid UTF-8 without NUL: the repairing writer writes the same. */
	m = jsonstr_put(got, s, strlen(s), JSONSTR_REPAIR);
	assert_int_equal(m, n);
	assert_memory_equal(got, want, n);
}

static void test_put_like_libfastjson(void **state)
{
	static const char *const strings[] = {"", "plain", "/usr/bin/env", "a\"b\\c",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80", "\x7f", "tab\there\r\n", "\\/",
		"</script>"};
	char s[2];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(strings); i++)
		check_like_libfastjson(strings[i]);
	/* Every ASCII byte alone. */
	for (i = 1; i < 0x80; i++) {
		s[0] = (char)i;
		s[1] = '\0';
		check_like_libfastjson(s);
	}
}

static void test_put(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		unsigned int flags;
		const char *want;
	} cases[] = {
		{"", 0, 0, "\"\""},
		{"a\0b", 3, 0, "\"a\\u0000b\""},
		{"a\0b", 3, JSONSTR_REPAIR,
			"\"a\xef\xbf\xbd"
			"b\""},
		/* Without repair, bytes >= 0x80 are the caller's business. */
		{"\xff", 1, 0, "\"\xff\""},
		{"\xff\xfe ok \xc3\x28 \xed\xa0\x80", 12, JSONSTR_REPAIR,
			"\"\xef\xbf\xbd\xef\xbf\xbd ok \xef\xbf\xbd( "
			"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},
		{"\x1b[0m \"q\" \\", 10, JSONSTR_REPAIR, "\"\\u001b[0m \\\"q\\\" \\\\\""},
		{"\xe2\x82", 2, JSONSTR_REPAIR, "\"\xef\xbf\xbd\xef\xbf\xbd\""},
	};
	char out[128];
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(out, 0x5a, sizeof(out));
		n = jsonstr_put(out, cases[i].s, cases[i].len, cases[i].flags);
		if (n != strlen(cases[i].want) || memcmp(out, cases[i].want, n) != 0)
			fail_msg("case %zu: got [%.*s]", i, (int)n, out);
		assert_int_equal(out[n], 0x5a);
	}
}

static void test_unescape_slashes(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(jsonstr_unescape_slashes(buf, sizeof(buf), "\"\\/bin\\/sh\"", 11), 9);
	assert_string_equal(buf, "\"/bin/sh\"");
	/* An escaped backslash followed by a slash stays as it is. */
	assert_int_equal(jsonstr_unescape_slashes(buf, sizeof(buf), "a\\\\\\/b", 6), 5);
	assert_string_equal(buf, "a\\\\/b");
	assert_int_equal(jsonstr_unescape_slashes(buf, 4, "abcdef", 6), -ENOSPC);
	/* Room for the text and its NUL exactly; one byte less is too little. */
	assert_int_equal(jsonstr_unescape_slashes(buf, 4, "a\\/b", 4), 3);
	assert_string_equal(buf, "a/b");
	assert_int_equal(jsonstr_unescape_slashes(buf, 3, "a\\/b", 4), -ENOSPC);
	assert_int_equal(jsonstr_unescape_slashes(buf, 1, "", 0), 0);
	assert_string_equal(buf, "");
	assert_int_equal(jsonstr_unescape_slashes(buf, 0, "", 0), -ENOSPC);
	/* A backslash at the very end has no pair. */
	assert_int_equal(jsonstr_unescape_slashes(buf, sizeof(buf), "x\\", 2), 2);
	assert_string_equal(buf, "x\\");
}

/* The rule byte by byte, as the function did before it copied runs: the reference. */
static int unescape_ref(char *dst, size_t size, const char *src, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (o + 1 >= size)
			return -ENOSPC;
		if (src[i] == '\\' && i + 1 < len) {
			if (src[i + 1] != '/')
				dst[o++] = src[i];
			if (o + 1 >= size)
				return -ENOSPC;
			dst[o++] = src[++i];
			continue;
		}
		dst[o++] = src[i];
	}
	if (o >= size)
		return -ENOSPC;
	dst[o] = '\0';
	return (int)o;
}

/* Random texts of slashes, backslashes and letters, into every size of buffer: the same
 * answer and the same bytes as the reference. */
static void test_unescape_like_ref(void **state)
{
	static const char alphabet[] = "\\\\/ab";
	char src[40], got[48], want[48];
	unsigned int seed = 12345;
	size_t len, size, i;
	int n, r;

	(void)state;
	for (r = 0; r < 3000; r++) {
		len = (size_t)(r % 37);
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			src[i] = alphabet[(seed >> 16) % 5];
		}
		for (size = 0; size <= len + 2; size++) {
			n = unescape_ref(want, size, src, len);
			assert_int_equal(jsonstr_unescape_slashes(got, size, src, len), n);
			if (n >= 0)
				assert_memory_equal(got, want, (size_t)n + 1);
		}
	}
}

/* The plain-run scan steps 64, then 16, then 1 byte at a time: each byte that must be escaped
 * or checked is found wherever it falls in a long plain string, and at its ends. */
static void test_put_long_runs(void **state)
{
	static const char specials[] = {'"', '\\', '\n', 0x01, 0x1f, (char)0xc3};
	char s[200], got[JSONSTR_MAX(200)], want[JSONSTR_MAX(200)];
	size_t len, pos, k, n, m;

	(void)state;
	for (len = 1; len <= sizeof(s); len += 37) {
		for (pos = 0; pos < len; pos++) {
			for (k = 0; k < sizeof(specials); k++) {
				memset(s, 'a', len);
				s[pos] = specials[k];
				/* the reference: a quote around each byte, escaped one at a time */
				want[0] = '"';
				m = 1;
				for (n = 0; n < len; n++)
					if ((unsigned char)s[n] >= 0x20 && s[n] != '"' &&
						s[n] != '\\')
						want[m++] = s[n];
					else
						m += jsonstr_escape(want + m, (unsigned char)s[n]);
				want[m++] = '"';
				n = jsonstr_put(got, s, len, 0);
				if (n != m || memcmp(got, want, m) != 0)
					fail_msg("len %zu, 0x%02x at %zu: got [%.*s]", len,
						(unsigned char)specials[k], pos, (int)n, got);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_put_like_libfastjson),
		cmocka_unit_test(test_put),
		cmocka_unit_test(test_put_long_runs),
		cmocka_unit_test(test_unescape_slashes),
		cmocka_unit_test(test_unescape_like_ref),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
