/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shipper/encode/docs_json.c: the agent_init and rate_limit_info documents. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <json.h>

#include "shipper/encode/docs_json.h"

static void test_info_json(void **state)
{
	char buf[256];
	int n;

	(void)state;
	n = docs_rate_limit_info(
		"node-1", 18446744073709551615ULL, 1696629837700326678LL, buf, sizeof(buf));
	assert_string_equal(buf, "{\"rate_limit_info\":{\"number_of_dropped_process_events\":"
				 "\"18446744073709551615\"},\"node_name\":\"node-1\","
				 "\"time\":\"2023-10-06T22:03:57.700326678Z\"}");
	assert_int_equal(n, (int)strlen(buf));

	/* The node name is escaped; "/" stays plain as Tetragon writes it. */
	n = docs_rate_limit_info("a\"b\\c/d\x01\xc3\xa9", 7, 0, buf, sizeof(buf));
	assert_string_equal(buf, "{\"rate_limit_info\":{\"number_of_dropped_process_events\":"
				 "\"7\"},\"node_name\":\"a\\\"b\\\\c/d\\u0001\xc3\xa9\","
				 "\"time\":\"1970-01-01T00:00:00Z\"}");
	assert_int_equal(n, (int)strlen(buf));

	/* Too small: -ENOSPC and an empty string, never an overflow. */
	assert_int_equal(docs_rate_limit_info("n", 1, 0, buf, 40), -ENOSPC);
	assert_string_equal(buf, "");
	assert_int_equal(docs_rate_limit_info("n", 1, 0, buf, 0), -ENOSPC);
	n = docs_rate_limit_info("n", 1, 0, buf, sizeof(buf));
	assert_int_equal(docs_rate_limit_info("n", 1, 0, buf, (size_t)n), -ENOSPC);
	assert_int_equal(docs_rate_limit_info("n", 1, 0, buf, (size_t)n + 1), n);
}

/* procship's own key names whose events were dropped, after Tetragon's count; the largest
 * document the pipeline sends fits its buffer. */
static void test_info_uids(void **state)
{
	static const struct docs_uid_drops uids[] = {
		{1001, 2805},
		{0, 5},
		{4294967295u, 18446744073709551615ULL},
	};
	struct docs_uid_drops ten[10];
	char buf[1024], node[256];
	size_t i;
	int n;

	(void)state;
	n = docs_rate_limit_info_uids("h", 2810, uids, 2, 0, buf, sizeof(buf));
	assert_string_equal(buf,
		"{\"rate_limit_info\":{\"number_of_dropped_process_events\":\"2810\","
		"\"procship_dropped_by_uid\":[{\"uid\":1001,\"dropped\":\"2805\"},"
		"{\"uid\":0,\"dropped\":\"5\"}]},\"node_name\":\"h\","
		"\"time\":\"1970-01-01T00:00:00Z\"}");
	assert_int_equal(n, (int)strlen(buf));
	/* No uids: exactly Tetragon's document. */
	n = docs_rate_limit_info_uids("h", 3, uids, 0, 0, buf, sizeof(buf));
	assert_string_equal(buf, "{\"rate_limit_info\":{\"number_of_dropped_process_events\":"
				 "\"3\"},\"node_name\":\"h\","
				 "\"time\":\"1970-01-01T00:00:00Z\"}");
	/* Ten of the widest entries and a 255-byte node name fit in 1024 bytes. */
	for (i = 0; i < 10; i++)
		ten[i] = uids[2];
	memset(node, 'n', sizeof(node) - 1);
	node[sizeof(node) - 1] = '\0';
	n = docs_rate_limit_info_uids(node, 18446744073709551615ULL, ten, 10, 0, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(docs_rate_limit_info_uids("h", 1, uids, 3, 0, buf, 60), -ENOSPC);
	assert_string_equal(buf, "");
}

static const char *str_of(struct fjson_object *o, const char *key)
{
	struct fjson_object *v;

	assert_true(fjson_object_object_get_ex(o, key, &v));
	return fjson_object_get_string(v);
}

static void test_agent_init(void **state)
{
	struct docs_agent_info info = {
		.hostname = "host-1",
		.udp_destination = "[::1]:514",
		.udp_buffer_size = 65536,
		.started = {.tv_sec = 1696629837, .tv_nsec = 700000000},
	};
	struct fjson_object *o, *v;
	char buf[2048];
	int n;

	(void)state;
	n = docs_agent_init(&info, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(n, (int)strlen(buf));
	o = fjson_tokener_parse(buf);
	assert_non_null(o);
	assert_string_equal(str_of(o, "event"), "agent_init");
	assert_string_equal(str_of(o, "@timestamp"), "2023-10-06T22:03:57Z");
	assert_string_equal(str_of(o, "hostname"), "host-1");
	assert_string_equal(str_of(o, "udp_destination"), "[::1]:514");
	assert_string_equal(str_of(o, "procship_version"), PROCSHIP_VERSION);
	assert_true(fjson_object_object_get_ex(o, "udp_buffer_size", &v));
	assert_int_equal(fjson_object_get_int64(v), 65536);
	/* Without a sequence number there is nothing to say about one. */
	assert_false(fjson_object_object_get_ex(o, "sequence_id", &v));
	assert_false(fjson_object_object_get_ex(o, "sequence_restart", &v));
	fjson_object_put(o);

	/* 1: the destination's series starts here; later numbers continue one. */
	info.sequence_id = 1;
	assert_true(docs_agent_init(&info, buf, sizeof(buf)) > 0);
	o = fjson_tokener_parse(buf);
	assert_true(fjson_object_object_get_ex(o, "sequence_id", &v));
	assert_int_equal(fjson_object_get_int64(v), 1);
	assert_true(fjson_object_object_get_ex(o, "sequence_restart", &v));
	assert_true(fjson_object_get_boolean(v));
	fjson_object_put(o);
	info.sequence_id = 2147483647;
	assert_true(docs_agent_init(&info, buf, sizeof(buf)) > 0);
	o = fjson_tokener_parse(buf);
	assert_true(fjson_object_object_get_ex(o, "sequence_id", &v));
	assert_int_equal(fjson_object_get_int64(v), 2147483647);
	assert_true(fjson_object_object_get_ex(o, "sequence_restart", &v));
	assert_false(fjson_object_get_boolean(v));
	fjson_object_put(o);
	/* Too small: an error, never an overflow. */
	assert_true(docs_agent_init(&info, buf, 16) < 0);
}

/* The short form for a small --max-message-size: who, to whom and the sequence, no more. */
static void test_agent_init_brief(void **state)
{
	static const char *const gone[] = {
		"build_commit", "build_date", "kernel_version", "udp_buffer_size", "uptime"};
	struct docs_agent_info info = {
		.hostname = "host-1",
		.udp_destination = "[::1]:514",
		.udp_buffer_size = 65536,
		.sequence_id = 7,
	};
	struct fjson_object *o, *v;
	char buf[2048];
	int full, n;
	size_t i;

	(void)state;
	full = docs_agent_init(&info, buf, sizeof(buf));
	info.brief = true;
	n = docs_agent_init(&info, buf, sizeof(buf));
	assert_true(n > 0 && n < full);
	o = fjson_tokener_parse(buf);
	assert_non_null(o);
	assert_string_equal(str_of(o, "event"), "agent_init");
	assert_string_equal(str_of(o, "hostname"), "host-1");
	assert_string_equal(str_of(o, "udp_destination"), "[::1]:514");
	assert_string_equal(str_of(o, "procship_version"), PROCSHIP_VERSION);
	assert_true(fjson_object_object_get_ex(o, "sequence_id", &v));
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		assert_false(fjson_object_object_get_ex(o, gone[i], &v));
	fjson_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_json),
		cmocka_unit_test(test_info_uids),
		cmocka_unit_test(test_agent_init),
		cmocka_unit_test(test_agent_init_brief),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
