/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for envs (shipper/capture/envs.c): Tetragon's decoding of hostile environment
 * blocks and its exact-name filter, and what procevents and the cache do with the result (a
 * record's environment in its process, a fork's copy, the arguments' budget). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shipper/capture/envs.h"
#include "shipper/capture/proc_cache.h"
#include "shipper/capture/procevents.h"
#include "shipper/encode/event_json.h"

/* Decode raw[0..len) with f and compare with want[0..want_len) (entries NUL-terminated). */
static void check_decode(const char *raw, size_t len, const struct envs_filter *f, const char *want,
	size_t want_len, size_t want_count)
{
	char *out = (char *)1;
	size_t out_len = 99, count = 99;

	assert_int_equal(envs_decode(raw, len, f, &out, &out_len, &count), 0);
	assert_int_equal(out_len, want_len);
	assert_int_equal(count, want_count);
	if (want_len)
		assert_memory_equal(out, want, want_len);
	else
		assert_null(out);
	free(out);
}

/* Literals: everything written, without the compiler's trailing NUL. */
#define DECODE(raw, f, want, n) check_decode(raw, sizeof(raw) - 1, f, want, sizeof(want) - 1, n)

static void test_decode_hostile_blocks(void **state)
{
	(void)state;
	DECODE("A=1\0B==x\0C=\0", NULL, "A=1\0B==x\0C=\0", 3);
	/* The entry is kept as it is: '=' first, none at all; the encoder splits them. */
	DECODE("=v\0NOEQUALS\0", NULL, "=v\0NOEQUALS\0", 2);
	/* Nothing, or one NUL: no entries (Tetragon's block of size 0). */
	check_decode("", 0, NULL, "", 0, 0);
	DECODE("\0", NULL, "", 0);
	/* Empty strings between NULs are entries, as Tetragon's split makes them. */
	DECODE("A=1\0\0B=2\0", NULL, "A=1\0\0B=2\0", 3);
	DECODE("\0\0", NULL, "\0\0", 2);
	/* No trailing NUL (a block cut at its bound): the last byte stays. */
	DECODE("A=1\0B=23", NULL, "A=1\0B=23\0", 2);
	/* Invalid UTF-8: each run of bad bytes becomes one U+FFFD, as Go's ToValidUTF8. */
	DECODE("K=\xff\xfe\0\xc3\xa9=\xe2\x82\0", NULL, "K=\xef\xbf\xbd\0\xc3\xa9=\xef\xbf\xbd\0",
		2);
}

static void test_decode_64k(void **state)
{
	size_t n = 65536, i, len, count;
	char *raw = malloc(n), *out;

	(void)state;
	/* One 64 KiB variable, then 8 KiB of one-byte entries. */
	memset(raw, 'v', n);
	memcpy(raw, "BIG=", 4);
	raw[n - 8193] = '\0';
	for (i = n - 8192; i < n; i += 2) {
		raw[i] = 'x';
		raw[i + 1] = '\0';
	}
	assert_int_equal(envs_decode(raw, n, NULL, &out, &len, &count), 0);
	assert_int_equal(len, n);
	assert_int_equal(count, 1 + 4096);
	assert_memory_equal(out, raw, n);
	free(out);
	free(raw);
}

static void test_filter_exact_names(void **state)
{
	static const char *const lists[] = {"HOME,PATH", "NOEQUALS", "A"};
	static const char *const empty[] = {"", ""};
	struct envs_filter *f = envs_filter_new(lists, 3);

	(void)state;
	assert_non_null(f);
	assert_false(envs_filter_has_empty(f));
	assert_true(envs_filter_keeps(f, "HOME=/root", 10));
	assert_true(envs_filter_keeps(f, "PATH=", 5));
	/* No '=': the whole entry is the name. */
	assert_true(envs_filter_keeps(f, "NOEQUALS", 8));
	/* Exact names: no prefix, no case folding. */
	assert_false(envs_filter_keeps(f, "HOMEX=1", 7));
	assert_false(envs_filter_keeps(f, "HOM=1", 5));
	assert_false(envs_filter_keeps(f, "home=1", 6));
	assert_false(envs_filter_keeps(f, "=x", 2));
	assert_false(envs_filter_keeps(f, "", 0));
	assert_true(envs_filter_keeps(NULL, "anything", 8));
	DECODE("HOME=/root\0HOMEX=1\0A=B=C\0NOEQUALS\0PATH=\0B=1\0", f,
		"HOME=/root\0A=B=C\0NOEQUALS\0PATH=\0", 4);
	/* Nothing kept: no block at all. */
	DECODE("X=1\0Y=2\0", f, "", 0);
	envs_filter_free(f);
	/* No name given (each value "", which pflag reads as none): no filter, which keeps
	 * everything, as Tetragon's. */
	errno = 0;
	assert_null(envs_filter_new(empty, 2));
	assert_int_equal(errno, EINVAL);
	assert_null(envs_filter_new(NULL, 0));
	assert_false(envs_filter_has_empty(NULL));
	envs_filter_free(NULL);
}

/* Tetragon's flag is a pflag StringSlice: "," is two empty names and "LANG," is LANG and "";
 * the empty name keeps the entries whose name is empty ("=x", ""), nothing else. A stray
 * comma never turns the filter off. */
static void test_filter_empty_names(void **state)
{
	static const char *const comma[] = {","}, *const lang[] = {"", "LANG,"};
	struct envs_filter *f = envs_filter_new(comma, 1);

	(void)state;
	assert_non_null(f);
	assert_true(envs_filter_has_empty(f));
	assert_false(envs_filter_keeps(f, "LANG=C", 6));
	assert_false(envs_filter_keeps(f, "NOEQUALS", 8));
	assert_true(envs_filter_keeps(f, "=x", 2));
	assert_true(envs_filter_keeps(f, "", 0));
	DECODE("LANG=C\0=x\0SECRET=s\0\0PATH=/bin\0", f, "=x\0\0", 2);
	envs_filter_free(f);
	f = envs_filter_new(lang, 2);
	assert_non_null(f);
	assert_true(envs_filter_has_empty(f));
	DECODE("LANG=C\0=x\0SECRET=s\0", f, "LANG=C\0=x\0", 2);
	envs_filter_free(f);
}

static int events;

static void count_event(void *arg, const struct pev_event *ev)
{
	(void)arg;
	(void)ev;
	events++;
}

/* An exec record of pid with the environment env[0..len). */
static struct ps_event *env_record(uint32_t pid, const char *env, size_t len)
{
	struct ps_event *e = calloc(1, PS_EVENT_MAX_SIZE);

	e->type = PS_EVENT_EXEC;
	e->flags = PS_F_EXT_ENV | PS_F_ROOTCWD;
	e->pid = e->tid = pid;
	e->ppid = 1;
	e->ktime = pid * 1000ull;
	e->filename_len = 9;
	memcpy(PS_EVENT_FILENAME(e), "/bin/true", 9);
	e->args_len = 5;
	memcpy(PS_EVENT_ARGS(e), "true\0", 5);
	e->env_len = (uint32_t)len;
	memcpy(PS_EVENT_ENV(e), env, len);
	return e;
}

static void test_records_fork_and_budget(void **state)
{
	static const char *const lists[] = {"KEEP,SECRET"};
	struct envs_filter *f = envs_filter_new(lists, 1);
	struct pcache *cache = pcache_new("n");
	struct pev *pev = pev_new(cache, count_event, NULL);
	size_t before = pcache_args_bytes(), i;
	struct ps_event *e;
	struct pcache_proc *p;
	char *big = malloc(20000), flags[64];

	(void)state;
	pev_set_envs_filter(pev, f);
	e = env_record(10, "KEEP=1\0DROP=2\0SECRET=s\0", 23);
	pev_record(pev, e);
	p = pcache_get(cache, 10);
	assert_int_equal(p->envs_count, 2);
	assert_memory_equal(p->envs, "KEEP=1\0SECRET=s\0", p->envs_len);
	assert_int_equal(pcache_args_bytes(), before + 16); /* the environment; no arguments */
	/* A fork-only child carries its parent's environment, as Tetragon's clone copies it. */
	e->type = PS_EVENT_FORK;
	e->pid = e->tid = 11;
	e->ppid = 10;
	pev_record(pev, e);
	p = pcache_get(cache, 11);
	assert_int_equal(p->envs_count, 2);
	assert_memory_equal(p->envs, "KEEP=1\0SECRET=s\0", 16);
	assert_false(p->flags & (PS_F_TRUNC_ENVS | PS_F_ERR_ENVS));
	/* ... but not the flags that say it is not whole: Tetragon's clone replaces the copy's
	 * flags with the clone record's, execve (and inInitTree) only. */
	pcache_get(cache, 10)->flags |= PS_F_TRUNC_ENVS | PS_F_ERR_ENVS | PS_F_TRUNC_ARGS;
	e->pid = e->tid = 14;
	pev_record(pev, e);
	ejson_flags(pcache_get(cache, 14)->flags, flags, sizeof(flags));
	assert_string_equal(flags, "execve");
	assert_memory_equal(pcache_get(cache, 14)->envs, "KEEP=1\0SECRET=s\0", 16);
	pcache_get(cache, 10)->flags |= PS_F_IN_INIT_TREE;
	e->pid = e->tid = 15;
	pev_record(pev, e);
	ejson_flags(pcache_get(cache, 15)->flags, flags, sizeof(flags));
	assert_string_equal(flags, "execve inInitTree");
	free(e);
	/* The option off (no PS_F_EXT_ENV): no environment, whatever follows the arguments. */
	pev_set_envs_filter(pev, NULL);
	e = env_record(12, "KEEP=1\0", 7);
	e->flags &= ~PS_F_EXT_ENV;
	e->env_len = 0;
	pev_record(pev, e);
	assert_null(pcache_get(cache, 12)->envs);
	free(e);
	/* Past the budget a long environment keeps the entries within 4 KiB, flagged. */
	for (i = 0; i < 20000; i += 10)
		memcpy(big + i, "VAR=xxxxx", 10);
	pcache_set_args_budget(0);
	e = env_record(13, big, 20000);
	pev_record(pev, e);
	p = pcache_get(cache, 13);
	assert_int_equal(p->envs_len, PCACHE_ARGS_CUT / 10 * 10);
	assert_int_equal(p->envs_count, PCACHE_ARGS_CUT / 10);
	assert_true(p->flags & PS_F_TRUNC_ENVS);
	assert_int_equal(pev_get_stats(pev)->args_cut, 1);
	pcache_set_args_budget(PCACHE_ARGS_BUDGET);
	free(e);
	free(big);
	assert_int_equal(events, 3);
	pev_free(pev);
	pcache_free(cache);
	envs_filter_free(f);
	/* Every byte counted went with its entry. */
	assert_int_equal(pcache_args_bytes(), before);
}

/* A block cut at a bound (truncEnvs) loses the piece of its last entry, which would be a wrong
 * value; a block not cut keeps every entry. */
static void test_records_cut_block(void **state)
{
	static const struct {
		const char *raw;
		size_t len;
		bool cut;
		const char *want;
		size_t want_len, count;
	} cases[] = {
		{"A=1\0PATH=/usr/lo", 16, true, "A=1\0", 4, 1},
		{"A=1\0PATH=/usr/lo", 16, false, "A=1\0PATH=/usr/lo\0", 17, 2},
		{"A=1\0B=2\0", 8, true, "A=1\0B=2\0", 8, 2},
		{"NOEND", 5, true, "", 0, 0},
	};
	struct pcache *cache = pcache_new("n");
	struct pev *pev = pev_new(cache, count_event, NULL);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ps_event *e = env_record(20 + (uint32_t)i, cases[i].raw, cases[i].len);
		struct pcache_proc *p;

		e->flags |= cases[i].cut ? PS_F_TRUNC_ENVS : 0;
		pev_record(pev, e);
		p = pcache_get(cache, 20 + (uint32_t)i);
		assert_int_equal(p->envs_len, cases[i].want_len);
		assert_int_equal(p->envs_count, cases[i].count);
		if (cases[i].want_len)
			assert_memory_equal(p->envs, cases[i].want, cases[i].want_len);
		assert_int_equal(!!(p->flags & PS_F_TRUNC_ENVS), cases[i].cut);
		free(e);
	}
	pev_free(pev);
	pcache_free(cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_hostile_blocks),
		cmocka_unit_test(test_decode_64k),
		cmocka_unit_test(test_filter_exact_names),
		cmocka_unit_test(test_filter_empty_names),
		cmocka_unit_test(test_records_fork_and_budget),
		cmocka_unit_test(test_records_cut_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
