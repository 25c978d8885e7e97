/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for conf_load_yaml_string(): arbitrary bytes as a config file. Checks what
 * the header promises: 0 or -1; a refusal names the file and is one printable line; an
 * accepted file leaves every value in its option's range. libyaml itself is not instrumented;
 * the loader's handling of its events is what is fuzzed.
 *
 *   clang -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -fsanitize=fuzzer,address,undefined \
 *	tests/fuzz/fuzz_conf_yaml.c shipper/conf_yaml.c shipper/conf.c framing/framing.c \
 *	tests/unit/mock_log.c -lyaml -o build/fuzz/fuzz_conf_yaml
 *   build/fuzz/fuzz_conf_yaml -max_total_time=60 -max_len=4096 tests/fuzz/corpus/conf_yaml
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shipper/conf/conf.h"
#include "shipper/conf/conf_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort() rather than assert(): the check must stay in a -DNDEBUG build. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static void check_values(const struct conf *c)
{
	size_t i, j;

	for (i = 0; i < conf_noptions; i++) {
		const struct conf_option *o = &conf_options[i];
		const char *field = (const char *)c + o->offset;
		const struct conf_list *list;

		switch (o->type) {
		case CONF_INT:
			CHECK(*(const long *)field >= o->min && *(const long *)field <= o->max);
			break;
		case CONF_NAME:
			CHECK(*(const int *)field >= 0);
			break;
		case CONF_STRING:
			CHECK(*(const char *const *)field != NULL);
			break;
		case CONF_LIST:
			list = (const struct conf_list *)field;
			CHECK(list->n >= 1 && list->n <= CONF_LIST_MAX);
			for (j = 0; j < list->n; j++)
				CHECK(list->v[j]);
			break;
		case CONF_BOOL:
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct conf c;
	size_t i;
	int rc;

	conf_defaults(&c);
	err[0] = '\0';
	rc = conf_load_yaml_string(&c, "fuzz.yaml", (const char *)data, size, err, sizeof(err));
	CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		check_values(&c);
	} else {
		CHECK(strncmp(err, "fuzz.yaml:", 10) == 0);
		for (i = 0; err[i]; i++)
			CHECK((unsigned char)err[i] >= 0x20 && err[i] != 0x7f);
	}
	conf_free(&c);
	return 0;
}
