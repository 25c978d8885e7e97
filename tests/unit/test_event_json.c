/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the process cache, the Tetragon JSON encoder and the record -> event logic. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <json.h>

#include "lib/utf8.h"
#include "shipper/encode/event_json.h"
#include "shipper/capture/proc_cache.h"
#include "shipper/capture/procevents.h"

static void test_base64_vectors(void **state)
{
	/* RFC 4648 section 10. */
	static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const out[] = {
		"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < 7; i++) {
		assert_int_equal(
			pcache_base64(in[i], strlen(in[i]), buf, sizeof(buf)), (int)strlen(out[i]));
		assert_string_equal(buf, out[i]);
	}
	assert_int_equal(pcache_base64("foobar", 6, buf, 8), -ENOSPC);
}

static void test_exec_id(void **state)
{
	char buf[PCACHE_EXEC_ID_MAX];

	(void)state;
	/* base64("vm:1777750655635:7262") */
	assert_true(pcache_exec_id("vm", 1777750655635ULL, 7262, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "dm06MTc3Nzc1MDY1NTYzNTo3MjYy");
	/* The kernel, parent of pid 1: NODE:1:0. */
	assert_true(pcache_exec_id("node", 1, 0, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "bm9kZToxOjA=");
}

static void test_flags_order(void **state)
{
	char buf[256];

	(void)state;
	ejson_flags(PS_F_CLONE | PS_F_EXECVE | PS_F_ROOTCWD, buf, sizeof(buf));
	assert_string_equal(buf, "execve rootcwd clone");
	ejson_flags(PS_F_EXECVE | PS_F_CLONE, buf, sizeof(buf));
	assert_string_equal(buf, "execve clone");
	ejson_flags(PS_F_PROCFS, buf, sizeof(buf));
	assert_string_equal(buf, "procFS");
	ejson_flags(PS_F_TRUNC_ARGS | PS_F_EXECVE | PS_F_MISS | PS_F_ERR_CWD | PS_F_NOCWD |
			    PS_F_TRUNC_FILENAME,
		buf, sizeof(buf));
	assert_string_equal(buf, "execve truncArgs miss nocwd errorCWD truncFilename");
	assert_int_equal(ejson_flags(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void check_join(const char *argv, size_t len, const char *want)
{
	char *got = ejson_join_args(argv, len, false);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* A literal argv: everything written, without the compiler's trailing NUL. */
#define JOIN(lit, want) check_join(lit, sizeof(lit) - 1, want)

static void test_join_args(void **state)
{
	(void)state;
	JOIN("ls\0-la\0/tmp", "-la /tmp");
	JOIN("ls\0-la\0/tmp\0", "-la /tmp");
	JOIN("bash\0-c\0curl https://x", "-c \"curl https://x\"");
	/* A first argument with a space gives a leading quote; an empty one a double space. */
	JOIN("p\0a\0\0b\0", "a  b");
	JOIN("p\0 x\0", " \" x\"");
	JOIN("p\0lead X\0tail\0", " \"lead X\" tail");
	/* An empty first argument vanishes, as in Tetragon. */
	JOIN("p\0\0b\0", "b");
	JOIN("onlyargv0\0", "");
	JOIN("", "");
	/* Truncated: the last argument has no NUL. */
	JOIN("p\0abc\0de", "abc de");
	/* An empty last argument leaves a trailing space, but not when Tetragon's record has no
	 * cwd after the arguments (rootcwd), where its decoder trims the NULs. */
	JOIN("p\0a\0\0", "a ");
	JOIN("p\0a\0\0\0", "a  ");
	{
		char *got = ejson_join_args("p\0a\0\0\0", 6, true);

		assert_string_equal(got, "a");
		free(got);
	}
}

static void test_binary_paths(void **state)
{
	char buf[64];

	(void)state;
	pev_binary_path("./x", "/tmp", buf, sizeof(buf));
	assert_string_equal(buf, "/tmp/x");
	pev_binary_path("x", "/", buf, sizeof(buf));
	assert_string_equal(buf, "/x");
	/* absolute: as it is, not cleaned (Tetragon's filepath.IsAbs) */
	pev_binary_path("/usr//bin/env", "/tmp", buf, sizeof(buf));
	assert_string_equal(buf, "/usr//bin/env");
	pev_binary_path("../usr/bin/curl", "/tmp", buf, sizeof(buf));
	assert_string_equal(buf, "/usr/bin/curl");
	pev_binary_path("bin/tool", "", buf, sizeof(buf));
	assert_string_equal(buf, "bin/tool");
	assert_int_equal(pev_binary_path("/abcdef", "/", buf, 4), -ENOSPC);
}

static bool all_utf8(const char *s)
{
	size_t len = strlen(s), i = 0, n;

	while (i < len) {
		n = utf8_seq((const unsigned char *)s + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* ---- record -> event flow ----------------------------------------------------------------- */

#define MAX_EVENTS 8
static char *emitted[MAX_EVENTS];
static int nemitted;

/* What the pipeline does with each event: encode it (arg is the encoder) and keep the text. */
static void capture(void *arg, const struct pev_event *ev)
{
	size_t len = 0;
	const char *json =
		ev->type == PS_EVENT_EXEC
			? ejson_exec(arg, ev->proc, ev->parent, ev->ktime, &len)
			: ejson_exit(arg, ev->proc, ev->parent, ev->exit_code, ev->ktime, &len);

	assert_non_null(json);
	assert_true(nemitted < MAX_EVENTS);
	emitted[nemitted++] = strndup(json, len);
}

static void reset_capture(void)
{
	int i;

	for (i = 0; i < nemitted; i++)
		free(emitted[i]);
	nemitted = 0;
}

static struct fjson_object *parse(const char *json)
{
	struct fjson_object *o = fjson_tokener_parse(json);

	assert_non_null(o);
	return o;
}

static struct fjson_object *path(
	struct fjson_object *o, const char *a, const char *b, const char *c)
{
	struct fjson_object *v = NULL;

	assert_true(fjson_object_object_get_ex(o, a, &v));
	if (b)
		assert_true(fjson_object_object_get_ex(v, b, &v));
	if (c)
		assert_true(fjson_object_object_get_ex(v, c, &v));
	return v;
}

static bool has(struct fjson_object *o, const char *a, const char *b, const char *c)
{
	struct fjson_object *v = NULL;

	if (!fjson_object_object_get_ex(o, a, &v))
		return false;
	if (b && !fjson_object_object_get_ex(v, b, &v))
		return false;
	if (c && !fjson_object_object_get_ex(v, c, &v))
		return false;
	return true;
}

static const char *str_at(struct fjson_object *o, const char *a, const char *b, const char *c)
{
	return fjson_object_get_string(path(o, a, b, c));
}

static int64_t int_at(struct fjson_object *o, const char *a, const char *b, const char *c)
{
	return fjson_object_get_int64(path(o, a, b, c));
}

/* A record's strings, back to back in data as the BPF side writes them. */
static void put_strings(struct ps_event *e, const char *filename, const char *cwd, const char *argv,
	size_t argv_len)
{
	e->filename_len = (uint32_t)strlen(filename);
	e->cwd_len = (uint32_t)strlen(cwd);
	e->args_len = (uint32_t)argv_len;
	memcpy(PS_EVENT_FILENAME(e), filename, e->filename_len);
	memcpy(PS_EVENT_CWD(e), cwd, e->cwd_len);
	memcpy(PS_EVENT_ARGS(e), argv, argv_len);
}

static struct ps_event *procfs_record(uint32_t pid, uint32_t ppid, const char *exe,
	const char *argv, size_t argv_len, const char *cwd)
{
	struct ps_event *e = calloc(1, sizeof(*e));

	e->type = PS_EVENT_EXEC;
	e->flags = PS_F_PROCFS;
	e->pid = e->tid = pid;
	e->ppid = ppid;
	e->auid = 0xffffffff;
	e->ktime = e->start_ktime = 1000000000ULL * pid;
	if (strcmp(cwd, "/") == 0) {
		e->flags |= PS_F_ROOTCWD;
		cwd = "";
	}
	put_strings(e, exe, cwd, argv, argv_len);
	return e;
}

/* The event of 101's first exec: "./tool a 'b c'" in /tmp, forked by bash. */
static void check_tool_exec(const char *json, const char *bash_id, char *child_id)
{
	struct fjson_object *o;

	/* Tetragon writes slashes unescaped. */
	assert_null(strstr(json, "\\/"));
	o = parse(json);
	assert_string_equal(str_at(o, "process_exec", "process", "binary"), "/tmp/tool");
	assert_string_equal(str_at(o, "process_exec", "process", "arguments"), "a \"b c\"");
	assert_string_equal(str_at(o, "process_exec", "process", "cwd"), "/tmp");
	assert_string_equal(str_at(o, "process_exec", "process", "flags"), "execve clone");
	assert_int_equal(int_at(o, "process_exec", "process", "pid"), 101);
	assert_int_equal(int_at(o, "process_exec", "process", "tid"), 101);
	assert_int_equal(int_at(o, "process_exec", "process", "uid"), 1000);
	assert_int_equal(int_at(o, "process_exec", "process", "auid"), 1000);
	assert_string_equal(str_at(o, "process_exec", "process", "parent_exec_id"), bash_id);
	assert_string_equal(str_at(o, "process_exec", "parent", "exec_id"), bash_id);
	assert_string_equal(str_at(o, "process_exec", "parent", "flags"), "procFS");
	assert_string_equal(str_at(o, "process_exec", "parent", "binary"), "/usr/bin/bash");
	assert_int_equal(int_at(o, "process_exec", "parent", "auid"), 4294967295LL);
	assert_string_equal(str_at(o, "node_name", NULL, NULL), "node1");
	assert_string_equal(str_at(o, "time", NULL, NULL), "1970-01-01T00:00:00.000006Z");
	memcpy(child_id, str_at(o, "process_exec", "process", "exec_id"), 40);
	child_id[39] = '\0';
	fjson_object_put(o);
}

/* 101 exits with status 3, then pid 4242, never seen, is killed. */
static void check_exits(struct pev *pev, struct pcache *cache, struct ps_event *e)
{
	struct fjson_object *o;

	/* Exit with status 3, then a signalled exit of a process never seen. */
	e->type = PS_EVENT_EXIT;
	e->exit_code = 3 << 8;
	e->ktime = 8000;
	pev_record(pev, e);
	assert_int_equal(nemitted, 4);
	o = parse(emitted[3]);
	assert_int_equal(int_at(o, "process_exit", "status", NULL), 3);
	assert_false(has(o, "process_exit", "signal", NULL));
	assert_string_equal(str_at(o, "process_exit", "process", "binary"), "/bin/true");
	/* As for its exec: the image this pid ran before is the parent. */
	assert_string_equal(str_at(o, "process_exit", "parent", "binary"), "/tmp/tool");
	fjson_object_put(o);
	assert_null(pcache_get(cache, 101));

	e->pid = e->tid = 4242;
	e->ppid = 100;
	e->exit_code = 9; /* SIGKILL */
	memcpy(e->comm, "ghost", 6);
	pev_record(pev, e);
	assert_int_equal(nemitted, 5);
	o = parse(emitted[4]);
	assert_string_equal(str_at(o, "process_exit", "signal", NULL), "SIGKILL");
	assert_false(has(o, "process_exit", "status", NULL));
	/* Tetragon's process once its event cache gives up: pid and start_time, no parent. */
	assert_int_equal(int_at(o, "process_exit", "process", "pid"), 4242);
	assert_true(has(o, "process_exit", "process", "start_time"));
	assert_int_equal(fjson_object_object_length(path(o, "process_exit", "process", NULL)), 2);
	assert_false(has(o, "process_exit", "parent", NULL));
	assert_true(has(o, "process_exit", "time", NULL));
	fjson_object_put(o);
	assert_int_equal(pev_get_stats(pev)->exit_misses, 1);
}

static void test_fork_exec_exit_flow(void **state)
{
	struct pcache *cache = pcache_new("node1");
	struct ejson *ej = ejson_new("node1", 0);
	struct pev *pev = pev_new(cache, capture, ej);
	struct ps_event *e;
	struct fjson_object *o;
	char bash_id[PCACHE_EXEC_ID_MAX], child_id[PCACHE_EXEC_ID_MAX];

	(void)state;
	assert_non_null(pev);
	/* bash (pid 100) from the /proc scan: a procFS exec, and known. */
	e = procfs_record(100, 1, "/usr/bin/bash", "bash\0-i\0", 8, "/root");
	pev_record(pev, e);
	free(e);
	assert_int_equal(nemitted, 1);
	assert_non_null(pcache_get(cache, 100));
	memcpy(bash_id, pcache_get(cache, 100)->exec_id, sizeof(bash_id));

	/* bash forks 101, which execs "./tool a 'b c'" in /tmp. */
	e = calloc(1, sizeof(*e));
	e->type = PS_EVENT_FORK;
	e->pid = e->tid = 101;
	e->ppid = 100;
	e->start_ktime = 5000;
	pev_record(pev, e);
	assert_int_equal(nemitted, 1);
	e->type = PS_EVENT_EXEC;
	e->ktime = 6000;
	e->uid = 1000;
	e->auid = 1000;
	put_strings(e, "./tool", "/tmp", "./tool\0a\0b c\0", 13);
	pev_record(pev, e);
	assert_int_equal(nemitted, 2);
	check_tool_exec(emitted[1], bash_id, child_id);

	/* 101 execs again without a fork: new exec_id, same pid, parent is its old image. */
	e->ktime = 7000;
	e->flags = PS_F_ROOTCWD;
	put_strings(e, "/bin/true", "", "true\0", 5);
	pev_record(pev, e);
	assert_int_equal(nemitted, 3);
	o = parse(emitted[2]);
	assert_string_equal(str_at(o, "process_exec", "process", "flags"), "execve rootcwd");
	assert_false(has(o, "process_exec", "process", "arguments"));
	assert_string_equal(str_at(o, "process_exec", "parent", "binary"), "/tmp/tool");
	assert_int_equal(int_at(o, "process_exec", "parent", "pid"), 101);
	assert_string_not_equal(str_at(o, "process_exec", "process", "exec_id"),
		str_at(o, "process_exec", "parent", "exec_id"));
	fjson_object_put(o);

	check_exits(pev, cache, e);
	free(e);
	reset_capture();
	pev_free(pev);
	ejson_free(ej);
	pcache_free(cache);
}

static void test_hostile_strings_round_trip(void **state)
{
	static const char argv[] = "prog\0q\"uote\0back\\slash\0new\nline\0tab\there\0"
				   "\xc3\xbcnicode\0bad\xff\0ctl\x01\x1f\0</script>\0@cee:\0";
	struct pcache *cache = pcache_new("n");
	struct ejson *ej = ejson_new("n", 0);
	struct pev *pev = pev_new(cache, capture, ej);
	struct ps_event *e = calloc(1, sizeof(*e));
	struct fjson_object *o;

	(void)state;
	e->type = PS_EVENT_EXEC;
	e->pid = e->tid = 77;
	e->ppid = 0;
	e->ktime = 1;
	e->flags = PS_F_ROOTCWD;
	put_strings(e, "/opt/\xe2\x82\xac/\xfe", "", argv, sizeof(argv) - 1);
	pev_record(pev, e);
	assert_int_equal(nemitted, 1);
	assert_true(all_utf8(emitted[0]));
	assert_null(strchr(emitted[0], '\n'));
	o = parse(emitted[0]);
	assert_string_equal(str_at(o, "process_exec", "process", "arguments"),
		"q\"uote back\\slash new\nline tab\there \xc3\xbcnicode bad\xef\xbf\xbd "
		"ctl\x01\x1f </script> @cee:");
	assert_string_equal(
		str_at(o, "process_exec", "process", "binary"), "/opt/\xe2\x82\xac/\xef\xbf\xbd");
	/* pid 1's parent, the kernel, has the id NODE:1:0. */
	assert_string_equal(str_at(o, "process_exec", "process", "parent_exec_id"), "bjoxOjA=");
	fjson_object_put(o);
	free(e);
	reset_capture();
	pev_free(pev);
	ejson_free(ej);
	pcache_free(cache);
}

/* An event over the limit is re-encoded with its arguments shortened: whole, valid JSON. */
static void test_shorten_to_fit(void **state)
{
	struct ejson *ej = ejson_new("n", 0);
	struct pcache_proc proc = {0}, parent = {0};
	struct fjson_object *o;
	char big[3000], eacute[2001];
	const char *json, *args;
	size_t len, i;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i + 1 < sizeof(eacute); i += 2)
		memcpy(eacute + i, "\xc3\xa9", 2);
	eacute[sizeof(eacute) - 1] = '\0';
	proc.pid = 2;
	proc.binary = "/bin/x";
	proc.arguments = big;
	proc.cwd = "/";
	parent.pid = 1;
	parent.binary = "/bin/sh";
	parent.arguments = eacute;
	parent.cwd = "/";
	json = ejson_exec(ej, &proc, &parent, 1, &len);
	assert_true(len > 5000);
	ejson_set_max_len(ej, 1000);
	json = ejson_exec(ej, &proc, &parent, 1, &len);
	assert_non_null(json);
	assert_true(len <= 1000);
	assert_true(all_utf8(json));
	o = parse(json);
	args = str_at(o, "process_exec", "process", "arguments");
	assert_true(strlen(args) < 1000);
	assert_memory_equal(args, big, strlen(args));
	assert_string_equal(str_at(o, "process_exec", "process", "flags"), "truncArgs");
	assert_string_equal(str_at(o, "process_exec", "parent", "flags"), "truncArgs");
	/* The originals are untouched. */
	assert_int_equal(strlen(proc.arguments), sizeof(big) - 1);
	assert_int_equal(proc.flags, 0);
	fjson_object_put(o);
	assert_int_equal(ejson_get_stats(ej)->shortened, 1);
	assert_int_equal(ejson_get_stats(ej)->over_limit, 0);
	/* A limit no shortening can meet is counted, and the text is still whole. */
	ejson_set_max_len(ej, 50);
	json = ejson_exec(ej, &proc, &parent, 1, &len);
	assert_true(len > 50);
	o = parse(json);
	fjson_object_put(o);
	assert_int_equal(ejson_get_stats(ej)->over_limit, 1);

	/* Paths: the long cwd is cut, the short binary stays whole. The cached objects describe
	 * the old fields: drop them, as a process's fields never change once encoded. */
	proc.cwd = big;
	parent.cwd = "/";
	free(proc.json);
	free(parent.json);
	proc.json = parent.json = NULL;
	ejson_set_max_len(ej, 1400);
	json = ejson_exec(ej, &proc, &parent, 1, &len);
	assert_true(len <= 1400);
	o = parse(json);
	assert_string_equal(str_at(o, "process_exec", "process", "binary"), "/bin/x");
	assert_string_equal(str_at(o, "process_exec", "parent", "binary"), "/bin/sh");
	assert_string_equal(str_at(o, "process_exec", "parent", "cwd"), "/");
	assert_true(strlen(str_at(o, "process_exec", "process", "cwd")) < 1400);
	assert_string_equal(str_at(o, "process_exec", "process", "flags"), "truncArgs truncCWD");
	fjson_object_put(o);
	free(proc.json);
	free(parent.json);
	ejson_free(ej);
}

/* The event put together from cached pieces is the text libfastjson builds for it. */
static void test_fast_path_matches_tree(void **state)
{
	struct ejson *ej = ejson_new("node/1 \"q\"", 123456789);
	struct pcache_proc proc = {0}, parent = {0};
	char *first;
	const char *json;
	size_t len;
	struct fjson_object *o;

	(void)state;
	proc.pid = 42;
	proc.uid = 1000;
	proc.auid = 4294967295u;
	proc.binary = "/usr/bin/env";
	proc.arguments = "a \"b c\"";
	proc.cwd = "/tmp";
	proc.flags = PS_F_EXECVE | PS_F_CLONE;
	proc.ktime = 1000;
	strcpy(proc.exec_id, "aWQ=");
	strcpy(proc.parent_exec_id, "cGFyZW50");
	parent.pid = 1;
	parent.binary = "/sbin/init";
	parent.cwd = "/";
	parent.flags = PS_F_PROCFS | PS_F_ROOTCWD;
	json = ejson_exit(ej, &proc, &parent, 9 | (3 << 8), 2000000001, &len);
	assert_non_null(json);
	first = strdup(json);
	assert_non_null(proc.json);
	assert_non_null(parent.json);
	/* Same event again, now from the cache: byte for byte the same. */
	json = ejson_exit(ej, &proc, &parent, 9 | (3 << 8), 2000000001, &len);
	assert_string_equal(json, first);
	assert_int_equal(len, strlen(first));
	o = parse(json);
	assert_string_equal(str_at(o, "node_name", NULL, NULL), "node/1 \"q\"");
	assert_string_equal(str_at(o, "time", NULL, NULL), "1970-01-01T00:00:02.123456790Z");
	assert_string_equal(
		str_at(o, "process_exit", "time", NULL), "1970-01-01T00:00:02.123456790Z");
	assert_string_equal(str_at(o, "process_exit", "signal", NULL), "SIGKILL");
	assert_int_equal(int_at(o, "process_exit", "status", NULL), 3);
	assert_string_equal(str_at(o, "process_exit", "process", "arguments"), "a \"b c\"");
	assert_string_equal(str_at(o, "process_exit", "parent", "flags"), "procFS rootcwd");
	fjson_object_put(o);
	/* A later second: the cached date prefix is renewed. */
	json = ejson_exec(ej, &proc, NULL, 61000000000ULL, &len);
	o = parse(json);
	assert_string_equal(str_at(o, "time", NULL, NULL), "1970-01-01T00:01:01.123456789Z");
	assert_false(has(o, "process_exec", "parent", NULL));
	fjson_object_put(o);
	free(first);
	free(proc.json);
	free(parent.json);
	ejson_free(ej);
}

/* Process objects are written directly, not through libfastjson: every field, present or
 * left out, with every kind of byte a string may hold, must come out exactly as libfastjson
 * writes it. */
static void test_direct_writer_matches_libfastjson(void **state)
{
	static const char *const strs[] = {
		"",
		"/",
		"plain",
		"q\"uote",
		"back\\slash",
		"sl/ash",
		"\b\f\n\r\t",
		"\x01\x1f\x7f",
		"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80",
		"</script>",
		"a \"b c\" d",
		/* every control character */
		"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"
		"\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f",
	};
	const size_t ns = sizeof(strs) / sizeof(strs[0]);
	struct ejson *ej = ejson_new("n\x01/\"", -5);
	unsigned int round;

	(void)state;
	assert_non_null(ej);
	for (round = 0; round < 400; round++) {
		struct pcache_proc proc = {0}, parent = {0};
		const char *fast, *tree;
		char *fast_copy;
		size_t flen, tlen;
		bool is_exit = round & 1, with_parent = round & 2;

		proc.pid = round * 7919u;
		proc.tid = round % 3 ? proc.pid : 0;
		proc.uid = round % 5 ? round : 4294967295u;
		proc.auid = round % 4 ? 4294967295u : round;
		proc.ktime = (uint64_t)round * 1000000007ull;
		proc.flags = round % 9 ? (uint32_t)round * 2654435761u : 0;
		proc.binary = (char *)strs[round % ns];
		proc.arguments = round % 6 ? (char *)strs[(round / 2) % ns] : NULL;
		proc.cwd = round % 7 ? (char *)strs[(round / 3) % ns] : NULL;
		snprintf(proc.exec_id, sizeof(proc.exec_id), "%s", strs[(round / 5) % ns]);
		snprintf(proc.parent_exec_id, sizeof(proc.parent_exec_id), "%s",
			strs[(round / 7) % ns]);
		snprintf(proc.docker, sizeof(proc.docker), "%s", strs[(round / 11) % ns]);
		parent.pid = round;
		parent.binary = round % 8 ? (char *)strs[(round / 13) % ns] : NULL;
		parent.flags = PS_F_PROCFS;
		parent.ktime = round;

		fast = is_exit ? ejson_exit(ej, &proc, with_parent ? &parent : NULL, round * 131u,
					 round, &flen)
			       : ejson_exec(ej, &proc, with_parent ? &parent : NULL, round, &flen);
		assert_non_null(fast);
		fast_copy = strdup(fast);
		tree = ejson_event_tree(ej, is_exit, &proc, with_parent ? &parent : NULL,
			round * 131u, round, &tlen);
		assert_non_null(tree);
		if (strcmp(fast_copy, tree) != 0)
			fail_msg(
				"round %u:\n direct: %s\n libfastjson: %s", round, fast_copy, tree);
		assert_int_equal(flen, tlen);
		free(fast_copy);
		free(proc.json);
		free(parent.json);
	}
	ejson_free(ej);
}

static struct ps_event *simple_record(uint32_t type, uint32_t pid, uint32_t ppid, uint64_t ktime)
{
	struct ps_event *e = calloc(1, sizeof(*e));

	e->type = type;
	e->pid = e->tid = pid;
	e->ppid = ppid;
	e->ktime = e->start_ktime = ktime;
	if (type == PS_EVENT_EXIT)
		e->start_ktime = 0; /* unknown: taken for the cached entry's */
	return e;
}

static void feed(struct pev *pev, struct ps_event *e)
{
	pev_record(pev, e);
	free(e);
}

static bool never_alive(uint32_t pid, uint64_t ktime)
{
	(void)pid;
	(void)ktime;
	return false;
}

/* A child whose forker exits before it execs names its real_parent at exec time (init here),
 * as Tetragon's BPF does, and memory goes back to nothing once the whole family is gone. */
static void test_orphan_keeps_parent(void **state)
{
	struct pcache *cache = pcache_new("n");
	struct ejson *ej = ejson_new("n", 0);
	struct pev *pev = pev_new(cache, capture, ej);
	struct ps_event *e;
	struct fjson_object *o;

	(void)state;
	feed(pev, procfs_record(1, 0, "/sbin/init", "init\0", 5, "/"));
	feed(pev, procfs_record(10, 1, "/usr/sbin/sshd", "sshd\0", 5, "/"));
	feed(pev, simple_record(PS_EVENT_FORK, 20, 10, 100));
	e = simple_record(PS_EVENT_EXEC, 20, 10, 200);
	put_strings(e, "/bin/sh", "", "", 0);
	feed(pev, e);
	feed(pev, simple_record(PS_EVENT_FORK, 30, 20, 300));
	feed(pev, simple_record(PS_EVENT_EXIT, 20, 10, 400)); /* sh exits first */
	/* The child was reparented to pid 1 by the kernel by now. */
	e = simple_record(PS_EVENT_EXEC, 30, 1, 500);
	put_strings(e, "/bin/sleep", "", "", 0);
	feed(pev, e);
	assert_int_equal(nemitted, 5);
	o = parse(emitted[4]);
	assert_string_equal(str_at(o, "process_exec", "parent", "binary"), "/sbin/init");
	assert_int_equal(int_at(o, "process_exec", "parent", "pid"), 1);
	assert_string_equal(str_at(o, "process_exec", "process", "flags"), "execve clone");
	fjson_object_put(o);
	feed(pev, simple_record(PS_EVENT_EXIT, 30, 1, 600));
	o = parse(emitted[5]);
	assert_string_equal(str_at(o, "process_exit", "parent", "binary"), "/sbin/init");
	fjson_object_put(o);
	/* Only init and sshd are still alive; a sweep that finds them gone empties the cache. */
	assert_int_equal(pcache_count(cache), 2);
	assert_int_equal(pcache_allocated(), 2);
	assert_int_equal(pcache_sweep(cache, never_alive), 2);
	assert_int_equal(pcache_allocated(), 0);
	reset_capture();
	pev_free(pev);
	ejson_free(ej);
	pcache_free(cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_vectors),
		cmocka_unit_test(test_exec_id),
		cmocka_unit_test(test_flags_order),
		cmocka_unit_test(test_join_args),
		cmocka_unit_test(test_binary_paths),
		cmocka_unit_test(test_fork_exec_exit_flow),
		cmocka_unit_test(test_orphan_keeps_parent),
		cmocka_unit_test(test_shorten_to_fit),
		cmocka_unit_test(test_fast_path_matches_tree),
		cmocka_unit_test(test_direct_writer_matches_libfastjson),
		cmocka_unit_test(test_hostile_strings_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
