/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the Tetragon export filters: each field, AND/OR, deny wins, parse errors. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "shipper/admit/filters.h"
#include "mock_log.h"

static struct filters *new_f(const char *allow, const char *deny)
{
	char err[256] = "";
	struct filters *f = filters_new(allow, deny, err, sizeof(err));

	if (!f)
		fail_msg("filters_new: %s", err);
	assert_string_equal(err, "");
	return f;
}

/* The events the tests use: curl run from bash (pid 100, parent 50), and its exit. */
static bool pass_exec(struct filters *f)
{
	return filters_pass(f, FILTERS_EXEC, "/usr/bin/curl", "/bin/bash",
		"-s https://ebpf.io/applications/#tetragon", 100, 50);
}

static bool pass_exit(struct filters *f)
{
	return filters_pass(f, FILTERS_EXIT, "/usr/bin/curl", "/bin/bash",
		"-s https://ebpf.io/applications/#tetragon", 100, 50);
}

static bool pass_ls(struct filters *f)
{
	return filters_pass(f, FILTERS_EXEC, "/bin/ls", "/usr/sbin/sshd", "-la /tmp", 200, 1);
}

struct case_ {
	const char *allow, *deny;
	bool exec, exit, ls; /* expected filters_pass for the three events */
};

static void run_cases(const struct case_ *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct filters *f = new_f(c[i].allow, c[i].deny);

		if (pass_exec(f) != c[i].exec || pass_exit(f) != c[i].exit || pass_ls(f) != c[i].ls)
			fail_msg("case %zu (allow %s, deny %s): got %d %d %d", i, c[i].allow,
				c[i].deny, pass_exec(f), pass_exit(f), pass_ls(f));
		filters_free(f);
	}
}

static void test_empty(void **state)
{
	struct filters *f;

	(void)state;
	f = new_f(NULL, NULL);
	assert_false(filters_active(f));
	assert_true(pass_exec(f) && pass_exit(f) && pass_ls(f));
	filters_free(f);
	f = new_f(" \n\t\r\n", "");
	assert_false(filters_active(f));
	filters_free(f);
	/* An empty object matches everything: allow all, or deny all. */
	f = new_f("{}", NULL);
	assert_true(filters_active(f));
	assert_true(pass_exec(f) && pass_exit(f) && pass_ls(f));
	filters_free(f);
	f = new_f(NULL, "{}");
	assert_false(pass_exec(f) || pass_exit(f) || pass_ls(f));
	filters_free(f);
	filters_free(NULL);
}

static void test_fields(void **state)
{
	static const struct case_ cases[] = {
		/* event_set */
		{"{\"event_set\":[\"PROCESS_EXEC\"]}", NULL, true, false, true},
		{"{\"event_set\":[\"PROCESS_EXIT\"]}", NULL, false, true, false},
		{"{\"event_set\":[\"PROCESS_EXEC\",\"PROCESS_EXIT\"]}", NULL, true, true, true},
		{"{\"event_set\":[\"PROCESS_KPROBE\"]}", NULL, false, false, false},
		{"{\"event_set\":[]}", NULL, true, true, true},
		/* binary_regex: unanchored search, any of the list */
		{"{\"binary_regex\":[\"curl\"]}", NULL, true, true, false},
		{"{\"binary_regex\":[\"^/bin/\"]}", NULL, false, false, true},
		{"{\"binary_regex\":[\"wget\",\"^/bin/l.$\"]}", NULL, false, false, true},
		{"{\"binary_regex\":[\"^curl$\"]}", NULL, false, false, false},
		/* RE2-style syntax that POSIX ERE lacks */
		{"{\"binary_regex\":[\"(?i)/USR/BIN/\\\\w+$\"]}", NULL, true, true, false},
		/* parent_binary_regex */
		{"{\"parent_binary_regex\":[\"bash$\"]}", NULL, true, true, false},
		{"{\"parent_binary_regex\":[\"sshd\"]}", NULL, false, false, true},
		/* arguments_regex */
		{"{\"arguments_regex\":[\"ebpf\\\\.io\"]}", NULL, true, true, false},
		{"{\"arguments_regex\":[\"^-la \"]}", NULL, false, false, true},
		/* pid */
		{"{\"pid\":[100]}", NULL, true, true, false},
		{"{\"pid\":[1,200]}", NULL, false, false, true},
		{"{\"pid\":[50]}", NULL, false, false, false},
		/* pid_set: the process or its parent */
		{"{\"pid_set\":[50]}", NULL, true, true, false},
		{"{\"pid_set\":[100]}", NULL, true, true, false},
		{"{\"pid_set\":[1]}", NULL, false, false, true},
		{"{\"pid_set\":[7]}", NULL, false, false, false},
		{"{\"pid_set\":[4294967295]}", NULL, false, false, false},
		/* protojson's lowerCamelCase JSON names, as Tetragon reads them */
		{"{\"eventSet\":[\"PROCESS_EXIT\"]}", NULL, false, true, false},
		{"{\"parentBinaryRegex\":[\"bash$\"]}", NULL, true, true, false},
		{"{\"pidSet\":[1]}", NULL, false, false, true},
		{NULL, "{\"binaryRegex\":[\"curl\"],\"argumentsRegex\":[\"^-s\"]}", false, false,
			true},
	};

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_and_or_deny(void **state)
{
	static const struct case_ cases[] = {
		/* AND within one filter */
		{"{\"event_set\":[\"PROCESS_EXEC\"],\"binary_regex\":[\"curl\"]}", NULL, true,
			false, false},
		{"{\"binary_regex\":[\"curl\"],\"pid\":[200]}", NULL, false, false, false},
		{"{\"binary_regex\":[\"curl\"],\"parent_binary_regex\":[\"bash\"],"
		 "\"arguments_regex\":[\"-s\"],\"pid\":[100],\"pid_set\":[50],"
		 "\"event_set\":[\"PROCESS_EXIT\"]}",
			NULL, false, true, false},
		/* OR across filters, on one line or on several */
		{"{\"pid\":[100]} {\"binary_regex\":[\"ls\"]}", NULL, true, true, true},
		{"{\"event_set\":[\"PROCESS_EXIT\"]}\n{\"pid\":[200]}\n", NULL, false, true, true},
		/* denylist alone */
		{NULL, "{\"binary_regex\":[\"curl\"]}", false, false, true},
		{NULL, "{\"event_set\":[\"PROCESS_EXIT\"]}\n{\"pid\":[200]}", true, false, false},
		/* deny wins over allow */
		{"{\"binary_regex\":[\".\"]}", "{\"event_set\":[\"PROCESS_EXIT\"]}", true, false,
			true},
		{"{\"pid\":[100]}", "{\"pid\":[100]}", false, false, false},
		/* pretty-printed filters spanning lines */
		{"{\n  \"pid\": [\n    200\n  ]\n}\n", NULL, false, false, true},
	};

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_null_and_odd_inputs(void **state)
{
	struct filters_subject parent_x = {.ev = FILTERS_EXEC,
		.binary = "/bin/sh",
		.parent_binary = "/bin/sh",
		.parent_arguments = "x",
		.pid = 5,
		.ppid = 1,
		.scan = true};
	struct filters *f;

	(void)state;
	/* No parent: a parent regex cannot match; ppid 0 is no parent for pid_set. */
	f = new_f("{\"parent_binary_regex\":[\".*\"]}", NULL);
	assert_false(filters_pass(f, FILTERS_EXEC, "/bin/x", NULL, "", 5, 0));
	assert_true(filters_pass(f, FILTERS_EXEC, "/bin/x", "", "", 5, 0));
	filters_free(f);
	f = new_f("{\"pid_set\":[0]}", NULL);
	assert_false(filters_pass(f, FILTERS_EXEC, "/bin/x", NULL, NULL, 5, 0));
	assert_true(filters_pass(f, FILTERS_EXEC, "/bin/x", NULL, NULL, 0, 0));
	filters_free(f);
	/* NULL binary and arguments are "". */
	f = new_f("{\"binary_regex\":[\"^$\"],\"arguments_regex\":[\"^$\"]}", NULL);
	assert_true(filters_pass(f, FILTERS_EXEC, NULL, NULL, NULL, 5, 1));
	filters_free(f);
	/* UTF-8: "." is one character. Invalid UTF-8 in an event is never an error: such bytes
	 * match nothing (callers pass the strings as exported, already made valid). */
	f = new_f("{\"arguments_regex\":[\"^a.b$\", \"^c \", \"x.y\"]}", NULL);
	assert_true(filters_pass(f, FILTERS_EXEC, "/x", NULL,
		"a\xc3\xa9"
		"b",
		5, 1));
	assert_true(filters_pass(f, FILTERS_EXEC, "/x", NULL, "c \xff\xfe", 5, 1));
	assert_false(filters_pass(f, FILTERS_EXEC, "/x", NULL, "x\xffy", 5, 1));
	assert_true(filters_match_errors(f) == 0);
	filters_free(f);
	/* $ is Go's: the end of the text, not before a last newline (sh -c $'cmd\n'); (?m)
	 * makes it a line end, as in Go. */
	f = new_f("{\"arguments_regex\":[\"-c$\"],\"binary_regex\":[\"sh$\"]}", NULL);
	assert_true(filters_pass(f, FILTERS_EXEC, "/bin/sh", NULL, "-c", 5, 1));
	assert_false(filters_pass(f, FILTERS_EXEC, "/bin/sh", NULL, "-c\n", 5, 1));
	assert_false(filters_pass(f, FILTERS_EXEC, "/bin/sh\n", NULL, "-c", 5, 1));
	filters_free(f);
	f = new_f(NULL, "{\"parent_arguments_regex\":[\"x$\"]}");
	assert_false(filters_check(f, &parent_x, 0));
	parent_x.parent_arguments = "x\n";
	assert_true(filters_check(f, &parent_x, 0));
	filters_free(f);
	f = new_f("{\"arguments_regex\":[\"(?m)-c$\"]}", NULL);
	assert_true(filters_pass(f, FILTERS_EXEC, "/bin/sh", NULL, "-c\nb", 5, 1));
	filters_free(f);
}

/* A crafted argument that sends a catastrophic pattern past PCRE2's match limit must not
 * evade either list: the failed match decides for export (a match in the allowlist, no match in
 * the denylist) and is counted. */
static const struct {
	const char *allow, *deny;
	const char *args; /* NULL: the crafted subject */
	bool pass;
	uint64_t errors;
} limit_cases[] = {
	{"{\"arguments_regex\":[\"(a+)+$\"]}", NULL, NULL, true, 1},
	{"{\"arguments_regex\":[\"^(a+)+$\"]}", NULL, NULL, true, 1},
	{NULL, "{\"arguments_regex\":[\"(a+)+$\"]}", NULL, true, 1},
	/* Only the failed regex is decided: the other fields and regexes still count. */
	{"{\"arguments_regex\":[\"(a+)+$\"],\"binary_regex\":[\"^/y$\"]}", NULL, NULL, false, 0},
	{NULL, "{\"arguments_regex\":[\"(a+)+$\",\"b$\"]}", NULL, false, 1},
	{NULL, "{\"arguments_regex\":[\"(a+)+$\"]}\n{\"binary_regex\":[\"^/x$\"]}", NULL, false, 1},
	/* A subject the pattern answers quickly: no error, the normal answer. */
	{"{\"arguments_regex\":[\"(a+)+$\"]}", NULL, "aaaa", true, 0},
	{"{\"arguments_regex\":[\"(a+)+$\"]}", NULL, "bbbb", false, 0},
	{NULL, "{\"arguments_regex\":[\"(a+)+$\"]}", "aaaa", false, 0},
};

static void test_match_limit(void **state)
{
	char subject[64];
	size_t i;

	(void)state;
	memset(subject, 'a', sizeof(subject) - 2);
	subject[sizeof(subject) - 2] = 'b';
	subject[sizeof(subject) - 1] = '\0';
	for (i = 0; i < sizeof(limit_cases) / sizeof(limit_cases[0]); i++) {
		struct filters *f = new_f(limit_cases[i].allow, limit_cases[i].deny);
		const char *args = limit_cases[i].args ? limit_cases[i].args : subject;
		bool pass = filters_pass(f, FILTERS_EXEC, "/x", NULL, args, 5, 1);

		if (pass != limit_cases[i].pass || filters_match_errors(f) != limit_cases[i].errors)
			fail_msg("case %zu: pass %d errors %llu", i, pass,
				(unsigned long long)filters_match_errors(f));
		filters_free(f);
	}
}

/* The log line's pace: the first failure at once, then at most one answer a minute. */
static void test_match_errors_due(void **state)
{
	const uint64_t s = 1000000000ULL;
	char subject[64];
	struct filters *f = new_f("{\"arguments_regex\":[\"(a+)+$\"]}", NULL);

	(void)state;
	memset(subject, 'a', sizeof(subject) - 2);
	subject[sizeof(subject) - 2] = 'b';
	subject[sizeof(subject) - 1] = '\0';
	assert_true(filters_match_errors_due(f, 5 * s) == 0);
	assert_true(filters_pass(f, FILTERS_EXEC, "/x", NULL, subject, 5, 1));
	assert_true(filters_match_errors_due(f, 6 * s) == 1);
	assert_true(filters_pass(f, FILTERS_EXEC, "/x", NULL, subject, 5, 1));
	assert_true(filters_pass(f, FILTERS_EXEC, "/x", NULL, subject, 5, 1));
	assert_true(filters_match_errors_due(f, 7 * s) == 0);
	assert_true(filters_match_errors_due(f, 65 * s) == 0);
	assert_true(filters_match_errors_due(f, 66 * s) == 2);
	assert_true(filters_match_errors_due(f, 200 * s) == 0);
	assert_true(filters_match_errors(f) == 3);
	filters_free(f);
}

static const struct {
	const char *allow, *deny, *msg;
} error_cases[] = {
	{"{\"pid\":[1]", NULL, "allowlist line 1: invalid JSON: unexpected end of text"},
	{"{\"pid\":[1]}\n\n{pid:1}", NULL, "allowlist line 3: invalid JSON: "},
	{"{\"pid\":[1]} x", NULL, "allowlist line 1: invalid JSON: "},
	{NULL, "[1,2]", "denylist line 1: expected a JSON object"},
	{NULL, "\n[1] ", "denylist line 2: expected a JSON object"},
	{NULL, "null\n", "denylist line 1: expected a JSON object"},
	{"{\n\"pid\":[1]\n}\n{\"pids\":[1]}", NULL, "allowlist line 4: unknown field \"pids\""},
	{NULL, "{\"namespace\":[\"kube-system\"]}",
		"denylist line 1: namespace: Tetragon filter field not supported by "
		"procship"},
	{NULL, "{\"health_check\":true}",
		"denylist line 1: health_check: Tetragon filter field not supported by "
		"procship"},
	{"{\"binary_regex\":[\"ok\",\"(\"]}", NULL,
		"allowlist line 1: binary_regex \"(\": missing closing parenthesis at "
		"offset 1"},
	{NULL, "{\"parent_binary_regex\":[\"a**\"]}",
		"denylist line 1: parent_binary_regex \"a**\": quantifier does not "
		"follow a repeatable item at offset 2"},
	{"{\"arguments_regex\":\"x\"}", NULL,
		"allowlist line 1: arguments_regex: expected an array"},
	{"{\"binary_regex\":[1]}", NULL,
		"allowlist line 1: binary_regex: expected regular expressions (strings)"},
	{"{\"pid\":[-1]}", NULL, "allowlist line 1: pid: expected pids (integers 0..4294967295)"},
	{"{\"pid_set\":[4294967296]}", NULL,
		"allowlist line 1: pid_set: expected pids (integers 0..4294967295)"},
	{"{\"pid\":[\"1\"]}", NULL,
		"allowlist line 1: pid: expected pids (integers 0..4294967295)"},
	{"{\"pid\":[1.5]}", NULL, "allowlist line 1: pid: expected pids (integers 0..4294967295)"},
	{"{\"event_set\":[\"PROCESS_EXECC\"]}", NULL,
		"allowlist line 1: event_set: unknown event type \"PROCESS_EXECC\""},
	{"{\"event_set\":[1]}", NULL, "allowlist line 1: event_set: expected event type names"},
	{"{\"event_set\":\"PROCESS_EXEC\"}", NULL,
		"allowlist line 1: event_set: expected an array"},
	{"{\"in_init_tree\":[true]}", NULL,
		"allowlist line 1: in_init_tree: expected true or false"},
	{NULL, "{\"ancestor_binary_regex\":[\"[\"]}",
		"denylist line 1: ancestor_binary_regex \"[\": missing terminating ]"},
	{NULL, "{\"parent_arguments_regex\":[\"a{2,1}\"]}",
		"denylist line 1: parent_arguments_regex \"a{2,1}\": numbers out of order"},
	{"{\"parent_arguments_regex\":\"x\"}", NULL,
		"allowlist line 1: parent_arguments_regex: expected an array"},
	/* v1.7.0's newer Kubernetes fields */
	{"{\"binaryRegEx\":[\"x\"]}", NULL, "allowlist line 1: unknown field \"binaryRegEx\""},
	{"{\"Pid\":[1]}", NULL, "allowlist line 1: unknown field \"Pid\""},
	{"{\"containerNameRegex\":[\"x\"]}", NULL,
		"allowlist line 1: container_name_regex: Tetragon filter field not "},
	{"{\"container_name_regex\":[\"x\"]}", NULL,
		"allowlist line 1: container_name_regex: Tetragon filter field not "
		"supported by procship"},
	{NULL, "{\"namespace_regex\":[\"kube-.*\"]}",
		"denylist line 1: namespace_regex: Tetragon filter field not supported by "
		"procship"},
	{NULL, "{\"container_id\":[\"^abc\"]}",
		"denylist line 1: container_id: Tetragon filter field not supported"},
};

static void test_errors(void **state)
{
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		err[0] = '\0';
		errno = 0;
		if (filters_new(error_cases[i].allow, error_cases[i].deny, err, sizeof(err)))
			fail_msg("case %zu accepted", i);
		assert_int_equal(errno, EINVAL);
		if (strncmp(err, error_cases[i].msg, strlen(error_cases[i].msg)))
			fail_msg("case %zu: \"%s\", expected \"%s\"", i, err, error_cases[i].msg);
	}
	/* A small error buffer truncates, never overflows. */
	assert_null(filters_new("{\"nope\":1}", NULL, err, 12));
	assert_string_equal(err, "allowlist l");
	assert_int_equal(mock_log_warnings, 0);
}

/* The spelling of a path does not evade binary_regex nor parent_binary_regex: each sees the
 * path cleaned as Go's filepath.Clean does. */
static void test_path_spelling(void **state)
{
	static const struct {
		const char *path;
		bool match;
	} cases[] = {
		{"/usr/bin/id", true},
		{"/usr/bin//id", true},
		{"//usr///bin/id", true},
		{"/usr/./bin/./id", true},
		{"/usr/lib/../bin/id", true},
		{"/usr/lib/x86_64-linux-gnu/../../bin/id", true},
		{"/../../usr/bin/id", true},
		{"/usr/bin/id/", true},
		{"/usr/bin/id/.", true},
		{"/usr/bin/id/x/..", true},
		{"/usr/bin/idx", false},
		{"/usr/bin/id.", false},
		{"/usr/bin/...id", false},
		{"usr/bin/id", false},
		{"/usr/bin/id/..", false},
		{"", false},
	};
	struct filters *f = new_f("{\"binary_regex\":[\"^/usr/bin/id$\"]}", NULL);
	struct filters *p = new_f(NULL, "{\"parent_binary_regex\":[\"^/usr/bin/id$\"]}");
	struct filters *r = new_f("{\"binary_regex\":[\"^(\\\\.\\\\./)*b$\"]}", NULL);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (filters_pass(f, FILTERS_EXEC, cases[i].path, NULL, "", 1, 0) != cases[i].match)
			fail_msg("binary \"%s\": want %d", cases[i].path, cases[i].match);
		if (filters_pass(p, FILTERS_EXEC, "/bin/sh", cases[i].path, "", 1, 2) ==
			cases[i].match)
			fail_msg("parent \"%s\": want %d", cases[i].path, !cases[i].match);
	}
	/* Relative paths keep their leading "..", as Go's Clean does. */
	assert_true(filters_pass(r, FILTERS_EXEC, "a/../b", NULL, "", 1, 0));
	assert_true(filters_pass(r, FILTERS_EXEC, "./b/", NULL, "", 1, 0));
	assert_true(filters_pass(r, FILTERS_EXEC, "../x/../../b", NULL, "", 1, 0));
	assert_false(filters_pass(r, FILTERS_EXEC, "a/b", NULL, "", 1, 0));
	filters_free(f);
	filters_free(p);
	filters_free(r);
}

static uint64_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Blocks of eight a's between bangs, a bang last: no match, and each start position stays
 * under the match limit (510 steps with the JIT, 640 without), so the whole search costs
 * about the subject's length times 500 steps, a millisecond or more. */
static void blocks(char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len - 1; i++)
		s[i] = i % 9 == 0 ? '!' : 'a';
	s[len - 2] = '!';
	s[len - 1] = '\0';
}

/* One uid's costly arguments put that uid over its regex time budget: its regexes are no
 * longer run (fail closed: a denylist lets the event through), counted and reported once,
 * while another uid's events are still matched in the same window. */
static void test_time_budget(void **state)
{
	struct filters *f = new_f(NULL, "{\"arguments_regex\":[\"(a+)+$\"]}");
	struct filters_subject costly = {.ev = FILTERS_EXEC, .binary = "/bin/x", .uid = 1000};
	struct filters_subject other = {
		.ev = FILTERS_EXEC, .binary = "/bin/x", .arguments = "aaaa"};
	static char arg[4096];
	struct filters_budget_report r;
	uint64_t skips, t;
	bool seen = false;
	int i;

	(void)state;
	blocks(arg, sizeof(arg));
	costly.arguments = arg;
	for (i = 0; i < 2000 && !seen; i++) {
		assert_true(filters_check(f, &costly, mono()));
		if (filters_budget_skips(f) == 0)
			continue;
		/* Over budget: uid 1000's matching argument passes, uid 0's is still denied;
		 * unless the window turned between the two calls, then try again. */
		costly.arguments = "aaaa";
		t = mono();
		seen = filters_check(f, &costly, t) && !filters_check(f, &other, mono()) &&
		       filters_check(f, &costly, mono()) && t / 100000000 == mono() / 100000000;
		costly.arguments = arg;
	}
	assert_true(seen);
	skips = filters_budget_skips(f);
	assert_true(skips >= 2);
	assert_true(filters_budget_skips_due(f, 1, &r));
	assert_int_equal(r.skips, skips);
	assert_int_equal(r.uid, 1000);
	assert_int_equal(r.uid_skips, skips);
	assert_int_equal(r.everyone, 0);
	assert_false(filters_budget_skips_due(f, 2, &r));
	filters_free(f);
}

/* The start-up scan's events are matched whatever the budget says, and charge nothing: a uid
 * over its budget still has its scanned processes' regexes run, in the same window. */
static void test_scan_outside_budget(void **state)
{
	struct filters *f = new_f(NULL, "{\"arguments_regex\":[\"(a+)+$\"]}");
	struct filters_subject costly = {.ev = FILTERS_EXEC, .binary = "/bin/x", .uid = 1000};
	struct filters_subject scan = {
		.ev = FILTERS_EXEC, .binary = "/bin/x", .arguments = "aaaa", .uid = 1000};
	static char arg[4096];
	uint64_t skips, t;
	bool seen = false;
	int i;

	(void)state;
	blocks(arg, sizeof(arg));
	costly.arguments = arg;
	for (i = 0; i < 2000 && !seen; i++) {
		assert_true(filters_check(f, &costly, mono()));
		if (filters_budget_skips(f) == 0)
			continue;
		/* Over budget: the scanned event is still denied by its regex, the same
		 * arguments from the kernel pass unmatched; retry if the window turned. */
		skips = filters_budget_skips(f);
		t = mono();
		scan.scan = true;
		seen = !filters_check(f, &scan, t) && filters_budget_skips(f) == skips;
		scan.scan = false;
		seen = seen && filters_check(f, &scan, mono()) &&
		       t / 100000000 == mono() / 100000000;
	}
	assert_true(seen);
	filters_free(f);
}

/* A cheap match that took long by the wall clock (the thread was preempted: here its start is
 * given as 50 ms ago) is charged the CPU time it used, not the wall-clock time, so its uid is
 * not put over budget by a busy host: every match still runs. */
static void test_budget_preempted(void **state)
{
	struct filters *f = new_f(NULL, "{\"arguments_regex\":[\"(a+)+$\"]}");
	struct filters_subject e = {
		.ev = FILTERS_EXEC, .binary = "/bin/x", .arguments = "aaaa", .uid = 1000};
	int i;

	(void)state;
	for (i = 0; i < 20; i++)
		assert_false(filters_check(f, &e, mono() - 50 * 1000000ULL));
	assert_int_equal(filters_budget_skips(f), 0);
	filters_free(f);
}

/* Without regexes there is nothing to budget: pids still decide. */
static void test_budget_no_regex(void **state)
{
	struct filters *f = new_f("{\"pid\":[7]}", NULL);
	struct filters_subject e = {.ev = FILTERS_EXEC, .pid = 7, .uid = 5};

	(void)state;
	assert_true(filters_check(f, &e, mono()));
	e.pid = 8;
	assert_false(filters_check(f, &e, mono()));
	assert_int_equal(filters_budget_skips(f), 0);
	assert_false(filters_interpreted(f));
	filters_free(f);
}

/* Tetragon's ancestor_binary_regex (any ancestor beyond the parent, cleaned; none: no match)
 * and in_init_tree (a boolean, not an array). */
static void test_ancestors_and_init_tree(void **state)
{
	static const char *const anc[] = {"/usr/sbin//sshd", "/sbin/init"};
	struct filters_subject e = {.ev = FILTERS_EXEC,
		.binary = "/usr/bin/curl",
		.parent_binary = "/bin/bash",
		.pid = 100,
		.ppid = 50,
		.ancestor_binaries = anc,
		.nancestors = 2};
	struct filters *f;

	(void)state;
	f = new_f("{\"ancestor_binary_regex\":[\"^/usr/sbin/sshd$\"]}", NULL);
	assert_true(filters_uses_ancestors(f));
	assert_true(filters_check(f, &e, 0));
	e.nancestors = 0;
	assert_false(filters_check(f, &e, 0));
	/* the parent is not an ancestor */
	e.parent_binary = "/usr/sbin/sshd";
	assert_false(filters_check(f, &e, 0));
	filters_free(f);
	f = new_f(NULL, "{\"ancestor_binary_regex\":[\"init$\"],\"event_set\":[\"PROCESS_EXEC\"]}");
	e.nancestors = 2;
	assert_false(filters_check(f, &e, 0));
	e.ev = FILTERS_EXIT;
	assert_true(filters_check(f, &e, 0));
	filters_free(f);
	f = new_f("{\"in_init_tree\":true}", NULL);
	assert_false(filters_uses_ancestors(f));
	assert_false(filters_check(f, &e, 0));
	e.in_init_tree = true;
	assert_true(filters_check(f, &e, 0));
	filters_free(f);
	f = new_f(NULL, "{\"in_init_tree\":false,\"binary_regex\":[\"curl\"]}");
	assert_true(filters_check(f, &e, 0));
	e.in_init_tree = false;
	assert_false(filters_check(f, &e, 0));
	/* filters_pass knows no ancestors and no init tree */
	assert_false(pass_exec(f));
	filters_free(f);
	f = new_f("{\"in_init_tree\":null}", NULL);
	assert_true(pass_exec(f));
	filters_free(f);
}

/* Tetragon's parent_arguments_regex: the parent's arguments; no parent known, no match;
 * under the same match limit (fail closed, counted) and time budget as the other regexes. */
static void test_parent_arguments(void **state)
{
	struct filters_subject e = {.ev = FILTERS_EXEC,
		.binary = "/usr/bin/curl",
		.parent_binary = "/bin/bash",
		.arguments = "-s x",
		.parent_arguments = "-c 'curl -s x'",
		.pid = 100,
		.ppid = 50,
		.uid = 1000};
	static char arg[4096];
	struct filters *f;
	uint64_t t;
	int i;

	(void)state;
	f = new_f("{\"parent_arguments_regex\":[\"^-c \", \"^--login$\"]}", NULL);
	assert_true(filters_check(f, &e, 0));
	e.parent_arguments = "--login";
	assert_true(filters_check(f, &e, 0));
	e.parent_arguments = "-s x"; /* the process's own arguments do not count */
	assert_false(filters_check(f, &e, 0));
	e.parent_arguments = NULL;
	assert_false(filters_check(f, &e, 0));
	/* filters_pass knows no parent arguments */
	assert_false(pass_exec(f));
	filters_free(f);
	f = new_f("{\"parent_arguments_regex\":[\"^$\"]}", NULL);
	e.parent_arguments = "";
	assert_true(filters_check(f, &e, 0));
	filters_free(f);
	/* the match limit: fails closed in both lists, counted */
	memset(arg, 'a', 62);
	arg[62] = 'b';
	arg[63] = '\0';
	e.parent_arguments = arg;
	f = new_f(NULL, "{\"parent_arguments_regex\":[\"(a+)+$\"]}");
	assert_true(filters_check(f, &e, 0));
	assert_true(filters_match_errors(f) == 1);
	filters_free(f);
	f = new_f("{\"parent_arguments_regex\":[\"(a+)+$\"]}", NULL);
	assert_true(filters_check(f, &e, 0));
	assert_true(filters_match_errors(f) == 1);
	filters_free(f);
	/* the time budget: a uid whose parents' arguments are costly goes over it, and then its
	 * events are decided without their regexes (a denylist lets them through), counted */
	blocks(arg, sizeof(arg));
	f = new_f(NULL, "{\"parent_arguments_regex\":[\"(a+)+$\",\"^deny$\"]}");
	for (i = 0; i < 2000 && !filters_budget_skips(f); i++)
		assert_true(filters_check(f, &e, mono()));
	assert_true(filters_budget_skips(f) > 0);
	e.parent_arguments = "deny";
	t = mono();
	assert_true(filters_check(f, &e, t) || t / 100000000 != mono() / 100000000);
	filters_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_and_or_deny),
		cmocka_unit_test(test_null_and_odd_inputs),
		cmocka_unit_test(test_match_limit),
		cmocka_unit_test(test_match_errors_due),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_path_spelling),
		cmocka_unit_test(test_time_budget),
		cmocka_unit_test(test_scan_outside_budget),
		cmocka_unit_test(test_budget_no_regex),
		cmocka_unit_test(test_budget_preempted),
		cmocka_unit_test(test_ancestors_and_init_tree),
		cmocka_unit_test(test_parent_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
