/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for filters_new() and filters_pass(): arbitrary bytes as an allowlist and as
 * a denylist text. Checks what the header promises: a refusal sets errno to EINVAL or ENOMEM
 * and names the list in its message; an accepted filter set answers filters_pass for a few
 * events, with NULL strings too, odd path spellings and through filters_check (the time
 * budget, capability sets and parent arguments, known and not), without crashing or leaking;
 * both lists blank means inactive.
 *
 *   clang -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -I/usr/include/libfastjson \
 *	-fsanitize=fuzzer,address,undefined tests/fuzz/fuzz_filters.c shipper/admit/filters.c \
 *	shipper/admit/filters_parse.c shipper/admit/filters_caps.c shipper/admit/budget.c \
 *	lib/pathclean.c lib/capnames.c \
 *	-lfastjson -lpcre2-8 -o build/fuzz/fuzz_filters
 *   build/fuzz/fuzz_filters -max_total_time=60 tests/fuzz/corpus/filters
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shipper/admit/filters.h"

#define TEXT_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort() rather than assert(): the check must stay in a -DNDEBUG build. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static void one(const char *allow, const char *deny, const char *list)
{
	static const uint64_t caps[FILTERS_CAP_SETS] = {~0ull, 1ull << 21, 0};
	struct filters_subject subj = {.ev = FILTERS_EXIT,
		.binary = "/bin/./ls",
		.arguments = "x",
		.parent_arguments = "-c aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
		.uid = 1000,
		.caps = caps};
	char err[256] = "";
	struct filters *f;

	errno = 0;
	f = filters_new(allow, deny, err, sizeof(err));
	if (!f) {
		CHECK(errno == EINVAL || errno == ENOMEM);
		CHECK(errno == ENOMEM || !strncmp(err, list, strlen(list)));
		return;
	}
	CHECK(err[0] == '\0');
	filters_pass(f, FILTERS_EXEC, "/usr/bin/curl", "/bin/bash", "-s https://x/#y", 100, 50);
	filters_pass(f, FILTERS_EXIT, "/bin/ls", NULL, "-la \xff", 1, 0);
	filters_pass(f, FILTERS_EXEC, NULL, "", NULL, 0, 0);
	filters_pass(f, FILTERS_EXEC, "//usr/./lib/../bin/", "../a/./b/..", "", 1, 2);
	filters_check(f, &subj, 0);
	subj.caps = NULL;
	subj.parent_arguments = NULL;
	filters_check(f, &subj, 0);
	filters_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[TEXT_MAX + 1];

	if (size > TEXT_MAX)
		return 0;
	/* filters_new takes C strings: the text ends at the first NUL byte, if any. */
	memcpy(text, data, size);
	text[size] = '\0';
	one(text, NULL, "allowlist");
	one(NULL, text, "denylist");
	return 0;
}
