/* SPDX-License-Identifier: Apache-2.0 */
/* shipper/text/pidlimit.c: burst per process and window, the first drop said once, the lost
 * count reported when the window ends (by the next message or by the sweep), emergencies never
 * limited, and a full table that evicts the oldest window with its report. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "shipper/text/pidlimit.h"

#define SEC 1000000000ULL

static void burst_then_drops_then_report(void **state)
{
	struct pidlimit *l = pidlimit_new(5, 3);
	struct pidlimit_report r, out[4];
	int i;

	(void)state;
	assert_non_null(l);
	for (i = 0; i < 3; i++)
		assert_int_equal(pidlimit_take(l, 100, 6, SEC + (uint64_t)i, &r), PIDLIMIT_PASS);
	assert_int_equal(pidlimit_take(l, 100, 6, SEC + 10, &r), PIDLIMIT_FIRST_DROP);
	assert_int_equal(pidlimit_take(l, 100, 6, SEC + 11, &r), PIDLIMIT_DROP);
	/* another process has its own budget */
	assert_int_equal(pidlimit_take(l, 200, 6, SEC + 12, &r), PIDLIMIT_PASS);
	/* emergencies and alerts always pass */
	assert_int_equal(pidlimit_take(l, 100, 0, SEC + 13, &r), PIDLIMIT_PASS);
	assert_int_equal(pidlimit_take(l, 100, 1, SEC + 13, &r), PIDLIMIT_PASS);
	assert_int_equal(pidlimit_get_stats(l)->dropped, 2);
	/* the window ends: the next message carries the report */
	assert_int_equal(pidlimit_take(l, 100, 6, 7 * SEC, &r), PIDLIMIT_PASS);
	assert_int_equal(r.pid, 100);
	assert_int_equal(r.lost, 2);
	/* a window ending with drops and no message after it: the sweep reports it once */
	for (i = 0; i < 4; i++)
		pidlimit_take(l, 300, 6, 8 * SEC, &r);
	assert_int_equal(pidlimit_expired(l, 9 * SEC, out, 4), 0);
	assert_int_equal(pidlimit_expired(l, 13 * SEC, out, 4), 1);
	assert_int_equal(out[0].pid, 300);
	assert_int_equal(out[0].lost, 1);
	assert_int_equal(pidlimit_expired(l, 14 * SEC, out, 4), 0);
	pidlimit_free(l);
}

static void full_table_evicts_oldest(void **state)
{
	struct pidlimit *l = pidlimit_new(60, 1);
	struct pidlimit_report r;
	uint64_t evicted_with_report = 0;
	pid_t pid;

	(void)state;
	/* every process drops one; far more processes than slots */
	for (pid = 1; pid <= 4 * PIDLIMIT_SLOTS; pid++) {
		pidlimit_take(l, pid, 6, (uint64_t)pid, &r);
		evicted_with_report += r.lost;
		pidlimit_take(l, pid, 6, (uint64_t)pid, &r);
		evicted_with_report += r.lost;
	}
	assert_true(pidlimit_get_stats(l)->evicted > 0);
	assert_true(evicted_with_report > 0);
	assert_int_equal(pidlimit_get_stats(l)->dropped, 4 * PIDLIMIT_SLOTS);
	pidlimit_free(l);
	pidlimit_free(NULL);
}

static void bad_arguments(void **state)
{
	(void)state;
	errno = 0;
	assert_null(pidlimit_new(0, 5));
	assert_int_equal(errno, EINVAL);
	assert_null(pidlimit_new(5, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(burst_then_drops_then_report),
		cmocka_unit_test(full_table_evicts_oldest),
		cmocka_unit_test(bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
