/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shipper/stats.c: every field of every module's stats struct has a row, and
 * every row reaches the metrics file and the summary. A field added to a stats struct without
 * a row, or a row that no output shows, fails here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shipper/stats.h"

static struct stats_snapshot snap;
static struct metrics_dest dests[STATS_MAX_DESTS];
static struct metrics_extra extra[STATS_MAX_FIELDS];

/* Each field gets a value no other field has, and no named series could have by chance. */
static uint64_t value_for(size_t i)
{
	return 7000001 + 1000 * (uint64_t)i;
}

static void fill_all(void)
{
	size_t i, size;
	const char *module, *name;
	void *p;

	memset(&snap, 0, sizeof(snap));
	snap.udp_enabled = snap.text_enabled = snap.export_enabled = true;
	for (i = 0; (p = stats_field(&snap, i, &size, &module, &name)); i++) {
		if (size == sizeof(uint64_t)) {
			uint64_t v = value_for(i);

			memcpy(p, &v, sizeof(v));
		} else {
			int v = (int)value_for(i);

			assert_int_equal(size, sizeof(int));
			memcpy(p, &v, sizeof(v));
		}
	}
}

static void test_tables_cover_structs(void **state)
{
	const char *module;
	size_t m, size, covered;

	(void)state;
	for (m = 0; stats_module_cover(m, &module, &size, &covered); m++) {
		if (covered != size)
			fail_msg("struct of module %s: %zu bytes, the table covers %zu: a field "
				 "has no "
				 "row in stats.c",
				module, size, covered);
	}
	assert_true(m >= 10);
	assert_true(stats_nfields() <= STATS_MAX_FIELDS);
}

static char *metrics_text(void)
{
	struct metrics_counters c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	stats_metrics(&snap, &c, dests, extra);
	assert_int_equal(metrics_format(f, &c), 0);
	fclose(f);
	return buf;
}

static void test_every_field_in_metrics(void **state)
{
	char *text, want[256];
	const char *module, *name;
	size_t i, size;

	(void)state;
	fill_all();
	text = metrics_text();
	for (i = 0; stats_field(&snap, i, &size, &module, &name); i++) {
		snprintf(want, sizeof(want), "\nprocship_%s%s%s %llu\n", module, name,
			size == sizeof(uint64_t) ? "_total" : "", (unsigned long long)value_for(i));
		if (!strstr(text, want) && size == sizeof(uint64_t)) {
			/* A gauge kept in 64 bits has no _total. */
			snprintf(want, sizeof(want), "\nprocship_%s%s %llu\n", module, name,
				(unsigned long long)value_for(i));
		}
		if (!strstr(text, want))
			fail_msg("metrics: no series for %s%s = %llu", module, name,
				(unsigned long long)value_for(i));
	}
	free(text);
}

/* The named series of metrics.h come from the snapshot too. */
static void test_named_series(void **state)
{
	char *text;

	(void)state;
	memset(&snap, 0, sizeof(snap));
	snap.udp_enabled = true;
	/* 42 datagrams, 2 of them agent_init: 40 events exported */
	snap.udp.sent = 42;
	snap.udp.sent_bytes = 4200;
	snap.udp.greetings = 2;
	snap.udp.greeting_bytes = 700;
	snap.pipe.cut = 3;
	snap.pipe.filtered = 5;
	snap.pev.encode_errors = 1;
	snap.pipe.encode_errors = 2;
	snap.pipe.frame_errors = 4;
	snap.ringbuf.fork = 9;
	snap.ringbuf.exec = 2;
	snap.ringbuf.exit = 3;
	snap.ndests = 1;
	snprintf(snap.dests[0].name, sizeof(snap.dests[0].name), "[::1]:514");
	snap.dests[0].st.sent = 42;
	text = metrics_text();
	assert_non_null(strstr(text, "\nprocship_events_exported_total 40\n"));
	assert_non_null(strstr(text, "\nprocship_events_exported_bytes_total 3500\n"));
	assert_non_null(strstr(text, "\nprocship_udp_output_greetings_total 2\n"));
	assert_non_null(strstr(text, "procship_events_truncated_total{how=\"cut\"} 3\n"));
	assert_non_null(strstr(text, "procship_events_dropped_total{reason=\"filtered\"} 5\n"));
	assert_non_null(strstr(text, "procship_events_dropped_total{reason=\"encode_error\"} 7\n"));
	assert_non_null(strstr(text, "procship_ringbuf_lost_total{type=\"fork\"} 9\n"));
	assert_non_null(strstr(text, "procship_events_dropped_total{reason=\"ringbuf_full\"} 5\n"));
	assert_non_null(
		strstr(text, "procship_udp_datagrams_sent_total{destination=\"[::1]:514\"} 42\n"));
	free(text);
}

static char summary[8192];

static void collect(void *arg, bool warn, const char *line)
{
	(void)arg;
	(void)warn;
	strncat(summary, line, sizeof(summary) - strlen(summary) - 2);
	strcat(summary, "\n");
}

static void test_every_field_in_summary(void **state)
{
	const char *module, *name;
	char want[256];
	size_t i, size;

	(void)state;
	fill_all();
	summary[0] = '\0';
	stats_summary(&snap, collect, NULL);
	for (i = 0; stats_field(&snap, i, &size, &module, &name); i++) {
		snprintf(want, sizeof(want), ".%s=%llu", name, (unsigned long long)value_for(i));
		if (!strstr(summary, want))
			fail_msg("summary: no %s%s=%llu in:\n%s", module, name,
				(unsigned long long)value_for(i), summary);
	}
}

/* The lines operators and tests read keep their wording. */
static void test_summary_lines(void **state)
{
	(void)state;
	memset(&snap, 0, sizeof(snap));
	snap.pev.execs = 3;
	snap.pev.exits = 2;
	snap.pipe.shipped = 5;
	snap.udp_enabled = true;
	snap.udp.sent = 5;
	summary[0] = '\0';
	stats_summary(&snap, collect, NULL);
	assert_non_null(strstr(summary, "events: 3 exec, 2 exit, 0 fork; 5 exported, 5 handed to "
					"outputs, 0 filtered, 0 rate-limited, 0 shortened to "
					"fit, 0 cut by the framer, 0 cache misses\n"));
	assert_non_null(strstr(summary, "udp: 5 sent, 0 dropped, 0 failovers; 0 of the dropped "
					"were refused by the receiving host\n"));
	assert_null(strstr(summary, "text:"));
	assert_non_null(strstr(summary, "counters: capture.execs=3 capture.exits=2 "
					"pipeline.shipped=5 udp.sent=5\n"));
}

/* "exported" is what a destination got: not agent_init, not what the outputs dropped. */
static void test_summary_exported_is_delivered(void **state)
{
	(void)state;
	memset(&snap, 0, sizeof(snap));
	snap.pipe.shipped = 7;
	snap.udp_enabled = true;
	snap.udp.sent = 6;
	snap.udp.greetings = 1;
	snap.udp.dropped = 2;
	summary[0] = '\0';
	stats_summary(&snap, collect, NULL);
	assert_non_null(strstr(summary, "; 5 exported, 7 handed to outputs,"));
	/* the file alone: its lines; with both, the output that got more */
	snap.udp_enabled = false;
	snap.export_enabled = true;
	snap.export.lines = 4;
	assert_int_equal(stats_delivered(&snap), 4);
	snap.udp_enabled = true;
	assert_int_equal(stats_delivered(&snap), 5);
	snap.export.lines = 7;
	assert_int_equal(stats_delivered(&snap), 7);
}

static void test_dest_add(void **state)
{
	static struct stats_dest t[2];
	struct udp_dest_stats a = {.sent = 1, .send_errors = 2, .dropped = 3};
	size_t n = 0;

	(void)state;
	stats_dest_add(t, &n, 2, "h1:514", &a);
	stats_dest_add(t, &n, 2, "h2:514", &a);
	stats_dest_add(t, &n, 2, "h1:514", &a);
	stats_dest_add(t, &n, 2, "h3:514", &a); /* full: ignored */
	assert_int_equal(n, 2);
	assert_string_equal(t[0].name, "h1:514");
	assert_int_equal(t[0].st.sent, 2);
	assert_int_equal(t[0].st.dropped, 6);
	assert_int_equal(t[1].st.send_errors, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_cover_structs),
		cmocka_unit_test(test_every_field_in_metrics),
		cmocka_unit_test(test_named_series),
		cmocka_unit_test(test_every_field_in_summary),
		cmocka_unit_test(test_summary_lines),
		cmocka_unit_test(test_summary_exported_is_delivered),
		cmocka_unit_test(test_dest_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
