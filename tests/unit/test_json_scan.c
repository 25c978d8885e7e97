/* SPDX-License-Identifier: Apache-2.0 */
/* lib/json_scan: the grammar cases, and every special byte at every offset of the vector scan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/json_scan.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_grammar(void **state)
{
	static const struct {
		const char *text;
		bool object;
	} cases[] = {
		{"{\"process_exec\":{\"a\":[1,2.5e3,true,null,\"\\u00e9/\"]}}", true},
		{"{}", true},
		{" \t\r\n{ } \n", true},
		{"{\"a\":-0.5E+2,\"b\":0,\"c\":-1e-7,\"d\":[],\"e\":{}}", true},
		{"{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\uABcd\"}", true},
		{"{\"caf\xc3\xa9\":\"\xf0\x9f\x9a\x80\"}", true},
		{"{\"a\":1", false},
		{"{\"a\":1} x", false},
		{"{\"a\":1}{}", false},
		{"{\"a\":\"\xff\"}", false},
		{"{\"a\":01}", false},
		{"{\"a\":\"\\x\"}", false},
		{"{\"a\":\"\\u00g0\"}", false},
		{"{\"a\":1,}", false},
		{"{\"a\" 1}", false},
		{"{a:1}", false},
		{"{\"a\":tru}", false},
		{"{\"a\":-}", false},
		{"{\"a\":1.}", false},
		{"{\"a\":1e}", false},
		{"{\"a\":\"\t\"}", false},
		{"[1]", false},
		{"\"s\"", false},
		{"1", false},
		{"", false},
		{" ", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		if (json_scan_object(cases[i].text, strlen(cases[i].text)) != cases[i].object)
			fail_msg("case %zu (%s): %s", i, cases[i].text,
				cases[i].object ? "refused" : "accepted");
	/* The length is the caller's: what lies past it is not looked at. */
	assert_true(json_scan_object("{}garbage", 2));
	assert_false(json_scan_object("{\"a\":1}", 6));
}

static void test_depth(void **state)
{
	char text[256];
	size_t depth, i, n;

	(void)state;
	/* 64 containers deep is accepted, 65 is not. */
	for (depth = 63; depth <= 66; depth++) {
		n = 0;
		text[n++] = '{';
		text[n++] = '"';
		text[n++] = 'k';
		text[n++] = '"';
		text[n++] = ':';
		for (i = 1; i < depth; i++)
			text[n++] = '[';
		for (i = 1; i < depth; i++)
			text[n++] = ']';
		text[n++] = '}';
		assert_int_equal(json_scan_object(text, n), depth <= 64);
	}
}

/* The string scan skips 64 bytes at a time: a byte that needs a closer look must be seen at
 * every offset of a block and of the tail, whichever vector width the CPU gets. */
static void test_string_scan_offsets(void **state)
{
	static const struct {
		const char *bytes; /* put inside the string at offset k */
		bool valid;
	} cases[] = {
		{"\\\"", true},
		{"\\\\", true},
		{"\\n", true},
		{"\\u00e9", true},
		{"\xc3\xa9", true},
		{"\xe2\x82\xac", true},
		{"\xf0\x9f\x9a\x80", true},
		{"\"", false},
		{"\t", false},
		{"\x01", false},
		{"\x7f", true},
		{"\xff", false},
		{"\xc3", false},
		{"\\q", false},
	};
	char line[512];
	size_t c, k, pad;

	(void)state;
	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		for (k = 0; k < 200; k++) {
			for (pad = 0; pad < 3; pad++) {
				size_t n = 0, len;

				n += (size_t)snprintf(line, sizeof(line), "{\"k\":\"");
				memset(line + n, 'x', k);
				n += k;
				len = strlen(cases[c].bytes);
				memcpy(line + n, cases[c].bytes, len);
				n += len;
				memset(line + n, 'y', pad * 37);
				n += pad * 37;
				n += (size_t)snprintf(line + n, sizeof(line) - n, "\"}");
				if (json_scan_object(line, n) != cases[c].valid)
					fail_msg("case %zu (%s) at offset %zu, tail %zu: %s", c,
						cases[c].bytes, k, pad * 37,
						cases[c].valid ? "refused" : "accepted");
			}
		}
	}
	/* The closing quote alone, at every offset: the string ends exactly there. */
	for (k = 0; k < 200; k++) {
		size_t n = (size_t)snprintf(line, sizeof(line), "{\"k\":\"");

		memset(line + n, 'x', k);
		n += k;
		n += (size_t)snprintf(line + n, sizeof(line) - n, "\",\"z\":1}");
		assert_true(json_scan_object(line, n));
		line[n - 1] = ' '; /* no closing brace: not JSON any more */
		assert_false(json_scan_object(line, n));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grammar),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_string_scan_offsets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
