/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shipper/gaps/: the [meta] reader, runs (restart, wrap, out of order,
 * duplicates), the report, and the lines of the receiving configs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shipper/gaps/gaps.h"

#define SEQ_MAX 2147483647U

static char report[8192];

/* The report of g in report[], and its totals. */
static struct gaps_totals run_report(struct gaps *g)
{
	struct gaps_totals t;
	FILE *f = fmemopen(report, sizeof(report), "w");

	assert_non_null(f);
	gaps_report(g, f, &t);
	fclose(f);
	return t;
}

static void meta_ok(const char *sd, uint32_t want_seq, uint32_t want_up)
{
	uint32_t seq, up;

	assert_int_equal(gaps_sd_meta(sd, strlen(sd), &seq, &up), 0);
	assert_int_equal(seq, want_seq);
	assert_int_equal(up, want_up);
}

static void meta_err(const char *sd, int want)
{
	uint32_t seq, up;

	assert_int_equal(gaps_sd_meta(sd, strlen(sd), &seq, &up), want);
}

static void test_sd_meta(void **state)
{
	(void)state;
	meta_ok("[meta sequenceId=\"7\" sysUpTime=\"123\"]", 7, 123);
	meta_ok("[meta sysUpTime=\"5\" sequenceId=\"2147483647\"]", SEQ_MAX, 5);
	meta_ok("[ex@1 a=\"x\\\"]y\" b=\"\"][meta sequenceId=\"3\"][origin software=\"p\"]", 3, 0);
	meta_err("[origin software=\"procship\"]", -ENOENT);
	meta_err("[x@1 sequenceId=\"4\"]", -ENOENT); /* only meta's counts */
	meta_err("[meta sequenceId=\"0\"]", -ENOENT);
	meta_err("[meta sequenceId=\"12a\"]", -EINVAL);
	meta_err("[meta sequenceId=\"99999999999\"]", -EINVAL);
	meta_err("[meta sequenceId=\"4\"", -EINVAL);
	meta_err("[meta sequenceId=4]", -EINVAL);
	meta_err("meta", -EINVAL);
	meta_err("", -ENOENT);
}

static void test_runs(void **state)
{
	struct gaps *g = gaps_new();
	struct gaps_totals t;
	uint32_t s;

	(void)state;
	assert_non_null(g);
	/* h1: 1..10 but 4, 5 and 9; 7 twice; 8 and 6 late, by less than a second of uptime. */
	for (s = 1; s <= 10; s++)
		if (s != 4 && s != 5 && s != 9 && s != 6 && s != 8)
			assert_int_equal(gaps_add(g, "h1", s, s * 100, s == 1), 0);
	assert_int_equal(gaps_add(g, "h1", 8, 990, false), 0);
	assert_int_equal(gaps_add(g, "h1", 6, 995, false), 0);
	assert_int_equal(gaps_add(g, "h1", 7, 999, false), 0);
	/* A restart whose agent_init was lost: both numbers go back. */
	assert_int_equal(gaps_add(g, "h1", 3, 2, false), 0);
	assert_int_equal(gaps_add(g, "h1", 4, 3, false), 0);
	/* h2 seen from 100 on: nothing before counts. A wrap later. */
	assert_int_equal(gaps_add(g, "h2", 100, 5000, false), 0);
	assert_int_equal(gaps_add(g, "h2", SEQ_MAX - 1, 6000, false), 0);
	assert_int_equal(gaps_add(g, "h2", 1, 6001, false), 0);
	assert_int_equal(gaps_add(g, "h2", SEQ_MAX, 6000, false), 0); /* late, before the wrap */
	assert_int_equal(gaps_add(g, "h2", 3, 6002, false), 0);
	assert_int_equal(gaps_add(g, "h2", 0, 1, false), -EINVAL);
	assert_int_equal(gaps_add(g, "h2", SEQ_MAX + 1, 1, false), -EINVAL);
	t = run_report(g);
	fprintf(stderr, "%s", report);
	assert_int_equal(t.senders, 2);
	assert_int_equal(t.runs, 3);
	assert_int_equal(t.duplicates, 1);
	assert_non_null(strstr(report, "h1: run 1 (from its start): sequenceId 1-10, 7 received, 3 "
				       "missing, 1 duplicates: 4-5, 9\n"));
	assert_non_null(strstr(report, "h1: run 2 (from its start): sequenceId 1-4, 2 received, 2 "
				       "missing: 1-2\n"));
	/* 101 .. 2147483645 are missing, and 2 after the wrap. */
	assert_non_null(strstr(report, "h2: run 1: sequenceId 100-3, 5 received, 2147483546 "
				       "missing: 101-2147483645, 2\n"));
	assert_int_equal(t.missing, 3 + 2 + 2147483546ULL);
	gaps_free(g);
}

/* An agent_init that says so starts a run even when the numbers do not go back far. */
static void test_restart_flag_and_lines(void **state)
{
	struct gaps *g = gaps_new();
	struct gaps_totals t;
	const char *l1 = "{\"event\":\"agent_init\",\"sequence_id\":1,\"sequence_restart\":true,"
			 "\"received\":{\"hostname\":\"web1\",\"structured_data\":"
			 "\"[meta sequenceId=\\\"1\\\" sysUpTime=\\\"0\\\"]\"}}\n";
	const char *l2 =
		"{\"process_exec\":{},\"received\":{\"hostname\":\"web1\","
		"\"structured_data\":\"[meta sequenceId=\\\"3\\\" sysUpTime=\\\"1\\\"]\"}}";
	/* The event's own text is never read for a number. */
	const char *forged = "{\"process_exec\":{\"process\":{\"arguments\":\"[meta sequenceId="
			     "\\\"9\\\"]\"}},\"received\":{\"hostname\":\"web1\","
			     "\"structured_data\":\"-\"}}";
	const char *raw =
		"<14>1 2026-12-01T12:00:00.000001Z web1 procship 9 process_exec "
		"[meta sequenceId=\"4\" sysUpTime=\"2\"][origin software=\"procship\"] {}";
	const char *raw_init = "<14>1 2026-12-01T12:00:00.000001Z web1 procship 9 agent_init "
			       "[meta sequenceId=\"1\" sysUpTime=\"0\"] "
			       "{\"event\":\"agent_init\",\"sequence_restart\":true}";

	(void)state;
	assert_int_equal(gaps_line(g, l1, strlen(l1)), 1);
	assert_int_equal(gaps_line(g, l2, strlen(l2)), 1);
	assert_int_equal(gaps_line(g, forged, strlen(forged)), 0);
	assert_int_equal(gaps_line(g, raw, strlen(raw)), 1);
	assert_int_equal(gaps_line(g, "Dec  1 12:00:00 web1 x: y", 25), 0);
	assert_int_equal(gaps_line(g, "{not json", 9), 0);
	assert_int_equal(gaps_line(g, "", 0), 0);
	/* restarted a second later: numbers 1, 2 again, uptime back to 0 */
	assert_int_equal(gaps_line(g, raw_init, strlen(raw_init)), 1);
	t = run_report(g);
	fprintf(stderr, "%s", report);
	assert_int_equal(t.runs, 2);
	assert_int_equal(t.missing, 1);
	assert_non_null(strstr(report, "web1: run 1 (from its start): sequenceId 1-4, 3 received, "
				       "1 missing: 2\n"));
	assert_non_null(strstr(report, "web1: run 2 (from its start): sequenceId 1-1, 1 received, "
				       "0 missing\n"));
	gaps_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sd_meta),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_restart_flag_and_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
