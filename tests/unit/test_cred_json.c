/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shipper/encode/cred_json.c: Tetragon's cap, ns, process_credentials and
 * binary_properties text, exactly as protojson writes them, and the same bytes through the
 * event encoders (the cached fast path and the libfastjson tree). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <json.h>

#include "shipper/encode/cred_json.h"
#include "shipper/encode/event_json.h"

static char buf[CJSON_MAX + 16];

static const char *w(size_t n)
{
	assert_true(n < CJSON_MAX);
	buf[n] = '\0';
	return buf;
}

/* Names by bit; an empty set is left out; a bit the proto does not name is its number. */
static void test_cap(void **state)
{
	struct ps_ext x = {0};

	(void)state;
	assert_string_equal(w(cjson_cap(buf, &x)), "\"cap\":{}");
	x.cap_effective = 1ull << 1 | 1ull << 40 | 1ull << 41;
	assert_string_equal(w(cjson_cap(buf, &x)),
		"\"cap\":{\"effective\":[\"DAC_OVERRIDE\",\"CAP_CHECKPOINT_RESTORE\",41]}");
	x.cap_permitted = 1;
	x.cap_inheritable = 1ull << 21;
	assert_string_equal(w(cjson_cap(buf, &x)),
		"\"cap\":{\"permitted\":[\"CAP_CHOWN\"],\"effective\":[\"DAC_OVERRIDE\","
		"\"CAP_CHECKPOINT_RESTORE\",41],\"inheritable\":[\"CAP_SYS_ADMIN\"]}");
	assert_string_equal(cjson_cap_name(39), "CAP_BPF");
	assert_null(cjson_cap_name(41));
}

/* Every namespace in the proto's order; inum 0 and is_host false left out; the time pair only
 * with a time namespace, and never is_host against an unknown (0) host time namespace. */
static void test_ns(void **state)
{
	uint32_t host[PS_NS_COUNT] = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
	struct ps_ext x = {0};
	int i;

	(void)state;
	for (i = 0; i < PS_NS_COUNT; i++)
		x.ns[i] = host[i];
	x.ns[PS_NS_PID] = 99;
	x.ns[PS_NS_NET] = 0;
	assert_string_equal(w(cjson_ns(buf, &x, host)),
		"\"ns\":{\"uts\":{\"inum\":10,\"is_host\":true},\"ipc\":{\"inum\":11,\"is_host\":"
		"true},"
		"\"mnt\":{\"inum\":12,\"is_host\":true},\"pid\":{\"inum\":99},"
		"\"pid_for_children\":{\"inum\":14,\"is_host\":true},\"net\":{},"
		"\"time\":{\"inum\":16,\"is_host\":true},"
		"\"time_for_children\":{\"inum\":17,\"is_host\":true},"
		"\"cgroup\":{\"inum\":18,\"is_host\":true},\"user\":{\"inum\":19,\"is_host\":true}"
		"}");
	x.ns[PS_NS_TIME] = 0;
	w(cjson_ns(buf, &x, host));
	assert_null(strstr(buf, "time"));
	host[PS_NS_TIME] = host[PS_NS_TIME_FOR_CHILDREN] = 0;
	x.ns[PS_NS_TIME] = 5;
	x.ns[PS_NS_TIME_FOR_CHILDREN] = 0;
	w(cjson_ns(buf, &x, host));
	assert_non_null(strstr(buf, "\"time\":{\"inum\":5},\"time_for_children\":{},"));
}

/* The eight ids always (wrapped uint32s), euid and egid from the header; securebits by name in
 * Tetragon's order, bits it does not name ignored. */
static void test_creds(void **state)
{
	struct ps_ext x = {
		.uid = 1, .gid = 2, .suid = 3, .sgid = 4, .fsuid = 0, .fsgid = 4294967295u};

	(void)state;
	assert_string_equal(w(cjson_creds(buf, &x, 7, 8)),
		"\"process_credentials\":{\"uid\":1,\"gid\":2,\"euid\":7,\"egid\":8,\"suid\":3,"
		"\"sgid\":4,\"fsuid\":0,\"fsgid\":4294967295}");
	x.securebits = 0x1 | 0x10 | 0x80 | 0x100;
	w(cjson_creds(buf, &x, 7, 8));
	assert_non_null(strstr(buf, ",\"securebits\":[\"SecBitNoRoot\",\"SecBitKeepCaps\","
				    "\"SecBitNoCapAmbientRaiseLocked\"]}"));
}

/* Only when the exec raised privileges or ran a file without a link; the reasons in
 * Tetragon's order; the inode number as a string (uint64). */
static void test_binary_properties(void **state)
{
	struct ps_ext x = {0};

	(void)state;
	assert_int_equal(cjson_binary_properties(buf, &x, 0, 0), 0);
	x.ino = 5;
	x.nlink = 1;
	assert_int_equal(cjson_binary_properties(buf, &x, 0, 0), 0);
	x.secureexec = PS_SX_SETUID | PS_SX_SETUID_ROOT;
	assert_string_equal(w(cjson_binary_properties(buf, &x, 0, 1000)),
		"\"binary_properties\":{\"setuid\":0,"
		"\"privileges_changed\":[\"PRIVILEGES_RAISED_EXEC_FILE_SETUID\"]}");
	x.secureexec = PS_SX_SETGID;
	assert_string_equal(w(cjson_binary_properties(buf, &x, 1000, 50)),
		"\"binary_properties\":{\"setgid\":50}");
	x.secureexec = PS_SX_FILE_CAPS | PS_SX_SETGID_ROOT | PS_SX_SETUID_ROOT;
	assert_string_equal(w(cjson_binary_properties(buf, &x, 0, 0)),
		"\"binary_properties\":{\"privileges_changed\":[\"PRIVILEGES_RAISED_EXEC_FILE_"
		"CAP\","
		"\"PRIVILEGES_RAISED_EXEC_FILE_SETUID\",\"PRIVILEGES_RAISED_EXEC_FILE_SETGID\"]}");
	x.secureexec = 0;
	x.ino = 18446744073709551615ull;
	x.nlink = 0;
	assert_string_equal(w(cjson_binary_properties(buf, &x, 0, 0)),
		"\"binary_properties\":{\"file\":{\"inode\":{\"number\":\"18446744073709551615\","
		"\"links\":0}}}");
	x.secureexec = PS_SX_SETUID;
	w(cjson_binary_properties(buf, &x, 3, 0));
	assert_non_null(strstr(buf, "{\"setuid\":3,\"file\":{"));
	/* no inode: nothing to say it is fileless */
	x.secureexec = 0;
	x.ino = 0;
	assert_int_equal(cjson_binary_properties(buf, &x, 0, 0), 0);
}

/* The worst case fits CJSON_MAX and is valid JSON. */
static void test_worst_case(void **state)
{
	struct ps_ext x;
	uint32_t host[PS_NS_COUNT] = {0};
	struct fjson_object *o;
	size_t n;

	(void)state;
	memset(&x, 0xff, sizeof(x));
	n = cjson_cap(buf + 1, &x);
	buf[0] = '{';
	buf[n + 1] = '}';
	buf[n + 2] = '\0';
	assert_true(n + 2 < CJSON_MAX);
	o = fjson_tokener_parse(buf);
	assert_non_null(o);
	fjson_object_put(o);
	assert_true(cjson_ns(buf, &x, host) < CJSON_MAX);
	assert_true(cjson_creds(buf, &x, ~0u, ~0u) < CJSON_MAX);
	x.nlink = 0;
	assert_true(cjson_binary_properties(buf, &x, ~0u, ~0u) < CJSON_MAX);
	o = fjson_object_new_object();
	assert_int_equal(cjson_tree_add(o, "\"a\":1", 5), -EINVAL);
	assert_int_equal(cjson_tree_add(o, ",\"a\":", 5), -EINVAL);
	assert_int_equal(cjson_tree_add(o, ",\"a\":1,\"b\":[2]", 14), 0);
	assert_string_equal(
		fjson_object_to_json_string_ext(o, FJSON_TO_STRING_PLAIN), "{\"a\":1,\"b\":[2]}");
	fjson_object_put(o);
}

/* Through the encoders: the blocks in the proto's place on the process and the parent,
 * binary_properties on process_exec's process only, the fast path byte for byte the tree. */
static void test_events(void **state)
{
	uint32_t host[PS_NS_COUNT] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	struct ejson *ej = ejson_new("node", 0);
	unsigned round;

	(void)state;
	assert_non_null(ej);
	ejson_set_host_ns(ej, host);
	for (round = 0; round < 64; round++) {
		struct pcache_proc proc = {0}, parent = {0};
		const char *text, *tree, *bp, *tid, *creds, *cap;
		char *fast;
		size_t flen, tlen;
		bool is_exit = round & 1;

		proc.pid = parent.pid = 100 + round;
		proc.uid = 1000;
		proc.binary = parent.binary = "/bin/x";
		proc.flags = (round & 2 ? PS_F_EXT_CRED : 0) | (round & 4 ? PS_F_EXT_NS : 0);
		proc.cloned = round & 8;
		proc.ext.secureexec = round & 16 ? PS_SX_SETUID | PS_SX_SETUID_ROOT : 0;
		proc.ext.cap_permitted = round * 0x9e3779b97f4a7c15ull;
		proc.ext.ns[PS_NS_PID] = round & 32 ? 4 : 77;
		proc.ext.ino = 9;
		parent.flags = proc.flags;
		parent.ext = proc.ext;
		text = is_exit ? ejson_exit(ej, &proc, &parent, 0, 1, &flen)
			       : ejson_exec(ej, &proc, &parent, 1, &flen);
		assert_non_null(text);
		fast = strdup(text);
		tree = ejson_event_tree(ej, is_exit, &proc, &parent, 0, 1, &tlen);
		assert_non_null(tree);
		if (strcmp(fast, tree) != 0)
			fail_msg("round %u:\n fast: %s\n tree: %s", round, fast, tree);
		bp = strstr(fast, "\"binary_properties\":{\"setuid\":1000,");
		assert_true(!bp == (is_exit || !(round & 2) || !(round & 16)));
		/* only once: never on the parent */
		if (bp && strstr(bp + 2, "binary_properties"))
			fail_msg("round %u: twice: %s", round, fast);
		tid = strstr(fast, ",\"tid\":");
		creds = strstr(fast, "\"process_credentials\":{\"uid\":0,\"gid\":0,\"euid\":1000,");
		cap = strstr(fast, ",\"cap\":{");
		assert_true(!creds == !(round & 2) && !cap == !(round & 2));
		assert_true(!creds || (cap < tid && tid < creds && (!bp || creds < bp)));
		/* refcnt 1 on a fork-only process, and on an exec's process with
		 * binary_properties (Tetragon's copy); in the cached text only for the first */
		if (!strstr(fast, "\"refcnt\":1") !=
			!(proc.cloned || strstr(fast, "\"binary_properties\":")))
			fail_msg("round %u: refcnt: %s", round, fast);
		assert_true(!strstr(proc.json, "\"refcnt\":1") == !proc.cloned);
		assert_true(!strstr(fast, ",\"ns\":{\"uts\":{},") == !(round & 4));
		if (round & 4 && round & 32)
			assert_non_null(strstr(fast, "\"pid\":{\"inum\":4,\"is_host\":true}"));
		free(fast);
		free(proc.json);
		free(parent.json);
	}
	ejson_free(ej);
}

/* Tetragon v1.7.0's process_exec with binary_properties carries the copy of the process
 * GetProcessCopy makes, refcnt 1 in its place (after parent_exec_id, before cap); its exit,
 * and the same process as a parent, carry none. Through the fit path too. */
static void test_exec_refcnt(void **state)
{
	struct ejson *ej = ejson_new("node", 0);
	struct pcache_proc proc = {0}, child = {0};
	const char *text, *r;
	size_t len, max;

	(void)state;
	assert_non_null(ej);
	proc.pid = 100;
	proc.uid = 1000;
	proc.binary = "/usr/bin/sudo";
	strcpy(proc.parent_exec_id, "cGFyZW50");
	proc.flags = PS_F_EXECVE | PS_F_EXT_CRED;
	proc.ext.secureexec = PS_SX_SETUID | PS_SX_SETUID_ROOT;
	child.pid = 101;
	child.binary = "/bin/x";
	child.flags = PS_F_EXECVE | PS_F_EXT_CRED;
	for (max = 0; max <= 1; max++) {
		ejson_set_max_len(ej, max ? 300 : 0); /* 300: cut to fit */
		text = ejson_exec(ej, &proc, NULL, 1, &len);
		assert_non_null(text);
		r = strstr(text, "\"parent_exec_id\":\"cGFyZW50\",\"refcnt\":1,\"cap\":{");
		if (!r || strstr(r + 40, "refcnt") || !strstr(r, "\"binary_properties\":{"))
			fail_msg("max %zu: %s", max, text);
		text = ejson_exit(ej, &proc, NULL, 0, 2, &len);
		assert_non_null(text);
		assert_null(strstr(text, "refcnt"));
		text = ejson_exec(ej, &child, &proc, 3, &len);
		assert_non_null(text);
		assert_null(strstr(text, "refcnt"));
		text = ejson_event_tree(ej, false, &proc, NULL, 0, 1, &len);
		assert_non_null(strstr(text, "\"refcnt\":1,\"cap\":{"));
		free(proc.json);
		free(child.json);
		proc.json = child.json = NULL;
	}
	/* Without binary_properties (no setuid): no copy, no refcnt. */
	proc.ext.secureexec = 0;
	ejson_set_max_len(ej, 0);
	text = ejson_exec(ej, &proc, NULL, 1, &len);
	assert_null(strstr(text, "refcnt"));
	free(proc.json);
	ejson_free(ej);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_ns),
		cmocka_unit_test(test_creds),
		cmocka_unit_test(test_binary_properties),
		cmocka_unit_test(test_worst_case),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_exec_refcnt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
