/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for userdb: passwd lines -> names (first entry wins, malformed lines and names
 * unfit for JSON left out), no entry is no name, the bounds hold whatever the file, and a
 * changed file is read again at most once per check interval. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "shipper/capture/userdb.h"

static char path[64];

static void write_file(const char *text)
{
	char tmp[80];
	FILE *f;

	/* Replaced as useradd replaces it: a new file renamed over the old one. */
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/test_userdb.%d", (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void test_lookup(void **state)
{
	struct udb *u;

	(void)state;
	write_file("root:x:0:0:root:/root:/bin/bash\n"
		   "# a comment\n"
		   "\n"
		   "daemon:x:1:1::/:/usr/sbin/nologin\n"
		   "alice:x:1001:1001::/home/alice:/bin/sh\n"
		   "alias:x:1001:1001::/home/alice:/bin/sh\n" /* the first of a uid wins */
		   "+nis::::::\n"
		   "broken line\n"
		   "neg:x:-5:0::/:\n"
		   "big:x:4294967296:0::/:\n"
		   "bad\x01name:x:1500:0::/:\n"
		   "bad\xffutf:x:1501:0::/:\n"
		   "nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n"
		   "last:x:4294967294:0::/:"); /* no newline at the end */
	u = udb_new(path);
	assert_non_null(u);
	assert_int_equal(udb_count(u), 0);
	assert_int_equal(udb_reload(u, true, NULL, 0), 0);
	assert_int_equal(udb_count(u), 5);
	assert_string_equal(udb_lookup(u, 0, 0), "root");
	assert_string_equal(udb_lookup(u, 1, 0), "daemon");
	assert_string_equal(udb_lookup(u, 1001, 0), "alice");
	assert_string_equal(udb_lookup(u, 65534, 0), "nobody");
	assert_string_equal(udb_lookup(u, 4294967294u, 0), "last");
	assert_null(udb_lookup(u, 1500, 0));
	assert_null(udb_lookup(u, 1501, 0));
	assert_null(udb_lookup(u, 2, 0));
	assert_null(udb_lookup(u, 4294967295u, 0));
	/* nis, broken, neg, big, the control byte and the invalid UTF-8 */
	assert_true(udb_get_stats(u)->skipped == 6);
	assert_true(udb_get_stats(u)->misses == 4);
	assert_true(udb_get_stats(u)->loads == 1);
	udb_free(u);
}

static void test_refresh(void **state)
{
	struct udb *u;
	const uint64_t s = 1000000000ull;

	(void)state;
	write_file("root:x:0:0::/:\n");
	u = udb_new(path);
	assert_non_null(u);
	/* The first lookup reads the file. */
	assert_string_equal(udb_lookup(u, 0, 10 * s), "root");
	assert_null(udb_lookup(u, 1234, 10 * s));
	write_file("root:x:0:0::/:\nprocship-t:x:1234:1234::/:\n");
	/* Within the check interval the old table answers... */
	assert_null(udb_lookup(u, 1234, 10 * s + s / 2));
	/* ...after it, the new file. */
	assert_string_equal(udb_lookup(u, 1234, 11 * s), "procship-t");
	assert_true(udb_get_stats(u)->loads == 2);
	/* Unchanged: checked, not read again. */
	assert_string_equal(udb_lookup(u, 1234, 13 * s), "procship-t");
	assert_true(udb_get_stats(u)->loads == 2);
	/* Removed: the entry goes with the next read. */
	write_file("root:x:0:0::/:\n");
	assert_null(udb_lookup(u, 1234, 15 * s));
	udb_free(u);
}

static void test_missing_file(void **state)
{
	char err[256];
	struct udb *u = udb_new("/nonexistent/passwd");

	(void)state;
	assert_non_null(u);
	assert_int_equal(udb_reload(u, true, err, sizeof(err)), -2 /* ENOENT */);
	assert_non_null(strstr(err, "/nonexistent/passwd: cannot open"));
	assert_string_equal(udb_error(u), err);
	/* No name, never an error, for every uid. */
	assert_null(udb_lookup(u, 0, 0));
	assert_true(udb_get_stats(u)->load_errors == 2);
	udb_free(u);
	udb_free(NULL);
}

/* A file with more entries than the table holds: the first UDB_MAX_USERS stay, the others
 * are counted; a file over UDB_MAX_BYTES is refused and the table read before stays. */
static void test_bounds(void **state)
{
	size_t n = UDB_MAX_USERS + 10, i, o = 0;
	char *text = malloc(n * 32 + 1), err[256];
	struct udb *u;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < n; i++)
		o += (size_t)sprintf(text + o, "u%zu:x:%zu:0::/:\n", i, i + 100000);
	write_file(text);
	u = udb_new(path);
	assert_non_null(u);
	assert_int_equal(udb_reload(u, true, NULL, 0), 0);
	assert_int_equal(udb_count(u), UDB_MAX_USERS);
	assert_true(udb_get_stats(u)->skipped == 10);
	assert_string_equal(udb_lookup(u, 100000 + UDB_MAX_USERS - 1, 0), "u65535");
	assert_null(udb_lookup(u, 100000 + UDB_MAX_USERS, 0));
	free(text);
	text = malloc(UDB_MAX_BYTES + 2);
	assert_non_null(text);
	memset(text, '#', UDB_MAX_BYTES + 1);
	text[UDB_MAX_BYTES + 1] = '\0';
	write_file(text);
	free(text);
	assert_int_equal(udb_reload(u, true, err, sizeof(err)), -27 /* EFBIG */);
	assert_int_equal(udb_count(u), UDB_MAX_USERS);
	assert_string_equal(udb_lookup(u, 100000, 0), "u0");
	udb_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh, setup, teardown),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
