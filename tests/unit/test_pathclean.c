/* SPDX-License-Identifier: Apache-2.0 */
/* lib/pathclean against Go's own filepath.Clean and Join test tables (their cases, rewritten
 * as expectations), and the buffer bounds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/pathclean.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_clean(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"abc", "abc"},
		{"abc/def", "abc/def"},
		{"a/b/c", "a/b/c"},
		{".", "."},
		{"..", ".."},
		{"../..", "../.."},
		{"../../abc", "../../abc"},
		{"/abc", "/abc"},
		{"/", "/"},
		{"", "."},
		{"abc/", "abc"},
		{"abc/def/", "abc/def"},
		{"/abc/", "/abc"},
		{"./", "."},
		{"../", ".."},
		{"//abc", "/abc"},
		{"///abc", "/abc"},
		{"abc//def//ghi", "abc/def/ghi"},
		{"//abc//", "/abc"},
		{"abc/./def", "abc/def"},
		{"/./abc/def", "/abc/def"},
		{"abc/.", "abc"},
		{"abc/def/ghi/../jkl", "abc/def/jkl"},
		{"abc/def/../ghi/../jkl", "abc/jkl"},
		{"abc/def/..", "abc"},
		{"abc/def/../..", "."},
		{"/abc/def/../..", "/"},
		{"abc/def/../../..", ".."},
		{"/abc/def/../../..", "/"},
		{"abc/def/../../../ghi/jkl/../../../mno", "../../mno"},
		{"/../abc", "/abc"},
		{"a/../b:/../../c", "../c"},
		{"abc/./../def", "def"},
		{"abc//./../def", "def"},
		{"abc/../../././../def", "../../def"},
		{"/tmp/../usr/bin/curl", "/usr/bin/curl"},
		{"/x (deleted)/./tool", "/x (deleted)/tool"},
	};
	char buf[128];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int n = pathclean(cases[i].in, strlen(cases[i].in), buf, sizeof(buf));

		assert_int_equal(n, strlen(cases[i].want));
		assert_string_equal(buf, cases[i].want);
	}
}

static void test_join(void **state)
{
	static const struct {
		const char *dir, *file, *want;
	} cases[] = {
		{"a", "b", "a/b"},
		{"a", "", "a"},
		{"", "b", "b"},
		{"/", "a", "/a"},
		{"/", "", "/"},
		{"a/", "b", "a/b"},
		{"a/", "", "a"},
		{"", "", ""},
		{"/tmp", "../usr/bin/curl", "/usr/bin/curl"},
		{"/tmp", "./tool", "/tmp/tool"},
		{"/", "../../bin/true", "/bin/true"},
		{"/a/b", "..//c/./d", "/a/c/d"},
		{"", "./x", "x"},
	};
	char buf[128];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int n = pathclean_join(cases[i].dir, cases[i].file, buf, sizeof(buf));

		assert_int_equal(n, strlen(cases[i].want));
		assert_string_equal(buf, cases[i].want);
	}
}

/* The output never needs more than the input plus a "." and a NUL, and a smaller buffer is
 * refused before anything is written past it. */
static void test_bounds(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(pathclean("/abcdef", 7, buf, 8), 7);
	assert_string_equal(buf, "/abcdef");
	assert_int_equal(pathclean("/abcdefg", 8, buf, 8), -ENOSPC);
	assert_int_equal(pathclean("", 0, buf, 2), 1);
	assert_string_equal(buf, ".");
	assert_int_equal(pathclean_join("/abc", "defg", buf, 8), -ENOSPC);
	assert_int_equal(pathclean_join("", "", buf, 0), -ENOSPC);
	/* no NUL needed in the input: exactly len bytes are read */
	assert_int_equal(pathclean("a/..XYZ", 4, buf, 8), 1);
	assert_string_equal(buf, ".");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
