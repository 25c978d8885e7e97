/* SPDX-License-Identifier: Apache-2.0 */
/* lines: every accepted form, the robustness cases and each sample rulebase on real lines, with
 * the real liblognorm. Every document is checked with libfastjson's parser. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json.h>

#include "lib/utf8.h"
#include "shipper/text/lines.h"

#define RULEBASES "conf/rulebases/"

static struct fjson_object *doc;
static struct lines_msg msg;

/* Parse text with l; the document must be valid JSON and valid UTF-8. */
static int parse(struct lines *l, const char *text, size_t len, unsigned int in_flags)
{
	char *copy;
	int ret;

	fjson_object_put(doc);
	doc = NULL;
	ret = lines_parse(l, text, len, in_flags, NULL, &msg);
	if (ret < 0)
		return ret;
	assert_int_equal(utf8_invalid(msg.json, msg.json_len, 0), 0); /* test_utf8 tests it */
	copy = strndup(msg.json, msg.json_len);
	assert_non_null(copy);
	assert_int_equal(strlen(copy), msg.json_len); /* no NUL inside */
	doc = fjson_tokener_parse(copy);
	if (!doc)
		fail_msg("not JSON: %s", copy);
	free(copy);
	return 0;
}

static int parse_str(struct lines *l, const char *text)
{
	return parse(l, text, strlen(text), 0);
}

/* The value at a dotted path ("syslog.app_name"); the key "event.tags" is matched whole. */
static struct fjson_object *at(const char *path)
{
	struct fjson_object *o = doc, *next;
	char buf[128], *p = buf, *dot;

	snprintf(buf, sizeof(buf), "%s", path);
	while (o && p) {
		if (strncmp(p, "event.tags", 10) == 0) {
			dot = NULL;
		} else {
			dot = strchr(p, '.');
			if (dot)
				*dot = '\0';
		}
		if (!fjson_object_object_get_ex(o, p, &next))
			return NULL;
		o = next;
		p = dot ? dot + 1 : NULL;
	}
	return o;
}

static const char *str_at(const char *path)
{
	struct fjson_object *o = at(path);

	return o ? fjson_object_get_string(o) : NULL;
}

static void assert_str_at(const char *path, const char *want)
{
	const char *got = str_at(path);

	if (!got)
		fail_msg("%s missing in %.*s", path, (int)msg.json_len, msg.json);
	assert_string_equal(got, want);
}

static void assert_absent(const char *path)
{
	if (at(path))
		fail_msg("%s present in %.*s", path, (int)msg.json_len, msg.json);
}

static struct lines *new_lines(const char *rulebase)
{
	char err[256] = "";
	struct lines *l = lines_new(rulebase, "node-1", err, sizeof(err));

	if (!l)
		fail_msg("lines_new: %s", err);
	lines_set_json(l, true);
	return l;
}

static int teardown(void **state)
{
	(void)state;
	fjson_object_put(doc);
	doc = NULL;
	return 0;
}

/* ---- forms ---------------------------------------------------------------------------------- */

static void test_rfc3164_devlog(void **state)
{
	struct lines *l = new_lines(NULL);

	(void)state;
	/* What syslog(3) and `logger -u` send to /dev/log: no hostname. */
	assert_int_equal(parse_str(l, "<38>Nov  3 14:24:21 myapp[42]: hello local"), 0);
	assert_int_equal(msg.form, LINES_FORM_RFC3164);
	assert_int_equal(msg.facility, 4);
	assert_int_equal(msg.severity, 6);
	assert_string_equal(msg.app_name, "myapp");
	assert_string_equal(msg.procid, "42");
	assert_string_equal(msg.hostname, "");
	assert_str_at("syslog.facility", "auth");
	assert_str_at("syslog.severity", "info");
	assert_str_at("syslog.app_name", "myapp");
	assert_str_at("syslog.procid", "42");
	assert_str_at("syslog.msg", "hello local");
	assert_str_at("node_name", "node-1");
	assert_absent("syslog.hostname");
	assert_absent("fields");
	assert_absent("unparsed");
	/* The timestamp's local time: test_framing_parse.c. */

	/* No pid, message right after the colon. */
	assert_int_equal(parse_str(l, "<13>Nov 23 14:24:21 tag:text"), 0);
	assert_string_equal(msg.app_name, "tag");
	assert_string_equal(msg.procid, "");
	assert_str_at("syslog.msg", "text");
	lines_free(l);
}

static void test_rfc3164_hostname(void **state)
{
	struct lines *l = new_lines(NULL);

	(void)state;
	/* logger --rfc3164 puts the hostname in. */
	assert_int_equal(parse_str(l, "<13>Nov 23 14:24:21 vm root[8829]: hello 3164"), 0);
	assert_string_equal(msg.hostname, "vm");
	assert_string_equal(msg.app_name, "root");
	assert_string_equal(msg.procid, "8829");
	assert_str_at("syslog.hostname", "vm");
	assert_str_at("syslog.facility", "user");
	assert_str_at("syslog.severity", "notice");
	assert_str_at("syslog.msg", "hello 3164");

	/* Two words and no TAG: no hostname is guessed, the text is MSG. */
	assert_int_equal(parse_str(l, "<13>Nov 23 14:24:21 hello world"), 0);
	assert_string_equal(msg.hostname, "");
	assert_string_equal(msg.app_name, "");
	assert_str_at("syslog.msg", "hello world");

	/* No timestamp at all. */
	assert_int_equal(parse_str(l, "<14>kernel: boot"), 0);
	assert_int_equal(msg.form, LINES_FORM_RFC3164);
	assert_string_equal(msg.app_name, "kernel");
	assert_str_at("syslog.msg", "boot");
	lines_free(l);
}

static void test_rfc3164_file_line(void **state)
{
	struct lines *l = new_lines(NULL);

	(void)state;
	/* A line of /var/log/auth.log on stdin: the RFC 3164 header without PRI (user.notice, as
	 * test_framing_parse.c checks). */
	assert_int_equal(parse_str(l, "Jan  5 01:02:03 web1 CRON[77]: (root) CMD (true)"), 0);
	assert_int_equal(msg.form, LINES_FORM_RFC3164);
	assert_string_equal(msg.hostname, "web1");
	assert_string_equal(msg.app_name, "CRON");
	assert_string_equal(msg.procid, "77");
	assert_str_at("syslog.msg", "(root) CMD (true)");
	lines_free(l);
}

static void test_rfc5424(void **state)
{
	struct lines *l = new_lines(NULL);

	(void)state;
	/* What logger --rfc5424 --msgid ID1 --sd-id foo@32473 --sd-param 'a="b c"' sends. */
	assert_int_equal(parse_str(l, "<13>1 2026-11-23T14:24:21.557806+01:00 vm root 99 ID1 "
				      "[timeQuality tzKnown=\"1\" isSynced=\"0\"][foo@32473 a=\"b "
				      "c\\]\"] sd msg"),
		0);
	assert_int_equal(msg.form, LINES_FORM_RFC5424);
	assert_string_equal(msg.hostname, "vm");
	assert_string_equal(msg.app_name, "root");
	assert_string_equal(msg.procid, "99");
	assert_string_equal(msg.msgid, "ID1");
	assert_true(msg.time.tv_sec == 1795443861 - 3600);
	assert_int_equal(msg.time.tv_nsec, 557806000);
	assert_str_at("time", "2026-11-23T13:24:21.557806000Z");
	assert_str_at("syslog.msgid", "ID1");
	assert_str_at("syslog.structured_data",
		"[timeQuality tzKnown=\"1\" isSynced=\"0\"][foo@32473 a=\"b c\\]\"]");
	assert_str_at("syslog.msg", "sd msg");

	/* All NILVALUEs, a BOM before MSG. */
	assert_int_equal(parse_str(l, "<165>1 - - - - - - \xef\xbb\xbfhi /x"), 0);
	assert_int_equal(msg.facility, 20);
	assert_int_equal(msg.severity, 5);
	assert_string_equal(msg.hostname, "");
	assert_string_equal(msg.app_name, "");
	assert_absent("syslog.structured_data");
	assert_absent("syslog.app_name");
	assert_str_at("syslog.facility", "local4");
	assert_str_at("syslog.msg", "hi /x");
	assert_non_null(memmem(msg.json, msg.json_len, "hi /x", 5)); /* '/' not escaped */

	/* Cut short after the hostname: what is there is kept, nothing crashes. */
	assert_int_equal(parse_str(l, "<13>1 2024-01-01T00:00:00Z host"), 0);
	assert_string_equal(msg.hostname, "host");
	assert_str_at("syslog.msg", "");
	assert_str_at("time", "2024-01-01T00:00:00.000000000Z");
	lines_free(l);
}

static void test_plain(void **state)
{
	struct lines *l = new_lines(NULL);

	(void)state;
	assert_int_equal(parse_str(l, "error: disk full on /var\n"), 0);
	assert_int_equal(msg.form, LINES_FORM_PLAIN);
	assert_int_equal(msg.facility, 1);
	assert_int_equal(msg.severity, 5);
	assert_string_equal(msg.app_name, ""); /* "error:" in a plain line is no TAG */
	assert_str_at("syslog.msg", "error: disk full on /var");
	assert_non_null(at("time"));
	assert_int_equal(lines_get_stats(l)->plain, 1);
	lines_free(l);
}

static void test_json_passthrough(void **state)
{
	static const char line[] = "{\"process_exec\":{\"a\":[1,2.5e3,true,null,\"\\u00e9/\"]}}";
	static const char *const not_json[] = {
		"{\"a\":1", "{\"a\":1} x", "{\"a\":\"\xff\"}", "{\"a\":01}", "{\"a\":\"\\x\"}"};
	struct lines *l = new_lines(NULL);
	size_t i;

	(void)state;
	assert_int_equal(parse(l, line, strlen(line), LINES_IN_JSON), 0);
	assert_int_equal(msg.form, LINES_FORM_JSON);
	assert_ptr_equal(msg.json, line); /* not even copied */
	assert_int_equal(msg.json_len, strlen(line));
	assert_int_equal(lines_get_stats(l)->json, 1);

	/* Without the input's permission it is text like any other. */
	assert_int_equal(parse(l, line, strlen(line), 0), 0);
	assert_int_equal(msg.form, LINES_FORM_PLAIN);
	assert_str_at("syslog.msg", line);

	/* Not JSON after all, or not an object, or not UTF-8: shipped as text. */
	for (i = 0; i < sizeof(not_json) / sizeof(not_json[0]); i++) {
		assert_int_equal(parse(l, not_json[i], strlen(not_json[i]), LINES_IN_JSON), 0);
		assert_int_equal(msg.form, LINES_FORM_PLAIN);
	}
	assert_int_equal(lines_get_stats(l)->json, 1);
	lines_free(l);
}

/* ---- robustness ----------------------------------------------------------------------------- */

static void test_empty(void **state)
{
	struct lines *l = new_lines(NULL);

	(void)state;
	assert_int_equal(lines_parse(l, "", 0, 0, NULL, &msg), -ENODATA);
	assert_int_equal(lines_parse(l, "\n", 1, 0, NULL, &msg), -ENODATA);
	assert_int_equal(lines_parse(l, "\0\0\r\n", 4, 0, NULL, &msg), -ENODATA);
	assert_int_equal(lines_get_stats(l)->dropped_empty, 3);
	assert_int_equal(lines_get_stats(l)->messages, 0);
	/* A header with an empty MSG still ships. */
	assert_int_equal(parse_str(l, "<13>"), 0);
	assert_str_at("syslog.msg", "");
	lines_free(l);
}

static void test_nul_and_bad_utf8(void **state)
{
	struct lines *l = new_lines(NULL);

	(void)state;
	assert_int_equal(parse(l, "<13>app: a\0b", 12, 0), 0);
	assert_true(msg.flags & LINES_F_REPLACED);
	assert_str_at("syslog.msg", "a\xef\xbf\xbd"
				    "b");
	assert_true(at("replaced") && fjson_object_get_boolean(at("replaced")));

	assert_int_equal(parse_str(l, "\xff\xfe ok \xc3\x28 caf\xc3\xa9 \xed\xa0\x80"), 0);
	assert_str_at("syslog.msg", "\xef\xbf\xbd\xef\xbf\xbd ok \xef\xbf\xbd( caf\xc3\xa9 "
				    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");

	/* Control characters are escaped, not replaced. */
	assert_int_equal(parse_str(l, "tab\there \x1b[0m \"q\" \\"), 0);
	assert_false(msg.flags & LINES_F_REPLACED);
	assert_str_at("syslog.msg", "tab\there \x1b[0m \"q\" \\");
	assert_non_null(memmem(msg.json, msg.json_len, "\\u001b", 6));
	assert_int_equal(lines_get_stats(l)->replaced, 2);
	lines_free(l);
}

static void test_bad_pri(void **state)
{
	static const char *const cases[] = {"<13", "<999>hello", "<>x", "<1234>x", "<a>x", "<-1>x"};
	struct lines *l = new_lines(NULL);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse_str(l, cases[i]), 0);
		assert_true(msg.flags & LINES_F_BAD_PRI);
		assert_int_equal(msg.form, LINES_FORM_PLAIN);
		assert_int_equal(msg.facility, 1);
		assert_str_at("syslog.msg", cases[i]);
		assert_true(fjson_object_get_boolean(at("bad_pri")));
	}
	assert_int_equal(lines_get_stats(l)->bad_pri, i);
	/* Good edge values raise no flag (their numbers: test_framing_parse.c). */
	assert_int_equal(parse_str(l, "<0>k: x"), 0);
	assert_false(msg.flags & LINES_F_BAD_PRI);
	assert_int_equal(parse_str(l, "<191>k: x"), 0);
	assert_false(msg.flags & LINES_F_BAD_PRI);
	lines_free(l);
}

static void test_oversized_input(void **state)
{
	struct lines *l = new_lines(NULL);
	char big[1000];

	(void)state;
	memset(big, 'x', sizeof(big));
	memcpy(big, "<13>app: ", 9);
	assert_int_equal(lines_set_max_input(l, 0), -EINVAL);
	assert_int_equal(lines_set_max_input(l, 100), 0);
	assert_int_equal(parse(l, big, sizeof(big), 0), 0);
	assert_true(msg.flags & LINES_F_TRUNCATED);
	assert_int_equal(strlen(str_at("syslog.msg")), 91);
	assert_true(fjson_object_get_boolean(at("truncated")));

	/* Cut inside "é" by us or by the input: the half character is dropped, not replaced. */
	memcpy(big + 99, "\xc3\xa9", 2);
	assert_int_equal(parse(l, big, sizeof(big), 0), 0);
	assert_int_equal(strlen(str_at("syslog.msg")), 90);
	assert_false(msg.flags & LINES_F_REPLACED);
	assert_int_equal(parse(l, "abc\xe2\x82", 5, LINES_IN_TRUNCATED), 0);
	assert_str_at("syslog.msg", "abc");
	assert_true(msg.flags & LINES_F_TRUNCATED);
	assert_false(msg.flags & LINES_F_REPLACED);
	assert_int_equal(lines_get_stats(l)->truncated, 3);
	lines_free(l);
}

static void test_max_payload(void **state)
{
	struct lines *l = new_lines(RULEBASES "sshd.rb");
	char big[3000];
	size_t i;

	(void)state;
	/* Quotes double in JSON: the cut must account for the escaped length. */
	for (i = 0; i < sizeof(big); i++)
		big[i] = i % 2 ? '"' : 'a';
	lines_set_max_payload(l, 500);
	assert_int_equal(parse(l, big, sizeof(big), 0), 0);
	assert_true(msg.json_len <= 500);
	assert_true(msg.json_len > 250);
	assert_true(msg.flags & LINES_F_TRUNCATED);

	/* A rule matched but the document does not fit: fields go first. */
	lines_set_max_payload(l, 180);
	assert_int_equal(parse_str(l, "<38>Nov 23 14:24:21 sshd[1]: Accepted password for "
				      "alice from 192.168.1.10 port 52214 ssh2"),
		0);
	assert_true(msg.json_len <= 180);
	assert_absent("fields");
	assert_true(msg.flags & LINES_F_TRUNCATED);

	/* A JSON line too long for the limit becomes text, cut. */
	lines_set_max_payload(l, 200);
	memset(big, ' ', sizeof(big));
	memcpy(big, "{\"k\":", 5);
	memcpy(big + sizeof(big) - 3, "1 }", 3);
	assert_int_equal(parse(l, big, sizeof(big), LINES_IN_JSON), 0);
	assert_int_equal(msg.form, LINES_FORM_PLAIN);
	assert_true(msg.json_len <= 200);

	/* Too small for any document: dropped and counted. */
	lines_set_max_payload(l, 20);
	assert_int_equal(lines_parse(l, "x", 1, 0, NULL, &msg), -ENOSPC);
	assert_int_equal(lines_get_stats(l)->dropped_limit, 1);
	lines_free(l);
}

/* Random bytes with syslog-ish prefixes: the document is always valid JSON and UTF-8. */
static void test_random_input(void **state)
{
	static const char *const prefixes[] = {"", "<13>", "<13>1 ", "<38>Nov  3 14:24:21 ", "{",
		"<13>1 - - - - - [", "<13>1 - - - - - [a b=\""};
	static const char alphabet[] = " a:[]\"\\{}0\xc3\xa9\xff-\n";
	struct lines *l = new_lines(RULEBASES "sshd.rb");
	unsigned int seed = 1;
	char buf[300];
	int i;

	(void)state;
	lines_set_max_payload(l, 400);
	for (i = 0; i < 20000; i++) {
		const char *pre = prefixes[i % (sizeof(prefixes) / sizeof(prefixes[0]))];
		size_t n = strlen(pre), len = n + (size_t)(rand_r(&seed) % 200), k;
		int ret;

		memcpy(buf, pre, n);
		for (k = n; k < len; k++)
			buf[k] = (char)(i & 1 ? rand_r(&seed) % 256
					      : alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)]);
		ret = parse(l, buf, len, LINES_IN_JSON | (i & 4 ? LINES_IN_TRUNCATED : 0));
		if (ret != 0 && ret != -ENODATA)
			fail_msg("ret %d for %.*s", ret, (int)len, buf);
		if (ret == 0)
			assert_true(msg.form == LINES_FORM_JSON || msg.json_len <= 400);
	}
	lines_free(l);
}

/* ---- rulebases ------------------------------------------------------------------------------ */

static void assert_int_at(const char *path, int64_t want)
{
	struct fjson_object *o = at(path);

	if (!o || !fjson_object_is_type(o, fjson_type_int))
		fail_msg("%s: no number in %.*s", path, (int)msg.json_len, msg.json);
	assert_true(fjson_object_get_int64(o) == want);
}

static void assert_tag(const char *tag)
{
	struct fjson_object *tags = at("fields.event.tags");
	int i;

	assert_non_null(tags);
	for (i = 0; i < fjson_object_array_length(tags); i++)
		if (strcmp(fjson_object_get_string(fjson_object_array_get_idx(tags, i)), tag) == 0)
			return;
	fail_msg("no tag %s in %.*s", tag, (int)msg.json_len, msg.json);
}

static void test_rulebase_sshd(void **state)
{
	struct lines *l = new_lines(RULEBASES "sshd.rb");

	(void)state;
	assert_int_equal(parse_str(l, "<38>Nov 23 14:24:21 sshd[1042]: Accepted password for alice "
				      "from 192.168.1.10 port 52214 ssh2"),
		0);
	assert_false(msg.flags & LINES_F_UNPARSED);
	assert_str_at("fields.auth_method", "password");
	assert_str_at("fields.user", "alice");
	assert_str_at("fields.src_ip", "192.168.1.10");
	assert_int_at("fields.src_port", 52214);
	assert_tag("success");
	assert_absent("unparsed");

	assert_int_equal(
		parse_str(l, "<38>Nov 23 14:24:22 sshd[1043]: Accepted publickey for bob "
			     "from 2001:db8::1 port 40022 ssh2: ED25519 SHA256:Zm9vYmFy/+x"),
		0);
	assert_str_at("fields.auth_method", "publickey");
	assert_str_at("fields.user", "bob");
	assert_str_at("fields.src_ip", "2001:db8::1");
	assert_int_at("fields.src_port", 40022);
	assert_str_at("fields.key_type", "ED25519");
	assert_str_at("fields.key_fingerprint", "SHA256:Zm9vYmFy/+x");
	assert_non_null(memmem(msg.json, msg.json_len, "Zm9vYmFy/+x", 11));

	assert_int_equal(parse_str(l, "<38>Nov 23 14:24:23 sshd[1044]: Failed password for root "
				      "from 203.0.113.9 port 41234 ssh2"),
		0);
	assert_str_at("fields.user", "root");
	assert_str_at("fields.src_ip", "203.0.113.9");
	assert_int_at("fields.src_port", 41234);
	assert_tag("failure");

	assert_int_equal(parse_str(l, "<38>Nov 23 14:24:24 sshd[1045]: Failed password for invalid "
				      "user admin from 203.0.113.9 port 41235 ssh2"),
		0);
	assert_str_at("fields.user", "admin");
	assert_tag("invalid_user");

	assert_int_equal(parse_str(l, "<38>Nov 23 14:24:25 sshd[1046]: Failed publickey for carol "
				      "from 10.1.2.3 port 5555 ssh2: RSA SHA256:abc"),
		0);
	assert_str_at("fields.user", "carol");
	assert_str_at("fields.auth_method", "publickey");
	assert_tag("failure");

	assert_int_equal(parse_str(l, "<38>Nov 23 14:24:26 sshd[1047]: Invalid user oracle from "
				      "198.51.100.7 port 60000"),
		0);
	assert_str_at("fields.user", "oracle");
	assert_int_at("fields.src_port", 60000);

	/* A line no rule knows: shipped, flagged and counted. */
	assert_int_equal(parse_str(l, "<38>Nov 23 14:24:27 sshd[1048]: Connection closed by "
				      "203.0.113.9 port 41234 [preauth]"),
		0);
	assert_true(msg.flags & LINES_F_UNPARSED);
	assert_true(fjson_object_get_boolean(at("unparsed")));
	assert_absent("fields");
	assert_str_at("syslog.msg", "Connection closed by 203.0.113.9 port 41234 [preauth]");
	assert_int_equal(lines_get_stats(l)->normalized, 6);
	assert_int_equal(lines_get_stats(l)->unparsed, 1);
	lines_free(l);
}

static void test_rulebase_sudo(void **state)
{
	struct lines *l = new_lines(RULEBASES "sudo.rb");

	(void)state;
	/* sudo writes "%8s : ...": the user name is padded. */
	assert_int_equal(parse_str(l, "<85>Nov 23 14:24:21 sudo:    alice : TTY=pts/0 ; "
				      "PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update"),
		0);
	assert_str_at("syslog.facility", "authpriv");
	assert_str_at("syslog.severity", "notice");
	assert_str_at("syslog.app_name", "sudo");
	assert_str_at("fields.user", "alice");
	assert_str_at("fields.tty", "pts/0");
	assert_str_at("fields.pwd", "/home/alice");
	assert_str_at("fields.target_user", "root");
	assert_str_at("fields.command", "/usr/bin/apt update");

	assert_int_equal(
		parse_str(l, "<85>Nov 23 14:24:22 sudo: administrator : TTY=pts/3 ; "
			     "PWD=/srv/my dir ; USER=postgres ; COMMAND=/bin/ls -la /root"),
		0);
	assert_str_at("fields.user", "administrator");
	assert_str_at("fields.pwd", "/srv/my dir");
	assert_str_at("fields.target_user", "postgres");
	assert_str_at("fields.command", "/bin/ls -la /root");

	assert_int_equal(
		parse_str(l,
			"<85>Nov 23 14:24:23 sudo:    alice : 3 incorrect password "
			"attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id"),
		0);
	assert_str_at("fields.reason", "3 incorrect password attempts");
	assert_str_at("fields.command", "/usr/bin/id");
	assert_tag("refused");

	assert_int_equal(parse_str(l, "<84>Nov 23 14:24:25 sudo:      bob : user NOT in sudoers ; "
				      "TTY=pts/1 ; PWD=/ ; USER=root ; COMMAND=/bin/sh"),
		0);
	assert_str_at("fields.user", "bob");
	assert_str_at("fields.reason", "user NOT in sudoers");
	assert_str_at("fields.tty", "pts/1");
	assert_str_at("fields.command", "/bin/sh");

	/* No terminal (from cron or a service). */
	assert_int_equal(parse_str(l, "<85>Nov 23 14:24:24 sudo:     root : PWD=/ ; USER=nobody ; "
				      "COMMAND=/bin/true"),
		0);
	assert_str_at("fields.user", "root");
	assert_absent("fields.tty");
	assert_str_at("fields.target_user", "nobody");
	assert_str_at("fields.command", "/bin/true");
	assert_int_equal(lines_get_stats(l)->unparsed, 0);
	lines_free(l);
}

static void test_rulebase_cron(void **state)
{
	struct lines *l = new_lines(RULEBASES "cron.rb");

	(void)state;
	assert_int_equal(parse_str(l, "<78>Nov 23 14:17:01 CRON[5120]: (root) CMD (   cd / && "
				      "run-parts --report /etc/cron.hourly)"),
		0);
	assert_str_at("syslog.facility", "cron");
	assert_str_at("syslog.app_name", "CRON");
	assert_str_at("syslog.procid", "5120");
	assert_str_at("fields.user", "root");
	assert_str_at("fields.command", "   cd / && run-parts --report /etc/cron.hourly");

	assert_int_equal(parse_str(l, "<78>Nov 23 02:00:01 CRON[6001]: (alice) CMD "
				      "(/usr/local/bin/backup.sh --full)"),
		0);
	assert_str_at("fields.user", "alice");
	assert_str_at("fields.command", "/usr/local/bin/backup.sh --full");

	/* A command with its own ")": see the rulebase's comment. */
	assert_int_equal(
		parse_str(l,
			"<78>Nov 23 06:25:01 CRON[6002]: (root) CMD (test -x "
			"/usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))"),
		0);
	assert_str_at("fields.user", "root");
	assert_str_at("fields.command_raw",
		"test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))");
	lines_free(l);
}

static void test_rulebase_errors(void **state)
{
	char path[] = "/tmp/test_lines_XXXXXX";
	char err[256] = "";
	struct lines *l;
	FILE *f;
	int fd;

	(void)state;
	l = lines_new("/nonexistent/x.rb", "n", err, sizeof(err));
	assert_null(l);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err, "lines: rulebase /nonexistent/x.rb: No such file or directory");

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("version=2\nrule=:a %x:nosuchparser%\n", f);
	fclose(f);
	err[0] = '\0';
	l = lines_new(path, "n", err, sizeof(err));
	assert_null(l);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, path));
	fprintf(stderr, "bad rulebase: %s\n", err);
	unlink(path);
}

/* A header longer than the limit was set for: the document is shortened again (that it is
 * still JSON, fuzz_lines checks). */
static void refit_shortens_the_document(void **state)
{
	struct lines *l = new_lines(NULL);
	char line[600];

	(void)state;
	memset(line, 'x', sizeof(line));
	memcpy(line, "<13>app: ", 9);
	assert_int_equal(parse(l, line, sizeof(line), 0), 0);
	assert_int_equal(lines_refit(l, 300, &msg), 0);
	assert_true(msg.json_len <= 300 && (msg.flags & LINES_F_TRUNCATED));
	assert_int_equal(lines_refit(l, 10, &msg), -ENOSPC);
	assert_int_equal(lines_get_stats(l)->truncated, 1);
	lines_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refit_shortens_the_document),
		cmocka_unit_test_teardown(test_rfc3164_devlog, teardown),
		cmocka_unit_test_teardown(test_rfc3164_hostname, teardown),
		cmocka_unit_test_teardown(test_rfc3164_file_line, teardown),
		cmocka_unit_test_teardown(test_rfc5424, teardown),
		cmocka_unit_test_teardown(test_plain, teardown),
		cmocka_unit_test_teardown(test_json_passthrough, teardown),
		cmocka_unit_test_teardown(test_empty, teardown),
		cmocka_unit_test_teardown(test_nul_and_bad_utf8, teardown),
		cmocka_unit_test_teardown(test_bad_pri, teardown),
		cmocka_unit_test_teardown(test_oversized_input, teardown),
		cmocka_unit_test_teardown(test_max_payload, teardown),
		cmocka_unit_test_teardown(test_random_input, teardown),
		cmocka_unit_test_teardown(test_rulebase_sshd, teardown),
		cmocka_unit_test_teardown(test_rulebase_sudo, teardown),
		cmocka_unit_test_teardown(test_rulebase_cron, teardown),
		cmocka_unit_test_teardown(test_rulebase_errors, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
