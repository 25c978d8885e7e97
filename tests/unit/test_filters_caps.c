/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the capabilities filter field (filters_caps.c): each set with each of any,
 * all, exactly and none as Tetragon v1.7.0's caps.go decides them, sets ANDed, events without
 * cap, the refusals, and filters_needs' place. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "shipper/admit/filters.h"
#include "mock_log.h"

#define BIT(n)	   (1ull << (n))
#define SYS_ADMIN  BIT(21)
#define SYS_BOOT   BIT(22)
#define AUDIT_READ BIT(37)
#define CAP_BPF	   BIT(39)

static struct filters *new_f(const char *allow, const char *deny)
{
	char err[256] = "";
	struct filters *f = filters_new(allow, deny, err, sizeof(err));

	if (!f)
		fail_msg("filters_new: %s", err);
	return f;
}

/* Whether an exec with these capability sets (caps NULL: no cap in the event) is exported. */
static bool pass(struct filters *f, const uint64_t *caps)
{
	struct filters_subject e = {
		.ev = FILTERS_EXEC, .binary = "/bin/x", .pid = 5, .ppid = 1, .caps = caps};

	return filters_check(f, &e, 0);
}

/* Tetragon's tests (pkg/filters/caps_test.go): the filter {BPF, SYS_ADMIN} against the sets
 * below, in that order. */
static const uint64_t tetragon_sets[] = {
	CAP_BPF | SYS_ADMIN,		/* both */
	CAP_BPF | SYS_ADMIN | SYS_BOOT, /* both with extra */
	CAP_BPF,			/* only one */
	SYS_ADMIN,			/* only the other */
	AUDIT_READ,			/* extra only */
	0,				/* empty */
};

static const struct {
	const char *op;
	bool want[6]; /* for tetragon_sets */
} ops[] = {
	{"any", {true, true, true, true, false, false}},
	{"all", {true, true, false, false, false, false}},
	{"exactly", {true, false, false, false, false, false}},
	{"none", {false, false, false, false, true, true}},
};

static const char *const sets[FILTERS_CAP_SETS] = {
	[FILTERS_CAP_PERMITTED] = "permitted",
	[FILTERS_CAP_EFFECTIVE] = "effective",
	[FILTERS_CAP_INHERITABLE] = "inheritable",
};

/* Every set with every match set, in an allowlist; the other two sets hold everything, so
 * that only the one under test decides. */
static void test_each_set_and_op(void **state)
{
	char text[256];
	uint64_t caps[FILTERS_CAP_SETS];
	size_t s, o, i;

	(void)state;
	for (s = 0; s < FILTERS_CAP_SETS; s++) {
		for (o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
			struct filters *f;

			snprintf(text, sizeof(text),
				"{\"capabilities\":{\"%s\":{\"%s\":[\"CAP_SYS_ADMIN\",39]}}}",
				sets[s], ops[o].op);
			f = new_f(text, NULL);
			for (i = 0; i < sizeof(tetragon_sets) / sizeof(tetragon_sets[0]); i++) {
				caps[0] = caps[1] = caps[2] = ~0ull;
				caps[s] = tetragon_sets[i];
				if (pass(f, caps) != ops[o].want[i])
					fail_msg("%s: set %zu gave %d", text, i, !ops[o].want[i]);
			}
			/* no cap in the event: no match, whatever the match set */
			assert_false(pass(f, NULL));
			filters_free(f);
		}
	}
}

/* Sets are ANDed; {} needs only an event with cap; a denylist does not match an event
 * without cap (so it is exported); the other fields of the filter still apply. */
static void test_and_and_missing(void **state)
{
	uint64_t caps[FILTERS_CAP_SETS] = {
		[FILTERS_CAP_PERMITTED] = SYS_ADMIN | CAP_BPF,
		[FILTERS_CAP_EFFECTIVE] = SYS_ADMIN,
		[FILTERS_CAP_INHERITABLE] = 0,
	};
	struct filters *f;

	(void)state;
	f = new_f("{\"capabilities\":{\"permitted\":{\"all\":[\"CAP_BPF\"]},"
		  "\"effective\":{\"none\":[\"CAP_SYS_ADMIN\"]}}}",
		NULL);
	assert_false(pass(f, caps));
	caps[FILTERS_CAP_EFFECTIVE] = 0;
	assert_true(pass(f, caps));
	filters_free(f);
	f = new_f("{\"capabilities\":{}}", NULL);
	assert_true(pass(f, caps));
	assert_false(pass(f, NULL));
	filters_free(f);
	f = new_f("{\"capabilities\":null}", NULL);
	assert_true(pass(f, NULL));
	filters_free(f);
	f = new_f(NULL, "{\"capabilities\":{\"effective\":{\"none\":[\"CAP_SYS_ADMIN\"]}}}");
	assert_false(pass(f, caps));
	assert_true(pass(f, NULL));
	filters_free(f);
	/* AND with the other fields, OR across lines */
	f = new_f("{\"capabilities\":{\"permitted\":{\"any\":[21]}},\"pid\":[6]}\n"
		  "{\"capabilities\":{\"inheritable\":{\"exactly\":[\"CAP_CHOWN\"]}}}",
		NULL);
	assert_false(pass(f, caps));
	caps[FILTERS_CAP_INHERITABLE] = BIT(0);
	assert_true(pass(f, caps));
	filters_free(f);
	/* filters_pass has no cap: a capabilities filter never matches it */
	f = new_f("{\"capabilities\":{}}", NULL);
	assert_false(filters_pass(f, FILTERS_EXEC, "/bin/x", NULL, "", 5, 1));
	filters_free(f);
}

/* Names as the proto spells them and numbers (protojson takes both), null and empty arrays
 * as not given, a bit the proto does not name. */
static void test_spellings(void **state)
{
	uint64_t caps[FILTERS_CAP_SETS] = {0, BIT(1) | BIT(40) | BIT(63), 0};
	struct filters *f;

	(void)state;
	f = new_f("{\"capabilities\":{\"effective\":{\"all\":[\"DAC_OVERRIDE\","
		  "\"CAP_CHECKPOINT_RESTORE\",63],\"any\":[],\"none\":null},"
		  "\"permitted\":null}}",
		NULL);
	assert_true(pass(f, caps));
	caps[FILTERS_CAP_EFFECTIVE] &= ~BIT(63);
	assert_false(pass(f, caps));
	filters_free(f);
	f = new_f("{\"capabilities\":{\"effective\":{\"exactly\":[0,0,\"CAP_CHOWN\"]}}}", NULL);
	caps[FILTERS_CAP_EFFECTIVE] = BIT(0);
	assert_true(pass(f, caps));
	filters_free(f);
}

static void test_errors(void **state)
{
	static const struct {
		const char *allow, *deny, *msg;
	} cases[] = {
		{"{\"capabilities\":[]}", NULL,
			"allowlist line 1: capabilities: expected an object with permitted, "
			"effective or inheritable"},
		{NULL, "{\"pid\":[1]}\n{\"capabilities\":{\"Effective\":{}}}",
			"denylist line 2: capabilities: unknown field \"Effective\""},
		{"{\"capabilities\":{\"effective\":[\"CAP_BPF\"]}}", NULL,
			"allowlist line 1: capabilities.effective: expected an object with one of "
			"any, all, exactly, none"},
		{"{\"capabilities\":{\"effective\":{}}}", NULL,
			"allowlist line 1: capabilities.effective: give one of any, all, exactly, "
			"none (a non-empty array)"},
		{"{\"capabilities\":{\"permitted\":{\"any\":[]}}}", NULL,
			"allowlist line 1: capabilities.permitted: give one of"},
		{"{\"capabilities\":{\"inheritable\":{\"any\":[1],\"none\":[2]}}}", NULL,
			"allowlist line 1: capabilities.inheritable: only one of any, all, "
			"exactly, none may be given, got any and none"},
		{"{\"capabilities\":{\"effective\":{\"some\":[1]}}}", NULL,
			"allowlist line 1: capabilities.effective: unknown field \"some\""},
		{"{\"capabilities\":{\"effective\":{\"any\":\"CAP_BPF\"}}}", NULL,
			"allowlist line 1: capabilities.effective.any: expected an array of "
			"capabilities"},
		{"{\"capabilities\":{\"effective\":{\"any\":[\"CAP_SYS_ADMN\"]}}}", NULL,
			"allowlist line 1: capabilities.effective.any: unknown capability "
			"\"CAP_SYS_ADMN\""},
		{"{\"capabilities\":{\"effective\":{\"all\":[\"cap_bpf\"]}}}", NULL,
			"allowlist line 1: capabilities.effective.all: unknown capability "
			"\"cap_bpf\" (Tetragon's name is \"CAP_BPF\")"},
		{"{\"capabilities\":{\"effective\":{\"all\":[\"CAP_DAC_OVERRIDE\"]}}}", NULL,
			"allowlist line 1: capabilities.effective.all: unknown capability "
			"\"CAP_DAC_OVERRIDE\" (Tetragon's name is \"DAC_OVERRIDE\")"},
		{"{\"capabilities\":{\"effective\":{\"none\":[64]}}}", NULL,
			"allowlist line 1: capabilities.effective.none: capability 64 out of "
			"range (0..63)"},
		{"{\"capabilities\":{\"effective\":{\"none\":[-1]}}}", NULL,
			"allowlist line 1: capabilities.effective.none: capability -1 out of "
			"range"},
		{"{\"capabilities\":{\"effective\":{\"exactly\":[1.5]}}}", NULL,
			"allowlist line 1: capabilities.effective.exactly: 1.5 is not a "
			"capability"},
		{"{\"capabilities\":{\"effective\":{\"exactly\":[null]}}}", NULL,
			"allowlist line 1: capabilities.effective.exactly: null is not a "
			"capability"},
		{"{\"capabilities\":{\"effective\":{\"any\":[[21]]}}}", NULL,
			"allowlist line 1: capabilities.effective.any: [ 21 ] is not a capability"},
	};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		errno = 0;
		if (filters_new(cases[i].allow, cases[i].deny, err, sizeof(err)))
			fail_msg("case %zu accepted", i);
		assert_int_equal(errno, EINVAL);
		if (strncmp(err, cases[i].msg, strlen(cases[i].msg)))
			fail_msg("case %zu: \"%s\", expected \"%s\"", i, err, cases[i].msg);
	}
	assert_int_equal(mock_log_warnings, 0);
}

/* Where the first filter that needs an enrichment is, for the caller's refusal. */
static void test_needs(void **state)
{
	char buf[64];
	struct filters *f;

	(void)state;
	f = new_f("{\"pid\":[1]}", "\n{\"pid\":[2]}\n{\n\"capabilities\":{}}\n"
				   "{\"ancestor_binary_regex\":[\"x\"]}");
	assert_string_equal(
		filters_needs(f, FILTERS_NEED_CAPS, buf, sizeof(buf)), "denylist line 3");
	assert_string_equal(
		filters_needs(f, FILTERS_NEED_ANCESTORS, buf, sizeof(buf)), "denylist line 5");
	assert_true(filters_uses_ancestors(f));
	filters_free(f);
	f = new_f("{\"capabilities\":{\"effective\":{\"any\":[1]}}}", "{\"capabilities\":{}}");
	assert_string_equal(
		filters_needs(f, FILTERS_NEED_CAPS, buf, sizeof(buf)), "allowlist line 1");
	assert_null(filters_needs(f, FILTERS_NEED_ANCESTORS, buf, sizeof(buf)));
	assert_false(filters_uses_ancestors(f));
	filters_free(f);
	f = new_f("{\"capabilities\":null}", NULL);
	assert_null(filters_needs(f, FILTERS_NEED_CAPS, buf, sizeof(buf)));
	filters_free(f);
	/* A non-empty pid_set needs --enable-pid-set-filter, as Tetragon's len(PidSet) != 0. */
	f = new_f("{\"pid_set\":[]}\n{\"pid\":[3]}", "{\"pid\":[1]}\n{\"pid_set\":[0]}");
	assert_string_equal(
		filters_needs(f, FILTERS_NEED_PID_SET, buf, sizeof(buf)), "denylist line 2");
	assert_null(filters_needs(f, FILTERS_NEED_CAPS | FILTERS_NEED_ANCESTORS, buf, sizeof(buf)));
	filters_free(f);
}

static bool only_exec_exit(const char *type, const void *arg)
{
	(void)arg;
	return !strcmp(type, "PROCESS_EXEC") || !strcmp(type, "PROCESS_EXIT");
}

static bool all_but(const char *type, const void *arg)
{
	return strcmp(type, (const char *)arg) != 0;
}

/* Tetragon's CheckAncestorsEnabled: an ancestor filter's event_set types, or all eight of its
 * ancestor types without one, must have ancestors; other filters are not asked about. */
static void test_ancestor_types(void **state)
{
	const char *type = NULL;
	char buf[64];
	struct filters *f;

	(void)state;
	f = new_f(
		"{\"pid\":[1]}\n{\"ancestor_binary_regex\":[\"x\"],\"event_set\":[\"PROCESS_EXEC\","
		"\"PROCESS_EXIT\"]}\n{\"event_set\":[\"PROCESS_KPROBE\"]}",
		"{\"ancestor_binary_regex\":[\"y\"],\"event_set\":[\"PROCESS_EXIT\"]}");
	assert_null(filters_ancestors_unmet(f, only_exec_exit, NULL, &type, buf, sizeof(buf)));
	assert_null(type);
	filters_free(f);
	f = new_f("{\"ancestor_binary_regex\":[\"x\"],\"event_set\":[\"PROCESS_EXEC\"]}",
		"{\"pid\":[2]}\n{\"ancestor_binary_regex\":[\"y\"]}");
	assert_string_equal(
		filters_ancestors_unmet(f, only_exec_exit, NULL, &type, buf, sizeof(buf)),
		"denylist line 2");
	assert_string_equal(type, "PROCESS_KPROBE");
	assert_string_equal(
		filters_ancestors_unmet(f, all_but, "PROCESS_USDT", &type, buf, sizeof(buf)),
		"denylist line 2");
	assert_string_equal(type, "PROCESS_USDT");
	/* every one of the eight on: accepted; the other types are not among them */
	assert_null(
		filters_ancestors_unmet(f, all_but, "PROCESS_THROTTLE", &type, buf, sizeof(buf)));
	filters_free(f);
	f = new_f("{\"ancestor_binary_regex\":[\"x\"],\"event_set\":[\"PROCESS_THROTTLE\"]}", NULL);
	assert_string_equal(
		filters_ancestors_unmet(f, only_exec_exit, NULL, &type, buf, sizeof(buf)),
		"allowlist line 1");
	assert_string_equal(type, "PROCESS_THROTTLE");
	filters_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_set_and_op),
		cmocka_unit_test(test_and_and_missing),
		cmocka_unit_test(test_spellings),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_needs),
		cmocka_unit_test(test_ancestor_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
