/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the time budget: per key and shared, per window, the shared budget counting
 * each key only up to its own, and a full table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "shipper/admit/budget.h"

#define MS 1000000ULL

static void test_per_key(void **state)
{
	struct budget b;

	(void)state;
	budget_init(&b, 100 * MS, 5 * MS, 25 * MS);
	assert_int_equal(budget_ask(&b, 1000, 0), BUDGET_OK);
	budget_charge(&b, 3 * MS);
	assert_int_equal(budget_ask(&b, 1000, 10 * MS), BUDGET_OK);
	budget_charge(&b, 2 * MS);
	/* 5 ms spent: over for the rest of the window, others are not. */
	assert_int_equal(budget_ask(&b, 1000, 20 * MS), BUDGET_OVER_KEY);
	budget_charge(&b, 0);
	assert_int_equal(budget_ask(&b, 0, 30 * MS), BUDGET_OK);
	budget_charge(&b, 1 * MS);
	assert_int_equal(budget_ask(&b, 1000, 99 * MS), BUDGET_OVER_KEY);
	/* A new window forgives. */
	assert_int_equal(budget_ask(&b, 1000, 100 * MS), BUDGET_OK);
	budget_charge(&b, 1 * MS);
	assert_int_equal(budget_ask(&b, 1000, 150 * MS), BUDGET_OK);
}

/* One key's 60 ms event counts 5 ms in the shared budget: the others go on; five keys at
 * their budget exhaust it for everyone. */
static void test_shared(void **state)
{
	struct budget b;
	uint32_t k;

	(void)state;
	budget_init(&b, 100 * MS, 5 * MS, 25 * MS);
	assert_int_equal(budget_ask(&b, 7, 1), BUDGET_OK);
	budget_charge(&b, 60 * MS);
	assert_int_equal(budget_ask(&b, 7, 2), BUDGET_OVER_KEY);
	budget_charge(&b, 60 * MS); /* over already: adds nothing to the shared budget */
	assert_int_equal(budget_ask(&b, 8, 3), BUDGET_OK);
	budget_charge(&b, 4 * MS);
	for (k = 100; k < 103; k++) {
		assert_int_equal(budget_ask(&b, k, 4), BUDGET_OK);
		budget_charge(&b, 5 * MS);
	}
	/* 5 + 4 + 15 = 24 ms: one more millisecond closes it. */
	assert_int_equal(budget_ask(&b, 200, 5), BUDGET_OK);
	budget_charge(&b, 1 * MS);
	assert_int_equal(budget_ask(&b, 201, 6), BUDGET_OVER_ALL);
	assert_int_equal(budget_ask(&b, 7, 7), BUDGET_OVER_ALL);
	assert_int_equal(budget_ask(&b, 201, 100 * MS), BUDGET_OK);
}

/* More keys than slots in one window: the ones without a slot are held to the shared budget
 * alone, and charged to it in full. */
static void test_full_table(void **state)
{
	struct budget b;
	uint32_t k;
	int without = 0;

	(void)state;
	budget_init(&b, 100 * MS, 5 * MS, 1000 * MS);
	for (k = 0; k < 4 * BUDGET_SLOTS; k++) {
		assert_int_equal(budget_ask(&b, k, 1), BUDGET_OK);
		without += b.cur == NULL;
		budget_charge(&b, 1);
	}
	assert_true(without >= 3 * BUDGET_SLOTS);
	assert_int_equal(budget_ask(&b, 1u << 31, 1), BUDGET_OK);
	assert_null(b.cur);
	budget_charge(&b, 1000 * MS);
	assert_int_equal(budget_ask(&b, 0, 2), BUDGET_OVER_ALL);
	/* The next window starts empty: every key finds a slot again. */
	assert_int_equal(budget_ask(&b, 1u << 31, 100 * MS), BUDGET_OK);
	assert_non_null(b.cur);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_key),
		cmocka_unit_test(test_shared),
		cmocka_unit_test(test_full_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
