/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for procevents: the process cache's bounds (long self-exec and fork-then-exit
 * chains hold a constant number of entries, kept parents past the cap are evicted oldest
 * first), and Tetragon's rules for parents, fork-only processes, init trees, procFS records,
 * data flags and container ids. */
#include "procevents_harness.h"

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
	assert_int_equal(s.events, 2); /* init's procFS exec, then 700's */
	assert_string_equal(s.parent_exec_id, pcache_get(cache, 1)->exec_id);
	for (i = 0; i < SELF_EXECS; i++) {
		memcpy(prev, s.exec_id, sizeof(prev));
		feed(pev, PS_EVENT_EXEC, 700, 1, 4000 + (uint64_t)i, "/usr/bin/reexec");
		assert_int_equal(s.events, i + 3);
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

/* ---- Tetragon's parent, flag and init-tree rules ------------------------------------------ */

/* base64("n:KTIME:PID") */
static const char *id_of(uint64_t ktime, uint32_t pid)
{
	static char buf[PCACHE_EXEC_ID_MAX];

	assert_true(pcache_exec_id("n", ktime, pid, buf, sizeof(buf)) > 0);
	return buf;
}

/* A double fork: sh forks a child, the child forks a grandchild and exits, the grandchild is
 * reparented to init and execs. Its parent is init, as the kernel's real_parent says at exec
 * time, not the dead forker; a parent nobody saw is keyed with ktime 0; the walk goes up the
 * ancestors to the first known one. */
static void test_parent_at_exec(void **state)
{
	struct pcache *cache = pcache_new("n");
	struct seen s = {.ej = ejson_new("n", 0)};
	struct pev *pev = pev_new(cache, on_event, &s);
	char needle[PCACHE_EXEC_ID_MAX + 32];

	(void)state;
	feed(pev, PS_EVENT_EXEC, 1, 0, 1000, "/sbin/init");
	feed(pev, PS_EVENT_FORK, 10, 1, 2000, NULL);
	feed(pev, PS_EVENT_EXEC, 10, 1, 2001, "/bin/sh");
	feed(pev, PS_EVENT_FORK, 20, 10, 3000, NULL);
	feed(pev, PS_EVENT_FORK, 30, 20, 4000, NULL);
	feed(pev, PS_EVENT_EXIT, 20, 10, 5000, NULL);
	feed(pev, PS_EVENT_EXEC, 30, 1, 6000, "/usr/bin/daemon");
	assert_string_equal(s.parent_exec_id, pcache_get(cache, 1)->exec_id);
	assert_has(&s, "\"flags\":\"execve rootcwd clone\"");
	/* ppid 4242 unknown, its parent (ancestors[0]) is sh: sh is the parent. */
	memset(&rec, 0, sizeof(rec));
	rec.type = PS_EVENT_FORK;
	rec.pid = rec.tid = 40;
	rec.ppid = 4242;
	rec.ancestors[0] = 10;
	rec.start_ktime = 7000;
	pev_record(pev, &rec);
	rec.type = PS_EVENT_EXEC;
	rec.ktime = 7001;
	rec.flags = PS_F_ROOTCWD;
	pev_record(pev, &rec);
	assert_string_equal(s.parent_exec_id, pcache_get(cache, 10)->exec_id);
	/* No known ancestor, no fork seen: no parent object, parent_exec_id NODE:0:PPID, and no
	 * "clone" (Tetragon keeps no entry for a fork whose parent it does not know). */
	rec.type = PS_EVENT_FORK;
	rec.pid = rec.tid = 50;
	rec.ppid = 4343;
	rec.ancestors[0] = 0;
	pev_record(pev, &rec);
	assert_null(pcache_get(cache, 50));
	rec.type = PS_EVENT_EXEC;
	pev_record(pev, &rec);
	assert_string_equal(s.parent_exec_id, "");
	snprintf(needle, sizeof(needle), "\"parent_exec_id\":\"%s\"", id_of(0, 4343));
	assert_has(&s, needle);
	assert_has(&s, "\"flags\":\"execve rootcwd\"");
	assert_null(strstr(s.json, "\"parent\":"));
	assert_int_equal(pev_get_stats(pev)->parent_misses, 2);
	pev_free(pev);
	ejson_free(s.ej);
	pcache_free(cache);
}

/* A child that exits without exec'ing is its parent's copy, with the bit Tetragon's BPF
 * stores for a clone, which its user space names "execve", and refcnt 1. */
static void test_fork_only_exit(void **state)
{
	struct pcache *cache = pcache_new("n");
	struct seen s = {.ej = ejson_new("n", 0)};
	struct pev *pev = pev_new(cache, on_event, &s);
	char needle[PCACHE_EXEC_ID_MAX + 32];

	(void)state;
	feed(pev, PS_EVENT_EXEC, 1, 0, 1000, "/sbin/init");
	rec.uid = 0;
	feed(pev, PS_EVENT_FORK, 10, 1, 2000, NULL);
	rec.uid = 1000; /* a fork's own ids are not reported: the parent's copy is */
	rec.type = PS_EVENT_EXIT;
	rec.ktime = 3000;
	rec.exit_code = 7 << 8;
	pev_record(pev, &rec);
	assert_int_equal(s.type, PS_EVENT_EXIT);
	snprintf(needle, sizeof(needle), "{\"exec_id\":\"%s\",\"pid\":10,\"uid\":0,",
		id_of(2000, 10));
	assert_has(&s, needle);
	assert_has(&s, "\"binary\":\"/sbin/init\",\"flags\":\"execve\",");
	assert_has(&s, "\"refcnt\":1,\"tid\":10,\"in_init_tree\":false},\"parent\":");
	/* the exec'd init has no refcnt */
	assert_has(&s, "\"tid\":1,\"in_init_tree\":false},\"status\":7");
	pev_free(pev);
	ejson_free(s.ej);
	pcache_free(cache);
}

/* A PID namespace's pid 1 is in its init tree, and so is what it forks and execs; its parent,
 * outside the namespace, is not. */
static void test_init_tree(void **state)
{
	struct pcache *cache = pcache_new("n");
	struct seen s = {.ej = ejson_new("n", 0)};
	struct pev *pev = pev_new(cache, on_event, &s);

	(void)state;
	feed(pev, PS_EVENT_EXEC, 1, 0, 1000, "/sbin/init");
	feed(pev, PS_EVENT_FORK, 10, 1, 2000, NULL);
	feed(pev, PS_EVENT_EXEC, 10, 1, 2001, "/usr/bin/unshare");
	memset(&rec, 0, sizeof(rec));
	rec.type = PS_EVENT_FORK;
	rec.pid = rec.tid = 11;
	rec.ppid = 10;
	rec.nspid = 1;
	rec.start_ktime = 3000;
	pev_record(pev, &rec);
	rec.type = PS_EVENT_EXEC;
	rec.ktime = 3001;
	rec.flags = PS_F_ROOTCWD;
	pev_record(pev, &rec);
	assert_has(&s, "\"flags\":\"execve rootcwd clone inInitTree\"");
	assert_has(&s, "\"tid\":11,\"in_init_tree\":true},\"parent\":");
	assert_has(&s, "\"tid\":10,\"in_init_tree\":false}}");
	/* its child, nspid 2, inherits it through the fork */
	rec.type = PS_EVENT_FORK;
	rec.pid = rec.tid = 12;
	rec.ppid = 11;
	rec.nspid = 2;
	rec.flags = 0;
	pev_record(pev, &rec);
	rec.type = PS_EVENT_EXIT;
	pev_record(pev, &rec);
	assert_has(&s, "\"flags\":\"execve inInitTree\"");
	assert_has(&s, "\"refcnt\":1,\"tid\":12,\"in_init_tree\":true}");
	pev_free(pev);
	ejson_free(s.ej);
	pcache_free(cache);
}

/* A /proc record as the scan leaves it past Tetragon's cwd room: no cwd, the path at the end
 * of the arguments, where Tetragon's decoder makes it a quoted argument; with a root cwd,
 * nothing appended and still no cwd. */
static void put_nocwd(uint32_t pid, const char *args, size_t len, uint32_t flags)
{
	memset(&rec, 0, sizeof(rec));
	rec.type = PS_EVENT_EXEC;
	rec.flags = PS_F_PROCFS | PS_F_NOCWD | flags;
	rec.pid = rec.tid = pid;
	rec.ppid = 1;
	rec.auid = PS_AUID_UNSET;
	rec.ktime = rec.start_ktime = 1000 + pid;
	rec.filename_len = 6;
	memcpy(PS_EVENT_FILENAME(&rec), "/bin/x", 6);
	rec.args_len = (uint32_t)len;
	memcpy(PS_EVENT_ARGS(&rec), args, len);
}

static void test_procfs_nocwd(void **state)
{
	static const char with_path[] = "x\0-a\0b\0 /home/u";
	static const char cut[] = "x\0-a\0bc /w";
	struct pcache *cache = pcache_new("n");
	struct seen s = {.ej = ejson_new("n", 0)};
	struct pev *pev = pev_new(cache, on_event, &s);

	(void)state;
	put_nocwd(40, with_path, sizeof(with_path) - 1, 0);
	pev_record(pev, &rec);
	assert_int_equal(s.events, 1);
	assert_has(&s, "\"uid\":0,\"binary\":\"/bin/x\",\"arguments\":\"-a b \\\" /home/u\\\"\","
		       "\"flags\":\"procFS nocwd\"");
	assert_null(strstr(s.json, "\"cwd\""));
	put_nocwd(41, cut, sizeof(cut) - 1, PS_F_TRUNC_ARGS);
	pev_record(pev, &rec);
	assert_has(&s, "\"arguments\":\"-a \\\"bc /w\\\"\",\"flags\":\"procFS truncArgs nocwd\"");
	put_nocwd(42, "x\0-a\0\0", 6, PS_F_ROOTCWD);
	pev_record(pev, &rec);
	assert_int_equal(s.events, 3);
	assert_has(&s, "\"uid\":0,\"binary\":\"/bin/x\",\"arguments\":\"-a\","
		       "\"flags\":\"procFS nocwd rootcwd\"");
	assert_null(strstr(s.json, "\"cwd\""));
	/* the flag stays on the process: its exit says the same */
	feed(pev, PS_EVENT_EXIT, 40, 1, 9000, NULL);
	assert_int_equal(s.type, PS_EVENT_EXIT);
	assert_has(&s, "\"flags\":\"procFS nocwd\"");
	pev_free(pev);
	ejson_free(s.ej);
	pcache_free(cache);
}

/* The /proc scan's records: reported as procFS execs but for kernel threads, which are only
 * cached, so that their children have a parent; the kernel is its own parent. */
static void test_procfs_records(void **state)
{
	struct pcache *cache = pcache_new("n");
	struct seen s = {.ej = ejson_new("n", 0)};
	struct pev *pev = pev_new(cache, on_event, &s);

	(void)state;
	memset(&rec, 0, sizeof(rec));
	rec.type = PS_EVENT_EXEC;
	rec.flags = PS_F_PROCFS;
	rec.ktime = rec.start_ktime = 1;
	rec.auid = PS_AUID_UNSET;
	rec.filename_len = 8;
	memcpy(rec.data, "<kernel>", 8);
	pev_record(pev, &rec);
	assert_int_equal(s.events, 1);
	assert_string_equal(s.exec_id, id_of(1, 0));
	assert_string_equal(s.parent_exec_id, id_of(1, 0));
	assert_has(&s, "\"binary\":\"<kernel>\",\"flags\":\"procFS\"");
	assert_true(s.procfs);
	rec.pid = rec.tid = 2;
	rec.flags = PS_F_PROCFS | PS_F_KTHREAD;
	rec.filename_len = 10;
	memcpy(rec.data, "[kthreadd]", 10);
	pev_record(pev, &rec);
	assert_int_equal(s.events, 1);
	assert_non_null(pcache_get(cache, 2));
	assert_string_equal(pcache_get(cache, 2)->binary, "[kthreadd]");
	/* a usermode helper a kworker started: its parent is the kernel thread */
	feed(pev, PS_EVENT_FORK, 300, 2, 5000, NULL);
	feed(pev, PS_EVENT_EXEC, 300, 2, 5001, "/sbin/modprobe");
	assert_int_equal(s.events, 2);
	assert_false(s.procfs);
	assert_has(&s, "\"parent\":{\"exec_id\"");
	assert_has(&s, "\"binary\":\"[kthreadd]\",\"flags\":\"procFS\"");
	pev_free(pev);
	ejson_free(s.ej);
	pcache_free(cache);
}

/* An exec record of pid (forked by pid 1) running filename with argv[0] and one argument of
 * n bytes. */
static void with_args(uint32_t pid, const char *filename, size_t n)
{
	size_t flen = strlen(filename);
	char *args;

	memset(&rec, 0, sizeof(rec));
	rec.type = PS_EVENT_EXEC;
	rec.flags = PS_F_ROOTCWD;
	rec.pid = rec.tid = pid;
	rec.ppid = 1;
	rec.ktime = 1000 + pid;
	rec.filename_len = (uint32_t)flen;
	memcpy(rec.data, filename, flen);
	args = PS_EVENT_ARGS(&rec);
	memcpy(args, filename, flen + 1);
	memset(args + flen + 1, 'a', n);
	args[flen + 1 + n] = '\0';
	rec.args_len = (uint32_t)(flen + n + 2);
}

/* Where Tetragon's BPF would send the filename or the arguments as data events, its flags;
 * the container id of a cgroup v1 name. */
static void test_data_flags_and_docker(void **state)
{
	static const char id[] = "551e161c47d8ff0eb665438a7bcd5b4e3ef5a297282b40a92b7c77d6bd168eb3";
	struct pcache *cache = pcache_new("n");
	struct seen s = {.ej = ejson_new("n", 0)};
	struct pev *pev = pev_new(cache, on_event, &s);
	char path[300];

	(void)state;
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[254] = '\0';
	feed(pev, PS_EVENT_EXEC, 1, 0, 1000, path);
	assert_has(&s, "\"flags\":\"procFS rootcwd\"");
	/* 254 bytes of filename and 951 of arguments after argv[0]: both data in Tetragon */
	with_args(5, path, 950);
	snprintf(rec.cgroup1, sizeof(rec.cgroup1), "docker-%s.scope", id);
	pev_record(pev, &rec);
	assert_has(&s, "\"flags\":\"execve rootcwd dataFilename dataArgs\"");
	assert_has(&s, "\"docker\":\"551e161c47d8ff0eb665438a7bcd5b4\"");
	/* a 6-byte filename leaves room for 953 bytes of arguments, not 954 */
	with_args(6, "/bin/x", 952);
	pev_record(pev, &rec);
	assert_has(&s, "\"flags\":\"execve rootcwd\"");
	assert_null(strstr(s.json, "\"docker\""));
	with_args(7, "/bin/x", 953);
	pev_record(pev, &rec);
	assert_has(&s, "\"flags\":\"execve rootcwd dataArgs\"");
	pev_free(pev);
	ejson_free(s.ej);
	pcache_free(cache);
}

/* Past the cache's budget for arguments, a process's long arguments are cut in the cache once
 * its exec is reported: its exec event has them whole, its exit the cut ones, flagged. Each
 * process costs its 40 KB of arguments and as much again of cached JSON text. */
static void test_args_budget(void **state)
{
	struct pcache *cache = pcache_new("n");
	struct seen s = {.ej = ejson_new("n", 0)};
	struct pev *pev = pev_new(cache, on_event, &s);
	size_t before = pcache_args_bytes();
	uint32_t pid;

	(void)state;
	pcache_set_args_budget(before + 260000);
	feed(pev, PS_EVENT_EXEC, 1, 0, 1000, "/sbin/init");
	for (pid = 10; pid < 14; pid++) {
		with_args(pid, "/bin/x", 40000);
		pev_record(pev, &rec);
		/* the exec event always has them whole */
		assert_true(strlen(pcache_get(cache, pid)->arguments) <= 40001);
		assert_non_null(
			strstr(s.json, "aaaaaaaaaa\",\"flags\":\"execve rootcwd dataArgs\""));
	}
	/* 3 x 80 KB fit in 260 KB... */
	assert_int_equal(strlen(pcache_get(cache, 10)->arguments), 40000);
	assert_int_equal(strlen(pcache_get(cache, 12)->arguments), 40000);
	/* ...the fourth is cut, its exit says so */
	assert_int_equal(strlen(pcache_get(cache, 13)->arguments), PCACHE_ARGS_CUT);
	assert_int_equal(pev_get_stats(pev)->args_cut, 1);
	feed(pev, PS_EVENT_EXIT, 13, 1, 9000, NULL);
	assert_has(&s, "\"flags\":\"execve truncArgs rootcwd dataArgs\"");
	/* over the budget, a fork copies only the cut prefix of its parent's, flagged */
	feed(pev, PS_EVENT_FORK, 15, 10, 9500, NULL);
	assert_int_equal(pcache_get(cache, 15)->arguments_len, PCACHE_ARGS_CUT);
	assert_true(pcache_get(cache, 15)->flags & PS_F_TRUNC_ARGS);
	assert_int_equal(pev_get_stats(pev)->args_cut, 2);
	pcache_set_args_budget(PCACHE_ARGS_BUDGET);
	pev_free(pev);
	ejson_free(s.ej);
	pcache_free(cache);
	assert_int_equal(pcache_args_bytes(), before);
}

/* The cache takes an exec's strings as procevents built them (no copy) and keeps their
 * lengths: the bytes of arguments (and of JSON text, J) it counts follow every exec, fork,
 * re-exec and exit, and a record's bytes that are not UTF-8 are repaired in what it keeps. */
static void test_args_bytes_exact(void **state)
{
	struct pcache *cache = pcache_new("n");
	struct seen s = {.ej = ejson_new("n", 0)};
	struct pev *pev = pev_new(cache, on_event, &s);
	size_t before = pcache_args_bytes();

	(void)state;
	feed(pev, PS_EVENT_EXEC, 1, 0, 1000, "/sbin/init");
	before = pcache_args_bytes();
	with_args(20, "/bin/x", 5000);
	pev_record(pev, &rec);
#define J(pid) (pcache_get(cache, pid)->json_len)
	assert_int_equal(pcache_args_bytes(), before + 5000 + J(20));
	assert_int_equal(pcache_get(cache, 20)->arguments_len, 5000);
	feed(pev, PS_EVENT_FORK, 21, 20, 3000, NULL);
	assert_int_equal(J(21), 0); /* a fork's text is built when first used */
	assert_int_equal(pcache_args_bytes(), before + 10000 + J(20));
	with_args(21, "/bin/y", 300);
	PS_EVENT_ARGS(&rec)[100] = (char)0xff; /* one byte that starts no character */
	pev_record(pev, &rec);
	/* U+FFFD in its place: 3 bytes for 1 */
	assert_int_equal(pcache_get(cache, 21)->arguments_len, 302);
	assert_int_equal(strlen(pcache_get(cache, 21)->arguments), 302);
	assert_int_equal(pcache_args_bytes(), before + 5302 + J(20) + J(21));
#undef J
	assert_has(&s, "aaa\xef\xbf\xbd"
		       "aaa");
	feed(pev, PS_EVENT_EXIT, 21, 20, 4000, NULL);
	feed(pev, PS_EVENT_EXIT, 20, 1, 5000, NULL);
	assert_int_equal(pcache_args_bytes(), before);
	pev_free(pev);
	ejson_free(s.ej);
	pcache_free(cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_exec_chain),
		cmocka_unit_test(test_fork_exit_hops),
		cmocka_unit_test(test_kept_cap),
		cmocka_unit_test(test_parent_at_exec),
		cmocka_unit_test(test_fork_only_exit),
		cmocka_unit_test(test_init_tree),
		cmocka_unit_test(test_procfs_records),
		cmocka_unit_test(test_procfs_nocwd),
		cmocka_unit_test(test_data_flags_and_docker),
		cmocka_unit_test(test_args_budget),
		cmocka_unit_test(test_args_bytes_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
