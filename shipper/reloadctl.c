/* SPDX-License-Identifier: Apache-2.0 */
/* `procship reload`: SIGHUP with a question, and the daemon's answer; see reloadctl.h. */
#include "shipper/reloadctl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The sigqueue(3) value that asks for an answer: "PSRL". */
#define RELOADCTL_ASK 0x5053524c

#define DEFAULT_TIMEOUT_S 30

void reloadctl_answer(const struct signalfd_siginfo *si, int result)
{
	if (si->ssi_code != SI_QUEUE || si->ssi_int != RELOADCTL_ASK || si->ssi_pid == 0)
		return;
	/* The asker waits with both signals blocked and answers come within the turn. Were it
	 * gone and its pid reused, the kernel's permission check still limits the signal to
	 * processes we may signal anyway. */
	(void)kill((pid_t)si->ssi_pid, result == 0 ? SIGUSR1 : SIGUSR2);
}

static int usage(void)
{
	fprintf(stderr, "usage: procship reload [--timeout SECONDS] PID\n");
	return 2;
}

static int parse_args(int argc, char **argv, pid_t *pid, int *timeout)
{
	char *end;
	long v;
	int i;

	*pid = 0;
	*timeout = DEFAULT_TIMEOUT_S;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			v = strtol(argv[++i], &end, 10);
			if (*end || v < 1 || v > 3600) {
				fprintf(stderr, "procship reload: --timeout: '%s' is not 1..3600\n",
					argv[i]);
				return -1;
			}
			*timeout = (int)v;
			continue;
		}
		v = strtol(argv[i], &end, 10);
		if (*end || v < 2 || v > 0x7fffffff || *pid) {
			fprintf(stderr, "procship reload: '%s' is not a process id\n", argv[i]);
			return -1;
		}
		*pid = (pid_t)v;
	}
	return *pid ? 0 : -1;
}

/* The answer, from that pid only: 0 reloaded, 1 refused, -1 no answer (said here). 1 s
 * slices, so that a daemon that died is noticed. */
static int wait_answer(pid_t pid, int timeout)
{
	struct timespec slice = {1, 0};
	sigset_t set;
	siginfo_t si;
	int waited;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	for (waited = 0; waited < timeout; waited++) {
		int sig = sigtimedwait(&set, &si, &slice);

		if (sig > 0 && si.si_pid == pid)
			return sig == SIGUSR1 ? 0 : 1;
		if (sig == -1 && errno != EAGAIN && errno != EINTR)
			break;
		if (kill(pid, 0) == -1 && errno == ESRCH) {
			fprintf(stderr, "procship reload: process %d ended during the reload\n",
				(int)pid);
			return -1;
		}
	}
	fprintf(stderr, "procship reload: no answer from process %d within %d s\n", (int)pid,
		timeout);
	return -1;
}

int reloadctl_main(int argc, char **argv)
{
	union sigval value = {.sival_int = RELOADCTL_ASK};
	sigset_t set;
	pid_t pid;
	int timeout, ret;

	if (parse_args(argc, argv, &pid, &timeout) != 0)
		return usage();
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	/* Blocked before asking, so that an answer that comes at once is not lost. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 || sigqueue(pid, SIGHUP, value) == -1) {
		fprintf(stderr, "procship reload: signal process %d: %s\n", (int)pid,
			strerror(errno));
		return 1;
	}
	ret = wait_answer(pid, timeout);
	if (ret == 0)
		printf("procship reload: process %d reloaded its configuration\n", (int)pid);
	else if (ret == 1)
		fprintf(stderr,
			"procship reload: process %d refused the new configuration and keeps the "
			"running one; its log says why\n",
			(int)pid);
	return ret == 0 ? 0 : 1;
}
