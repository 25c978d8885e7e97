/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shipper/privs.c. Each case forks a child that calls privs_drop* and then
 * reports what the kernel says about it (/proc/self/status, a bind below 1024, setuid(0), the
 * capabilities of a program it executes) through a pipe; the parent checks the report.
 * Needs root: the point is to watch root's privileges go. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "shipper/sys/privs.h"

#define REPORT_MAX 8192

/* What the child does before and after the drop. */
struct scenario {
	const char *user;
	unsigned int keep;
	bool lose_setpcap; /* first clear CAP_SETPCAP from the effective set, as a systemd unit
			    * whose CapabilityBoundingSet lacks it would */
};

static void append_file(FILE *out, const char *prefix, const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(out, "%serror: %s\n", prefix, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f))
		fprintf(out, "%s%s", prefix, line);
	fclose(f);
}

/* Bind a UDP socket to a port below 1024 on loopback: "ok" or the errno's name. */
static const char *bind_low_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd, port, e = 0;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (port = 1000; port > 900; port--) {
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd == -1)
			return "socket";
		sin.sin_port = htons((uint16_t)port);
		e = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 ? 0 : errno;
		close(fd);
		if (e != EADDRINUSE)
			break;
	}
	return e == 0 ? "ok" : e == EACCES ? "EACCES" : strerror(e);
}

/* The status of a program executed after the drop: can execve give anything back? */
static void append_exec_status(FILE *out)
{
	int fds[2];
	pid_t pid;
	char buf[4096];
	ssize_t n;

	fflush(out);
	if (pipe(fds) == -1)
		return;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf) - 1)) > 0) {
		char *line, *save = NULL;

		buf[n] = '\0';
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			fprintf(out, "exec.%s\n", line);
	}
	close(fds[0]);
	waitpid(pid, NULL, 0);
}

static void child(const struct scenario *s, int fd)
{
	FILE *out = fdopen(fd, "w");
	char err[256] = "";
	int rc;

	if (!out)
		_exit(2);
	if (s->lose_setpcap) {
		cap_t caps = cap_get_proc();
		cap_value_t v = CAP_SETPCAP;

		if (!caps || cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_CLEAR) == -1 ||
			cap_set_proc(caps) == -1)
			fprintf(out, "setup: %s\n", strerror(errno));
		cap_free(caps);
	}
	rc = privs_drop_keep(s->user, s->keep, err, sizeof(err));
	fprintf(out, "rc: %d\nerr: %s\n", rc, err);
	fprintf(out, "bind: %s\n", bind_low_port());
	fprintf(out, "setuid0: %s\n", setuid(0) == 0 ? "ok" : strerror(errno));
	append_file(out, "", "/proc/self/status");
	append_exec_status(out);
	fclose(out);
	_exit(0);
}

/* Run the scenario in a child and return its report (static). */
static const char *run(const struct scenario *s)
{
	static char report[REPORT_MAX];
	size_t len = 0;
	ssize_t n;
	int fds[2], status;
	pid_t pid;

	if (geteuid() != 0)
		fail_msg("test_privs needs root: it checks that root's capabilities are dropped");
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child(s, fds[1]);
	}
	close(fds[1]);
	while (len < sizeof(report) - 1 &&
		(n = read(fds[0], report + len, sizeof(report) - 1 - len)) > 0)
		len += (size_t)n;
	report[len] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return report;
}

/* The value after "name:" on its own line of the report, blanks squeezed (static). */
static const char *field(const char *report, const char *name)
{
	static char value[256];
	size_t len = strlen(name), o = 0;
	const char *line, *p;

	for (line = report; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, name, len) != 0 || line[len] != ':')
			continue;
		for (p = line + len + 1; *p == ' ' || *p == '\t'; p++)
			;
		for (; *p && *p != '\n' && o + 1 < sizeof(value); p++)
			if (!(o && (*p == '\t' || *p == ' ') && value[o - 1] == ' '))
				value[o++] = *p == '\t' ? ' ' : *p;
		while (o && value[o - 1] == ' ')
			o--; /* "Groups:\t65534 \n" */
		value[o] = '\0';
		return value;
	}
	fprintf(stderr, "--- the child's report:\n%s---\n", report);
	fail_msg("no '%s:' in the report", name);
	return NULL;
}

static void assert_field(const char *report, const char *name, const char *want)
{
	const char *got = field(report, name);

	if (strcmp(got, want) != 0) {
		fprintf(stderr, "--- the child's report:\n%s---\n", report);
		fail_msg("%s: got '%s', want '%s'", name, got, want);
	}
}

static void assert_no_caps(const char *r, const char *prefix)
{
	static const char *const sets[] = {"CapInh", "CapPrm", "CapEff", "CapAmb"};
	char name[32];
	size_t i;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", prefix, sets[i]);
		assert_field(r, name, "0000000000000000");
	}
}

static void test_drop_all(void **state)
{
	const struct scenario s = {NULL, 0, false};
	const char *r = run(&s);

	(void)state;
	assert_field(r, "rc", "0");
	assert_no_caps(r, "");
	assert_field(r, "CapBnd", "0000000000000000");
	assert_field(r, "NoNewPrivs", "1");
	assert_field(r, "Uid", "0 0 0 0");
	assert_field(r, "bind", "EACCES");
	/* uid 0 but nothing to regain: even a program executed as root starts with nothing */
	assert_no_caps(r, "exec.");
	assert_field(r, "exec.CapBnd", "0000000000000000");
}

static void test_drop_to_user(void **state)
{
	const struct scenario s = {"nobody", 0, false};
	const char *r = run(&s);

	(void)state;
	assert_field(r, "rc", "0");
	assert_field(r, "Uid", "65534 65534 65534 65534");
	assert_field(r, "Gid", "65534 65534 65534 65534");
	assert_field(r, "Groups", "65534");
	assert_no_caps(r, "");
	assert_field(r, "CapBnd", "0000000000000000");
	assert_field(r, "setuid0", "Operation not permitted");
	assert_field(r, "bind", "EACCES");
	assert_no_caps(r, "exec.");
}

static void test_keep_net_bind_service(void **state)
{
	const struct scenario s = {"nobody", PRIVS_KEEP_NET_BIND_SERVICE, false};
	const char *r = run(&s);

	(void)state;
	assert_field(r, "rc", "0");
	assert_field(r, "Uid", "65534 65534 65534 65534");
	assert_field(r, "CapEff", "0000000000000400");
	assert_field(r, "CapPrm", "0000000000000400");
	assert_field(r, "CapInh", "0000000000000000");
	assert_field(r, "CapAmb", "0000000000000000");
	assert_field(r, "CapBnd", "0000000000000000");
	assert_field(r, "bind", "ok");
	assert_field(r, "setuid0", "Operation not permitted");
	assert_no_caps(r, "exec."); /* not passed on */

	/* as root, too */
	{
		const struct scenario s2 = {NULL, PRIVS_KEEP_NET_BIND_SERVICE, false};

		r = run(&s2);
		assert_field(r, "rc", "0");
		assert_field(r, "CapEff", "0000000000000400");
		assert_field(r, "bind", "ok");
	}
}

/* A systemd unit whose CapabilityBoundingSet lacks CAP_SETPCAP: the bounding set stays, but
 * no_new_privs keeps an executed program (even as uid 0) from getting any of it. */
static void test_without_setpcap(void **state)
{
	const struct scenario s = {NULL, 0, true};
	const char *r = run(&s);

	(void)state;
	assert_field(r, "rc", "0");
	assert_no_caps(r, "");
	assert_true(strcmp(field(r, "CapBnd"), "0000000000000000") != 0);
	assert_field(r, "NoNewPrivs", "1");
	assert_no_caps(r, "exec.");
}

static void test_unknown_user(void **state)
{
	const struct scenario s = {"no-such-user-procship", 0, false};
	const char *r = run(&s);

	(void)state;
	assert_field(r, "rc", "-2");
	assert_field(r, "err", "privs: unknown user 'no-such-user-procship'");
	/* refused before anything changed */
	assert_field(r, "NoNewPrivs", "0");
	assert_true(strcmp(field(r, "CapEff"), "0000000000000000") != 0);
}

static void test_bad_keep(void **state)
{
	char err[128];

	(void)state;
	/* refused before anything changes, so the test process itself may call it */
	assert_int_equal(privs_drop_keep(NULL, 0x80, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "privs: unknown capability to keep: 0x80");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_all),
		cmocka_unit_test(test_drop_to_user),
		cmocka_unit_test(test_keep_net_bind_service),
		cmocka_unit_test(test_without_setpcap),
		cmocka_unit_test(test_unknown_user),
		cmocka_unit_test(test_bad_keep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
