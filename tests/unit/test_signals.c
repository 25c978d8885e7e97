/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shipper/encode/signals.c and the exit keys event_json writes from a wait
 * status: Tetragon v1.7.0's rule (pkg/grpc/exec: code >> 8, and unix.SignalName of the low 7
 * bits with the core-dump bit masked off). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "shipper/encode/event_json.h"
#include "shipper/encode/signals.h"

static void test_names(void **state)
{
	(void)state;
	assert_null(signals_name(0));
	assert_string_equal(signals_name(1), "SIGHUP");
	assert_string_equal(signals_name(6), "SIGABRT");
	assert_string_equal(signals_name(9), "SIGKILL");
	assert_string_equal(signals_name(16), "SIGSTKFLT");
	assert_string_equal(signals_name(17), "SIGCHLD");
	assert_string_equal(signals_name(29), "SIGIO");
	assert_string_equal(signals_name(30), "SIGPWR");
	assert_string_equal(signals_name(31), "SIGSYS");
	/* Real-time signals have no name in Go's table. */
	assert_null(signals_name(32));
	assert_null(signals_name(34));
	assert_null(signals_name(64));
	assert_null(signals_name(-1));
	assert_null(signals_name(127));
}

/* The exit event for wait status `code`, by the cached writer and by the libfastjson tree:
 * the two must agree, and the tail after the parent must be `want`. */
static void check_exit(struct ejson *ej, uint32_t code, const char *want)
{
	struct pcache_proc proc = {0};
	const char *json, *tail;
	char *fast;
	size_t len;

	proc.pid = 7;
	proc.binary = "/bin/sleep";
	proc.ktime = 5;
	strcpy(proc.exec_id, "aWQ=");
	json = ejson_exit(ej, &proc, NULL, code, 2000000000, &len);
	assert_non_null(json);
	fast = strdup(json);
	assert_non_null(fast);
	json = ejson_event_tree(ej, true, &proc, NULL, code, 2000000000, &len);
	assert_non_null(json);
	assert_string_equal(fast, json);
	tail = strstr(fast, "\"tid\":7,\"in_init_tree\":false}");
	assert_non_null(tail);
	tail += strlen("\"tid\":7,\"in_init_tree\":false}");
	if (strcmp(tail, want) != 0)
		fail_msg("code %#x: got [%s], want [%s]", code, tail, want);
	free(fast);
	free(proc.json);
}

static void test_exit_keys(void **state)
{
	static const char end[] = "\"time\":\"1970-01-01T00:00:02Z\"},\"node_name\":\"n\","
				  "\"time\":\"1970-01-01T00:00:02Z\"}";
	struct ejson *ej = ejson_new("n", 0);
	char want[256];

	(void)state;
	assert_non_null(ej);
	snprintf(want, sizeof(want), ",\"signal\":\"SIGIO\",%s", end);
	check_exit(ej, 29, want);
	/* Killed by a real-time signal: no name, so neither signal nor status. */
	snprintf(want, sizeof(want), ",%s", end);
	check_exit(ej, 34, want);
	check_exit(ej, 64, want);
	check_exit(ej, 0, want);
	/* Core dumped (0x80): the signal without the bit. */
	snprintf(want, sizeof(want), ",\"signal\":\"SIGABRT\",%s", end);
	check_exit(ej, 6 | 0x80, want);
	snprintf(want, sizeof(want), ",\"status\":255,%s", end);
	check_exit(ej, 255 << 8, want);
	ejson_free(ej);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_exit_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
