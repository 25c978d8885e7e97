/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for conf's option rules that are not the YAML reader's: Tetragon's
 * --enable-ancestors types (a comma list or a YAML list, bad names refused with their line)
 * and a reload keeping restart-only lists and names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "shipper/conf/conf.h"
#include "shipper/conf/conf_yaml.h"

static int restart_changes;

static void on_restart(void *arg, const struct conf_option *o)
{
	(void)arg;
	assert_true(o->restart);
	restart_changes++;
}

/* A restart-only list (--enable-ancestors) and name (--username-metadata) changed by a
 * reload: reported, and the running values put back. */
static void test_keep_restart_list(void **state)
{
	struct conf run, next;
	char err[256];

	(void)state;
	conf_defaults(&run);
	conf_defaults(&next);
	assert_int_equal(conf_set(&run, conf_find("enable-ancestors"), "base", CONF_FROM_ARGS, err,
				 sizeof(err)),
		0);
	assert_int_equal(conf_set(&next, conf_find("username-metadata"), "unix", CONF_FROM_FILE,
				 err, sizeof(err)),
		0);
	assert_int_equal(conf_set(&next, conf_find("enable-ancestors"), "bogus", CONF_FROM_FILE,
				 err, sizeof(err)),
		-1);
	assert_non_null(strstr(err, "unknown event type 'bogus'"));
	assert_true(conf_ancestors_base(&run) && !conf_ancestors_base(&next));
	restart_changes = 0;
	assert_int_equal(conf_keep_restart(&next, &run, on_restart, NULL), 0);
	assert_int_equal(restart_changes, 2);
	assert_true(conf_ancestors_base(&next));
	assert_int_equal(next.username_metadata, CONF_USERNAME_DISABLED);
	conf_free(&run);
	assert_true(conf_ancestors_base(&next)); /* copies of its own */
	conf_free(&next);
}

/* enable-ancestors as Tetragon's YAML takes it: a comma list or a YAML list; a bad type is
 * refused with its file and line. */
static void test_ancestors_yaml(void **state)
{
	static const char list[] = "enable-ancestors: [kprobe, base]\nusername-metadata: unix\n";
	static const char comma[] = "enable-ancestors: \"base,lsm\"\n";
	static const char bad[] = "\nenable-ancestors: [base, exec]\n";
	char err[256];
	struct conf c;

	(void)state;
	conf_defaults(&c);
	assert_false(conf_ancestors_base(&c) || conf_ancestors_other(&c));
	assert_int_equal(
		conf_load_yaml_string(&c, "<mem>", list, sizeof(list) - 1, err, sizeof(err)), 0);
	assert_true(conf_ancestors_base(&c) && conf_ancestors_other(&c));
	assert_int_equal(c.username_metadata, CONF_USERNAME_UNIX);
	conf_free(&c);
	conf_defaults(&c);
	assert_int_equal(
		conf_load_yaml_string(&c, "<mem>", comma, sizeof(comma) - 1, err, sizeof(err)), 0);
	assert_true(conf_ancestors_base(&c));
	conf_free(&c);
	conf_defaults(&c);
	assert_int_equal(
		conf_load_yaml_string(&c, "<mem>", bad, sizeof(bad) - 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "<mem>:2: enable-ancestors: unknown event type 'exec'"));
	conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_restart_list),
		cmocka_unit_test(test_ancestors_yaml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
