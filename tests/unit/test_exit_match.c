/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for procevents: which cached process an exit is, by its pid, its thread group's
 * start time and its last exec's time, and what an exit whose exec was lost says. */
#include "procevents_harness.h"

/* An exit is matched to its entry by pid and thread-group start time (hostile review finding
 * 7): a pid reused while records were lost exits bare, releasing the stale entry, counted; a
 * procFS entry's start time is in 10 ms ticks. */
static void test_exit_start_time(void **state)
{
	struct pcache *cache = pcache_new("n");
	struct seen s = {.ej = ejson_new("n", 0)};
	struct pev *pev = pev_new(cache, on_event, &s);
	const uint64_t tick = 10000000;

	(void)state;
	feed(pev, PS_EVENT_EXEC, 1, 0, 3 * tick, "/sbin/init"); /* procFS, started at 3 ticks */
	feed(pev, PS_EVENT_FORK, 10, 1, 5000000000, NULL);
	feed(pev, PS_EVENT_EXEC, 10, 1, 5000000001, "/usr/sbin/daemon");
	rec.type = PS_EVENT_EXIT; /* pid 10 again, a process that started later */
	rec.start_ktime = 6000000000;
	pev_record(pev, &rec);
	assert_int_equal(s.type, PS_EVENT_EXIT);
	assert_null(strstr(s.json, "daemon"));
	assert_has(&s, "\"process\":{\"pid\":10,\"start_time\":");
	assert_null(pcache_get(cache, 10));
	assert_int_equal(pev_get_stats(pev)->exit_stale, 1);
	assert_int_equal(pev_get_stats(pev)->exit_misses, 1);
	feed(pev, PS_EVENT_FORK, 11, 1, 7000000000, NULL);
	rec.type = PS_EVENT_EXIT; /* the same thread group: reported whole */
	pev_record(pev, &rec);
	assert_has(&s, "\"pid\":11,\"uid\":0,\"cwd\":\"/\",\"binary\":\"/sbin/init\"");
	rec.pid = rec.tid = 1; /* /proc's start time, cut to its tick */
	rec.start_ktime = 3 * tick + tick - 1;
	pev_record(pev, &rec);
	assert_has(&s, "\"pid\":1,\"uid\":0,\"cwd\":\"/\",\"binary\":\"/sbin/init\"");
	assert_int_equal(pev_get_stats(pev)->exit_stale, 1);
	pev_free(pev);
	ejson_free(s.ej);
	pcache_free(cache);
}

/* The process's start_time in the last event seen, into out. */
static void start_time_of(const struct seen *s, char *out, size_t size)
{
	const char *at = strstr(s->json, "\"start_time\":\""), *end;

	assert_non_null(at);
	at += strlen("\"start_time\":\"");
	end = strchr(at, '"');
	assert_non_null(end);
	assert_true((size_t)(end - at) < size);
	memcpy(out, at, (size_t)(end - at));
	out[end - at] = '\0';
}

/* The exit of pid, whose thread group started at start and last exec'd at exec (0: none). */
static void feed_exit(struct pev *pev, uint32_t pid, uint64_t start, uint64_t exec)
{
	memset(&rec, 0, sizeof(rec));
	rec.type = PS_EVENT_EXIT;
	rec.pid = rec.tid = pid;
	rec.ppid = 1;
	rec.auid = PS_AUID_UNSET;
	rec.ktime = 9000000000;
	rec.start_ktime = start;
	rec.exec_ktime = exec;
	pev_record(pev, &rec);
}

/* An exit carries the time of its thread group's last exec whose record was lost, which the
 * BPF side keeps apart from the ring: when that exec is later than the cached image, the
 * exit is bare (the cached image is not the one exiting) and its start_time is that exec's,
 * as Tetragon's is the key of its execve_map; without one, the fork's. */
static void test_exit_exec_time(void **state)
{
	struct pcache *cache = pcache_new("n");
	struct seen s = {.ej = ejson_new("n", 0)};
	struct pev *pev = pev_new(cache, on_event, &s);
	char two[64], five[64], got[64];

	(void)state;
	feed(pev, PS_EVENT_EXEC, 1, 0, 1000, "/sbin/init");
	/* what start_time 2 s and 5 s after boot are written as */
	feed(pev, PS_EVENT_EXEC, 90, 1, 2000000000, "/usr/bin/two");
	start_time_of(&s, two, sizeof(two));
	feed(pev, PS_EVENT_EXEC, 91, 1, 5000000000, "/usr/bin/five");
	start_time_of(&s, five, sizeof(five));

	/* forked, its exec lost: the fork entry is not what exits */
	feed(pev, PS_EVENT_FORK, 20, 1, 1000000000, NULL);
	feed_exit(pev, 20, 1000000000, 2000000000);
	assert_int_equal(s.type, PS_EVENT_EXIT);
	assert_has(&s, "\"process\":{\"pid\":20,\"start_time\":");
	start_time_of(&s, got, sizeof(got));
	assert_string_equal(got, two);
	assert_int_equal(pev_get_stats(pev)->exit_stale, 1);
	assert_null(pcache_get(cache, 20));

	/* an exec lost, then a later one seen: the cached image is the one that exits (feed
	 * gives an exec its ktime as the group's start) */
	feed(pev, PS_EVENT_FORK, 30, 1, 1500000000, NULL);
	feed(pev, PS_EVENT_EXEC, 30, 1, 3500000000, "/usr/bin/three");
	feed_exit(pev, 30, 3500000000, 2000000000);
	assert_has(&s, "\"binary\":\"/usr/bin/three\"");
	assert_int_equal(pev_get_stats(pev)->exit_stale, 1);

	/* an exec seen, then a later one lost: the exit is not the earlier image's */
	feed(pev, PS_EVENT_FORK, 40, 1, 4000000000, NULL);
	feed(pev, PS_EVENT_EXEC, 40, 1, 4500000000, "/usr/bin/four");
	feed_exit(pev, 40, 4500000000, 5000000000);
	assert_null(strstr(s.json, "four"));
	start_time_of(&s, got, sizeof(got));
	assert_string_equal(got, five);
	assert_int_equal(pev_get_stats(pev)->exit_stale, 2);
	assert_null(pcache_get(cache, 40));

	/* never seen, no exec lost: the fork's time */
	feed_exit(pev, 50, 2000000000, 0);
	start_time_of(&s, got, sizeof(got));
	assert_string_equal(got, two);
	assert_int_equal(pev_get_stats(pev)->exit_misses, 3);
	pev_free(pev);
	ejson_free(s.ej);
	pcache_free(cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_start_time),
		cmocka_unit_test(test_exit_exec_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
