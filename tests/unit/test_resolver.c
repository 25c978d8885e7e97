/* SPDX-License-Identifier: Apache-2.0 */
/* resolver: numeric addresses at once, names in the worker, the last good addresses while a
 * name is not answered, a bounded wait, look-ups held until the privileges are gone. getaddrinfo is
 * wrapped: "slow.test" blocks while `hang` is set, "gone.test" fails while `gone` is set. */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "shipper/out/resolver.h"

static atomic_int hang, gone, calls;

int __real_getaddrinfo(
	const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res);
int __wrap_getaddrinfo(
	const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res);

int __wrap_getaddrinfo(
	const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
	int i;

	calls++;
	if (node && !strcmp(node, "slow.test")) {
		for (i = 0; i < 500 && hang; i++)
			usleep(10000);
		node = "127.0.0.1";
	}
	if (node && !strcmp(node, "gone.test")) {
		if (gone)
			return EAI_NONAME;
		node = "::1";
	}
	return __real_getaddrinfo(node, service, hints, res);
}

static int64_t ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A numeric address needs no worker and no wait. */
static void test_numeric(void **state)
{
	struct addrinfo *res;
	char err[128] = "";

	(void)state;
	calls = 0;
	assert_int_equal(resolv_lookup("127.0.0.1", 514, &res, err, sizeof(err)), 0);
	assert_non_null(res);
	assert_int_equal(res->ai_family, AF_INET);
	resolv_free(res);
	assert_int_equal(calls, 1);
}

/* Start-up waits (bounded) for the first answer; in the loop a name not answered yet is
 * "no answer yet" at once, and the last good addresses answer while a refresh hangs. */
static void test_hung_name(void **state)
{
	struct addrinfo *res;
	char err[128] = "";
	int64_t t0;
	int i;

	(void)state;
	resolv_set_wait_until(ms() + 2000);
	assert_int_equal(resolv_lookup("slow.test", 514, &res, err, sizeof(err)), 0);
	resolv_free(res);
	hang = 1;
	resolv_set_wait_until(0);
	t0 = ms();
	for (i = 0; i < 5; i++) {
		assert_int_equal(resolv_lookup("slow.test", 514, &res, err, sizeof(err)), 0);
		assert_non_null(res);
		resolv_free(res);
	}
	/* a name never answered before: at once, no addresses */
	assert_int_equal(resolv_lookup("slow.test", 515, &res, err, sizeof(err)), -EINPROGRESS);
	assert_null(res);
	assert_string_equal(err, "resolve slow.test: no answer yet");
	assert_true(ms() - t0 < 200);
	hang = 0;
	t0 = ms();
	while (resolv_lookup("slow.test", 515, &res, err, sizeof(err)) != 0 && ms() - t0 < 8000)
		usleep(20000);
	assert_non_null(res);
	resolv_free(res);
}

/* A failed refresh keeps the last good addresses; a name that never resolved says why. */
static void test_failure_keeps_good(void **state)
{
	struct addrinfo *res;
	char err[128] = "";
	uint64_t good;

	(void)state;
	resolv_set_wait_until(-1); /* the default: each look-up waits up to a second */
	gone = 0;
	good = resolv_good_answers();
	assert_int_equal(resolv_lookup("gone.test", 514, &res, err, sizeof(err)), 0);
	assert_int_equal(res->ai_family, AF_INET6);
	resolv_free(res);
	assert_true(resolv_good_answers() > good);
	gone = 1;
	assert_int_equal(resolv_lookup("gone.test", 514, &res, err, sizeof(err)), 0);
	resolv_free(res);
	assert_int_equal(resolv_lookup("gone.test", 600, &res, err, sizeof(err)), -EHOSTUNREACH);
	assert_string_equal(err, "resolve gone.test: Name or service not known");
	gone = 0;
}

/* Held (privileges not yet given up): look-ups only queue; released, the workers answer them,
 * within the bound. */
static void test_hold_release(void **state)
{
	struct addrinfo *res;
	char err[128] = "";

	(void)state;
	resolv_hold();
	assert_int_equal(resolv_lookup("gone.test", 700, &res, err, sizeof(err)), -EINPROGRESS);
	assert_null(res);
	assert_int_equal(resolv_release(ms() + 2000), 0);
	resolv_set_wait_until(0);
	assert_int_equal(resolv_lookup("gone.test", 700, &res, err, sizeof(err)), 0);
	assert_non_null(res);
	resolv_free(res);
	/* a name that hangs: release returns at the bound, saying so */
	hang = 1;
	resolv_hold();
	assert_int_equal(resolv_lookup("slow.test", 701, &res, err, sizeof(err)), -EINPROGRESS);
	assert_int_equal(resolv_release(ms() + 300), -EINPROGRESS);
	hang = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numeric),
		cmocka_unit_test(test_hung_name),
		cmocka_unit_test(test_failure_keeps_good),
		cmocka_unit_test(test_hold_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
