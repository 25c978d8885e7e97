/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the process cache's bounds, driven by records through procevents: long
 * self-exec and fork-then-exit chains hold a constant number of entries, every event still
 * names the right parent, and kept parents past the cap are evicted oldest first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shipper/capture/proc_cache.h"
#include "shipper/capture/procevents.h"
#include "shipper/encode/event_json.h"

/* What the last event said, copied while its entries were valid. */
struct seen {
	struct ejson *ej;
	int events;
	enum ps_event_type type;
	uint32_t pid;
	char exec_id[PCACHE_EXEC_ID_MAX];
	char parent_exec_id[PCACHE_EXEC_ID_MAX]; /* of ev->parent, "" when none */
	char json[4096];
};

static void on_event(void *arg, const struct pev_event *ev)
{
	struct seen *s = arg;
	const char *json;
	size_t len = 0;

	s->events++;
	s->type = ev->type;
	s->pid = ev->proc->pid;
	snprintf(s->exec_id, sizeof(s->exec_id), "%s", ev->proc->exec_id);
	snprintf(s->parent_exec_id, sizeof(s->parent_exec_id), "%s",
		ev->parent ? ev->parent->exec_id : "");
	json = ev->type == PS_EVENT_EXEC
		       ? ejson_exec(s->ej, ev->proc, ev->parent, ev->ktime, &len)
		       : ejson_exit(s->ej, ev->proc, ev->parent, ev->exit_code, ev->ktime, &len);
	assert_non_null(json);
	assert_true(len < sizeof(s->json));
	memcpy(s->json, json, len);
	s->json[len] = '\0';
}

static struct ps_event rec;

static void feed(struct pev *pev, enum ps_event_type type, uint32_t pid, uint32_t ppid,
	uint64_t ktime, const char *exe)
{
	memset(&rec, 0, sizeof(rec));
	rec.type = type;
	rec.pid = rec.tid = pid;
	rec.ppid = ppid;
	rec.auid = PS_AUID_UNSET;
	rec.ktime = rec.start_ktime = ktime;
	if (exe) {
		rec.filename_len = (uint32_t)strlen(exe);
		memcpy(rec.filename, exe, rec.filename_len);
		rec.args_len = rec.filename_len + 1;
		memcpy(rec.args, exe, rec.args_len);
	}
	if (type == PS_EVENT_EXEC && ppid == 0)
		rec.flags = PS_F_PROCFS;
	pev_record(pev, &rec);
}

/* The event's JSON names want as its parent, in the parent object and in parent_exec_id. */
static void assert_json_parent(const struct seen *s, const char *kind, const char *want)
{
	char needle[PCACHE_EXEC_ID_MAX + 64];

	snprintf(needle, sizeof(needle), "{\"%s\":{\"process\":{\"exec_id\":\"%s\"", kind,
		s->exec_id);
	if (strncmp(s->json, needle, strlen(needle)))
		fail_msg("event %d: %.120s", s->events, s->json);
	snprintf(needle, sizeof(needle), "\"parent_exec_id\":\"%s\"", want);
	if (!strstr(s->json, needle))
		fail_msg("event %d has no %s", s->events, needle);
	snprintf(needle, sizeof(needle), "\"parent\":{\"exec_id\":\"%s\"", want);
	if (!strstr(s->json, needle))
		fail_msg("event %d has no %s", s->events, needle);
}

#define SELF_EXECS 50000

/* One process re-execs itself: each image's parent is the one before, and the cache holds
 * init, the running image and the one before it, however long the chain. */
static void test_self_exec_chain(void **state)
{
	struct pcache *cache = pcache_new("n");
	struct seen s = {.ej = ejson_new("n", 0)};
	struct pev *pev = pev_new(cache, on_event, &s);
	char prev[PCACHE_EXEC_ID_MAX];
	int i;

	(void)state;
	assert_non_null(pev);
	feed(pev, PS_EVENT_EXEC, 1, 0, 1000, "/sbin/init");
	feed(pev, PS_EVENT_FORK, 700, 1, 2000, NULL);
	feed(pev, PS_EVENT_EXEC, 700, 1, 3000, "/usr/bin/reexec");
	assert_int_equal(s.events, 1);
	assert_string_equal(s.parent_exec_id, pcache_get(cache, 1)->exec_id);
	for (i = 0; i < SELF_EXECS; i++) {
		memcpy(prev, s.exec_id, sizeof(prev));
		feed(pev, PS_EVENT_EXEC, 700, 1, 4000 + (uint64_t)i, "/usr/bin/reexec");
		assert_int_equal(s.events, i + 2);
		assert_string_not_equal(s.exec_id, prev);
		assert_string_equal(s.parent_exec_id, prev);
		assert_json_parent(&s, "process_exec", prev);
		assert_int_equal(pcache_count(cache), 3);
		assert_int_equal(pcache_allocated(), 3);
	}
	/* The exit names the image before the last, as the last exec did. */
	memcpy(prev, s.parent_exec_id, sizeof(prev));
	feed(pev, PS_EVENT_EXIT, 700, 1, 3000, NULL);
	assert_int_equal(s.type, PS_EVENT_EXIT);
	assert_json_parent(&s, "process_exit", prev);
	assert_int_equal(pcache_count(cache), 1);
	assert_int_equal(pcache_allocated(), 1);
	assert_int_equal(pev_get_stats(pev)->parent_misses, 0);
	assert_true(pcache_evictions(cache) == 0);
	pev_free(pev);
	ejson_free(s.ej);
	pcache_free(cache);
	assert_int_equal(pcache_allocated(), 0);
}

#define HOPS 20000

/* A process forks a child and exits, and the child does the same: each exit still names its
 * parent, and the exited ancestors do not pile up. */
static void test_fork_exit_hops(void **state)
{
	struct pcache *cache = pcache_new("n");
	struct seen s = {.ej = ejson_new("n", 0)};
	struct pev *pev = pev_new(cache, on_event, &s);
	char parent_id[PCACHE_EXEC_ID_MAX];
	uint32_t pid = 1000;
	int i;

	(void)state;
	feed(pev, PS_EVENT_EXEC, 1, 0, 1000, "/sbin/init");
	feed(pev, PS_EVENT_FORK, pid, 1, 2000, NULL);
	feed(pev, PS_EVENT_EXEC, pid, 1, 2001, "/usr/bin/hop");
	for (i = 0; i < HOPS; i++, pid++) {
		memcpy(parent_id, pcache_get(cache, pid)->parent_exec_id, sizeof(parent_id));
		feed(pev, PS_EVENT_FORK, pid + 1, pid, 3000 + 2 * (uint64_t)i, NULL);
		feed(pev, PS_EVENT_EXIT, pid, 1, 3001 + 2 * (uint64_t)i, NULL);
		assert_int_equal(s.type, PS_EVENT_EXIT);
		assert_int_equal(s.pid, pid);
		assert_json_parent(&s, "process_exit", parent_id);
		/* init, the child, and the exited parent it names. */
		assert_int_equal(pcache_count(cache), 3);
		assert_int_equal(pcache_allocated(), 3);
	}
	pev_free(pev);
	ejson_free(s.ej);
	pcache_free(cache);
	assert_int_equal(pcache_allocated(), 0);
}

#define KIDS   (PCACHE_KEPT_MAX + 1)
#define PARENT (100000) /* pids PARENT + i exit, leaving children CHILD + i */
#define CHILD  (300000)

/* PCACHE_KEPT_MAX + 1 exited parents each kept by a live child: the oldest batch goes, their
 * children's exits name no parent (not whatever runs the old ppid now), the others still do. */
static void test_kept_cap(void **state)
{
	struct pcache *cache = pcache_new("n");
	struct seen s = {.ej = ejson_new("n", 0)};
	struct pev *pev = pev_new(cache, on_event, &s);
	size_t kept_after = PCACHE_KEPT_MAX - PCACHE_KEPT_MAX / 16;
	char last_parent[PCACHE_EXEC_ID_MAX];
	uint32_t i;

	(void)state;
	feed(pev, PS_EVENT_EXEC, 1, 0, 1000, "/sbin/init");
	for (i = 0; i < KIDS; i++) {
		feed(pev, PS_EVENT_FORK, PARENT + i, 1, 2000 + 3 * (uint64_t)i, NULL);
		feed(pev, PS_EVENT_FORK, CHILD + i, PARENT + i, 2001 + 3 * (uint64_t)i, NULL);
		feed(pev, PS_EVENT_EXIT, PARENT + i, 1, 2002 + 3 * (uint64_t)i, NULL);
		if (i + 1 < KIDS)
			assert_int_equal(pcache_count(cache), 1 + 2 * ((size_t)i + 1));
	}
	memcpy(last_parent, s.exec_id, sizeof(last_parent));
	assert_true(pcache_evictions(cache) == KIDS - kept_after);
	assert_true(pcache_evictions_new(cache) == KIDS - kept_after);
	assert_true(pcache_evictions_new(cache) == 0);
	assert_int_equal(pcache_count(cache), 1 + KIDS + kept_after);
	assert_int_equal(pcache_allocated(), 1 + KIDS + kept_after);

	/* The oldest child's parent was evicted and its pid runs something else now. */
	feed(pev, PS_EVENT_FORK, PARENT, 1, 900000000, NULL);
	feed(pev, PS_EVENT_EXIT, CHILD, PARENT, 900000001, NULL);
	assert_int_equal(s.pid, CHILD);
	assert_string_equal(s.parent_exec_id, "");
	assert_null(strstr(s.json, "\"parent\":"));
	/* The newest child's parent is still there. */
	feed(pev, PS_EVENT_EXIT, CHILD + KIDS - 1, PARENT + KIDS - 1, 900000002, NULL);
	assert_string_equal(s.parent_exec_id, last_parent);
	assert_json_parent(&s, "process_exit", last_parent);
	assert_int_equal(pcache_count(cache), 1 + 1 + (KIDS - 2) + kept_after - 1);
	pev_free(pev);
	ejson_free(s.ej);
	pcache_free(cache);
	assert_int_equal(pcache_allocated(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_exec_chain),
		cmocka_unit_test(test_fork_exit_hops),
		cmocka_unit_test(test_kept_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
