/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shipper/conf_yaml.c: a table of refused files, each with its exact
 * "FILE:LINE: KEY: reason"; accepted files for every option type, flow and block lists,
 * comments, quoting and YAML's boolean spellings; flags over the file; the permission
 * warning; and the sample conf/procship.yaml (loads, holds every option, at its default).
 * Files are written to a private temporary directory. Run from the top of the tree (or set
 * PROCSHIP_SRCDIR) so that the sample is found. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "shipper/conf/conf.h"
#include "shipper/conf/conf_yaml.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char tmpdir[64];

/* ---- helpers ------------------------------------------------------------------------------ */

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_conf_yaml.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write len bytes of text to a file named name in the temporary directory; path gets its
 * name. Mode 0644, so that no permission warning is expected. */
static void write_file(const char *name, const char *text, size_t len, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0644), 0);
}

/* Load text from a file over the defaults; returns conf_load_yaml's result. */
static int load_text(struct conf *c, const char *text, char *path, size_t pathlen, char *err,
	size_t errlen, char *warn, size_t warnlen)
{
	write_file("conf.yaml", text, strlen(text), path, pathlen);
	conf_defaults(c);
	return conf_load_yaml(c, path, err, errlen, warn, warnlen);
}

static void load_ok(struct conf *c, const char *text)
{
	char path[128], err[512] = "", warn[512] = "";
	int rc = load_text(c, text, path, sizeof(path), err, sizeof(err), warn, sizeof(warn));

	if (rc != 0)
		fail_msg("refused: %s\n--- file:\n%s", err, text);
	assert_string_equal(warn, "");
}

/* ---- refused files ------------------------------------------------------------------------ */

/* Each refused file and the message after FILE (the temporary file's path). */
static const struct bad_file {
	const char *text;
	size_t len; /* 0: strlen(text) */
	const char *want;
} bad_files[] = {
	/* keys */
	{"nosuch: 1\n", 0, ":1: nosuch: unknown key"},
	{"udp-output-enabled: true\n\nUdp-Output-Port: 514\n", 0,
		":3: Udp-Output-Port: unknown key"},
	{"--udp-output-port: 5\n", 0,
		":1: --udp-output-port: unknown key (write option names without the "
		"leading --)"},
	{"udp_output_port: 5\n", 0, ":1: udp_output_port: unknown key"},
	{"\"bad\\x01key\": 1\n", 0, ":1: bad?key: unknown key"},
	{"\"udp-output-port\\0x\": 1\n", 0, ":1: udp-output-port?x: unknown key"},
	{"[a, b]: 1\n", 0, ":1: a key must be an option name, not a list"},
	{"? {a: 1}\n: 2\n", 0, ":1: a key must be an option name, not a mapping"},
	{"udp-output-port: 1\nudp-output-port: 2\n", 0,
		":2: udp-output-port: duplicate key (first on line 1)"},
	{"udp-output-address: a\n# again\nudp-output-address: [b]\n", 0,
		":3: udp-output-address: duplicate key (first on line 1)"},
	{"config-file: /etc/other.yaml\n", 0,
		":1: config-file: not allowed in a config file (no includes)"},
	/* types */
	{"udp-output-port: [1, 2]\n", 0, ":1: udp-output-port: expected one value, not a list"},
	{"udp-output-port:\n  - 1\n", 0, ":2: udp-output-port: expected one value, not a list"},
	{"hostname: {a: 1}\n", 0, ":1: hostname: expected one value, not a mapping"},
	{"udp-output-address:\n  host: a\n", 0,
		":2: udp-output-address: expected a value or a list, not a mapping"},
	{"udp-output-address: []\n", 0, ":1: udp-output-address: empty list"},
	{"udp-output-address: [a, [b]]\n", 0,
		":1: udp-output-address: a list item must be one value, not a list"},
	{"udp-output-address:\n  - a\n  - x: 1\n", 0,
		":3: udp-output-address: a list item must be one value, not a mapping"},
	{"hostname: &h x\nsyslog-app-name: *h\n", 0,
		":2: syslog-app-name: references (aliases) are not supported"},
	{"udp-output-address: &a x\nhostname: y\nsyslog-app-name: [*a]\n", 0,
		":3: syslog-app-name: expected one value, not a list"},
	{"udp-output-port:\n", 0, ":1: udp-output-port: no value"},
	{"hostname: ~\n", 0, ":1: hostname: no value (write \"\" for an empty string)"},
	{"cee-cookie: null\n", 0, ":1: cee-cookie: no value"},
	{"hostname: \"a\\0b\"\n", 0, ":1: hostname: the value holds a NUL byte"},
	/* values, with conf_set's reasons */
	{"udp-output-port: 0\n", 0, ":1: udp-output-port: 0 is out of range 1..65535"},
	{"udp-output-port: 65536\n", 0, ":1: udp-output-port: 65536 is out of range 1..65535"},
	{"udp-buffer-size: big\n", 0, ":1: udp-buffer-size: 'big' is not a number"},
	{"udp-buffer-size: 1.5\n", 0, ":1: udp-buffer-size: '1.5' is not a number"},
	{"udp-local-port: 0x10\n", 0, ":1: udp-local-port: '0x10' is not a number"},
	{"udp-reconnect-interval: -1\n", 0,
		":1: udp-reconnect-interval: -1 is out of range 0..86400"},
	{"max-message-size: 100\n", 0, ":1: max-message-size: 100 is out of range 480..65507"},
	{"ring-buffer-size: 1024\n", 0,
		":1: ring-buffer-size: 1024 is out of range 4096..1073741824"},
	{"ring-buffer-poll-us: 100\n", 0,
		":1: ring-buffer-poll-us: 100 is out of range 500..100000"},
	{"realtime-priority: 100\n", 0, ":1: realtime-priority: 100 is out of range 0..99"},
	{"udp-output-enabled: maybe\n", 0,
		":1: udp-output-enabled: 'maybe' is not a boolean (true or false)"},
	{"cee-cookie: 'y'\n", 0, ":1: cee-cookie: 'y' is not a boolean (true or false)"},
	{"cee-cookie: \"TRUE\"\n", 0, ":1: cee-cookie: 'TRUE' is not a boolean (true or false)"},
	{"syslog-format: xml\n", 0,
		":1: syslog-format: unknown name 'xml' (one of: json, rfc3164, rfc5424)"},
	{"syslog-severity: loud\n", 0,
		":1: syslog-severity: unknown name 'loud' (one of: emerg, alert, crit, "
		"err, warning, notice, info, debug, panic, error, warn)"},
	{"syslog-facility: local8\n", 0,
		":1: syslog-facility: unknown name 'local8' (one of: kern, user, mail, "
		"daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, "
		"bsd_security, console, clock, local0, local1, local2, local3, local4, local5, "
		"local6, local7, security)"},
	{"log-level: \"verbose\\n\"\n", 0,
		":1: log-level: unknown name 'verbose?' (one of: error, warning, info, "
		"debug)"},
	{"udp-output-address: [a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, "
	 "a14,\n"
	 "  a15, a16, a17, a18, a19, a20, a21, a22, a23, a24, a25, a26, a27, a28, a29, "
	 "a30,\n"
	 "  a31, a32, a33]\n",
		0, ":3: udp-output-address: more than 32 values"},
	/* the shape of the file */
	{"- udp-output-enabled\n- true\n", 0,
		":1: the file must be a mapping of option names to values"},
	{"# a comment\nudp-output-enabled\n", 0,
		":2: the file must be a mapping of option names to values"},
	{"udp-output-port: 1\n---\nudp-output-port: 2\n", 0, ":2: more than one document"},
	/* syntax, in libyaml's words */
	{"udp-output-address: [a\n", 0, ":2: syntax error: did not find expected ',' or ']'"},
	{"udp-output-enabled: true\n\tudp-output-port: 1\n", 0,
		":2: syntax error: found a tab character that violates indentation"},
	{"udp-output-port: 514: 515\n", 0,
		":1: syntax error: mapping values are not allowed in this context"},
	{"hostname: \"abc\n", 0, ":2: syntax error: found unexpected end of stream"},
	/* a deeper line continues the plain scalar above it */
	{"udp-output-enabled: true\n  udp-output-port: 1\n", 0,
		":1: udp-output-enabled: 'true udp-output-port' is not a boolean (true or "
		"false)"},
	{"udp-output-enabled: true\n\tudp-output-port: 1\nx\n", 0,
		":2: syntax error: found a tab character that violates indentation"},
	{"udp-output-enabled: [true\nudp-output-port: 1\n", 0,
		":1: udp-output-enabled: expected one value, not a list"},
	{"udp-output-address: {\n", 0,
		":1: udp-output-address: expected a value or a list, "
		"not a mapping"},
	{"hostname: a\n- b\n", 0, ":2: syntax error: did not find expected key"},
	{"hostname: a\nsyslog-app-name\n", 0, ":3: syntax error: could not find expected ':'"},
	{"hostname: *nowhere\n", 0, ":1: hostname: references (aliases) are not supported"},
	{"hostname: a\xff\n", 0,
		":1: syntax error: invalid leading UTF-8 octet (byte 0xff at offset 11)"},
	{"hostname: a\0b\n", 13,
		":1: syntax error: control characters are not allowed (byte 0x00 at offset "
		"11)"},
};

static void test_bad_files(void **state)
{
	char path[128], want[512], err[512];
	struct conf c;
	size_t i;
	int failed = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_files); i++) {
		size_t len = bad_files[i].len ? bad_files[i].len : strlen(bad_files[i].text);
		int rc;

		write_file("bad.yaml", bad_files[i].text, len, path, sizeof(path));
		snprintf(want, sizeof(want), "%s%s", path, bad_files[i].want);
		conf_defaults(&c);
		err[0] = '\0';
		rc = conf_load_yaml(&c, path, err, sizeof(err), NULL, 0);
		if (rc != -1 || strcmp(err, want) != 0) {
			fprintf(stderr, "case %zu: rc %d\n  got:  %s\n  want: %s\n", i, rc, err,
				want);
			failed++;
		}
		conf_free(&c);
	}
	print_message("%zu refused files checked, %d wrong\n", ARRAY_SIZE(bad_files), failed);
	assert_true(ARRAY_SIZE(bad_files) >= 30);
	assert_int_equal(failed, 0);
}

static void test_unreadable(void **state)
{
	char path[128], want[256], err[256];
	struct conf c;

	(void)state;
	conf_defaults(&c);
	snprintf(path, sizeof(path), "%s/missing.yaml", tmpdir);
	assert_int_equal(conf_load_yaml(&c, path, err, sizeof(err), NULL, 0), -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);

	assert_int_equal(conf_load_yaml(&c, tmpdir, err, sizeof(err), NULL, 0), -EISDIR);
	snprintf(want, sizeof(want), "%s: Is a directory", tmpdir);
	assert_string_equal(err, want);
	conf_free(&c);
}

/* A message is one line, even from a key full of line breaks, and fits the caller's buffer. */
static void test_message_bounds(void **state)
{
	char path[128], err[40], big[4096];
	struct conf c;
	size_t i;

	(void)state;
	for (i = 0; i < 3000; i++)
		big[i] = 'k';
	snprintf(big + 3000, sizeof(big) - 3000, ": 1\n");
	assert_int_equal(load_text(&c, big, path, sizeof(path), err, sizeof(err), NULL, 0), -1);
	assert_true(strlen(err) == sizeof(err) - 1);
	conf_free(&c);
	assert_int_equal(
		load_text(&c, "\"a\\nb\\rc\": 1\n", path, sizeof(path), err, sizeof(err), NULL, 0),
		-1);
	assert_null(strchr(err, '\n'));
	assert_null(strchr(err, '\r'));
	conf_free(&c);
}

/* ---- accepted files ----------------------------------------------------------------------- */

static void test_every_type(void **state)
{
	struct conf c;

	(void)state;
	load_ok(&c, "# every kind of value\n"
		    "udp-output-enabled: true\n"
		    "udp-output-address: 192.0.2.1:5514\n"
		    "udp-output-port: 6514\n"
		    "udp-buffer-size: 0\n"
		    "udp-local-port: 40000\n"
		    "udp-reconnect-interval: 5\n"
		    "max-message-size: 480\n"
		    "syslog-format: rfc5424\n"
		    "syslog-facility: local3\n"
		    "syslog-severity: notice\n"
		    "syslog-app-name: tetragon\n"
		    "hostname: node-7\n"
		    "cee-cookie: yes\n"
		    "ring-buffer-size: 4096\n"
		    "log-level: debug\n");
	assert_true(c.udp_output_enabled);
	assert_int_equal(c.udp_output_address.n, 1);
	assert_string_equal(c.udp_output_address.v[0], "192.0.2.1:5514");
	assert_int_equal(c.udp_output_port, 6514);
	assert_int_equal(c.udp_buffer_size, 0);
	assert_int_equal(c.udp_local_port, 40000);
	assert_int_equal(c.udp_reconnect_interval, 5);
	assert_int_equal(c.max_message_size, 480);
	assert_int_equal(c.syslog_format, conf_find("syslog-format")->lookup("rfc5424"));
	assert_int_equal(c.syslog_facility, 19);
	assert_int_equal(c.syslog_severity, 5);
	assert_string_equal(c.syslog_app_name, "tetragon");
	assert_string_equal(c.hostname, "node-7");
	assert_true(c.cee_cookie);
	assert_int_equal(c.ringbuf_size, 4096);
	assert_int_equal(c.log_level, 3);
	conf_free(&c);
}

static void test_lists(void **state)
{
	struct conf c;

	(void)state;
	load_ok(&c, "udp-output-address: [logs1:5514, \"[2001:db8::7]:514\", 'logs3']\n");
	assert_int_equal(c.udp_output_address.n, 3);
	assert_string_equal(c.udp_output_address.v[0], "logs1:5514");
	assert_string_equal(c.udp_output_address.v[1], "[2001:db8::7]:514");
	assert_string_equal(c.udp_output_address.v[2], "logs3");
	conf_free(&c);

	load_ok(&c, "udp-output-address:\n"
		    "  - logs1:5514   # first choice\n"
		    "  # a comment between items\n"
		    "  - \"[::1]:514\"\n"
		    "udp-output-port: 1514\n");
	assert_int_equal(c.udp_output_address.n, 2);
	assert_string_equal(c.udp_output_address.v[0], "logs1:5514");
	assert_string_equal(c.udp_output_address.v[1], "[::1]:514");
	assert_int_equal(c.udp_output_port, 1514);
	conf_free(&c);

	/* a block list not indented under its key is still YAML */
	load_ok(&c, "udp-output-address:\n- a\n- b\nhostname: h\n");
	assert_int_equal(c.udp_output_address.n, 2);
	assert_string_equal(c.udp_output_address.v[1], "b");
	assert_string_equal(c.hostname, "h");
	conf_free(&c);

	/* one scalar may hold a comma list, as on the command line */
	load_ok(&c, "udp-output-address: a:1,b:2\n");
	assert_int_equal(c.udp_output_address.n, 1);
	assert_string_equal(c.udp_output_address.v[0], "a:1,b:2");
	conf_free(&c);
}

static void test_quoting_and_comments(void **state)
{
	struct conf c;

	(void)state;
	load_ok(&c, "%YAML 1.1\n"
		    "---   # document start\n"
		    "hostname: \"web #1\"      # a '#' inside quotes is text\n"
		    "syslog-app-name: 'it''s'\n"
		    "udp-output-address: \"\\x31\\u0032\\x37.0.0.1\"\n"
		    "udp-output-port: '1514'\n"
		    "syslog-format: \"json\"\n"
		    "...\n");
	assert_string_equal(c.hostname, "web #1");
	assert_string_equal(c.syslog_app_name, "it's");
	assert_string_equal(c.udp_output_address.v[0], "127.0.0.1");
	assert_int_equal(c.udp_output_port, 1514);
	assert_int_equal(c.syslog_format, conf_find("syslog-format")->lookup("json"));
	conf_free(&c);

	load_ok(&c, "hostname: \"\"\nsyslog-app-name: >-\n  folded\n");
	assert_string_equal(c.hostname, "");
	assert_string_equal(c.syslog_app_name, "folded");
	conf_free(&c);

	/* flow mapping at the top */
	load_ok(&c, "{udp-output-enabled: on, udp-output-port: 99}\n");
	assert_true(c.udp_output_enabled);
	assert_int_equal(c.udp_output_port, 99);
	conf_free(&c);
}

static void test_booleans(void **state)
{
	static const struct {
		const char *text;
		bool want;
	} cases[] = {
		{"true", true},
		{"True", true},
		{"TRUE", true},
		{"yes", true},
		{"Yes", true},
		{"on", true},
		{"ON", true},
		{"\"true\"", true},
		{"1", true},
		{"false", false},
		{"False", false},
		{"no", false},
		{"NO", false},
		{"off", false},
		{"'off'", false},
		{"0", false},
	};
	char text[64];
	struct conf c;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), "cee-cookie: %s\nudp-output-enabled: %s\n",
			cases[i].text, cases[i].text);
		load_ok(&c, text);
		assert_int_equal(c.cee_cookie, cases[i].want);
		assert_int_equal(c.udp_output_enabled, cases[i].want);
		conf_free(&c);
	}
}

/* Nothing to set: every field keeps its default. */
static void test_empty_files(void **state)
{
	static const char *const texts[] = {
		"", "\n\n", "# only a comment\n", "---\n", "--- # empty\n...\n", "{}\n"};
	struct conf c, d;
	size_t i;

	(void)state;
	conf_defaults(&d);
	for (i = 0; i < ARRAY_SIZE(texts); i++) {
		load_ok(&c, texts[i]);
		assert_int_equal(c.udp_output_port, d.udp_output_port);
		assert_int_equal(c.udp_output_address.n, 1);
		assert_string_equal(c.udp_output_address.v[0], d.udp_output_address.v[0]);
		conf_free(&c);
	}
	conf_free(&d);
}

/* Flags given after the file win: a list given on the command line replaces the file's
 * list, a scalar given there replaces the file's value; what the flags leave alone keeps the
 * file's value. */
static void test_flags_override_file(void **state)
{
	char *argv[] = {"procship", "--udp-output-address", "10.0.0.9:1", "--udp-output-address",
		"10.0.0.10", "--udp-output-port=2000", "--cee-cookie=false", NULL};
	char err[256];
	struct conf c;

	(void)state;
	load_ok(&c, "udp-output-address: [a:1, b:2, c:3]\n"
		    "udp-output-port: 1000\n"
		    "hostname: from-file\n"
		    "cee-cookie: true\n"
		    "syslog-format: json\n");
	assert_int_equal(c.udp_output_address.n, 3);
	assert_int_equal(
		conf_parse_args(&c, (int)ARRAY_SIZE(argv) - 1, argv, err, sizeof(err)), CONF_OK);
	assert_int_equal(c.udp_output_address.n, 2);
	assert_string_equal(c.udp_output_address.v[0], "10.0.0.9:1");
	assert_string_equal(c.udp_output_address.v[1], "10.0.0.10");
	assert_int_equal(c.udp_output_port, 2000);
	assert_false(c.cee_cookie);
	assert_string_equal(c.hostname, "from-file");
	assert_int_equal(c.syslog_format, conf_find("syslog-format")->lookup("json"));
	conf_free(&c);

	/* without the flag, the file's list is kept whole */
	load_ok(&c, "udp-output-address:\n  - a:1\n  - b:2\n");
	assert_int_equal(
		conf_parse_args(&c, 3, (char *[]){"procship", "--udp-output-port", "7", NULL}, err,
			sizeof(err)),
		CONF_OK);
	assert_int_equal(c.udp_output_address.n, 2);
	assert_string_equal(c.udp_output_address.v[1], "b:2");
	assert_int_equal(c.udp_output_port, 7);
	conf_free(&c);

	/* the file replaces the default list rather than adding to it */
	load_ok(&c, "udp-output-address: [x]\n");
	assert_int_equal(c.udp_output_address.n, 1);
	assert_string_equal(c.udp_output_address.v[0], "x");
	conf_free(&c);
}

static void test_load_string(void **state)
{
	static const char text[] = "udp-output-port: 7\nhostname: [x]\n";
	char err[256];
	struct conf c;

	(void)state;
	conf_defaults(&c);
	assert_int_equal(
		conf_load_yaml_string(&c, "<mem>", text, sizeof(text) - 1, err, sizeof(err)), -1);
	assert_string_equal(err, "<mem>:2: hostname: expected one value, not a list");
	assert_int_equal(c.udp_output_port, 7); /* partly applied: the caller discards c */
	conf_free(&c);
}

/* ---- permissions -------------------------------------------------------------------------- */

static void perm_warning(mode_t mode, uid_t uid, const char *want_suffix)
{
	char path[128], err[256], warn[512], want[512];
	struct conf c;

	write_file("perm.yaml", "udp-output-port: 5\n", 19, path, sizeof(path));
	assert_int_equal(chmod(path, mode), 0);
	assert_int_equal(chown(path, uid, (gid_t)-1), 0);
	conf_defaults(&c);
	assert_int_equal(conf_load_yaml(&c, path, err, sizeof(err), warn, sizeof(warn)), 0);
	assert_int_equal(c.udp_output_port, 5); /* a warning does not stop the load */
	if (want_suffix[0])
		snprintf(want, sizeof(want), "%s: unsafe permissions: %s", path, want_suffix);
	else
		want[0] = '\0';
	assert_string_equal(warn, want);
	conf_free(&c);
}

static void test_permissions(void **state)
{
	(void)state;
	if (geteuid() != 0)
		fail_msg("test_permissions needs root: it gives the file to another owner");
	perm_warning(0644, 0, "");
	perm_warning(0600, 0, "");
	perm_warning(0400, 0, "");
	perm_warning(0664, 0, "writable by its group (mode 0664)");
	perm_warning(0646, 0, "writable by others (mode 0646)");
	perm_warning(0666, 0, "writable by others (mode 0666)");
	perm_warning(0644, 1000, "owned by uid 1000, not root");
	perm_warning(0660, 1000, "owned by uid 1000 and writable by its group (mode 0660)");
	perm_warning(02664, 0, "writable by its group (mode 2664)");
}

/* ---- the sample configuration ------------------------------------------------------------- */

static char *read_sample(const char **path_out)
{
	static char path[4096];
	const char *dir = getenv("PROCSHIP_SRCDIR");
	char *text;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/conf/procship.yaml", dir ? dir : ".");
	*path_out = path;
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: %s (run from the top of the tree or set PROCSHIP_SRCDIR)", path,
			strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

/* Does a line begin with "name:" or "# name:" (a key left commented out)? */
static bool sample_mentions(const char *text, const char *name)
{
	size_t len = strlen(name);
	const char *line;

	for (line = text; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *p = line;

		if (p[0] == '#')
			p += p[1] == ' ' ? 2 : 1;
		if (!strncmp(p, name, len) && p[len] == ':')
			return true;
	}
	return false;
}

static bool same_value(const struct conf *a, const struct conf *b, const struct conf_option *o)
{
	const char *fa = (const char *)a + o->offset, *fb = (const char *)b + o->offset;
	const struct conf_list *la, *lb;
	size_t i;

	switch (o->type) {
	case CONF_BOOL:
		return *(const bool *)fa == *(const bool *)fb;
	case CONF_INT:
		return *(const long *)fa == *(const long *)fb;
	case CONF_NAME:
		return *(const int *)fa == *(const int *)fb;
	case CONF_STRING:
		return !strcmp(*(const char *const *)fa, *(const char *const *)fb);
	case CONF_LIST:
		la = (const struct conf_list *)fa;
		lb = (const struct conf_list *)fb;
		if (la->n != lb->n)
			return false;
		for (i = 0; i < la->n; i++)
			if (strcmp(la->v[i], lb->v[i]) != 0)
				return false;
		return true;
	}
	return false;
}

/* Adding an option to the table without documenting it in the sample fails here. */
static void test_sample(void **state)
{
	char err[512], warn[512];
	const char *path;
	struct conf c, d;
	char *text = read_sample(&path);
	size_t i;
	int missing = 0, differ = 0;

	(void)state;
	conf_defaults(&c);
	conf_defaults(&d);
	if (conf_load_yaml(&c, path, err, sizeof(err), warn, sizeof(warn)) != 0)
		fail_msg("the sample does not load: %s", err);
	for (i = 0; i < conf_noptions; i++) {
		const struct conf_option *o = &conf_options[i];

		if (!sample_mentions(text, o->name)) {
			fprintf(stderr, "%s: no '%s:' line, not even commented out\n", path,
				o->name);
			missing++;
		}
		if (!same_value(&c, &d, o)) {
			fprintf(stderr, "%s: %s is not at its default %s\n", path, o->name, o->def);
			differ++;
		}
	}
	print_message("%zu options in the sample checked\n", conf_noptions);
	assert_int_equal(missing, 0);
	assert_int_equal(differ, 0);
	free(text);
	conf_free(&c);
	conf_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_message_bounds),
		cmocka_unit_test(test_every_type),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_quoting_and_comments),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_empty_files),
		cmocka_unit_test(test_flags_override_file),
		cmocka_unit_test(test_load_string),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_sample),
	};

	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
