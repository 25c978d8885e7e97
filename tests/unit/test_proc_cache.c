/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the process cache's ancestry (--enable-ancestors): Tetragon's walk (nearest
 * first, up to pid 1 or 2, none for pid 1 and 2), exited ancestors kept exactly while a
 * descendant lives, the cap still bounding them, and the encoder's ancestors: in Tetragon's
 * field order, the same text from the fast writer and the tree, shortened (flagged
 * truncAncestors) before any string; user names from the passwd table through procevents;
 * and its budget (the JSON text counted, a fork's copy cut). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json.h>

#include "shipper/capture/proc_cache.h"
#include "shipper/capture/procevents.h"
#include "shipper/capture/userdb.h"
#include "shipper/encode/event_json.h"

struct seen {
	struct ejson *ej;
	bool encode;
	int events;
	char json[262144];
};

static void on_event(void *arg, const struct pev_event *ev)
{
	struct seen *s = arg;
	const char *json;
	size_t len = 0;

	s->events++;
	if (!s->encode)
		return;
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
	rec.uid = 1000 + pid;
	rec.auid = PS_AUID_UNSET;
	rec.ktime = rec.start_ktime = ktime;
	if (type == PS_EVENT_EXIT)
		rec.start_ktime = 0; /* unknown: taken for the cached entry's */
	if (exe) {
		rec.filename_len = (uint32_t)strlen(exe);
		memcpy(PS_EVENT_FILENAME(&rec), exe, rec.filename_len);
		rec.args_len = rec.filename_len + 1;
		memcpy(PS_EVENT_ARGS(&rec), exe, rec.args_len);
		rec.flags = PS_F_ROOTCWD;
	}
	if (type == PS_EVENT_EXEC && ppid == 0)
		rec.flags |= PS_F_PROCFS;
	pev_record(pev, &rec);
}

/* fork + exec of pid under ppid, running exe */
static void spawn(struct pev *pev, uint32_t pid, uint32_t ppid, uint64_t t, const char *exe)
{
	feed(pev, PS_EVENT_FORK, pid, ppid, t, NULL);
	feed(pev, PS_EVENT_EXEC, pid, ppid, t + 1, exe);
}

struct fixture {
	struct pcache *cache;
	struct seen *s;
	struct pev *pev;
};

static void open_fixture(struct fixture *f, bool ancestors)
{
	f->cache = pcache_new("n");
	f->s = calloc(1, sizeof(*f->s));
	assert_non_null(f->s);
	f->s->ej = ejson_new("n", 0);
	f->s->encode = true;
	f->pev = pev_new(f->cache, on_event, f->s);
	assert_non_null(f->pev);
	pcache_set_keep_ancestry(f->cache, ancestors);
	ejson_set_ancestors(f->s->ej, ancestors);
}

static void close_fixture(struct fixture *f)
{
	pev_free(f->pev);
	ejson_free(f->s->ej);
	free(f->s);
	pcache_free(f->cache);
	assert_int_equal(pcache_allocated(), 0);
}

/* The exec_ids of the event's ancestors, in order, checked against the pids wanted. */
static void assert_ancestors(
	const char *json, const char *kind, struct pcache_proc **want, size_t n)
{
	struct fjson_object *o = fjson_tokener_parse(json), *body, *a;
	size_t i;

	assert_non_null(o);
	assert_true(fjson_object_object_get_ex(o, kind, &body));
	if (n == 0) {
		assert_false(fjson_object_object_get_ex(body, "ancestors", &a));
		fjson_object_put(o);
		return;
	}
	assert_true(fjson_object_object_get_ex(body, "ancestors", &a));
	assert_true(fjson_object_is_type(a, fjson_type_array));
	assert_int_equal(fjson_object_array_length(a), n);
	for (i = 0; i < n; i++) {
		struct fjson_object *e = fjson_object_array_get_idx(a, (int)i), *v;

		assert_true(fjson_object_object_get_ex(e, "exec_id", &v));
		assert_string_equal(fjson_object_get_string(v), want[i]->exec_id);
		assert_true(fjson_object_object_get_ex(e, "pid", &v));
		assert_int_equal(fjson_object_get_int64(v), want[i]->pid);
	}
	fjson_object_put(o);
}

/* init(1) -> 10 -> 11 -> 12 -> 13 -> 14: 14's exec lists 12, 11, 10, 1 (its parent 13 is
 * "parent"); 11 and 12 exit and stay known while 14's line lives; then they all go. */
static void test_walk_and_keep(void **state)
{
	struct fixture f;
	struct pcache_proc *want[8];
	uint32_t pid;

	(void)state;
	open_fixture(&f, true);
	feed(f.pev, PS_EVENT_EXEC, 1, 0, 100, "/sbin/init");
	assert_ancestors(f.s->json, "process_exec", NULL, 0); /* pid 1: none */
	for (pid = 10; pid <= 14; pid++)
		spawn(f.pev, pid, pid == 10 ? 1 : pid - 1, 1000 * pid, "/bin/sh");
	for (pid = 12; pid >= 10; pid--)
		want[12 - pid] = pcache_get(f.cache, pid);
	want[3] = pcache_get(f.cache, 1);
	assert_ancestors(f.s->json, "process_exec", want, 4);
	/* the parent's own exec: 11, 10, 1; pid 10's: only 1 */
	assert_non_null(strstr(f.s->json, "\"ancestors\":[{\"exec_id\""));
	assert_int_equal(pcache_count(f.cache), 6);
	/* 11 and 12 exit: kept, with their parent links, as 13 and 14 live. */
	feed(f.pev, PS_EVENT_EXIT, 12, 11, 20000, NULL);
	assert_ancestors(f.s->json, "process_exit", want + 2, 2);
	feed(f.pev, PS_EVENT_EXIT, 11, 10, 20001, NULL);
	spawn(f.pev, 15, 14, 30000, "/bin/marker");
	memmove(want + 1, want, 4 * sizeof(*want));
	want[0] = pcache_get(f.cache, 13);
	assert_ancestors(f.s->json, "process_exec", want, 5);
	feed(f.pev, PS_EVENT_EXIT, 15, 14, 30002, NULL);
	assert_ancestors(f.s->json, "process_exit", want, 5);
	assert_int_equal(pcache_count(f.cache), 6); /* 1, 10, 13, 14 live; 11, 12 kept; 15 gone */
	assert_int_equal(pcache_count(f.cache), pcache_allocated());
	/* When the last descendant goes, so do the exited ancestors. */
	feed(f.pev, PS_EVENT_EXIT, 14, 13, 40000, NULL);
	feed(f.pev, PS_EVENT_EXIT, 13, 12, 40001, NULL);
	assert_int_equal(pcache_count(f.cache), 2);
	assert_int_equal(pcache_allocated(), 2);
	close_fixture(&f);
}

static void test_off_as_before(void **state)
{
	struct fixture f;
	uint32_t pid;

	(void)state;
	open_fixture(&f, false);
	feed(f.pev, PS_EVENT_EXEC, 1, 0, 100, "/sbin/init");
	for (pid = 10; pid <= 13; pid++)
		spawn(f.pev, pid, pid == 10 ? 1 : pid - 1, 1000 * pid, "/bin/sh");
	assert_null(strstr(f.s->json, "ancestors"));
	feed(f.pev, PS_EVENT_EXIT, 11, 10, 20000, NULL);
	feed(f.pev, PS_EVENT_EXIT, 12, 11, 20001, NULL);
	/* 12 is kept for 13 but drops its own parent: 11 is gone. */
	assert_int_equal(pcache_count(f.cache), 4);
	assert_null(pcache_get(f.cache, 12));
	close_fixture(&f);
}

/* kthreadd (pid 2) ends the walk as pid 1 does. */
static void test_walk_stops_at_2(void **state)
{
	struct fixture f;
	struct pcache_proc *want[2];

	(void)state;
	open_fixture(&f, true);
	feed(f.pev, PS_EVENT_EXEC, 2, 0, 100, "kthreadd");
	spawn(f.pev, 20, 2, 1000, "/bin/a");
	spawn(f.pev, 21, 20, 2000, "/bin/b");
	want[0] = pcache_get(f.cache, 2);
	assert_ancestors(f.s->json, "process_exec", want, 1);
	spawn(f.pev, 22, 21, 3000, "/bin/c");
	want[0] = pcache_get(f.cache, 20);
	want[1] = pcache_get(f.cache, 2);
	assert_ancestors(f.s->json, "process_exec", want, 2);
	close_fixture(&f);
}

#define DEEP 1100

/* A chain of re-execs: each image is the next one's parent, so with ancestors on they all
 * stay; the walk stops at PCACHE_ANCESTORS_MAX (flagged), the cap bounds the entries. */
static void test_deep_chain(void **state)
{
	struct fixture f;
	uint32_t i, n = PCACHE_KEPT_MAX + 5000;
	struct fjson_object *o, *a;

	(void)state;
	open_fixture(&f, true);
	feed(f.pev, PS_EVENT_EXEC, 1, 0, 100, "/sbin/init");
	spawn(f.pev, 50, 1, 1000, "/bin/reexec");
	f.s->encode = false;
	for (i = 0; i < DEEP; i++)
		feed(f.pev, PS_EVENT_EXEC, 50, 1, 2000 + (uint64_t)i, "/bin/reexec");
	f.s->encode = true;
	feed(f.pev, PS_EVENT_EXEC, 50, 1, 2000 + DEEP, "/bin/reexec");
	assert_non_null(strstr(f.s->json, "\"flags\":\"execve rootcwd truncAncestors\""));
	o = fjson_tokener_parse(f.s->json);
	assert_non_null(o);
	assert_true(fjson_object_object_get_ex(o, "process_exec", &a));
	assert_true(fjson_object_object_get_ex(a, "ancestors", &a));
	assert_int_equal(fjson_object_array_length(a), PCACHE_ANCESTORS_MAX);
	fjson_object_put(o);
	assert_true(ejson_get_stats(f.s->ej)->ancestors_cut == 1);
	/* Past the cap of kept entries, the oldest are evicted: the count stays bounded. */
	f.s->encode = false;
	for (i = DEEP; i < n; i++)
		feed(f.pev, PS_EVENT_EXEC, 50, 1, 2000 + (uint64_t)i, "/bin/reexec");
	assert_true(pcache_evictions(f.cache) > 0);
	assert_true(pcache_count(f.cache) <= PCACHE_KEPT_MAX + 3);
	assert_int_equal(pcache_count(f.cache), pcache_allocated());
	feed(f.pev, PS_EVENT_EXIT, 50, 1, 2000 + (uint64_t)n, NULL);
	assert_int_equal(pcache_allocated(), 1);
	close_fixture(&f);
}

/* Over the limit, the farthest ancestors go first, flagged, before any string is cut; the
 * text stays valid JSON within the limit, and the tree writes what the fast path writes. */
static void test_shorten_ancestors_first(void **state)
{
	struct fixture f;
	struct pcache_proc *want[3];
	size_t len = 0, tlen = 0, max;
	const char *fast, *tree;
	char *copy;
	uint32_t pid;

	(void)state;
	open_fixture(&f, true);
	feed(f.pev, PS_EVENT_EXEC, 1, 0, 100, "/sbin/init");
	for (pid = 10; pid <= 16; pid++)
		spawn(f.pev, pid, pid == 10 ? 1 : pid - 1, 1000 * pid, "/usr/bin/some-long-binary");
	/* The whole event, written by both. */
	fast = ejson_exec(f.s->ej, pcache_get(f.cache, 16), pcache_get(f.cache, 15), 9, &len);
	copy = strndup(fast, len);
	tree = ejson_event_tree(
		f.s->ej, false, pcache_get(f.cache, 16), pcache_get(f.cache, 15), 0, 9, &tlen);
	assert_string_equal(tree, copy);
	free(copy);
	/* Room for three ancestors of six. */
	max = len - 3 * (pcache_get(f.cache, 10)->json_len + 1) + 60;
	ejson_set_max_len(f.s->ej, max);
	fast = ejson_exec(f.s->ej, pcache_get(f.cache, 16), pcache_get(f.cache, 15), 9, &len);
	assert_true(len <= max);
	for (pid = 0; pid < 3; pid++)
		want[pid] = pcache_get(f.cache, 14 - pid);
	copy = strndup(fast, len);
	assert_ancestors(copy, "process_exec", want, 3);
	assert_non_null(strstr(copy, "\"binary\":\"/usr/bin/some-long-binary\",\"flags\":"
				     "\"execve rootcwd clone truncAncestors\""));
	free(copy);
	assert_true(ejson_get_stats(f.s->ej)->ancestors_cut == 1);
	assert_true(ejson_get_stats(f.s->ej)->ancestors_dropped == 3);
	assert_true(ejson_get_stats(f.s->ej)->shortened == 0);
	/* The cached object of the process is untouched: its next event is not flagged. */
	assert_null(strstr(pcache_get(f.cache, 16)->json, "truncAncestors"));
	close_fixture(&f);
}

/* An exec of pid (uid 1010) under 10 whose record carries namespaces mnt and user. */
static void ns_exec(struct pev *pev, uint32_t pid, uint32_t mnt, uint32_t user)
{
	struct ps_ext ext = {.ns = {[PS_NS_MNT] = mnt, [PS_NS_USER] = user}};

	feed(pev, PS_EVENT_FORK, pid, 10, 5000 + pid, NULL);
	memset(&rec, 0, sizeof(rec));
	rec.type = PS_EVENT_EXEC;
	rec.pid = rec.tid = pid;
	rec.ppid = 10;
	rec.uid = 1010;
	rec.ktime = 5001 + pid;
	rec.flags = PS_F_ROOTCWD | PS_F_EXT_NS;
	memcpy(rec.data + PS_EVENT_EXT_OFF(&rec), &ext, sizeof(ext));
	pev_record(pev, &rec);
}

static void test_user_names(void **state)
{
	char path[64];
	struct fixture f;
	struct udb *u;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/test_proc_cache.%d", (int)getpid());
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("root:x:0:0::/:\nsh-user:x:1010:0::/:\nq\"uote:x:1011:0::/:\n", fp);
	assert_int_equal(fclose(fp), 0);
	u = udb_new(path);
	assert_non_null(u);
	open_fixture(&f, true);
	pev_set_users(f.pev, u);
	feed(f.pev, PS_EVENT_EXEC, 1, 0, 100, "/sbin/init"); /* uid 1001: no entry */
	spawn(f.pev, 10, 1, 1000, "/bin/sh");		     /* uid 1010 */
	spawn(f.pev, 11, 10, 2000, "/bin/q");		     /* uid 1011 */
	spawn(f.pev, 12, 11, 3000, "/bin/x");		     /* uid 1012: no entry */
	/* process, parent and ancestors each with their own name or none */
	assert_non_null(strstr(f.s->json, "\"tid\":12,\"in_init_tree\":false}"));
	assert_non_null(strstr(f.s->json, "\"tid\":11,\"user\":{\"name\":\"q\\\"uote\"}"));
	assert_non_null(strstr(f.s->json, "\"tid\":10,\"user\":{\"name\":\"sh-user\"}"));
	assert_non_null(strstr(f.s->json, "\"tid\":1,\"in_init_tree\":false}"));
	/* a process in another PID namespace gets none */
	memset(&rec, 0, sizeof(rec));
	feed(f.pev, PS_EVENT_FORK, 13, 10, 4000, NULL);
	rec.type = PS_EVENT_EXEC;
	rec.ktime = 4001;
	rec.uid = 1010;
	rec.nspid = 7;
	pev_record(f.pev, &rec);
	assert_null(strstr(f.s->json, "\"tid\":13,\"user\""));
	/* With the namespaces in the record, Tetragon's test: the host's mount and user ones. */
	pev_set_host_ns(f.pev, (uint32_t[PS_NS_COUNT]){[PS_NS_MNT] = 111, [PS_NS_USER] = 222});
	ns_exec(f.pev, 14, 111, 222);
	assert_non_null(strstr(f.s->json, "\"tid\":14,\"user\":{\"name\":\"sh-user\"}"));
	ns_exec(f.pev, 15, 999, 222); /* its own mount namespace, in the host's PID one */
	assert_non_null(strstr(f.s->json, "\"tid\":15,\"in_init_tree\""));
	close_fixture(&f);
	udb_free(u);
	unlink(path);
}

/* The cached JSON text counts in the arguments' budget (hostile review finding 4): 10000
 * bytes of \x01 cost 60000 more once escaped, which pass a budget the raw bytes do not; the
 * cut then drops the text with them. Past the budget, a JSON text longer than the cut goes
 * even when the arguments are short. */
static void test_json_in_budget(void **state)
{
	struct pcache *c = pcache_new("n");
	struct ejson *ej = ejson_new("n", 0);
	size_t before = pcache_args_bytes(), len = 0;
	struct pcache_proc *old = NULL, *p = pcache_put(c, 20, &old), *q;
	char *args = malloc(10001);

	(void)state;
	assert_non_null(args);
	memset(args, 1, 10000);
	args[10000] = '\0';
	assert_int_equal(pcache_proc_set(p, "/bin/x", args, "/"), 0);
	assert_int_equal(pcache_args_bytes(), before + 10000);
	assert_non_null(ejson_exec(ej, p, NULL, 5, &len));
	assert_true(p->json_len > 60000);
	assert_int_equal(pcache_args_bytes(), before + 10000 + p->json_len);
	pcache_set_args_budget(before + 40000);
	assert_true(pcache_proc_cut_args(p, PCACHE_ARGS_CUT));
	assert_null(p->json);
	assert_int_equal(p->arguments_len, PCACHE_ARGS_CUT);
	assert_int_equal(pcache_args_bytes(), before + PCACHE_ARGS_CUT);
	/* a new text is counted again; over budget, a long one goes though nothing is cut */
	assert_non_null(ejson_exec(ej, p, NULL, 5, &len));
	assert_int_equal(pcache_args_bytes(), before + PCACHE_ARGS_CUT + p->json_len);
	q = pcache_put(c, 21, &old);
	args[4000] = '\0'; /* under the cut; 24000 bytes once escaped */
	assert_int_equal(pcache_proc_set(q, "/bin/y", args, "/"), 0);
	assert_non_null(ejson_exec(ej, q, p, 6, &len));
	assert_false(pcache_proc_cut_args(q, PCACHE_ARGS_CUT));
	assert_null(q->json);
	assert_non_null(p->json); /* only the process cut */
	pcache_set_args_budget(PCACHE_ARGS_BUDGET);
	free(args);
	ejson_free(ej);
	pcache_free(c);
	assert_int_equal(pcache_args_bytes(), before);
}

/* A fork's copy over the budget (hostile review finding 6): only the prefix that the cut
 * keeps is copied, 4096 bytes of arguments and the environment entries that fit, and the
 * bits of what was left out come back; under the budget all is copied. */
static void test_copy_cut(void **state)
{
	struct pcache_proc *src = pcache_proc_new(5), *dst = pcache_proc_new(6);
	size_t before = pcache_args_bytes(), i;
	char *args = malloc(10001), *envs = malloc(10000);

	(void)state;
	assert_non_null(args);
	assert_non_null(envs);
	memset(args, 'a', 10000);
	args[10000] = '\0';
	memset(envs, 'e', 10000);
	for (i = 99; i < 10000; i += 100)
		envs[i] = '\0'; /* 100 entries of 100 bytes */
	assert_int_equal(pcache_proc_set(src, "/bin/x", args, "/"), 0);
	pcache_proc_set_envs(src, envs, 10000, 100);
	before = pcache_args_bytes();
	assert_int_equal(pcache_proc_copy_cut(dst, src, PCACHE_ARGS_CUT), 0);
	assert_int_equal(dst->arguments_len, 10000);
	assert_int_equal(pcache_args_bytes(), before + 20000);
	pcache_set_args_budget(before + 20000 + 10000); /* another whole copy would pass it */
	assert_int_equal(
		pcache_proc_copy_cut(dst, src, PCACHE_ARGS_CUT), PS_F_TRUNC_ARGS | PS_F_TRUNC_ENVS);
	assert_int_equal(dst->arguments_len, PCACHE_ARGS_CUT);
	assert_int_equal(strlen(dst->arguments), PCACHE_ARGS_CUT);
	assert_int_equal(dst->envs_len, 4000);
	assert_int_equal(dst->envs_count, 40);
	assert_int_equal(pcache_args_bytes(), before + PCACHE_ARGS_CUT + 4000);
	assert_string_equal(dst->binary, "/bin/x");
	pcache_set_args_budget(PCACHE_ARGS_BUDGET);
	free(args);
	pcache_proc_unref(dst);
	pcache_proc_unref(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_and_keep),
		cmocka_unit_test(test_off_as_before),
		cmocka_unit_test(test_walk_stops_at_2),
		cmocka_unit_test(test_deep_chain),
		cmocka_unit_test(test_shorten_ancestors_first),
		cmocka_unit_test(test_user_names),
		cmocka_unit_test(test_json_in_budget),
		cmocka_unit_test(test_copy_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
