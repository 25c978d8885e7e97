/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for env_json (shipper/encode/env_json.c): Tetragon's environment_variables as
 * protojson writes them, the fast writer and the libfastjson tree byte for byte the same, the
 * field's place in the process object, and its place in shortening an event to fit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <json.h>

#include "shipper/capture/proc_cache.h"
#include "shipper/encode/env_json.h"
#include "shipper/encode/event_json.h"

static void check_put(const char *envs, size_t len, const char *want)
{
	char *d = malloc(ENVJSON_MAX(len, len) + 1);
	size_t n = envjson_put(d, envs, len);

	d[n] = '\0';
	assert_string_equal(d, want);
	free(d);
}

#define PUT(lit, want) check_put(lit, sizeof(lit) - 1, want)

static void test_put_tetragon_spelling(void **state)
{
	(void)state;
	PUT("", "");
	PUT("HOME=/root\0", ",\"environment_variables\":[{\"Key\":\"HOME\",\"Value\":\"/root\"}]");
	/* The first '=' splits; an empty Key or Value is left out, as protojson leaves out "";
	 * no '=' is Tetragon's Key "invalid". */
	PUT("A=1\0B==x\0C=\0=v\0=\0NOEQ\0\0",
		",\"environment_variables\":[{\"Key\":\"A\",\"Value\":\"1\"},"
		"{\"Key\":\"B\",\"Value\":\"=x\"},{\"Key\":\"C\"},{\"Value\":\"v\"},{},"
		"{\"Key\":\"invalid\",\"Value\":\"NOEQ\"},{\"Key\":\"invalid\"}]");
	/* Escaped as every string is: slashes stay, controls and quotes do not. */
	PUT("Q=\"a\\b\"\0N=l1\nl2\tx\x01\0U=/usr/\xc3\xa9\0",
		",\"environment_variables\":[{\"Key\":\"Q\",\"Value\":\"\\\"a\\\\b\\\"\"},"
		"{\"Key\":\"N\",\"Value\":\"l1\\nl2\\tx\\u0001\"},"
		"{\"Key\":\"U\",\"Value\":\"/usr/\xc3\xa9\"}]");
}

static void test_prefix_and_flags(void **state)
{
	char flags[64];

	(void)state;
	/* Tetragon's errorEnvs in its place; procship's truncEnvs last. */
	ejson_flags(
		PS_F_TRUNC_ENVS | PS_F_ERR_ENVS | PS_F_EXECVE | PS_F_CLONE, flags, sizeof(flags));
	assert_string_equal(flags, "execve errorEnvs clone truncEnvs");
	assert_int_equal(envjson_prefix("A=1\0B=2\0", 8, 8), 8);
	assert_int_equal(envjson_prefix("A=1\0B=2\0", 8, 7), 4);
	assert_int_equal(envjson_prefix("A=1\0B=2\0", 8, 3), 0);
	assert_int_equal(envjson_prefix("A=1\0B=2\0", 8, 0), 0);
}

/* An environment of count entries, built from the strings below: both encoders must agree. */
static const char *const strs[] = {
	"",
	"=",
	"K=v",
	"==",
	"NOEQ",
	"q\"uote=\\back",
	"sl/ash=/a/b",
	"\b\f\n\r\t=\x01\x1f\x7f",
	"\xc3\xa9t\xc3\xa9=\xe2\x82\xac \xf0\x9f\x9a\x80",
	"</script>=<&>",
	"A=B=C",
};
#define NSTRS (sizeof(strs) / sizeof(strs[0]))

static size_t build_envs(char *d, unsigned int round, size_t count)
{
	size_t i, n = 0, len;

	for (i = 0; i < count; i++) {
		const char *s = strs[(round + i * 7) % NSTRS];

		len = strlen(s);
		memcpy(d + n, s, len + 1);
		n += len + 1;
	}
	return n;
}

static void test_fast_matches_tree(void **state)
{
	struct ejson *ej = ejson_new("n", 0);
	char envs[4096], penvs[4096];
	unsigned int round;

	(void)state;
	for (round = 0; round < 200; round++) {
		struct pcache_proc proc = {0}, parent = {0};
		bool is_exit = round & 1;
		const char *fast, *tree;
		char *fast_copy;
		size_t flen, tlen;

		proc.pid = 100 + round;
		proc.binary = "/bin/x";
		proc.arguments = "a b";
		proc.cwd = "/tmp";
		proc.flags = PS_F_EXECVE | (round % 3 ? 0 : PS_F_IN_INIT_TREE | PS_F_TRUNC_ENVS);
		proc.envs = envs;
		proc.envs_count = round % 13;
		proc.envs_len = build_envs(envs, round, proc.envs_count);
		if (!proc.envs_len)
			proc.envs = NULL;
		parent.pid = 1;
		parent.binary = "/sbin/init";
		parent.envs = penvs;
		parent.envs_count = round % 5;
		parent.envs_len = build_envs(penvs, round / 3, parent.envs_count);
		fast = is_exit ? ejson_exit(ej, &proc, &parent, 0, 1, &flen)
			       : ejson_exec(ej, &proc, &parent, 1, &flen);
		assert_non_null(fast);
		fast_copy = strndup(fast, flen);
		tree = ejson_event_tree(ej, is_exit, &proc, &parent, 0, 1, &tlen);
		assert_non_null(tree);
		assert_string_equal(fast_copy, tree);
		assert_int_equal(flen, tlen);
		/* Field 21 comes after in_init_tree (20), last in the object; none, no field. */
		{
			char want[64], *par = strstr(fast_copy, ",\"parent\":");
			const char *at;

			assert_non_null(par);
			*par = '\0';
			snprintf(want, sizeof(want),
				"\"in_init_tree\":%s,\"environment_variables\":[",
				proc.flags & PS_F_IN_INIT_TREE ? "true" : "false");
			at = strstr(fast_copy, "\"environment_variables\"");
			if (proc.envs_len)
				assert_non_null(strstr(fast_copy, want));
			else
				assert_null(at);
		}
		free(fast_copy);
		free(proc.json);
		free(parent.json);
	}
	ejson_free(ej);
}

static struct fjson_object *get(struct fjson_object *o, const char *a, const char *b)
{
	struct fjson_object *v = NULL;

	assert_true(fjson_object_object_get_ex(o, a, &v));
	if (b)
		assert_true(fjson_object_object_get_ex(v, b, &v));
	return v;
}

static size_t env_entries(struct fjson_object *process)
{
	struct fjson_object *a = NULL;

	if (!fjson_object_object_get_ex(process, "environment_variables", &a))
		return 0;
	return fjson_object_array_length(a);
}

/* Over the limit, after the ancestors: the parent's last entries go first, then the
 * process's, each flagged truncEnvs, and only then the arguments. */
static void test_fit_order(void **state)
{
	struct ejson *ej = ejson_new("n", 0);
	struct pcache_proc proc = {0}, parent = {0};
	char envs[2000], penvs[2000], args[1001];
	struct fjson_object *o, *ev;
	const char *json;
	size_t len, full, i;

	(void)state;
	for (i = 0; i < 2000; i += 20) {
		memcpy(envs + i, "VARIABLE_NAME=12345", 20);
		memcpy(penvs + i, "PARENT_VARIAB=12345", 20);
	}
	memset(args, 'a', 1000);
	args[1000] = '\0';
	proc.pid = 2;
	proc.binary = "/bin/x";
	proc.arguments = args;
	proc.envs = envs;
	proc.envs_len = 2000;
	proc.envs_count = 100;
	parent.pid = 1;
	parent.binary = "/bin/sh";
	parent.envs = penvs;
	parent.envs_len = 2000;
	parent.envs_count = 100;
	json = ejson_exec(ej, &proc, &parent, 1, &full);
	assert_non_null(json);
	/* Half the parent's entries must go. */
	ejson_set_max_len(ej, full - 1000);
	json = ejson_exec(ej, &proc, &parent, 1, &len);
	assert_true(len <= full - 1000);
	o = fjson_tokener_parse(json);
	ev = get(o, "process_exec", NULL);
	assert_int_equal(env_entries(get(ev, "process", NULL)), 100);
	assert_true(env_entries(get(ev, "parent", NULL)) < 100);
	assert_true(env_entries(get(ev, "parent", NULL)) > 0);
	assert_string_equal(fjson_object_get_string(get(ev, "parent", "flags")), "truncEnvs");
	assert_false(fjson_object_object_get_ex(get(ev, "process", NULL), "flags", NULL));
	assert_int_equal(strlen(fjson_object_get_string(get(ev, "process", "arguments"))), 1000);
	fjson_object_put(o);
	assert_int_equal(ejson_get_stats(ej)->envs_cut, 1);
	/* Both environments gone and the arguments cut: the arguments go last. */
	ejson_set_max_len(ej, 900);
	json = ejson_exec(ej, &proc, &parent, 1, &len);
	assert_true(len <= 900);
	o = fjson_tokener_parse(json);
	ev = get(o, "process_exec", NULL);
	assert_int_equal(env_entries(get(ev, "process", NULL)), 0);
	assert_int_equal(env_entries(get(ev, "parent", NULL)), 0);
	assert_string_equal(
		fjson_object_get_string(get(ev, "process", "flags")), "truncArgs truncEnvs");
	fjson_object_put(o);
	/* The cached entries are untouched. */
	assert_int_equal(proc.envs_len, 2000);
	assert_int_equal(parent.envs_count, 100);
	assert_int_equal(proc.flags, 0);
	free(proc.json);
	free(parent.json);
	ejson_free(ej);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_tetragon_spelling),
		cmocka_unit_test(test_prefix_and_flags),
		cmocka_unit_test(test_fast_matches_tree),
		cmocka_unit_test(test_fit_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
