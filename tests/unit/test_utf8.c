/* SPDX-License-Identifier: Apache-2.0 */
/* lib/utf8: sequence lengths at the edges of RFC 3629, cuts at every position of a multi-byte
 * character, the trim of a cut input, and the repair (with and without NUL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/utf8.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_seq(void **state)
{
	static const struct {
		const char *s;
		size_t len, want;
	} cases[] = {
		{"", 0, 0}, {"a", 1, 1}, {"\0", 1, 1}, /* NUL is a character */
		{"\x7f", 1, 1}, {"\x80", 1, 0},	       /* a continuation byte starts nothing */
		{"\xc1\xbf", 2, 0},		       /* overlong 2-byte form */
		{"\xc2\x80", 2, 2},		       /* U+0080 */
		{"\xc3\xa9", 1, 0},		       /* cut short */
		{"\xc3\x28", 2, 0},		       /* no continuation */
		{"\xdf\xbf", 2, 2},		       /* U+07FF */
		{"\xe0\x9f\xbf", 3, 0},		       /* overlong 3-byte form */
		{"\xe0\xa0\x80", 3, 3},		       /* U+0800 */
		{"\xed\x9f\xbf", 3, 3},		       /* U+D7FF */
		{"\xed\xa0\x80", 3, 0},		       /* a UTF-16 surrogate */
		{"\xed\xbf\xbf", 3, 0},		       /* the last surrogate */
		{"\xee\x80\x80", 3, 3},		       /* U+E000 */
		{"\xe2\x82\xac", 2, 0},		       /* cut short */
		{"\xf0\x8f\xbf\xbf", 4, 0},	       /* overlong 4-byte form */
		{"\xf0\x90\x80\x80", 4, 4},	       /* U+10000 */
		{"\xf4\x8f\xbf\xbf", 4, 4},	       /* U+10FFFF */
		{"\xf4\x90\x80\x80", 4, 0},	       /* past U+10FFFF */
		{"\xf5\x80\x80\x80", 4, 0}, {"\xff", 1, 0},
		{"\xf0\x9f\x9a\x80xyz", 7, 4}, /* only the first character counts */
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		if (utf8_seq((const unsigned char *)cases[i].s, cases[i].len) != cases[i].want)
			fail_msg("case %zu: got %zu, want %zu", i,
				utf8_seq((const unsigned char *)cases[i].s, cases[i].len),
				cases[i].want);
}

static void test_cut(void **state)
{
	static const struct {
		const char *s;
		size_t len, max, want;
	} cases[] = {
		{"abc", 3, 3, 3}, {"abc", 3, 10, 3}, {"abc", 3, 2, 2}, {"abc", 3, 0, 0},
		{"", 0, 0, 0}, {"\xc3\xa9", 2, 1, 0}, {"\xc3\xa9", 2, 2, 2},
		{"a\xc3\xa9z", 4, 2, 1}, {"a\xc3\xa9z", 4, 3, 3}, {"\xe2\x82\xac", 3, 1, 0},
		{"\xe2\x82\xac", 3, 2, 0}, {"\xf0\x9f\x98\x80", 4, 1, 0},
		{"\xf0\x9f\x98\x80", 4, 3, 0}, {"\xf0\x9f\x98\x80!", 5, 4, 4},
		{"ab\xc3", 3, 2, 2},	    /* cut before a lead byte */
		{"a\x80\x80\x80", 4, 2, 2}, /* stray continuations: nothing to keep whole */
		{"\x80\x80\x80\x80\x80", 5, 4, 4},
		{"a\xc3\x80\x80", 4, 3, 3}, /* é-like pair complete, then a stray byte */
		{"\xe2\x82z", 3, 2, 2},	    /* the input's own broken sequence is kept */
		{"a\xff\x80", 3, 2, 2},	    /* 0xff is no lead byte */
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (utf8_cut(cases[i].s, cases[i].len, cases[i].max) != cases[i].want)
			fprintf(stderr, "case %zu\n", i);
		assert_int_equal(utf8_cut(cases[i].s, cases[i].len, cases[i].max), cases[i].want);
	}
}

static void test_trim_partial(void **state)
{
	static const struct {
		const char *s;
		size_t want;
	} cases[] = {
		{"", 0}, {"abc", 3}, {"ab\xc3", 2}, /* the lead byte of é alone */
		{"ab\xc3\xa9", 4},		    /* é whole */
		{"a\xe2\x82", 1},		    /* two of €'s three bytes */
		{"a\xe2", 1},			    /* one of three */
		{"a\xe2\x82\xac", 4},		    /* € whole */
		{"\xf0\x9f\x98", 0},		    /* three of four */
		{"a\xf0\x9f\x98\x80", 5},	    /* whole */
		{"ab\xc1", 3},			    /* 0xc1 starts no sequence: not partial, kept */
		{"ab\xf5\x80", 4},		    /* nor does 0xf5 */
		{"ab\xff", 3},			    /* nor 0xff */
		{"a\x80\x80\x80", 4}, /* continuations only in reach: nothing to trim */
		{"a\xc3\x28", 3},     /* a broken pair ends in ASCII: kept */
		{"\xe2\x28\xa1", 3},  /* a lead whose next byte is no continuation */
		{"\xed\xa0", 0},      /* would be a surrogate, but could be U+D7xx: partial */
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		if (utf8_trim_partial(cases[i].s, strlen(cases[i].s)) != cases[i].want)
			fail_msg("case %zu: got %zu, want %zu", i,
				utf8_trim_partial(cases[i].s, strlen(cases[i].s)), cases[i].want);
}

static void test_repair_dup(void **state)
{
	char *fixed;

	(void)state;
	assert_null(utf8_repair_dup("plain ascii"));
	assert_null(utf8_repair_dup("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80"));
	fixed = utf8_repair_dup("a\xff"
				"b");
	assert_non_null(fixed);
	assert_string_equal(fixed, "a\xef\xbf\xbd"
				   "b");
	free(fixed);
	/* Overlong "/" (C0 AF), a UTF-16 surrogate (ED A0 80), and a cut sequence at the end: one
	 * U+FFFD a run, as Go's strings.ToValidUTF8 (Tetragon's UTF8FromBPFBytes) writes them. */
	fixed = utf8_repair_dup("\xc0\xaf|\xed\xa0\x80|\xe2\x82");
	assert_non_null(fixed);
	assert_string_equal(fixed, "\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd");
	free(fixed);
	assert_int_equal(utf8_seq((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
	assert_int_equal(utf8_seq((const unsigned char *)"\xf4\x8f\xbf\xbf", 4), 4);
}

/* Go's strings.ToValidUTF8(s, "\uFFFD"), worked by hand from its loop: a byte Go decodes with
 * width 1 as RuneError opens or continues a run; any valid character, ASCII and NUL included,
 * and a real U+FFFD in the input, ends it. */
static void test_repair_runs(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		const char *want;
		size_t want_len;
	} cases[] = {
		{"", 0, "", 0},
		{"ok", 2, "ok", 2},
		{"\xff\xfe\xfd", 3, "\xef\xbf\xbd", 3},
		{"a\xff"
		 "b\xff"
		 "c",
			5,
			"a\xef\xbf\xbd"
			"b\xef\xbf\xbd"
			"c",
			9},
		{"\xff\0\xff", 3, "\xef\xbf\xbd\0\xef\xbf\xbd", 7},
		/* A real U+FFFD between two runs keeps them apart. */
		{"\x80\xef\xbf\xbd\x80", 5, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9},
		/* A lead byte whose continuation is missing, then a stray continuation: one run. */
		{"\xe2\x82\xc3", 3, "\xef\xbf\xbd", 3},
		/* F5..FF and C0/C1 never start a character; E0 80 is overlong; F4 90 is past
		   U+10FFFF. */
		{"\xc1\xbf\xe0\x80\x80\xf4\x90\x80\x80\xf5", 10, "\xef\xbf\xbd", 3},
		/* A valid character right after a run ends it: "é" stays whole. */
		{"\xe9\xc3\xa9\xe9", 4, "\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd", 8},
	};
	char out[64], big[300], bigout[16];
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		n = utf8_repair_runs(out, cases[i].s, cases[i].len);
		if (n != cases[i].want_len || memcmp(out, cases[i].want, n) != 0)
			fail_msg("case %zu: got %zu bytes [%.*s]", i, n, (int)n, out);
	}
	/* 300 bad bytes in a row are one character: the output is three bytes. */
	memset(big, 0x80, sizeof(big));
	assert_int_equal(utf8_repair_runs(bigout, big, sizeof(big)), 3);
	assert_memory_equal(bigout, UTF8_REPLACEMENT, 3);
}

static void test_repair(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		unsigned int flags;
		const char *want;
		size_t invalid;
	} cases[] = {
		{"", 0, 0, "", 0},
		{"ok", 2, UTF8_NUL, "ok", 0},
		{"a\0b", 3, 0, "a\0b", 0},
		{"a\0b", 3, UTF8_NUL,
			"a\xef\xbf\xbd"
			"b",
			1},
		{"\xff\xfe ok \xc3\x28 caf\xc3\xa9", 14, UTF8_NUL,
			"\xef\xbf\xbd\xef\xbf\xbd ok \xef\xbf\xbd( caf\xc3\xa9", 3},
		{"\xed\xa0\x80", 3, 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 3},
		{"\xf0\x9f\x9a\x80\0", 5, UTF8_NUL, "\xf0\x9f\x9a\x80\xef\xbf\xbd", 1},
	};
	char out[64];
	bool replaced;
	size_t i, n, want_len;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		want_len = cases[i].len + 2 * cases[i].invalid;
		assert_int_equal(
			utf8_invalid(cases[i].s, cases[i].len, cases[i].flags), cases[i].invalid);
		memset(out, 0x5a, sizeof(out));
		replaced = !cases[i].invalid;
		n = utf8_repair(out, cases[i].s, cases[i].len, cases[i].flags, &replaced);
		assert_int_equal(n, want_len);
		assert_memory_equal(out, cases[i].want, want_len);
		assert_int_equal(out[n], 0x5a); /* no NUL written */
		assert_int_equal(replaced, cases[i].invalid > 0);
		/* replaced may be NULL */
		assert_int_equal(
			utf8_repair(out, cases[i].s, cases[i].len, cases[i].flags, NULL), want_len);
	}
}

/* The ASCII scan steps 64, then 16 bytes at a time: one invalid byte (or NUL with UTF8_NUL)
 * is found wherever it falls in a long ASCII string, and a valid sequence is not counted. */
static void test_invalid_long_runs(void **state)
{
	char s[200];
	size_t len, pos;

	(void)state;
	for (len = 1; len <= sizeof(s); len += 29) {
		for (pos = 0; pos < len; pos++) {
			memset(s, 'x', len);
			s[pos] = (char)0xff;
			assert_int_equal(utf8_invalid(s, len, 0), 1);
			s[pos] = '\0';
			assert_int_equal(utf8_invalid(s, len, 0), 0);
			assert_int_equal(utf8_invalid(s, len, UTF8_NUL), 1);
			if (pos + 1 < len) {
				s[pos] = (char)0xc3;
				s[pos + 1] = (char)0xa9;
				assert_int_equal(utf8_invalid(s, len, UTF8_NUL), 0);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_trim_partial),
		cmocka_unit_test(test_repair_dup),
		cmocka_unit_test(test_repair_runs),
		cmocka_unit_test(test_repair),
		cmocka_unit_test(test_invalid_long_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
