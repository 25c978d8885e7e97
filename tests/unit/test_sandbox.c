/* SPDX-License-Identifier: Apache-2.0 */
/* sandbox: the allowlist refuses what procship never does once started (execve, fork, a
 * program load, a packet socket, ptrace), in kill mode with one line naming the call and death
 * by SIGSYS, in errno mode with EPERM; what it does (files, UDP, threads) still works. Each
 * case runs in a child: a filter cannot be taken off. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "shipper/sys/sandbox.h"

/* What the child does once the filter is on; its exit status is the test's verdict. */
typedef int child_fn(void);

/* Run fn in a child under mode: its wait status, and its standard error in errbuf. */
static int in_child(enum sandbox_mode mode, child_fn *fn, char *errbuf, size_t size)
{
	int p[2], status = 0;
	char err[256];
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0 ||
			sandbox_install(mode, err, sizeof(err)) != 0)
			_exit(99);
		_exit(fn());
	}
	close(p[1]);
	n = read(p[0], errbuf, size - 1);
	errbuf[n > 0 ? n : 0] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static int do_execve(void)
{
	char *argv[] = {"true", NULL};

	execve("/bin/true", argv, NULL);
	return errno == EPERM ? 0 : 1;
}

static int do_fork(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	return pid == -1 && errno == EPERM ? 0 : 1;
}

static int do_refused(void)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	if (syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)) != -1 || errno != EPERM)
		return 1;
	if (socket(AF_PACKET, SOCK_RAW, 0) != -1 || errno != EPERM)
		return 2;
#if !defined(__SANITIZE_ADDRESS__) /* the sanitizer's leak check needs ptrace at exit */
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != -1 || errno != EPERM)
		return 3;
#endif
	if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
		return 4;
	if (syscall(SYS_unshare, 0) != -1 || errno != EPERM)
		return 5;
	return 0;
}

static void *thread_main(void *arg)
{
	return arg;
}

/* What procship does once started. */
static int do_allowed(void)
{
	char path[] = "/tmp/test_sandbox.XXXXXX";
	pthread_t th;
	void *ret = NULL;
	int fd, s;

	fd = mkstemp(path);
	if (fd < 0 || write(fd, "x\n", 2) != 2 || fsync(fd) != 0 || close(fd) != 0)
		return 1;
	if (unlink(path) != 0)
		return 2;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || close(s) != 0)
		return 3;
	if (pthread_create(&th, NULL, thread_main, (void *)1) != 0 || pthread_join(th, &ret) ||
		ret != (void *)1)
		return 4;
	if (kill(getpid(), 0) != 0)
		return 5;
	free(malloc(1 << 20));
	return 0;
}

static void test_kill_mode(void **state)
{
	char err[512];
	int status;

	(void)state;
	status = in_child(SANDBOX_KILL, do_execve, err, sizeof(err));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
	assert_string_equal(err, "procship: fatal: seccomp: system call 59 (execve) is not in the "
				 "allowlist: killed by SIGSYS\n");
	status = in_child(SANDBOX_KILL, do_fork, err, sizeof(err));
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
	assert_non_null(strstr(err, "(clone)"));
	status = in_child(SANDBOX_KILL, do_allowed, err, sizeof(err));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(err, "");
}

static void test_errno_mode(void **state)
{
	char err[512];
	int status;

	(void)state;
	status = in_child(SANDBOX_ERRNO, do_execve, err, sizeof(err));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	status = in_child(SANDBOX_ERRNO, do_fork, err, sizeof(err));
	assert_int_equal(WEXITSTATUS(status), 0);
	status = in_child(SANDBOX_ERRNO, do_refused, err, sizeof(err));
	assert_int_equal(WEXITSTATUS(status), 0);
	status = in_child(SANDBOX_ERRNO, do_allowed, err, sizeof(err));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(sandbox_mode_from_name("kill"), SANDBOX_KILL);
	assert_int_equal(sandbox_mode_from_name("errno"), SANDBOX_ERRNO);
	assert_int_equal(sandbox_mode_from_name("log"), SANDBOX_LOG);
	assert_int_equal(sandbox_mode_from_name("off"), SANDBOX_OFF);
	assert_int_equal(sandbox_mode_from_name("on"), -1);
	assert_string_equal(sandbox_mode_name(SANDBOX_ERRNO), "errno");
}

/* Inherited descriptors are closed (make's jobserver ones too); socket activation's are
 * kept. */
static void test_close_inherited(void **state)
{
	char pid[16];
	int fd;

	(void)state;
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 3), 3); /* "passed by systemd" */
	assert_int_equal(dup2(fd, 50), 50);
	assert_int_equal(dup2(fd, 51), 51);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "1", 1);
	assert_true(sandbox_close_inherited() >= 2);
	assert_true(fcntl(3, F_GETFD) >= 0);
	assert_int_equal(fcntl(50, F_GETFD), -1);
	assert_int_equal(fcntl(51, F_GETFD), -1);
	/* LISTEN_PID of another process: nothing is kept */
	setenv("LISTEN_PID", "1", 1);
	assert_true(sandbox_close_inherited() >= 1);
	assert_int_equal(fcntl(3, F_GETFD), -1);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_kill_mode),
		cmocka_unit_test(test_errno_mode),
		cmocka_unit_test(test_close_inherited),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
