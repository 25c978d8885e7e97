/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for "procship getevents -o compact". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "shipper/getevents.h"

static const char exec_ev[] =
	"{\"process_exec\":{\"process\":{\"pid\":5,\"binary\":\"/usr/bin/curl\","
	"\"arguments\":\"https://ebpf.io/applications/#tetragon\"}},\"node_name\":\"host1\","
	"\"time\":\"2023-10-06T22:03:57.700326678Z\"}";
static const char exit_ev[] =
	"{\"process_exit\":{\"process\":{\"pid\":5,\"binary\":\"/usr/bin/curl\","
	"\"arguments\":\"https://ebpf.io/applications/#tetragon\"},\"status\":60},"
	"\"node_name\":\"host1\"}";
static const char kill_ev[] =
	"{\"process_exit\":{\"process\":{\"pid\":6,\"binary\":\"/bin/sleep\",\"arguments\":\"9\"},"
	"\"signal\":\"SIGKILL\"},\"node_name\":\"h\"}";

static void test_exec_line(void **state)
{
	char buf[512];

	(void)state;
	assert_int_equal(getevents_compact(exec_ev, NULL, buf, sizeof(buf)), 71);
	assert_string_equal(buf, "\xf0\x9f\x9a\x80 process host1 /usr/bin/curl "
				 "https://ebpf.io/applications/#tetragon");
}

static void test_exit_lines(void **state)
{
	char buf[512];

	(void)state;
	assert_true(getevents_compact(exit_ev, NULL, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "\xf0\x9f\x92\xa5 exit    host1 /usr/bin/curl "
				 "https://ebpf.io/applications/#tetragon 60");
	assert_true(getevents_compact(kill_ev, NULL, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "\xf0\x9f\x92\xa5 exit    h /bin/sleep 9 SIGKILL");
}

static void test_filter_and_junk(void **state)
{
	const char *const curl[] = {"curl", NULL};
	const char *const other[] = {"bash", "ls", NULL};
	char buf[512];

	(void)state;
	assert_true(getevents_compact(exec_ev, curl, buf, sizeof(buf)) > 0);
	assert_int_equal(getevents_compact(exec_ev, other, buf, sizeof(buf)), 0);
	assert_int_equal(getevents_compact("{\"agent_init\":1}", NULL, buf, sizeof(buf)), 0);
	assert_int_equal(getevents_compact("not json", NULL, buf, sizeof(buf)), -1);
	assert_int_equal(getevents_compact("[1,2]", NULL, buf, sizeof(buf)), -1);
	/* A small buffer truncates, never overflows. */
	assert_int_equal(getevents_compact(exec_ev, NULL, buf, 8), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_line),
		cmocka_unit_test(test_exit_lines),
		cmocka_unit_test(test_filter_and_junk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
