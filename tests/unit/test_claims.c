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
	size_t i;
	bool renamed;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h = hdr(cases[i].app, "");
		renamed = lines_claim(&lc, &out, &h);
		if (strcmp(h.app_name, cases[i].want) != 0)
			fail_msg("%s: got %s, want %s", cases[i].app, h.app_name, cases[i].want);
		assert_int_equal(renamed, strcmp(cases[i].app, cases[i].want) != 0);
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
		assert_true(lines_claim(&lc, &out, &h));
		assert_string_equal(h.msgid, "");
		assert_string_equal(h.app_name, "sshd");
	}
	h = hdr("sshd", "LOGIN");
	assert_false(lines_claim(&lc, &out, &h));
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
	assert_false(lines_claim(&self, &out, &h));
	assert_string_equal(h.app_name, "procship");
	assert_string_equal(h.msgid, "agent_init");
	assert_string_equal(h.hostname, "thishost");
	assert_null(lines_claim_tagless(&self, &h, "procship x", 10));
	nopid.pid = 0;
	h = hdr("procship", "");
	assert_true(lines_claim(&nopid, &out, &h));
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
	struct framing_header h = hdr("", "");
	struct framing_header tagged = hdr("sshd", "");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *p = lines_claim_tagless(&lc, &h, cases[i].msg, strlen(cases[i].msg));

		if (!!p != cases[i].prefix)
			fail_msg("[%s]: prefix %s", cases[i].msg, p ? p : "none");
		if (p)
			assert_string_equal(p, "local-");
	}
	assert_null(lines_claim_tagless(&lc, &tagged, "procship x", 10));
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

/* Relay: the header fields as claimed, the TAG-less message's prefix, counted as renamed. */
static void relay_through_lines(void **state)
{
	const char *forged = "<14>Dec  1 20:00:00 dc01 procship/x[1]: hi";
	struct lines *l = new_lines(false);
	struct lines_msg m;

	(void)state;
	assert_int_equal(lines_parse(l, forged, strlen(forged), 0, &lc, &m), 0);
	assert_string_equal(m.hostname, "thishost");
	assert_string_equal(m.app_name, "local-procship/x");
	assert_string_equal(m.procid, "4242");
	assert_true(m.flags & LINES_F_RENAMED);
	assert_null(m.msg_prefix);
	forged = "<14>procship { \"process_exec\": {}}";
	assert_int_equal(lines_parse(l, forged, strlen(forged), 0, &lc, &m), 0);
	assert_string_equal(m.app_name, "");
	assert_string_equal(m.msg_prefix, "local-");
	assert_false(m.flags & LINES_F_RENAMED); /* counted by the relay that writes it */
	assert_int_equal(lines_parse(l, forged, strlen(forged), 0, NULL, &m), 0);
	assert_null(m.msg_prefix); /* standard input says what it likes */
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
		cmocka_unit_test(document_carries_the_claims),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
