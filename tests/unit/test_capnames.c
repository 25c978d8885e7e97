/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for lib/capnames: Tetragon's CapabilitiesType names both ways. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/capnames.h"

static void test_names(void **state)
{
	unsigned bit;

	(void)state;
	assert_string_equal(capnames_name(0), "CAP_CHOWN");
	assert_string_equal(capnames_name(1), "DAC_OVERRIDE"); /* the proto's spelling */
	assert_string_equal(capnames_name(21), "CAP_SYS_ADMIN");
	assert_string_equal(capnames_name(39), "CAP_BPF");
	assert_string_equal(capnames_name(40), "CAP_CHECKPOINT_RESTORE");
	assert_null(capnames_name(41));
	assert_null(capnames_name(CAPNAMES_BITS));
	for (bit = 0; capnames_name(bit); bit++)
		assert_int_equal(capnames_bit(capnames_name(bit)), bit);
	assert_int_equal(bit, 41);
	assert_int_equal(capnames_bit("CAP_DAC_OVERRIDE"), -ENOENT);
	assert_int_equal(capnames_bit("cap_bpf"), -ENOENT);
	assert_int_equal(capnames_bit(""), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
