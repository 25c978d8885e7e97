/* SPDX-License-Identifier: Apache-2.0 */
/* shipper/text/claims.c: a local sender cannot claim another host, another PID, procship's
 * APP-NAME in any spelling a receiver reads as procship, or procship's MSGIDs; the relayed
 * header and the JSON document (also once shortened again) carry the same claims. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json.h>

#include "shipper/text/lines.h"

static const char *const own_ids[] = {
	"process_exec", "process_exit", "agent_init", "rate_limit_info", NULL};
static const struct lines_local lc = {"thishost", 4242, true, 77, "procship", own_ids};

static struct framing_header hdr(const char *app, const char *msgid)
{
	struct framing_header h = {.hostname = "dc01", .app_name = app, .procid = "1"};

	h.msgid = msgid;
	return h;
}

static void app_name_spellings(void **state)
{
	static const struct {
		const char *app, *want;
	} cases[] = {
		{"procship", "local-procship"},
		{"PROCSHIP", "local-PROCSHIP"},
		{"ProcShip", "local-ProcShip"},
		{"procship/x", "local-procship/x"},
		{"procship:x", "local-procship:x"},
		{"procship[x", "local-procship[x"},
		{"procship_x", "procship_x"},
		{"procshipd", "procshipd"},
		{"sshd", "sshd"},
		{"local-procship", "local-procship"},
	};
	struct lines_claimed out;
	struct framing_header h;
	const char *tag;
	size_t i;
	bool renamed;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h = hdr(cases[i].app, "");
		renamed = lines_claim(&lc, &out, &h, NULL);
		if (strcmp(h.app_name, cases[i].want) != 0)
			fail_msg("%s: got %s, want %s", cases[i].app, h.app_name, cases[i].want);
		assert_int_equal(renamed, strcmp(cases[i].app, cases[i].want) != 0);
		/* the RFC 3164 TAG is claimed the same way, beside an APP-NAME that is not */
		h = hdr("sshd", "");
		tag = cases[i].app;
		assert_int_equal(lines_claim(&lc, &out, &h, &tag), renamed);
		assert_string_equal(tag, cases[i].want);
		assert_string_equal(h.app_name, "sshd");
		assert_string_equal(h.hostname, "thishost");
		assert_string_equal(h.procid, "4242");
	}
}

static void own_msgids_dropped(void **state)
{
	static const char *const ids[] = {
		"process_exec", "PROCESS_EXIT", "agent_init", "Rate_Limit_Info"};
	struct lines_claimed out;
	struct framing_header h;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		h = hdr("sshd", ids[i]);
		assert_true(lines_claim(&lc, &out, &h, NULL));
		assert_string_equal(h.msgid, "");
		assert_string_equal(h.app_name, "sshd");
	}
	h = hdr("sshd", "LOGIN");
	assert_false(lines_claim(&lc, &out, &h, NULL));
	assert_string_equal(h.msgid, "LOGIN");
}

/* procship's own lines (--log-syslog into the socket it reads) keep name and MSGID; without the
 * kernel's word the PROCID stays the sender's. */
static void own_pid_and_unknown_pid(void **state)
{
	struct lines_local self = lc, nopid = lc;
	struct lines_claimed out;
	struct framing_header h = hdr("procship", "agent_init");

	(void)state;
	self.pid = 77;
	assert_false(lines_claim(&self, &out, &h, NULL));
	assert_string_equal(h.app_name, "procship");
	assert_string_equal(h.msgid, "agent_init");
	assert_string_equal(h.hostname, "thishost");
	assert_null(lines_claim_tagless(&self, "procship x", 10));
	nopid.pid = 0;
	h = hdr("procship", "");
	assert_true(lines_claim(&nopid, &out, &h, NULL));
	assert_string_equal(h.procid, "1");
}

static void tagless_first_word(void **state)
{
	static const struct {
		const char *msg;
		bool prefix;
	} cases[] = {
		{"procship { \"process_exec\": {}}", true},
		{"PROCSHIP x", true},
		{"procship[: {}", true},
		{"procship/x {}", true},
		{"  procship {}", true},
		{"procship", true},
		{"hello procship", false},
		{"procshipx {}", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *p = lines_claim_tagless(&lc, cases[i].msg, strlen(cases[i].msg));

		if (!!p != cases[i].prefix)
			fail_msg("[%s]: prefix %s", cases[i].msg, p ? p : "none");
		if (p)
			assert_string_equal(p, "local-");
	}
}

static struct lines *new_lines(bool json)
{
	char err[256];
	struct lines *l = lines_new(NULL, "node1", err, sizeof(err));

	if (!l)
		fail_msg("%s", err);
	lines_set_json(l, json);
	return l;
}

/* Relay: the header fields as claimed, a local message's first word read as its TAG (no
 * HOSTNAME, as rsyslog's imuxsock reads it), counted as renamed. */
static void relay_through_lines(void **state)
{
	const char *forged = "<14>Dec  1 20:00:00 procship/x[1]: hi";
	struct lines *l = new_lines(false);
	struct lines_msg m;

	(void)state;
	assert_int_equal(lines_parse(l, forged, strlen(forged), 0, &lc, &m), 0);
	assert_string_equal(m.hostname, "thishost");
	assert_string_equal(m.app_name, "local-procship");
	assert_string_equal(m.tag, "local-procship/x");
	assert_string_equal(m.procid, "4242");
	assert_true(m.flags & LINES_F_RENAMED);
	assert_null(m.msg_prefix);
	assert_null(m.word);		     /* the kernel's PID: TAG[PID]: is written again */
	forged = "<14>dc01 procship[1]: hi"; /* the first word is the TAG, not a HOSTNAME */
	assert_int_equal(lines_parse(l, forged, strlen(forged), 0, &lc, &m), 0);
	assert_string_equal(m.app_name, "dc01");
	assert_string_equal(m.hostname, "thishost");
	assert_false(m.flags & LINES_F_RENAMED);
	assert_int_equal(m.msg_len, strlen(" procship[1]: hi"));
	assert_memory_equal(m.msg, " procship[1]: hi", m.msg_len);
	forged = "<14>procship { \"process_exec\": {}}";
	assert_int_equal(lines_parse(l, forged, strlen(forged), 0, &lc, &m), 0);
	assert_string_equal(m.app_name, "local-procship");
	assert_string_equal(m.tag, "local-procship");
	assert_true(m.flags & LINES_F_RENAMED);
	assert_null(m.msg_prefix);
	assert_int_equal(lines_parse(l, forged, strlen(forged), 0, NULL, &m), 0);
	assert_string_equal(m.app_name, ""); /* standard input: no TAG without "TAG:" */
	assert_null(m.word);
	assert_null(m.msg_prefix); /* and it says what it likes */
	lines_free(l);
}

/* With the sender's PID kept, a first word goes on as it came, prefixed when it names
 * procship; a message without a word has its MSG's first word prefixed. */
static void relay_word_passed_on(void **state)
{
	struct lines_local keep = lc;
	const char *in = "<14>procship[9] {}";
	struct lines *l = new_lines(false);
	struct lines_msg m;

	(void)state;
	keep.kernel_pid = false;
	assert_int_equal(lines_parse(l, in, strlen(in), 0, &keep, &m), 0);
	assert_int_equal(m.word_len, strlen("procship[9]"));
	assert_memory_equal(m.word, "procship[9]", m.word_len);
	assert_string_equal(m.msg_prefix, "local-");
	assert_string_equal(m.app_name, "local-procship");
	assert_string_equal(m.procid, "9");
	in = "<14>  procship {}";
	assert_int_equal(lines_parse(l, in, strlen(in), 0, &keep, &m), 0);
	assert_null(m.word);
	assert_string_equal(m.app_name, "");
	assert_string_equal(m.msg_prefix, "local-");
	in = "<14>hello world";
	assert_int_equal(lines_parse(l, in, strlen(in), 0, &keep, &m), 0);
	assert_null(m.msg_prefix);
	assert_memory_equal(m.word, "hello", 5);
	assert_int_equal(m.msg_len, 6);
	assert_memory_equal(m.msg, " world", 6);
	in = "<14>hello:world x"; /* the word goes on whole; MSG after it, as rsyslog's */
	assert_int_equal(lines_parse(l, in, strlen(in), 0, &keep, &m), 0);
	assert_memory_equal(m.word, "hello:world", 11);
	assert_int_equal(m.msg_len, 2);
	/* with the kernel's PID, TAG[PID]: is written again and "world" stays in MSG */
	assert_int_equal(lines_parse(l, in, strlen(in), 0, &lc, &m), 0);
	assert_null(m.word);
	assert_string_equal(m.tag, "hello");
	assert_int_equal(m.msg_len, 7);
	assert_memory_equal(m.msg, "world x", 7);
	lines_free(l);
}

static struct fjson_object *syslog_obj(const struct lines_msg *m, struct fjson_object **root)
{
	char *copy = strndup(m->json, m->json_len);
	struct fjson_object *s;

	assert_non_null(copy);
	*root = fjson_tokener_parse(copy);
	free(copy);
	assert_non_null(*root);
	assert_true(fjson_object_object_get_ex(*root, "syslog", &s));
	return s;
}

static const char *field(struct fjson_object *o, const char *key)
{
	struct fjson_object *v;

	return fjson_object_object_get_ex(o, key, &v) ? fjson_object_get_string(v) : NULL;
}

static void assert_claimed_doc(const struct lines_msg *m)
{
	struct fjson_object *root, *s = syslog_obj(m, &root);

	assert_string_equal(field(s, "hostname"), "thishost");
	assert_string_equal(field(s, "app_name"), "local-procship");
	assert_string_equal(field(s, "procid"), "4242");
	assert_null(field(s, "msgid"));
	assert_string_equal(m->app_name, "local-procship");
	assert_string_equal(m->msgid, "");
	fjson_object_put(root);
}

/* --text-format json: app_name and procid as rsyslog reads a local message (its program name,
 * the first word for TAG, PROCID from "[...]"), the kernel's PID when it is taken, and then
 * what followed "name:" in the first word kept in msg. */
static void document_says_what_rsyslog_says(void **state)
{
	static const struct {
		const char *in, *app, *procid, *msg;
		bool kernel;
	} cases[] = {
		{"<13>hello[12] world", "hello", "12", "world", false},
		{"<13>hello world", "hello", NULL, "world", false},
		{"<13>postfix/smtpd[3]: x", "postfix", "3", "x", false},
		{"<13>hello:world x", "hello", NULL, "x", false},
		{"<13>hello:world x", "hello", "4242", "world x", true},
		{"<13>hello[12] world", "hello", "4242", "world", true},
	};
	struct lines *l = new_lines(true);
	struct lines_local keep = lc;
	struct fjson_object *root, *s;
	struct lines_msg m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		keep.kernel_pid = cases[i].kernel;
		assert_int_equal(lines_parse(l, cases[i].in, strlen(cases[i].in), 0, &keep, &m), 0);
		s = syslog_obj(&m, &root);
		assert_string_equal(field(s, "app_name"), cases[i].app);
		if (cases[i].procid)
			assert_string_equal(field(s, "procid"), cases[i].procid);
		else
			assert_null(field(s, "procid"));
		assert_string_equal(field(s, "msg"), cases[i].msg);
		fjson_object_put(root);
	}
	lines_free(l);
}

/* --text-format json: the document says what the header says, also when shortened again. */
static void document_carries_the_claims(void **state)
{
	struct lines *l = new_lines(true);
	char line[700];
	struct lines_msg m;
	int n;

	(void)state;
	n = snprintf(line, sizeof(line),
		"<14>1 2026-12-01T00:00:00Z dc01.corp procship 1 "
		"process_exec - hello %0600d",
		0);
	assert_int_equal(lines_parse(l, line, (size_t)n, 0, &lc, &m), 0);
	assert_true(m.flags & LINES_F_RENAMED);
	assert_claimed_doc(&m);
	assert_int_equal(lines_refit(l, 300, &m), 0);
	assert_true(m.json_len <= 300);
	assert_claimed_doc(&m);
	lines_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(app_name_spellings),
		cmocka_unit_test(own_msgids_dropped),
		cmocka_unit_test(own_pid_and_unknown_pid),
		cmocka_unit_test(tagless_first_word),
		cmocka_unit_test(relay_through_lines),
		cmocka_unit_test(relay_word_passed_on),
		cmocka_unit_test(document_carries_the_claims),
		cmocka_unit_test(document_says_what_rsyslog_says),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
