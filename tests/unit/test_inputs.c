/* SPDX-License-Identifier: Apache-2.0 */
/* inputs: real unix datagram sockets in a temporary directory, real `logger`, real pipes and
 * files; the messages go through lines_parse() with a sample rulebase, as in the daemon. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <json.h>

#include "shipper/text/inputs.h"
#include "shipper/text/lines.h"

#define MAX_GOT 512

struct got {
	int n;
	char *msg[MAX_GOT];
	size_t len[MAX_GOT];
	unsigned int flags[MAX_GOT];
	pid_t pid[MAX_GOT];
};

static struct got got;
static char dir[48];
static char sock_path[64];

static void on_msg(void *arg, const char *buf, size_t len, unsigned int flags, pid_t pid)
{
	(void)arg;
	assert_true(got.n < MAX_GOT);
	got.msg[got.n] = malloc(len + 1); /* not strndup: a datagram may hold NULs */
	assert_non_null(got.msg[got.n]);
	memcpy(got.msg[got.n], buf, len);
	got.msg[got.n][len] = '\0';
	got.len[got.n] = len;
	got.flags[got.n] = flags;
	got.pid[got.n] = pid;
	got.n++;
}

static void got_reset(void)
{
	int i;

	for (i = 0; i < got.n; i++)
		free(got.msg[i]);
	memset(&got, 0, sizeof(got));
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_inputs_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/log", dir);
	got_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	got_reset();
	unlink(sock_path);
	rmdir(dir);
	return 0;
}

static void send_to(const char *path, const char *msg, size_t len)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_int_equal(
		sendto(fd, msg, len, 0, (struct sockaddr *)&sun, sizeof(sun)), (ssize_t)len);
	close(fd);
}

/* A socket bound at path; closed, it leaves a stale file behind. */
static int bind_at(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* Run a program and wait for it; it must exit 0. */
static void run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s exited with status %d", argv[0], status);
}

static void on_count(void *arg, const char *buf, size_t len, unsigned int flags, pid_t pid)
{
	(void)buf;
	(void)pid;
	assert_int_equal(flags, 0);
	assert_int_equal(len, 11);
	(*(int *)arg)++;
}

/* ---- unix socket ---------------------------------------------------------------------------- */

static void test_unix_sendto(void **state)
{
	char err[256] = "";
	struct input_unix *in = input_unix_new(sock_path, 0, err, sizeof(err));
	struct stat st;

	(void)state;
	if (!in)
		fail_msg("%s", err);
	assert_int_equal(lstat(sock_path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0666);
	assert_string_equal(input_unix_path(in), sock_path);

	assert_int_equal(input_unix_read(in, 0, on_msg, NULL), 0); /* nothing pending */
	send_to(sock_path, "<38>Nov 23 14:24:21 app[1]: one", 32);
	send_to(sock_path, "two\0with nul", 12);
	assert_int_equal(input_unix_read(in, 0, on_msg, NULL), 2);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.msg[0], "<38>Nov 23 14:24:21 app[1]: one");
	assert_int_equal(got.len[1], 12);
	assert_memory_equal(got.msg[1], "two\0with nul", 12);
	assert_int_equal(got.flags[0], 0);
	assert_int_equal(input_unix_get_stats(in)->messages, 2);
	assert_int_equal(input_unix_get_stats(in)->bytes, 44);

	input_unix_free(in);
	assert_int_equal(lstat(sock_path, &st), -1); /* removed at close */
	assert_int_equal(errno, ENOENT);
}

struct parse_ctx {
	struct lines *lines;
	int parsed;
	struct fjson_object *doc[4];
	struct lines_msg msg[4];
};

static void on_parse(void *arg, const char *buf, size_t len, unsigned int flags, pid_t pid)
{
	struct parse_ctx *c = arg;
	struct lines_msg m;
	char *text;

	(void)pid;
	assert_int_equal(lines_parse(c->lines, buf, len,
				 flags & INPUT_F_TRUNCATED ? LINES_IN_TRUNCATED : 0, NULL, &m),
		0);
	assert_true(c->parsed < 4);
	text = strndup(m.json, m.json_len);
	c->doc[c->parsed] = fjson_tokener_parse(text);
	assert_non_null(c->doc[c->parsed]);
	free(text);
	c->msg[c->parsed++] = m;
}

static const char *get(struct fjson_object *o, const char *a, const char *b)
{
	struct fjson_object *x, *y;

	if (!fjson_object_object_get_ex(o, a, &x) || !fjson_object_object_get_ex(x, b, &y))
		return NULL;
	return fjson_object_get_string(y);
}

static void test_unix_logger(void **state)
{
	char *const plain[] = {"logger", "-u", sock_path, "-t", "sshd", "-p", "auth.info",
		"Accepted password for alice from 192.0.2.1 port 2222 ssh2", NULL};
	char *const rfc5424[] = {"logger", "-u", sock_path, "--rfc5424", "--msgid", "LOGIN", "-t",
		"sshd", "-p", "authpriv.warning",
		"Failed password for root from 2001:db8::7 port 4444 ssh2", NULL};
	char err[256] = "";
	struct parse_ctx c = {0};
	struct input_unix *in = input_unix_new(sock_path, 0, err, sizeof(err));
	int i;

	(void)state;
	if (!in)
		fail_msg("%s", err);
	c.lines = lines_new("conf/rulebases/sshd.rb", "node-1", err, sizeof(err));
	if (!c.lines)
		fail_msg("%s", err);
	lines_set_json(c.lines, true);

	run(plain);
	run(rfc5424);
	assert_int_equal(input_unix_read(in, 0, on_parse, &c), 2);
	assert_int_equal(c.parsed, 2);

	assert_int_equal(c.msg[0].form, LINES_FORM_RFC3164);
	assert_int_equal(c.msg[0].facility, 4);
	assert_int_equal(c.msg[0].severity, 6);
	assert_string_equal(c.msg[0].app_name, "sshd");
	assert_string_equal(get(c.doc[0], "syslog", "facility"), "auth");
	assert_string_equal(get(c.doc[0], "syslog", "app_name"), "sshd");
	assert_string_equal(get(c.doc[0], "fields", "user"), "alice");
	assert_string_equal(get(c.doc[0], "fields", "src_ip"), "192.0.2.1");

	assert_int_equal(c.msg[1].form, LINES_FORM_RFC5424);
	assert_int_equal(c.msg[1].facility, 10);
	assert_int_equal(c.msg[1].severity, 4);
	assert_string_equal(c.msg[1].msgid, "LOGIN");
	assert_string_equal(get(c.doc[1], "syslog", "severity"), "warning");
	assert_string_equal(get(c.doc[1], "syslog", "msgid"), "LOGIN");
	assert_string_equal(get(c.doc[1], "fields", "user"), "root");
	assert_string_equal(get(c.doc[1], "fields", "src_ip"), "2001:db8::7");
	assert_non_null(get(c.doc[1], "syslog", "hostname"));

	for (i = 0; i < c.parsed; i++)
		fjson_object_put(c.doc[i]);
	lines_free(c.lines);
	input_unix_free(in);
}

static void test_unix_oversized(void **state)
{
	char err[256] = "", big[300];
	struct input_unix *in = input_unix_new(sock_path, 100, err, sizeof(err));

	(void)state;
	if (!in)
		fail_msg("%s", err);
	memset(big, 'x', sizeof(big));
	send_to(sock_path, big, sizeof(big));
	send_to(sock_path, big, 100); /* exactly the limit: whole */
	assert_int_equal(input_unix_read(in, 0, on_msg, NULL), 2);
	assert_int_equal(got.len[0], 100);
	assert_int_equal(got.flags[0], INPUT_F_TRUNCATED);
	assert_int_equal(got.len[1], 100);
	assert_int_equal(got.flags[1], 0);
	assert_int_equal(input_unix_get_stats(in)->truncated, 1);
	input_unix_free(in);
}

static void test_unix_budget(void **state)
{
	char err[256] = "";
	struct input_unix *in = input_unix_new(sock_path, 0, err, sizeof(err));
	int i;

	(void)state;
	if (!in)
		fail_msg("%s", err);
	/* Fewer than net.unix.max_dgram_qlen (10 here), or sendto would block. */
	for (i = 0; i < 8; i++)
		send_to(sock_path, "m", 1);
	assert_int_equal(input_unix_read(in, 3, on_msg, NULL), 3);
	assert_int_equal(input_unix_get_stats(in)->budget_hits, 1);
	assert_int_equal(input_unix_read(in, 0, on_msg, NULL), 5);
	assert_int_equal(input_unix_get_stats(in)->budget_hits, 1);
	assert_int_equal(input_unix_get_stats(in)->messages, 8);
	assert_int_equal(got.n, 8);
	input_unix_free(in);
}

static int sysctl_qlen(void)
{
	FILE *f = fopen("/proc/sys/net/unix/max_dgram_qlen", "r");
	int v = -1;

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &v), 1);
	fclose(f);
	return v;
}

/* The loop decides whether to coalesce from the queue a socket has, the system's included. */
static void test_unix_qlen(void **state)
{
	char err[256] = "";
	struct input_unix *in;
	int fd;

	(void)state;
	in = input_unix_new(sock_path, 0, err, sizeof(err));
	if (!in)
		fail_msg("%s", err);
	assert_int_equal(input_unix_queue(in), 0);
	assert_int_equal(input_unix_qlen(in), sysctl_qlen());
	input_unix_free(in);
	fd = bind_at(sock_path);
	in = input_unix_adopt(fd, 0, err, sizeof(err));
	if (!in)
		fail_msg("%s", err);
	assert_int_equal(input_unix_qlen(in), sysctl_qlen());
	input_unix_free(in);
}

static void test_unix_stale_replaced(void **state)
{
	char err[256] = "";
	struct input_unix *in;

	(void)state;
	close(bind_at(sock_path)); /* the file stays, nobody listens */
	in = input_unix_new(sock_path, 0, err, sizeof(err));
	if (!in)
		fail_msg("%s", err);
	send_to(sock_path, "after", 5);
	assert_int_equal(input_unix_read(in, 0, on_msg, NULL), 1);
	assert_string_equal(got.msg[0], "after");
	input_unix_free(in);
}

static void test_unix_in_use(void **state)
{
	char err[256] = "";
	int fd = bind_at(sock_path);
	struct input_unix *in;
	struct stat st;

	(void)state;
	in = input_unix_new(sock_path, 0, err, sizeof(err));
	assert_null(in);
	assert_int_equal(errno, EADDRINUSE);
	assert_true(strlen(err) > 0);
	assert_non_null(strstr(err, sock_path));
	assert_non_null(strstr(err, "in use by another process"));
	fprintf(stderr, "in use: %s\n", err);
	/* The other process's socket is untouched. */
	assert_int_equal(lstat(sock_path, &st), 0);
	close(fd);
}

static void test_unix_refusals(void **state)
{
	char err[256] = "", longp[200];
	struct input_unix *in, *other;
	struct stat st;
	int fd;

	(void)state;
	/* A regular file is never removed. */
	fd = open(sock_path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_null(input_unix_new(sock_path, 0, err, sizeof(err)));
	assert_int_equal(errno, EEXIST);
	assert_non_null(strstr(err, "not a socket"));
	unlink(sock_path);

	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_null(input_unix_new(longp, 0, err, sizeof(err)));
	assert_int_equal(errno, ENAMETOOLONG);

	/* A socket that replaced ours is not removed by our free. */
	in = input_unix_new(sock_path, 0, err, sizeof(err));
	assert_non_null(in);
	unlink(sock_path);
	other = input_unix_new(sock_path, 0, err, sizeof(err));
	assert_non_null(other);
	input_unix_free(in);
	assert_int_equal(lstat(sock_path, &st), 0);
	input_unix_free(other);
	assert_int_equal(lstat(sock_path, &st), -1);
}

/* The kernel names the sender; a relayed message keeps MSG byte for byte but for controls. */
static void test_unix_creds_and_relay(void **state)
{
	static const char raw[] = "<38>Nov 23 14:09:17 sshd[1]:  x \xff\x01 y";
	char err[256] = "";
	struct input_unix *in = input_unix_new(sock_path, 0, err, sizeof(err));
	struct lines *l = lines_new(NULL, "n", err, sizeof(err));
	struct lines_msg m;

	(void)state;
	assert_non_null(in);
	assert_non_null(l);
	send_to(sock_path, raw, strlen(raw));
	assert_int_equal(input_unix_read(in, 0, on_msg, NULL), 1);
	assert_int_equal(got.pid[0], getpid());
	assert_int_equal(input_unix_get_stats(in)->no_creds, 0);
	assert_int_equal(lines_parse(l, got.msg[0], got.len[0], 0, NULL, &m), 0);
	assert_null(m.json);
	assert_string_equal(m.app_name, "sshd");
	assert_string_equal(m.procid, "1");
	/* with the space after the TAG, as rsyslog keeps it; the control byte escaped so */
	assert_int_equal(m.msg_len, 11);
	assert_memory_equal(m.msg, "  x \xff#001 y", 11);
	lines_free(l);
	input_unix_free(in);
}

/* A symbolic link (systemd's /dev/log) only when told; a passed socket is read as it is and its
 * file left alone. */
static void test_unix_symlink_and_adopt(void **state)
{
	struct input_unix_conf c = {.path = sock_path};
	char err[300] = "", target[80];
	struct input_unix *in;
	struct stat st;
	int fd;

	(void)state;
	snprintf(target, sizeof(target), "%s/target", dir);
	assert_int_equal(symlink(target, sock_path), 0);
	assert_null(input_unix_open(&c, err, sizeof(err)));
	assert_int_equal(errno, EEXIST);
	assert_non_null(strstr(err, "--input-unix-replace-symlink"));
	c.replace_symlink = true;
	in = input_unix_open(&c, err, sizeof(err));
	assert_non_null(in);
	assert_int_equal(lstat(sock_path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	input_unix_free(in);

	fd = bind_at(sock_path);
	in = input_unix_adopt(fd, 0, err, sizeof(err));
	assert_non_null(in);
	send_to(sock_path, "passed", 6);
	assert_int_equal(input_unix_read(in, 0, on_msg, NULL), 1);
	assert_int_equal(got.pid[0], getpid());
	input_unix_free(in);
	assert_int_equal(lstat(sock_path, &st), 0);
	fd = open(target, O_CREAT | O_WRONLY, 0600);
	assert_null(input_unix_adopt(fd, 0, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	unlink(target);
}

/* ---- stdin ---------------------------------------------------------------------------------- */

static void test_stdin_pipe(void **state)
{
	char err[256] = "";
	struct input_stdin *in;
	int p[2], fl;

	(void)state;
	assert_int_equal(pipe(p), 0);
	fl = fcntl(p[0], F_GETFL);
	in = input_stdin_new(p[0], 0, err, sizeof(err));
	if (!in)
		fail_msg("%s", err);
	assert_true(input_stdin_pollable(in));
	assert_int_equal(input_stdin_fd(in), p[0]);
	assert_true(fcntl(p[0], F_GETFL) & O_NONBLOCK);

	assert_int_equal(input_stdin_read(in, on_msg, NULL), 0); /* EAGAIN */
	assert_false(input_stdin_eof(in));

	assert_int_equal(write(p[1], "{\"a\":1}\nhalf", 12), 12);
	assert_int_equal(input_stdin_read(in, on_msg, NULL), 1);
	assert_string_equal(got.msg[0], "{\"a\":1}");
	assert_int_equal(write(p[1], " line\r\n\nend", 11), 11);
	assert_int_equal(input_stdin_read(in, on_msg, NULL), 2);
	assert_string_equal(got.msg[1], "half line\r"); /* lines_parse drops the '\r' */
	assert_string_equal(got.msg[2], "");

	close(p[1]);
	assert_int_equal(input_stdin_read(in, on_msg, NULL), 1);
	assert_string_equal(got.msg[3], "end"); /* the last line needs no '\n' */
	assert_true(input_stdin_eof(in));
	assert_int_equal(input_stdin_read(in, on_msg, NULL), 0);
	assert_int_equal(input_stdin_get_stats(in)->lines, 4);

	input_stdin_free(in);
	assert_int_equal(fcntl(p[0], F_GETFL), fl); /* O_NONBLOCK taken back */
	close(p[0]);
}

static void test_stdin_long_lines(void **state)
{
	char err[256] = "", big[70000];
	struct input_stdin *in;
	int p[2], i;

	(void)state;
	assert_int_equal(pipe(p), 0);
	in = input_stdin_new(p[0], 10, err, sizeof(err));
	assert_non_null(in);

	/* Cut with its '\n' in the same read. */
	assert_int_equal(write(p[1], "0123456789ABCDEF\nnext\n", 22), 22);
	assert_int_equal(input_stdin_read(in, on_msg, NULL), 2);
	assert_string_equal(got.msg[0], "0123456789");
	assert_int_equal(got.flags[0], INPUT_F_TRUNCATED);
	assert_string_equal(got.msg[1], "next");
	assert_int_equal(got.flags[1], 0);

	/* Longer than a whole read, '\n' much later: shipped once, the tail discarded. */
	memset(big, 'x', sizeof(big));
	big[0] = 'S';
	assert_int_equal(fcntl(p[1], F_SETPIPE_SZ, 1 << 20) >= (int)sizeof(big), 1);
	assert_int_equal(write(p[1], big, sizeof(big)), (ssize_t)sizeof(big));
	assert_int_equal(write(p[1], "tail\nok\n", 8), 8);
	for (i = 0; i < 10 && got.n < 4; i++)
		assert_true(input_stdin_read(in, on_msg, NULL) >= 0);
	assert_int_equal(got.n, 4);
	assert_string_equal(got.msg[2], "Sxxxxxxxxx");
	assert_int_equal(got.flags[2], INPUT_F_TRUNCATED);
	assert_string_equal(got.msg[3], "ok");
	assert_int_equal(input_stdin_get_stats(in)->truncated, 2);
	assert_int_equal(input_stdin_get_stats(in)->discarded_bytes, 6 + sizeof(big) - 10 + 4);
	input_stdin_free(in);
	close(p[0]);
	close(p[1]);
}

static void test_stdin_regular_file(void **state)
{
	char path[] = "/tmp/test_inputs_file_XXXXXX", err[256] = "";
	struct input_stdin *in;
	int fd, i, fl, n = 0;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	for (i = 0; i < 20000; i++)
		assert_int_equal(write(fd, "{\"n\":12345}\n", 12), 12);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	fl = fcntl(fd, F_GETFL);
	in = input_stdin_new(fd, 0, err, sizeof(err));
	assert_non_null(in);
	assert_false(input_stdin_pollable(in)); /* epoll would refuse it */
	/* Bounded work per call: 240 000 bytes take several reads. */
	assert_true(input_stdin_read(in, on_count, &n) < 20000);
	while (!input_stdin_eof(in))
		assert_true(input_stdin_read(in, on_count, &n) >= 0);
	assert_int_equal(n, 20000);
	assert_int_equal(input_stdin_get_stats(in)->lines, 20000);
	input_stdin_free(in);
	assert_int_equal(fcntl(fd, F_GETFL), fl);
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unix_sendto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_logger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_oversized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_stale_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_creds_and_relay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_symlink_and_adopt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_qlen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stdin_pipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stdin_long_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stdin_regular_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
