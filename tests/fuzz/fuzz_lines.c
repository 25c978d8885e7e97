/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for shipper/text/lines.c: arbitrary bytes as a datagram or a line, with and
 * without the JSON pass-through, with and without a payload limit, through the sshd sample
 * rulebase. Checks what the header promises: every document is valid UTF-8 and parses as a JSON
 * object, stays within the limit, and holds no NUL; a refusal is one of the documented errors;
 * the same holds for a document shortened again by lines_refit.
 *
 *   clang -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -I/usr/include/libfastjson \
 *	-fsanitize=fuzzer,address,undefined tests/fuzz/fuzz_lines.c shipper/text/lines.c \
 *	framing/framing_parse.c framing/framing_names.c lib/utf8.c lib/jsonstr.c lib/json_scan.c \
 *	lib/fmt.c -o build/fuzz/fuzz_lines $(pkg-config --libs lognorm libestr libfastjson)
 *   build/fuzz/fuzz_lines -max_total_time=60 tests/fuzz/corpus/lines
 * FUZZ_LINES_RULEBASE names another rulebase (default conf/rulebases/sshd.rb, from the top of
 * the tree).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "shipper/text/lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort() rather than assert(): the check must stay in a -DNDEBUG build. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static bool utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, k, n;

	while (i < len) {
		unsigned char c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
		if (n == 0 || c > 0xf4 || i + n > len)
			return false;
		for (k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f) ||
			(c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] > 0x8f))
			return false;
		i += n;
	}
	return true;
}

static struct lines *lines_once(void)
{
	static struct lines *l;
	const char *rb = getenv("FUZZ_LINES_RULEBASE");
	char err[256];

	if (l)
		return l;
	l = lines_new(rb ? rb : "conf/rulebases/sshd.rb", "fuzz-node", err, sizeof(err));
	if (!l) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	lines_set_max_input(l, 4096);
	lines_set_json(l, true);
	return l;
}

/* One document: valid UTF-8, no NUL, one JSON object, within limit (0: none). */
static void check_doc(const struct lines_msg *m, size_t limit)
{
	struct fjson_object *doc;
	char *text;

	CHECK(m->json && m->json_len > 0);
	CHECK(!limit || m->json_len <= limit);
	CHECK(utf8_valid((const unsigned char *)m->json, m->json_len));
	CHECK(!memchr(m->json, '\0', m->json_len));
	CHECK(m->facility >= 0 && m->facility <= 23 && m->severity >= 0 && m->severity <= 7);
	text = malloc(m->json_len + 1);
	CHECK(text);
	memcpy(text, m->json, m->json_len);
	text[m->json_len] = '\0';
	doc = fjson_tokener_parse(text);
	CHECK(doc && fjson_object_is_type(doc, fjson_type_object));
	fjson_object_put(doc);
	free(text);
}

/* The first byte chooses the input flags, the payload limit and a second, smaller limit for
 * lines_refit; the rest is the message. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t limits[] = {0, 64, 200, 512, 2048};
	static const size_t refits[] = {0, 100, 300, 900};
	struct lines *l = lines_once();
	struct lines_msg m;
	unsigned int in_flags;
	size_t limit, refit;
	int ret;

	if (size < 1)
		return 0;
	in_flags = data[0] & (LINES_IN_JSON | LINES_IN_TRUNCATED);
	limit = limits[(data[0] >> 2) % (sizeof(limits) / sizeof(limits[0]))];
	lines_set_max_payload(l, limit);
	ret = lines_parse(l, (const char *)data + 1, size - 1, in_flags, NULL, &m);
	if (ret < 0) {
		CHECK(ret == -ENODATA || ret == -ENOSPC);
		return 0;
	}
	check_doc(&m, limit);
	/* A sender's header longer than the one the limit was set for: shortened again
	 * (pipe_text's budget from the header actually sent). */
	refit = refits[(data[0] >> 5) % (sizeof(refits) / sizeof(refits[0]))];
	if (refit && m.form != LINES_FORM_JSON) {
		ret = lines_refit(l, refit, &m);
		CHECK(ret == 0 || ret == -ENOSPC);
		if (ret == 0)
			check_doc(&m, refit);
	}
	return 0;
}
