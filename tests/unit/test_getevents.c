/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for "procship getevents": the compact lines against a fixture whose expected
 * bytes were worked out from Tetragon v1.7.0's encoder (pkg/encoder/encoder.go, color.go, and
 * fatih/color as vendored there), the document reader, and the command's flags and reports. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "shipper/getevents.h"
#include "shipper/getevents/compact.h"
#include "shipper/getevents/doc.h"

#define ROCKET "\xf0\x9f\x9a\x80" /* 🚀 */
#define BOOM   "\xf0\x9f\x92\xa5" /* 💥 */
#define STOP   "\xf0\x9f\x9b\x91" /* 🛑 */
#define SP10   "          "
#define CAPS22 "\"cap\":{\"effective\":[" CAP11 "," CAP11 "]}"
#define CAP11  "\"A\",\"B\",\"C\",\"D\",\"E\",\"F\",\"G\",\"H\",\"I\",\"J\",\"K\""

/* Plain lines: "%s %s %s" of the event ("🚀 %-7s"), ProcessInfo (node or pod namespace/name,
 * binary) and the arguments; exits add the signal, else the status (0 when absent). */
static const struct {
	const char *json;
	bool color, timestamps;
	const char *want;
} fixture[] = {
	{"{\"process_exec\":{\"process\":{\"pid\":5,\"binary\":\"/usr/bin/curl\",\"arguments\":"
	 "\"https://ebpf.io/applications/#tetragon\"}},\"node_name\":\"host1\","
	 "\"time\":\"2023-10-06T22:03:57.700326678Z\"}",
		false, false,
		ROCKET " process host1 /usr/bin/curl https://ebpf.io/applications/#tetragon"},
	/* No arguments: the separator stays, so the line ends in a space. */
	{"{\"process_exec\":{\"process\":{\"binary\":\"/bin/true\"}},\"node_name\":\"h\"}", false,
		false, ROCKET " process h /bin/true "},
	/* No node_name: an empty field between two spaces. */
	{"{\"process_exec\":{\"process\":{\"binary\":\"/bin/ls\",\"arguments\":\"-l\"}}}", false,
		false, ROCKET " process  /bin/ls -l"},
	{"{\"process_exit\":{\"process\":{\"binary\":\"/usr/bin/curl\",\"arguments\":\"x\"},"
	 "\"status\":60},\"node_name\":\"host1\"}",
		false, false, BOOM " exit    host1 /usr/bin/curl x 60"},
	{"{\"process_exit\":{\"process\":{\"binary\":\"/bin/sleep\",\"arguments\":\"9\"},"
	 "\"signal\":\"SIGKILL\"},\"node_name\":\"h\"}",
		false, false, BOOM " exit    h /bin/sleep 9 SIGKILL"},
	/* Neither: exit.Status, a uint32, prints 0. */
	{"{\"process_exit\":{\"process\":{\"binary\":\"/bin/sleep\",\"arguments\":\"9\"}},"
	 "\"node_name\":\"h\"}",
		false, false, BOOM " exit    h /bin/sleep 9 0"},
	/* A pod replaces the node: fmt.Sprint(namespace, "/", name). */
	{"{\"process_exec\":{\"process\":{\"binary\":\"/x\",\"pod\":{\"namespace\":\"default\","
	 "\"name\":\"xwing\"}}},\"node_name\":\"h\"}",
		false, false, ROCKET " process default/xwing /x "},
	/* processCaps ranges over indexes: 22 entries name CAP_SYS_ADMIN, right-aligned at 120
	 * bytes: the 49-byte line, a space, 71 - 15 = 56 spaces, the 15-character trailer. */
	{"{\"process_exec\":{\"process\":{\"binary\":\"/usr/bin/curl\",\"arguments\":"
	 "\"https://ebpf.io/\"," CAPS22 "}},\"node_name\":\"host1\"}",
		false, false,
		ROCKET " process host1 /usr/bin/curl https://ebpf.io/ " SP10 SP10 SP10 SP10 SP10
		       "      " STOP " CAP_SYS_ADMIN"},
	/* 21 entries: index 21 does not exist, no trailer. */
	{"{\"process_exec\":{\"process\":{\"binary\":\"/b\",\"cap\":{\"effective\":[" CAP11 ","
	 "\"A\",\"B\",\"C\",\"D\",\"E\",\"F\",\"G\",\"H\",\"I\",\"J\"]}}},\"node_name\":\"h\"}",
		false, false, ROCKET " process h /b "},
	/* Colours: each piece wrapped; the empty magenta trailer is 9 bytes, so the 85-byte line
	 * gets a space, 35 - 9 = 26 spaces and the trailer. */
	{"{\"process_exec\":{\"process\":{\"binary\":\"/usr/bin/curl\",\"arguments\":"
	 "\"https://ebpf.io/\"}},\"node_name\":\"host1\"}",
		true, false,
		"\x1b[34m" ROCKET
		" process\x1b[0m \x1b[32mhost1\x1b[0m \x1b[35m/usr/bin/curl\x1b[0m "
		"\x1b[36mhttps://ebpf.io/\x1b[0m " SP10 SP10 "      \x1b[35m\x1b[0m"},
	{"{\"process_exit\":{\"process\":{\"binary\":\"/bin/sleep\",\"arguments\":\"9\"},"
	 "\"signal\":\"SIGIO\"},\"node_name\":\"h\"}",
		true, false,
		"\x1b[34m" BOOM " exit   \x1b[0m \x1b[32mh\x1b[0m \x1b[35m/bin/sleep\x1b[0m "
		"\x1b[36m9\x1b[0m \x1b[31mSIGIO\x1b[0m " SP10 SP10 SP10 "   \x1b[35m\x1b[0m"},
	/* A coloured line of 120 bytes or more: no padding, just a space and the trailer. */
	{"{\"process_exec\":{\"process\":{\"binary\":\"/b\",\"arguments\":\"" SP10 SP10 SP10 SP10
			SP10 SP10 SP10 SP10 "\"}},\"node_name\":\"h\"}",
		true, false,
		"\x1b[34m" ROCKET
		" process\x1b[0m \x1b[32mh\x1b[0m \x1b[35m/b\x1b[0m \x1b[36m" SP10 SP10 SP10 SP10
			SP10 SP10 SP10 SP10 "\x1b[0m \x1b[35m\x1b[0m"},
	/* --timestamps: the event's time in UTC with nine digits, not coloured, then a space. */
	{"{\"process_exec\":{\"process\":{\"binary\":\"/b\"}},\"node_name\":\"h\","
	 "\"time\":\"2023-10-06T23:03:57.7+01:00\"}",
		false, true, "2023-10-06T22:03:57.700000000Z " ROCKET " process h /b "},
	{"{\"process_exec\":{\"process\":{\"binary\":\"/b\"}},\"node_name\":\"h\"}", false, true,
		"1970-01-01T00:00:00.000000000Z " ROCKET " process h /b "},
};

static void test_compact_fixture(void **state)
{
	struct gev_line l = {0};
	struct gev_style st;
	struct gev_doc d;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fixture) / sizeof(fixture[0]); i++) {
		if (gev_doc_parse(&d, fixture[i].json, strlen(fixture[i].json), err, sizeof(err)))
			fail_msg("fixture %zu: %s", i, err);
		st.color = fixture[i].color;
		st.timestamps = fixture[i].timestamps;
		assert_int_equal(gev_compact(&d, &st, &l, err, sizeof(err)), 0);
		if (l.len != strlen(fixture[i].want) || strcmp(l.buf, fixture[i].want) != 0)
			fail_msg("fixture %zu:\n got [%s] (%zu)\nwant [%s] (%zu)", i, l.buf, l.len,
				fixture[i].want, strlen(fixture[i].want));
		gev_doc_clear(&d);
	}
	gev_line_free(&l);
}

/* procship's one departure from v1.7.0, for the one-line rule: a string with a control
 * character or invalid UTF-8 is quoted as strconv.Quote writes it; others stay as they are,
 * quotes and backslashes included. */
static void test_one_line_rule(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"plain \"q\" \\ caf\xc3\xa9", "plain \"q\" \\ caf\xc3\xa9"},
		{"a\nb", "\"a\\nb\""},
		{"\r\t\x07\x08\x0b\x0c", "\"\\r\\t\\a\\b\\v\\f\""},
		{"esc\x1b[31m", "\"esc\\x1b[31m\""},
		{"del\x7f", "\"del\\x7f\""},
		{"c1\xc2\x9b", "\"c1\\u009b\""},
		{"bad\xff \"x\"\n", "\"bad\\xff \\\"x\\\"\\n\""},
		{"nbsp\xc2\xa0", "nbsp\xc2\xa0"},
	};
	struct gev_line l = {0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		l.len = 0;
		assert_int_equal(gev_put_text(&l, cases[i].in), 0);
		if (strcmp(l.buf, cases[i].want) != 0)
			fail_msg("case %zu: got [%s], want [%s]", i, l.buf, cases[i].want);
	}
	gev_line_free(&l);
}

static void check_refused(const char *json, const char *reason)
{
	struct gev_doc d;
	char err[256];

	assert_int_equal(gev_doc_parse(&d, json, strlen(json), err, sizeof(err)), -EINVAL);
	if (!strstr(err, reason))
		fail_msg("[%s]: reason [%s], want [%s]", json, err, reason);
}

static void test_documents(void **state)
{
	struct gev_doc d;
	char err[256];
	const char *agent = "{\"@timestamp\":\"2026-11-23T14:18:54Z\",\"event\":\"agent_init\","
			    "\"procship_version\":\"1\"}";
	const char *rl = "{\"rate_limit_info\":{\"number_of_dropped_process_events\":\"2810\"},"
			 "\"node_name\":\"h\",\"time\":\"2026-11-23T14:40:31Z\"}";

	(void)state;
	check_refused("not json", "not a JSON object");
	check_refused("[1]", "not a JSON object");
	check_refused("{\"a\":\"\xff\"}", "not a JSON object");
	check_refused("{\"process_exec\":{},\"process_exit\":{}}", "two events");
	check_refused("{\"process_exec\":[]}", "process_exec is not an object");
	check_refused("{\"process_exec\":{\"process\":{\"binary\":1}}}",
		"process_exec.process.binary is not a string");
	check_refused("{\"process_exit\":{\"status\":-1}}", "process_exit.status");
	check_refused("{\"time\":\"yesterday\"}", "no RFC 3339");
	check_refused("{\"time\":\"2023-02-29T00:00:00Z\"}", "no RFC 3339");
	check_refused("{\"time\":\"2023-01-01T00:00:00.1234567891Z\"}", "no RFC 3339");
	assert_int_equal(gev_doc_parse(&d, agent, strlen(agent), err, sizeof(err)), 0);
	assert_int_equal(d.kind, GEV_AGENT_INIT);
	gev_doc_clear(&d);
	assert_int_equal(gev_doc_parse(&d, rl, strlen(rl), err, sizeof(err)), 0);
	assert_int_equal(d.kind, GEV_RATE_LIMIT_INFO);
	assert_int_equal(d.type, 40001);
	assert_true(d.dropped == 2810);
	assert_int_equal(
		gev_compact(&d, &(struct gev_style){0}, &(struct gev_line){0}, err, sizeof(err)),
		-ENOTSUP);
	gev_doc_clear(&d);
	assert_int_equal(gev_event_type("PROCESS_EXIT"), 5);
	assert_int_equal(gev_event_type("process_exit"), -1);
}

/* getevents_run on `input`, with argv after "getevents"; the output and the reports. */
static int run(const char *input, const char *const *args, char **out, char **errs)
{
	char path[] = "/tmp/procship-test-getevents-XXXXXX", *argv[16];
	size_t olen, elen, n = 0;
	FILE *o = open_memstream(out, &olen), *e = open_memstream(errs, &elen);
	int fd = mkstemp(path), rc;

	assert_true(fd >= 0 && o && e);
	assert_int_equal(write(fd, input, strlen(input)), (ssize_t)strlen(input));
	close(fd);
	argv[n++] = (char *)"getevents";
	for (; *args; args++)
		argv[n++] = (char *)*args;
	argv[n++] = path;
	argv[n] = NULL;
	rc = getevents_run((int)n, argv, o, e);
	fclose(o);
	fclose(e);
	unlink(path);
	return rc;
}

static const char stream[] =
	"{\"event\":\"agent_init\",\"hostname\":\"h\"}\n"
	"{\"process_exec\":{\"process\":{\"binary\":\"/usr/bin/curl\",\"arguments\":\"a\\nb\"}},"
	"\"node_name\":\"h\"}\n"
	"\n"
	"{\"process_exit\":{\"process\":{\"binary\":\"/bin/"
	"sh\"},\"status\":1},\"node_name\":\"h\"}\r\n"
	"{\"rate_limit_info\":{\"number_of_dropped_process_events\":\"7\"},\"node_name\":\"h\"}\n";

#define EXEC_LINE                                                                                  \
	"{\"process_exec\":{\"process\":{\"binary\":\"/usr/bin/curl\",\"arguments\":\"a\\nb\"}},"  \
	"\"node_name\":\"h\"}"
#define EXIT_LINE                                                                                  \
	"{\"process_exit\":{\"process\":{\"binary\":\"/bin/"                                       \
	"sh\"},\"status\":1},\"node_name\":\"h\"}"
#define RL_LINE                                                                                    \
	"{\"rate_limit_info\":{\"number_of_dropped_process_events\":\"7\"},\"node_name\":\"h\"}"

/* Every cut of a valid time is refused, each in a heap block of its own length so that a read
 * past its end is an ASan report under SAN=1 (a fuzzer found "...+01:0"). */
static void test_time_prefixes(void **state)
{
	static const char *const good[] = {"2026-11-23T15:18:55.666666665+01:00",
		"2026-11-23T15:18:55Z", "2026-11-23T15:18:55-00:30"};
	struct timespec ts;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		for (n = 0; n <= strlen(good[i]); n++) {
			char *cut = malloc(n + 1);

			assert_non_null(cut);
			memcpy(cut, good[i], n);
			cut[n] = '\0';
			assert_int_equal(
				gev_parse_time(cut, &ts), n == strlen(good[i]) ? 0 : -EINVAL);
			free(cut);
		}
	}
	assert_int_equal(gev_parse_time(good[0], &ts), 0);
	assert_true(ts.tv_sec == 1795447135 - 3600 && ts.tv_nsec == 666666665);
}

static void test_command(void **state)
{
	const char *json[] = {NULL}, *compact[] = {"-o", "compact", "--color=never", NULL};
	const char *curl[] = {"-ocompact", "--processes", "^/usr/.*/cu,nomatch", NULL};
	const char *types[] = {"--event-types", "PROCESS_EXIT,RATE_LIMIT_INFO", NULL};
	const char *dollar[] = {"--processes", "curl$", NULL};
	char *out, *errs;

	(void)state;
	/* JSON by default: the events as they are, agent_init and the blank line skipped. */
	assert_int_equal(run(stream, json, &out, &errs), 0);
	assert_string_equal(out, EXEC_LINE "\n" EXIT_LINE "\n" RL_LINE "\n");
	assert_string_equal(errs, "");
	free(out);
	free(errs);
	/* Compact: the newline in the arguments is escaped; rate_limit_info is said on stderr. */
	assert_int_equal(run(stream, compact, &out, &errs), 0);
	assert_string_equal(
		out, ROCKET " process h /usr/bin/curl \"a\\nb\"\n" BOOM " exit    h /bin/sh  1\n");
	assert_non_null(strstr(errs, ":5: rate_limit_info: 7 events dropped"));
	free(out);
	free(errs);
	/* --processes: regexes on the binary, unanchored, any of them. */
	assert_int_equal(run(stream, curl, &out, &errs), 0);
	assert_string_equal(out, ROCKET " process h /usr/bin/curl \"a\\nb\"\n");
	free(out);
	free(errs);
	assert_int_equal(run(stream, types, &out, &errs), 0);
	assert_string_equal(out, EXIT_LINE "\n" RL_LINE "\n");
	free(out);
	free(errs);
	/* Go's $: the end of the binary, not before a last newline. */
	assert_int_equal(
		run(EXEC_LINE "\n{\"process_exec\":{\"process\":{\"binary\":\"/x/curl\\n\"}},"
			      "\"node_name\":\"h\"}\n",
			dollar, &out, &errs),
		0);
	assert_string_equal(out, EXEC_LINE "\n");
	free(out);
	free(errs);
}

/* What cannot be printed is reported with file:line and the status is 1; usage errors are 2
 * and name the culprit. */
static void test_reports(void **state)
{
	const char *compact[] = {"-o", "compact", NULL}, *json[] = {NULL};
	const char *bad_type[] = {"-e", "PROCESS_EXEC,NOPE", NULL};
	const char *bad_re[] = {"--process", "(", NULL};
	const char *bad_out[] = {"-o", "yaml", NULL}, *bad_color[] = {"--color", "red", NULL};
	const char *bad_flag[] = {"--pods", "x", NULL}, *bad_ts[] = {"--timestamps=maybe", NULL};
	const char *ok_ts[] = {"-o", "compact", "--timestamps=false", NULL};
	const char *help[] = {"--help", NULL};
	char *out, *errs;

	(void)state;
	assert_int_equal(run("{\"process_kprobe\":{}}\nnope\n{\"x\":1}\n" EXIT_LINE "\n", compact,
				 &out, &errs),
		1);
	assert_string_equal(out, BOOM " exit    h /bin/sh  1\n");
	assert_non_null(strstr(errs, ":1: process_kprobe has no compact form\n"));
	assert_non_null(strstr(errs, ":2: not a JSON object\n"));
	assert_non_null(strstr(errs, ":3: no event in the document"));
	assert_non_null(strstr(errs, "3 lines not printed"));
	free(out);
	free(errs);
	assert_int_equal(run("{\"process_kprobe\":{}}\n", json, &out, &errs), 0);
	assert_string_equal(out, "{\"process_kprobe\":{}}\n");
	free(out);
	free(errs);
#define USAGE(args, text)                                                                          \
	do {                                                                                       \
		assert_int_equal(run("", args, &out, &errs), 2);                                   \
		if (!strstr(errs, text))                                                           \
			fail_msg("[%s] does not say [%s]", errs, text);                            \
		free(out);                                                                         \
		free(errs);                                                                        \
	} while (0)
	USAGE(bad_type, "unknown event type 'NOPE'");
	USAGE(bad_re, "bad regular expression '('");
	USAGE(bad_out, "\"output\" flag: yaml");
	USAGE(bad_color, "\"color\" flag: red");
	USAGE(bad_flag, "unknown option: --pods");
	USAGE(bad_ts, "\"timestamps\" flag: maybe");
#undef USAGE
	assert_int_equal(run(EXIT_LINE "\n", ok_ts, &out, &errs), 0);
	assert_string_equal(out, BOOM " exit    h /bin/sh  1\n");
	free(out);
	free(errs);
	assert_int_equal(run("", help, &out, &errs), 0);
	assert_non_null(strstr(out, "--event-types"));
	free(out);
	free(errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact_fixture),
		cmocka_unit_test(test_one_line_rule),
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_time_prefixes),
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_reports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
