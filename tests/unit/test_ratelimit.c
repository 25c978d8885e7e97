/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the export rate limit: bucket arithmetic and report cadence. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shipper/admit/ratelimit.h"
#include "mock_log.h"

#define SEC    1000000000ULL
#define MINUTE (60 * SEC)
#define T0     (1000 * SEC) /* an arbitrary monotonic start */

static struct ratelimit *new_rl(long long rate, uint64_t now)
{
	char err[128] = "";
	struct ratelimit *rl = ratelimit_new(rate, now, err, sizeof(err));

	assert_non_null(rl);
	assert_string_equal(err, "");
	return rl;
}

static unsigned int allow_n(struct ratelimit *rl, unsigned int n, uint64_t now)
{
	unsigned int ok = 0;

	while (n--)
		ok += ratelimit_allow(rl, now);
	return ok;
}

static void test_burst(void **state)
{
	struct ratelimit *rl = new_rl(100, T0);

	(void)state;
	/* The bucket starts full: exactly N pass at once, the rest are counted. */
	assert_int_equal(allow_n(rl, 150, T0), 100);
	assert_true(ratelimit_dropped(rl) == 50);
	assert_false(ratelimit_allow(rl, T0));
	assert_true(ratelimit_dropped(rl) == 51);
	ratelimit_free(rl);
}

static void test_refill(void **state)
{
	struct ratelimit *rl = new_rl(60, T0); /* one token a second */

	(void)state;
	assert_int_equal(allow_n(rl, 60, T0), 60);
	assert_false(ratelimit_allow(rl, T0 + SEC - 1));
	assert_true(ratelimit_allow(rl, T0 + SEC));
	assert_false(ratelimit_allow(rl, T0 + SEC));
	/* Refill is continuous: half a second twice gives one token, not zero. */
	assert_false(ratelimit_allow(rl, T0 + SEC + SEC / 2));
	assert_true(ratelimit_allow(rl, T0 + 2 * SEC));
	/* Ten seconds give ten tokens. */
	assert_int_equal(allow_n(rl, 20, T0 + 12 * SEC), 10);
	/* A long quiet time refills the burst, never more. */
	assert_int_equal(allow_n(rl, 100, T0 + 3600 * SEC), 60);
	/* A clock going backwards refills nothing. */
	assert_false(ratelimit_allow(rl, T0));
	ratelimit_free(rl);
}

static void test_sustained_rate(void **state)
{
	struct ratelimit *rl = new_rl(600, T0); /* 10/s */
	unsigned int ok = 0, ms;

	(void)state;
	assert_int_equal(allow_n(rl, 600, T0), 600);
	/* 100 events a second for 60 s: 600 more pass (the refill), no rounding drift. */
	for (ms = 10; ms <= 60000; ms += 10)
		ok += ratelimit_allow(rl, T0 + ms * 1000000ULL);
	assert_int_equal(ok, 600);
	assert_true(ratelimit_dropped(rl) == 6000 - 600);
	ratelimit_free(rl);
}

static void test_unlimited_and_disabled(void **state)
{
	struct ratelimit *rl = new_rl(-1, T0);
	uint64_t d = 99;

	(void)state;
	assert_int_equal(allow_n(rl, 100000, T0), 100000);
	assert_true(ratelimit_dropped(rl) == 0);
	assert_false(ratelimit_report_due(rl, T0 + MINUTE, &d));
	assert_true(d == 0);
	ratelimit_free(rl);

	/* 0: nothing is exported, every event counted, and no rate_limit_info either. */
	rl = new_rl(0, T0);
	assert_int_equal(allow_n(rl, 10, T0 + MINUTE), 0);
	assert_true(ratelimit_dropped(rl) == 10);
	assert_false(ratelimit_report_due(rl, T0 + 5 * MINUTE, &d));
	assert_true(d == 10);
	ratelimit_free(rl);
}

static void test_bad_rate(void **state)
{
	static const long long bad[] = {-2, -100, RATELIMIT_MAX + 1, 1LL << 62};
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		errno = 0;
		assert_null(ratelimit_new(bad[i], T0, err, sizeof(err)));
		assert_int_equal(errno, EINVAL);
		assert_non_null(strstr(err, "out of range (-1..100000000)"));
	}
	assert_string_equal(err, "ratelimit: 4611686018427387904 events per minute out of range "
				 "(-1..100000000)");
	/* The largest rate works without overflow. */
	{
		struct ratelimit *rl = new_rl(RATELIMIT_MAX, T0);

		assert_int_equal(allow_n(rl, 1000, T0), 1000);
		assert_true(ratelimit_allow(rl, T0 + 59 * SEC));
		ratelimit_free(rl);
	}
}

static void test_set_rate(void **state)
{
	struct ratelimit *rl = new_rl(10, T0);

	(void)state;
	assert_int_equal(allow_n(rl, 20, T0), 10);
	assert_int_equal(ratelimit_set_rate(rl, -5, T0), -EINVAL);
	assert_true(ratelimit_rate(rl) == 10);
	assert_int_equal(ratelimit_set_rate(rl, 5, T0 + SEC), 0);
	assert_true(ratelimit_rate(rl) == 5);
	assert_int_equal(allow_n(rl, 20, T0 + SEC), 5);
	assert_true(ratelimit_dropped(rl) == 25); /* counters survive a new rate */
	assert_int_equal(ratelimit_set_rate(rl, -1, T0 + SEC), 0);
	assert_int_equal(allow_n(rl, 20, T0 + SEC), 20);
	ratelimit_free(rl);
}

/* Tetragon v1.7.0's timing (pkg/ratelimit): a one-minute ticker from the start; at each tick
 * the drops since the last one are reported, if any. */
static void test_report_cadence(void **state)
{
	struct ratelimit *rl = new_rl(5, T0);
	uint64_t d = 99;

	(void)state;
	/* Drops in the first second wait for the first tick, a minute after the start. */
	assert_int_equal(allow_n(rl, 8, T0 + SEC), 5);
	assert_false(ratelimit_report_due(rl, T0 + 2 * SEC, &d));
	assert_true(d == 3);
	assert_false(ratelimit_report_due(rl, T0 + MINUTE - 1, &d));
	assert_true(ratelimit_report_due(rl, T0 + MINUTE, &d));
	assert_true(d == 3);
	/* Reported once: the same tick, checked again, has nothing more. */
	assert_false(ratelimit_report_due(rl, T0 + MINUTE + SEC, &d));
	assert_true(d == 0);
	/* Drops just after a tick wait a whole minute, for the next one. */
	assert_int_equal(allow_n(rl, 10, T0 + MINUTE + 2 * SEC), 5);
	assert_false(ratelimit_report_due(rl, T0 + MINUTE + 30 * SEC, &d));
	assert_true(d == 5);
	assert_false(ratelimit_report_due(rl, T0 + 2 * MINUTE - 1, &d));
	assert_true(ratelimit_report_due(rl, T0 + 2 * MINUTE + SEC / 2, &d));
	assert_true(d == 5);
	/* A minute with no drops: nothing at its tick. */
	assert_false(ratelimit_report_due(rl, T0 + 3 * MINUTE, &d));
	assert_true(d == 0);
	/* A loop too busy to check at 4 and 5 minutes: the drops go out at the late check, and
	 * the ticker keeps its phase (the next tick is at 7 minutes, not 7:30). */
	assert_int_equal(allow_n(rl, 7, T0 + 3 * MINUTE + SEC), 5);
	assert_true(ratelimit_report_due(rl, T0 + 6 * MINUTE + 30 * SEC, &d));
	assert_true(d == 2);
	assert_int_equal(allow_n(rl, 6, T0 + 6 * MINUTE + 31 * SEC), 5);
	assert_false(ratelimit_report_due(rl, T0 + 7 * MINUTE - 1, &d));
	assert_true(d == 1);
	assert_true(ratelimit_report_due(rl, T0 + 7 * MINUTE, &d));
	assert_true(d == 1);
	assert_true(ratelimit_dropped(rl) == 11);
	/* A new rate (SIGHUP) keeps the ticker. */
	assert_int_equal(ratelimit_set_rate(rl, 1, T0 + 7 * MINUTE + SEC), 0);
	assert_int_equal(allow_n(rl, 3, T0 + 7 * MINUTE + SEC), 1);
	assert_false(ratelimit_report_due(rl, T0 + 8 * MINUTE - 1, &d));
	assert_true(ratelimit_report_due(rl, T0 + 8 * MINUTE, &d));
	assert_true(d == 2);
	assert_int_equal(mock_log_warnings, 0);
	ratelimit_free(rl);
}

static unsigned int allow_uid_n(struct ratelimit *rl, uint32_t uid, unsigned int n, uint64_t now)
{
	unsigned int ok = 0;

	while (n--)
		ok += ratelimit_allow_uid(rl, uid, now);
	return ok;
}

/* A uid at its own limit stops taking from the shared bucket: the others still get theirs;
 * the uid's bucket refills at its own rate. */
static void test_per_uid(void **state)
{
	struct ratelimit *rl = new_rl(100, T0);

	(void)state;
	assert_int_equal(ratelimit_per_uid(rl), RATELIMIT_UNLIMITED);
	assert_int_equal(ratelimit_set_per_uid(rl, 30, T0), 0);
	assert_int_equal(ratelimit_per_uid(rl), 30);
	assert_int_equal(allow_uid_n(rl, 1000, 500, T0), 30);
	assert_int_equal(allow_uid_n(rl, 0, 20, T0), 20);
	assert_int_equal(allow_uid_n(rl, 1001, 40, T0), 30);
	/* 80 of the shared 100 spent: uid 2 gets the last 20, then the shared bucket says no. */
	assert_int_equal(allow_uid_n(rl, 2, 30, T0), 20);
	assert_true(ratelimit_dropped(rl) == 470 + 10 + 10);
	assert_true(ratelimit_uid_dropped(rl) == 470 + 10);
	/* Two seconds refill 1 token of uid 1000's 30 a minute and 3 of the shared 100. */
	assert_int_equal(allow_uid_n(rl, 1000, 5, T0 + 2 * SEC), 1);
	assert_int_equal(allow_uid_n(rl, 0, 5, T0 + 2 * SEC), 2);
	/* Off again: the shared bucket alone decides (2 tokens refilled by now). */
	assert_int_equal(ratelimit_set_per_uid(rl, RATELIMIT_UNLIMITED, T0 + 3 * SEC), 0);
	assert_int_equal(allow_uid_n(rl, 1000, 5, T0 + 3 * SEC), 2);
	assert_int_equal(ratelimit_set_per_uid(rl, RATELIMIT_MAX + 1, T0), -EINVAL);
	assert_int_equal(ratelimit_per_uid(rl), RATELIMIT_UNLIMITED);
	ratelimit_free(rl);
}

/* Whose events were dropped: most first, then the lower uid, at most max, counting again
 * from 0 after each call. */
static void test_uid_drops(void **state)
{
	struct ratelimit *rl = new_rl(-1, T0);
	struct ratelimit_uid_drops d[3];

	(void)state;
	assert_int_equal(ratelimit_set_per_uid(rl, 1, T0), 0);
	allow_uid_n(rl, 5, 3, T0);    /* 2 dropped */
	allow_uid_n(rl, 1000, 9, T0); /* 8 */
	allow_uid_n(rl, 7, 3, T0);    /* 2 */
	allow_uid_n(rl, 9, 2, T0);    /* 1 */
	allow_uid_n(rl, 4, 1, T0);    /* 0 */
	assert_int_equal(ratelimit_take_uid_drops(rl, d, 3), 3);
	assert_int_equal(d[0].uid, 1000);
	assert_true(d[0].dropped == 8);
	assert_int_equal(d[1].uid, 5);
	assert_true(d[1].dropped == 2);
	assert_int_equal(d[2].uid, 7);
	assert_int_equal(ratelimit_take_uid_drops(rl, d, 3), 0);
	allow_uid_n(rl, 9, 1, T0);
	assert_int_equal(ratelimit_take_uid_drops(rl, d, 3), 1);
	assert_int_equal(d[0].uid, 9);
	assert_true(d[0].dropped == 1);
	ratelimit_free(rl);
}

/* More uids than the table holds: busy ones are kept, the rest share one bucket; after a
 * quiet minute, idle entries make room. */
static void test_uid_table_cap(void **state)
{
	struct ratelimit *rl = new_rl(-1, T0);
	struct ratelimit_uid_drops d[2];
	uint32_t uid;

	(void)state;
	assert_int_equal(ratelimit_set_per_uid(rl, 1, T0), 0);
	for (uid = 0; uid < RATELIMIT_UIDS_MAX; uid++)
		assert_true(ratelimit_allow_uid(rl, uid, T0));
	/* Full: the newcomers share the one "other" bucket of 1. */
	assert_true(ratelimit_allow_uid(rl, 100000, T0 + 1));
	assert_false(ratelimit_allow_uid(rl, 100001, T0 + 2));
	assert_false(ratelimit_allow_uid(rl, 0, T0 + 3)); /* its own, spent */
	assert_int_equal(ratelimit_take_uid_drops(rl, d, 2), 1);
	assert_int_equal(d[0].uid, 0);
	/* A minute later every bucket is full again: room for a new uid of its own. */
	assert_true(ratelimit_allow_uid(rl, 200000, T0 + 2 * MINUTE));
	assert_false(ratelimit_allow_uid(rl, 200000, T0 + 2 * MINUTE));
	assert_true(ratelimit_allow_uid(rl, 200001, T0 + 2 * MINUTE));
	assert_int_equal(ratelimit_take_uid_drops(rl, d, 2), 1);
	assert_int_equal(d[0].uid, 200000);
	ratelimit_free(rl);
}

/* At exit the drops not reported yet are due at once, whatever the cadence; once; never
 * with a rate of 0. */
static void test_report_final(void **state)
{
	struct ratelimit *rl = new_rl(2, T0);
	uint64_t d = 99;

	(void)state;
	assert_false(ratelimit_report_final(rl, &d));
	assert_true(d == 0);
	assert_int_equal(allow_n(rl, 5, T0), 2);
	assert_int_equal(allow_n(rl, 4, T0 + 2 * SEC), 0);
	assert_true(ratelimit_report_final(rl, &d));
	assert_true(d == 7);
	assert_false(ratelimit_report_final(rl, &d));
	ratelimit_free(rl);
	rl = new_rl(0, T0);
	assert_int_equal(allow_n(rl, 3, T0), 0);
	assert_false(ratelimit_report_final(rl, &d));
	ratelimit_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_refill),
		cmocka_unit_test(test_sustained_rate),
		cmocka_unit_test(test_unlimited_and_disabled),
		cmocka_unit_test(test_bad_rate),
		cmocka_unit_test(test_set_rate),
		cmocka_unit_test(test_report_cadence),
		cmocka_unit_test(test_per_uid),
		cmocka_unit_test(test_uid_drops),
		cmocka_unit_test(test_uid_table_cap),
		cmocka_unit_test(test_report_final),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
