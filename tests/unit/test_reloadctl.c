/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for `procship reload`: the subcommand against a child playing the daemon (a
 * signalfd and reloadctl_answer), a plain SIGHUP left unanswered, a deaf pid, usage errors. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "shipper/reloadctl.h"

/* A child that reads one SIGHUP from a signalfd, as the daemon's loop does, and answers as if
 * its reload returned result. Its exit status is the SIGHUP's si_code == SI_QUEUE. */
static pid_t daemon_child(int result, int ready[2])
{
	pid_t pid = fork();
	struct signalfd_siginfo si;
	sigset_t set;
	int fd;

	assert_true(pid >= 0);
	if (pid > 0)
		return pid;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, 0);
	if (fd < 0 || write(ready[1], "x", 1) != 1)
		_exit(100);
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		_exit(101);
	reloadctl_answer(&si, result);
	_exit(si.ssi_code == SI_QUEUE ? 0 : 1);
}

static pid_t start_child(int result)
{
	int ready[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(ready), 0);
	pid = daemon_child(result, ready);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	close(ready[1]);
	return pid;
}

static int child_status(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int run(int argc, const char *const *argv)
{
	return reloadctl_main(argc, (char **)argv);
}

static void test_applied_and_refused(void **state)
{
	char arg[16];
	const char *argv[] = {"reload", arg};
	pid_t pid;

	(void)state;
	pid = start_child(0);
	snprintf(arg, sizeof(arg), "%d", (int)pid);
	assert_int_equal(run(2, argv), 0);
	assert_int_equal(child_status(pid), 0);

	pid = start_child(-1);
	snprintf(arg, sizeof(arg), "%d", (int)pid);
	assert_int_equal(run(2, argv), 1);
	assert_int_equal(child_status(pid), 0);
}

/* kill -HUP: the daemon reloads and signals no one. */
static void test_plain_sighup_unanswered(void **state)
{
	struct timespec ts = {0, 300 * 1000 * 1000};
	sigset_t set;
	pid_t pid;

	(void)state;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid = start_child(0);
	assert_int_equal(kill(pid, SIGHUP), 0);
	assert_int_equal(child_status(pid), 1);
	assert_int_equal(sigtimedwait(&set, NULL, &ts), -1);
	assert_int_equal(errno, EAGAIN);
}

static void test_deaf_and_gone(void **state)
{
	char arg[16];
	const char *argv[] = {"reload", "--timeout", "1", arg};
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGHUP, SIG_IGN);
		pause();
		_exit(0);
	}
	usleep(100 * 1000);
	snprintf(arg, sizeof(arg), "%d", (int)pid);
	assert_int_equal(run(4, argv), 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* now gone: sigqueue itself fails */
	assert_int_equal(run(4, argv), 1);
}

static void test_usage(void **state)
{
	const char *none[] = {"reload"};
	const char *word[] = {"reload", "1x"};
	const char *two[] = {"reload", "100", "200"};
	const char *one[] = {"reload", "1"};
	const char *badt[] = {"reload", "--timeout", "0", "100"};

	(void)state;
	assert_int_equal(run(1, none), 2);
	assert_int_equal(run(2, word), 2);
	assert_int_equal(run(3, two), 2);
	assert_int_equal(run(2, one), 2); /* init is never ours to reload */
	assert_int_equal(run(4, badt), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_applied_and_refused),
		cmocka_unit_test(test_plain_sighup_unanswered),
		cmocka_unit_test(test_deaf_and_gone),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
